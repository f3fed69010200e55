"""Command line interface: ``cge [--debug] <command> [options]``.

Every subcommand lives in its own module, listed in ``COMMAND_MODULES``. Such a module defines
``register(subparsers) -> None``, which adds its parser with ``subparsers.add_parser(...)`` and
sets ``handler=`` (a function ``(argparse.Namespace) -> int``, the exit code) with
``parser.set_defaults``. Modules import heavy dependencies (Pyomo, pandas) inside their
handlers so that ``cge --help`` stays fast. To add a command: write the module, append its
name here.

Handlers raise for expected failures (``InputError`` and friends, ``OSError``); :func:`main`
turns them into one line per problem, ``cge <command>: ...``, and exit code 2 (see
:func:`sam.errors.user_message`). ``--debug`` (anywhere on the line) shows the traceback instead.
"""
from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sam.errors import Terminated, debug_flag, report_failure

from . import __version__

COMMAND_MODULES: list[str] = [
    "cge.doctor",
    "cge.scenarios",
    "cge.runner",
    "cge.report",
    "cge.sweep",
    "cge.export",
    "cge.validation",
    "cge.allocation.global_rights.cli",
    "cge.allocation.provincial.cli",
]


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with one subparser per module in ``COMMAND_MODULES``."""
    parser = argparse.ArgumentParser(
        prog="cge", description="Recursive-dynamic CGE carbon-price simulator for China."
    )
    parser.add_argument("--version", action="version", version=f"cge {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the Python traceback of an error")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def _raise_terminated(signum, frame) -> None:
    raise Terminated()


@contextmanager
def sigterm_raises() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` so that pools and locks are released."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default: ``sys.argv[1:]``), run the subcommand, return its exit code."""
    argv, debug = debug_flag(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        with sigterm_raises():
            return int(handler(args))
    except BaseException as exc:  # noqa: BLE001 - mapped to one line; --debug re-raises
        if isinstance(exc, SystemExit):
            raise
        return report_failure(f"cge {args.command}", exc, debug)
