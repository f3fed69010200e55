"""Benchmark: the full `cge run --scenarios all` 2017-2060 (7 paths x 44 years).

Prints wall time, the sum of IPOPT solve times recorded in results.nc, the rest (model build,
Pyomo/PyNumero, Python and I/O), and the peak memory of the process tree.
Usage: .venv/bin/python benchmarks/bench_run.py [--jobs 2] [--end 2060]
"""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import xarray as xr


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--end", type=int, default=2060)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cge", "run", "--scenarios", "all", "--end", str(a.end),
                        "--jobs", str(a.jobs), "--out", out, "--quiet"], check=True)
        wall = time.perf_counter() - t0
        with xr.open_dataset(Path(out) / "results.nc") as ds:
            ipopt = float(ds.solve_seconds.sum())
            iters = float(ds.ipopt_iterations.mean())
            n = int(ds.solve_seconds.count())
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"wall {wall:.1f} s for {n} scenario-years with --jobs {a.jobs}; IPOPT {ipopt:.1f} s (summed over "
          f"processes, mean {iters:.1f} iterations); build + Pyomo/Python/I-O {wall * a.jobs - ipopt:.1f} s "
          f"(process-seconds, approx.); peak RSS of the largest process {peak:.0f} MiB")


if __name__ == "__main__":
    main()
