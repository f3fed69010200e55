"""Command line interface: ``cge <command> [options]``.

Every subcommand lives in its own module, listed in ``COMMAND_MODULES``. Such a module defines
``register(subparsers) -> None``, which adds its parser with ``subparsers.add_parser(...)`` and
sets ``handler=`` (a function ``(argparse.Namespace) -> int``, the exit code) with
``parser.set_defaults``. Modules import heavy dependencies (Pyomo, pandas) inside their
handlers so that ``cge --help`` stays fast. To add a command: write the module, append its
name here.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from . import __version__

COMMAND_MODULES: list[str] = [
    "cge.doctor",
    "cge.scenarios",
    "cge.runner",
    "cge.report",
    "cge.sweep",
    "cge.export",
    "cge.allocation.global_rights.cli",
    "cge.allocation.provincial.cli",
]


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with one subparser per module in ``COMMAND_MODULES``."""
    parser = argparse.ArgumentParser(
        prog="cge", description="Recursive-dynamic CGE carbon-price simulator for China."
    )
    parser.add_argument("--version", action="version", version=f"cge {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default: ``sys.argv[1:]``), run the subcommand, return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    return int(handler(args))
