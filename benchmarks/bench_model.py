"""Benchmark: 65-sector static model build, first solve, warm re-solves after a carbon-price change.

Run: ``.venv/bin/python benchmarks/bench_model.py [--elasticities FILE] [--groups FILE]``.
Prints the Pyomo build time, the first solve (NLP compilation through the ASL interface +
IPOPT), and for warm re-solves the wall time, IPOPT's own time and the iteration count.
"""
from __future__ import annotations

import argparse
import statistics
import time

import cge  # noqa: F401  (sets PYOMO_CONFIG_DIR)
import calibration as C
import sam


def main() -> None:
    """Time the model's life cycle on the shipped SAM."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--elasticities")
    ap.add_argument("--groups")
    args = ap.parse_args()
    el = C.load_elasticities(args.elasticities) if args.elasticities else None
    groups = C.load_sector_groups(args.groups) if args.groups else None
    t0 = time.perf_counter()
    cal = C.calibrate(sam.load_sam(), el, sam.load_co2(), sam.load_process_co2(), groups)
    t1 = time.perf_counter()
    model = cge.Model(cal)
    t2 = time.perf_counter()
    model.solve(0.0)
    t3 = time.perf_counter()
    walls, ipopt, iters = [], [], []
    for price in (50, 100, 150, 200, 100, 0):
        t = time.perf_counter()
        sol = model.solve(price)
        walls.append(time.perf_counter() - t)
        ipopt.append(sol.info.seconds)
        iters.append(sol.info.iterations)
    m = model.m
    print(f"65-sector model: {m.nvariables()} variables, {m.nconstraints()} equations")
    print(f"calibrate {t1 - t0:.2f} s; Pyomo build {t2 - t1:.2f} s; first solve (NLP compile + IPOPT) {t3 - t2:.2f} s")
    print(f"warm re-solve: median wall {statistics.median(walls):.3f} s, median IPOPT {statistics.median(ipopt):.3f} s, "
          f"iterations {iters}")


if __name__ == "__main__":
    main()
