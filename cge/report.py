"""``cge report``: the paper's tables and figures, derived from ``results.nc`` only.

Tables (CSV and Markdown, ``<out>/tables/``) follow the layouts of Cai, Kong and Zhao (2021):
CO2 % change vs baseline, CO2 levels (亿吨 and Mt), final-year CO2 by sector % change, real
GDP % change, final-year output by sector % change, final-year macro variables % change.
Figures (PNG, ``<out>/figures/``): carbon-price paths, emission paths, GDP deviations,
final-year sector output deviations, power mix.  ``<out>/report.html`` embeds them all.
"""
from __future__ import annotations

import base64
import io
import os
from pathlib import Path

import pandas as pd
import xarray as xr

from .runner import _atomic

PAPER_YEARS = [2025, 2030, 2035, 2040, 2050, 2060]
MACRO = {"investment": "投资 investment", "consumption": "消费 consumption", "exports": "出口 exports",
         "imports": "进口 imports", "employment": "就业 employment"}
GEN = ["ECOA", "EGAS", "EHYD", "ENUC", "ENEW"]


def pct(ds: xr.Dataset, var: str) -> xr.DataArray:
    """Percent deviation of ``var`` from the baseline, for every policy scenario."""
    base = ds[var].sel(scenario="baseline")
    return (ds[var].sel(scenario=_policies(ds)) / base - 1) * 100


def _policies(ds: xr.Dataset) -> list[str]:
    return [str(s) for s in ds.scenario.values if s != "baseline"]


def _years(ds: xr.Dataset) -> list[int]:
    ys = [y for y in PAPER_YEARS if y in ds.year.values]
    return ys or [int(ds.year.max())]


def tables(ds: xr.Dataset) -> dict[str, pd.DataFrame]:
    """Every table, as DataFrames keyed by file stem."""
    ys, last, pol = _years(ds), int(ds.year.max()), _policies(ds)
    t: dict[str, pd.DataFrame] = {}
    t["table3_co2_pct"] = pct(ds, "co2").sel(year=ys).to_pandas().round(2)
    lv = ds.co2.sel(year=ys).to_pandas()
    t["table4_co2_levels_yi_t"] = (lv / 100).round(2)
    t["table4_co2_levels_mt"] = lv.round(1)
    sec = pct(ds, "co2_sector").sel(year=last).to_pandas().T
    hh = pct(ds, "co2_household").sel(year=last).to_pandas()
    sec.loc["households"] = hh
    t[f"table5_co2_by_sector_{last}_pct"] = sec.round(2)
    t["table6_gdp_pct"] = pct(ds, "gdp").sel(year=ys).to_pandas().round(3)
    t[f"table7_output_by_sector_{last}_pct"] = pct(ds, "output").sel(year=last).to_pandas().T.round(2)
    mac = pd.DataFrame({MACRO[k]: pct(ds, k).sel(year=last).to_pandas() for k in MACRO}).T
    t[f"table8_macro_{last}_pct"] = mac.round(3)
    t["carbon_price"] = ds.carbon_price.sel(scenario=pol, year=ys).to_pandas().round(2) if pol else pd.DataFrame()
    for k, df in t.items():
        df.index.name = df.index.name or ("scenario" if k.startswith(("table3", "table4", "table6", "carbon")) else "row")
    return t


def _fig(fn) -> bytes:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig = fn(plt)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def figures(ds: xr.Dataset) -> dict[str, bytes]:
    """Every figure as PNG bytes keyed by file stem."""
    pol, last = _policies(ds), int(ds.year.max())
    yrs = ds.year.values
    out: dict[str, bytes] = {}

    def lines(data: xr.DataArray, ylabel: str, title: str, baseline: bool = False, zero: bool = False):
        """One line per policy scenario (and the baseline in black)."""
        def draw(plt):
            fig, ax = plt.subplots(figsize=(7, 4))
            if baseline:
                ax.plot(yrs, data.sel(scenario="baseline"), "k-", lw=2, label="baseline")
            for s in pol:
                ax.plot(yrs, data.sel(scenario=s), label=s)
            if zero:
                ax.axhline(0, color="grey", lw=0.5)
            ax.set(xlabel="year", ylabel=ylabel, title=title)
            ax.legend()
            return fig
        return _fig(draw)
    out["carbon_price_paths"] = lines(ds.carbon_price, "yuan per t CO2 (2017 prices)", "Carbon-price paths")
    out["co2_paths"] = lines(ds.co2, "Mt CO2", "National CO2 emissions", baseline=True)
    out["gdp_deviation"] = lines(pct(ds, "gdp"), "% vs baseline", "Real GDP, deviation from baseline", zero=True)

    if pol:
        s = pol[-1]

        def sectors(plt):
            d = pct(ds, "output").sel(scenario=s, year=last).to_pandas().sort_values()
            fig, ax = plt.subplots(figsize=(7, 11))
            ax.barh(d.index, d.values, color=["#b2182b" if v < 0 else "#2166ac" for v in d.values])
            ax.set(xlabel="% vs baseline", title=f"Output by sector, {last}, {s}")
            ax.tick_params(axis="y", labelsize=7)
            return fig
        out[f"output_by_sector_{last}"] = _fig(sectors)

    def mix(plt):
        fig, axes = plt.subplots(1, 2 if pol else 1, figsize=(11 if pol else 6, 4), squeeze=False)
        for ax, s in zip(axes[0], ["baseline"] + pol[-1:]):
            gen = ds.output.sel(scenario=s, sector=GEN)
            share = gen / gen.sum("sector") * 100
            ax.stackplot(yrs, *[share.sel(sector=g) for g in GEN], labels=GEN)
            ax.set(xlabel="year", ylabel="% of generation (2017 prices)", title=f"Power mix, {s}", ylim=(0, 100))
        axes[0][0].legend(loc="lower left", fontsize=7)
        return fig
    out["power_mix"] = _fig(mix)
    return out


def write_report(results: str | Path = "results/results.nc", out: str | Path | None = None) -> dict[str, Path]:
    """Write tables, figures and ``report.html`` next to ``results.nc``; return the paths."""
    results = Path(results)
    with xr.open_dataset(results) as d:
        ds = d.load()
    out = Path(out) if out else results.parent
    paths: dict[str, Path] = {}
    tabs = tables(ds)
    for k, df in tabs.items():
        for ext, text in (("csv", df.to_csv()), ("md", df.to_markdown())):
            p = out / "tables" / f"{k}.{ext}"
            _atomic(p, lambda tmp, t=text: Path(tmp).write_text(t + ("\n" if not t.endswith("\n") else ""), encoding="utf-8"))
            paths[f"{k}.{ext}"] = p
    figs = figures(ds)
    for k, png in figs.items():
        p = out / "figures" / f"{k}.png"
        _atomic(p, lambda tmp, b=png: Path(tmp).write_bytes(b))
        paths[f"{k}.png"] = p
    html = _html(ds, tabs, figs)
    _atomic(out / "report.html", lambda tmp: Path(tmp).write_text(html, encoding="utf-8"))
    paths["report.html"] = out / "report.html"
    return paths


def _html(ds, tabs, figs) -> str:
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>cge results</title>",
             "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}table{border-collapse:collapse;font-size:12px}"
             "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}</style></head><body>",
             "<h1>cge: carbon-price scenarios for China, 2017-2060</h1>",
             f"<p>Scenarios: {', '.join(map(str, ds.scenario.values))}; years {int(ds.year.min())}-{int(ds.year.max())}. "
             "All deviations are percent changes from the baseline, derived from results.nc.</p>"]
    for k, png in figs.items():
        parts.append(f"<h2>{k.replace('_', ' ')}</h2><img src='data:image/png;base64,{base64.b64encode(png).decode()}'>")
    for k, df in tabs.items():
        parts.append(f"<h2>{k.replace('_', ' ')}</h2>{df.to_html()}")
    parts.append("</body></html>")
    return "\n".join(parts)


def register(subparsers) -> None:
    """``cge report [--results results/results.nc] [--out DIR]``."""
    p = subparsers.add_parser("report", help="tables, figures and report.html from results.nc")
    p.add_argument("--results", default="results/results.nc")
    p.add_argument("--out", default=None, help="output folder (default: next to results.nc)")
    p.set_defaults(handler=_handle)


def _handle(args) -> int:
    import sys
    if not Path(args.results).exists():
        print(f"cge report: no results file {args.results}; run `cge run` first", file=sys.stderr)
        return 2
    paths = write_report(args.results, args.out)
    print(f"wrote {len(paths)} files; open {os.path.relpath(paths['report.html'])}")
    return 0
