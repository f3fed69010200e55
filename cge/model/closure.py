"""Closures as data: a TOML file lists the variables held fixed; the model checks squareness."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyomo.environ as pyo

from sam.errors import InputError

from ..files import read_toml

CLOSURE_DIR = Path(__file__).resolve().parents[1] / "closures"
# variable family -> economic block (for the squareness report)
VAR_BLOCK = {
    "XP": "production", "PX": "trade", "Q": "production", "P": "production",
    "L": "production", "K": "capital", "KG": "capital", "KU": "capital", "RK": "capital", "W": "clearing",
    "PA": "trade", "PD": "trade", "ER": "institutions", "PNUM": "clearing", "CTAX": "carbon",
    "XAT": "clearing", "XD": "trade", "XM": "trade", "XE": "trade", "PWM": "trade", "PWE": "trade", "FXD": "trade",
    "EMI": "carbon", "CREV": "carbon", "YH": "institutions", "C": "institutions", "YE": "institutions",
    "YG": "institutions", "GSAV": "institutions", "G": "institutions", "TRG": "institutions",
    "INV": "institutions", "FSAV": "institutions", "LS": "clearing", "WALRAS": "institutions",
    "RECYC": "carbon", "TPADJ": "institutions", "STK": "institutions",
    "ALAB": "production", "AEEI": "production", "FSW": "production", "AELEC": "production", "ESAV": "production",
    "FEN": "energy", "COALU": "energy", "TWHT": "energy", "APROC": "carbon", "ARES": "carbon",
    "TGEN": "power", "RKGAP": "power", "GSH": "power", "RGDP": "clearing", "FWAGE": "clearing",
}


@dataclass(frozen=True)
class Closure:
    """A named list of fixed variable families."""

    name: str
    fixed: tuple[str, ...]
    path: str = ""
    values: tuple[tuple[str, float], ...] = ()


def load_closure(name_or_path: str | Path) -> Closure:
    """Read ``cge/closures/<name>.toml`` (or a path); errors name the file and field."""
    p = Path(name_or_path)
    if not p.suffix:
        p = CLOSURE_DIR / f"{name_or_path}.toml"
    if not p.exists():
        known = sorted(q.stem for q in CLOSURE_DIR.glob("*.toml"))
        raise InputError(f"closure {name_or_path!r}: no file {p} (known closures: {known})")
    data = read_toml(p)
    if "fixed" not in data or not isinstance(data["fixed"], list):
        raise InputError(f"{p}: field 'fixed' (a list of variable names) is missing")
    unknown = [v for v in data["fixed"] if v not in VAR_BLOCK]
    if unknown:
        raise InputError(f"{p}: field 'fixed': unknown variable(s) {unknown} (known: {sorted(VAR_BLOCK)})")
    values = data.get("values", {})
    bad = [k for k in values if k not in data["fixed"]]
    if bad:
        raise InputError(f"{p}: field 'values': {bad} are not in 'fixed' (only fixed variables take values)")
    return Closure(str(data.get("name", p.stem)), tuple(data["fixed"]), str(p),
                   tuple((k, float(v)) for k, v in values.items()))


def apply_closure(m: pyo.ConcreteModel, closure: Closure) -> None:
    """Unfix every variable, then fix those the closure names at their current values."""
    keep = set(getattr(m, "_always_fixed", ()))
    for v in m.component_objects(pyo.Var, active=True):
        if v.name not in keep:
            v.unfix()
    for name in closure.fixed:
        getattr(m, name).fix()
    for name, val in closure.values:
        getattr(m, name).fix(val)


def square_report(m: pyo.ConcreteModel) -> dict[str, tuple[int, int]]:
    """Equations and free variables by block: {block: (n_equations, n_free_variables)}."""
    out: dict[str, list[int]] = {}
    for c in m.component_objects(pyo.Constraint, active=True):
        block = m._reg.eqs.get(c.name, ("?", ""))[0] if c.name not in ("eq_qtop",) else "production"
        out.setdefault(block, [0, 0])[0] += sum(1 for k in c if c[k].active)
    for v in m.component_objects(pyo.Var, active=True):
        block = VAR_BLOCK.get(v.name, "?")
        out.setdefault(block, [0, 0])[1] += sum(1 for k in v if not v[k].fixed)
    return {b: (e, n) for b, (e, n) in out.items() if e or n}


def check_square(m: pyo.ConcreteModel, closure: Closure) -> None:
    """Raise before any solve if the system is not square, with the counts by block."""
    rep = square_report(m)
    ne = sum(e for e, _ in rep.values())
    nv = sum(n for _, n in rep.values())
    if ne != nv:
        lines = ", ".join(f"{b}: {e} equations / {n} free variables" for b, (e, n) in sorted(rep.items()))
        raise InputError(f"closure {closure.name!r} ({closure.path}) gives a non-square system: "
                         f"{ne} equations vs {nv} free variables ({nv - ne:+d}); by block: {lines}")
