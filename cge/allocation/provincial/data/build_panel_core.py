"""Build ``panel_core.csv``: population, CEADs CO2 and power generation by province and year,
copied from the shared provincial panel so that the quota module runs without ../shared.

Source: ``shared/data/raw/china_provincial/derived/province_panel_1997_2024.csv`` (see its
SOURCES.md: NBS via Wind/CREA for population and generation, CEADs for CO2). Rows 1997-2019
(the CEADs years). Population: the yearbook vintage (2000-2019), census-revised where the
yearbook has no value. Run: ``.venv/bin/python cge/allocation/provincial/data/build_panel_core.py``.
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
RAW = Path(os.environ.get("CGE_RAW_DIR", HERE.parents[4] / "shared" / "data" / "raw"))
SRC = RAW / "china_provincial" / "derived" / "province_panel_1997_2024.csv"


def main() -> None:
    p = pd.read_csv(SRC)
    p = p[(p.year >= 1997) & (p.year <= 2019)]
    pop = p["pop_10k_persons_yearbook"].fillna(p["pop_10k_persons_census_revised"])
    out = pd.DataFrame({
        "province": p["province"], "year": p["year"], "population_10k": pop,
        "co2_mt": p["co2_ceads_mt"],
        "gen_thermal_twh": p["gen_thermal_twh"], "gen_hydro_twh": p["gen_hydro_twh"],
        "gen_nuclear_twh": p["gen_nuclear_twh"], "gen_wind_twh": p["gen_wind_twh"], "gen_solar_twh": p["gen_solar_twh"],
    }).sort_values(["province", "year"])
    out.to_csv(HERE / "panel_core.csv", index=False, float_format="%.6f")


if __name__ == "__main__":
    main()
