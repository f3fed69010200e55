"""Forest resources by province: 6th National Forest Inventory (1999-2003) snapshot.

Input : raw/csy2009_table11-35_forest_resources_by_region_transcribed.txt (hand transcription of
        China Statistical Yearbook 2009, Table 11-35; see the header of that file)
Output: forest_resources.csv (one row per province, 30 provinces; Tibet and the national total
        dropped).  Xinjiang has forestry-land area only (the stored copy of the page is cut off).
This is a single cross-section, not a panel: later inventories (7th 2004-2008, 8th 2009-2013,
9th 2014-2018) were not found in full in any readable open source.
Check: the 29 complete regions + Tibet already sum to 18,451 > national 17,491 (10^4 ha): provincial
inventory estimates are separate samples and do not add up to the national figure, so no closure
check is possible (values spot-checked line by line against the stored page instead).
"""
from pathlib import Path

import pandas as pd

from _provinces import PROVINCES

HERE = Path(__file__).resolve().parent
SRC = HERE / "raw" / "csy2009_table11-35_forest_resources_by_region_transcribed.txt"
COLS = ["forestry_land_10k_ha", "forest_area_10k_ha", "plantation_forest_area_10k_ha",
        "forest_coverage_pct", "standing_stock_10k_m3", "forest_stock_10k_m3"]


def build() -> pd.DataFrame:
    rows = []
    for line in SRC.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split()
        nums = []
        while parts and parts[-1].replace(".", "", 1).isdigit():
            nums.insert(0, float(parts.pop()))
        name = " ".join(parts)
        rows.append({"province": name, **dict(zip(COLS, nums))})
    d = pd.DataFrame(rows)
    tot = d[d.province == "National Total"].iloc[0]
    regions = d[~d.province.isin(["National Total"])]
    s = regions["forest_area_10k_ha"].sum()  # Xinjiang missing -> expect ~ total - Xinjiang
    print(f"sum of regions' forest area (Xinjiang missing) {s:.2f} vs national "
          f"{tot.forest_area_10k_ha:.2f} (10^4 ha): provincial estimates do not add up")
    out = regions[regions.province.isin(PROVINCES)].copy()
    out.insert(1, "inventory", "6th National Forest Inventory 1999-2003 (CSY 2009 Table 11-35)")
    out.insert(2, "reference_period", "1999-2003")
    assert set(out.province) == set(PROVINCES)
    return out.sort_values("province").reset_index(drop=True)


if __name__ == "__main__":
    out = build()
    out.to_csv(HERE / "forest_resources.csv", index=False)
    print(out.shape)
