"""Benchmark: the global emission-rights allocation (target < 10 s for all countries) and its Shapley pieces.

Run: ``.venv/bin/python benchmarks/bench_rights.py [--repeat 5]``.  Prints median and minimum wall
times for: reading the indicators, the allocation itself (entropy weights, gravity linkage,
alliances, two-stage Shapley), the end-to-end ``allocate_global`` and writing the outputs
(tables, NetCDF, two figures); then the exact closed-form Shapley value for n = 30 and 200,
brute force for n = 12 and Monte Carlo sampling for n = 30.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable

import numpy as np


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    """Median and minimum wall time (s) of ``fn`` over ``repeat`` calls, and its last result."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), out


def random_game(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random capacities and a symmetric zero-diagonal linkage matrix."""
    rng = np.random.default_rng(seed)
    c = np.triu(rng.uniform(size=(n, n)), 1)
    return rng.uniform(size=n), c + c.T


def main() -> None:
    """Time each stage and print one line per stage."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--year", type=int, default=2020)
    args = ap.parse_args()
    t0 = time.perf_counter()
    from cge.allocation.global_rights.core import allocate, allocate_global, load_indicators, select_countries, write_outputs
    from cge.allocation.shapley import (product_game_value, shapley_brute_force, shapley_product_game,
                                   shapley_product_game_mc)
    print(f"imports: {time.perf_counter() - t0:.2f} s")
    r = args.repeat
    med, low, ind = timed(lambda: load_indicators(args.year), r)
    print(f"read indicators ({args.year}): median {med:.3f} s, min {low:.3f} s")
    table, _, _ = select_countries(ind)
    med, low, ds = timed(lambda: allocate(table, 15, ind.spec), r)
    print(f"allocate {len(table)} countries, 15 alliances: median {med:.3f} s, min {low:.3f} s")
    med, low, ds = timed(lambda: allocate_global(args.year, 15), r)
    print(f"allocate_global end to end: median {med:.3f} s, min {low:.3f} s  (target < 10 s)")
    with tempfile.TemporaryDirectory() as d:
        med, low, _ = timed(lambda: write_outputs(ds, d), max(1, r // 2))
    print(f"write outputs (6 tables, NetCDF, 2 figures): median {med:.3f} s, min {low:.3f} s")
    for n in (30, 200):
        a, c = random_game(n)
        med, low, _ = timed(lambda: shapley_product_game(a, c), 50)
        print(f"exact Shapley (closed form), n = {n}: median {med * 1e3:.3f} ms")
    a, c = random_game(12)
    med, _, _ = timed(lambda: shapley_brute_force(product_game_value(a, c), 12), 1)
    print(f"brute-force Shapley, n = 12 (4096 coalitions): {med:.3f} s")
    a, c = random_game(30)
    med, _, _ = timed(lambda: shapley_product_game_mc(a, c, n_permutations=2000), 1)
    print(f"Monte Carlo Shapley, n = 30, 2000 permutations: {med:.3f} s")


if __name__ == "__main__":
    main()
