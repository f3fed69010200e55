"""Real GDP and real income decomposition: capital, labour, productivity and terms of trade.

Between a reference state 0 and a state 1 (a policy scenario against the baseline of the same year;
the baseline against its own previous year, i.e. growth accounting), with shares at market prices
(GTAP's GDP decomposition, Huff and Hertel 2000; Kohli 2004):

* labour ``= sbar_L ln(E1 / E0)``: employment ``E`` weighted by the labour share of nominal GDP
  ``s_L = wL / GDP`` averaged over the two states (Törnqvist);
* capital ``= sum_j sbar_Kj ln(KU_j1 / KU_j0)``: capital *in use* by activity (idle capital earns
  nothing and adds nothing) weighted by its rental share of nominal GDP;
* productivity ``= ln(Y1 / Y0) - labour - capital``: everything that changes real GDP ``Y`` with
  given factor inputs. In the baseline it is technical change (``ALAB``, ``AEEI``, the twists) plus
  changes in the tax base; in a policy run technology is at its baseline values, so it is the
  allocative-efficiency effect of the carbon-price wedge and its interaction with the other
  indirect taxes (GTAP's "allocative efficiency"), including the reallocation of factors between
  activities with different tax rates;
* terms of trade ``= (T1 - T0) / Y0``: the change in the trading gain ``T`` (real GDI minus real
  GDP, :mod:`cge.accounts`): export and import prices relative to the price of domestic absorption
  (Kohli's terms-of-trade and real-exchange-rate effects together). It changes real income, not the
  volume of GDP at 2017 prices.

The capital term splits exactly into **installed capital** ``sum_j sbar_Kj ln(K_j1 / K_j0)`` (the
stock: past investment) and **utilisation** ``sum_j sbar_Kj ln(u_j1 / u_j0)``, ``u = KU / K`` (capital
standing idle), in :func:`capital_decomposition`.

The three log contributions are turned into percent of reference real GDP with the logarithmic
mean, ``x 100 (Y1 - Y0) / (Y0 ln(Y1 / Y0))`` (as LMDI does), so that exactly

    capital + labour + productivity = 100 (Y1 / Y0 - 1)                 (real GDP, % change)
    capital + labour + productivity + terms_of_trade = 100 (GDI1 - GDI0) / Y0   (real GDI)

Shares at market prices do not sum to one: the indirect-tax share of GDP sits in productivity (a
factor's marginal product at market prices is its price plus the tax on the extra output).
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from .decompose import reference_pairs

COMPONENTS = ["capital", "labour", "productivity", "terms_of_trade"]
CAPITAL_PARTS = ["installed", "utilisation"]
NEEDS = ["gdp", "gdp_nominal", "labour_income", "capital_income", "employment", "capital_in_use", "trading_gain"]
UNITS = "percent of reference real GDP"


def _state(d: xr.Dataset) -> dict[str, np.ndarray | float]:
    return {"y": float(d.gdp), "v": float(d.gdp_nominal), "wl": float(d.labour_income),
            "rk": d.capital_income.to_numpy().astype(float), "e": float(d.employment),
            "ku": d.capital_in_use.to_numpy().astype(float), "t": float(d.trading_gain),
            "k": (d.capital if "capital" in d else d.capital_in_use).to_numpy().astype(float)}


def decompose(d0: xr.Dataset, d1: xr.Dataset) -> dict[str, float]:
    """Contribution of each component (percent of the real GDP of ``d0``) to the change from ``d0`` to ``d1``."""
    a, b = _state(d0), _state(d1)
    lab = 0.5 * (a["wl"] / a["v"] + b["wl"] / b["v"]) * np.log(b["e"] / a["e"])
    ok = (a["ku"] > 0) & (b["ku"] > 0)                  # an activity without capital in use in a state: its share is 0
    wk = 0.5 * (a["rk"] / a["v"] + b["rk"] / b["v"])
    cap = float(np.sum(wk[ok] * np.log(b["ku"][ok] / a["ku"][ok])))
    ok_k = ok & (a["k"] > 0) & (b["k"] > 0)
    inst = float(np.sum(wk[ok_k] * np.log(b["k"][ok_k] / a["k"][ok_k])))
    dln = np.log(b["y"] / a["y"])
    prod = dln - lab - cap
    scale = 100.0 if abs(dln) < 1e-14 else 100.0 * (b["y"] / a["y"] - 1) / dln
    return {"capital": cap * scale, "labour": lab * scale, "productivity": prod * scale,
            "terms_of_trade": 100.0 * (b["t"] - a["t"]) / a["y"],
            "installed": inst * scale, "utilisation": (cap - inst) * scale}


def gdp_decomposition(ds: xr.Dataset) -> xr.DataArray:
    """Percent of reference real GDP by scenario, year and component: the baseline's change from the
    previous year (growth accounting; zero in the first year), each policy scenario's difference
    from the baseline in the same year (zero where the two are identical)."""
    return xr.DataArray(_table(ds, COMPONENTS), coords={"scenario": ds.scenario.values, "year": ds.year.values,
                                                       "component": COMPONENTS},
                        dims=("scenario", "year", "component"), name="gdp_decomposition",
                        attrs={"units": UNITS, "long_name": "decomposition of the change in real GDP (capital, labour, "
                               "productivity) and real GDI (plus terms of trade): baseline year on year, policy "
                               "scenarios against the baseline of the same year"})


def capital_decomposition(ds: xr.Dataset) -> xr.DataArray:
    """The capital component split into installed capital and utilisation (percent of reference real
    GDP; the two add up to ``gdp_decomposition.sel(component="capital")``)."""
    return xr.DataArray(_table(ds, CAPITAL_PARTS), coords={"scenario": ds.scenario.values, "year": ds.year.values,
                                                          "capital_part": CAPITAL_PARTS},
                        dims=("scenario", "year", "capital_part"), name="gdp_capital_decomposition",
                        attrs={"units": UNITS, "long_name": "capital component of the GDP decomposition: installed "
                               "capital and its utilisation (capital in use / installed)"})


def _table(ds: xr.Dataset, keys: list[str]) -> np.ndarray:
    """``decompose`` for every scenario and year (reference as in :func:`gdp_decomposition`), the ``keys`` only."""
    data = np.zeros((ds.sizes["scenario"], ds.sizes["year"], len(keys)))
    sub = ds[[v for v in NEEDS + ["capital"] if v in ds]]     # selecting a state from every variable costs ~10x more
    for a, b, d0, d1 in reference_pairs(sub):
        if float(d1.gdp) == float(d0.gdp) and float(d1.trading_gain) == float(d0.trading_gain):
            continue
        res = decompose(d0, d1)
        data[a, b] = [res[c] for c in keys]
    return data


def totals(ds: xr.Dataset) -> xr.Dataset:
    """The totals the decomposition adds up to (percent of reference real GDP): ``gdp`` (capital +
    labour + productivity) and ``gdi`` (all four), by scenario and year, reference as in
    :func:`gdp_decomposition`."""
    base = ds[["gdp", "real_gdi"]].sel(scenario="baseline")
    ref = xr.concat([base.shift(year=1).expand_dims(scenario=["baseline"])]
                    + [base.expand_dims(scenario=[s]) for s in ds.scenario.values if s != "baseline"], dim="scenario")
    ref = ref.reindex(scenario=ds.scenario.values)
    gdp = (ds.gdp / ref.gdp - 1) * 100
    gdi = (ds.real_gdi - ref.real_gdi) / ref.gdp * 100
    return xr.Dataset({"gdp": gdp.fillna(0.0), "gdi": gdi.fillna(0.0)})


def applicable(ds: xr.Dataset) -> bool:
    """Whether ``ds`` records what the decomposition needs (results of older runs may not)."""
    return all(v in ds for v in NEEDS) and "baseline" in ds.scenario.values
