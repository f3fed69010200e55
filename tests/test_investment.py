"""Investment by expected rates of return (MONASH capital-growth curves), the policy closure with
foreign saving free, and the baseline's budget rule."""
from __future__ import annotations

import numpy as np
import pytest

import calibration
from cge.api import Model
from cge.drivers import load_params
from cge.model.closure import CLOSURE_DIR, square_report
from cge.model.investment import GrowthCurve

BALANCE_RANGE = (-0.05, 0.04)     # stated plausible range of government saving / GDP (README, docs/scenarios.md)


@pytest.fixture(scope="module")
def curve() -> GrowthCurve:
    return GrowthCurve.from_params(load_params(), 0.10)


def test_curve_rises_with_the_expected_return_between_its_bounds(curve):
    """Higher expected return -> higher capital growth; never below -depreciation nor above trend + diff;
    the trend at the normal return, with slope SMURF there."""
    rorn = curve.net_return
    ror = np.linspace(0.0, 4.0, 401)                       # gross return index: idle capital to four times 2017
    g = curve.growth(ror, curve.trend0, rorn)
    assert np.all(np.diff(g) > 0)
    assert np.all(g > -curve.delta) and np.all(g < curve.trend0 + curve.diff)
    assert curve.growth(np.array([1e3]), curve.trend0, rorn)[0] == pytest.approx(curve.trend0 + curve.diff, abs=1e-9)
    assert curve.growth(np.array([0.0]), curve.trend0, rorn + 2.0)[0] == pytest.approx(-curve.delta, abs=1e-6)
    at = curve.growth(np.array([1.0]), curve.trend0, rorn)[0]            # EROR = net return = normal return
    assert at == pytest.approx(curve.trend0, abs=1e-12)
    h = 1e-6                                                  # dG/dEROR at the trend = SMURF
    up = curve.growth(np.array([1.0]), curve.trend0, rorn - h)[0]
    assert (up - at) / h == pytest.approx(curve.smurf, rel=1e-4)


def test_normal_return_reconciles_the_curves_with_investment(curve):
    ror = np.array([0.6, 1.0, 1.4])
    k0 = np.array([100.0, 200.0, 50.0])
    for invest in (20.0, 40.0, 70.0):
        rorn = curve.normal_return_for(ror, k0, 0.05, invest)
        assert (k0 * (curve.growth(ror, 0.05, rorn) + curve.delta)).sum() == pytest.approx(invest, rel=1e-10)


@pytest.fixture(scope="module")
def china_cal():
    return calibration.calibrate()


def test_every_closure_file_is_square(china_cal):
    model = Model(china_cal, "standard")
    for path in sorted(CLOSURE_DIR.glob("*.toml")):
        model.set_closure(path.stem)                           # raises when not square
        rep = square_report(model.m)
        assert sum(e for e, _ in rep.values()) == sum(n for _, n in rep.values()), path.stem


@pytest.mark.parametrize("closure", ["policy", "policy_gov", "policy_ptax", "policy_cap"])
def test_policy_closures_fix_the_normal_return_and_free_foreign_saving(closure):
    from cge.model.closure import load_closure
    fixed = load_closure(closure).fixed
    assert "NRS" in fixed and "FSAV" not in fixed and "INV" not in fixed


def test_baseline_closure_holds_the_budget_rule():
    from cge.model.closure import load_closure
    for name in ("baseline", "baseline_physical"):
        fixed = load_closure(name).fixed
        assert "GSAVY" in fixed and "G" not in fixed and "FSAV" in fixed and "NRS" not in fixed


# ----------------------------------------------------------------------------- dynamic runs


@pytest.fixture(scope="module")
def runs():
    """The baseline 2017-2060 and S6 (carbon price from its first year) to 2030."""
    from cge.dynamics import DynamicRun
    from cge.scenarios import load_scenario
    bx: dict = {}
    br = DynamicRun(load_scenario("baseline"), reuse=True)
    base = br.run(range(2017, 2061), on_year=lambda ds, st: bx.__setitem__(st.year, st.x.copy()))
    pr = DynamicRun(load_scenario("S6"), baseline=base, baseline_x=bx, reuse=True)
    pol = pr.run(range(2017, 2031))
    return base, pol, pr


def test_baseline_government_balance_within_range_every_year(runs):
    base = runs[0]
    share = base.gov_balance_gdp.to_numpy()
    assert share.size == 44
    lo, hi = BALANCE_RANGE
    assert np.all(share >= lo) and np.all(share <= hi), share


def test_policy_investment_follows_returns_and_foreign_saving_moves(runs):
    """With a carbon price, real investment is the sum of the industries' curves, not domestic saving:
    foreign saving moves while saving = investment holds."""
    base, pol, pr = runs
    b, p = base.sel(year=2030), pol.sel(year=2030)
    assert float(p.carbon_price) > 0
    assert abs(float(p.foreign_saving) - float(b.foreign_saving)) > 10.0        # bn yuan
    assert float(p.investment) != pytest.approx(float(b.investment), rel=1e-3)
    m = pr.m
    assert abs(m.WALRAS.value) < 1e-6                                          # S - I identity
    inv_real = m.INV.value * float(pr.cal.inv0.sum())
    assert pr.last_inv.sum() == pytest.approx(inv_real, rel=1e-6)              # industries + generation = INV
    # the normal return and trend are the baseline's (no other baseline bias in the rule)
    assert pr.last_rorn == pytest.approx(float(b.normal_return), rel=1e-12)
    assert pr.last_trend == pytest.approx(float(b.trend_k), rel=1e-12)

