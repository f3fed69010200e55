"""Where the shipped files are: scenarios, sweep specs, scenario data, SAM data.

Everything the model reads ships inside the installed distribution (``pip install .`` puts
the ``scenarios`` data package beside ``cge``, ``sam`` and ``calibration``), so the same
lookups work in a source checkout and in an installed wheel.  User scenarios are searched
first in ``--scenario-dir`` (or ``$CGE_SCENARIO_DIR``), then in ``./scenarios`` of the
current directory, then among the shipped ones.
"""
from __future__ import annotations

import os
from importlib import resources
from pathlib import Path


def _package_dir(package: str) -> Path:
    """The folder of an installed (or source-tree) package, as a real path; a source checkout
    not installed (``PYTHONPATH=.``) falls back to the folder beside ``cge/``."""
    try:
        return Path(str(resources.files(package)))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[1] / package


def shipped_scenarios() -> Path:
    """The shipped scenario folder (``S1.toml`` ... ``baseline.toml``, ``sweeps/``, ``data/``)."""
    return _package_dir("scenarios")


def scenario_data_dir() -> Path:
    """The shipped scenario data (baseline drivers, dynamics parameters), each file with a source."""
    return shipped_scenarios() / "data"


def sweep_dir() -> Path:
    """The shipped sweep specs."""
    return shipped_scenarios() / "sweeps"


def sam_data_dir() -> Path:
    """The SAM's data folder (sector names, mappings, splits)."""
    return _package_dir("sam") / "data"


def user_scenario_dirs(scenario_dir: str | Path | None = None, shipped: Path | None = None) -> list[Path]:
    """Folders searched for scenarios, first match wins: ``scenario_dir`` (or
    ``$CGE_SCENARIO_DIR``), ``./scenarios`` of the current directory, the shipped folder
    (``shipped``, default :func:`shipped_scenarios`)."""
    dirs: list[Path] = []
    explicit = scenario_dir or os.environ.get("CGE_SCENARIO_DIR")
    if explicit:
        dirs.append(Path(explicit))
    local = Path.cwd() / "scenarios"
    if local.is_dir():
        dirs.append(local)
    shipped = Path(shipped) if shipped is not None else shipped_scenarios()
    if all(d.resolve() != shipped.resolve() for d in dirs):
        dirs.append(shipped)
    return dirs


def repo_root(start: str | Path | None = None) -> Path | None:
    """The source checkout that contains ``start`` (default: the current directory): the first
    folder upwards with ``pyproject.toml`` and ``notebooks/``; None when there is none."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "notebooks").is_dir():
            return folder
    return None


def project_path(path: str | Path) -> Path:
    """``path`` as given when absolute; else relative to the repository root if the current
    directory is inside a checkout (so a notebook started in ``notebooks/`` finds the repository's
    ``results/``), else relative to the current directory."""
    p = Path(path)
    if p.is_absolute():
        return p
    root = repo_root()
    return (root / p) if root else p.resolve()
