"""Command line: ``python -m sam build [--raw DIR] [--out DIR] [--report FILE]``."""
from __future__ import annotations

import argparse
import sys
import time

from .errors import BalanceError, debug_flag, report_failure


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m sam`` (``--debug`` anywhere shows the traceback of an error)."""
    argv, debug = debug_flag(list(sys.argv[1:] if argv is None else argv))
    ap = argparse.ArgumentParser(prog="python -m sam", description="Build the 2017 China SAM and CO2 accounts.")
    ap.add_argument("--debug", action="store_true", help="show the Python traceback of an error")
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
    except BalanceError as exc:
        print(f"sam build failed: {exc}", file=sys.stderr)
        return 2
    except BaseException as exc:  # noqa: BLE001 - one line per problem; --debug re-raises
        if isinstance(exc, SystemExit):
            raise
        return report_failure("sam build failed", exc, debug)
    print(f"sam build: {len(paths)} files written in {time.perf_counter() - t0:.1f} s")
    for p in paths:
        print(f"  {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
