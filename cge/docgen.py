"""Documentation generated from the code and data at build time (``docs/hooks.py`` calls these),
so the documentation cannot drift from the model:

* :func:`equations_markdown`: every equation family of the model, block by block, from the
  equation registry (``model._reg``): the variable it determines, its one-line economics (the
  constraint's ``doc`` and the rule's docstring), its index set size in the 65-sector model, and
  one instance in mathematical notation (Pyomo's LaTeX printer on the 3-sector toy model,
  rendered to MathML so no JavaScript is needed);
* :func:`variables_markdown`: the variables of ``results.nc`` (``cge/data/variables.csv``);
* :func:`iamc_markdown`: the IAMC mapping (``cge/data/iamc_variables.csv``, ``iamc_sectors.csv``);
* :func:`scenarios_markdown`: the shipped scenarios with descriptions generated from their anchors.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def _toy_model():
    """The static model on the 3-sector toy SAM of the test suite (small instances to print)."""
    import calibration as C
    import sam

    from .api import Model
    toy = ROOT / "tests" / "data" / "toy"
    cal = C.calibrate(sam.load_sam(toy), C.load_elasticities(toy / "elasticities.csv"), sam.load_co2(toy),
                      sam.load_process_co2(toy), C.load_sector_groups(toy / "sector_groups.csv"), roles={"ENE": "coal"},
                      categories=C.load_consumption_categories(toy / "consumption_categories.csv"))
    return Model(cal).m


def _china_model():
    """The 65-sector model (for the size of every equation family)."""
    import calibration
    import sam

    from .api import Model
    return Model(calibration.calibrate(sam.load_sam())).m


def _rule_doc(con) -> str:
    """The docstring of the function that builds a constraint family, if Pyomo kept it."""
    rule = getattr(con, "rule", None) or getattr(con, "_rule", None)
    fn = getattr(rule, "_fcn", None) or rule
    return " ".join((getattr(fn, "__doc__", None) or "").split())


def _mathml(expr) -> str:
    """One constraint instance as MathML (LaTeX printer, then latex2mathml); Pyomo's text form
    in a code block when the printer cannot handle the expression."""
    from latex2mathml.converter import convert
    from pyomo.contrib.latex_printer import latex_printer
    try:
        tex = latex_printer(expr)
        tex = re.sub(r"\\(begin|end)\{(equation|align)\*?\}", "", tex).strip()
        tex = re.sub(r"(\d+\.\d{4})\d+", r"\1", tex)                      # 0.6666666666 -> 0.6666
        tex = re.sub(r"(?<![\\A-Za-z])([A-Za-z][A-Za-z0-9_]*)\[([^\]]+)\]",   # X[AGR,XP] -> X_{AGR,XP}
                     lambda m: rf"\mathrm{{{m.group(1)}}}_{{\mathrm{{{m.group(2)}}}}}", tex)
        tex = re.sub(r"(?<![\\A-Za-z{])([A-Za-z]{2,}[A-Za-z0-9_]*)(?![A-Za-z0-9_}])",   # ALAB -> upright
                     lambda m: rf"\mathrm{{{m.group(1)}}}" if m.group(1) not in ("left", "right", "frac", "mathrm",
                                                                                  "exp", "log", "cdot") else m.group(0), tex)
        tex = re.sub(r"(?<!\\)_(?!\{)", r"\_", tex)                      # literal underscores in names
        return convert(tex, display="block")
    except Exception:  # noqa: BLE001 - printer gaps fall back to the plain form
        text = re.sub(r"(\d+\.\d{4})\d+", r"\1", str(expr))
        return f"```text\n{text}\n```"


def equation_table() -> pd.DataFrame:
    """One row per equation family: block, equation, variable, doc, rule docstring, sizes, instance."""
    import pyomo.environ as pyo
    toy, china = _toy_model(), _china_model()
    rows = []
    for eq, (block, var) in china._reg.eqs.items():
        con = getattr(china, eq, None)
        if con is None:
            continue
        small = getattr(toy, eq, None)
        instance = ""
        if small is not None and len(small):
            key = next(iter(small.keys()))
            data = small[key] if small.is_indexed() else small
            instance = _mathml(data.expr)
        rows.append({"block": block, "equation": eq, "variable": var, "doc": con.doc or "",
                     "rule_doc": _rule_doc(con), "size": len(con), "instance": instance,
                     "index": "" if not con.is_indexed() else str(con.index_set().name)})
    unregistered = [c.name for c in china.component_objects(pyo.Constraint) if c.name not in china._reg.eqs]
    for name in unregistered:
        con = getattr(china, name)
        rows.append({"block": "(not in the registry)", "equation": name, "variable": "", "doc": con.doc or "",
                     "rule_doc": _rule_doc(con), "size": len(con), "instance": "", "index": ""})
    return pd.DataFrame(rows)


def equations_markdown() -> str:
    """The model page's equation section, block by block."""
    t = equation_table()
    out = [f"The 65-sector model has {int(t['size'].sum()):,} equations in {len(t)} families. Each family "
           "determines one variable family (the registry checks that the system is square block by block). "
           "The instance shown is the family's first member in the 3-sector toy model of the test suite "
           "(calibrated numbers; variables normalised to 1 at the benchmark).", ""]
    for block, part in t.groupby("block", sort=False):
        out += [f"### Block `{block}`", ""]
        for r in part.itertuples():
            what = r.doc + (f". {r.rule_doc}" if r.rule_doc and r.rule_doc.lower() != r.doc.lower() else "")
            out += [f"#### `{r.equation}` determines `{r.variable}`", "",
                    f"{html.escape(what)}  ", f"{r.size:,} equation(s) in the 65-sector model"
                    + (f", indexed over `{r.index}`." if r.index else "."), ""]
            out += [r.instance if r.instance else "*(no member in the 3-sector toy model)*", ""]
    return "\n".join(out)


def variables_markdown() -> str:
    """The variables of results.nc with units and long names (the table results.nc is annotated from)."""
    from .metadata import variable_table
    t = variable_table()
    lines = ["| variable | units | long name | dimensions | note |", "|---|---|---|---|---|"]
    for name, r in t.iterrows():
        lines.append(f"| `{name}` | {r.units or '-'} | {r.long_name} | {r.dims} | {r.note} |")
    return "\n".join(lines)


def iamc_markdown() -> str:
    """The IAMC variable and sector mappings."""
    from .iamc import sector_map, variable_map
    v = variable_map()
    lines = ["| cge variable | IAMC variable | unit | factor | how | note |", "|---|---|---|---|---|---|"]
    for r in v.itertuples():
        lines.append(f"| `{r.cge_variable}` | `{r.iamc_variable}` | {r.iamc_unit} | {r.factor:g} | {r.how} | {r.note} |")
    s = sector_map()
    lines += ["", "| IAMC category | SAM sectors |", "|---|---|"]
    for cat, codes in s.groupby(s).groups.items():
        lines.append(f"| `Emissions|CO2|{cat}` | {', '.join(codes)} |")
    return "\n".join(lines)


def scenarios_markdown() -> str:
    """The shipped scenarios, each with the description generated from its anchors."""
    from .scenarios import list_scenarios, load_scenario
    from .paths import shipped_scenarios
    lines = ["| scenario | kind | generated description | note |", "|---|---|---|---|"]
    for n in list_scenarios(shipped_scenarios()):
        sc = load_scenario(shipped_scenarios() / f"{n}.toml")
        lines.append(f"| `{n}` | {sc.kind} | {sc.summary()} | {sc.description} |")
    return "\n".join(lines)


GENERATORS = {"equations": equations_markdown, "variables": variables_markdown, "iamc": iamc_markdown,
              "scenarios": scenarios_markdown}


def expand(markdown: str) -> str:
    """Replace every ``<!-- cge:NAME -->`` marker by the generated text."""
    return re.sub(r"<!-- cge:(\w+) -->", lambda m: GENERATORS[m.group(1)](), markdown)
