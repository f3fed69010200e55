"""``cge rights``: global carbon emission rights by country (Zhou et al. 2024), tables and figures."""
from __future__ import annotations

import sys


def register(subparsers) -> None:
    """``cge rights --year 2020 [--alliances 15] [--out results/global] ...``."""
    p = subparsers.add_parser("rights", help="global emission rights by country: entropy weights, "
                                             "gravity alliances, two-stage Shapley")
    p.add_argument("--year", type=int, default=2020, help="reference year, 2016-2020 (default 2020, as the paper)")
    p.add_argument("--alliances", type=int, default=15, help="number of alliances (default 15, as the paper); "
                                                             "0 = the natural number of the max-linkage pairing")
    p.add_argument("--out", default="results/global", help="output folder (default results/global)")
    p.add_argument("--equity-basis", choices=["cumulative", "table1"], default="cumulative",
                   help="x1/x3: cumulative 1990-year population and CO2 (STAR Methods) or Table 1's "
                        "population and CO2 intensity")
    p.add_argument("--labour-proxy", choices=["gdp_per_employed", "gdp_per_capita_ppp"],
                   default="gdp_per_employed", help="labour-cost proxy for the gravity model")
    p.add_argument("--merge", choices=["average", "single"], default="average",
                   help="how alliances are merged down to --alliances")
    p.add_argument("--min-distance-km", type=float, default=None,
                   help="floor on distances between capitals (not in the paper; default none)")
    p.add_argument("--impute", action="store_true",
                   help="fill up to two missing indicators per country with the cross-country median")
    p.add_argument("--scenario-out", default=None,
                   help="also write a cap-and-trade scenario TOML from China's share "
                        "(e.g. scenarios/global/global_budget.toml)")
    p.add_argument("--warming", type=float, default=2.0, help="budget warming level, C (1.5, 1.7, 2.0)")
    p.add_argument("--likelihood", type=int, default=67, help="budget likelihood, %% (50, 67, 83)")
    p.add_argument("--cap-start", type=int, default=2020, help="first cap year of the scenario (default 2020)")
    p.set_defaults(handler=_handle)


def _handle(args) -> int:
    import os
    import time
    from pathlib import Path

    from sam.errors import InputError

    from ...store import lock
    from .core import allocate_global, check_scenario_path, rights_table, write_budget_scenario, write_outputs
    t0 = time.perf_counter()
    try:
        if args.scenario_out:
            check_scenario_path(args.scenario_out)
        ds = allocate_global(args.year, args.alliances or None, equity_basis=args.equity_basis,
                             labour_proxy=args.labour_proxy, impute=args.impute, merge=args.merge,
                             min_distance_km=args.min_distance_km)
        with lock(Path(args.out), "cge rights --out"):
            paths = write_outputs(ds, args.out)
        if args.scenario_out:
            sc = write_budget_scenario(ds, args.scenario_out, warming_c=args.warming,
                                       likelihood_pct=args.likelihood, start_year=args.cap_start)
            paths[sc.name] = sc
    except InputError as exc:
        print(f"cge rights: {exc}", file=sys.stderr)
        return 2
    top = rights_table(ds).head(5)
    print(f"{ds.attrs['n_countries']} countries, {ds.attrs['n_alliances']} alliances "
          f"(natural {ds.attrs['n_alliances_natural']}), year {args.year}, {time.perf_counter() - t0:.1f} s")
    print("largest shares: " + ", ".join(f"{r.iso3} {r.share * 100:.2f} %" for r in top.itertuples()))
    if "CHN" in ds.country.values:
        chn = ds.sel(country="CHN")
        print(f"China: {float(chn.share) * 100:.2f} % in {chn.alliance_of.item()}")
    print(f"wrote {len(paths)} files to {os.path.relpath(args.out)}" +
          (f" and {os.path.relpath(args.scenario_out)}" if args.scenario_out else ""))
    return 0
