"""Allocation of an emission total among provinces or countries.

* :mod:`.provincial`: the national cap of a CGE scenario shared among China's 30 provinces by
  nine rules (equity family, ZSG-DEA, AMLC, BP network, entropy-gravity-Shapley); CLI ``cge quota``.
* :mod:`.global_rights`: global emission rights by country (Zhou et al. 2024); CLI ``cge rights``.
* shared methods: entropy weights (:mod:`.entropy`), the carbon-reduction gravity model and
  alliances (:mod:`.gravity`), exact and sampled Shapley values (:mod:`.shapley`).

Heavy modules load on first use.
"""
from __future__ import annotations

from .entropy import entropy, entropy_weight_table, entropy_weights, minmax_normalise
from .gravity import alliances_by_max_linkage, distance_matrix_km, gravity_linkage, gravity_mass
from .shapley import (product_game_value, shapley_brute_force, shapley_monte_carlo, shapley_product_game,
                      shapley_product_game_mc, two_stage_shapley)

_LAZY = {"allocate", "allocate_global", "load_indicators", "write_outputs", "rights_table", "alliance_table",
         "budget_scenario_toml", "write_budget_scenario", "national_cap_path"}


_PROVINCIAL = {"run": "provincial.coupling", "RULES": "provincial.rules", "get_rule": "provincial.rules",
               "comparison_table": "provincial.metrics", "gini": "provincial.metrics", "theil": "provincial.metrics",
               "load_panel": "provincial.panel", "PROVINCES": "provincial.panel"}


def __getattr__(name: str):
    """Lazy exports of the global allocation (it imports xarray and the raw-data readers)."""
    if name in _PROVINCIAL:                      # provincial quotas (cge.allocation.provincial.run is the function, not the module)
        import importlib
        value = getattr(importlib.import_module(f".{_PROVINCIAL[name]}", __name__), name)
        globals()[name] = value
        return value
    if name in _LAZY:
        from .global_rights import core
        return getattr(core, name)
    raise AttributeError(name)


__all__ = ["minmax_normalise", "entropy", "entropy_weights", "entropy_weight_table",
           "distance_matrix_km", "gravity_mass", "gravity_linkage", "alliances_by_max_linkage",
           "product_game_value", "shapley_product_game", "shapley_brute_force", "shapley_monte_carlo",
           "shapley_product_game_mc", "two_stage_shapley", *sorted(_LAZY), *sorted(_PROVINCIAL)]
