"""Total energy consumption and urbanisation rate by province, 1998-2019.

Input : raw/yaoyaoustc_carbonemission-china.csv  (GitHub yaoyaoustc/carbondata, file
        carbonemission-china.csv, commit 9ef43aa8a2b38936623b064378295e6aba77f784, 2022-09-05;
        a compilation of NBS / China Statistical Yearbook / China Energy Statistical Yearbook
        provincial series; no licence or documentation in the repo)
Outputs:
  energy_consumption.csv  province, year, energy_consumption_mtce  (Mt standard coal equivalent;
                          source column Energy_Consumption in 10^4 tce, /100)
  urbanisation.csv        province, year, urbanisation_rate_pct  (source column Urbanization, a
                          share rounded to 2 decimals, x100 -> precision +-0.5 percentage points)
Other columns of the source file (GDP split, population, FAI, freight, ...) are not used here:
GDP and population are already in shared/data/raw/china_provincial.
"""
from pathlib import Path

import pandas as pd

from _provinces import PROVINCES

HERE = Path(__file__).resolve().parent
SRC = HERE / "raw" / "yaoyaoustc_carbonemission-china.csv"


def build():
    d = pd.read_csv(SRC)
    d = d.rename(columns={"Location": "province", "Year": "year"})
    assert set(d["province"]) == set(PROVINCES), set(d["province"]) ^ set(PROVINCES)
    assert not d.duplicated(["province", "year"]).any()
    e = d[["province", "year"]].assign(
        energy_consumption_mtce=d["Energy_Consumption"] / 100.0)
    u = d[["province", "year"]].assign(urbanisation_rate_pct=(d["Urbanization"] * 100).round(1))
    return (e.sort_values(["province", "year"]).reset_index(drop=True),
            u.sort_values(["province", "year"]).reset_index(drop=True))


if __name__ == "__main__":
    e, u = build()
    e.to_csv(HERE / "energy_consumption.csv", index=False, float_format="%.2f")
    u.to_csv(HERE / "urbanisation.csv", index=False)
    print(e[e.year == 2017].set_index("province").energy_consumption_mtce.sum(), "Mtce sum 2017")
    print(len(e), len(u))
