"""Errors raised by the SAM build: every message names file, row and field."""
from __future__ import annotations


class InputError(ValueError):
    """Bad input data: the message names the file, the row and the column."""


class BalanceError(RuntimeError):
    """A built or loaded SAM does not balance; the message names the worst accounts."""
