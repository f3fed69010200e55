"""Atomic file writes: one file, or several committed together, never half-written.

A file is written to a temporary name in its own folder, given the permissions a plain
``open()`` would give under the current umask (0644 under umask 022; ``mkstemp`` alone gives
0600), then renamed into place. :func:`commit_many` stages every file first and renames only
when all are staged, so a failure (full disk, blocked path) leaves the old outputs and no
temporary files.
"""
from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

Writer = Callable[[str], None]          # writes the content to the given temporary path
Content = str | bytes | Writer


def file_mode() -> int:
    """The mode a new file gets from ``open()`` under the current umask (0o666 & ~umask)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _write(tmp: str, content: Content) -> None:
    """Write ``content`` (text, bytes or a writer callback) to the path ``tmp``."""
    if isinstance(content, str):
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(content)
    elif isinstance(content, bytes):
        with open(tmp, "wb") as fh:
            fh.write(content)
    else:
        content(tmp)


def stage(path: Path, content: Content) -> str:
    """Write ``content`` to a new temporary file beside ``path``; return its name (normal mode)."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        _write(tmp, content)
        os.chmod(tmp, file_mode())
    except BaseException as exc:
        full = isinstance(exc, Exception) and _disk_full(path.parent)
        _unlink(tmp)
        if full or (isinstance(exc, OSError) and exc.errno == errno.ENOSPC):
            # writers such as netCDF report a full disk as a library error: say what it is, and where
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path)) from exc
        if isinstance(exc, OSError) and exc.errno and not exc.filename:
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise
    return tmp


def _disk_full(folder: Path) -> bool:
    """Whether the file system of ``folder`` has (almost) no free space left."""
    try:
        st = os.statvfs(folder)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < 64 * 1024


def _unlink(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass


def atomic_write(path: Path | str, content: Content) -> None:
    """Write one file atomically (temporary file in the same folder, then rename)."""
    tmp = stage(Path(path), content)
    try:
        os.replace(tmp, path)
    except BaseException:
        _unlink(tmp)
        raise


def commit_many(files: Mapping[Path | str, Content]) -> list[Path]:
    """Write several files so that either all are replaced or none is; return their paths.

    Every file is staged first (this is where a full disk or a blocked path fails, and then
    every staged file is removed); the renames into place follow only when all are staged."""
    staged: list[tuple[str, Path]] = []
    try:
        for path, content in files.items():
            staged.append((stage(Path(path), content), Path(path)))
        for tmp, path in staged:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in staged:
            _unlink(tmp)
        raise
    return [p for _, p in staged]

