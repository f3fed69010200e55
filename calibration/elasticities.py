"""Elasticities and other behavioural parameters from ``calibration/data/elasticities.csv``.

One row per parameter and sector group (``group`` = a group of ``sector_groups.csv`` or
``all`` for the default), each with value, plausible range (low, high), unit and source.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from sam.errors import InputError
from sam.readers import read_csv_checked

DATA_DIR = Path(__file__).resolve().parent / "data"
ELASTICITY_FILE = DATA_DIR / "elasticities.csv"
GROUP_FILE = DATA_DIR / "sector_groups.csv"
COLUMNS = ["parameter", "group", "value", "low", "high", "unit", "source", "note"]
# parameters the static model needs, with the sign rule they must obey
REQUIRED = ["sigma_top", "sigma_kel", "sigma_ke", "sigma_ene", "sigma_nel", "sigma_gen",
            "sigma_arm", "omega_cet"]


def load_elasticities(path: Path | str | None = None) -> pd.DataFrame:
    """The elasticity table, validated: numeric non-negative values, a source on every row."""
    path = Path(path) if path else ELASTICITY_FILE
    df = read_csv_checked(path, required=COLUMNS, numeric=["value", "low", "high"],
                          nonnegative=[], allow_blank=["low", "high"])
    for i, r in df.iterrows():
        if not str(r["source"]).strip():
            raise InputError(f"{path}: line {i + 2}, column source: empty source for {r['parameter']}/{r['group']}")
        if r["parameter"] in REQUIRED and r["value"] < 0:
            raise InputError(f"{path}: line {i + 2}, column value: negative elasticity {r['value']} for {r['parameter']}/{r['group']}")
    dup = df.duplicated(["parameter", "group"])
    if dup.any():
        i = int(dup.to_numpy().nonzero()[0][0])
        raise InputError(f"{path}: line {i + 2}, columns parameter/group: duplicate row {df.loc[i, 'parameter']}/{df.loc[i, 'group']}")
    df.attrs["path"] = str(path)
    return df


def load_sector_groups(path: Path | str | None = None) -> pd.Series:
    """Sector code -> elasticity group."""
    path = Path(path) if path else GROUP_FILE
    df = read_csv_checked(path, required=["code", "group"])
    s = df.set_index("code")["group"]
    s.attrs["path"] = str(path)
    return s


def by_sector(el: pd.DataFrame, groups: pd.Series, parameter: str, sectors: list[str]) -> pd.Series:
    """Value of ``parameter`` for every sector: its group's row, else the ``all`` row.

    Raises :class:`InputError` naming the file, the parameter and the first sector with no value.
    """
    path = el.attrs.get("path", "elasticities")
    rows = el[el["parameter"] == parameter].set_index("group")["value"]
    out = {}
    for s in sectors:
        if s not in groups.index:
            raise InputError(f"{groups.attrs.get('path', 'sector_groups')}: column code: sector {s} has no group")
        g = groups[s]
        if g in rows.index:
            out[s] = float(rows[g])
        elif "all" in rows.index:
            out[s] = float(rows["all"])
        else:
            raise InputError(f"{path}: column group: parameter {parameter!r} has no row for sector {s} (group {g!r}) and no 'all' row")
    return pd.Series(out, name=parameter)
