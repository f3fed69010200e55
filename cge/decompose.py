"""CO2 decomposition (additive LMDI-I; Ang 2005, Energy Policy 33:867-871), exact by construction.

Emissions are split by source and each source into multiplicative factors:

* combustion in activity ``j`` (not power plants): ``Y (X_j/Y) (E_j/X_j) (C_j/(R E_j)) R``
  -> scale, structure, energy intensity, fuel mix, residual;
* power plants: ``Y (G/Y) (C_p/(R G)) R`` with ``G`` generation in TWh -> scale, structure
  (electricity per unit of GDP), power mix (CO2 per TWh), residual;
* process CO2 of ``j``: ``Y (X_j/Y) (P_j/(R X_j)) R`` -> scale, structure, process, residual;
* households: ``Y (C_h/(R Y)) R`` -> scale, energy intensity, residual.

``Y`` is real GDP, ``X_j`` real output, ``E_j`` real fossil-fuel use, ``R`` the reported
residual CO2-intensity index (``ares``).  The baseline is decomposed year on year (change from
the previous year); a policy scenario against the baseline of the same year.  Each factor's
contribution is ``L(C1, C0) ln(f1 / f0)`` summed over sources, ``L`` the logarithmic mean, so
the factors add up to the change in national CO2.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

FACTORS = ["scale", "structure", "energy_intensity", "fuel_mix", "power_mix", "process", "residual"]
NEEDS = ["co2", "gdp", "ares", "co2_sector", "co2_process", "output", "fossil_use", "generation", "co2_household"]


def _logmean(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Logarithmic mean L(a, b) = (a - b) / (ln a - ln b), = a where a == b."""
    a, b = np.maximum(a, 1e-300), np.maximum(b, 1e-300)
    same = np.isclose(a, b, rtol=1e-12, atol=0)
    return np.where(same, a, (a - b) / np.where(same, 1.0, np.log(a) - np.log(b)))


def _sources(d: xr.Dataset, gen: list[str]) -> list[tuple[np.ndarray, dict[str, np.ndarray]]]:
    """(CO2, factors) of every source of one state (one scenario and year)."""
    names = [str(j) for j in d.sector.values]
    p = d.co2_process.to_numpy()
    g = float(d.generation.sum()) if "generation" in d else None
    return _sources_of(float(d.gdp), float(d.ares) if "ares" in d else 1.0, np.array([j in gen for j in names], dtype=bool),
                       p, d.co2_sector.to_numpy() - p, d.output.to_numpy(), d.fossil_use.to_numpy(), g,
                       float(d.co2_household), bool(gen))


def _sources_of(y: float, r: float, is_gen: np.ndarray, p: np.ndarray, comb: np.ndarray, x: np.ndarray,
                e: np.ndarray, g: float | None, h: float, has_gen: bool) -> list:
    """:func:`_sources` from one state's numbers: real GDP ``y``, residual index ``r``, power
    sectors ``is_gen``, process and combustion CO2, output, fossil use by sector, generation ``g``
    (None: output of the power sectors instead) and household CO2 ``h``."""
    out = []
    for k in range(len(comb)):
        if is_gen[k] or comb[k] <= 0:
            continue
        out.append((comb[k], {"scale": y, "structure": x[k] / y, "energy_intensity": e[k] / x[k],
                              "fuel_mix": comb[k] / (r * e[k]), "residual": r}))
    if has_gen:
        g = g if g is not None else float(x[is_gen].sum())
        cp = float(comb[is_gen].sum())
        if cp > 0:
            out.append((cp, {"scale": y, "structure": g / y, "power_mix": cp / (r * g), "residual": r}))
    for k in range(len(p)):
        if p[k] > 0:
            out.append((p[k], {"scale": y, "structure": x[k] / y, "process": p[k] / (r * x[k]), "residual": r}))
    if h > 0:
        out.append((h, {"scale": y, "energy_intensity": h / (r * y), "residual": r}))
    return out


def lmdi(d0: xr.Dataset, d1: xr.Dataset, gen: list[str]) -> dict[str, float]:
    """Contribution of each factor (Mt CO2) to the change in CO2 from state ``d0`` to ``d1``."""
    return _lmdi(_sources(d0, gen), _sources(d1, gen))


def _lmdi(s0: list, s1: list) -> dict[str, float]:
    """:func:`lmdi` of the sources of two states."""
    if len(s0) != len(s1):
        raise ValueError("the two states have different emitting sources")
    out = dict.fromkeys(FACTORS, 0.0)
    for (c0, f0), (c1, f1) in zip(s0, s1):
        w = float(_logmean(np.array(c1), np.array(c0)))
        for k in f0:
            out[k] += w * float(np.log(f1[k] / f0[k]))
    return out


def reference_pairs(ds: xr.Dataset):
    """(scenario position, year position, reference state, state) for every decomposed cell: the
    baseline against its previous year (nothing in the first year), each policy scenario against the
    baseline of the same year."""
    years = [int(y) for y in ds.year.values]
    base = ds.sel(scenario="baseline")
    for a, sc in enumerate(ds.scenario.values):
        cur = ds.sel(scenario=sc)
        for b, yr in enumerate(years):
            if sc == "baseline":
                if b == 0:
                    continue
                yield a, b, base.sel(year=years[b - 1]), base.sel(year=yr)
            else:
                yield a, b, base.sel(year=yr), cur.sel(year=yr)


def co2_decomposition(ds: xr.Dataset) -> xr.DataArray:
    """Mt CO2 by scenario, year and factor: the baseline's change from the previous year, each
    policy scenario's difference from the baseline in the same year (zero in the first year)."""
    gen = [str(g) for g in ds.gen.values] if "gen" in ds.coords else []
    years = [int(y) for y in ds.year.values]
    data = np.zeros((ds.sizes["scenario"], len(years), len(FACTORS)))
    arr = {v: ds[v].transpose("scenario", "year", ...).to_numpy() for v in NEEDS if v in ds}   # numpy, not a selection per state
    co2 = arr["co2"]
    scen = list(ds.scenario.values)
    base = scen.index("baseline")
    is_gen = np.array([str(j) in gen for j in ds.sector.values], dtype=bool)
    sources: dict = {}                              # each state's sources once (a baseline year is the reference of every scenario)

    def src(a: int, b: int) -> list:
        if (a, b) not in sources:
            p = arr["co2_process"][a, b]
            g = float(np.nansum(arr["generation"][a, b])) if "generation" in arr else None   # as xarray's sum
            sources[(a, b)] = _sources_of(float(arr["gdp"][a, b]), float(arr["ares"][a, b]) if "ares" in arr else 1.0,
                                          is_gen, p, arr["co2_sector"][a, b] - p, arr["output"][a, b],
                                          arr["fossil_use"][a, b], g, float(arr["co2_household"][a, b]), bool(gen))
        return sources[(a, b)]
    for a, sc in enumerate(scen):                  # the pairs of :func:`reference_pairs`
        for b in range(len(years)):
            ref = (base, b - 1) if sc == "baseline" else (base, b)
            if ref[1] < 0 or float(np.abs(co2[a, b] - co2[ref])) == 0.0:
                continue
            res = _lmdi(src(*ref), src(a, b))
            data[a, b] = [res[f] for f in FACTORS]
    return xr.DataArray(data, coords={"scenario": ds.scenario.values, "year": years, "factor": FACTORS},
                        dims=("scenario", "year", "factor"), name="co2_decomposition",
                        attrs={"units": "Mt CO2", "long_name": "LMDI decomposition of the change in CO2: baseline year on year, "
                               "policy scenarios against the baseline of the same year"})
