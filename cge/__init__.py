"""cge: an open recursive-dynamic CGE carbon-price simulator for China."""
from . import _env  # noqa: F401  (must come first: sets PYOMO_CONFIG_DIR before Pyomo is imported)

__version__ = "0.2.0"

# public API exported below (imports are light; Pyomo loads on first use of Model)


def __getattr__(name: str):
    """Lazy exports so that ``cge --help`` does not import Pyomo."""
    if name in ("Model", "Solution"):
        from . import api
        return getattr(api, name)
    if name in ("load_closure", "Closure"):
        from .model import closure
        return getattr(closure, name)
    if name == "run":
        from .runner import run
        return run
    if name in ("load_scenario", "Scenario"):
        from . import scenarios
        return getattr(scenarios, name)
    if name in ("to_iamc", "iamc_frame", "write_iamc"):
        from . import iamc
        return getattr(iamc, name)
    if name == "export":
        from .export import export
        return export
    if name == "SolveError":
        from .solve import SolveError
        return SolveError
    raise AttributeError(name)


__all__ = ["Model", "Solution", "load_closure", "Closure", "SolveError", "run", "load_scenario", "Scenario",
           "to_iamc", "iamc_frame", "write_iamc", "export", "__version__"]
