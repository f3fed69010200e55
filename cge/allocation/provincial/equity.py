"""Equity-based provincial quotas: equal per capita, grandfathering, ability to pay,
cumulative historical responsibility, and a weighted mix of these.

Each is ``f(cap, year, data, **options) -> xr.DataArray`` (Mt CO2 by province, sums to ``cap``).
Indicators come from the provincial panel (``data``) in the latest year <= ``year`` with data for
all 30 provinces (population and CO2 end in 2019, so a CGE year such as 2030 uses 2019);
the year used is in the attrs (``indicator_year``).

Assumptions (labelled): ability to pay and historical responsibility are *per-capita* rules,
quota_i proportional to population_i x indicator_i^-alpha, with indicator = GDP per capita
(current prices) or cumulative CO2 per capita since ``start_year``; alpha = 1 by default
(``alpha`` option). This keeps a province's size in its share (a rule on the indicator alone
would give Ningxia as much as Guangdong).
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from sam.errors import InputError

from .rules import check_cap, latest_year, shares_to_quota

NOTE_YEAR = "indicators from the latest panel year <= the requested year with data for all 30 provinces"
EQUITY = ("equal_per_capita", "grandfathering", "ability_to_pay", "historical_responsibility")


def equal_per_capita(cap: float, year: int, data: xr.Dataset, **options) -> xr.DataArray:
    """Quota proportional to population (same tonnes per person everywhere)."""
    cap = check_cap(cap)
    y = latest_year(data, ["population"], year)
    pop = data.population.sel(year=y).values
    return shares_to_quota(pop, cap, data, "equal_per_capita", indicator_year=y, note=NOTE_YEAR,
                           rule="quota_i = cap x population_i / sum population")


def grandfathering(cap: float, year: int, data: xr.Dataset, *, base_year: int | None = None, **options) -> xr.DataArray:
    """Quota proportional to CEADs CO2 in ``base_year`` (default: latest year <= ``year`` with data)."""
    cap = check_cap(cap)
    y = latest_year(data, ["co2"], year if base_year is None else int(base_year))
    if base_year is not None and y != int(base_year):
        raise InputError(f"grandfathering: base_year {base_year} has no CO2 for all 30 provinces (panel CO2 1997-2019)")
    return shares_to_quota(data.co2.sel(year=y).values, cap, data, "grandfathering", base_year=y, indicator_year=y,
                           note=NOTE_YEAR, rule="quota_i = cap x CO2_i(base_year) / sum CO2(base_year)")


def ability_to_pay(cap: float, year: int, data: xr.Dataset, *, alpha: float = 1.0, **options) -> xr.DataArray:
    """Per-capita quota inversely proportional to GDP per capita (richer provinces get less per person)."""
    cap = check_cap(cap)
    y = latest_year(data, ["population", "gdp"], year)
    pop, gdp = data.population.sel(year=y).values, data.gdp.sel(year=y).values
    gdppc = gdp / pop                                  # billion yuan / 10k persons (only ratios matter)
    return shares_to_quota(pop * gdppc ** (-float(alpha)), cap, data, "ability_to_pay", indicator_year=y, alpha=float(alpha),
                           note=NOTE_YEAR + "; GDP at current prices",
                           rule="quota_i proportional to population_i x (GDP_i/population_i)^-alpha [assumption: per-capita rule]")


def historical_responsibility(cap: float, year: int, data: xr.Dataset, *, start_year: int = 1997, alpha: float = 1.0,
                              **options) -> xr.DataArray:
    """Per-capita quota inversely proportional to cumulative CO2 per capita since ``start_year``."""
    cap = check_cap(cap)
    y = latest_year(data, ["population", "co2"], year)
    if not int(data.year.min()) <= int(start_year) <= y:
        raise InputError(f"historical_responsibility: start_year {start_year} outside {int(data.year.min())}-{y}")
    co2 = data.co2.sel(year=slice(int(start_year), y))
    gaps = [str(p) for p in data.province.values[co2.isnull().any("year").values]]
    if gaps:
        raise InputError(f"historical_responsibility: CO2 missing in {start_year}-{y} for {gaps}")
    cum = co2.sum("year").values                       # Mt CO2
    pop = data.population.sel(year=y).values
    return shares_to_quota(pop * (cum / pop) ** (-float(alpha)), cap, data, "historical_responsibility",
                           indicator_year=y, start_year=int(start_year), alpha=float(alpha), note=NOTE_YEAR,
                           rule="quota_i proportional to population_i x (cumulative CO2_i / population_i)^-alpha "
                                "[assumption: per-capita rule; population of the last year]")


def equity_mix(cap: float, year: int, data: xr.Dataset, *, weights: dict[str, float] | None = None,
               **options) -> xr.DataArray:
    """Weighted mean of the four equity rules (default: equal weights); other options go to each rule."""
    cap = check_cap(cap)
    w = dict.fromkeys(EQUITY, 0.25) if weights is None else {k: float(v) for k, v in weights.items()}
    bad = [k for k in w if k not in EQUITY]
    if bad or any(v < 0 for v in w.values()) or sum(w.values()) <= 0:
        raise InputError(f"equity_mix: weights {w}: keys must be among {list(EQUITY)}, values >= 0, not all zero")
    rules = {"equal_per_capita": equal_per_capita, "grandfathering": grandfathering,
             "ability_to_pay": ability_to_pay, "historical_responsibility": historical_responsibility}
    total = sum(w.values())
    mix = sum((v / total) * rules[k](cap, year, data, **options).values for k, v in w.items() if v > 0)
    return shares_to_quota(mix, cap, data, "equity_mix", mix_weights=str(w), note=NOTE_YEAR,
                           rule="quota = sum_k weight_k x quota_k / sum weights")
