"""``cge report``: the paper's tables and figures, derived from ``results.nc`` only.

Tables follow the layout of Cai, Kong and Zhao (2021): numbered, with a caption and units,
sectors by code and their Chinese and English names (``sam/data/sectors.csv``), a fixed number
of decimals per table, no all-empty rows. They are written to ``<out>/tables/`` as CSV and
Markdown. Figures are written to ``<out>/figures/`` as SVG and 200 dpi PNG: carbon-price paths
(drawn as steps: the price is set per year), emission paths, GDP deviations, final-year output by
sector, the power mix, the real GDP decomposition and the validation corridor
(:mod:`cge.report_sections`). ``<out>/report.html`` is one self-contained page with all of them; every
string that comes from data is HTML-escaped. The one input besides ``results.nc``: the corridor's
published studies (package data) and, when ``cge validate`` has written them beside results.nc, the
model's runs at the studies' prices and on a price grid.
"""
from __future__ import annotations

import base64
import html
import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from sam.atomic import commit_many
from sam.errors import InputError

from .runner import _read
from . import report_sections as sections

PAPER_YEARS = [2025, 2030, 2035, 2040, 2050, 2060]
MACRO = {"gdp": ("实际GDP", "real GDP"), "consumption": ("居民消费", "household consumption"),
         "investment": ("投资", "investment"), "exports": ("出口", "exports"), "imports": ("进口", "imports"),
         "employment": ("就业", "employment")}
GEN = ["ECOA", "EGAS", "EHYD", "ENUC", "ENEW"]
PNG_DPI = 200


def pct(ds: xr.Dataset, var: str) -> xr.DataArray:
    """Percent deviation of ``var`` from the baseline, for every policy scenario."""
    base = ds[var].sel(scenario="baseline")
    return (ds[var].sel(scenario=_policies(ds)) / base - 1) * 100


def _policies(ds: xr.Dataset) -> list[str]:
    return [str(s) for s in ds.scenario.values if s != "baseline"]


def _years(ds: xr.Dataset) -> list[int]:
    ys = [y for y in PAPER_YEARS if y in ds.year.values]
    return ys or [int(ds.year.max())]


def sector_labels() -> pd.DataFrame:
    """Code, Chinese and English name of the 65 sectors and the households row."""
    from .metadata import sector_names
    names = sector_names().copy()
    names.loc["households"] = ["Households (direct CO2)", "居民"]
    return names


# ----------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class TableSpec:
    """One numbered table: file stem, caption, units, decimals and how to build it."""

    number: int
    stem: str
    caption: str
    units: str
    decimals: int
    build: Callable[[xr.Dataset], pd.DataFrame]


def _by_year(da: xr.DataArray, ds: xr.Dataset) -> pd.DataFrame:
    df = da.sel(year=_years(ds)).transpose("scenario", "year").to_pandas()
    df.index.name, df.columns.name = "scenario", "year"
    return df


def _by_sector(da: xr.DataArray, extra: pd.Series | None = None) -> pd.DataFrame:
    """Sectors x scenarios with code, 中文 and English name columns; all-empty rows dropped."""
    df = da.transpose("sector", "scenario").to_pandas()
    if extra is not None:
        df.loc["households"] = extra
    df = df.replace([np.inf, -np.inf], np.nan).dropna(how="all")
    names = sector_labels().reindex(df.index)
    df.insert(0, "sector (English)", names.name_en.fillna("").values)
    df.insert(0, "部门", names.name_zh.fillna("").values)
    df.index.name, df.columns.name = "code", None
    return df


def _macro(ds: xr.Dataset) -> pd.DataFrame:
    last = int(ds.year.max())
    rows = {k: pct(ds, k).sel(year=last).to_pandas() for k in MACRO if k in ds}
    df = pd.DataFrame(rows).T
    df.insert(0, "variable", [MACRO[k][1] for k in df.index])
    df.insert(0, "变量", [MACRO[k][0] for k in df.index])
    df.index.name, df.columns.name = "code", None
    return df


def own_prices(ds: xr.Dataset, pol: list[str]) -> xr.DataArray:
    """The baseline's carbon price and each policy scenario's own price (its total minus the baseline's)."""
    base = ds.carbon_price.sel(scenario="baseline")
    own = ds.carbon_price.sel(scenario=pol) - base
    return xr.concat([base.expand_dims(scenario=["baseline"]), own], "scenario")


def table_specs(ds: xr.Dataset, val: "sections.Validation | None" = None) -> list[TableSpec]:
    """The report's tables, in order (numbers follow the order; the paper's numbers in captions);
    ``val``: the validation corridor and ``cge validate``'s runs (:func:`cge.report_sections.load_validation`)."""
    last = int(ds.year.max())
    pol = _policies(ds)
    specs = [
        ("carbon_price", "Carbon-price paths by scenario (paper Table 2): each scenario's own price; the baseline "
         "row is the 2060 pledge's implicit price after the energy outlook's horizon, which policy runs pay on top",
         "yuan per t CO2, 2017 prices", 1, lambda d: _by_year(own_prices(d, pol), d)),
        ("table3_co2_pct", "National CO2 emissions, change from the baseline (paper Table 3)", "% vs baseline", 2,
         lambda d: _by_year(pct(d, "co2"), d)),
        ("table4_co2_levels_mt", "National CO2 emissions (paper Table 4)", "Mt CO2", 0,
         lambda d: _by_year(d.co2, d)),
        ("table4_co2_levels_yi_t", "National CO2 emissions in 亿吨 (paper Table 4 units)", "亿吨 CO2 (100 Mt)", 2,
         lambda d: _by_year(d.co2 / 100, d)),
        (f"table5_co2_by_sector_{last}_pct", f"CO2 by emitting activity in {last}, change from the baseline "
         "(paper Table 5; sectors without CO2 left out)", "% vs baseline", 2,
         lambda d: _by_sector(pct(d, "co2_sector").sel(year=last),
                              pct(d, "co2_household").sel(year=last).to_pandas())),
        ("table6_gdp_pct", "Real GDP, change from the baseline (paper Table 6)", "% vs baseline", 3,
         lambda d: _by_year(pct(d, "gdp"), d)),
        (f"table7_output_by_sector_{last}_pct", f"Real gross output by sector in {last}, change from the baseline "
         "(paper Table 7)", "% vs baseline", 2, lambda d: _by_sector(pct(d, "output").sel(year=last))),
        (f"table8_macro_{last}_pct", f"Macroeconomic variables in {last}, change from the baseline (paper Table 8)",
         "% vs baseline", 3, _macro),
    ]
    if "gdp_decomposition" in ds and pol:
        specs.append(("gdp_decomposition", "Real GDP decomposition: capital in use, labour, productivity and terms of "
                      "trade (policy scenarios against the baseline of the same year; the baseline against the "
                      "previous year). The first three add up to the real GDP change, all four to the real GDI "
                      "change (cge.gdp_decompose)", ds.gdp_decomposition.attrs.get("units", "percent of reference real GDP"),
                      3, lambda d: sections.decomposition_table(d, _years(d))))
    if "ev" in ds and "household" in ds.dims and pol:
        specs.append(("ev_by_household", f"Equivalent variation by household: {sections.ev_caption(ds)}",
                      ds.ev.attrs.get("units", "billion yuan, 2017 prices"), 1, lambda d: sections.ev_table(d, _years(d))))
    if val is not None and val.compare is not None and pol:
        specs.append(("validation_corridor", "Validation corridor: published studies and this model at the study's "
                      "carbon price and year (cge validate; economy-wide coverage, lump-sum recycling)",
                      "% vs baseline", 2, lambda d: sections.comparison_table(val)))
    if not pol:
        specs = [s for s in specs if s[0] == "table4_co2_levels_mt" or s[0] == "table4_co2_levels_yi_t"]
    return [TableSpec(i + 1, *s) for i, s in enumerate(specs)]


def tables(ds: xr.Dataset, val: "sections.Validation | None" = None) -> dict[str, pd.DataFrame]:
    """Every table as a DataFrame keyed by file stem, rounded to its decimals; ``attrs`` hold the
    number, caption, units and decimals."""
    out = {}
    for spec in table_specs(ds, val):
        df = spec.build(ds)
        num = df.select_dtypes("number").columns
        df[num] = df[num].round(spec.decimals)
        df.attrs = {"number": spec.number, "caption": f"Table {spec.number}. {spec.caption} ({spec.units})",
                    "units": spec.units, "decimals": spec.decimals}
        out[spec.stem] = df
    return out


def _formatted(df: pd.DataFrame) -> pd.DataFrame:
    """Numbers as strings with the table's decimals (missing values as an en dash)."""
    d = df.attrs.get("decimals", 2)
    out = df.copy().astype(object)
    for c in df.select_dtypes("number").columns:
        out[c] = [("–" if pd.isna(v) else f"{v:,.{d}f}") for v in df[c]]
    return out


# ----------------------------------------------------------------------------- figures


def figure_files(fig, stem: Path) -> dict[Path, bytes]:
    """``<stem>.svg`` and ``<stem>.png`` (200 dpi) rendered in memory: path -> bytes (for
    :func:`sam.atomic.commit_many`)."""
    files = {}
    for ext, kw in (("svg", {"metadata": {"Date": None}}), ("png", {"dpi": PNG_DPI, "metadata": {"Software": None}})):
        buf = io.BytesIO()
        fig.savefig(buf, format=ext, bbox_inches="tight", **kw)
        files[Path(f"{stem}.{ext}")] = buf.getvalue()
    return files


def save_figure(fig, stem: Path) -> list[Path]:
    """``<stem>.svg`` and ``<stem>.png`` (200 dpi), written together (both or neither); the paths."""
    return commit_many(figure_files(fig, stem))


def _fig(fn) -> bytes:
    """PNG bytes (200 dpi) of the figure ``fn(plt)`` draws (kept for callers outside this module)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig = fn(plt)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=PNG_DPI, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


@dataclass(frozen=True)
class FigureSpec:
    """One numbered figure: file stem, caption and the function that draws it."""

    number: int
    stem: str
    caption: str
    draw: Callable


def figure_specs(ds: xr.Dataset, val: "sections.Validation | None" = None) -> list[FigureSpec]:
    """The report's figures, in order (``val`` as in :func:`table_specs`; without it the corridor
    figure draws the studies and S1-S6 only)."""
    pol, last, yrs = _policies(ds), int(ds.year.max()), ds.year.values
    names = sector_labels()

    def prices(plt):
        fig, ax = plt.subplots(figsize=(7, 4))
        x = np.append(yrs, yrs[-1] + 1)                 # the last year's price holds through that year
        own = own_prices(ds, pol)
        for s in ["baseline"] + pol:
            y = own.sel(scenario=s).values
            if s == "baseline" and not y.any():
                continue
            ax.step(x, np.append(y, y[-1]), where="post", label="baseline (pledge)" if s == "baseline" else s,
                    **({"color": "k", "ls": "--"} if s == "baseline" else {}))
        ax.set(xlabel="year", ylabel="yuan per t CO2 (2017 prices)")
        ax.legend(title="scenario", loc="center left", bbox_to_anchor=(1.01, 0.5))
        return fig

    def co2(plt):
        fig, ax = plt.subplots(figsize=(7, 4))
        ax.plot(yrs, ds.co2.sel(scenario="baseline"), "k-", lw=2, label="baseline")
        for s in pol:
            ax.plot(yrs, ds.co2.sel(scenario=s), label=s)
        ax.set(xlabel="year", ylabel="Mt CO2")
        ax.legend(title="scenario", loc="center left", bbox_to_anchor=(1.01, 0.5))
        return fig

    def gdp(plt):
        fig, ax = plt.subplots(figsize=(7, 4))
        for s in pol:
            ax.plot(yrs, pct(ds, "gdp").sel(scenario=s), label=s)
        ax.axhline(0, color="grey", lw=0.5)
        ax.set(xlabel="year", ylabel="% vs baseline")
        ax.legend(title="scenario", loc="center left", bbox_to_anchor=(1.01, 0.5))
        return fig

    def sectors(plt):
        s = pol[-1]
        d = pct(ds, "output").sel(scenario=s, year=last).to_pandas().dropna().sort_values()
        labels = [f"{names.name_en.get(c, c)} ({c})" for c in d.index]
        fig, ax = plt.subplots(figsize=(8, 0.19 * len(d) + 1.5))
        ax.barh(labels, d.values, color=["#b2182b" if v < 0 else "#2166ac" for v in d.values])
        ax.axvline(0, color="k", lw=0.6)
        ax.set(xlabel=f"% vs baseline, {s}, {last}")
        ax.tick_params(axis="y", labelsize=7)
        ax.margins(y=0.005)
        return fig

    def mix(plt):
        shown = ["baseline"] + pol[-1:]
        fig, axes = plt.subplots(1, len(shown), figsize=(5.5 * len(shown), 4), squeeze=False, sharey=True)
        physical = "generation" in ds
        for ax, s in zip(axes[0], shown):
            gen = ds.generation.sel(scenario=s) if physical else ds.output.sel(scenario=s, sector=GEN).rename(sector="gen")
            ax.stackplot(yrs, *[gen.sel(gen=g) for g in GEN], labels=[names.name_en.get(g, g) for g in GEN])
            ax.set(xlabel="year", title=s)
        axes[0][0].set_ylabel("generation, TWh" if physical else "generation output, billion yuan (2017 prices)")
        axes[0][-1].legend(loc="lower left", fontsize=7)
        return fig

    specs = [("carbon_price_paths", "Carbon-price paths (yuan per t CO2, 2017 prices): each scenario's own price, "
              "paid on top of the baseline's (dashed: the pledge's implicit price after 2050); the price is set per "
              "year, so the paths are drawn as steps", prices),
             ("co2_paths", "National CO2 emissions, baseline and scenarios (Mt CO2)", co2)]
    if pol:
        specs += [("gdp_deviation", "Real GDP, change from the baseline (%)", gdp),
                  (f"output_by_sector_{last}", f"Real gross output by sector in {last}, {pol[-1]}, "
                   "change from the baseline (%)", sectors)]
    specs.append(("power_mix", "Electricity generation by technology (TWh)", mix))
    if pol and "gdp_decomposition" in ds:
        dy = [y for y in (2030, last) if y in yrs]
        dy = sorted(set(dy)) or [last]
        specs.append(("gdp_decomposition", "Real GDP change from the baseline split into capital in use, labour, "
                      "productivity and terms of trade, % of baseline real GDP (dots: real GDP; diamonds: real GDI "
                      f"= GDP + terms of trade), {', '.join(map(str, dy))}", sections.draw_decomposition(ds, dy)))
    if pol:
        v = val if val is not None else sections.load_validation(None)
        specs.append(("validation_corridor", "Validation corridor: CO2 and real GDP change against the carbon price, "
                      "published China studies (labelled squares), S1-S6 in 2030 (filled) and 2060 (open)"
                      + ("" if v.compare is None else ", the model at each study's price and year (crosses)")
                      + ("" if v.grid is None else ", and the model on a flat price grid (lines)"),
                      sections.draw_corridor(ds, v)))
    if not pol:
        specs = [s for s in specs if s[0] != "carbon_price_paths"]
    return [FigureSpec(i + 1, *s) for i, s in enumerate(specs)]


def figures(ds: xr.Dataset, val: "sections.Validation | None" = None) -> dict[str, bytes]:
    """Every figure as 200 dpi PNG bytes keyed by file stem."""
    return {spec.stem: _fig(spec.draw) for spec in figure_specs(ds, val)}


def render_figures(ds: xr.Dataset, folder: Path, val: "sections.Validation | None" = None) -> dict[str, dict[Path, bytes]]:
    """Every figure as SVG and PNG bytes, stem -> {path in ``folder``: bytes} (nothing written)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    out = {}
    for spec in figure_specs(ds, val):
        fig = spec.draw(plt)
        try:
            out[spec.stem] = figure_files(fig, folder / spec.stem)
        finally:
            plt.close(fig)
    return out


def write_figures(ds: xr.Dataset, folder: Path) -> dict[str, list[Path]]:
    """Every figure as SVG and PNG in ``folder`` (all files or none); stem -> paths."""
    rendered = render_figures(ds, folder)
    commit_many({p: b for fs in rendered.values() for p, b in fs.items()})
    return {stem: list(fs) for stem, fs in rendered.items()}


# ----------------------------------------------------------------------------- files


def write_report(results: str | Path = "results/results.nc", out: str | Path | None = None,
                 validation: str | Path | None = None) -> dict[str, Path]:
    """Write tables, figures and ``report.html`` next to ``results.nc``; return the paths.
    ``validation``: the output folder of ``cge validate`` (default ``<folder of results.nc>/validation``;
    its runs are drawn when it exists)."""
    results = Path(results)
    ds = check_results(_read(results), results)
    out = Path(out) if out else results.parent
    val = sections.load_validation(Path(validation) if validation else results.parent / sections.VALIDATION_DIR)
    files: dict[str, tuple[Path, str | bytes]] = {}
    tabs = tables(ds, val)
    for k, df in tabs.items():
        md = f"**{df.attrs['caption']}**\n\n" + _formatted(df).to_markdown(disable_numparse=True)
        for ext, text in (("csv", df.to_csv()), ("md", md)):
            files[f"{k}.{ext}"] = (out / "tables" / f"{k}.{ext}", text + ("\n" if not text.endswith("\n") else ""))
    rendered = render_figures(ds, out / "figures", val)
    for stem, fs in rendered.items():
        for p, content in fs.items():
            files[p.name] = (p, content)
    files["report.html"] = (out / "report.html", _html(ds, tabs, rendered, val))
    commit_many(dict(files.values()))            # every file or none
    return {k: p for k, (p, _) in files.items()}


REQUIRED = ["co2", "co2_sector", "co2_household", "gdp", "output", "carbon_price", *MACRO]


def check_results(ds: xr.Dataset, path: Path) -> xr.Dataset:
    """``ds`` if it is a ``cge run`` results file with a baseline, else an InputError naming what is missing."""
    missing = [d for d in ("scenario", "year", "sector") if d not in ds.dims]
    missing += [v for v in REQUIRED if v not in ds]
    if missing:
        raise InputError(f"{path}: not a cge results file: missing {', '.join(missing)} "
                         "(expected the results.nc written by `cge run`)")
    if "baseline" not in ds.scenario.values:
        raise InputError(f"{path}: no baseline scenario (scenarios {[str(s) for s in ds.scenario.values]}); "
                         "deviations are measured from it: run `cge run` into this folder")
    return ds


CSS = ("body{font-family:system-ui,'Noto Sans CJK SC','WenQuanYi Micro Hei',sans-serif;max-width:1100px;margin:auto;padding:0 1em;color:#222}"
       "table{border-collapse:collapse;font-size:12px;margin:0.5em 0 2em}caption{caption-side:top;text-align:left;"
       "font-weight:600;padding:4px 0}td,th{border:1px solid #ccc;padding:2px 6px}td.num{text-align:right;"
       "font-variant-numeric:tabular-nums}figure{margin:1em 0 2em}figure img{max-width:100%;height:auto}"
       "figcaption{font-size:13px}nav li{font-size:13px}")


def _table_html(df: pd.DataFrame, tid: str) -> str:
    """A table with its caption; every cell escaped; numbers right-aligned."""
    f = _formatted(df)
    num = set(df.select_dtypes("number").columns)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in [df.index.name or "", *f.columns])
    rows = []
    for idx, row in f.iterrows():
        cells = "".join(f"<td class='{'num' if c in num else 'txt'}'>{html.escape(str(v))}</td>" for c, v in row.items())
        rows.append(f"<tr><th>{html.escape(str(idx))}</th>{cells}</tr>")
    return (f"<table id='{tid}'><caption>{html.escape(df.attrs['caption'])}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _html(ds: xr.Dataset, tabs: dict[str, pd.DataFrame], figs: dict[str, dict[Path, bytes]],
          val: "sections.Validation | None" = None) -> str:
    """The self-contained report page (PNG embedded, SVG linked)."""
    specs = {s.stem: s for s in figure_specs(ds, val)}
    scen = ", ".join(map(str, ds.scenario.values))
    meta = ds.attrs
    parts = ["<!doctype html><html lang='en'><head><meta charset='utf-8'>",
             "<title>cge results: carbon-price scenarios for China</title>", f"<style>{CSS}</style></head><body>",
             f"<h1>Carbon-price scenarios for China, {int(ds.year.min())}-{int(ds.year.max())}</h1>",
             f"<p>Scenarios: {html.escape(scen)}. Model version {html.escape(str(meta.get('model_version', '?')))}"
             f"{', commit ' + html.escape(str(meta['git_commit'])) if 'git_commit' in meta else ''}; "
             f"created {html.escape(str(meta.get('created', '?')))}. All deviations are percent changes from the "
             "baseline, derived from results.nc.</p>",
             "<nav><ul>" + "".join(f"<li><a href='#{k}'>{html.escape(df.attrs['caption'])}</a></li>"
                                   for k, df in tabs.items()) + "</ul></nav>", "<h2>Figures</h2>"]
    for stem, files in figs.items():
        png = next(p for p in files if p.suffix == ".png")
        svg = next(p for p in files if p.suffix == ".svg")
        s = specs[stem]
        raw = files[png]
        width = int.from_bytes(raw[16:20], "big") * 96 // PNG_DPI          # CSS pixels at the figure's size
        data = base64.b64encode(raw).decode()
        parts.append(f"<figure id='{stem}'><img src='data:image/png;base64,{data}' width='{width}' "
                     f"alt='{html.escape(s.caption)}'>"
                     f"<figcaption>Figure {s.number}. {html.escape(s.caption)} "
                     f"(<a href='figures/{html.escape(svg.name)}'>SVG</a>)</figcaption></figure>")
    parts.append(_notes_html(ds, specs, tabs, val))
    parts.append("<h2>Tables</h2>")
    for k, df in tabs.items():
        parts.append(_table_html(df, k))
    parts.append("</body></html>")
    return "\n".join(parts)


def _notes_html(ds: xr.Dataset, specs: dict, tabs: dict[str, pd.DataFrame], val: "sections.Validation | None") -> str:
    """The sections on the GDP decomposition, equivalent variation and the validation corridor."""
    ref = lambda stem, kind="Figure": (f"{kind} {specs[stem].number}" if kind == "Figure" and stem in specs
                                       else f"Table {tabs[stem].attrs['number']}" if stem in tabs else "")
    parts = []
    if "gdp_decomposition" in specs:
        parts += ["<h2 id='sec-gdp-decomposition'>Real GDP decomposition</h2>",
                  f"<p>{ref('gdp_decomposition')} and {ref('gdp_decomposition', 'Table')} split the change in real GDP "
                  "(a volume at 2017 prices) into <b>capital</b> (capital in use by activity, weighted by its rental share "
                  "of nominal GDP: idle capital adds nothing), <b>labour</b> (employment weighted by the labour share) and "
                  "<b>productivity</b> (the rest: with technology at its baseline values in the policy runs, the "
                  "allocative-efficiency cost of the carbon-price wedge and its interaction with the other indirect "
                  "taxes; in the baseline, technical change). Shares are at market prices and averaged over the two "
                  "states (Törnqvist), log changes are turned into percent with the logarithmic mean, so the three add up "
                  "exactly to the real GDP change. <b>Terms of trade</b> is the change in the trading gain (SNA 2008, "
                  "15.188): real gross domestic income (nominal GDP deflated by the price of domestic absorption) minus "
                  "real GDP; the four add up to the change in real GDI. Policy scenarios are measured against the "
                  "baseline of the same year, the baseline against its previous year (growth accounting). Sources: "
                  "Huff and Hertel (2000, GTAP Technical Paper 5); Kohli (2004, J. Int. Econ. 62); docs/model.md.</p>"]
    if "validation_corridor" in specs:
        parts += ["<h2 id='sec-validation'>Validation corridor</h2>",
                  sections.validation_html(val if val is not None else sections.load_validation(None),
                                           ref("validation_corridor"))]
    return "\n".join(parts)


def register(subparsers) -> None:
    """``cge report [--results results/results.nc] [--out DIR] [--validation DIR]``."""
    p = subparsers.add_parser("report", help="tables, figures and report.html from results.nc",
                              description="Numbered tables (CSV, Markdown), figures (SVG, 200 dpi PNG) and one "
                                          "self-contained report.html, all derived from results.nc.")
    p.add_argument("--results", default="results/results.nc",
                   help="the results file written by `cge run` (default results/results.nc)")
    p.add_argument("--out", default=None, help="output folder (default: the folder of --results)")
    p.add_argument("--validation", default=None,
                   help="output folder of `cge validate` whose runs the corridor figure draws "
                        "(default: validation/ beside --results; drawn when it exists)")
    p.set_defaults(handler=_handle)


def _handle(args) -> int:
    from .store import lock
    if not Path(args.results).is_file():
        raise InputError(f"{args.results}: no results file; run `cge run` first")
    out = Path(args.out) if args.out else Path(args.results).parent
    with lock(out, "cge report --out"):
        paths = write_report(args.results, out, args.validation)
    print(f"wrote {len(paths)} files; open {os.path.relpath(paths['report.html'])}")
    return 0
