"""Baseline drivers from sourced data files in ``scenarios/data/`` (annual, 2017-2060).

Every series is read with its file named in errors; anchor years are interpolated
linearly; the result is a :class:`Drivers` of pandas Series indexed by year.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sam.errors import InputError
from sam.readers import read_csv_checked

DATA_DIR = Path(__file__).resolve().parents[1] / "scenarios" / "data"
TECH_SECTOR = {"coal": "ECOA", "gas": "EGAS", "hydro": "EHYD", "nuclear": "ENUC", "new": "ENEW"}
BASE_YEAR = 2017


@dataclass
class Drivers:
    """Annual baseline paths (index 2017 = 1 unless stated)."""

    gdp: pd.Series            # real GDP index
    co2: pd.Series            # national CO2 target, Mt
    labour: pd.Series         # working-age population index
    gen_twh_share: pd.DataFrame   # year x generation sector: share of generation (TWh basis)
    params: dict[str, object]
    aeei: pd.Series | None = None         # energy-efficiency index of non-energy users (2017 = 1)
    capex: pd.DataFrame | None = None     # year x generation sector: capital cost per GW (2017 = 1)
    plant_delta: pd.Series | None = None  # depreciation rate of generation technologies (1 / lifetime)
    resource_eta: pd.Series | None = None  # supply elasticity of resource-limited capacity (hydro, nuclear)
    energy: pd.DataFrame | None = None    # year x (fen, coal, twh, gas): IEA WEO indices, 2017 = 1
    population: pd.Series | None = None   # total population index, 2017 = 1 (households' subsistence per head)
    process: pd.Series | None = None      # process CO2 index, 2017 = 1 (cement: clinker calcination)

    @property
    def years(self) -> list[int]:
        """Years covered by every series."""
        return [int(y) for y in self.gdp.index]


def _interp(s: pd.Series, years: range) -> pd.Series:
    """Linear interpolation between anchor years; constant beyond the last anchor."""
    x = np.array(s.index, dtype=float)
    return pd.Series(np.interp(np.array(years, dtype=float), x, s.to_numpy(dtype=float)), index=list(years))


def _series(path: Path) -> pd.Series:
    df = read_csv_checked(path, required=["year", "value", "unit", "source"], numeric=["year", "value"])
    if df["year"].duplicated().any():
        i = int(df["year"].duplicated().to_numpy().nonzero()[0][0])
        raise InputError(f"{path}: line {i + 2}, column year: duplicate year {int(df.loc[i, 'year'])}")
    if not df["year"].is_monotonic_increasing:
        raise InputError(f"{path}: column year: years must increase")
    return pd.Series(df["value"].to_numpy(float), index=df["year"].astype(int).to_numpy())


def load_params(path: Path | None = None) -> dict[str, object]:
    """``dynamics.csv``: depreciation, net return, investment elasticity, wage adjustment, expectation weight,
    capital-growth curve (maximum over trend, slope)."""
    path = path or DATA_DIR / "dynamics.csv"
    df = read_csv_checked(path, required=["parameter", "value", "unit", "source"])
    out: dict[str, object] = {}
    for i, r in df.iterrows():
        try:
            out[r["parameter"]] = float(r["value"])
        except ValueError as exc:
            raise InputError(f"{path}: line {i + 2}, column value: {r['value']!r} is not a number") from exc
    need = ["depreciation", "net_return", "invest_elasticity", "wage_adjustment", "expectation_weight",
            "k_growth_max_minus_trend", "k_growth_smurf"]
    miss = [k for k in need if k not in out]
    if miss:
        raise InputError(f"{path}: column parameter: missing {miss}")
    return out


def load_drivers(end: int = 2060, data_dir: Path | None = None) -> Drivers:
    """Read and interpolate every baseline driver for 2017..``end``."""
    d = Path(data_dir) if data_dir else DATA_DIR
    years = range(BASE_YEAR, end + 1)
    g = _series(d / "gdp_growth.csv")
    missing = [y for y in years[1:] if y not in g.index]
    if missing:
        raise InputError(f"{d / 'gdp_growth.csv'}: column year: no growth rate for {missing[:5]}")
    gdp = pd.Series(np.cumprod([1.0] + [1 + g[y] / 100 for y in years[1:]]), index=list(years))
    co2 = _series(d / "co2_baseline.csv")
    if BASE_YEAR not in co2.index:
        raise InputError(f"{d / 'co2_baseline.csv'}: column year: needs the base year {BASE_YEAR}")
    # working age: WDI levels to their last year, then the UN WPP growth rates (levels differ)
    wdi = _series(d / "working_age_population.csv")
    wpp = _interp(_series(d / "working_age_projection.csv"), range(2015, max(end, 2060) + 1))
    last = int(wdi.index.max())
    lab = {y: wdi[y] / wdi[BASE_YEAR] for y in wdi.index if y >= BASE_YEAR}
    for y in range(last + 1, end + 1):
        lab[y] = lab[y - 1] * wpp[y] / wpp[y - 1]
    labour = pd.Series({y: lab[y] for y in years})
    return Drivers(gdp, _interp(co2, years), labour, load_power_mix(d / "power_mix.csv", years), load_params(d / "dynamics.csv"),
                   load_aeei(d / "baseline" / "aeei.csv", years), load_capex(d / "power" / "capex_projection.csv", years),
                   load_lifetimes(d / "power" / "lifetimes_depreciation.csv"), load_eta(d / "power" / "resource_limits.csv"),
                   load_energy_outlook(d / "baseline" / OUTLOOK_FILE, years), load_population(d / "population.csv", years),
                   load_process_path(d / "baseline" / "cement_process_co2.csv", years))


def load_process_path(path: Path, years: range) -> pd.Series:
    """Process CO2 as an index (2017 = 1): China's cement process CO2 (Mt; CEADs process CO2 is clinker
    calcination only), actuals to 2023, then cement output, log-linear between anchor years; after the
    last anchor its last growth rate continues (as :func:`outlook_index`)."""
    s = _series(path)
    if BASE_YEAR not in s.index:
        raise InputError(f"{path}: column year: needs the base year {BASE_YEAR}")
    if (s <= 0).any():
        raise InputError(f"{path}: column value: process CO2 must be positive")
    return outlook_index(s, years)


def load_population(path: Path, years: range) -> pd.Series:
    """Total population as an index (2017 = 1), WDI then UN WPP 2022 medium; constant after its last year."""
    pop = _series(path)
    if BASE_YEAR not in pop.index:
        raise InputError(f"{path}: column year: needs the base year {BASE_YEAR}")
    return _interp(pop / pop[BASE_YEAR], years)


# the baseline's energy outlook: IEA WEO 2021 Stated Policies (today's policies of the paper's vintage, no
# pledges: the carbon-price scenarios are the policies a baseline must leave out).  WEO 2021 is the outlook
# the paper's CO2 row (2021) was written against: its CO2 index, 2019-2050, is within 1 % of the row's in
# 2050, where WEO 2023 STEPS is 19 % lower (scenarios/data/baseline/SOURCES.md).
OUTLOOK_FILE = "weo2021_china.csv"
OUTLOOK_SCENARIO = "Stated Policies Scenario"
OUTLOOK_SERIES = {"fen": ("Total", "Total final consumption", "EJ"),
                  "coal": ("Coal", "Total primary energy demand", "Million tonnes of coal equivalent"),
                  "twh": ("Total", "Electricity generation", "TWh"),
                  "gas": ("Natural gas", "Total primary energy demand", "Billion cubic metres")}   # reported only


def outlook_index(values: pd.Series, years: range) -> pd.Series:
    """Index (2017 = 1) of an outlook series given at anchor years: log-linear between anchors;
    after the last anchor the growth rate of the last projection interval continues (an
    assumption: the outlook ends in 2050)."""
    s = values.sort_index()
    x, lv = np.array(s.index, dtype=float), np.log(s.to_numpy(dtype=float))
    yrs = np.array(list(years), dtype=float)
    out = np.interp(yrs, x, lv)
    rate = (lv[-1] - lv[-2]) / (x[-1] - x[-2])
    out = np.where(yrs > x[-1], lv[-1] + rate * (yrs - x[-1]), out)
    base = np.interp(float(BASE_YEAR), x, lv)
    return pd.Series(np.exp(out - base), index=list(years))


def load_energy_outlook(path: Path, years: range) -> pd.DataFrame:
    """Final energy, coal demand, total generation and gas demand of the IEA outlook as indices (2017 = 1)."""
    df = read_csv_checked(path, required=["scenario", "product", "flow", "unit", "year", "value", "source"],
                          numeric=["year", "value"])
    out = {}
    for key, (prod, flow, unit) in OUTLOOK_SERIES.items():
        sel = df[(df["scenario"] == OUTLOOK_SCENARIO) & (df["product"] == prod) & (df["flow"] == flow) & (df["unit"] == unit)]
        if sel["year"].duplicated().any():
            raise InputError(f"{path}: duplicate year for {OUTLOOK_SCENARIO} {prod} / {flow} ({unit})")
        if len(sel) < 3 or (sel["value"] <= 0).any():
            raise InputError(f"{path}: needs at least three positive years of {OUTLOOK_SCENARIO} {prod} / {flow} ({unit})")
        out[key] = outlook_index(pd.Series(sel["value"].to_numpy(float), index=sel["year"].astype(int).to_numpy()), years)
    return pd.DataFrame(out)


def _rows(path: Path, required: list[str]) -> pd.DataFrame:
    return read_csv_checked(path, required=required + ["source"])


def _number(path: Path, df: pd.DataFrame, mask, what: str) -> float:
    """The single numeric ``value`` of the rows selected by ``mask`` (error names file and row)."""
    sel = df[mask]
    if len(sel) != 1:
        raise InputError(f"{path}: needs exactly one row for {what}, found {len(sel)}")
    try:
        return float(sel["value"].iloc[0])
    except ValueError as exc:
        raise InputError(f"{path}: line {int(sel.index[0]) + 2}, column value: {sel['value'].iloc[0]!r} is not a number") from exc


def load_aeei(path: Path, years: range) -> pd.Series:
    """AEEI index of non-energy activities and households: (1 + rate) ** (year - 2017), rate from
    the ``aeei_recommended`` row (ENVISAGE default, ``scenarios/data/baseline/aeei.csv``)."""
    df = _rows(path, ["scope", "parameter", "value", "unit"])
    rate = _number(path, df, df["parameter"] == "aeei_recommended", "parameter aeei_recommended") / 100
    return pd.Series([(1 + rate) ** (y - BASE_YEAR) for y in years], index=list(years))


CAPEX_MIX = {"ENEW": {"solar_pv": 130.5, "wind_onshore": 163.7}}   # 2017 GW weights (calibration/data/power_2017.csv)


def load_capex(path: Path, years: range) -> pd.DataFrame:
    """Capital cost per GW by generation sector (index, 2017 = 1): the recommended wind and solar
    paths of ``capex_projection.csv`` weighted by 2017 capacity for ENEW; other technologies flat."""
    df = _rows(path, ["technology", "year", "value", "unit"])
    idx = df[df["unit"] == "index"].copy()
    idx["year"] = pd.to_numeric(idx["year"], errors="coerce")
    idx["index"] = pd.to_numeric(idx["index"], errors="coerce")
    out = pd.DataFrame(1.0, index=list(years), columns=list(TECH_SECTOR.values()))
    for sector, mix in CAPEX_MIX.items():
        tot = sum(mix.values())
        path_s = pd.Series(0.0, index=list(years))
        for tech, w in mix.items():
            rows = idx[idx["technology"] == tech].dropna(subset=["year", "index"]).sort_values("year")
            if rows.empty:
                raise InputError(f"{path}: column technology: no index rows for {tech!r}")
            path_s += w / tot * _interp(pd.Series(rows["index"].to_numpy(float), index=rows["year"].astype(int)), years)
        out[sector] = path_s
    return out


LIFETIME_TECH = {"ECOA": "coal", "EGAS": "gas_ccgt", "EHYD": "hydro", "ENUC": "nuclear",
                 "ENEW": ("wind_onshore", "solar_pv")}


def load_lifetimes(path: Path) -> pd.Series:
    """Depreciation of generation capital = 1 / plant lifetime (ENEW: mean of wind and solar)."""
    df = _rows(path, ["asset_or_technology", "parameter", "value", "unit"])
    life = df[df["parameter"] == "plant_lifetime"].set_index("asset_or_technology")["value"].astype(float)
    out = {}
    for sector, tech in LIFETIME_TECH.items():
        techs = tech if isinstance(tech, tuple) else (tech,)
        miss = [t for t in techs if t not in life.index]
        if miss:
            raise InputError(f"{path}: column asset_or_technology: no plant_lifetime row for {miss[0]!r}")
        out[sector] = float(np.mean([1.0 / life[t] for t in techs]))
    return pd.Series(out)


def load_eta(path: Path) -> pd.Series:
    """Elasticity of hydro, nuclear and wind/solar capacity to its expected return relative to the
    baseline (CHEER fixed-factor supply elasticities eta; wind for ENEW, solar has the same value)."""
    df = _rows(path, ["technology", "parameter", "value", "unit"])
    out = {}
    for sector, tech in (("EHYD", "hydro"), ("ENUC", "nuclear")):
        out[sector] = _number(path, df, (df["technology"] == tech) & (df["parameter"] == "fixed_factor_supply_elasticity_eta"),
                              f"{tech} fixed_factor_supply_elasticity_eta")
    return pd.Series(out)


def load_power_mix(path: Path, years: range) -> pd.DataFrame:
    """Generation shares of the five technologies (TWh basis), interpolated; held after the last year."""
    df = read_csv_checked(path, required=["year", "technology", "value", "unit", "source"], numeric=["year", "value"])
    bad = df[~df["technology"].isin(TECH_SECTOR)]
    if len(bad):
        i = int(bad.index[0])
        raise InputError(f"{path}: line {i + 2}, column technology: {bad.iloc[0]['technology']!r} not one of {list(TECH_SECTOR)}")
    dup = df.duplicated(["year", "technology"])
    if dup.any():
        i = int(dup.to_numpy().nonzero()[0][0])
        raise InputError(f"{path}: line {i + 2}, columns year/technology: duplicate row")
    wide = df.pivot(index="year", columns="technology", values="value")
    if wide.isna().any().any():
        y = wide.index[wide.isna().any(axis=1)][0]
        raise InputError(f"{path}: year {int(y)}: every technology needs a value")
    share = wide.div(wide.sum(axis=1), axis=0)              # percent or TWh -> shares of the five
    out = pd.DataFrame({TECH_SECTOR[t]: _interp(share[t], years) for t in share.columns})
    return out[[TECH_SECTOR[t] for t in TECH_SECTOR]]
