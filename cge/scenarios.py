"""Scenario files: one TOML per scenario under ``scenarios/``, validated with pydantic.

A scenario names its carbon-price path (anchor years and values, yuan per t CO2 at 2017
prices, with an interpolation rule), the year the price starts, how the revenue is
recycled, which users pay it, and the closure of its policy years.  Errors name the file
and the field.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sam.errors import InputError

from .files import FileInvalid, read_toml, validated
from .paths import shipped_scenarios, user_scenario_dirs

SCENARIO_DIR = shipped_scenarios()      # the shipped scenarios (package data); user folders come first
HORIZON = (2017, 2060)          # the years the driver data cover
BY_COMMODITY = {"tm", "PWM", "PWE"}     # shockable variables indexed by commodity (``commodities = [...]``)
RECYCLING_CLOSURE = {"lump_sum": "policy", "ptax": "policy_ptax", "gov": "policy_gov"}


class Shock(BaseModel):
    """An exogenous change of a variable the closure holds fixed, from ``from_year`` (to
    ``to_year``, default the end): ``mode = "scale"`` multiplies the value the run would use
    (1.05 = +5 %), ``mode = "set"`` replaces it (in the variable's own units, every index, or only the
    ``commodities`` listed for a variable indexed by commodity, e.g. the import duty rate ``tm``)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    variable: str
    value: float
    from_year: int
    to_year: int | None = None
    mode: Literal["scale", "set"] = "scale"
    commodities: list[str] | None = None

    @model_validator(mode="after")
    def _years(self) -> "Shock":
        if self.to_year is not None and self.to_year < self.from_year:
            raise ValueError(f"to_year {self.to_year} is before from_year {self.from_year}")
        if self.mode == "scale" and self.value < 0:
            raise ValueError(f"negative scale factor {self.value}")
        return self

    def active(self, year: int) -> bool:
        """Whether the shock applies in ``year``."""
        return self.from_year <= year and (self.to_year is None or year <= self.to_year)

    def targets(self, comp) -> list:
        """The variables (or variable entries) of model component ``comp`` the shock changes."""
        if not comp.is_indexed():
            return [comp]
        if self.commodities is None:
            return list(comp.values())
        return [comp[c] for c in self.commodities if c in comp]


class Scenario(BaseModel):
    """A scenario definition (see ``scenarios/S1.toml`` for an example)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    name: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    description: str = ""
    kind: Literal["baseline", "policy"] = "policy"
    carbon_price: dict[int, float] = Field(default_factory=dict,
                                           description="anchor year -> yuan per t CO2, 2017 prices")
    interpolation: Literal["linear", "step"] = "linear"
    start_year: int | None = None
    recycling: Literal["lump_sum", "ptax", "gov"] = "lump_sum"
    covered: list[str] | Literal["all"] = "all"
    closure: str | None = None
    closure_from: dict[int, str] = Field(default_factory=dict,
                                         description="baseline only: first year -> closure from that year on")
    cap: dict[int, float] = Field(default_factory=dict, description="anchor year -> national CO2 cap, Mt (cap closure)")
    shocks: list[Shock] = Field(default_factory=list)
    path: str = ""

    @field_validator("carbon_price", "cap")
    @classmethod
    def _anchors(cls, v: dict[int, float]) -> dict[int, float]:
        years = list(v)
        if years != sorted(years) or len(set(years)) != len(years):
            raise ValueError(f"anchor years must be strictly increasing, got {years}")
        for y, x in v.items():
            if not 2017 <= y <= 2100:
                raise ValueError(f"anchor year {y} outside 2017-2100")
            if x < 0:
                raise ValueError(f"negative value {x} in year {y}")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> "Scenario":
        if self.kind == "policy" and not self.carbon_price and not self.cap:
            raise ValueError("a policy scenario needs carbon_price anchors (or cap anchors)")
        if self.carbon_price and self.cap:
            raise ValueError("give [carbon_price] or [cap], not both (with a cap the price is endogenous)")
        if self.closure_from and self.kind != "baseline":
            raise ValueError("closure_from is for baseline runs; a policy run takes one closure")
        if list(self.closure_from) != sorted(self.closure_from):
            raise ValueError(f"closure_from years must be increasing, got {list(self.closure_from)}")
        if self.carbon_price and self.start_year is not None and self.start_year > min(self.carbon_price):
            raise ValueError(f"start_year {self.start_year} is after the first price anchor {min(self.carbon_price)}")
        return self

    @property
    def baseline_closure(self) -> str:
        """The closure of a baseline run: explicit (e.g. ``baseline_paper_co2``) or ``baseline``."""
        return self.closure or "baseline"

    def closure_for(self, year: int) -> str:
        """The closure of ``year``: the last ``closure_from`` entry at or before it, else the run's closure."""
        name = self.baseline_closure if self.kind == "baseline" else self.policy_closure
        for y, c in self.closure_from.items():
            if y <= year:
                name = c
        return name

    @property
    def policy_closure(self) -> str:
        """The closure of the policy years: explicit, or implied by cap/recycling."""
        if self.closure:
            return self.closure
        if self.cap:
            return "policy_cap"
        return RECYCLING_CLOSURE[self.recycling]

    @property
    def first_year(self) -> int | None:
        """First year with a policy (price or cap)."""
        anchors = self.carbon_price or self.cap
        if not anchors:
            return None
        return self.start_year if self.start_year is not None else min(anchors)

    def price(self, year: int) -> float:
        """Carbon price in ``year`` (yuan/t CO2, 2017 prices): 0 before the start, interpolated
        between anchors, held at the last anchor after it."""
        return _interp(self.carbon_price, year, self.interpolation, self.first_year)

    def summary(self) -> str:
        """A one-line description generated from the anchors (never out of date with them)."""
        if self.kind == "baseline":
            text = "baseline: sourced GDP, CO2 and energy paths (scenarios/data/)"
            if self.closure_from:
                text += "; " + ", ".join(f"closure {c} from {y}" for y, c in self.closure_from.items())
            return text
        parts = []
        if self.carbon_price:
            parts.append(_anchor_text(self.carbon_price, "carbon price", "yuan/t CO2 (2017 prices)"))
        if self.cap:
            parts.append(_anchor_text(self.cap, "national CO2 cap", "Mt CO2") + ", carbon price endogenous")
        parts.append(f"from {self.first_year}, {self.interpolation} between anchors")
        parts.append(f"revenue {RECYCLING_TEXT[self.recycling]}")
        if self.covered != "all":
            parts.append(f"covers {len(self.covered)} users")
        if self.shocks:
            parts.append(f"{len(self.shocks)} shock(s)")
        return "; ".join(parts)

    def settings(self) -> dict:
        """The settings that define the run (for the attributes of results.nc)."""
        return {"kind": self.kind, "summary": self.summary(), "description": self.description,
                "carbon_price_anchors": {str(k): v for k, v in self.carbon_price.items()},
                "cap_anchors_mt": {str(k): v for k, v in self.cap.items()}, "interpolation": self.interpolation,
                "start_year": self.first_year, "recycling": self.recycling, "covered": self.covered,
                "closure": self.baseline_closure if self.kind == "baseline" else self.policy_closure,
                "closure_from": {str(k): v for k, v in self.closure_from.items()},
                "shocks": [s.model_dump() for s in self.shocks]}

    def cap_value(self, year: int) -> float | None:
        """The national cap in ``year`` (Mt CO2), None when the scenario has no cap then."""
        if not self.cap or year < self.first_year:
            return None
        return _interp(self.cap, year, self.interpolation, None)


RECYCLING_TEXT = {"lump_sum": "returned lump-sum to households", "ptax": "returned as a production-tax cut",
                  "gov": "kept as government saving"}


def _anchor_text(anchors: dict[int, float], what: str, units: str) -> str:
    """``what a (y0) -> b (y1) units, +r per year on average`` from the anchors."""
    ys = sorted(anchors)
    a, b = anchors[ys[0]], anchors[ys[-1]]
    if len(ys) == 1:
        return f"{what} {a:g} {units} from {ys[0]}"
    rate = (b - a) / (ys[-1] - ys[0])
    return (f"{what} {a:g} in {ys[0]} to {b:g} in {ys[-1]} {units} "
            f"({rate:+.1f} per year on average, {len(ys)} anchors)")


def _interp(anchors: dict[int, float], year: int, rule: str, start: int | None) -> float:
    if not anchors or (start is not None and year < start):
        return 0.0
    ys = sorted(anchors)
    if year <= ys[0]:
        return float(anchors[ys[0]])
    if year >= ys[-1]:
        return float(anchors[ys[-1]])
    for a, b in zip(ys, ys[1:]):
        if a <= year <= b:
            if rule == "step" or year == a:
                return float(anchors[a])
            if year == b:
                return float(anchors[b])
            return anchors[a] + (anchors[b] - anchors[a]) * (year - a) / (b - a)
    raise AssertionError("unreachable")


def find_scenario(name: str, scenario_dir: str | Path | None = None) -> Path:
    """The file of scenario ``name``: the first ``<name>.toml`` in ``scenario_dir`` (or
    ``$CGE_SCENARIO_DIR``), ``./scenarios``, then the shipped scenarios; InputError if none.
    ``baseline`` is always the shipped baseline (the name is reserved: every run deviates from it)."""
    if name == "baseline":
        return SCENARIO_DIR / "baseline.toml"
    dirs = user_scenario_dirs(scenario_dir, SCENARIO_DIR)
    for d in dirs:
        if (d / f"{name}.toml").is_file():
            return d / f"{name}.toml"
    raise InputError(f"scenario {name!r}: no {name}.toml in {', '.join(str(d) for d in dirs)} "
                     f"(known: {', '.join(list_scenarios(scenario_dir))})")


def load_scenario(name_or_path: str | Path, sectors: list[str] | None = None,
                  scenario_dir: str | Path | None = None) -> Scenario:
    """Read and validate a scenario: a name (looked up by :func:`find_scenario`) or a path; every
    error of the file is reported at once, in one InputError naming the file."""
    p = Path(name_or_path)
    if not p.suffix:
        p = find_scenario(str(name_or_path), scenario_dir)
    if not p.is_file():
        raise InputError(f"scenario {name_or_path!r}: no file {p} (known: {', '.join(list_scenarios(scenario_dir))})")
    raw = read_toml(p)
    errors = []
    for key in ("carbon_price", "cap", "closure_from"):
        if isinstance(raw.get(key), dict):
            try:
                raw[key] = {int(k): v for k, v in raw[key].items()}
            except ValueError as exc:
                errors.append(f"field {key}: anchor keys must be years ({exc})")
    errors += _raw_problems(raw, p)
    try:
        sc = validated(Scenario, raw, p)
    except FileInvalid as exc:
        raise InputError(_join(p, errors + exc.problems)) from exc
    errors += _name_problems(sc, sectors)
    if errors:
        raise InputError(_join(p, errors))
    return sc


def _join(p: Path, problems: list[str]) -> str:
    """One line naming the file and every problem."""
    return f"{p}: " + "; ".join(problems)


def _is_shipped_baseline(p: Path) -> bool:
    return p.resolve() == (SCENARIO_DIR / "baseline.toml").resolve()


def _raw_problems(raw: dict, p: Path) -> list[str]:
    """Checks on the raw file that do not need the other fields to be valid: the reserved
    baseline name and kind (only ``scenarios/baseline.toml``), cap and shock years in the model's
    horizon, cap and price not both."""
    out = []
    if not _is_shipped_baseline(p):
        if raw.get("name") == "baseline":
            out.append(f"field name: 'baseline' is reserved for {SCENARIO_DIR / 'baseline.toml'}; choose another name")
        if raw.get("kind") == "baseline":
            out.append("field kind: 'baseline' is reserved for the shipped baseline; use kind = \"policy\"")
    if raw.get("cap") and raw.get("carbon_price"):
        out.append("fields cap and carbon_price: give one, not both (with a cap the price is endogenous)")
    cap = raw.get("cap")
    if isinstance(cap, dict):
        for y in cap:
            if isinstance(y, int) and not HORIZON[0] <= y <= HORIZON[1]:
                out.append(f"field cap.{y}: year outside the model horizon {HORIZON[0]}-{HORIZON[1]}")
    shocks = raw.get("shocks")
    for k, sh in enumerate(shocks if isinstance(shocks, list) else []):
        for f in ("from_year", "to_year"):
            y = sh.get(f) if isinstance(sh, dict) else None
            if isinstance(y, int) and not HORIZON[0] <= y <= HORIZON[1]:
                out.append(f"field shocks.{k}.{f}: year {y} outside the model horizon {HORIZON[0]}-{HORIZON[1]}")
    return out


def _name_problems(sc: Scenario, sectors: list[str] | None) -> list[str]:
    """Names that must exist in the model: covered users, the closure, shocked variables."""
    from .model.closure import CLOSURE_DIR, VAR_BLOCK, load_closure
    if sectors is None:
        import sam
        sectors = list(sam.SECTORS)
    out = []
    if sc.covered != "all":
        known = set(sectors) | {"hh_rural", "hh_urban"}
        bad = [s for s in sc.covered if s not in known]
        if bad:
            out.append(f"field covered: unknown sector(s) {bad}")
    for field, name in [("closure", sc.closure)] + [(f"closure_from.{y}", c) for y, c in sc.closure_from.items()]:
        if name and not (CLOSURE_DIR / f"{name}.toml").exists():
            known = sorted(q.stem for q in CLOSURE_DIR.glob("*.toml"))
            out.append(f"field {field}: unknown closure {name!r} (known: {known})")
            return out
    if sc.kind == "baseline" and sc.closure_from:      # a closure switch may move bounds, not equations
        first = load_closure(sc.baseline_closure).structure()
        for y, c in sc.closure_from.items():
            if load_closure(c).structure() != first:
                out.append(f"field closure_from.{y}: closure {c!r} has other equations ([options]) than "
                           f"{sc.baseline_closure!r}; a run keeps the equations of its first closure")
    from .model.closure import ALWAYS_FIXED
    closures = ({sc.baseline_closure, *sc.closure_from.values()} if sc.kind == "baseline" else {sc.policy_closure})
    for k, s in enumerate(sc.shocks):
        if s.variable not in VAR_BLOCK:
            out.append(f"field shocks.{k}.variable: unknown variable {s.variable!r}")
            continue
        if s.commodities is not None:
            bad = [c for c in s.commodities if c not in sectors]
            if bad:
                out.append(f"field shocks.{k}.commodities: unknown commodity {bad[0]!r}")
            if s.variable not in BY_COMMODITY:
                out.append(f"field shocks.{k}.commodities: {s.variable!r} is not indexed by commodity "
                           f"(those that are: {sorted(BY_COMMODITY)})")
        if s.variable in ALWAYS_FIXED:
            continue                       # exogenous data in every closure (the import duty rate tm)
        for name in closures:
            if s.variable not in load_closure(name).fixed:
                out.append(f"field shocks.{k}.variable: {s.variable!r} is endogenous in closure "
                           f"{name!r}; only variables the closure fixes can be shocked")
    return out


def list_scenarios(scenario_dir: str | Path | None = None) -> list[str]:
    """Names of the scenarios in the user folders and the shipped ones, baseline first."""
    names = {q.stem for d in user_scenario_dirs(scenario_dir, SCENARIO_DIR) for q in d.glob("*.toml")}
    return sorted(names, key=lambda n: (n != "baseline", n))


def resolve(spec: str) -> list[str]:
    """``all`` or a comma-separated list -> scenario names (baseline always first)."""
    names = list_scenarios() if spec.strip() == "all" else [s.strip() for s in spec.split(",") if s.strip()]
    # a path to a scenario file (e.g. scenarios/global/global_budget.toml) is kept as given
    if "baseline" not in names:
        names = ["baseline"] + names
    return sorted(dict.fromkeys(names), key=lambda n: n != "baseline")


SCENARIO_DIR_HELP = ("folder of your own scenario TOML files, searched first (default: $CGE_SCENARIO_DIR, "
                     "then ./scenarios, then the shipped scenarios)")


def register(subparsers) -> None:
    """``cge scenarios list`` / ``cge scenarios show NAME``."""
    p = subparsers.add_parser("scenarios", help="list or show scenario files",
                              description="List the scenarios (your folders first, then the shipped ones) "
                                          "or show one with its yearly price or cap path.")
    sp = p.add_subparsers(dest="action", metavar="ACTION")
    ls = sp.add_parser("list", help="list the scenarios with a description generated from their anchors")
    show = sp.add_parser("show", help="print a scenario and its yearly price path")
    show.add_argument("name", help="scenario name (e.g. S5) or path to a TOML file")
    for q in (ls, show):
        q.add_argument("--scenario-dir", default=None, help=SCENARIO_DIR_HELP)
    p.set_defaults(handler=_handle)


def _handle(args) -> int:
    import sys
    if args.action is None:
        print("cge scenarios: choose an action: list or show NAME (see cge scenarios --help)", file=sys.stderr)
        return 2
    return _show(args) if args.action == "show" else _list(args)      # errors: one line each (cge.cli)


def _show(args) -> int:
    """``cge scenarios show NAME``."""
    sc = load_scenario(args.name, scenario_dir=args.scenario_dir)
    print(f"{sc.name}: {sc.summary()}" + (f"\n  note: {sc.description}" if sc.description else ""))
    print(f"  file: {sc.path}\n  kind: {sc.kind}   closure of policy years: {sc.policy_closure if sc.kind == 'policy' else sc.baseline_closure}")
    print(f"  recycling: {sc.recycling}   covered: {sc.covered}   interpolation: {sc.interpolation}")
    if sc.cap:
        print("  national CO2 cap, Mt (carbon price endogenous):")
        for y in range(sc.first_year, 2061):
            print(f"    {y}: {sc.cap_value(y):10.1f}{'  (anchor)' if y in sc.cap else ''}")
    if sc.carbon_price:
        print("  carbon price, yuan/t CO2 (2017 prices):")
        for y in range(2017, 2061):
            if sc.price(y) or y in sc.carbon_price:
                print(f"    {y}: {sc.price(y):8.2f}{'  (anchor)' if y in sc.carbon_price else ''}")
    return 0


def _list(args) -> int:
    """``cge scenarios list``: name, kind, file folder and the generated description."""
    bad = []
    for n in list_scenarios(args.scenario_dir):
        try:
            sc = load_scenario(n, scenario_dir=args.scenario_dir)
        except InputError as exc:
            bad.append(str(exc))
            continue
        print(f"{n:10s} {sc.kind:8s} {sc.summary()}")
    if bad:
        raise InputError("\n".join(bad + ["fix or remove the invalid file(s) above"]))
    return 0
