"""Provincial CO2 quotas: the national cap of a CGE scenario shared among China's 30 provinces.

:func:`run` applies every allocation rule of the registry :data:`RULES` (equity family,
ZSG-DEA, AMLC, BP network, entropy-gravity-Shapley) to one scenario and year of
``results.nc`` and returns quotas, surplus and trade value by ``rule`` x ``province``.
CLI: ``cge quota``. Heavy modules load on first use.
"""
from __future__ import annotations

import importlib

_LAZY = {"run": "coupling", "write_outputs": "coupling", "RULES": "rules", "get_rule": "rules",
         "resolve_rules": "rules", "comparison_table": "metrics", "load_panel": "panel", "PROVINCES": "panel"}


def __getattr__(name: str):
    """Lazy exports (xarray, scikit-learn and SciPy load on first use)."""
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(name)


__all__ = sorted(_LAZY)
