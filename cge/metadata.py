"""Metadata of ``results.nc``: units and long names of every variable (``cge/data/variables.csv``),
sector names in English and Chinese, and the global attributes of the CF conventions
(``Conventions``, ``title``, ``institution``, ``source``, ``history``) plus ``model_version``,
``created``, ``git_commit`` (when the code runs from a git checkout) and each scenario's settings."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
from functools import lru_cache
from pathlib import Path

import pandas as pd
import xarray as xr

DATA = Path(__file__).resolve().parent / "data"
CONVENTIONS = "CF-1.10"


@lru_cache(maxsize=1)
def variable_table() -> pd.DataFrame:
    """One row per variable or coordinate of results.nc: units, long_name, dims, note."""
    return pd.read_csv(DATA / "variables.csv", dtype=str, keep_default_na=False).set_index("variable")


@lru_cache(maxsize=1)
def sector_names() -> pd.DataFrame:
    """The 65 SAM sectors: code -> name_en, name_zh (``sam/data/sectors.csv``)."""
    from .paths import sam_data_dir
    return pd.read_csv(sam_data_dir() / "sectors.csv", dtype=str).set_index("code")[["name_en", "name_zh"]]


def git_commit() -> str | None:
    """The commit of the source checkout the code runs from (``-dirty`` if modified), or None."""
    from .paths import repo_root
    root = repo_root(Path(__file__).resolve().parent)
    if root is None or not (root / ".git").exists():
        return None
    try:
        sha = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return sha + ("-dirty" if dirty else "")


def annotate_variables(ds: xr.Dataset) -> xr.Dataset:
    """Units and long names from the variable table on every variable it lists; sector names as
    coordinates. Variables the table does not list keep their own attributes."""
    table = variable_table()
    if "sector" in ds.coords:
        names = sector_names().reindex([str(s) for s in ds.sector.values])
        ds = ds.assign_coords(sector_name_en=("sector", names.name_en.fillna("").to_numpy(str)),
                              sector_name_zh=("sector", names.name_zh.fillna("").to_numpy(str)))
    for name in list(ds.variables):
        if name in table.index:
            row = table.loc[name]
            attrs = {**ds[name].attrs, "long_name": row.long_name}
            if row.units:
                attrs["units"] = row.units
            if row.note:
                attrs["comment"] = row.note
            ds[name].attrs = attrs
    return ds


def global_attributes(settings: dict[str, dict]) -> dict[str, str | int]:
    """CF global attributes, provenance and each scenario's settings (``settings_<name>``, JSON)."""
    from . import __version__
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    attrs: dict[str, str | int] = {
        "Conventions": CONVENTIONS,
        "title": "cge results: baseline and carbon-price scenarios for China",
        "institution": "cge project (open-source model)",
        "source": f"cge {__version__}: recursive-dynamic CGE model of China, 65 sectors, 2017 SAM (NBS, CEADs)",
        "history": f"{now} created by cge {__version__} (cge run)",
        "references": "Cai, Kong and Zhao (2021), SICGE carbon-price scenarios; see the documentation",
        "model_version": __version__,
        "created": now,
        "units_note": "billion yuan at 2017 prices, CO2 in Mt, prices and productivity as indices (2017 = 1)",
        "deviations": "percent deviations from baseline are derived (cge.report.pct), not stored",
        "scenarios": ",".join(settings),
    }
    commit = git_commit()
    if commit:
        attrs["git_commit"] = commit
    for name, s in settings.items():
        attrs[f"settings_{name}"] = json.dumps(s, ensure_ascii=False, sort_keys=True)
    return attrs


def scenario_settings(ds: xr.Dataset, name: str) -> dict:
    """The settings of scenario ``name`` stored in results.nc (inverse of :func:`global_attributes`)."""
    return json.loads(ds.attrs[f"settings_{name}"])
