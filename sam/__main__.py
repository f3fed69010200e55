"""Command line: ``python -m sam build [--raw DIR] [--out DIR] [--report FILE]``."""
from __future__ import annotations

import argparse
import sys
import time

from .errors import BalanceError, InputError


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m sam``."""
    ap = argparse.ArgumentParser(prog="python -m sam", description="Build the 2017 China SAM and CO2 accounts.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="rebuild sam/data/*.csv and sam/REPORT.md from the raw data")
    b.add_argument("--raw", help="raw data folder (default: $CGE_RAW_DIR or ../shared/data/raw)")
    b.add_argument("--out", help="output data folder (default: sam/data)")
    b.add_argument("--report", help="report path (default: sam/REPORT.md)")
    args = ap.parse_args(argv)
    from .build import build, write
    t0 = time.perf_counter()
    try:
        res = build(args.raw, None)
        paths = write(res, args.out, args.report)
    except (InputError, BalanceError) as exc:
        print(f"sam build failed: {exc}", file=sys.stderr)
        return 2
    print(f"sam build: {len(paths)} files written in {time.perf_counter() - t0:.1f} s")
    for p in paths:
        print(f"  {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
