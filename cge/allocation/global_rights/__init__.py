"""Global carbon emission rights by country (Zhou et al. 2024, iScience 27:109412).

The method lives in :mod:`.core` (:func:`allocate_global`, :func:`write_outputs`, the national
cap scenario); the CLI ``cge rights`` in :mod:`.cli`. The indicator table it reads ships with the
package (``data/``, sources in ``data/SOURCES.md``).
"""
from __future__ import annotations

from .core import (alliance_table, allocate, allocate_global, budget_scenario_toml, load_indicators,
                   national_cap_path, rights_table, write_budget_scenario, write_outputs)

__all__ = ["allocate", "allocate_global", "load_indicators", "write_outputs", "rights_table", "alliance_table",
           "budget_scenario_toml", "write_budget_scenario", "national_cap_path"]
