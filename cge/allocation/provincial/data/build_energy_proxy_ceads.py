"""PROXY: fossil-fuel combustion energy by province and fuel, back-calculated from CEADs CO2.

This is NOT an official energy statistic.  Official provincial energy use by fuel (China Energy
Statistical Yearbook, provincial energy balances) was not found in any open machine-readable
source; the reported provincial *total* energy consumption is in energy_consumption.csv.
Here each CEADs fuel column ("Total Consumption" row, Mt CO2, 1997-2019) is divided by the
IPCC 2006 default CO2 emission factor of the matching fuel (kg CO2/TJ, net calorific basis,
shared/data/raw/emission_factors/ipcc2006_stationary_combustion_default_EF_kg_per_TJ.csv):

    E_f [PJ] = CO2_f [Mt] * 1e9 / EF_f [kg/TJ] / 1e3

and aggregated to coal / oil / gas.  Mtce = PJ / 29.3076.
Caveats: CEADs used China-specific NCVs and emission factors (Shan et al. 2018, Table 3, not
available machine-readable), so E_f inherits the ratio (CEADs EF / IPCC EF); CEADs "Other Gas"
mixes coke-oven, blast-furnace and converter gas, mapped here to Gas Works Gas (44,400 kg/TJ);
process (cement) CO2 and non-fossil energy (hydro, nuclear, wind, solar, net power imports)
are not included.

Inputs : shared/data/raw/ceads/provincial/*.xlsx ; shared/data/raw/emission_factors/...csv
Output : energy_proxy_ceads_by_fuel.csv  (long: province, year, fuel_group, ceads_fuel, co2_mt,
         ipcc_ef_kg_per_tj, energy_pj_proxy) and energy_proxy_ceads_totals.csv (wide: coal/oil/
         gas/total in PJ and Mtce per province-year)
"""
from pathlib import Path

import pandas as pd

from _provinces import PROVINCES

HERE = Path(__file__).resolve().parent
SHARED = Path(__file__).resolve().parents[5] / "shared" / "data" / "raw"
if not SHARED.exists():  # /work/main/cge/allocation/provincial/data -> /work/shared
    SHARED = Path("/work/shared/data/raw")
CEADS = SHARED / "ceads" / "provincial"
EF_CSV = SHARED / "emission_factors" / "ipcc2006_stationary_combustion_default_EF_kg_per_TJ.csv"
GJ_PER_TCE = 29.3076

# CEADs fuel -> (IPCC 2006 fuel name, group)
FUEL_MAP = {
    "Raw Coal": ("Other Bituminous Coal", "coal"),
    "Cleaned Coal": ("Other Bituminous Coal", "coal"),
    "Other Washed Coal": ("Other Bituminous Coal", "coal"),
    "Briquettes": ("Patent Fuel", "coal"),
    "Coke": ("Coke Oven Coke and Lignite Coke", "coal"),
    "Coke Oven Gas": ("Coke Oven Gas", "coal"),
    "Other Gas": ("Gas Works Gas", "coal"),
    "Other Coking Products": ("Coal Tar", "coal"),
    "Crude Oil": ("Crude Oil", "oil"),
    "Gasoline": ("Motor Gasoline", "oil"),
    "Kerosene": ("Jet Kerosene", "oil"),
    "Diesel Oil": ("Diesel Oil", "oil"),
    "Fuel Oil": ("Residual Fuel Oil", "oil"),
    "LPG": ("Liquefied Petroleum Gases", "oil"),
    "Refinery Gas": ("Refinery Gas", "oil"),
    "Other Petroleum Products": ("Other Petroleum Products", "oil"),
    "Natural Gas": ("Natural Gas", "gas"),
}
SHEET_FIX = {"InnerMongolia": "Inner Mongolia"}


def _norm(s) -> str:
    """Header spellings vary by vintage ("Raw Coal", "Raw_Coal", "CleanedCoal")."""
    return str(s).replace(" ", "").replace("_", "").lower()


NORM = {_norm(k): k for k in FUEL_MAP}


def ipcc_ef() -> dict:
    d = pd.read_csv(EF_CSV)
    d = d[(d["Gas"] == "CARBON DIOXIDE")
          & d["IPCC 2006 Source/Sink Category"].str.startswith("1.A.1")]
    return dict(zip(d["Fuel 2006"], d["Value"].astype(float)))


def read_year(path: Path, year: int) -> list[dict]:
    rows = []
    book = pd.read_excel(path, sheet_name=None, header=None)
    for sheet, df in book.items():
        if sheet.upper() == "NOTE":
            continue
        name = sheet[: -len(str(year))] if sheet.endswith(str(year)) else sheet
        prov = SHEET_FIX.get(name, name)
        header = [NORM.get(_norm(c), str(c)) for c in df.iloc[0].tolist()]
        label = df.iloc[:, 0].astype(str).str.replace(" ", "").str.lower()
        # "Total Consumption" / "Total Emissions" / "TotalEmissions" depending on the vintage
        tot = df[label.str.startswith("total")].iloc[0]
        found = [f for f in header if f in FUEL_MAP]
        assert len(found) == len(FUEL_MAP), (path.name, sheet, header)
        for j, fuel in enumerate(header):
            if fuel in FUEL_MAP:
                rows.append({"province": prov, "year": year, "ceads_fuel": fuel,
                             "co2_mt": float(tot.iloc[j] or 0.0)})
    return rows


def build():
    ef = ipcc_ef()
    rows = []
    for p in sorted(CEADS.glob("*.xlsx")):
        year = int(p.stem[-4:])
        rows += read_year(p, year)
    d = pd.DataFrame(rows)
    assert set(d["province"]) == set(PROVINCES), set(d["province"]) ^ set(PROVINCES)
    d["fuel_group"] = d["ceads_fuel"].map(lambda f: FUEL_MAP[f][1])
    d["ipcc_fuel"] = d["ceads_fuel"].map(lambda f: FUEL_MAP[f][0])
    d["ipcc_ef_kg_per_tj"] = d["ipcc_fuel"].map(ef)
    assert d["ipcc_ef_kg_per_tj"].notna().all()
    d["energy_pj_proxy"] = d["co2_mt"] * 1e9 / d["ipcc_ef_kg_per_tj"] / 1e3
    d = d.sort_values(["province", "year", "fuel_group", "ceads_fuel"]).reset_index(drop=True)
    w = d.pivot_table(index=["province", "year"], columns="fuel_group",
                      values="energy_pj_proxy", aggfunc="sum").reset_index()
    w["total"] = w[["coal", "oil", "gas"]].sum(axis=1)
    # CEADs has no fuel detail (all fuel cells 0, only process CO2) for Hainan 2002 and
    # Ningxia 2000-2002 (no provincial energy balance published): not a real zero -> NaN
    w.loc[w["total"] <= 0, ["coal", "oil", "gas", "total"]] = float("nan")
    out = w[["province", "year"]].copy()
    for g in ["coal", "oil", "gas", "total"]:
        out[f"fossil_energy_{g}_pj_proxy"] = w[g]
    for g in ["coal", "oil", "gas", "total"]:
        out[f"fossil_energy_{g}_mtce_proxy"] = w[g] / GJ_PER_TCE
    return d, out


if __name__ == "__main__":
    d, out = build()
    cols = ["province", "year", "fuel_group", "ceads_fuel", "ipcc_fuel", "co2_mt",
            "ipcc_ef_kg_per_tj", "energy_pj_proxy"]
    d[cols].to_csv(HERE / "energy_proxy_ceads_by_fuel.csv", index=False, float_format="%.5f")
    out.to_csv(HERE / "energy_proxy_ceads_totals.csv", index=False, float_format="%.3f")
    print(out[out.year == 2017][[c for c in out if c.endswith("mtce_proxy")]].sum())
