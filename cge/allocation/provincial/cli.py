"""``cge quota``: provincial CO2 quotas by every method for one scenario and year of results.nc."""
from __future__ import annotations

import os


def register(subparsers) -> None:
    """``cge quota --scenario S3 --year 2030 [--rules all|a,b] [--results FILE] [--out DIR] [--seed N]``."""
    p = subparsers.add_parser("quota", help="share the national cap among the 30 provinces (every method)")
    p.add_argument("--scenario", required=True, help="scenario in results.nc, e.g. S3")
    p.add_argument("--year", required=True, type=int, help="year in results.nc")
    p.add_argument("--rules", "--methods", dest="rules", default="all",
                   help="allocation rules: 'all' (default) or a comma list, e.g. equal_per_capita,zsg_dea")
    p.add_argument("--results", default="results/results.nc", help="results.nc (or its folder)")
    p.add_argument("--out", default="results/quota", help="output folder")
    p.add_argument("--seed", type=int, default=0, help="random seed passed to every method")
    p.set_defaults(handler=_handle)


def _handle(args) -> int:
    """Run the methods, write the files, print the comparison table; 2 on bad input."""
    import sys
    from pathlib import Path

    from sam.errors import InputError

    from ...store import lock
    from .metrics import comparison_table
    from .coupling import run
    try:
        with lock(Path(args.out), "cge quota --out"):
            ds = run(args.results, args.scenario, args.year, rules=args.rules, seed=args.seed, out=Path(args.out))
    except InputError as exc:
        print(f"cge quota: {exc}", file=sys.stderr)
        return 2
    print(f"{args.scenario} {args.year}: cap {ds.attrs['cap']:.1f} Mt CO2, price {ds.attrs['price']:.2f} yuan/t")
    cols = ["gini_per_capita_quota", "theil_per_capita_quota", "provinces_in_surplus", "trade_value_surplus_bn_yuan"]
    print(comparison_table(ds)[cols].to_string(float_format=lambda v: f"{v:.4g}"))
    failed = [m for m in ds.attrs["rules_failed"].split(",") if m]
    for part in ds.attrs["status"].split("; "):
        if not part.endswith(": ok"):
            print(f"  {part}", file=sys.stderr)
    print(f"wrote {os.path.relpath(Path(args.out) / (args.scenario + '_' + str(args.year) + '.nc'))} and CSV, metrics, figures")
    return 1 if failed else 0
