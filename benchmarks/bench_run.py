"""Benchmark: the full `cge run --scenarios all` 2017-2060 (7 paths x 44 years).

Prints the wall time and its split, summed over the scenario processes (process-seconds):

* build   - calibration, Pyomo model construction, closure (``build_seconds`` of each scenario file);
* IPOPT   - the solves (``solve_seconds`` of each solved year: IPOPT with its NLP callbacks);
* overhead - everything else inside the scenario runs: warm starts, results recording,
  checkpoints (``process_seconds`` - build - IPOPT);
* outside - interpreter start-up, imports, process pool, combining results.nc
  (wall x processes in use - the three above; approximate);

plus the peak resident memory of the largest process.
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


def split(out: Path) -> dict[str, float]:
    """Build, IPOPT and overhead seconds summed over the run-store results under ``out/store``."""
    tot = {"build": 0.0, "ipopt": 0.0, "process": 0.0, "solves": 0, "iterations": 0.0}
    for p in sorted(out.glob("store/*/result.nc")):
        with xr.open_dataset(p) as ds:
            tot["build"] += float(ds.attrs["build_seconds"])
            tot["process"] += float(ds.attrs["process_seconds"])
            tot["ipopt"] += float(ds.solve_seconds.sum())
            solved = ds.ipopt_iterations > 0
            tot["solves"] += int(solved.sum())
            tot["iterations"] += float(ds.ipopt_iterations.sum())
    tot["overhead"] = tot["process"] - tot["build"] - tot["ipopt"]
    return tot


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--end", type=int, default=2060)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cge", "run", "--scenarios", "all", "--end", str(a.end),
                        "--jobs", str(a.jobs), "--out", str(out), "--quiet"], check=True)
        wall = time.perf_counter() - t0
        t = split(out)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    outside = wall * a.jobs - t["process"]
    print(f"cge run --scenarios all 2017-{a.end}, --jobs {a.jobs}: wall {wall:.1f} s")
    print(f"  {t['solves']} solves, {t['iterations'] / max(t['solves'], 1):.1f} IPOPT iterations each")
    print(f"  process-seconds: build {t['build']:.1f} | IPOPT {t['ipopt']:.1f} | overhead {t['overhead']:.1f} "
          f"| outside the scenario runs (start-up, imports, pool, combine; approx.) {outside:.1f}")
    print(f"  overhead / IPOPT = {t['overhead'] / t['ipopt']:.2f}; "
          f"(overhead + outside) / IPOPT = {(t['overhead'] + max(outside, 0)) / t['ipopt']:.2f}")
    print(f"  peak RSS of the largest process {peak:.0f} MiB")


if __name__ == "__main__":
    main()
