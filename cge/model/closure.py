"""Closures as data: a TOML file lists the variables held fixed; the model checks squareness."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyomo.environ as pyo

from sam.errors import InputError

from ..files import read_toml
from .vintage import apply_vintage

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
    "FEN": "energy", "COALU": "energy", "GASU": "energy", "TWHT": "energy", "APROC": "carbon", "APT": "carbon", "PROCT": "carbon", "ARES": "carbon",
    "TGEN": "power", "RKGAP": "power", "GSH": "power", "RGDP": "clearing", "FWAGE": "clearing",
    "tm": "trade", "GSAVSH": "institutions", "GSAVY": "institutions", "CTAXB": "carbon",
    "NRS": "investment", "TRENDK": "investment", "IPOW": "investment", "RKM": "clearing", "KS": "clearing",
    "XEN": "institutions", "PEN": "institutions", "POP": "institutions", "XPO": "capital", "RKO": "capital", "QND": "capital",
}
# variables held fixed in every closure (exogenous data the year loop or a shock changes in memory)
ALWAYS_FIXED = ("tm", "WBASE", "LSBASE", "WDEVLAG", "CTAXB", "POP", "TRENDK", "IPOW", "VINT", "KO", "xo", "xnd", "lo", "ko", "xporef")
# structural options of a closure ([options] table): name -> allowed values, the first is the default
OPTIONS = {
    "capital": ("specific", "mobile"),
    "labour": ("default", "fixed_supply", "fixed_real_wage", "wage_curve"),
    "government": ("leontief", "cobb_douglas"),
    "investment": ("leontief", "cobb_douglas"),
    "government_saving": ("residual", "share_of_revenue"),
    "households": ("les", "cobb_douglas"),
    "vintage": ("malleable", "putty_clay"),
}
WADJ_DEFAULT = 0.5     # wage-adjustment coefficient of the lagged wage rule (clearing.py)


@dataclass(frozen=True)
class Closure:
    """A named list of fixed variable families."""

    name: str
    fixed: tuple[str, ...]
    path: str = ""
    values: tuple[tuple[str, float], ...] = ()
    options: tuple[tuple[str, str], ...] = ()

    def option(self, name: str) -> str:
        """The value of a structural option (``OPTIONS``), its default when the file does not set it."""
        return dict(self.options).get(name, OPTIONS[name][0])

    def structure(self) -> dict[str, str]:
        """The options that shape the model's equations (a change needs a rebuild)."""
        return {k: self.option(k) for k in ("capital", "government", "investment", "government_saving", "households")}


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
    opts = data.get("options", {})
    if not isinstance(opts, dict):
        raise InputError(f"{p}: field 'options' must be a table")
    for k, v in opts.items():
        if k not in OPTIONS:
            raise InputError(f"{p}: field 'options.{k}': unknown option (known: {sorted(OPTIONS)})")
        if v not in OPTIONS[k]:
            raise InputError(f"{p}: field 'options.{k}': {v!r} is not one of {list(OPTIONS[k])}")
    fixed = data["fixed"]
    cap = opts.get("capital", "specific")
    need = {"mobile": ["KS"], "specific": []}[cap]
    miss = [v for v in need if v not in fixed]
    if miss or (cap == "specific" and any(v in fixed for v in ("KS", "RKM"))):
        raise InputError(f"{p}: field 'fixed': capital = {cap!r} needs {need or 'no KS/RKM'} fixed "
                         f"(mobile capital: fix its supply KS; sector-specific capital: fix K)")
    if (opts.get("government_saving", "residual") == "share_of_revenue") != ("GSAVSH" in fixed):
        raise InputError(f"{p}: field 'fixed': GSAVSH (the government saving rate) is fixed exactly when "
                         f"options.government_saving = 'share_of_revenue'")
    lab = opts.get("labour", "default")
    if lab == "fixed_supply" and ("LS" not in fixed or "FWAGE" in fixed):
        raise InputError(f"{p}: field 'fixed': labour = 'fixed_supply' needs LS fixed and FWAGE free")
    if lab in ("fixed_real_wage", "wage_curve") and ("FWAGE" not in fixed or "LS" in fixed):
        raise InputError(f"{p}: field 'fixed': labour = {lab!r} needs FWAGE fixed and LS free")
    return Closure(str(data.get("name", p.stem)), tuple(fixed), str(p),
                   tuple((k, float(v)) for k, v in values.items()), tuple((k, str(v)) for k, v in opts.items()))


def apply_closure(m: pyo.ConcreteModel, closure: Closure) -> None:
    """Unfix every variable, then fix those the closure names at their current values."""
    keep = set(getattr(m, "_always_fixed", ()))
    for v in m.component_objects(pyo.Var, active=True):
        if v.name not in keep:
            v.unfix()
    for name in closure.fixed:
        if not hasattr(m, name):
            raise InputError(f"closure {closure.name!r} ({closure.path}): variable {name!r} is not in this model "
                             f"(its SAM or the closure's options do not have it)")
        getattr(m, name).fix()
    if hasattr(m, "WADJ"):       # a fixed real wage: no adjustment of the wage to employment
        m.WADJ.set_value(0.0 if closure.option("labour") == "fixed_real_wage" else WADJ_DEFAULT)
    for name, val in closure.values:
        getattr(m, name).fix(val)
    apply_vintage(m, closure.option("vintage") == "putty_clay")


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
