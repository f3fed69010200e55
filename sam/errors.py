"""Errors raised by the SAM build: every message names file, row and field."""
from __future__ import annotations


class InputError(ValueError):
    """Bad input data: the message names the file, the row and the column."""


class BalanceError(RuntimeError):
    """A built or loaded SAM does not balance; the message names the worst accounts."""


class Terminated(BaseException):
    """The process received SIGTERM (raised by the CLIs' handler so that clean-up runs)."""


def user_message(exc: BaseException) -> tuple[int, str] | None:
    """(exit code, one-line message) for an expected failure, None for a bug.

    Bad input, a busy or unwritable output folder and a full disk give exit code 2 and a
    message naming the file; an interrupt gives 130 (Ctrl-C) or 143 (SIGTERM)."""
    import errno
    import zipfile
    if isinstance(exc, KeyboardInterrupt):
        return 130, "interrupted; finished results are kept (rerun with --resume where the command has it)"
    if isinstance(exc, Terminated):
        return 143, "terminated (SIGTERM); finished results are kept (rerun with --resume where the command has it)"
    if isinstance(exc, InputError):
        return 2, str(exc)
    if isinstance(exc, zipfile.BadZipFile):
        return 2, f"a checkpoint file is corrupt ({exc}); delete it or run without --resume"
    if isinstance(exc, OSError):
        where = exc.filename or "an output file"
        if exc.errno == errno.ENOSPC:
            return 2, f"{where}: no space left on the device; free some space or choose another output folder"
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return 2, f"{where}: cannot write here ({exc.strerror}); choose a writable output folder"
        if exc.errno in (errno.ENOTDIR, errno.EISDIR, errno.EEXIST):
            return 2, f"{where}: {exc.strerror}; a file and a folder have the same name: choose another path"
        if exc.errno == errno.ENOENT:
            return 2, f"{where}: no such file or folder"
        return 2, f"{where}: {exc.strerror or exc}"
    return None


def report_failure(prog: str, exc: BaseException, debug: bool) -> int:
    """Print ``prog: message`` (one line per problem) to stderr and return the exit code;
    re-raise with ``debug`` (traceback) and for unexpected errors say how to get it."""
    import sys
    if debug:
        raise exc
    known = user_message(exc)
    code, msg = known if known else (1, f"internal error ({type(exc).__name__}: {exc}); rerun with --debug "
                                        "for the traceback and report it")
    for line in msg.splitlines() or [""]:
        print(f"{prog}: {line}", file=sys.stderr)
    return code


def debug_flag(argv: list[str]) -> tuple[list[str], bool]:
    """``argv`` without ``--debug`` (accepted anywhere before ``--``) and whether it was there."""
    cut = argv.index("--") if "--" in argv else len(argv)
    debug = "--debug" in argv[:cut]
    return [a for k, a in enumerate(argv) if not (k < cut and a == "--debug")], debug
