"""cge: an open recursive-dynamic CGE carbon-price simulator for China."""
from . import _env  # noqa: F401  (must come first: sets PYOMO_CONFIG_DIR before Pyomo is imported)

__version__ = "0.1.0"

# public API exported below
