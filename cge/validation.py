"""Validation corridor: the model's CO2 and GDP response at each published study's price and year.

``calibration/data/validation/corridor.csv`` holds published estimates of China's response to a
carbon price (CGE and IAM studies; the SICGE paper itself is excluded). Each usable row (a price,
a year and a CO2 or GDP change) says how we simulate it (``sim_start``: first year of the price,
``sim_path``: ``flat`` or ``year:price;year:price`` anchors in yuan/t at 2017 prices). ``cge
validate`` runs those scenarios against the shipped baseline and writes ``validation.csv`` and
``validation.md``: the study's and the model's CO2 and GDP change (% vs baseline) side by side,
with their ratio. Economy-wide coverage and lump-sum recycling (the shipped default) are used
for every row; the table keeps each study's own coverage and recycling for the comparison.

It also runs a flat price grid (:data:`GRID_PRICES` yuan/t from :data:`GRID_START`) and writes
``grid.csv``: the model's CO2 and GDP change in :data:`GRID_YEARS` at each price, the line
``cge report`` draws through the corridor (it reads this folder when it sits beside results.nc).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from sam.errors import InputError
from sam.readers import read_csv_checked

CORRIDOR = Path(__file__).resolve().parents[1] / "calibration" / "data" / "validation" / "corridor.csv"
MAX_PRICE = 3000.0     # yuan/t: the range the model is tested over
GRID_PRICES = [10.0, 25.0, 50.0, 100.0, 200.0, 400.0, 800.0]   # yuan/t, flat: the corridor's range of prices
GRID_START = 2018                                             # as the corridor rows' earliest start
GRID_YEARS = [2020, 2025, 2030]                               # the years of effect of the corridor rows


def load_corridor(path: Path = CORRIDOR) -> pd.DataFrame:
    """Rows that can be simulated: a price, a year, a CO2 or GDP change and a simulation path."""
    df = read_csv_checked(path, required=["study", "price_yuan_per_t_2017", "year_of_effect", "co2_pct", "gdp_pct",
                                          "coverage", "recycling", "source", "sim_start", "sim_path"])
    for col in ("price_yuan_per_t_2017", "year_of_effect", "co2_pct", "gdp_pct", "sim_start"):
        num = pd.to_numeric(df[col], errors="coerce")
        bad = df[col].astype(str).str.strip().ne("") & df[col].notna() & num.isna()
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise InputError(f"{path}: line {i + 2}, column {col}: {df[col].iloc[i]!r} is not a number")
        df[col] = num
    use = df["sim_path"].fillna("").astype(str).str.strip().ne("")
    out = df[use].copy()
    out["row"] = out.index + 2          # line in the file
    return out.reset_index(drop=True)


def price_anchors(row: pd.Series, path: Path = CORRIDOR) -> dict[int, float]:
    """The carbon-price anchors (year -> yuan/t) that simulate one corridor row."""
    spec = str(row["sim_path"]).strip()
    where = f"{path}: line {int(row['row'])}, column sim_path"
    if spec == "flat":
        p = float(row["price_yuan_per_t_2017"])
        if not 0 < p <= MAX_PRICE:
            raise InputError(f"{where}: flat price {p} outside (0, {MAX_PRICE:.0f}] yuan/t")
        return {int(row["sim_start"]): p, 2060: p}
    try:
        anchors = {int(y): float(v) for y, v in (part.split(":") for part in spec.split(";"))}
    except ValueError as exc:
        raise InputError(f"{where}: {spec!r} is neither 'flat' nor 'year:price;year:price'") from exc
    last = max(anchors)
    anchors.setdefault(2060, anchors[last])
    return anchors


def scenario_text(name: str, row: pd.Series) -> str:
    """A scenario TOML for one corridor row (economy-wide coverage, lump-sum recycling)."""
    anchors = price_anchors(row)
    lines = [f'name = "{name}"', f"start_year = {min(anchors)}",
             f'description = "validation: {row["study"]}, {row["price_yuan_per_t_2017"]} yuan/t, effect in {int(row["year_of_effect"])}"',
             "[carbon_price]"] + [f"{y} = {v}" for y, v in sorted(anchors.items())]
    return "\n".join(lines) + "\n"


def compare(results: xr.Dataset, rows: pd.DataFrame) -> pd.DataFrame:
    """The study's and the model's CO2 and GDP change (% vs baseline) for each corridor row;
    the model's run of row ``k`` is scenario ``v<k>`` of ``results``."""
    out = []
    b = results.sel(scenario="baseline")
    for k, r in rows.iterrows():
        y = int(r["year_of_effect"])
        s = results.sel(scenario=f"v{k}", year=y)
        co2 = (float(s.co2) / float(b.co2.sel(year=y)) - 1) * 100
        gdp = (float(s.gdp) / float(b.gdp.sel(year=y)) - 1) * 100
        out.append({"study": r["study"], "line": int(r["row"]), "price_yuan_per_t": r["price_yuan_per_t_2017"],
                    "year": y, "co2_pct_study": r["co2_pct"], "co2_pct_model": co2,
                    "co2_ratio": co2 / r["co2_pct"] if pd.notna(r["co2_pct"]) and r["co2_pct"] else np.nan,
                    "gdp_pct_study": r["gdp_pct"], "gdp_pct_model": gdp,
                    "gdp_ratio": gdp / r["gdp_pct"] if pd.notna(r["gdp_pct"]) and r["gdp_pct"] else np.nan,
                    "study_coverage": r["coverage"], "study_recycling": r["recycling"],
                    **_decomposition(results, f"v{k}", y)})
    return pd.DataFrame(out)


def _decomposition(results: xr.Dataset, scenario: str, year: int) -> dict[str, float]:
    """The model's real GDP change at a study's point split into capital, labour, productivity and
    terms of trade (``gdp_<component>``, % of baseline real GDP; :mod:`cge.gdp_decompose`), when
    the results carry the decomposition."""
    if "gdp_decomposition" not in results:
        return {}
    d = results.gdp_decomposition.sel(scenario=scenario, year=year)
    return {f"gdp_{c}": float(d.sel(component=c)) for c in d.component.values}


def grid_text(price: float) -> str:
    """A scenario TOML for one flat price of the grid."""
    name = grid_name(price)
    return (f'name = "{name}"\nstart_year = {GRID_START}\n'
            f'description = "validation price grid: flat {price:g} yuan/t from {GRID_START}"\n'
            f"[carbon_price]\n{GRID_START} = {price}\n2060 = {price}\n")


def grid_name(price: float) -> str:
    return f"g{price:g}".replace(".", "p")


def grid_table(results: xr.Dataset, prices: list[float] = GRID_PRICES, years: list[int] = GRID_YEARS) -> pd.DataFrame:
    """CO2 and GDP change (% vs baseline) of each grid price in each of ``years`` found in ``results``."""
    b = results.sel(scenario="baseline")
    out = []
    for p in prices:
        for y in years:
            if y not in results.year.values:
                continue
            s = results.sel(scenario=grid_name(p), year=y)
            out.append({"price_yuan_per_t": p, "year": y,
                        "co2_pct": (float(s.co2) / float(b.co2.sel(year=y)) - 1) * 100,
                        "gdp_pct": (float(s.gdp) / float(b.gdp.sel(year=y)) - 1) * 100})
    return pd.DataFrame(out)


def validate(out: str | Path = "results/validation", jobs: int = 2, progress: bool = False,
             grid: bool = True) -> pd.DataFrame:
    """Run every corridor row as a scenario and write ``validation.csv`` and ``validation.md``
    (and, with ``grid``, the flat price grid's ``grid.csv``)."""
    from sam.atomic import commit_many

    from .runner import run
    rows = load_corridor()
    out = Path(out)
    sc_dir = out / "scenarios"
    sc_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for k, r in rows.iterrows():
        f = sc_dir / f"v{k}.toml"
        f.write_text(scenario_text(f"v{k}", r))
        files.append(str(f))
    if grid:
        for p in GRID_PRICES:
            f = sc_dir / f"{grid_name(p)}.toml"
            f.write_text(grid_text(p))
            files.append(str(f))
    end = int(max(rows["year_of_effect"].max(), max(GRID_YEARS) if grid else 0))
    ds = run(files, end=end, out=out, jobs=jobs, progress=progress)
    table = compare(ds, rows)
    md = ["| study | price (yuan/t) | year | CO2 % study | CO2 % model | GDP % study | GDP % model |",
          "|---|---|---|---|---|---|---|"]
    f2 = lambda x: "" if pd.isna(x) else f"{x:.2f}"
    for _, t in table.iterrows():
        md.append(f"| {t['study']} | {t['price_yuan_per_t']:.0f} | {t['year']} | {f2(t['co2_pct_study'])} | "
                  f"{f2(t['co2_pct_model'])} | {f2(t['gdp_pct_study'])} | {f2(t['gdp_pct_model'])} |")
    files_out = {out / "validation.csv": table.to_csv(index=False), out / "validation.md": "\n".join(md) + "\n"}
    if grid:
        files_out[out / "grid.csv"] = grid_table(ds).to_csv(index=False)
    commit_many(files_out)
    return table


def register(subparsers) -> None:
    """``cge validate [--out DIR] [--jobs N]``."""
    p = subparsers.add_parser(
        "validate", help="run the published studies' carbon prices and compare CO2 and GDP responses",
        description="Simulate every usable row of calibration/data/validation/corridor.csv (a study's price "
                    "and year) against the shipped baseline and write validation.csv and validation.md.")
    p.add_argument("--out", default="results/validation", help="output folder (default results/validation)")
    p.add_argument("--jobs", type=int, default=2, help="parallel processes (default 2)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--no-grid", action="store_true",
                   help=f"skip the flat price grid ({', '.join(f'{x:g}' for x in GRID_PRICES)} yuan/t from {GRID_START}; grid.csv)")
    p.set_defaults(handler=_handle)


def _handle(args) -> int:
    table = validate(args.out, jobs=args.jobs, progress=not args.quiet, grid=not args.no_grid)
    cols = ["study", "price_yuan_per_t", "year", "co2_pct_study", "co2_pct_model", "gdp_pct_study", "gdp_pct_model"]
    print(table[cols].round(2).to_string(index=False))
    print(f"wrote {Path(args.out) / 'validation.csv'}, validation.md{'' if args.no_grid else ' and grid.csv'}; "
          "`cge report` draws them when this folder sits beside results.nc (or pass --validation)")
    return 0
