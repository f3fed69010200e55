"""Benchmark: sweep throughput on Dask, runs per minute with 1 and 2 local workers.

Runs the same 8-point price grid (full recursive-dynamic runs 2017-END, shared baseline) with
``--workers 1`` and ``--workers 2`` and prints runs per minute and the scaling ratio. The
shared baseline is solved once before the runs are submitted and is excluded from the rate.
Usage: .venv/bin/python benchmarks/bench_sweep.py [--end 2060]
"""
from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

SPEC = """name = "bench"
design = "grid"
template = "S4"
[price]
start_price = [50, 100, 150, 200, 250, 300, 400, 600]
growth = [0]
start_year = [2022]
"""


def rate(workers: int, end: int) -> tuple[float, float]:
    """(runs per minute, seconds) of the 8-point grid with ``workers`` local Dask workers."""
    from cge import runner
    from cge import sweep as sw
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        (out / "spec.toml").write_text(SPEC)
        runner.run_one("baseline", 2017, end, out / "o" / "baseline", resume=False)   # shared, not timed
        t0 = time.perf_counter()
        ds = sw.sweep(out / "spec.toml", out / "o", workers=workers, end=end, resume=True, progress=False)
        secs = time.perf_counter() - t0
        assert (ds.status == "ok").all()
        return ds.sizes["run"] / secs * 60, secs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--end", type=int, default=2060)
    a = ap.parse_args()
    logging.getLogger("distributed").setLevel(logging.ERROR)
    res = {w: rate(w, a.end) for w in (1, 2)}
    for w, (r, s) in res.items():
        print(f"workers {w}: 8 runs 2017-{a.end} in {s:.1f} s = {r:.1f} runs per minute (incl. cluster start-up)")
    print(f"scaling 2 vs 1 workers: {res[2][0] / res[1][0]:.2f}x")


if __name__ == "__main__":
    main()
