"""Checks of the built SAM against its sources, and ``sam/REPORT.md``."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .assemble import imbalance

MACRO = [("activities", "a_"), ("commodities", "c_")]
GEN = ["ECOA", "EGAS", "EHYD", "ENUC", "ENEW"]


def _rel(a: float, b: float) -> float:
    """Relative difference |a - b| / |b|."""
    return abs(a - b) / max(abs(b), 1e-12)


def macro_sam(sam: pd.DataFrame) -> pd.DataFrame:
    """Aggregate SAM: activities and commodities summed, other accounts kept."""
    def grp(lab: str) -> str:
        return "activities" if lab.startswith("a_") else "commodities" if lab.startswith("c_") else lab
    g = np.array([grp(l) for l in sam.index])
    return sam.groupby(g, sort=False).sum().T.groupby(g, sort=False).sum().T


def national_totals(res) -> pd.DataFrame:
    """SAM aggregates vs the NBS 42-sector table (billion yuan)."""
    T42, sam = res.io42.table, res.sam
    codes = res.io42.sectors
    a = [l for l in sam.index if l.startswith("a_")]
    c = [l for l in sam.index if l.startswith("c_")]
    dm = [f"d:{x}" for x in codes] + [f"m:{x}" for x in codes]
    rows = {
        "gross output": (sam.loc[a].sum().sum(), T42[codes].sum().sum()),
        "value added": (sam.loc[["lab", "cap", "ptax"], a].sum().sum(), T42.loc[[r for r in T42.index if r.startswith("va:")], codes].sum().sum()),
        "exports": (sam.loc[c, "row"].sum(), T42.loc[dm, "exp"].sum()),
        "imports incl. duties": (sam.loc["row", c].sum() + (sam.loc["tariff", c].sum() if "tariff" in sam.index else 0.0), T42.loc[[f"m:{x}" for x in codes]].sum().sum()),
        "household consumption": (sam.loc[c, ["hh_rural", "hh_urban"]].sum().sum(), T42.loc[dm, ["hh_rural", "hh_urban"]].sum().sum()),
        "government consumption": (sam.loc[c, "gov"].sum(), T42.loc[dm, "gov"].sum()),
        "gross fixed capital formation": (sam.loc[c, "sav"].sum(), T42.loc[dm, "gfcf"].sum()),
        "change in inventories": (sam.loc[c, "stk"].sum(), T42.loc[dm, "stk"].sum()),
    }
    df = pd.DataFrame(rows, index=["SAM", "NBS"]).T
    df["rel_diff"] = (df["SAM"] - df["NBS"]).abs() / df["NBS"].abs()
    return df


def children_vs_parent(res) -> pd.DataFrame:
    """For each split parent: children's totals vs the parent's (GO, intermediate inputs, final uses, imports)."""
    T42, T65 = res.io42.table, res.io65.table
    out = []
    finals = ["hh_rural", "hh_urban", "gov", "gfcf", "stk", "exp"]
    inrows42 = [r for r in T42.index if not r.startswith("va:")]
    inrows65 = [r for r in T65.index if not r.startswith("va:")]
    for p, spec in res.specs.items():
        k = spec.children
        vals = {
            "gross output": (T65[k].sum().sum(), T42[p].sum()),
            "intermediate inputs": (T65.loc[inrows65, k].sum().sum(), T42.loc[inrows42, p].sum()),
            "final uses (domestic)": (T65.loc[[f"d:{x}" for x in k], finals].sum().sum(), T42.loc[f"d:{p}", finals].sum()),
            "final uses (imported)": (T65.loc[[f"m:{x}" for x in k], finals].sum().sum(), T42.loc[f"m:{p}", finals].sum()),
            "imports": (T65.loc[[f"m:{x}" for x in k]].sum().sum(), T42.loc[f"m:{p}"].sum()),
        }
        for name, (ch, pa) in vals.items():
            out.append((p, name, ch, pa, _rel(ch, pa) if pa else 0.0))
    return pd.DataFrame(out, columns=["parent", "item", "children", "parent_value", "rel_diff"])


def adjustments(res, threshold: float = 1e-3) -> pd.DataFrame:
    """Cells changed by the balancing by more than ``threshold`` (relative to the prior)."""
    prior, final = res.diagnostics["prior"], res.io65.table
    p, f = prior.stack(), final.stack()
    rel = (f - p).abs() / p.abs().where(p.abs() > 0, np.inf)
    sel = rel[rel > threshold]
    df = pd.DataFrame({"prior": p[sel.index], "balanced": f[sel.index], "rel_change": sel})
    df.index.names = ["row", "column"]
    # ties (cells scaled by the same factor) keep the table's row order: a stable sort on the
    # change rounded to 10 significant digits, so the report does not depend on the sort algorithm
    key = df["rel_change"].map(lambda x: float(f"{x:.10g}"))
    return df.iloc[np.argsort(-key.to_numpy(), kind="stable")]


def checks(res) -> dict:
    """Numbers the acceptance tests and the report use."""
    sam = res.sam
    imb = imbalance(sam)
    tot = sam.sum(axis=1)
    comb, proc = res.co2, res.process
    ceads_total = float(res.ceads.loc["Total Consumption", "Scope 1 Total"])
    gen_go = res.io65.table[GEN].sum(axis=0)
    coal_buyers = sam.loc["c_COAL", [l for l in sam.columns if l.startswith("a_")]]
    return {
        "max_rel_imbalance": float((imb.abs() / tot.abs().clip(lower=1.0)).max()),
        "co2_combustion_Mt": float(comb.to_numpy().sum()),
        "co2_process_Mt": float(proc.sum()),
        "co2_ceads_total_Mt": ceads_total,
        "gen_output_shares": (gen_go / gen_go.sum()).to_dict(),
        "largest_coal_buyer": str(coal_buyers.idxmax()),
        "ras_iterations": res.diagnostics["iterations"],
        "ras_worst": res.diagnostics["worst"],
        "import_duties_bn": float(sam.loc["tariff"].sum()),
        "import_duties_control_bn": float(res.duty_info.get("total", float("nan"))) if getattr(res, "duty_info", None) else float("nan"),
    }


def _inst_value(data_dir) -> str:
    """', billion yuan' value of the government property income row of institutions.csv, or '' if absent."""
    try:
        inst = pd.read_csv(Path(data_dir) / "institutions.csv")
        v = float(inst.loc[inst["item"] == "government_property_income_net", "value"].iloc[0])
    except Exception:  # noqa: BLE001 - the sentence reads without it
        return ""
    return f" ({v:,.1f} billion yuan)"


def _md(df: pd.DataFrame, floatfmt: str = "{:,.3f}") -> str:
    """A DataFrame as a Markdown table."""
    cols = [str(c) for c in df.columns]
    idx_name = " / ".join(str(n) for n in df.index.names if n) or ""
    lines = ["| " + " | ".join([idx_name] + cols) + " |", "|" + "---|" * (len(cols) + 1)]
    for i, row in df.iterrows():
        key = " / ".join(map(str, i)) if isinstance(i, tuple) else str(i)
        cells = [floatfmt.format(v) if isinstance(v, (float, np.floating)) else str(v) for v in row]
        lines.append("| " + " | ".join([key] + cells) + " |")
    return "\n".join(lines)


def split_sources(data_dir: Path) -> pd.DataFrame:
    """Every split row (value, unit, source, note) from the split data files."""
    parts = []
    for f in sorted((Path(data_dir) / "splits").glob("*.csv")):
        df = pd.read_csv(f, dtype=str, keep_default_na=False)
        df.insert(0, "file", f.name)
        parts.append(df)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def render(res, data_dir: Path) -> str:
    """The Markdown report (regenerated by every build)."""
    ck = res.checks
    sam = res.sam
    out = ["# SAM 2017 build report", "",
           "Generated by `python -m sam build`; do not edit. Units: billion yuan at 2017 producer prices; CO2 in Mt.", ""]
    out += ["## Macro SAM", "", "Rows receive, columns pay. Activities and commodities are summed.", "",
            _md(macro_sam(sam), "{:,.1f}"), ""]
    out += [f"Largest relative row/column imbalance of any account: {ck['max_rel_imbalance']:.2e}.", ""]
    out += ["## Totals vs the NBS 2017 input-output table", "", _md(national_totals(res), "{:,.4g}"), ""]
    out += ["Household consumption is split into rural, urban and government with the 149-sector table's "
            "FU101/FU102/FU103 shares by commodity; the import share of a commodity's consumption is assumed equal "
            "for the three.", ""]
    out += ["## Energy splits", "", "Children vs parent (sum of children / parent in the NBS table):", "",
            _md(children_vs_parent(res), "{:,.6g}"), ""]
    gos = pd.concat([pd.DataFrame({"parent": p, "gross_output": s.go, "imports": s.im}) for p, s in res.specs.items()])
    gos.index.name = "child"
    out += ["Gross output and imports by child (billion yuan):", "", _md(gos, "{:,.2f}"), ""]
    for p, s in res.specs.items():
        for n in s.notes:
            out.append(f"- io{p}: {n}")
    out += ["", "Power generation output shares (generation x on-grid tariff): " +
            ", ".join(f"{k} {v:.4f}" for k, v in ck["gen_output_shares"].items()), "",
            f"Largest coal buyer: {ck['largest_coal_buyer']}.", ""]
    src = split_sources(data_dir)
    if not src.empty:
        out += ["### Every split value with its source", "", _md(src.set_index("file"), "{}"), ""]
    adj = adjustments(res)
    out += ["## Balancing", "",
            "Prior cells = parent cell x row weight x column weight; then a multi-margin RAS "
            f"(iterative proportional fitting) to the parent cells, children's rows and columns: {ck['ras_iterations']} "
            f"iterations, worst relative error {ck['ras_worst']:.1e}, {res.diagnostics['adjustable']} free cells.", "",
            f"{len(adj)} cells changed by more than 0.1 % of their prior value:", "",
            "<details><summary>adjustments above 0.1 %</summary>", "", _md(adj, "{:,.6g}"), "", "</details>", ""]
    out += duties_section(res, data_dir)
    comb, proc = res.co2, res.process
    out += ["## CO2 accounts", "",
            f"Combustion {ck['co2_combustion_Mt']:,.2f} Mt + process {ck['co2_process_Mt']:,.2f} Mt = "
            f"{ck['co2_combustion_Mt'] + ck['co2_process_Mt']:,.2f} Mt; CEADs 2017 total {ck['co2_ceads_total_Mt']:,.2f} Mt.", "",
            "By fossil commodity (Mt):", "", _md(comb.sum(axis=1).rename("MtCO2").to_frame(), "{:,.2f}"), ""]
    fb = res.co2_log[res.co2_log["fallback_carriers"] != ""] if not res.co2_log.empty else res.co2_log
    if len(fb):
        out += [f"{len(fb)} CEADs (sector, fuel) cells, {fb['MtCO2'].sum():,.2f} Mt in all, could not sit on the fuel's own "
                "commodity because the IO table shows no such purchase; they sit on the fallback carriers named here:", "",
                _md(fb.set_index(["ceads_sector", "fuel"]), "{:,.3f}"), ""]
    flat = comb.stack()
    top = flat.sort_values(ascending=False).head(20).rename("MtCO2").to_frame()
    top.index.names = ["fossil commodity", "user"]
    out += ["20 largest CO2 flows:", "", _md(top, "{:,.2f}"), "",
            "Process CO2 by activity (Mt):", "", _md(proc[proc > 0].rename("MtCO2").to_frame(), "{:,.2f}"), ""]
    return "\n".join(out) + "\n"


def duties_section(res, data_dir: Path) -> list[str]:
    """Import duties (total against the public-finance total, by commodity) and government property income."""
    from . import customs
    info = getattr(res, "duty_info", None) or {}
    if not info:
        return []
    sam = res.sam
    duty = sam.loc["tariff"]
    duty = duty[duty != 0]
    tot = float(duty.sum())
    c = [l for l in duty.index]
    tab = pd.DataFrame({"duty": duty, "imports_cif": sam.loc["row", c], "rate_on_cif_pct": 100 * duty / sam.loc["row", c]})
    tab.index = [k[2:] for k in tab.index]
    tab.index.name = "commodity"
    out = ["## Import duties (tariff account)", "",
           f"Customs duties in the SAM: {tot:,.3f} billion yuan, paid by the commodity accounts to `tariff` and by `tariff` "
           f"to `gov`; the public-finance total (Ministry of Finance 2017 final accounts, line 关税) is {info['total']:,.3f} "
           f"billion yuan: difference {100 * (tot / info['total'] - 1):+.4f} %. Status of that total in "
           f"`sam/data/customs/customs_duties_2017.csv`: {info['total_status']} (source: {info['total_source']}).", "",
           f"Cross-check: IMF GFS 'customs and other import duties' {info['gfs']:,.3f} billion yuan "
           f"({100 * (info['gfs'] / info['total'] - 1):+.2f} % against the MoF line; status {info['gfs_status']}).", "",
           "The NBS table values imports inclusive of duties, so the duties are carved out of the import row (row `row` "
           "is CIF). Distribution (sam/data/customs/SOURCES.md, section 2): duty_i = T w_i / sum w, w_i = tau_i/(1+tau_i) M_i "
           f"with tau_i the GTAP 11 applied rate (2017) and M_i the duty-inclusive imports; unscaled sum {info['unscaled']:,.1f} bn, "
           f"scale factor {info['scale']:.4f} (assumption: the gap between GTAP's applied rates and the duty collected is the "
           "same share for every commodity).", "",
           "<details><summary>duties by commodity (billion yuan)</summary>", "", _md(tab, "{:,.3f}"), "", "</details>", ""]
    try:
        prop = customs.property_income(data_dir)
    except Exception:  # noqa: BLE001 - the report still renders without it
        return out
    rec = prop[(prop["item"] == "property_income_total_2017_proxy") & prop["side"].str.startswith("sources")]
    paid = prop[(prop["item"] == "property_income_total_2017_proxy") & prop["side"].str.startswith("uses")]
    r19 = prop[(prop["item"] == "property_income_total") & prop["side"].str.startswith("sources")]
    if len(rec) and len(paid) and len(r19):
        rv, pv = float(rec["value"].iloc[0]) / 10, float(paid["value"].iloc[0]) / 10
        out += ["## Government property income", "",
                f"Received {rv:,.1f}, paid {pv:,.1f}, net {rv - pv:,.1f} billion yuan in 2017 (a proxy, status "
                f"'{rec['status'].iloc[0]}': the 2019 flow of funds scaled by GDP; the 2019 table gives "
                f"{float(r19['value'].iloc[0]) / 10:,.1f} billion yuan received). Source: {r19['source'].iloc[0]}. "
                "Details and caveats: `sam/data/customs/SOURCES.md`, section 3, and `government_property_income_2017.csv`.", "",
                "In the SAM: the net flow is paid by enterprises to government (cell row `gov`, column `ent`, together "
                "with the enterprise income tax), from row `government_property_income_net` of `sam/data/institutions.csv`"
                f"{_inst_value(data_dir)}. It lowers enterprise saving and raises government saving by as much. The "
                "2017 value is a GDP-scaled 2019 proxy (10-20 % error expected) until a 2017 flow-of-funds table is found.", ""]
    return out
