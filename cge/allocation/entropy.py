"""Entropy weight method (EWM): min-max normalisation and information-entropy weights.

Rows are the units being compared (countries, provinces), columns the indicators. The steps
follow Zhou et al. (2024, iScience 27:109412, STAR Methods, Equations 2-7):

* ``V_ij = (x_ij - min_j) / (max_j - min_j)`` for a benefit indicator (more is better) and
  ``(max_j - x_ij) / (max_j - min_j)`` for a cost indicator (the paper uses benefit only);
* ``p_ij = V_ij / sum_i V_ij``,  ``E_j = -1/ln(n) sum_i p_ij ln p_ij`` with ``0 ln 0 = 0``;
* ``g_j = 1 - E_j``,  ``w_j = g_j / sum_j g_j``.

A constant indicator carries no information: its normalised column is all zero, its entropy
is taken as 1 and its weight is 0.  Weights always sum to 1.  No small shift is added to
``V`` before the logarithm (some EWM variants do; the paper does not).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

DIRECTIONS = ("benefit", "cost")


def _as_matrix(x: np.ndarray | Sequence[Sequence[float]], name: str = "x") -> np.ndarray:
    """A finite 2-D float array with at least two rows, or ValueError."""
    m = np.asarray(x, dtype=float)
    if m.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D array (units x indicators), got shape {m.shape}")
    if m.shape[0] < 2:
        raise ValueError(f"{name}: need at least 2 units (rows), got {m.shape[0]}")
    bad = ~np.isfinite(m)
    if bad.any():
        i, j = map(int, np.argwhere(bad)[0])
        raise ValueError(f"{name}: non-finite value {m[i, j]} at row {i}, column {j}")
    return m


def _directions(direction: str | Sequence[str], k: int) -> list[str]:
    """One direction per column, validated."""
    dirs = [direction] * k if isinstance(direction, str) else list(direction)
    if len(dirs) != k:
        raise ValueError(f"direction: {len(dirs)} entries for {k} indicators")
    bad = [d for d in dirs if d not in DIRECTIONS]
    if bad:
        raise ValueError(f"direction: unknown value(s) {bad}; use 'benefit' or 'cost'")
    return dirs


def minmax_normalise(x: np.ndarray | Sequence[Sequence[float]],
                     direction: str | Sequence[str] = "benefit") -> np.ndarray:
    """Column-wise min-max normalisation to [0, 1]; cost columns reversed, constant columns 0."""
    m = _as_matrix(x)
    dirs = _directions(direction, m.shape[1])
    lo, hi = m.min(axis=0), m.max(axis=0)
    span = hi - lo
    out = np.zeros_like(m)
    live = span > 0
    out[:, live] = (m[:, live] - lo[live]) / span[live]
    cost = np.array([d == "cost" for d in dirs]) & live
    out[:, cost] = 1.0 - out[:, cost]
    return out


def entropy(v: np.ndarray | Sequence[Sequence[float]]) -> np.ndarray:
    """Information entropy E_j of each column of non-negative normalised data (1 for an all-zero column)."""
    m = _as_matrix(v, "v")
    if (m < 0).any():
        raise ValueError("v: normalised values must be >= 0")
    n = m.shape[0]
    col = m.sum(axis=0)
    e = np.ones(m.shape[1])
    live = col > 0
    p = m[:, live] / col[live]
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    e[live] = -plogp.sum(axis=0) / np.log(n)
    return e


def entropy_weights(v: np.ndarray | Sequence[Sequence[float]]) -> np.ndarray:
    """Entropy weights w_j = (1 - E_j) / sum(1 - E); sum to 1, zero for constant columns."""
    g = 1.0 - entropy(v)
    g = np.where(g < 1e-15, 0.0, g)   # rounding: a uniform column can give E = 1 + 1e-16
    total = g.sum()
    if not total > 0:
        raise ValueError("entropy weights: every indicator is constant (or uniform); no information to weight")
    return g / total


def entropy_weight_table(df: pd.DataFrame, directions: Mapping[str, str] | None = None
                         ) -> tuple[pd.DataFrame, pd.Series]:
    """Normalised table and entropy weights of a units-by-indicators DataFrame (default: all benefit)."""
    directions = dict(directions or {})
    unknown = sorted(set(directions) - set(df.columns))
    if unknown:
        raise ValueError(f"directions: unknown indicator column(s) {unknown}")
    missing = df.columns[df.isna().any()].tolist()
    if missing:
        rows = {c: df.index[df[c].isna()].tolist()[:5] for c in missing}
        raise ValueError(f"indicator table: missing values in column(s) {rows}")
    dirs = [directions.get(c, "benefit") for c in df.columns]
    v = minmax_normalise(df.to_numpy(float), dirs)
    w = entropy_weights(v)
    return (pd.DataFrame(v, index=df.index, columns=df.columns),
            pd.Series(w, index=df.columns, name="weight"))
