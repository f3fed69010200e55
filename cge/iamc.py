"""Export to the IAMC format (model, scenario, region, variable, unit, one column per year), the
format of pyam, the IPCC AR6 scenario database and most integrated-assessment models.

Variable names follow the IAMC common definitions (github.com/IAMconsortium/common-definitions,
``definitions/variable/``) where they exist; the mapping is data: ``cge/data/iamc_variables.csv``
(cge variable -> IAMC variable, unit, factor) and ``cge/data/iamc_sectors.csv`` (the 65 SAM sectors
and households -> IAMC emission categories). Money stays in yuan at 2017 prices (``CNY2017``).

:func:`iamc_frame` needs only pandas; :func:`to_iamc` returns a ``pyam.IamDataFrame`` when
pyam-iamc is installed (it is not a dependency: pyam-iamc 3.x needs pandas < 3, 4.x matplotlib < 3.11).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from sam.errors import InputError

DATA = Path(__file__).resolve().parent / "data"
IAMC_INDEX = ["model", "scenario", "region", "variable", "unit"]
MODEL = "cge China CGE"


@lru_cache(maxsize=1)
def variable_map() -> pd.DataFrame:
    """cge variable -> IAMC variable, unit, factor, how (``cge/data/iamc_variables.csv``)."""
    return pd.read_csv(DATA / "iamc_variables.csv", dtype={"factor": float}, keep_default_na=False)


@lru_cache(maxsize=1)
def sector_map() -> pd.Series:
    """SAM sector code (and ``households``) -> IAMC emission category (``cge/data/iamc_sectors.csv``)."""
    return pd.read_csv(DATA / "iamc_sectors.csv", dtype=str).set_index("code").iamc_category


@lru_cache(maxsize=1)
def generation_2017_twh() -> pd.Series:
    """2017 gross generation by technology, TWh (``sam/data/splits/io24.csv``, OWID/BP/Ember)."""
    from .paths import sam_data_dir
    s = pd.read_csv(sam_data_dir() / "splits" / "io24.csv")
    s = s[(s["item"] == "generation") & (s["unit"] == "TWh")]
    return s.set_index("child").value.astype(float)


def _rows(ds: xr.Dataset, row: pd.Series) -> list[tuple[str, str, xr.DataArray]]:
    """(variable, unit, values by scenario x year) for one line of the variable map."""
    v, how = row.cge_variable, row.how
    if v not in ds:
        return []
    da = ds[v]
    if how == "national":
        return [(row.iamc_variable, row.iamc_unit, da * row.factor)]
    if how == "by_category":
        cats = sector_map().reindex([str(s) for s in da.sector.values])
        if cats.isna().any():
            raise InputError(f"cge/data/iamc_sectors.csv: no IAMC category for {list(cats.index[cats.isna()])}")
        summed = (da * row.factor).groupby(xr.DataArray(cats.to_numpy(str), dims="sector", name="category")).sum()
        out = []
        for c in summed.category.values:
            part = summed.sel(category=c, drop=True)
            if c == sector_map().get("households") and "co2_household" in ds:
                part = part + ds.co2_household
            out.append((row.iamc_variable.format(category=c), row.iamc_unit, part))
        return out
    if how.startswith("generation:"):
        techs = how.split(":", 1)[1].split()
        base = generation_2017_twh()
        out_real = da.sel(sector=techs)
        index = out_real / out_real.sel(year=int(ds.year.min()))
        twh = (index * xr.DataArray(base.reindex(techs).to_numpy(), dims="sector", coords={"sector": techs})).sum("sector")
        return [(row.iamc_variable, row.iamc_unit, twh * row.factor)]
    return []                                   # add_to_category: handled in by_category


def iamc_frame(ds: xr.Dataset, model: str = MODEL, region: str = "China") -> pd.DataFrame:
    """results.nc as an IAMC table: index model, scenario, region, variable, unit; one column per year."""
    if "scenario" not in ds.dims or "year" not in ds.dims:
        raise InputError("iamc_frame: needs the results.nc Dataset (dimensions scenario and year)")
    frames = []
    for _, row in variable_map().iterrows():
        for var, unit, da in _rows(ds, row):
            df = da.transpose("scenario", "year").to_pandas()
            df.index = pd.MultiIndex.from_tuples([(model, str(s), region, var, unit) for s in df.index], names=IAMC_INDEX)
            frames.append(df)
    out = pd.concat(frames) + 0.0                  # + 0.0: no negative zeros
    out.columns = [int(y) for y in out.columns]
    return out.sort_index()


def to_iamc(ds: xr.Dataset, model: str = MODEL, region: str = "China"):
    """results.nc as a ``pyam.IamDataFrame`` (needs pyam-iamc; :func:`iamc_frame` does not)."""
    try:
        import pyam
    except ImportError as exc:
        raise ImportError("to_iamc needs pyam-iamc (pip install pyam-iamc in an environment with pandas < 3); "
                          "cge.iamc.iamc_frame gives the same table as a pandas DataFrame") from exc
    return pyam.IamDataFrame(iamc_frame(ds, model, region).reset_index())


def quota_frame(ds: xr.Dataset, model: str = "cge allocation") -> pd.DataFrame:
    """Provincial quotas (output of ``cge quota``) as an IAMC table: one scenario per rule
    (``<scenario>|<rule>``), regions ``China|<province>``, the quota year as the only year."""
    year, scen = int(ds.attrs["year"]), str(ds.attrs["scenario"])
    spec = {"quota": ("Emissions|CO2|Allowance Allocation", "Mt CO2/yr"),
            "projected": ("Emissions|CO2", "Mt CO2/yr"),
            "surplus": ("Emissions|CO2|Allowance Surplus", "Mt CO2/yr"),
            "trade_value": ("Trade|Emissions Allowances|Value", "billion CNY2017/yr")}
    rows = []
    for v, (name, unit) in spec.items():
        for rule in ds.rule.values:
            for prov, val in zip(ds.province.values, ds[v].sel(rule=rule).values):
                rows.append((model, f"{scen}|{rule}", f"China|{prov}", name, unit, float(val)))
    df = pd.DataFrame(rows, columns=[*IAMC_INDEX, year])
    return df.set_index(IAMC_INDEX).sort_index()


def rights_frame(ds: xr.Dataset, model: str = "cge allocation") -> pd.DataFrame:
    """Global emission rights (output of ``cge rights``) as an IAMC table: regions are country
    names, variables the share of global rights and its equity/efficiency/ecology parts (%)."""
    year = int(ds.attrs["year"])
    names = [str(n) for n in (ds.country_name.values if "country_name" in ds else ds.country.values)]
    parts = {"Emissions|CO2|Rights Share": ds.share.values}
    if "contribution" in ds:
        for p in ds.principle.values:
            parts[f"Emissions|CO2|Rights Share|{str(p).capitalize()}"] = ds.contribution.sel(principle=p).values
    rows = [(model, "Zhou et al. 2024 rights", region, name, "%", 100 * float(val))
            for name, values in parts.items() for region, val in zip(names, values)]
    df = pd.DataFrame(rows, columns=[*IAMC_INDEX, year])
    return df.set_index(IAMC_INDEX).sort_index()


def write_iamc(df: pd.DataFrame, path: str | Path) -> Path:
    """Write an IAMC table as ``.xlsx`` (sheet ``data``, as pyam reads it) or ``.csv``."""
    from .runner import _atomic
    path = Path(path)
    flat = df.reset_index()
    flat.columns = [str(c) for c in flat.columns]
    if path.suffix == ".xlsx":
        def xlsx(tmp: str) -> None:
            with open(tmp, "wb") as fh:              # a handle: the temporary name has no .xlsx suffix
                flat.to_excel(fh, sheet_name="data", index=False, engine="openpyxl")
        _atomic(path, xlsx)
    elif path.suffix == ".csv":
        _atomic(path, lambda tmp: flat.to_csv(tmp, index=False))
    else:
        raise InputError(f"{path}: IAMC output must end in .xlsx or .csv")
    return path


def check_iamc(df: pd.DataFrame) -> None:
    """The checks pyam makes on read: the five index columns, integer years, no NaN or duplicate rows."""
    flat = df.reset_index() if df.index.names != [None] else df
    missing = [c for c in IAMC_INDEX if c not in flat.columns]
    if missing:
        raise InputError(f"IAMC table: missing column(s) {missing}")
    years = [c for c in flat.columns if c not in IAMC_INDEX]
    if not years or not all(str(y).isdigit() for y in years):
        raise InputError(f"IAMC table: year columns must be integers, got {years[:5]}")
    if flat.duplicated(IAMC_INDEX).any():
        raise InputError("IAMC table: duplicate rows")
    if not np.isfinite(flat[years].to_numpy(float)).all():
        raise InputError("IAMC table: non-finite values")
