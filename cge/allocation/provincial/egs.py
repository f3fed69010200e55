"""Entropy-gravity-Shapley provincial quotas (Zhou et al. 2024, iScience 27:109412, applied to provinces).

Steps (the paper's STAR Methods, Equations 1-13), reusing :mod:`.entropy`, :mod:`.gravity` and
:mod:`.shapley` unchanged:

1. Nine indicators in the paper's 3 x 3 grid of principle (equity, efficiency, ecology) by
   dimension (society, economy, environment), :data:`INDICATORS`, min-max normalised over the 30
   provinces, all "benefit" as in the paper; entropy weights.
2. Principle indices Eq, Ef, El (weighted sums) and ACI = Eq + Ef + El (Eq. 9); dimension
   scores Sc, Ec, Ev; gravity mass (Sc Ec Ev)^(1/3).
3. Carbon-reduction linkage CRL_ij = m_i m_j / (D_ij^2 L_i L_j) (Eq. 8) with D the great-circle
   distance between provincial capitals (km, panel ``distance_km``) and L a labour-cost proxy.
4. Alliances by maximum linkage (:func:`cge.allocation.gravity.alliances_by_max_linkage`), brought to
   ``n_alliances`` = 6 (ASSUMPTION: the paper has 15 alliances for 184 countries, about 12
   countries each; 6 alliances of about 5 provinces keep the groups small enough to be
   regional and match AMLC's six types for comparison; ``None`` keeps the natural count of the
   pairing rule), merged by average linkage.
5. Two-stage exact Shapley with v(S) = (sum ACI in S) x (sum CRL within S) (Eq. 10-12):
   alliances first, then provinces within their alliance; quota share = Shapley share (Eq. 13).

Provincial substitutes for the World Bank indicators (ASSUMPTIONS, panel data only):
POP -> resident population; GDP -> GRP (current prices); COE (kg CO2 per PPP $) -> t CO2 per
10k yuan; URB -> urbanisation; COP -> yuan GDP per t CO2; CFT (clean cooking fuel access) ->
non-thermal share of power generation (a missing nuclear/solar/hydro value = no such plant = 0);
SRV (service employment) -> tertiary share of GDP; FRT (forest rents, % GDP) -> forest area per
GDP (m2 per 10k yuan); FAR -> forest area (6th inventory 1999-2003; Xinjiang PROXY, see
:func:`cge.allocation.provincial.panel.forest_area_filled`); L (labour cost) -> GDP per capita (10k yuan per
person; the panel's labour series is population rescaled, so GDP per worker is proportional).
Deviations: latest-year values instead of the paper's 5-year means and cumulative population
and GDP since 1990 (the panel's population starts in 2000).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from sam.errors import InputError

from .rules import int_option, check_cap, check_year, get_panel, indicators_at, quota_array, years_note
from .panel import forest_area_filled
from .data._provinces import PROVINCES
from ..entropy import entropy_weight_table
from ..gravity import alliances_by_max_linkage, check_distances, gravity_linkage, gravity_mass
from ..shapley import two_stage_shapley

PRINCIPLES = ("equity", "efficiency", "ecology")
DIMENSIONS = ("society", "economy", "environment")
# indicator: (principle, dimension, units, paper's indicator)
INDICATORS = {
    "population": ("equity", "society", "10k persons", "POP"),
    "gdp": ("equity", "economy", "billion yuan", "GDP"),
    "carbon_intensity": ("equity", "environment", "t CO2 per 10k yuan", "COE"),
    "urbanisation": ("efficiency", "society", "%", "URB"),
    "carbon_productivity": ("efficiency", "economy", "yuan per t CO2", "COP"),
    "non_thermal_power_share": ("efficiency", "environment", "% of generation", "CFT"),
    "tertiary_share": ("ecology", "society", "% of GDP", "SRV"),
    "forest_per_gdp": ("ecology", "economy", "m2 per 10k yuan", "FRT"),
    "forest_area": ("ecology", "environment", "10k ha", "FAR"),
}
GEN = ("gen_thermal", "gen_hydro", "gen_nuclear", "gen_wind", "gen_solar")
DEFAULTS = {"n_alliances": 6, "merge": "average", "seed": 0}


def non_thermal_share(data: xr.Dataset, year: int) -> tuple[np.ndarray, int]:
    """Non-thermal share of generation (%) in the latest year <= ``year`` with thermal and wind for all 30."""
    gen = xr.Dataset({g: data[g] for g in GEN})
    for g in ("gen_hydro", "gen_nuclear", "gen_solar"):     # no value = no plant of that kind (ASSUMPTION)
        gen[g] = gen[g].fillna(0.0)
    full = (gen["gen_thermal"].notnull() & gen["gen_wind"].notnull()).all("province")
    ok = [int(y) for y, f in zip(gen.year.values, full.values) if f and y <= year]
    if not ok:
        raise InputError(f"provincial panel: no year <= {year} with thermal and wind generation for all 30 provinces")
    g = gen.sel(year=ok[-1])
    total = sum(g[v] for v in GEN)
    return (100.0 * (1.0 - g["gen_thermal"] / total)).values.astype(float), ok[-1]


def indicator_table(data: xr.Dataset, year: int) -> tuple[pd.DataFrame, np.ndarray, str]:
    """The nine indicators (province x indicator), the labour-cost proxy (10k yuan per person) and a note."""
    raw, used = indicators_at(data, ["population", "gdp", "co2", "urbanisation", "tertiary_share"], year)
    forest, fnote = forest_area_filled(data)
    nts, gen_year = non_thermal_share(data, year)
    used["non_thermal_power_share"] = gen_year
    gdp10k = raw["gdp"] * 1e5
    t = pd.DataFrame(index=PROVINCES)
    t["population"] = raw["population"]
    t["gdp"] = raw["gdp"]
    t["carbon_intensity"] = raw["co2"] * 1e6 / gdp10k
    t["urbanisation"] = raw["urbanisation"]
    t["carbon_productivity"] = raw["gdp"] * 1e9 / (raw["co2"] * 1e6)
    t["non_thermal_power_share"] = nts
    t["tertiary_share"] = raw["tertiary_share"]
    t["forest_per_gdp"] = forest * 1e8 / gdp10k
    t["forest_area"] = forest
    labour_cost = (raw["gdp"] * 1e5 / (raw["population"] * 1e4)).to_numpy(float)
    return t[list(INDICATORS)], labour_cost, "; ".join(x for x in (years_note(used, year), fnote) if x)


def game(data: xr.Dataset | None, year: int, n_alliances: int | None = 6, merge: str = "average") -> dict:
    """ACI, CRL, alliances and the intermediate tables of the provincial game."""
    data = get_panel(data)
    if n_alliances is not None:
        n_alliances = int_option("n_alliances", n_alliances, 1, len(PROVINCES))
    if merge not in ("average", "single"):
        raise InputError(f"option merge = {merge!r}: use 'average' or 'single'")
    table, labour, note = indicator_table(data, year)
    norm, w = entropy_weight_table(table)
    weighted = norm * w
    spec = pd.DataFrame(INDICATORS, index=["principle", "dimension", "units", "paper"]).T
    prin = pd.DataFrame({p: weighted[spec.index[spec.principle == p]].sum(axis=1) for p in PRINCIPLES})
    dim = pd.DataFrame({d: weighted[spec.index[spec.dimension == d]].sum(axis=1) for d in DIMENSIONS})
    aci = prin.sum(axis=1).to_numpy()
    try:
        dist = check_distances(data["distance_km"].values, PROVINCES)
        mass = gravity_mass(*(dim[d].to_numpy() for d in DIMENSIONS))
        crl = gravity_linkage(mass, labour, dist, labels=PROVINCES)
    except ValueError as exc:
        raise InputError(f"EGS: {exc}") from exc
    labels, natural = alliances_by_max_linkage(crl, n_alliances, merge)
    return {"table": table, "weights": w, "principle": prin, "dimension": dim, "aci": aci, "mass": mass,
            "crl": crl, "labour_cost": labour, "labels": labels, "natural": natural, "note": note}


def allocate_details(cap: float, year: int, data: xr.Dataset | None = None, **options) -> xr.Dataset:
    """Shares, ACI, alliances and principle contributions by province, and the quota."""
    o = {**DEFAULTS, **{k: v for k, v in options.items() if k in DEFAULTS}}
    cap = check_cap(cap)
    year = check_year(year, options.get("results"), options.get("scenario"))
    g = game(data, year, o["n_alliances"], o["merge"])
    ts = two_stage_shapley(g["aci"], g["crl"], g["labels"], components=g["principle"].to_numpy())
    share = np.where(ts.share < 0, 0.0, ts.share)
    return xr.Dataset({
        "quota": ("province", cap * share / share.sum(), {"units": "Mt CO2"}),
        "share": ("province", ts.share, {"units": "1", "long_name": "two-stage Shapley share"}),
        "contribution": (("province", "principle"), ts.contribution, {"units": "1", "long_name": "share by principle"}),
        "aci": ("province", g["aci"], {"units": "1", "long_name": "abatement capacity index"}),
        "gravity_mass": ("province", g["mass"], {"units": "1"}),
        "labour_cost": ("province", g["labour_cost"], {"units": "10k yuan per person (GDP per capita proxy)"}),
        "alliance": ("province", g["labels"], {"long_name": "alliance label 0..k-1"}),
        "within_share": ("province", ts.within_share, {"units": "1"}),
        "crl": (("province", "province_to"), g["crl"], {"units": "km-2 (10k yuan/person)-2"}),
        "weight": ("indicator", g["weights"].to_numpy(), {"units": "1", "long_name": "entropy weight"}),
        "indicator_value": (("province", "indicator"), g["table"].to_numpy(float),
                            {"units": "; ".join(f"{k}: {v[2]}" for k, v in INDICATORS.items())}),
    }, coords={"province": PROVINCES, "province_to": PROVINCES, "principle": list(PRINCIPLES),
               "indicator": list(INDICATORS)},
        attrs={"cap_mt": cap, "year": year, "n_alliances": int(g["labels"].max() + 1),
               "n_alliances_natural": int(g["natural"]), "merge": o["merge"], "notes": g["note"]})


def allocate(cap: float, year: int, data: xr.Dataset | None = None, **options) -> xr.DataArray:
    """EGS quotas (Mt CO2 by province) = cap x two-stage Shapley share; options n_alliances, merge."""
    d = allocate_details(cap, year, data, **options)
    members = {int(k): ", ".join(np.array(PROVINCES)[d.alliance.values == k]) for k in np.unique(d.alliance.values)}
    attrs = {"n_alliances": d.attrs["n_alliances"], "n_alliances_natural": d.attrs["n_alliances_natural"],
             "merge": d.attrs["merge"], "alliances": " | ".join(members.values()),
             "entropy_weights": ", ".join(f"{k} {v:.3f}" for k, v in zip(INDICATORS, d.weight.values)),
             "notes": d.attrs["notes"]}
    return quota_array(d.share.values.clip(min=0), float(d.attrs["cap_mt"]), int(d.attrs["year"]), "egs", attrs)
