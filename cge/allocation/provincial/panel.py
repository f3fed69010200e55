"""The provincial panel for the quota methods: 30 provinces (CEADs set, no Tibet) x years.

``load_panel()`` returns an ``xarray.Dataset`` with dimensions ``province`` (the 30 names of
``PROVINCES``, in that order) and ``year``, built from the files under
``cge/allocation/provincial/data/`` (each with its source in ``SOURCES.md`` there). Variables:

=====================  ===========================================  ======================
variable               meaning                                      units
=====================  ===========================================  ======================
population             year-end resident population (yearbook)      10k persons
gdp                    gross regional product, current prices       billion yuan
primary_share ...      primary / secondary / tertiary / industry    % of GDP
co2                    CEADs scope-1 CO2 (1997-2019)                Mt CO2
capital                real capital stock (Zhang et al. 2004 PIM)   billion yuan, 2017 prices
labour                 labour force PROXY (population x national    10k persons
                       labour-force ratio; see SOURCES.md)
energy                 total energy consumption (NBS)               Mt standard coal (Mtce)
urbanisation           urbanisation rate                            %
gen_<source>           power generation, above-scale plants         TWh
=====================  ===========================================  ======================

plus ``forest_area`` (10k ha) and ``forest_coverage`` (%) by province only (one inventory,
1999-2003), the capitals' ``lat``/``lon``/``capital_city`` as coordinates, and ``distance_km`` (province x
province_to). A file that misses a province raises :class:`InputError` naming file and province.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from sam.errors import InputError

from .data._provinces import PROVINCES

DATA = Path(__file__).resolve().parent / "data"

# file -> {column: (variable, units, long_name)}
YEARLY = {
    "panel_core.csv": {
        "population_10k": ("population", "10k persons", "year-end resident population (yearbook vintage)"),
        "co2_mt": ("co2", "Mt CO2", "CEADs scope-1 CO2 emissions"),
        "gen_thermal_twh": ("gen_thermal", "TWh", "thermal power generation"),
        "gen_hydro_twh": ("gen_hydro", "TWh", "hydro power generation"),
        "gen_nuclear_twh": ("gen_nuclear", "TWh", "nuclear power generation"),
        "gen_wind_twh": ("gen_wind", "TWh", "wind power generation"),
        "gen_solar_twh": ("gen_solar", "TWh", "solar power generation"),
    },
    "industrial_structure.csv": {
        "gdp_bn_yuan_current": ("gdp", "billion yuan, current prices", "gross regional product"),
        "primary_share_pct": ("primary_share", "% of GDP", "primary sector share"),
        "secondary_share_pct": ("secondary_share", "% of GDP", "secondary sector share"),
        "tertiary_share_pct": ("tertiary_share", "% of GDP", "tertiary sector share"),
        "industry_share_pct": ("industry_share", "% of GDP", "industry share"),
    },
    "capital_stock.csv": {
        "capital_stock_bn_yuan_2017": ("capital", "billion yuan, 2017 prices", "real capital stock (perpetual inventory)"),
    },
    "labour_force_proxy.csv": {
        "labour_force_proxy_10k_persons_yearbook_pop": ("labour", "10k persons", "labour force PROXY: population x national labour-force ratio"),
    },
    "energy_consumption.csv": {
        "energy_consumption_mtce": ("energy", "Mtce", "total energy consumption"),
    },
    "urbanisation.csv": {
        "urbanisation_rate_pct": ("urbanisation", "%", "urbanisation rate"),
    },
}


def _read(name: str, key: list[str], province_col: str = "province") -> pd.DataFrame:
    """A data file, checked: it exists, has the ``key`` columns and every one of the 30 provinces
    (in ``province_col``, returned as ``province``)."""
    path = DATA / name
    if not path.exists():
        raise InputError(f"{path}: file not found (see {DATA / 'SOURCES.md'})")
    df = pd.read_csv(path).rename(columns={province_col: "province"})
    key = ["province" if c == province_col else c for c in key]
    missing = [c for c in key if c not in df.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {missing}")
    unknown = sorted(set(df["province"]) - set(PROVINCES))
    if unknown:
        raise InputError(f"{path}: unknown province(s) {unknown}")
    absent = [p for p in PROVINCES if p not in set(df["province"])]
    if absent:
        raise InputError(f"{path}: province(s) missing: {absent}")
    return df


@lru_cache(maxsize=2)
def load_panel() -> xr.Dataset:
    """Every provincial indicator as one Dataset (province x year), with units; see the module docstring."""
    parts = []
    for name, cols in YEARLY.items():
        df = _read(name, ["province", "year", *cols])
        df = df[["province", "year", *cols]].set_index(["province", "year"])
        ds = xr.Dataset.from_dataframe(df).rename({c: v[0] for c, v in cols.items()})
        for c, (v, units, long) in cols.items():
            ds[v] = ds[v].astype(float)
            ds[v].attrs = {"units": units, "long_name": long, "source_file": f"cge/allocation/provincial/data/{name}"}
        parts.append(ds)
    ds = xr.merge(parts, join="outer").reindex(province=PROVINCES)
    ds = ds.sel(year=slice(1997, None))
    forest = _read("forest_resources.csv", ["province", "forest_area_10k_ha", "forest_coverage_pct"]).set_index("province")
    ds["forest_area"] = ("province", forest["forest_area_10k_ha"].reindex(PROVINCES).to_numpy(dtype=float),
                         {"units": "10k ha", "long_name": "forest area, 6th national forest inventory 1999-2003"})
    ds["forest_coverage"] = ("province", forest["forest_coverage_pct"].reindex(PROVINCES).to_numpy(dtype=float),
                             {"units": "%", "long_name": "forest coverage, 6th national forest inventory 1999-2003"})
    cap = _read("capitals.csv", ["province", "lat", "lon", "capital"]).set_index("province").reindex(PROVINCES)
    ds = ds.assign_coords(lat=("province", cap["lat"].to_numpy(dtype=float)), lon=("province", cap["lon"].to_numpy(dtype=float)),
                          capital_city=("province", cap["capital"].astype(str).to_numpy()))
    d = _read("capital_distances_km.csv", ["province_from", "province_to", "distance_km"], province_col="province_from")
    mat = d.pivot(index="province", columns="province_to", values="distance_km").reindex(index=PROVINCES, columns=PROVINCES)
    ds["distance_km"] = (("province", "province_to"), mat.to_numpy(dtype=float),
                         {"units": "km", "long_name": "great-circle distance between provincial capitals"})
    ds = ds.assign_coords(province_to=PROVINCES)
    ds.attrs = {"title": "provincial panel for the quota methods (30 provinces, no Tibet)",
                "sources": "cge/allocation/provincial/data/SOURCES.md"}
    return ds


def forest_area_filled(data: xr.Dataset) -> tuple[np.ndarray, str]:
    """Forest area (10k ha) with Xinjiang's gap filled by a labelled PROXY from its forestry land."""
    area = np.asarray(data["forest_area"].values, dtype=float).copy()
    gaps = [p for p, a in zip(PROVINCES, area) if not np.isfinite(a)]
    if not gaps:
        return area, ""
    fr = pd.read_csv(DATA / "forest_resources.csv").set_index("province").reindex(PROVINCES)
    land, known = fr["forestry_land_10k_ha"].to_numpy(float), fr["forest_area_10k_ha"].to_numpy(float)
    ok = np.isfinite(land) & np.isfinite(known) & (land > 0)
    ratio = float(np.median(known[ok] / land[ok]))
    for p in gaps:
        i = PROVINCES.index(p)
        if not np.isfinite(land[i]):
            raise InputError(f"forest_resources.csv: {p} has neither forest area nor forestry land")
        area[i] = land[i] * ratio
    return area, (f"PROXY forest area for {gaps}: forestry land x median forest/forestry-land ratio "
                  f"of the other provinces ({ratio:.3f}), 6th inventory 1999-2003 (forest_resources.csv)")
