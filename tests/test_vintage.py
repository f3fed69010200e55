"""Putty-clay capital vintages (issue 13, item 2): old capital keeps the technique it was built with.

* static: switching a solved model to putty-clay in place reproduces the malleable solution (old
  capital's coefficients are the current ones), Walras' law and the two sides of GDP still hold, and
  a carbon price then cuts CO2 less than with malleable capital (the short run is less elastic);
* idle capacity: at a high price old capital of the dirtiest activities stands partly idle and
  earns (almost) no rent, instead of the solve failing;
* dynamics: under a flat price the CO2 cut grows as old capital depreciates and is replaced,
  and starts smaller than with malleable capital; a zero price reproduces the baseline.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pyomo.environ as pyo
import pytest

import calibration
import cge
from cge.accounts import Accounts
from cge.dynamics import DynamicRun
from cge.model.capital import MU
from cge.model.closure import load_closure
from cge.scenarios import Scenario, load_scenario

YEARS = range(2017, 2036)


def _putty(closure):
    opts = dict(closure.options)
    opts["vintage"] = "putty_clay"
    return dataclasses.replace(closure, name=closure.name + "_putty", options=tuple(opts.items()))


@pytest.fixture(scope="module")
def cal():
    return calibration.calibrate()


def _allocation(model) -> np.ndarray:
    """Prices, activity levels, demands and incomes: every free variable but the split of each activity
    between its flexible nests (Q, KU) and its old capital (XPO, RKO)."""
    skip = ("Q[", "KU[", "XPO[", "RKO[", "P[")
    return np.array([v.value for v in model.solver._vars if not v.fixed and not v.name.startswith(skip)])


def _co2(model) -> float:
    return float(pyo.value(model.m.EMI))


def test_switch_in_place_reproduces_the_malleable_solution_then_responds_less(cal):
    model = cge.Model(cal)
    model.solve(100.0)
    x_mall = _allocation(model)
    co2_100 = _co2(model)
    model.solve(300.0)
    cut_malleable = 1 - _co2(model) / co2_100
    model.solve(100.0)
    model.set_closure(_putty(model.closure))           # old capital: the technique of the 100 yuan/t solution
    m = model.m
    assert float(m.VINT.value) == 1.0 and max(float(m.XPO[j].value) for j in m.VJ) > 0
    sol = model.solve(100.0)
    x_putty = _allocation(model)
    np.testing.assert_allclose(x_putty, x_mall, rtol=1e-8, atol=1e-7)
    assert sol.info.max_residual < 1e-8
    model.solve(300.0)
    cut_putty = 1 - _co2(model) / co2_100
    print("cut 100->300 yuan/t: putty-clay", cut_putty, "malleable", cut_malleable)
    assert 0 < cut_putty < cut_malleable, (cut_putty, cut_malleable)
    # Walras' law and GDP from both sides with old capital's quasi-rent in capital income
    assert abs(float(m.WALRAS.value)) < 1e-6                     # billion yuan (GDP: about 80,000)
    acc = Accounts(m)()
    assert acc["gdp_nominal"] == pytest.approx(acc["gdp_income_side"], rel=1e-9)


def test_old_materials_bundle_is_one_coefficient_per_material(cal):
    """Old capital's materials (the Leontief ND nest) carry one coefficient per activity, ``xnd``: with
    old capital producing, every material flow is the flexible nest's demand plus ``xnd XPO``, its unit
    cost counts each material at ``xnd`` times its 2017 share, and the numpy evaluation of the flows
    used by result extraction and the year loop matches Pyomo's."""
    from cge.api import FlowValues
    from cge.model.base import parent
    model = cge.Model(cal)
    model.solve(100.0)
    model.set_closure(_putty(model.closure))
    model.solve(300.0)
    m = model.m
    assert len(m.VND) > 0.8 * len(m.VJ) and max(float(m.XPO[j].value) for j in m.VND) > 0.1
    nd = [(i, j) for (i, j) in m.F if j in m.VND and parent(m, j, f"c:{i}") == "ND"]
    assert nd and not set(nd) & set(m.FV)                    # energy inputs keep a coefficient per flow
    for (i, j) in nd:
        want = float(m.Q[j, "ND"].value) + float(m.xnd[j].value) * float(m.XPO[j].value)
        assert pyo.value(m.XA[i, j]) == pytest.approx(want, rel=1e-12)
    for j in list(m.VND)[:10]:                               # unit cost: the bundle's price = the materials' prices
        tree = m._trees[j]
        top = tree["XP"].value
        by_flow = sum(v / top * float(m.xnd[j].value) * pyo.value(m.PU[k[2:], j]) for k, v in tree["ND"].children.items())
        assert by_flow == pytest.approx(tree["ND"].value / top * float(m.xnd[j].value) * float(m.P[j, "ND"].value), rel=1e-12)
    flows = list(m.F)
    np.testing.assert_allclose(FlowValues(m, flows)(), [pyo.value(m.XA[f]) for f in flows], rtol=1e-13)


def test_high_price_leaves_old_capital_idle_at_zero_rent(cal):
    model = cge.Model(cal)
    model.solve(0.0)
    model.set_closure(_putty(model.closure))
    model.solve(0.0)
    model.solve(1500.0)
    m = model.m
    use = {j: float(m.ko[j].value) * float(m.XPO[j].value) / float(m.KO[j].value) for j in m.VJ}
    idle = [j for j in m.VJ if use[j] < 0.9]
    assert idle, "no old capital stands idle at 1,500 yuan/t"
    for j in idle:                                      # idle capital earns (almost) nothing: mu / idle share
        assert float(m.RKO[j].value) * (1 + MU - use[j]) == pytest.approx(MU, rel=1e-6), j
        assert float(m.RKO[j].value) < 0.02
    busy = [j for j in m.VJ if use[j] > 0.999]
    assert busy and all(float(m.RKO[j].value) > 1e-3 for j in busy)


@pytest.fixture(scope="module")
def baseline():
    run = DynamicRun(load_scenario("baseline"))
    bx: dict[int, np.ndarray] = {}
    ds = run.run(YEARS, on_year=lambda d, st: bx.__setitem__(int(d.year), st.x.copy()))
    return run.cal, ds, bx


def _flat(price: float, closure: str | None = None) -> Scenario:
    return Scenario(name=f"flat{int(price)}", kind="policy", start_year=2022, closure=closure,
                    carbon_price={2022: price, 2060: price})


def test_co2_cut_grows_as_old_capital_turns_over(baseline, tmp_path):
    cal, base, bx = baseline
    putty = DynamicRun(_flat(100.0), cal=cal, baseline=base, baseline_x=bx).run(YEARS)
    src = Path(cge.__file__).parent / "closures" / "policy.toml"
    mall_file = tmp_path / "policy_malleable.toml"
    mall_file.write_text(src.read_text().replace('vintage = "putty_clay"', 'vintage = "malleable"'))
    assert load_closure(mall_file).option("vintage") == "malleable"
    mall = DynamicRun(_flat(100.0, str(mall_file)), cal=cal, baseline=base, baseline_x=bx).run(YEARS)
    cut = lambda ds: (1 - ds.co2 / base.co2).sel(year=slice(2022, 2035)).to_numpy()
    c_putty, c_mall = cut(putty), cut(mall)
    print("CO2 cut 2022-2035 putty", c_putty.round(4).tolist(), "malleable", c_mall.round(4).tolist())
    assert (c_putty > 0).all()
    assert c_putty[0] < 0.6 * c_mall[0], (c_putty[0], c_mall[0])      # the short run is rigid
    assert c_putty[-1] > 2 * c_putty[0]                                   # the cut grows with turnover
    assert np.all(np.diff(c_putty[:9]) > 0), c_putty                      # every year to 2030
    share = putty.old_output_share.sel(year=2030)
    assert float(share.max()) < 1 and float(share.max()) > 0.3
    assert float(abs(mall.old_output_share).max()) < 1e-12
    # the grid still delivers exactly what is generated with old capital in the other sectors
    np.testing.assert_allclose(putty.grid_twh, putty.generation.sum("gen"), rtol=1e-8)


def test_zero_price_policy_is_the_baseline(baseline):
    cal, base, bx = baseline
    zero = DynamicRun(_flat(0.0), cal=cal, baseline=base, baseline_x=bx).run(YEARS)
    for var in ("co2", "gdp", "output"):
        np.testing.assert_allclose(zero[var].to_numpy(), base[var].to_numpy(), rtol=1e-10)
