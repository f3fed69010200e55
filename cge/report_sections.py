"""Report sections of issue 15: the real GDP decomposition, equivalent variation by household and
the validation corridor (published China studies against our scenarios and a price grid).

Everything comes from ``results.nc`` except the corridor: the studies' points are package data
(``calibration/data/validation/corridor.csv``), and the model's runs at the studies' prices and on
a flat price grid come from ``cge validate`` (``validation.csv`` and ``grid.csv`` in its output
folder, by default ``<results folder>/validation``). They are drawn when that folder exists;
otherwise the section says how to make them (``cge report`` solves nothing).
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from .validation import MAX_PRICE     # the corridor figure's price range: the model's tested range

COMPONENT_LABELS = {"capital": "capital in use", "labour": "labour (employment)", "productivity": "productivity",
                    "terms_of_trade": "terms of trade"}
COLOURS = {"capital": "#1b9e77", "labour": "#7570b3", "productivity": "#d95f02", "terms_of_trade": "#e7298a"}
VALIDATION_DIR = "validation"



def _policies(ds: xr.Dataset) -> list[str]:
    return [str(s) for s in ds.scenario.values if s != "baseline"]


# ----------------------------------------------------------------------------- GDP decomposition


def decomposition_table(ds: xr.Dataset, years: list[int]) -> pd.DataFrame:
    """Rows scenario x year: the four components and the two totals (percent of reference real GDP)."""
    from .gdp_decompose import COMPONENTS, totals
    d = ds.gdp_decomposition
    tot = totals(ds)
    rows, idx = [], []
    for s in ds.scenario.values:
        for y in years:
            c = d.sel(scenario=s, year=y)
            row = {"year": str(y), "reference": "previous year" if s == "baseline" else "baseline, same year"}
            row.update({COMPONENT_LABELS[k]: float(c.sel(component=k)) for k in COMPONENTS})
            if "gdp_capital_decomposition" in ds:
                kp = ds.gdp_capital_decomposition.sel(scenario=s, year=y)
                row["capital: installed"] = float(kp.sel(capital_part="installed"))
                row["capital: utilisation"] = float(kp.sel(capital_part="utilisation"))
            row["real GDP (sum of the first three)"] = float(tot.gdp.sel(scenario=s, year=y))
            row["real GDI (sum of all four)"] = float(tot.gdi.sel(scenario=s, year=y))
            rows.append(row)
            idx.append(str(s))
    df = pd.DataFrame(rows, index=pd.Index(idx, name="scenario"))
    df.columns.name = None
    return df


def draw_decomposition(ds: xr.Dataset, years: list[int]):
    """Stacked bars of the components for each policy scenario in ``years``; dots: real GDP and GDI totals."""
    from .gdp_decompose import COMPONENTS, totals
    pol = _policies(ds)
    tot = totals(ds)

    def draw(plt):
        fig, axes = plt.subplots(1, len(years), figsize=(4.2 * len(years) + 1.5, 4.2), squeeze=False, sharey=True)
        x = np.arange(len(pol))
        for ax, y in zip(axes[0], years):
            pos, neg = np.zeros(len(pol)), np.zeros(len(pol))
            for k in COMPONENTS:
                v = ds.gdp_decomposition.sel(scenario=pol, year=y, component=k).to_numpy()
                base = np.where(v >= 0, pos, neg)
                ax.bar(x, v, 0.6, bottom=base, color=COLOURS[k], label=COMPONENT_LABELS[k])
                pos, neg = pos + np.maximum(v, 0), neg + np.minimum(v, 0)
            ax.plot(x, tot.gdp.sel(scenario=pol, year=y), "ko", ms=5, label="real GDP (total)")
            ax.plot(x, tot.gdi.sel(scenario=pol, year=y), "wD", mec="k", ms=4, label="real GDI (total)")
            ax.axhline(0, color="k", lw=0.6)
            ax.set_xticks(x, pol)
            ax.set_title(str(y))
        axes[0][0].set_ylabel("% of baseline real GDP, same year")
        axes[0][-1].legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
        return fig
    return draw


# ----------------------------------------------------------------------------- equivalent variation


def ev_table(ds: xr.Dataset, years: list[int]) -> pd.DataFrame:
    """Rows scenario x household: each policy's ``ev`` minus the baseline's in the same year, by year
    (whatever the utility form behind ``ev``: the table reads the variable, not the model)."""
    ev = ds.ev
    pol = _policies(ds)
    diff = ev.sel(scenario=pol, year=years) - ev.sel(scenario="baseline", year=years)
    rows, idx = [], []
    for s in pol:
        for h in ev.household.values:
            rows.append({str(y): float(diff.sel(scenario=s, household=h, year=y)) for y in years} | {"household": str(h)})
            idx.append(s)
    df = pd.DataFrame(rows, index=pd.Index(idx, name="scenario"))
    df = df[["household"] + [str(y) for y in years]]
    df.columns.name = None
    return df


def ev_caption(ds: xr.Dataset) -> str:
    """What ``ev`` measures, from its own attributes in results.nc."""
    a = ds.ev.attrs
    what = a.get("long_name", "equivalent variation")
    note = a.get("comment", "")
    return f"{what}; policy minus baseline in the same year" + (f" ({note})" if note else "")


# ----------------------------------------------------------------------------- validation corridor


@dataclass
class Validation:
    """The corridor's studies, and the model's runs from ``cge validate`` when they exist."""

    studies: pd.DataFrame                 # every corridor row with a price and a CO2 or GDP change
    compare: pd.DataFrame | None          # validation.csv: the model at each study's price and year
    grid: pd.DataFrame | None             # grid.csv: the model on a flat price grid
    folder: Path | None                   # where those were looked for


def load_validation(folder: Path | None) -> Validation:
    """The corridor file and, when present in ``folder``, ``validation.csv`` and ``grid.csv``."""
    from .validation import CORRIDOR
    raw = pd.read_csv(CORRIDOR)
    for c in ("price_yuan_per_t_2017", "year_of_effect", "co2_pct", "gdp_pct"):
        raw[c] = pd.to_numeric(raw[c], errors="coerce")
    studies = raw[raw.price_yuan_per_t_2017.notna() & (raw.co2_pct.notna() | raw.gdp_pct.notna())].copy()
    studies["line"] = studies.index + 2
    read = lambda name: pd.read_csv(folder / name) if folder is not None and (folder / name).is_file() else None
    return Validation(studies.reset_index(drop=True), read("validation.csv"), read("grid.csv"), folder)


def short_name(study: str) -> str:
    """``Zhou et al. (2015)`` -> ``Zhou 2015``; keeps the first author's name and the year."""
    import re
    s = str(study)
    year = re.search(r"\((\d{4})\)", s)
    head = re.split(r"[,(:]| and | et al", s)[0].strip()
    if head.upper().startswith("IMF"):
        head = "IMF"
    if year:
        return f"{head} {year.group(1)}"
    tag = re.search(r"\(([^)]*)\)", s)            # e.g. "SJTU 30-province CGE (TAX20)" -> "SJTU TAX20"
    return f"{head.split()[0]} {tag.group(1)}" if tag else head


def draw_corridor(ds: xr.Dataset, val: Validation, years: tuple[int, ...] = (2030, 2060)):
    """CO2 and GDP change against the carbon price: the studies (labelled), our S1-S6 in ``years``,
    the model at each study's price (``cge validate``) and the flat price grid."""
    pol = _policies(ds)
    base = ds.sel(scenario="baseline")
    ys = [y for y in years if y in ds.year.values]

    def draw(plt):
        fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
        for ax, var, col, lab in ((axes[0], "co2", "co2_pct", "CO2, % vs baseline"),
                                  (axes[1], "gdp", "gdp_pct", "real GDP, % vs baseline")):
            st = val.studies[val.studies[col].notna() & (val.studies.price_yuan_per_t_2017 <= MAX_PRICE)]
            ax.scatter(st.price_yuan_per_t_2017, st[col], marker="s", s=28, color="#444", zorder=3,
                       label="published studies")
            for _, r in st.iterrows():
                yr = "" if pd.isna(r.year_of_effect) else f", {int(r.year_of_effect)}"
                ax.annotate(f"{short_name(r.study)}{yr}", (r.price_yuan_per_t_2017, r[col]), fontsize=6.5,
                            xytext=(4, 3), textcoords="offset points", color="#333")
            if val.compare is not None and f"{col}_model" in val.compare:
                c = val.compare[val.compare[f"{col}_study"].notna()]
                ax.scatter(c.price_yuan_per_t, c[f"{col}_model"], marker="x", s=30, color="#b2182b", zorder=4,
                           label="this model at the study's price and year")
                for _, r in c.iterrows():
                    ax.plot([r.price_yuan_per_t] * 2, [r[f"{col}_study"], r[f"{col}_model"]], color="#b2182b",
                            lw=0.6, alpha=0.6)
            if val.grid is not None:
                for y, g in val.grid.groupby("year"):
                    g = g.sort_values("price_yuan_per_t")
                    ax.plot(g.price_yuan_per_t, g[col], "-", lw=1.2, alpha=0.8, label=f"this model, flat price grid, {y}")
            for y, mk in zip(ys, ("o", "^")):
                p = (ds.carbon_price.sel(scenario=pol, year=y)                 # the policy's own price: the
                     - ds.carbon_price.sel(scenario="baseline", year=y)).to_numpy()   # baseline's is on top after 2050
                v = ((ds[var].sel(scenario=pol, year=y) / base[var].sel(year=y) - 1) * 100).to_numpy()
                ax.scatter(p, v, marker=mk, s=36, facecolor="none" if y != ys[0] else "#2166ac", edgecolor="#2166ac",
                           zorder=5, label=f"this model, S1-S6 in {y} (own price)")
                for s, pp, vv in zip(pol, p, v):
                    ax.annotate(s, (pp, vv), fontsize=6.5, xytext=(3, -8), textcoords="offset points", color="#2166ac")
            ax.set_xscale("log")
            ax.axhline(0, color="grey", lw=0.5)
            ax.set(xlabel="carbon price, yuan per t CO2 (log scale)", ylabel=lab)
        axes[1].legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=7.5)
        fig.tight_layout()
        return fig
    return draw


def validation_html(val: Validation, fig_ref: str) -> str:
    """The section's text: what is drawn and where it comes from, and how to add the model's runs."""
    far = val.studies[val.studies.price_yuan_per_t_2017 > MAX_PRICE]
    n_co2 = int(val.studies.co2_pct.notna().sum())
    n_gdp = int(val.studies.gdp_pct.notna().sum())
    nstud = val.studies.source.nunique()          # rows of one study share its source (Zhou x3, SJTU x6)
    parts = [f"<p>{fig_ref} places our scenarios S1-S6 (in 2030 and 2060) against {nstud} published studies of China's "
             f"response to an economy-wide carbon price or ETS ({n_co2} CO2 points, {n_gdp} GDP points; "
             "<code>calibration/data/validation/corridor.csv</code>, sources in its <code>SOURCES.md</code>; the SICGE "
             "paper the scenarios come from is excluded). The studies differ in base year, baseline, coverage and "
             "revenue recycling; read the corridor as a range, not as targets. Prices are in yuan per t CO2: 2017 yuan for our runs, the studies' own yuan (or "
             "USD at 6.7518 yuan) converted without deflating."
             + (f" Not drawn (above the model's tested range of {MAX_PRICE:,.0f} yuan/t): "
                + html.escape("; ".join(f"{r.study} ({r.price_yuan_per_t_2017:,.0f} yuan/t)" for r in far.itertuples())) + "."
                if len(far) else "") + "</p>"]
    where = html.escape(str(val.folder)) if val.folder is not None else "the validation folder"
    if val.compare is None and val.grid is None:
        parts.append(f"<p>The model's runs at each study's price and year, and the flat price grid, are not drawn: "
                     f"no output of <code>cge validate</code> was found in {where}. Run "
                     f"<code>cge validate --out {where}</code> (a few minutes) and then <code>cge report</code> again.</p>")
    else:
        got = [n for n, d in (("the model at each study's price and year (validation.csv)", val.compare),
                              ("a flat price grid (grid.csv)", val.grid)) if d is not None]
        parts.append(f"<p>From <code>cge validate</code> in {where}: {html.escape(' and '.join(got))}. Each run "
                     "uses economy-wide coverage and lump-sum recycling (our default), whatever the study assumed."
                     + ratio_summary(val.compare) + "</p>")
    return " ".join(parts)


def comparison_table(val: Validation) -> pd.DataFrame | None:
    """The study's and the model's CO2 and GDP changes side by side (from validation.csv)."""
    if val.compare is None:
        return None
    c = val.compare
    df = pd.DataFrame({"study": c.study.astype(str), "year": c.year.astype(int).astype(str),
                       "price (yuan/t)": c.price_yuan_per_t.astype(float),
                       "CO2 % study": c.co2_pct_study, "CO2 % model": c.co2_pct_model,
                       "GDP % study": c.gdp_pct_study, "GDP % model": c.gdp_pct_model,
                       "study recycling": c.get("study_recycling", pd.Series([""] * len(c))).fillna("").astype(str)})
    for k, label in COMPONENT_LABELS.items():          # the model's GDP change by mechanism (cge validate with it)
        if f"gdp_{k}" in c:
            df[f"model GDP: {label}"] = c[f"gdp_{k}"].to_numpy()
    df.index = pd.Index([f"line {int(x)}" for x in c.line], name="corridor row")
    return df


def ratio_summary(c: pd.DataFrame | None) -> str:
    """One sentence: how the model's responses compare with the studies' at their prices (median ratio)."""
    if c is None or c.empty:
        return ""
    out = []
    for what, col in (("CO2", "co2"), ("GDP", "gdp")):
        st, mo = pd.to_numeric(c.get(f"{col}_pct_study"), errors="coerce"), pd.to_numeric(c.get(f"{col}_pct_model"), errors="coerce")
        ok = st.notna() & mo.notna() & (st != 0)
        if ok.any():
            r = (mo[ok] / st[ok])
            out.append(f"{what} change {r.median():.2f} times the study's (median of {int(ok.sum())} rows, "
                       f"{r.min():.2f}-{r.max():.2f}; larger in {int((r > 1).sum())})")
    return (" At the studies' prices and years the model's " + "; its ".join(out) + ".") if out else ""
