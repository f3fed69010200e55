"""Benchmark: SAM build time and peak memory.

Run: ``.venv/bin/python benchmarks/bench_sam.py [--repeat 3]``.  Prints wall time per build
(in-memory build plus writing to a temp folder) and the process's peak resident memory.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path


def main() -> None:
    """Time ``sam.build.build`` + ``write`` and report peak memory."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from sam.build import build, write
    times = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as d:
            t0 = time.perf_counter()
            res = build()
            write(res, d, Path(d) / "REPORT.md")
            times.append(time.perf_counter() - t0)
    tracemalloc.start()
    build()
    _, peak_py = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"sam build: median {statistics.median(times):.2f} s, min {min(times):.2f} s over {args.repeat} runs")
    print(f"peak Python heap during one build: {peak_py / 2**20:.1f} MiB; peak RSS of the process: {rss:.1f} MiB")


if __name__ == "__main__":
    main()
