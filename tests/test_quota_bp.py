"""BP-network provincial quotas: sums, seeds, feature weights, leave-one-pilot-out backtest, errors."""
from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import cge  # noqa: F401
from cge.allocation.provincial import bp
from cge.allocation.provincial.panel import PROVINCES, load_panel
from sam.errors import InputError


@pytest.fixture(scope="module")
def panel() -> xr.Dataset:
    return load_panel()


def test_training_set_uses_documented_caps_only(panel):
    caps = bp.pilot_caps()
    assert caps["cap_mt"].notna().all() and len(caps) >= 10
    x, y, rows = bp.training_set(panel, caps)
    assert x.shape == (len(caps), len(bp.FEATURES))
    assert ((x >= 0) & (x <= 1)).all()                   # min-max normalised over the provinces of the year
    assert np.isfinite(y).all() and (y > 0).all()


def test_allocate_sums_to_cap_non_negative_and_seeded(panel):
    q1 = bp.allocate(8000.0, 2030, panel, seed=4, price=200.0)
    q2 = bp.allocate(8000.0, 2030, panel, seed=4, scenario=None, something_else=1)
    assert list(q1.province.values) == PROVINCES
    assert abs(float(q1.sum()) - 8000.0) <= 1e-9 * 8000.0
    assert (q1.values >= 0).all()
    np.testing.assert_array_equal(q1.values, q2.values)
    assert q1.attrs["bp_national_sum_mt"] > 0 and q1.attrs["training_points"] == len(bp.pilot_caps())


def test_national_sum_reported_next_to_cge(panel):
    res = xr.Dataset({"co2": (("scenario", "year"), np.array([[10000.0], [8000.0]])),
                      "carbon_price": (("scenario", "year"), np.array([[0.0], [150.0]]))},
                     coords={"scenario": ["baseline", "S3"], "year": [2030]})
    q = bp.allocate(8000.0, 2030, panel, results=res, scenario="S3")
    assert q.attrs["cge_national_co2_mt"] == 8000.0 and q.attrs["cge_baseline_co2_mt"] == 10000.0


def test_feature_weights_sum_to_one(panel):
    fw = bp.feature_weights(panel, seed=0)
    assert list(fw.index) == list(bp.FEATURES)
    assert abs(fw["weight"].sum() - 1.0) < 1e-12 and (fw["weight"] >= 0).all()
    assert abs(fw.groupby("group")["weight"].sum().sum() - 1.0) < 1e-12
    assert set(fw["group"]) == set(bp.FEATURE_GROUPS)


def test_backtest_reports_bp_next_to_naive(panel):
    bt = bp.backtest(panel, seed=0)
    assert "all" in bt.index and bt.loc["all", "n"] == len(bp.pilot_caps())
    assert np.isfinite(bt.to_numpy(float)).all()
    assert bt.attrs["beats_naive"] == bool(bt.loc["all", "bp_ratio_mae"] < bt.loc["all", "naive_ratio_mae"])
    # the naive baseline is the held-out pilot's complement mean: its error is not zero
    assert bt.loc["all", "naive_ratio_mae"] > 0


def test_bad_inputs_give_clear_errors(panel):
    with pytest.raises(InputError, match="cap"):
        bp.allocate(float("nan"), 2030, panel)
    with pytest.raises(InputError, match="hidden"):
        bp.allocate(100.0, 2030, panel, hidden=0)
    with pytest.raises(InputError, match="alpha"):
        bp.allocate(100.0, 2030, panel, alpha=-1)
    with pytest.raises(InputError, match="cap_status"):
        bp.allocate(100.0, 2030, panel, statuses=["invented"])
    with pytest.raises(InputError, match="Jilin"):
        bp.allocate(100.0, 2030, panel.drop_sel(province="Jilin"))
