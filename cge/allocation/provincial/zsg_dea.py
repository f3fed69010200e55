"""Efficiency-based quotas by zero-sum-gains DEA (Lins et al. 2003; Gomes and Lins 2008).

CO2 is the input to reallocate; capital (real stock), labour (a PROXY: population x national
labour-force ratio, see ``data/SOURCES.md``) and energy (total consumption) are the
other inputs, GDP the output. A province's efficiency is the input-oriented radial score on the
CO2 input alone (the other inputs are held fixed)::

    min theta  s.t.  sum_j l_j co2_j <= theta co2_i,  sum_j l_j x_kj <= x_ki,  sum_j l_j y_j >= y_i,
                     l >= 0  (CCR, constant returns)  [+ sum_j l_j = 1 for BCC, variable returns]

solved with HiGHS (``scipy.optimize.linprog(method="highs")``). ZSG proportional strategy: an
inefficient province gives up (1 - theta_i) co2_i, shared among the others in proportion to
their current quota; the total is unchanged. Repeated until every province has theta = 1
within ``tol`` (default 1e-6). The starting allocation is the cap shared by CO2 in the indicator
year (grandfathering); indicators are those of the latest year <= ``year`` with all five
variables for all 30 provinces (2019 for CGE years after 2019).
"""
from __future__ import annotations

import numpy as np
import xarray as xr
from scipy.optimize import linprog

from sam.errors import InputError

from .rules import check_cap, latest_year, shares_to_quota

INPUTS = ("capital", "labour", "energy")
OUTPUT = "gdp"
NOTE = ("labour is a PROXY (population x national labour-force/population ratio, WDI); "
        "GDP at current prices (one cross-section, so price level does not matter); "
        "indicators from the latest year <= the requested year with data for all 30 provinces")


def efficiency(co2: np.ndarray, other: np.ndarray, output: np.ndarray, returns: str = "crs") -> np.ndarray:
    """Input-oriented DEA score on the CO2 input of every province (1 = on the frontier).

    ``co2``: (n,); ``other``: (n, k) other inputs held fixed; ``output``: (n,) or (n, m).
    """
    if returns not in ("crs", "vrs"):
        raise InputError(f"zsg_dea: returns {returns!r}: use 'crs' (CCR) or 'vrs' (BCC)")
    co2 = np.asarray(co2, float)
    X = np.asarray(other, float).reshape(len(co2), -1)
    Y = np.asarray(output, float).reshape(len(co2), -1)
    sc = lambda a: a / np.abs(a).max(axis=0)              # noqa: E731  (column scaling for the LP)
    c_s, X_s, Y_s = co2 / co2.max(), sc(X), sc(Y)
    n = len(co2)
    cost = np.r_[1.0, np.zeros(n)]
    a_eq, b_eq = (np.r_[0.0, np.ones(n)][None, :], [1.0]) if returns == "vrs" else (None, None)
    out = np.empty(n)
    for i in range(n):
        A = np.vstack([np.r_[-c_s[i], c_s], np.c_[np.zeros(X.shape[1]), X_s.T], np.c_[np.zeros(Y.shape[1]), -Y_s.T]])
        b = np.r_[0.0, X_s[i], -Y_s[i]]
        r = linprog(cost, A_ub=A, b_ub=b, A_eq=a_eq, b_eq=b_eq, bounds=[(0, None)] * (n + 1), method="highs")
        if r.status != 0:
            raise RuntimeError(f"zsg_dea: efficiency LP of province {i} failed: {r.message}")
        out[i] = r.x[0]
    return np.minimum(out, 1.0)


def zsg_reallocate(co2: np.ndarray, other: np.ndarray, output: np.ndarray, returns: str = "crs",
                   tol: float = 1e-6, max_iter: int = 500) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """ZSG proportional reallocation until all scores are 1 within ``tol``: (co2, before, after, rounds)."""
    x = np.asarray(co2, float).copy()
    total = x.sum()
    before = eff = efficiency(x, other, output, returns)
    for k in range(max_iter):
        if (1.0 - eff).max() <= tol:
            return x * (total / x.sum()), before, eff, k
        give = (1.0 - eff) * x                             # CO2 the inefficient give up
        others = x.sum() - x                               # sum of the others' quota, for each giver j
        x = eff * x + x * (give / others).sum() - x * give / others   # receive sum_{j != i} give_j x_i / others_j
        eff = efficiency(x, other, output, returns)
    raise RuntimeError(f"zsg_dea: not all provinces efficient after {max_iter} rounds (min score {eff.min():.8f})")


def allocate(cap: float, year: int, data: xr.Dataset, *, returns: str = "crs", tol: float = 1e-6,
             max_iter: int = 500, **options) -> xr.DataArray:
    """ZSG-DEA quotas summing to ``cap``; scores before/after in attrs ``efficiency_before/_after``."""
    cap = check_cap(cap)
    y = latest_year(data, ["co2", *INPUTS, OUTPUT], year)
    d = data.sel(year=y)
    other = np.column_stack([d[v].values for v in INPUTS])
    start = cap * d.co2.values / d.co2.values.sum()
    x, before, after, rounds = zsg_reallocate(start, other, d[OUTPUT].values, returns, tol, max_iter)
    return shares_to_quota(x, cap, data, "zsg_dea", indicator_year=y, returns=returns, rounds=rounds, tol=tol,
                           efficiency_before=before.tolist(), efficiency_after=after.tolist(),
                           inputs="co2 (reallocated), " + ", ".join(INPUTS), output=OUTPUT, note=NOTE,
                           rule="ZSG-DEA proportional strategy from grandfathered start, iterated to a common frontier")
