"""Reading the project's TOML input files (scenarios, sweep specs, closures) with errors that
name the file and the field."""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from sam.errors import InputError

M = TypeVar("M", bound=BaseModel)


def read_toml(p: Path) -> dict:
    """The parsed TOML file ``p``, or an InputError naming the file."""
    try:
        return tomllib.loads(Path(p).read_text())
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{p}: not valid TOML: {exc}") from exc


def validated(cls: type[M], raw: dict, p: Path) -> M:
    """``cls(**raw, path=p)`` validated by pydantic; the first error names the file and the field."""
    try:
        return cls(**raw, path=str(p))
    except ValidationError as exc:
        e = exc.errors()[0]
        field = ".".join(str(x) for x in e["loc"]) or "(file)"
        raise InputError(f"{p}: field {field}: {e['msg']}") from exc
