"""Households (issue 15): the linear expenditure system with its CES energy bundle, on the China SAM and the toy.

Calibration (Engel aggregation, positive subsistence), replication, homogeneity, Walras, income
elasticities by finite difference, the energy nest, the EV identity, the Cobb-Douglas option, clear
errors for missing data, and the baseline closure over the first years.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pyomo.environ as pyo
import pytest
from pyomo.util.calc_var_value import calculate_variable_from_constraint

import calibration as C
import cge
import sam
from cge.model.closure import load_closure
from cge.model.households import ENERGY, calibrate_les, les_ev, load_household_parameters
from cge.solve import residuals
from sam.errors import InputError

TOY = Path(__file__).resolve().parent / "data" / "toy"


@pytest.fixture(scope="module")
def china():
    model = cge.Model(C.calibrate(sam.load_sam()))
    start = {v.name: v.value for v in model.m.component_data_objects(pyo.Var)}
    return model, start


def _reset(model, start):
    for v in model.m.component_data_objects(pyo.Var):
        v.set_value(start[v.name], skip_validation=True)


def _household_block(m, h):
    """Recompute the household block of ``h`` from its equations (prices and income as they are)."""
    if h in m.HE:
        calculate_variable_from_constraint(m.PEN[h], m.eq_pen[h])
        calculate_variable_from_constraint(m.XEN[h], m.eq_xen[h])
    for (i, hh) in m.CF:
        if hh == h:
            calculate_variable_from_constraint(m.C[i, h], m.eq_c[i, h])


def _toy_cal(categories=True):
    return C.calibrate(sam.load_sam(TOY), C.load_elasticities(TOY / "elasticities.csv"), sam.load_co2(TOY),
                       sam.load_process_co2(TOY), C.load_sector_groups(TOY / "sector_groups.csv"), roles={"ENE": "coal"},
                       categories=C.load_consumption_categories(TOY / "consumption_categories.csv") if categories else None)


def test_calibration_engel_aggregation_and_positive_subsistence(china):
    model, _ = china
    par = load_household_parameters()
    assert par["frisch"] == -2.0 and par["sigma_energy"] == 1.2
    for h, les in model.m._les.items():
        assert sum(les.b.values()) == pytest.approx(1.0, abs=1e-12)
        assert sum(les.w.values()) == pytest.approx(1.0, abs=1e-12)
        assert all(g > 0 for g in les.g.values())
        assert les.subsistence_share == pytest.approx(1 + 1 / les.frisch, abs=1e-12)
        assert 0.9 < les.scale < 1.1                      # GTAP's elasticities nearly satisfy Engel aggregation
        for k in les.w:                                   # b/w is the renormalised income elasticity
            assert les.b[k] / les.w[k] == pytest.approx(les.scale * les.eta[k], rel=1e-12)
    with pytest.raises(InputError, match="frisch_parameter"):
        calibrate_les({"a": 0.5, "b": 0.5}, {"a": 0.5, "b": 1.5}, -1.0)   # subsistence of b would be negative


def test_replication_homogeneity_walras_china(china, homogeneous):
    model, start = china
    _reset(model, start)
    # zero-iteration replication of the household block, relative to spending (the SAM's own rounding, a few
    # 1e-8 bn yuan, sits in eq_xat and in spending = income - tax - saving)
    scale = float(model.cal.hh0.to_numpy().sum())
    for eq in (model.m.eq_c, model.m.eq_xen, model.m.eq_pen):
        assert max(abs(pyo.value(c.body) - pyo.value(c.upper)) for c in eq.values()) < 1e-12 * scale, eq.name
    model.solve(0.0)
    base = {v.name: pyo.value(v) for v in model.m.component_data_objects(pyo.Var) if not v.fixed}
    assert all(abs(base[f"C[{i},{h}]"] - 1) < 1e-8 for (i, h) in model.m.CF)
    model.solve(100.0)
    b100 = {v.name: pyo.value(v) for v in model.m.component_data_objects(pyo.Var) if not v.fixed}
    model.solve(100.0, PNUM=2.0)
    new = {v.name: pyo.value(v) for v in model.m.component_data_objects(pyo.Var) if not v.fixed}
    assert homogeneous(b100, new, {"PA", "PD", "W", "YH", "PEN"}, {"C", "XEN", "XP"}, rel=1e-7, abs_q=None) > 100
    model.solve(100.0, PNUM=1.0)
    assert abs(model.m.WALRAS.value) < 1e-6               # billion yuan (the SAM's rounding is 1.8e-7)
    _reset(model, start)


def test_income_elasticities_by_finite_difference(china):
    """Income +1 % at fixed prices: demand moves by the renormalised elasticity (exactly: LES Engel curves are lines)."""
    model, start = china
    m = model.m
    _reset(model, start)
    for h, les in m._les.items():
        m.YH[h].set_value(1.01)
        _household_block(m, h)
        for (i, hh) in m.CF:
            if hh != h:
                continue
            k = ENERGY if i in {j for j in model.cal.sectors if model.cal.role[j] != ""} else i
            assert (m.C[i, h].value - 1) / 0.01 == pytest.approx(les.b[k] / les.w[k], rel=1e-8), (i, h)
        m.YH[h].set_value(1.0)
        _household_block(m, h)
    _reset(model, start)


def test_energy_nest_coal_price_moves_spending_to_electricity(china):
    model, start = china
    m, cal = model.m, model.cal
    _reset(model, start)
    h = "hh_rural"
    coal = [i for i in cal.sectors if cal.role[i] == "coal" and (i, h) in m.CF]
    elec = [i for i in cal.sectors if cal.role[i] == "electricity" and (i, h) in m.CF]
    fuels = [i for (i, hh) in m.CF if hh == h and cal.role[i] != ""]
    assert coal and elec

    def shares():
        spend = {i: pyo.value(m.PU[i, h]) * m.C[i, h].value * cal.hh0.loc[i, h] for i in fuels}
        tot = sum(spend.values())
        assert tot == pytest.approx(pyo.value(m.PEN[h]) * m.XEN[h].value * sum(cal.hh0.loc[i, h] for i in fuels), rel=1e-10)
        return sum(spend[i] for i in coal) / tot, sum(spend[i] for i in elec) / tot
    s0 = shares()
    for i in coal:
        m.PA[i].set_value(1.2)
    _household_block(m, h)
    s1 = shares()
    assert s1[0] < s0[0] and s1[1] > s0[1]
    assert all(m.C[i, h].value > 1 for i in elec)           # electricity bought rises (sigma 1.2)
    _reset(model, start)


def test_ev_identity_benchmark_and_price_rise(china):
    model, start = china
    m = model.m
    _reset(model, start)
    for h in m.H:                                            # at the benchmark EV = 0, utility = 1
        assert abs(pyo.value(m.EVH[h])) < 1e-8 and pyo.value(m.UTIL[h]) == pytest.approx(1.0, abs=1e-12)
    sol = model.solve(200.0)
    ds = sol.to_xarray()
    assert ds.ev.attrs["units"] == "billion yuan, 2017 prices"
    for k, h in enumerate(m.H):
        les = m._les[h]
        spend0 = float(model.cal.hh0[h].sum())
        prices = {i: pyo.value(m.PU[i, h]) for (i, hh) in m.CF if hh == h and i in les.w}
        if h in m.HE:
            prices[ENERGY] = m.PEN[h].value
        spend = spend0 + sum(float(model.cal.hh0.loc[i, h]) * pyo.value(m.PU[i, h]) * m.C[i, h].value - float(model.cal.hh0.loc[i, h])
                             for (i, hh) in m.CF if hh == h)
        # money-metric EV from prices and spending (indirect utility) = EV from quantities (direct utility)
        assert les_ev(les, spend0, prices, spend) == pytest.approx(float(ds.ev.values[k]), rel=1e-8, abs=1e-8)
        assert ds.utility.values[k] == pytest.approx(pyo.value(m.UTIL[h]), rel=1e-12)
    les = m._les["hh_urban"]
    s0 = float(model.cal.hh0["hh_urban"].sum())
    assert les_ev(les, s0, {k: 1.0 for k in les.w}, s0) == pytest.approx(0.0, abs=1e-8)
    assert les_ev(les, s0, {k: 1.1 for k in les.w}, s0) < 0          # every price up 10 %, same spending
    assert les_ev(les, s0, {k: 1.1 for k in les.w}, 1.1 * s0) == pytest.approx(0.0, abs=1e-6)   # homogeneous
    model.solve(0.0)
    _reset(model, start)


def test_cobb_douglas_option_and_missing_categories():
    cal = _toy_cal()
    std = load_closure("standard")
    cd = dataclasses.replace(std, options=std.options + (("households", "cobb_douglas"),))
    assert cd.structure()["households"] == "cobb_douglas" and std.structure()["households"] == "les"
    model = cge.Model(cal, cd)
    assert not hasattr(model.m, "XEN") and residuals(model.m, 1)[0][1] < 1e-8
    model.set_closure(std)                                   # a structural change: rebuilt as LES
    assert hasattr(model.m, "XEN") and residuals(model.m, 1)[0][1] < 1e-8
    assert model.solve(100.0).to_xarray().ev.sizes["household"] == 2
    with pytest.raises(InputError, match=r"consumption_categories\.csv.*AGR"):
        cge.Model(_toy_cal(categories=False))                # the shipped mapping has no toy commodities


def test_baseline_closure_solves_with_les(tmp_path):
    from cge import runner
    from cge.drivers import load_drivers
    runner.run_one("baseline", 2017, 2019, tmp_path, resume=False)
    b = runner._read(runner.result_path(tmp_path, "baseline"))
    assert np.isfinite(b.esav.values).all() and np.isfinite(b.fsw.values).all()
    assert (b.utility.sel(year=2019).values > 1).all()
    pop = load_drivers().population
    assert pop[2017] == 1.0 and pop[2060] == pytest.approx(1198.922 / 1396.215, rel=1e-9)
