"""Build ``ceads_provincial_co2_by_sector.csv``: CEADs provincial CO2 by CEADs sector, 2015-2019.

Source: ``shared/data/raw/ceads/provincial/Emission_Inventories_for_30_Provinces_<year>.xlsx``
(CEADs, ceads.net; provenance in ``shared/data/raw/ceads/SOURCES.md``): one sheet per province
(``Beijing2017`` ...), rows = Total Consumption, 45 sectors, Urban, Rural; columns = 17 fuels,
Scope 2 (zero), Other Energy, Process, Scope 1 Total; Mt CO2. Kept: column ``Scope 1 Total``
(= fuels + process) and ``Process`` for every sector row, plus the io42 field of the sector from
``sam/data/ceads_to_io42.csv`` (the SAM's own CEADs map). Check: the 47 rows add up to the
sheet's total row ("Total Consumption"; "Total Emissions" in 2018-19 and Hunan 2017) (printed; stops on a gap > 1e-6 relative, or 1e-6 Mt absolute).
Run: ``.venv/bin/python cge/allocation/provincial/data/build_ceads_sector_co2.py``.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
RAW = ROOT.parent / "shared" / "data" / "raw" / "ceads" / "provincial"
MAP = ROOT / "sam" / "data" / "ceads_to_io42.csv"
YEARS = range(2015, 2020)
OUT = HERE / "ceads_provincial_co2_by_sector.csv"
TOTAL_ROW = ("Total Consumption", "Total Emissions", "TotalEmissions")   # label varies by file (2017 Hunan, 2018-19)


def _province(sheet: str, year: int) -> str:
    """Sheet name ``InnerMongolia2017`` -> province name ``Inner Mongolia``."""
    name = sheet[: -len(str(year))].strip()
    return "Inner Mongolia" if name.replace(" ", "") == "InnerMongolia" else name


def read_year(year: int, sectors: dict[str, str]) -> pd.DataFrame:
    """One year's file: province x CEADs sector, Scope 1 Total and Process (Mt CO2)."""
    path = RAW / f"Emission_Inventories_for_30_Provinces_{year}.xlsx"
    rows = []
    for sheet, df in pd.read_excel(path, sheet_name=None, header=None).items():
        if sheet == "NOTE":
            continue
        prov = _province(sheet, year)
        head = [str(x).strip().replace("_", " ") for x in df.iloc[0]]   # 2018-19 files: Scope_1_Total
        tot_col, proc_col = head.index("Scope 1 Total"), head.index("Process")
        labels = df.iloc[:, 0].astype(str).str.strip().str.replace(r"\s+", " ", regex=True)
        total = float(df.loc[labels.isin(TOTAL_ROW)].iloc[0, tot_col])
        part = df.loc[labels.isin(sectors.keys())]
        if len(part) != len(sectors):
            raise SystemExit(f"{path}: sheet {sheet}: rows not found: {sorted(set(sectors) - set(labels))}")
        got = part.iloc[:, tot_col].astype(float).fillna(0.0)
        if abs(got.sum() - total) > max(1e-6, 1e-6 * abs(total)):
            raise SystemExit(f"{path}: sheet {sheet}: sectors sum {got.sum():.6f} != Total Consumption {total:.6f}")
        for lab, tot, proc in zip(labels[part.index], got, part.iloc[:, proc_col].astype(float).fillna(0.0)):
            rows.append((prov, year, lab, sectors[lab], tot, proc))
    return pd.DataFrame(rows, columns=["province", "year", "ceads_sector", "io42", "co2_mt_scope1", "process_co2_mt"])


def main() -> None:
    """Read every year, check 30 provinces x 47 rows, write the CSV."""
    m = pd.read_csv(MAP, dtype=str)
    sectors = dict(zip(m["ceads_sector"].str.strip().str.replace(r"\s+", " ", regex=True), m["io42"].str.strip()))
    df = pd.concat([read_year(y, sectors) for y in YEARS], ignore_index=True)
    counts = df.groupby(["year"]).size()
    assert (counts == 30 * len(sectors)).all(), counts
    df.to_csv(OUT, index=False, float_format="%.6g")
    tot = df.groupby("year")["co2_mt_scope1"].sum()
    print(f"wrote {OUT.name}: {len(df)} rows; sum of 30 provinces, Mt CO2: {tot.round(1).to_dict()}")


if __name__ == "__main__":
    main()
