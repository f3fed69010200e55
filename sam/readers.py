"""Checked readers for raw CSV inputs and atomic writers for built outputs.

Every reader validates the file before anything is built, so a bad input stops the
build with an :class:`~sam.errors.InputError` naming the file, the data row (1-based line
number in the file, header = line 1) and the column.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

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


def atomic_write_text(path: Path | str, text: str) -> None:
    """Write text to ``path`` atomically (temp file in the same folder, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_many(files: dict[Path, str]) -> None:
    """Write several files so that either all are replaced or none is.

    All contents are first written to temp files; only when every temp file exists are
    they renamed into place (renames within one folder do not fail half-way in practice).
    """
    tmps: list[tuple[str, Path]] = []
    try:
        for path, text in files.items():
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
            tmps.append((tmp, path))
    except BaseException:
        for tmp, _ in tmps:
            if os.path.exists(tmp):
                os.unlink(tmp)
        raise
    for tmp, path in tmps:
        os.replace(tmp, path)


def frame_to_csv(df: pd.DataFrame, index_label: str | None = None) -> str:
    """Deterministic CSV text for a numeric frame (12 significant digits, '\n' line ends)."""
    return df.to_csv(float_format="%.12g", index_label=index_label, lineterminator="\n")
