"""Fairness and efficiency metrics of provincial quotas, and the comparison table across methods.

* ``gini``: Gini coefficient, optionally weighted (population weights: every person counts once);
  ``G = sum_ij w_i w_j |x_i - x_j| / (2 W^2 mean_w)``.
* ``theil``: Theil T index, ``T = sum_i s_i (x_i/mu) ln(x_i/mu)`` with s_i = w_i / W and mu = sum s_i x_i.
* carbon productivity of a province = GDP / quota (yuan per t CO2; GDP in current prices of the
  indicator year). The national value sum GDP / cap is the same for every method (it depends
  only on the cap), so the table also reports how unequal the provincial values are (Gini,
  GDP-weighted) and their min and max.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr


def _weights(x: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """Weights as an array like ``x`` (ones if None), checked >= 0 and not all zero."""
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != x.shape or (w < 0).any() or w.sum() <= 0:
        raise ValueError("weights must match the values, be >= 0 and not all zero")
    return w


def gini(x, weights=None) -> float:
    """Gini coefficient of ``x`` (>= 0), weighted by ``weights`` (e.g. population); 0 = equal."""
    x = np.asarray(x, dtype=float)
    w = _weights(x, weights)
    if (x < 0).any():
        raise ValueError("gini: values must be >= 0")
    mu = (w * x).sum() / w.sum()
    if mu == 0:
        return 0.0
    return float((w[:, None] * w[None, :] * np.abs(x[:, None] - x[None, :])).sum() / (2 * w.sum() ** 2 * mu))


def theil(x, weights=None) -> float:
    """Theil T index of ``x`` (>= 0), weighted by ``weights``; 0 = equal, ln(n) = one holds all."""
    x = np.asarray(x, dtype=float)
    w = _weights(x, weights)
    if (x < 0).any():
        raise ValueError("theil: values must be >= 0")
    s = w / w.sum()
    mu = (s * x).sum()
    if mu == 0:
        return 0.0
    r = x / mu
    terms = np.where(r > 0, r * np.log(np.where(r > 0, r, 1.0)), 0.0)
    return max(0.0, float((s * terms).sum()))       # >= 0 in exact arithmetic


def method_metrics(quota: xr.DataArray, surplus: xr.DataArray, population: np.ndarray, gdp: np.ndarray) -> dict:
    """Metrics of one method's quotas (Mt CO2 by province); population in 10k persons, GDP in bn yuan."""
    q, pop, g = quota.values, np.asarray(population, float), np.asarray(gdp, float)
    pc = q / pop * 100.0                                   # Mt / 10k persons -> t per person
    cp = np.where(q > 0, g / np.where(q > 0, q, 1.0) * 1000.0, np.nan)   # bn yuan / Mt -> yuan per t
    ok = np.isfinite(cp)
    s = surplus.values
    return {
        "gini_per_capita_quota": gini(pc, pop),
        "theil_per_capita_quota": theil(pc, pop),
        "quota_t_per_capita_min": float(pc.min()), "quota_t_per_capita_max": float(pc.max()),
        "carbon_productivity_national_yuan_per_t": float(g.sum() / q.sum() * 1000.0) if q.sum() > 0 else np.nan,
        "carbon_productivity_gini_gdp_weighted": gini(cp[ok], g[ok]) if ok.any() else np.nan,
        "carbon_productivity_min_yuan_per_t": float(np.nanmin(cp)) if ok.any() else np.nan,
        "carbon_productivity_max_yuan_per_t": float(np.nanmax(cp)) if ok.any() else np.nan,
        "provinces_in_surplus": int((s > 0).sum()),
        "surplus_total_mt": float(s[s > 0].sum()),
    }


def comparison_table(ds: xr.Dataset) -> pd.DataFrame:
    """One row per method of ``ds`` (the output of :func:`cge.allocation.provincial.run`, with its population and gdp)."""
    price, population, gdp = float(ds.attrs.get("price", np.nan)), ds.population.values, ds.gdp.values
    rows = {}
    for m in ds.rule.values:
        r = method_metrics(ds.quota.sel({"rule": m}), ds.surplus.sel({"rule": m}), population, gdp)
        r["trade_value_surplus_bn_yuan"] = r["surplus_total_mt"] * price / 1000.0
        rows[str(m)] = r
    df = pd.DataFrame(rows).T
    df.index.name = "rule"
    return df


def to_markdown(df: pd.DataFrame, digits: int = 4) -> str:
    """A plain Markdown table (no extra dependency)."""
    cols = [df.index.name or ""] + [str(c) for c in df.columns]
    fmt = lambda v: f"{v:.{digits}g}" if isinstance(v, (float, np.floating)) else str(v)  # noqa: E731
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join([str(i)] + [fmt(v) for v in row]) + " |" for i, row in zip(df.index, df.to_numpy())]
    return "\n".join(lines) + "\n"
