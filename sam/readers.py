"""Checked readers for raw CSV inputs and atomic writers for built outputs.

Every reader validates the file before anything is built, so a bad input stops the
build with an :class:`~sam.errors.InputError` naming the file, the data row (1-based line
number in the file, header = line 1) and the column.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from .atomic import atomic_write, commit_many
from .errors import InputError


def read_csv_checked(
    path: Path | str,
    required: Sequence[str],
    numeric: Iterable[str] = (),
    nonnegative: Iterable[str] = (),
    allow_blank: Iterable[str] = (),
    dtype: dict | None = None,
) -> pd.DataFrame:
    """Read a CSV and check required columns, numeric cells and signs.

    ``numeric`` columns are converted to float; a cell that is not a number raises
    ``InputError`` with file, line and column.  ``nonnegative`` columns must be >= 0.
    Blank numeric cells are errors unless the column is in ``allow_blank`` (then NaN).
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except Exception as exc:  # pragma: no cover - parser errors carry their own line
        raise InputError(f"{path}: cannot be parsed as CSV: {exc}") from exc
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)} (header has {list(df.columns)})")
    blank_ok = set(allow_blank)
    nonneg = set(nonnegative)
    for col in numeric:
        if col not in df.columns:
            raise InputError(f"{path}: missing numeric column {col}")
        raw = df[col].str.strip()
        values = pd.to_numeric(raw, errors="coerce")
        bad = values.isna() & ~((raw == "") & (col in blank_ok))
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"{path}: line {i + 2}, column {col}: non-numeric value {df[col].iloc[i]!r}"
            )
        if col in nonneg:
            neg = values < 0
            if neg.any():
                i = int(np.flatnonzero(neg.to_numpy())[0])
                raise InputError(
                    f"{path}: line {i + 2}, column {col}: negative value {values.iloc[i]!r} where none is allowed"
                )
        df[col] = values.astype(float)
    if dtype:
        df = df.astype(dtype)
    return df


def read_header(path: Path | str) -> list[str]:
    """The column names of a CSV file ([] when it does not exist); an empty or unparsable
    file is an InputError naming it."""
    path = Path(path)
    if not path.exists():
        return []
    try:
        return list(pd.read_csv(path, nrows=0).columns)
    except pd.errors.EmptyDataError as exc:
        raise InputError(f"{path}: empty file (no header line); restore it from the raw data") from exc
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be parsed as CSV: {exc}") from exc


def atomic_write_text(path: Path | str, text: str) -> None:
    """Write text to ``path`` atomically (temp file in the same folder, then rename)."""
    atomic_write(path, text)


def atomic_write_many(files: dict[Path, str]) -> None:
    """Write several files so that either all are replaced or none is (see :func:`sam.atomic.commit_many`)."""
    commit_many(files)


def frame_to_csv(df: pd.DataFrame, index_label: str | None = None) -> str:
    """Deterministic CSV text for a numeric frame (12 significant digits, '\n' line ends)."""
    return df.to_csv(float_format="%.12g", index_label=index_label, lineterminator="\n")
