"""The run store: each scenario's results and restart state keyed by what determines them.

A scenario's **key** is a SHA-256 over the scenario file's bytes, the baseline file's bytes (a
policy run is a deviation from it), the horizon start, the contents of every file in the data
folders (``scenarios/data`` of the shipped ``scenarios`` package, ``calibration/data``,
``sam/data``, ``cge/closures`` and ``cge/data``, found where the packages are, in a checkout or
an installed wheel; new files are covered automatically) and the code version (package version and the Python sources of
``cge``, ``calibration`` and ``sam``). Its files live in ``<out>/store/<name>-<key16>/``:

* ``result.nc``   results from the start to ``last_year`` (checkpointed, atomic);
* ``state.npz``   every field of the :class:`~cge.dynamics.YearState` after ``last_year``;
* ``baseline_x.npz`` (baseline only) the solution vector of every year (policy warm starts);
* ``entry.json``  name, file, key, start and ``last_year``, written last.

An entry is **current** when its file still exists and hashes to the same key now. Nothing is
ever stored under a name alone, so two files with one ``name``, or an edited file, cannot
overwrite each other's results. ``<out>/.cge.lock`` allows one writer per output folder.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sam.atomic import atomic_write
from sam.errors import InputError

ROOT = Path(__file__).resolve().parents[1]      # the source checkout, or site-packages of an installed wheel
META_DIR = Path(__file__).resolve().parent / "data"   # cge/data: variable units and names, sector names
CODE_DIRS = ("cge", "calibration", "sam")
LOCK_NAME = ".cge.lock"


class FolderBusy(InputError):
    """Another cge process holds the output folder's lock."""


def _files(folder: Path, pattern: str) -> list[Path]:
    """Files under ``folder`` matching ``pattern``, sorted (caches excluded)."""
    if not folder.exists():
        return []
    return sorted(p for p in folder.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts)


def data_folders() -> list[Path]:
    """The folders whose contents determine every run (looked up now, so tests may patch them)."""
    from calibration.elasticities import DATA_DIR as CAL_DIR
    from sam.loaders import DATA_DIR as SAM_DIR

    from .model.closure import CLOSURE_DIR
    from .drivers import DATA_DIR as DRIVER_DIR
    return [DRIVER_DIR, CAL_DIR, SAM_DIR, CLOSURE_DIR, META_DIR]


def _inputs() -> list[tuple[str, Path, list[Path]]]:
    """(label, folder, files) of the code and data folders that every key covers."""
    code = [(f"code:{d}", ROOT / d, _files(ROOT / d, "*.py")) for d in CODE_DIRS]
    return code + [(f"data:{d.name}", d, _files(d, "*")) for d in data_folders()]


_PINNED: list[str] = []        # set by pinned(): one key for a whole run, also in forked workers


@contextmanager
def pinned() -> Iterator[None]:
    """Within the block :func:`common_key` is fixed at its value on entry (a source edited while a
    run is going does not split the run's scenarios between two keys)."""
    _PINNED.append(common_key())
    try:
        yield
    finally:
        _PINNED.pop()


def common_key() -> str:
    """Hash of everything a run depends on besides its scenario file and start year (the code
    version and the data folders' contents), recomputed whenever a file's size or time changes."""
    if _PINNED:
        return _PINNED[-1]
    from . import __version__
    inputs = _inputs()
    stamp = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for _, _, fs in inputs for f in fs)
    return _common_key(__version__, stamp, tuple((label, folder, tuple(fs)) for label, folder, fs in inputs))


@lru_cache(maxsize=8)
def _common_key(version: str, stamp: tuple, inputs: tuple) -> str:
    """SHA-256 over the version and every input file's relative path and content."""
    h = hashlib.sha256(f"cge {version}\0".encode())
    for label, folder, files in inputs:
        h.update(f"{label}\0".encode())
        for f in files:
            h.update(str(f.relative_to(folder)).encode() + b"\0")
            h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def scenario_key(file: Path, baseline_file: Path, start: int) -> str:
    """The key of one scenario: its file, the baseline file, the start year and :func:`common_key`."""
    h = hashlib.sha256(common_key().encode())
    h.update(f"\0start {start}\0".encode())
    for f in (baseline_file, file):
        h.update(hashlib.sha256(Path(f).read_bytes()).digest())
    return h.hexdigest()


@dataclass
class Entry:
    """One stored scenario run (``<out>/store/<name>-<key16>/``)."""

    dir: Path
    name: str
    key: str
    file: str
    start: int
    last_year: int | None = None

    @property
    def result(self) -> Path:
        return self.dir / "result.nc"

    @property
    def state(self) -> Path:
        return self.dir / "state.npz"

    @property
    def baseline_x(self) -> Path:
        return self.dir / "baseline_x.npz"

    @property
    def meta(self) -> Path:
        return self.dir / "entry.json"

    def save_meta(self) -> None:
        """Write ``entry.json`` (atomically, after the result and state it describes)."""
        atomic_write(self.meta, json.dumps({"name": self.name, "key": self.key, "file": self.file,
                                            "start": self.start, "last_year": self.last_year}, indent=1) + "\n")


def entry_for(out: Path, name: str, key: str, file: Path, start: int) -> Entry:
    """The entry of a scenario (its stored ``last_year`` read from ``entry.json`` when present)."""
    e = Entry(Path(out) / "store" / f"{name}-{key[:16]}", name, key, str(Path(file).resolve()), start)
    if e.meta.exists():
        e.last_year = read_meta(e.meta).get("last_year")
    return e


def read_meta(p: Path) -> dict:
    """The parsed ``entry.json`` or an InputError naming it."""
    try:
        meta = json.loads(p.read_text())
        if not isinstance(meta, dict):
            raise ValueError("not a JSON object")
        return meta
    except (ValueError, OSError) as exc:
        raise InputError(f"{p}: unreadable run-store entry ({exc}); delete its folder {p.parent} "
                         "or run without --resume") from exc


def entries(out: Path) -> list[Entry]:
    """Every stored entry under ``<out>/store`` (corrupt ones raise, naming the file)."""
    found = []
    for meta in sorted((Path(out) / "store").glob("*/entry.json")):
        m = read_meta(meta)
        try:
            found.append(Entry(meta.parent, str(m["name"]), str(m["key"]), str(m["file"]), int(m["start"]),
                               None if m.get("last_year") is None else int(m["last_year"])))
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"{meta}: run-store entry lacks a field ({exc}); delete {meta.parent}") from exc
    return found


def is_current(e: Entry, baseline_file: Path) -> bool:
    """Whether the entry's scenario file still exists and hashes to the entry's key."""
    f = Path(e.file)
    return f.exists() and baseline_file.exists() and scenario_key(f, baseline_file, e.start) == e.key


@contextmanager
def lock(out: Path, command: str) -> Iterator[None]:
    """Hold ``<out>/.cge.lock`` for the duration; a second writer gets :class:`FolderBusy`."""
    from filelock import FileLock, Timeout
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    fl = FileLock(str(out / LOCK_NAME), timeout=0)
    try:
        fl.acquire()
    except Timeout as exc:
        raise FolderBusy(f"{out}: another cge process is writing to this folder (lock {out / LOCK_NAME}); "
                         f"wait for it to finish or give {command} another output folder") from exc
    try:
        yield
    finally:
        fl.release()
