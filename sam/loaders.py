"""Loaders for the built SAM and its satellite accounts (the committed CSVs in ``sam/data``).

The loaders accept any SAM in the same format (for example the toy SAM in ``tests/data``):
pass ``data_dir``.  Sector codes are read from the SAM's own labels, never hard-coded.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .errors import BalanceError, InputError

DATA_DIR = Path(__file__).resolve().parent / "data"
SAM_FILE = "sam_2017.csv"
CO2_FILE = "co2_2017.csv"
PROCESS_FILE = "process_co2_2017.csv"
IMPORT_FILE = "import_use_2017.csv"
NON_SECTOR_KINDS = {
    "lab": "factor", "cap": "factor", "ptax": "tax", "tariff": "tax",
    "hh_rural": "household", "hh_urban": "household", "ent": "enterprise", "gov": "government",
    "sav": "savings", "stk": "inventories", "row": "rest_of_world",
}


def _read_matrix(path: Path) -> pd.DataFrame:
    """Read a labelled numeric matrix CSV (first column = row labels)."""
    if not path.exists():
        raise InputError(f"{path}: file not found (run `python -m sam build`)")
    try:
        df = pd.read_csv(path, index_col=0)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read as a CSV matrix ({exc}); rebuild it with `python -m sam build`") from exc
    df.index = df.index.astype(str)
    df.columns = df.columns.astype(str)
    bad = ~df.apply(lambda s: pd.api.types.is_numeric_dtype(s))
    if bad.any():
        col = bad[bad].index[0]
        raw = pd.to_numeric(df[col], errors="coerce")
        row = raw[raw.isna()].index[0]
        raise InputError(f"{path}: row {row!r}, column {col!r}: non-numeric value {df.loc[row, col]!r}")
    return df.astype(float)


def check_balance(sam: pd.DataFrame, rtol: float = 1e-9, where: str = "SAM") -> None:
    """Raise :class:`BalanceError` unless every account's row total equals its column total."""
    if list(sam.index) != list(sam.columns):
        raise BalanceError(f"{where}: index and columns differ")
    r, c = sam.sum(axis=1), sam.sum(axis=0)
    rel = (r - c).abs() / np.maximum(1.0, np.maximum(r.abs(), c.abs()))
    if (rel > rtol).any():
        worst = rel.sort_values(ascending=False).head(5)
        detail = ", ".join(f"{k}: rows {r[k]:.6f} vs columns {c[k]:.6f}" for k in worst.index)
        raise BalanceError(f"{where} does not balance (rtol {rtol}): {detail}")


def load_sam(data_dir: Path | str | None = None, check: bool = True) -> pd.DataFrame:
    """The square SAM, billion yuan at 2017 producer prices (row = receipts, column = spending)."""
    path = Path(data_dir or DATA_DIR) / SAM_FILE
    sam = _read_matrix(path)
    if check:
        check_balance(sam, where=str(path))
    return sam


def sectors_of(sam: pd.DataFrame) -> list[str]:
    """Sector codes in SAM order, from the activity labels ``a_<code>``."""
    return [lab[2:] for lab in sam.index if lab.startswith("a_")]


def accounts(sam: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per SAM label: ``kind`` (activity, commodity, factor, tax, household, enterprise,
    government, savings, inventories, rest_of_world) and ``code`` (sector code or empty).
    Households are the labels ``hh_<name>`` (any number); the enterprise account ``ent`` is optional."""
    sam = load_sam() if sam is None else sam
    rows = []
    for lab in sam.index:
        if lab.startswith("a_"):
            rows.append((lab, "activity", lab[2:]))
        elif lab.startswith("c_"):
            rows.append((lab, "commodity", lab[2:]))
        elif lab in NON_SECTOR_KINDS:
            rows.append((lab, NON_SECTOR_KINDS[lab], ""))
        elif lab.startswith("hh_"):                   # any number of households: hh_<name>
            rows.append((lab, "household", ""))
        else:
            raise InputError(f"SAM: unknown account label {lab!r}")
    return pd.DataFrame(rows, columns=["label", "kind", "code"]).set_index("label")


def load_co2(data_dir: Path | str | None = None) -> pd.DataFrame:
    """Combustion CO2 (Mt): fossil commodity codes x users (activity codes + household labels)."""
    return _read_matrix(Path(data_dir or DATA_DIR) / CO2_FILE)


def load_process_co2(data_dir: Path | str | None = None) -> pd.Series:
    """Process CO2 (Mt) by activity code (cement etc.), linked to the activity's output."""
    df = _read_matrix(Path(data_dir or DATA_DIR) / PROCESS_FILE)
    return df.iloc[:, 0].rename("process_co2_Mt")


def load_import_use(data_dir: Path | str | None = None) -> pd.DataFrame:
    """Imported part (billion yuan) of each commodity flow: commodity labels x user labels of the SAM,
    valued like the NBS table (duty-inclusive: row sums = CIF imports + import duties of the SAM)."""
    return _read_matrix(Path(data_dir or DATA_DIR) / IMPORT_FILE)


def _sectors_file() -> pd.DataFrame:
    """The project's 65 sectors (copy of shared/spec/sectors.csv)."""
    return pd.read_csv(DATA_DIR / "sectors.csv", dtype=str)


SECTORS: list[str] = list(_sectors_file()["code"])
