"""Process-wide environment defaults; imported by ``cge/__init__.py`` before anything imports Pyomo.

Pyomo reads ``PYOMO_CONFIG_DIR`` once, when it is first imported, to find the PyNumero ASL
library (``$PYOMO_CONFIG_DIR/lib/libpynumero_ASL.so``) that ``make setup`` builds into
``.venv/pyomo``. Setting the default here lets ``.venv/bin/cge`` work without the Makefile.
A value already in the environment wins.
"""
from __future__ import annotations

import os
import sys

if sys.prefix != sys.base_prefix:  # inside a virtual environment: sys.prefix is its root
    os.environ.setdefault("PYOMO_CONFIG_DIR", os.path.join(sys.prefix, "pyomo"))
