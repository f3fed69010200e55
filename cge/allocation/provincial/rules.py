"""Registry of the provincial quota methods and the helpers they share.

Every method is ``allocate(cap, year, data, **options) -> xr.DataArray``: Mt CO2 by ``province``
(the 30 of :data:`cge.allocation.provincial.panel.PROVINCES`), summing to ``cap`` (Mt CO2) within 1e-9
relative, no negative quota, deterministic given ``seed``. ``data`` is the provincial panel
(:func:`cge.allocation.provincial.panel.load_panel`). Methods accept and ignore options they do not use:
the runner passes ``results=`` (the results.nc Dataset), ``scenario=``, ``price=`` (yuan/t) and
``seed=`` to every method. Modules are imported on first use (:func:`get_rule`).
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from sam.errors import InputError

from .data._provinces import PROVINCES

RULES: dict[str, str] = {
    "equal_per_capita": "cge.allocation.provincial.equity:equal_per_capita",
    "grandfathering": "cge.allocation.provincial.equity:grandfathering",
    "ability_to_pay": "cge.allocation.provincial.equity:ability_to_pay",
    "historical_responsibility": "cge.allocation.provincial.equity:historical_responsibility",
    "equity_mix": "cge.allocation.provincial.equity:equity_mix",
    "zsg_dea": "cge.allocation.provincial.zsg_dea:allocate",
    "amlc": "cge.allocation.provincial.amlc:allocate",
    "bp": "cge.allocation.provincial.bp:allocate",
    "egs": "cge.allocation.provincial.egs:allocate",
}

REL_TOL = 1e-9          # acceptance: quotas sum to the cap within this relative tolerance


def get_rule(name: str) -> Callable[..., xr.DataArray]:
    """The ``allocate`` function registered as ``name`` (imported now); InputError if unknown."""
    if name not in RULES:
        raise InputError(f"unknown quota rule {name!r}; known rules: {', '.join(RULES)}")
    module, func = RULES[name].split(":")
    return getattr(importlib.import_module(module), func)


def resolve_rules(rules: str | Iterable[str]) -> list[str]:
    """``"all"``, ``"a,b"`` or a list -> rule names, every one checked against the registry."""
    names = list(RULES) if rules == "all" else (
        [m.strip() for m in rules.split(",") if m.strip()] if isinstance(rules, str) else list(rules))
    unknown = [m for m in names if m not in RULES]
    if unknown or not names:
        raise InputError(f"unknown quota rule(s) {unknown or names}; known rules: {', '.join(RULES)} (or 'all')")
    return names


def check_cap(cap: float) -> float:
    """The cap as a float, or InputError if it is not a finite number >= 0."""
    try:
        c = float(cap)
    except (TypeError, ValueError):
        raise InputError(f"cap = {cap!r}: not a number (Mt CO2)") from None
    if not np.isfinite(c) or c < 0:
        raise InputError(f"national cap {cap!r} Mt CO2: must be a finite number >= 0")
    return c


def check_year(year: int, results: xr.Dataset | None = None, scenario: str | None = None) -> int:
    """The year as int; with ``results`` it must be one of its years (and ``scenario`` one of its scenarios)."""
    try:
        y = int(year)
    except (TypeError, ValueError):
        raise InputError(f"year = {year!r}: not an integer") from None
    if y != year:
        raise InputError(f"year = {year!r}: not an integer")
    if results is not None:
        if "year" not in results.dims or y not in results.year.values:
            yrs = results.year.values if "year" in results.dims else []
            raise InputError(f"year {y} outside the results' years "
                             f"{int(min(yrs)) if len(yrs) else '?'}-{int(max(yrs)) if len(yrs) else '?'}")
        if scenario is not None and ("scenario" not in results.dims or scenario not in results.scenario.values):
            raise InputError(f"scenario {scenario!r} not in the results ({list(results.scenario.values)})")
    return y


def latest_year(data: xr.Dataset, variables: list[str], year: int) -> int:
    """Latest panel year <= ``year`` in which every one of ``variables`` has all 30 provinces."""
    missing = [v for v in variables if v not in data]
    if missing:
        raise InputError(f"provincial panel: variable(s) {missing} not found (have {sorted(data.data_vars)})")
    ok = np.ones(data.sizes["year"], dtype=bool)
    for v in variables:
        ok &= data[v].notnull().all("province").values
    years = [int(y) for y, k in zip(data.year.values, ok) if k and y <= year]
    if not years:
        raise InputError(f"provincial panel: no year <= {year} with {variables} complete for all 30 provinces")
    return max(years)


def shares_to_quota(weights: np.ndarray, cap: float, data: xr.Dataset, name: str, **attrs) -> xr.DataArray:
    """Quota = cap x weights / sum(weights) by province, with units and metadata; checks sign and sum."""
    w = np.asarray(weights, dtype=float)
    if w.shape != (data.sizes["province"],) or not np.all(np.isfinite(w)) or (w < 0).any() or w.sum() <= 0:
        raise InputError(f"{name}: weights must be finite, >= 0 and not all zero for the {data.sizes['province']} provinces")
    q = cap * w / w.sum()
    da = xr.DataArray(q, coords={"province": data.province.values}, dims="province", name="quota")
    da.attrs = {"units": "Mt CO2", "rule": name, "cap_mt": cap, **attrs}
    return check_quota(da, cap, name)


def check_quota(q: xr.DataArray, cap: float, name: str) -> xr.DataArray:
    """The acceptance conditions of every method: no negative quota, sum = cap within REL_TOL."""
    v = np.asarray(q.values, dtype=float)
    if not np.all(np.isfinite(v)) or (v < 0).any():
        raise ValueError(f"{name}: quota not finite or negative for {list(q.province.values[~(v >= 0)])}")
    if abs(v.sum() - cap) > REL_TOL * max(abs(cap), 1e-300):
        raise ValueError(f"{name}: quotas sum to {v.sum()!r}, cap is {cap!r} Mt CO2")
    return q


# ----------------------------------------------------------------------------- helpers of the AMLC, BP and EGS methods


def get_panel(data: xr.Dataset | None) -> xr.Dataset:
    """The provincial panel (loaded when ``data`` is None), checked for the 30 provinces."""
    if data is None:
        from .panel import load_panel
        data = load_panel()
    if not isinstance(data, xr.Dataset) or "province" not in data.dims:
        raise InputError("data: expected the provincial panel (xarray.Dataset with a 'province' dimension, "
                         "cge.allocation.provincial.panel.load_panel())")
    got = [str(p) for p in data.province.values]
    missing = [p for p in PROVINCES if p not in got]
    unknown = [p for p in got if p not in PROVINCES]
    if missing or unknown:
        raise InputError(f"data: province(s) missing {missing}, unknown {unknown}")
    return data.reindex(province=PROVINCES) if got != PROVINCES else data


def latest(data: xr.Dataset, var: str, year: int) -> tuple[np.ndarray, int | None]:
    """Values of ``var`` for the 30 provinces in ``year``, or in the latest earlier year with all 30 finite."""
    if var in data and "year" not in data[var].dims:
        return data[var].values.astype(float), None
    y = latest_year(data, [var], year)
    return data[var].sel(year=y).values.astype(float), y


def indicators_at(data: xr.Dataset, variables: Sequence[str], year: int) -> tuple[pd.DataFrame, dict[str, int | None]]:
    """Table (province x variable) of each variable's latest complete year <= ``year``, and the years used."""
    cols, used = {}, {}
    for v in variables:
        cols[v], used[v] = latest(data, v, year)
    return pd.DataFrame(cols, index=PROVINCES), used


def years_note(used: dict[str, int | None], year: int) -> str:
    """One line saying which indicator years stand in for ``year``."""
    older = {k: y for k, y in used.items() if y is not None and y != year}
    if not older:
        return f"all indicators of {year}"
    return (f"indicators of year {year} not all available: latest year with data used: "
            + ", ".join(f"{k} {y}" for k, y in sorted(older.items())))


def quota_array(shares: np.ndarray, cap: float, year: int, method: str, attrs: dict) -> xr.DataArray:
    """cap x normalised non-negative shares as a DataArray (Mt CO2 by province) with metadata."""
    s = np.asarray(shares, dtype=float)
    if s.shape != (len(PROVINCES),) or not np.isfinite(s).all():
        raise InputError(f"{method}: shares not finite for all 30 provinces")
    s = np.where(np.abs(s) < 1e-15 * max(np.abs(s).max(), 1e-300), 0.0, s)
    if (s < 0).any():
        raise InputError(f"{method}: negative share for {[p for p, x in zip(PROVINCES, s) if x < 0]}")
    if cap == 0:
        q = np.zeros_like(s)
    elif not s.sum() > 0:
        raise InputError(f"{method}: all shares are zero")
    else:
        q = cap * (s / s.sum())
    meta = {"units": "Mt CO2", "long_name": f"provincial CO2 quota ({method})", "rule": method,
            "year": int(year), "cap_mt": float(cap)}
    meta.update({k: (v if isinstance(v, (int, float, str)) else str(v)) for k, v in attrs.items()})
    return xr.DataArray(q, coords={"province": PROVINCES}, dims="province", name="quota", attrs=meta)


def int_option(name: str, value, lo: int, hi: int) -> int:
    """An integer option in [lo, hi] or InputError."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= value <= hi:
        raise InputError(f"option {name} = {value!r}: expected an integer in {lo}..{hi}")
    return int(value)


def unit_option(name: str, value) -> float:
    """A float option in [0, 1] or InputError."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"option {name} = {value!r}: expected a number in [0, 1]") from None
    if not 0 <= v <= 1:
        raise InputError(f"option {name} = {value!r}: expected a number in [0, 1]")
    return v
