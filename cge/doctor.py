"""``cge doctor``: check that Python, Pyomo, cyipopt, IPOPT and PyNumero work together, and that the data folders are complete.

It checks the shipped data folders (SAM, calibration, scenario drivers, closures, allocation
data) and says where the optional raw data are, prints the versions, where Pyomo looks for the PyNumero ASL library, then solves a tiny
NLP through ``SolverFactory('cyipopt')``:  min (x-1)^2 + (y-2)^2  s.t.  x + y = 2,
whose solution is x = 0.5, y = 1.5. Any missing piece ends the checks with one line that
names it and the fix; the exit code is then 1.
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field

SETUP_HINT = "run `make setup`"
EXPECTED = {"x": 0.5, "y": 1.5}
TOLERANCE = 1e-6

Emit = Callable[[str, str], None]


class DoctorError(RuntimeError):
    """A missing or broken piece; the message names it and says how to fix it."""


@dataclass
class DoctorReport:
    """Outcome of :func:`run_checks`: what was found, and the test solution."""

    lines: list[tuple[str, str]] = field(default_factory=list)
    passed: bool = False
    failure: str | None = None
    ipopt_version: str | None = None
    linear_solver: str | None = None
    x: float | None = None
    y: float | None = None


def check_python() -> str:
    """Python version and interpreter path; Python >= 3.11 is required."""
    if sys.version_info < (3, 11):
        raise DoctorError(f"Python {platform.python_version()} is too old: cge needs >= 3.11")
    return f"{platform.python_version()} ({sys.executable})"


def check_pyomo() -> str:
    """Pyomo's version."""
    try:
        import pyomo.version
    except ImportError as exc:
        raise DoctorError(f"Pyomo is not installed in {sys.executable} ({exc}): {SETUP_HINT}") from exc
    return str(pyomo.version.version)


def check_cyipopt() -> tuple[str, str]:
    """Versions of cyipopt and of the IPOPT library it wraps."""
    try:
        import cyipopt
    except ImportError as exc:
        raise DoctorError(
            f"cyipopt is not importable (pip package cyipopt-wheels; {exc}): {SETUP_HINT}"
        ) from exc
    ipopt = ".".join(str(v) for v in getattr(cyipopt, "IPOPT_VERSION", ())) or "unknown"
    return str(cyipopt.__version__), ipopt


def check_pynumero_dependencies() -> None:
    """numpy, scipy and packaging, which Pyomo's PyNumero/cyipopt interface imports lazily."""
    for name in ("numpy", "scipy", "packaging"):
        try:
            __import__(name)
        except ImportError as exc:
            raise DoctorError(f"{name} (needed by Pyomo's PyNumero) is not installed: {SETUP_HINT}") from exc


def data_files() -> dict[str, list]:
    """The shipped data folders and the files each must hold (package data, see pyproject.toml)."""
    from .paths import _package_dir, scenario_data_dir, shipped_scenarios
    cge_dir = _package_dir("cge")
    return {
        "SAM (sam/data)": [_package_dir("sam") / "data", ["sam_2017.csv", "sectors.csv", "co2_2017.csv",
                                                           "process_co2_2017.csv", "import_use_2017.csv"]],
        "calibration": [_package_dir("calibration") / "data", ["elasticities.csv", "sector_groups.csv"]],
        "scenario drivers": [scenario_data_dir(), ["SOURCES.md", "co2_baseline.csv", "gdp_growth.csv",
                                                   "power_mix.csv", "dynamics.csv"]],
        "scenarios": [shipped_scenarios(), ["baseline.toml", "S1.toml"]],
        "closures": [cge_dir / "closures", ["baseline.toml", "policy.toml"]],
        "provincial data": [cge_dir / "allocation" / "provincial" / "data", ["SOURCES.md", "panel_core.csv"]],
        "global data": [cge_dir / "allocation" / "global_rights" / "data",
                        ["SOURCES.md", "indicators.csv", "wdi_derived_1990_2020.csv", "capitals.csv"]],
        "result metadata": [cge_dir / "data", ["variables.csv", "iamc_variables.csv", "iamc_sectors.csv"]],
    }


def check_data(folders: dict[str, list] | None = None) -> str:
    """Every shipped data folder and file present and non-empty; the first gap named."""
    folders = folders or data_files()
    n = 0
    for label, (folder, names) in folders.items():
        if not folder.is_dir():
            raise DoctorError(f"{label}: folder {folder} is missing: reinstall cge (pip install .) or {SETUP_HINT}")
        for name in names:
            p = folder / name
            if not p.is_file() or p.stat().st_size == 0:
                raise DoctorError(f"{label}: {p} is missing or empty: reinstall cge (pip install .) or {SETUP_HINT}")
            n += 1
    return f"{n} files in {len(folders)} folders present"


def raw_data_status() -> str:
    """Where the optional raw data are (only needed to rebuild the SAM and the shipped tables)."""
    from sam.build import default_raw_dir
    raw = default_raw_dir()
    if (raw / "china_io_nbs").is_dir():
        return f"{raw} (found; used only to rebuild the SAM and derived tables)"
    return f"not found at {raw} (optional: set CGE_RAW_DIR to rebuild the SAM; runs do not need it)"


def pyomo_config_dir() -> str:
    """The PYOMO_CONFIG_DIR that Pyomo actually uses (fixed when Pyomo is first imported)."""
    from pyomo.common import envvar

    return str(envvar.PYOMO_CONFIG_DIR)


def check_asl() -> str:
    """Path of the PyNumero ASL library that Pyomo finds."""
    from pyomo.contrib.pynumero.asl import AmplInterface

    if not AmplInterface.available():
        libdir = os.path.join(pyomo_config_dir(), "lib")
        raise DoctorError(f"PyNumero ASL library (libpynumero_ASL.so) not found in {libdir}: {SETUP_HINT}")
    return str(AmplInterface.libname)


def check_solver():  # -> pyomo solver object
    """Pyomo's ``cyipopt`` solver interface, checked to be available."""
    import pyomo.environ as pyo

    solver = pyo.SolverFactory("cyipopt")
    if not solver.available(exception_flag=False):
        raise DoctorError(f"Pyomo's 'cyipopt' solver interface is not available: {SETUP_HINT}")
    return solver


def build_test_model():  # -> pyo.ConcreteModel
    """min (x-1)^2 + (y-2)^2  s.t.  x + y = 2  (solution x = 0.5, y = 1.5)."""
    import pyomo.environ as pyo

    m = pyo.ConcreteModel(name="doctor")
    m.x = pyo.Var(initialize=0.0)
    m.y = pyo.Var(initialize=0.0)
    m.budget = pyo.Constraint(expr=m.x + m.y == 2)
    m.obj = pyo.Objective(expr=(m.x - 1) ** 2 + (m.y - 2) ** 2)
    return m


def parse_linear_solver(ipopt_log: str) -> str | None:
    """The linear solver named in IPOPT's banner ('... running with linear solver MUMPS 5.5.1.')."""
    match = re.search(r"running with linear solver (.+?)\.?\s*$", ipopt_log, re.MULTILINE)
    return match.group(1) if match else None


def solve_test_model(solver) -> tuple[float, float, str, str | None]:
    """Solve the test NLP silently; return x, y, termination condition and the linear solver."""
    import pyomo.environ as pyo

    m = build_test_model()
    with tempfile.TemporaryDirectory(prefix="cge-doctor-") as tmp:
        log = os.path.join(tmp, "ipopt.log")
        solver.config.options.update(
            {"print_level": 0, "sb": "yes", "output_file": log, "file_print_level": 5}
        )
        try:
            results = solver.solve(m, tee=False)
        except Exception as exc:  # noqa: BLE001 - any solver failure is reported as one line
            raise DoctorError(f"IPOPT test solve failed ({type(exc).__name__}: {exc}): {SETUP_HINT}") from exc
        with open(log, encoding="utf-8", errors="replace") as fh:
            linear_solver = parse_linear_solver(fh.read())
    termination = str(results.solver.termination_condition)
    return pyo.value(m.x), pyo.value(m.y), termination, linear_solver


def check_solution(x: float, y: float, termination: str) -> None:
    """The test solve must end optimal at x = 0.5, y = 1.5."""
    if termination != "optimal":
        raise DoctorError(f"IPOPT test solve ended '{termination}', expected 'optimal': the solver is broken")
    if abs(x - EXPECTED["x"]) > TOLERANCE or abs(y - EXPECTED["y"]) > TOLERANCE:
        raise DoctorError(f"IPOPT test solve gave x={x:.8g}, y={y:.8g}, expected x=0.5, y=1.5: the solver is broken")


def run_checks(emit: Emit | None = None) -> DoctorReport:
    """Run every check in order, stopping at the first failure; ``emit(label, value)`` sees each line."""
    report = DoctorReport()

    def add(label: str, value: str) -> None:
        report.lines.append((label, value))
        if emit is not None:
            emit(label, value)

    try:
        add("Python", check_python())
        add("data", check_data())
        add("raw data", raw_data_status())
        add("Pyomo", check_pyomo())
        cyipopt_version, report.ipopt_version = check_cyipopt()
        add("cyipopt", cyipopt_version)
        add("IPOPT", report.ipopt_version)
        check_pynumero_dependencies()
        add("PYOMO_CONFIG_DIR", pyomo_config_dir())
        add("PyNumero ASL", check_asl())
        solver = check_solver()
        report.x, report.y, termination, report.linear_solver = solve_test_model(solver)
        add("linear solver", report.linear_solver or "unknown (no IPOPT banner)")
        add("test NLP", f"{termination}, x={report.x:.6f}, y={report.y:.6f} (expected 0.5, 1.5)")
        check_solution(report.x, report.y, termination)
    except DoctorError as exc:
        report.failure = str(exc)
        return report
    report.passed = True
    return report


def _print_line(label: str, value: str) -> None:
    """Print one aligned ``label  value`` line."""
    print(f"  {label:<17} {value}", flush=True)


def handle(args: argparse.Namespace) -> int:
    """``cge doctor``: print the checks; 0 with a PASS line, 1 with a FAIL line."""
    print("cge doctor", flush=True)
    report = run_checks(_print_line)
    if not report.passed:
        print(f"FAIL: {report.failure}", file=sys.stderr, flush=True)
        return 1
    print(
        f"PASS: Pyomo + cyipopt + IPOPT {report.ipopt_version} ({report.linear_solver}) "
        "solved the test NLP",
        flush=True,
    )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``doctor`` subcommand."""
    parser = subparsers.add_parser(
        "doctor",
        help="check Python, Pyomo, cyipopt, IPOPT and PyNumero; solve a tiny NLP",
        description="Check that Python, Pyomo, cyipopt, IPOPT and PyNumero work together and that the shipped "
                    "data folders are complete; solve a tiny NLP. Exit code 0 with a PASS line, 1 with a FAIL line "
                    "naming the missing piece.",
    )
    parser.set_defaults(handler=handle)
