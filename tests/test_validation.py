"""Validation corridor (issue 15): the published studies' prices become scenarios; the comparison is exact."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from cge.validation import compare, load_corridor, price_anchors, scenario_text
from sam.errors import InputError


def test_every_usable_row_becomes_a_price_path():
    rows = load_corridor()
    assert len(rows) >= 6                                     # at least six studies' points
    for _, r in rows.iterrows():
        a = price_anchors(r)
        assert min(a) >= 2018 and max(a) == 2060 and all(v > 0 for v in a.values())
        assert int(r["year_of_effect"]) >= min(a)             # the price runs before its effect is read
    zhou = rows[rows["study"].str.startswith("Zhou")]
    assert sorted(price_anchors(r)[2018] for _, r in zhou.iterrows()) == [30.0, 60.0, 90.0]
    assert "[carbon_price]" in scenario_text("v0", rows.iloc[0])


def test_bad_path_names_file_line_and_column(tmp_path):
    src = pd.read_csv(load_corridor.__defaults__[0], dtype=str, keep_default_na=False)
    src.loc[0, "sim_path"] = "2018-30"
    f = tmp_path / "corridor.csv"
    src.to_csv(f, index=False)
    row = load_corridor(f).iloc[0]
    with pytest.raises(InputError, match=r"corridor\.csv: line 2, column sim_path"):
        price_anchors(row, f)


def test_compare_gives_percent_changes_against_the_baseline():
    rows = load_corridor().iloc[:2]
    years = [2019, 2020, 2030]
    scen = ["baseline", "v0", "v1"]
    co2 = np.array([[100.0, 100.0, 100.0], [95.0, 90.0, 80.0], [97.0, 95.0, 90.0]])
    gdp = np.array([[10.0, 10.0, 10.0], [9.99, 9.9, 9.8], [9.995, 9.95, 9.9]])
    ds = xr.Dataset({"co2": (("scenario", "year"), co2), "gdp": (("scenario", "year"), gdp)},
                    coords={"scenario": scen, "year": years})
    t = compare(ds, rows)
    y0 = int(rows.iloc[0]["year_of_effect"])
    k = years.index(y0)
    assert t.loc[0, "co2_pct_model"] == pytest.approx((co2[1, k] / 100 - 1) * 100)
    assert t.loc[1, "gdp_pct_model"] == pytest.approx((gdp[2, years.index(int(rows.iloc[1]["year_of_effect"]))] / 10 - 1) * 100)
    assert t.loc[0, "co2_ratio"] == pytest.approx(t.loc[0, "co2_pct_model"] / rows.iloc[0]["co2_pct"])


def test_price_grid_scenarios_and_table():
    from cge.validation import GRID_START, grid_name, grid_table, grid_text
    assert grid_name(12.5) == "g12p5" and f"{GRID_START} = 100.0" in grid_text(100.0)
    years = [2020, 2030]
    scen = ["baseline", grid_name(50.0), grid_name(100.0)]
    co2 = np.array([[100.0, 100.0], [90.0, 80.0], [85.0, 70.0]])
    gdp = np.array([[10.0, 10.0], [9.99, 9.9], [9.98, 9.8]])
    ds = xr.Dataset({"co2": (("scenario", "year"), co2), "gdp": (("scenario", "year"), gdp)},
                    coords={"scenario": scen, "year": years})
    t = grid_table(ds, prices=[50.0, 100.0], years=[2020, 2025, 2030])     # 2025 not in the results: left out
    assert len(t) == 4 and set(t.year) == {2020, 2030}
    row = t[(t.price_yuan_per_t == 100.0) & (t.year == 2030)].iloc[0]
    assert row.co2_pct == pytest.approx(-30.0) and row.gdp_pct == pytest.approx(-2.0)
