"""Particle swarm optimisation (PSO) of a function over a box, seeded and deterministic.

Global-best PSO with inertia weight (Kennedy & Eberhart 1995; Shi & Eberhart 1998) and the
constriction-equivalent constants w = 0.7298, c1 = c2 = 1.49618 (Clerc & Kennedy 2002), which
are the usual defaults.  Positions are clipped to the box; velocities to the box width.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PSOResult:
    """Best point found, its value, and the best value after each iteration."""

    x: np.ndarray
    fun: float
    history: np.ndarray
    n_evaluations: int


def _box(lower: Sequence[float], upper: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Validated bounds (1-D, finite, lower < upper)."""
    lo, hi = np.asarray(lower, float).ravel(), np.asarray(upper, float).ravel()
    if lo.shape != hi.shape or lo.size == 0:
        raise ValueError(f"PSO: bounds of different or empty shape {lo.shape} vs {hi.shape}")
    if not (np.isfinite(lo).all() and np.isfinite(hi).all() and (lo < hi).all()):
        raise ValueError(f"PSO: bounds must be finite with lower < upper, got {lo} and {hi}")
    return lo, hi


def pso_minimize(f: Callable[[np.ndarray], float], lower: Sequence[float], upper: Sequence[float],
                 n_particles: int = 20, n_iter: int = 40, seed: int = 0, w: float = 0.7298,
                 c1: float = 1.49618, c2: float = 1.49618) -> PSOResult:
    """Minimise f over the box [lower, upper] with a seeded global-best particle swarm."""
    lo, hi = _box(lower, upper)
    if n_particles < 2 or n_iter < 1:
        raise ValueError(f"PSO: need n_particles >= 2 and n_iter >= 1, got {n_particles}, {n_iter}")
    rng = np.random.default_rng(seed)
    span = hi - lo
    x = lo + rng.random((n_particles, lo.size)) * span
    v = (rng.random((n_particles, lo.size)) - 0.5) * span * 0.2
    fx = np.array([float(f(p)) for p in x])
    fx = np.where(np.isfinite(fx), fx, np.inf)
    pbest, pval = x.copy(), fx.copy()
    g = int(np.argmin(pval))
    history = []
    for _ in range(n_iter):
        r1, r2 = rng.random(x.shape), rng.random(x.shape)
        v = np.clip(w * v + c1 * r1 * (pbest - x) + c2 * r2 * (pbest[g] - x), -span, span)
        x = np.clip(x + v, lo, hi)
        fx = np.array([float(f(p)) for p in x])
        fx = np.where(np.isfinite(fx), fx, np.inf)
        better = fx < pval
        pbest[better], pval[better] = x[better], fx[better]
        g = int(np.argmin(pval))
        history.append(pval[g])
    return PSOResult(pbest[g].copy(), float(pval[g]), np.array(history), n_particles * (n_iter + 1))
