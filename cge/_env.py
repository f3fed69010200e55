"""Process-wide environment defaults; imported by ``cge/__init__.py`` before anything imports Pyomo.

Pyomo reads ``PYOMO_CONFIG_DIR`` once, when it is first imported, to find the PyNumero ASL
library (``$PYOMO_CONFIG_DIR/lib/libpynumero_ASL.so``) that ``make setup`` builds into
``.venv/pyomo``. Setting the default here lets ``.venv/bin/cge`` work without the Makefile.
A value already in the environment wins.

When Pyomo was imported before ``cge`` (``import pyomo.environ, cge``), the environment variable
comes too late: :func:`point_pyomo_at_asl` then tells Pyomo where the library is directly, so
that solves do not depend on the import order. :mod:`cge.solve` calls it again before solving.
"""
from __future__ import annotations

import os
import sys

ASL_NAME = "libpynumero_ASL.so"

if sys.prefix != sys.base_prefix:  # inside a virtual environment: sys.prefix is its root
    os.environ.setdefault("PYOMO_CONFIG_DIR", os.path.join(sys.prefix, "pyomo"))


def asl_library() -> str | None:
    """Path of the PyNumero ASL library that ``make setup`` built, or None when there is none."""
    cfg = os.environ.get("PYOMO_CONFIG_DIR")
    if not cfg:
        return None
    path = os.path.join(os.path.abspath(cfg), "lib", ASL_NAME)
    return path if os.path.exists(path) else None


def point_pyomo_at_asl() -> None:
    """If Pyomo is already imported and cannot see the library, point it there (no-op otherwise)."""
    if "pyomo.common.envvar" not in sys.modules:
        return                                   # Pyomo not imported yet: it will read the variable itself
    lib = asl_library()
    if lib is None:
        return
    from pyomo.common import envvar
    if not os.path.exists(os.path.join(envvar.PYOMO_CONFIG_DIR, "lib", ASL_NAME)):
        envvar.PYOMO_CONFIG_DIR = os.path.dirname(os.path.dirname(lib))
    asl = sys.modules.get("pyomo.contrib.pynumero.asl")
    if asl is not None:
        cur = getattr(asl.AmplInterface, "libname", None)
        if cur is None or (isinstance(cur, str) and not os.path.exists(cur)):
            asl.AmplInterface.libname = lib      # an earlier lookup failed: give it the library


point_pyomo_at_asl()
