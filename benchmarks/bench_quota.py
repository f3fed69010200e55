"""Benchmark of the provincial quota methods: exact Shapley (n = 30, 200) and the three allocate functions.

Run: ``.venv/bin/python benchmarks/bench_quota.py``.  Targets (issue 6): exact Shapley of the
product game for n = 30 under 0.1 s and n = 200 under 1 s (shared :mod:`cge.allocation.shapley`).
Medians of repeated runs; the allocate functions run on the provincial panel for 2030 with
default options (AMLC without CGE results: its PSO-tuned LS-SVR dominates the time).
"""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np

import cge  # noqa: F401
from cge.allocation.provincial import amlc, bp, egs
from cge.allocation.provincial.panel import load_panel
from cge.allocation.shapley import shapley_product_game


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def random_game(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random ACI vector and symmetric zero-diagonal linkage matrix."""
    rng = np.random.default_rng(seed)
    c = np.triu(rng.random((n, n)), 1)
    return rng.random(n), c + c.T


def main() -> None:
    """Print the timings against the targets."""
    print("exact Shapley of v(S) = (sum ACI in S) x (sum CRL within S), closed form")
    for n, target in ((30, 0.1), (200, 1.0)):
        a, c = random_game(n)
        t = median_seconds(lambda: shapley_product_game(a, c), 50)
        print(f"  n = {n:4d}: {t * 1e3:8.3f} ms  (target < {target * 1e3:.0f} ms)  {'OK' if t < target else 'SLOW'}")
    data = load_panel()
    print("allocate, 30 provinces, cap 9000 Mt, year 2030 (median of 3)")
    for name, fn in (("amlc", amlc.allocate), ("bp", bp.allocate), ("egs", egs.allocate)):
        t = median_seconds(lambda: fn(9000.0, 2030, data, seed=0), 3)
        print(f"  {name:5s}: {t:8.3f} s")
    t = median_seconds(lambda: amlc.backtest(data), 1)
    print(f"  amlc.backtest (train to 2015, test 2016-2019): {t:.3f} s")
    t = median_seconds(lambda: bp.backtest(data), 1)
    print(f"  bp.backtest (leave one pilot out): {t:.3f} s")


if __name__ == "__main__":
    main()
