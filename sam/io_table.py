"""The NBS 2017 input-output tables as an *extended* table in billion yuan.

The extended table ``T`` is a DataFrame with

* rows ``d:<code>`` (domestic output of commodity ``code`` by use), ``m:<code>`` (imports of
  ``code`` by use, from the non-competitive table) and ``va:lab``, ``va:ptax``, ``va:dep``,
  ``va:surp`` (value added: compensation of employees, net taxes on production, depreciation,
  operating surplus);
* columns ``<code>`` (intermediate use by the producing sector) and the final uses
  ``hh_rural``, ``hh_urban``, ``gov``, ``gfcf``, ``stk`` (change in inventories), ``exp``.

Units: billion yuan at 2017 producer prices (the NBS files are in 10,000 yuan: /1e5).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError
from .readers import read_csv_checked, read_header

FINALS: list[str] = ["hh_rural", "hh_urban", "gov", "gfcf", "stk", "exp"]
VA_ITEMS: dict[str, str] = {"VA001": "va:lab", "VA002": "va:ptax", "VA003": "va:dep", "VA004": "va:surp"}
TO_BILLION = 1e-5  # 10,000 yuan -> billion yuan
IO42_FILE = "china_io_nbs/csv/china_io_2017_42.csv"
IO149_FILE = "china_io_nbs/csv/china_io_2017_149.csv"
CONC_FILE = "china_io_nbs/csv/concordance_149_to_42_2017.csv"


@dataclass(frozen=True)
class ExtendedIO:
    """An extended IO table (see module docstring) plus its sector list."""

    table: pd.DataFrame
    sectors: list[str]

    @property
    def gross_output(self) -> pd.Series:
        """Gross output by sector = column total of the sector's inputs (billion yuan)."""
        return self.table[self.sectors].sum(axis=0)

    def row_totals(self) -> pd.Series:
        """Total use of each domestic / imported commodity row (billion yuan)."""
        return self.table.sum(axis=1)


def _check_balance(path: Path, dom: pd.DataFrame, codes: list[str], cols: list[str], go_col: str) -> None:
    """Raise if a domestic row of the raw table does not add up to its gross output."""
    diff = dom[cols].sum(axis=1) - dom[go_col]
    rel = (diff.abs() / dom[go_col].abs().clip(lower=1.0))
    if (rel > 1e-6).any():
        code = rel.idxmax()
        raise InputError(f"{path}: row Code={code}: uses add up to {dom.loc[code, cols].sum():.6g}, column {go_col} says {dom.loc[code, go_col]:.6g}")


def load_io42(raw_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[str]]:
    """Read the 42-sector non-competitive table: (domestic rows, import rows, VA rows, codes)."""
    path = Path(raw_dir) / IO42_FILE
    head = read_header(path)
    codes = [c for c in head if len(c) == 2 and c.isdigit()]
    if path.exists() and len(codes) != 42:
        raise InputError(f"{path}: expected 42 two-digit sector columns, found {len(codes)}")
    finals = ["TC", "FU201", "FU202", "EX", "GO"]
    cols = codes + finals
    df = read_csv_checked(path, required=["Code", "Origin"] + cols, numeric=cols, allow_blank=cols)
    for origin in ("Domestic", "Imports"):
        part = df[df["Origin"] == origin]
        blank = part[cols].isna()
        if blank.to_numpy().any():
            i, j = np.argwhere(blank.to_numpy())[0]
            raise InputError(f"{path}: line {part.index[i] + 2} (Code={part['Code'].iloc[i]}, {origin}), column {cols[j]}: empty cell")
    # sign rules: intermediate flows and gross output are non-negative
    for origin in ("Domestic", "Imports"):
        part = df[df["Origin"] == origin]
        for col in codes + ["TC", "FU201", "EX", "GO"]:
            neg = part[col] < 0
            if neg.any():
                i = int(part.index[np.flatnonzero(neg.to_numpy())[0]])
                raise InputError(f"{path}: line {i + 2} (Code={df.loc[i, 'Code']}, {origin}), column {col}: negative value {df.loc[i, col]!r} where none is allowed")
    dom = df[df["Origin"] == "Domestic"].set_index("Code")
    imp = df[df["Origin"] == "Imports"].set_index("Code")
    va = df[df["Code"].isin(list(VA_ITEMS))].set_index("Code")
    for name, part in (("Domestic", dom), ("Imports", imp)):
        if list(part.index) != codes:
            raise InputError(f"{path}: column Code: {name} rows are {list(part.index)[:5]}..., expected the 42 codes in order")
    if len(va) != 4:
        raise InputError(f"{path}: column Code: value-added rows {sorted(VA_ITEMS)} expected, found {list(va.index)}")
    _check_balance(path, dom, codes, codes + ["TC", "FU201", "FU202", "EX"], "GO")
    return dom[cols] * TO_BILLION, imp[cols] * TO_BILLION, va[codes] * TO_BILLION, codes


def load_io149(raw_dir: Path) -> tuple[pd.DataFrame, pd.Series]:
    """Read the 149-sector competitive table (billion yuan) and its 149 -> 42 concordance."""
    path = Path(raw_dir) / IO149_FILE
    head = read_header(path)
    codes = [c for c in head if len(c) == 3 and c.isdigit()]
    finals = ["FU101", "FU102", "FU103", "FU201", "FU202", "EX", "IM", "GO"]
    df = read_csv_checked(path, required=["Code"] + codes + finals, numeric=codes + finals,
                          allow_blank=codes + finals)
    df = df.set_index("Code")
    prod = df.loc[[c for c in codes if c in df.index]]
    if prod.isna().to_numpy().any():
        i, j = np.argwhere(prod.isna().to_numpy())[0]
        raise InputError(f"{path}: row Code={prod.index[i]}, column {(codes + finals)[j]}: empty cell")
    df = df.fillna(0.0)
    conc = read_csv_checked(Path(raw_dir) / CONC_FILE, required=["code149", "io42"])
    conc = conc.set_index("code149")["io42"]
    missing = [c for c in codes if c not in conc.index]
    if missing:
        raise InputError(f"{Path(raw_dir) / CONC_FILE}: column code149: codes {missing[:5]} of the 149 table have no io42 entry")
    return df[codes + finals] * TO_BILLION, conc


def consumption_shares(io149: pd.DataFrame, conc: pd.Series, codes42: list[str]) -> pd.DataFrame:
    """Shares of rural, urban and government consumption in total consumption by 42-sector commodity.

    From the 149-sector table (FU101, FU102, FU103) aggregated with the concordance; used to
    split the 42-sector table's single consumption column ``TC``.  Commodities with no
    consumption get equal thirds (they are multiplied by zero).
    """
    rows = io149.loc[[c for c in io149.index if c in conc.index], ["FU101", "FU102", "FU103"]]
    agg = rows.groupby(conc.loc[rows.index].to_numpy()).sum().reindex(codes42).fillna(0.0)
    tot = agg.sum(axis=1)
    shares = agg.div(tot.where(tot > 0, 1.0), axis=0)
    shares[tot <= 0] = 1.0 / 3.0
    shares.columns = ["hh_rural", "hh_urban", "gov"]
    return shares


def extended_io42(raw_dir: Path) -> tuple[ExtendedIO, pd.DataFrame]:
    """The 42-sector extended table with consumption split by the 149-table shares.

    Returns the table and the consumption shares used (for the report).  The import share
    of a commodity is assumed equal across rural, urban and government consumption (the
    42-sector table has one consumption column per origin).
    """
    dom, imp, va, codes = load_io42(raw_dir)
    io149, conc = load_io149(raw_dir)
    sh = consumption_shares(io149, conc, codes)
    cols = codes + FINALS
    rows = [f"d:{c}" for c in codes] + [f"m:{c}" for c in codes] + list(VA_ITEMS.values())
    T = pd.DataFrame(0.0, index=rows, columns=cols)
    for prefix, part in (("d", dom), ("m", imp)):
        block = pd.DataFrame(index=[f"{prefix}:{c}" for c in codes], columns=cols, dtype=float)
        block[codes] = part[codes].to_numpy()
        for k in ("hh_rural", "hh_urban", "gov"):
            block[k] = part["TC"].to_numpy() * sh[k].to_numpy()
        block["gfcf"] = part["FU201"].to_numpy()
        block["stk"] = part["FU202"].to_numpy()
        block["exp"] = part["EX"].to_numpy()
        T.loc[block.index, cols] = block[cols].to_numpy()
    for raw, lab in VA_ITEMS.items():
        T.loc[lab, codes] = va.loc[raw, codes].to_numpy()
    return ExtendedIO(T, codes), sh
