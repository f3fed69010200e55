"""Reading the project's TOML input files (scenarios, sweep specs, closures) with errors that
name the file and the field."""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from sam.errors import InputError

M = TypeVar("M", bound=BaseModel)


class FileInvalid(InputError):
    """A file failed validation; ``problems`` lists every ``field ...: message`` found."""

    def __init__(self, p: Path, problems: list[str]) -> None:
        super().__init__(f"{p}: " + "; ".join(problems))
        self.problems = problems


def read_toml(p: Path) -> dict:
    """The parsed TOML file ``p``, or an InputError naming the file."""
    try:
        return tomllib.loads(Path(p).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{p}: not valid TOML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{p}: cannot be read ({exc})") from exc


def validated(cls: type[M], raw: dict, p: Path) -> M:
    """``cls(**raw, path=p)`` validated by pydantic; a :class:`FileInvalid` names the file and
    every field in error, with the value where it helps (all errors at once)."""
    try:
        return cls(**raw, path=str(p))
    except ValidationError as exc:
        raise FileInvalid(p, [_problem(e) for e in exc.errors()]) from exc
    except TypeError as exc:                     # e.g. a key of the file named like an argument twice
        raise FileInvalid(p, [str(exc)]) from exc


def _problem(e: dict) -> str:
    """``field a.b: message (value x)`` for one pydantic error."""
    field = ".".join(str(x) for x in e["loc"]) or "(file)"
    msg = e["msg"].removeprefix("Value error, ")
    inp = e.get("input")
    shown = f" (value {inp!r})" if isinstance(inp, (int, float, str)) and not isinstance(inp, bool) else ""
    return f"field {field}: {msg}{shown}"
