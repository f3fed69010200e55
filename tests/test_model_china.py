"""The 65-sector model on the shipped 2017 SAM, CO2 accounts and elasticity file.

Replication, homogeneity, Walras, and the carbon-price economics at 100 yuan/t CO2.
One model is built per module and re-solved in memory.
"""
from __future__ import annotations

import pyomo.environ as pyo
import pytest

import calibration as C
import cge
import sam

HH = ("hh_rural", "hh_urban")


@pytest.fixture(scope="module")
def china():
    cal = C.calibrate(sam.load_sam())              # shipped SAM -> shipped CO2 and elasticity file
    model = cge.Model(cal)
    start = {v.name: pyo.value(v) for v in model.m.component_data_objects(pyo.Var)}
    base = model.solve(0.0)
    return model, base, start


def _use(model, commodity):
    cal, m = model.cal, model.m
    firms = sum(cal.z0.loc[commodity, j] * pyo.value(m.XA[commodity, j]) for j in cal.sectors if (commodity, j) in m.F)
    hh = sum(cal.hh0.loc[commodity, h] * pyo.value(m.C[commodity, h]) for h in HH if (commodity, h) in m.CF)
    return firms + hh


def test_replicates_the_sam(china):
    model, base, start = china
    m, cal = model.m, model.cal
    moved = [n for n, v in start.items() if n != "WALRAS" and abs(pyo.value(m.find_component(n)) - v) > 1e-8 * max(1, abs(v))]
    assert moved == []
    # the Walras slack is the SAM's own rounding (CSV with 12 significant digits), in billion yuan
    assert abs(pyo.value(m.WALRAS)) < 1e-10 * cal.inv0.sum()
    assert base.info.max_residual < 1e-8
    ds = base.to_xarray()
    assert ds.co2.item() == pytest.approx(float(sam.load_co2().to_numpy().sum() + sam.load_process_co2().sum()), rel=1e-12)
    assert (abs(ds.output.values / cal.xp0.values - 1) < 1e-10).all()
    # every SAM flow: intermediate use, consumption, factor payments at benchmark prices
    for (i, j) in list(m.F)[::7]:
        assert cal.z0.loc[i, j] * pyo.value(m.XA[i, j]) * pyo.value(m.PA[i]) == pytest.approx(cal.sam.loc[f"c_{i}", f"a_{j}"], rel=1e-9)
    for j in cal.sectors:
        assert cal.lab0[j] * pyo.value(m.L[j]) * pyo.value(m.W) == pytest.approx(cal.sam.loc["lab", f"a_{j}"], rel=1e-9, abs=1e-9)
    gdp_va = cal.sam.loc[["lab", "cap", "ptax"]].filter(like="a_").to_numpy().sum()
    duties = cal.sam.loc["tariff"].sum()                 # GDP at market prices: value added + net production taxes + import duties
    assert duties == pytest.approx(299.785, rel=1e-9)    # MoF 2017 customs duties (sam/data/customs)
    assert ds.gdp.item() == pytest.approx(gdp_va + duties, rel=1e-10)
    assert ds.tariff_revenue.item() == pytest.approx(duties, rel=1e-10)


def test_homogeneity(china):
    model, _, _ = china
    m = model.m
    try:
        model.solve(100.0)
        base = {v.name: pyo.value(v) for v in m.component_data_objects(pyo.Var) if not v.fixed}
        base_xa = {f: pyo.value(m.XA[f]) for f in m.F}           # intermediate demands: an Expression family
        model.solve(100.0, PNUM=2.0)
        prices = {"PA", "PD", "PX", "P", "W", "RK", "ER", "YH", "YE", "YG", "GSAV", "CREV"}
        quantities = {"XP", "XAT", "XD", "XM", "XE", "C", "L", "Q", "INV", "EMI", "RGDP", "GSH", "KU"}
        n = 0
        for v in m.component_data_objects(pyo.Var):
            fam = v.parent_component().name
            if v.fixed or fam not in prices | quantities:
                continue
            k = 2.0 if fam in prices else 1.0
            assert pyo.value(v) == pytest.approx(k * base[v.name], rel=1e-8, abs=1e-9), v.name
            n += 1
        for f, v in base_xa.items():
            assert pyo.value(m.XA[f]) == pytest.approx(v, rel=1e-8, abs=1e-9), f
            n += 1
        assert n > 3000
    finally:
        model.solve(0.0, PNUM=1.0)


def test_walras(china):
    model, _, _ = china
    m = model.m
    dropped = m.eq_xat["TRAD"]
    try:
        dropped.deactivate()
        m.WALRAS.fix(0.0)
        model.solver.invalidate()
        model.solve(100.0)
        # relative to the market's size (the SAM itself balances to ~1e-12 relative)
        assert abs(pyo.value(dropped.body) - pyo.value(dropped.upper)) < 1e-8 * model.cal.xa0["TRAD"]
    finally:
        dropped.activate()
        m.WALRAS.unfix()
        model.solver.invalidate()
        model.solve(0.0)


def test_carbon_price_100(china):
    model, base, _ = china
    b = base.to_xarray()
    m, cal = model.m, model.cal
    coal0, gas0 = _use(model, "COAL"), _use(model, "NGAS") + _use(model, "GPRD")
    tol = model.solver.options["tol"]
    try:
        # a tight solve: Walras' slack is below 1e-6 bn yuan only when every equation holds to ~1e-12
        # (at tol 1e-10 it is a few 1e-5 bn yuan, the sum of the index equations' residuals x their base values)
        model.solver.options["tol"] = 1e-12
        sol = model.solve(100.0)
        ds = sol.to_xarray()
        assert ds.co2.item() < b.co2.item()
        coal, gas = _use(model, "COAL"), _use(model, "NGAS") + _use(model, "GPRD")
        assert coal / coal0 - 1 < gas / gas0 - 1             # coal use falls by more (in %) than gas use
        out = ds.output / b.output - 1
        assert out.sel(sector="ECOA").item() < 0
        for k in ("ENEW", "EHYD", "ENUC"):
            assert out.sel(sector=k).item() > 0, k
        assert out.sel(sector="COAL").item() < out.sel(sector="TRAD").item()
        gdp = ds.gdp.item() / b.gdp.item() - 1
        assert -0.02 < gdp < 0
        assert ds.carbon_revenue.item() == pytest.approx(100.0 * ds.co2.item() / 1000.0, rel=1e-12)
        # carbon accounts add up: national = sum over emitting activities + households
        hh = sum(cal.co2.loc[i, h] * pyo.value(m.C[i, h]) for (i, h) in m.CF if cal.co2.loc[i, h] > 0)
        assert ds.co2_sector.sum().item() + hh * pyo.value(m.ARES) == pytest.approx(ds.co2.item(), rel=1e-12)
        # government budget closes: revenue = consumption + transfers + saving (all in yuan)
        T = cal.transfers
        spend = sum(pyo.value(m.PA[i]) * pyo.value(m.G) * cal.gov0[i] for i in cal.sectors)
        spend += sum(T.loc[h, "gov"] * pyo.value(m.TRG[h]) * pyo.value(m.PNUM) for h in HH)
        spend += pyo.value(m.GSAV) * T.loc["sav", "gov"]
        assert spend == pytest.approx(pyo.value(m.YG) * T.loc["gov"].sum(), rel=1e-10)
        assert abs(pyo.value(m.WALRAS)) < 1e-9 * cal.inv0.sum()      # bn yuan: savings = investment
    finally:
        model.solver.options["tol"] = tol
        model.solve(0.0)


def test_coverage_limits_who_pays(china):
    """Only covered users pay: revenue = price x their CO2; others face the plain market price."""
    model, base, _ = china
    m, cal = model.m, model.cal
    covered = ["ECOA", "EGAS", "METL", "NMMP"]
    co2_0 = model.solve(0.0).to_xarray().co2.item()
    try:
        full_cut = 1 - model.solve(100.0).to_xarray().co2.item() / co2_0
        model.set_coverage(covered)
        ds = model.solve(100.0).to_xarray()
        paid = ds.co2_sector.sel(sector=covered).sum().item()
        assert ds.carbon_revenue.item() == pytest.approx(100.0 * paid / 1000.0, rel=1e-12)
        assert pyo.value(m.PU["COAL", "TRAN"]) == pytest.approx(pyo.value(m.PA["COAL"]), rel=1e-14)
        assert pyo.value(m.PU["COAL", "ECOA"]) > pyo.value(m.PA["COAL"])
        cut = 1 - ds.co2.item() / co2_0
        assert 0 < cut < full_cut
        with pytest.raises(KeyError, match="NOPE"):
            model.set_coverage(["NOPE"])
    finally:
        model.set_coverage("all")
        model.solve(0.0)


def test_uncovered_users_pay_the_baseline_price(china):
    """A price every user pays (CTAXB: the baseline's pledge price) stays on users a scenario does not
    cover; covered users pay the scenario's total price; revenue adds both."""
    model, _, _ = china
    m, cal = model.m, model.cal
    covered = ["ECOA", "EGAS"]
    coef = cal.co2coef
    try:
        model.set_coverage(covered)
        m.CTAXB.set_value(60.0)
        ds = model.solve(100.0).to_xarray()
        for u, price in (("TRAN", 60.0), ("ECOA", 100.0)):
            want = pyo.value(m.PA["COAL"]) + price * pyo.value(m.PNUM) * float(coef.loc["COAL", u]) / 1000.0
            assert pyo.value(m.PU["COAL", u]) == pytest.approx(want, rel=1e-12), u
        # revenue: each user's price times its physical CO2 (ARES = 1 here); the accounts add up
        cov = ds.co2_sector.sel(sector=covered).sum().item()
        rest = ds.co2.item() - cov
        assert ds.carbon_revenue.item() == pytest.approx((100.0 * cov + 60.0 * rest) / 1000.0 * pyo.value(m.PNUM), rel=1e-9)
        hh = sum(cal.co2.loc[i, h] * pyo.value(m.C[i, h]) for (i, h) in m.CF if cal.co2.loc[i, h] > 0)
        assert ds.co2_sector.sum().item() + hh == pytest.approx(ds.co2.item(), rel=1e-12)
    finally:
        m.CTAXB.set_value(0.0)
        model.set_coverage("all")
        model.solve(0.0)


def test_cap_closure_finds_the_price(china):
    model, _, _ = china
    try:
        target = model.solve(100.0).to_xarray().co2.item()
        model.set_closure("cap")
        model.m.EMI.fix(target)
        model.m.CTAX.set_value(0.0)
        sol = model.solve()
        assert sol.carbon_price == pytest.approx(100.0, rel=1e-6)
    finally:
        model.set_closure("standard")
        model.m.CTAX.fix(0.0)
        model.solve(0.0)


def test_exports_face_a_downward_sloping_world_demand(china):
    """A carbon price raises the foreign-currency price of carbon-intensive exports and cuts their
    volume along X = FXD PWE ** -eta (GTAP partner-market elasticities); clean services gain."""
    model, _, _ = china
    m = model.m
    eta = model.cal.elasticity["eta_exp"]
    try:
        model.solve(300.0)
        for i in ("METL", "NMMP", "CHEM"):
            pwe, xe = pyo.value(m.PWE[i]), pyo.value(m.XE[i])
            assert pwe > 1 and xe < 1, i
            assert xe == pytest.approx(pyo.value(m.FXD[i]) * pwe ** -float(eta[i]), rel=1e-9)
        # a higher export price means a smaller volume: the terms of trade move for China
        assert pyo.value(m.PWE["METL"]) > pyo.value(m.PWE["FINA"])
    finally:
        model.solve(0.0)


def test_intermediate_demand_is_an_expression_and_numpy_matches_pyomo(china):
    """XA is substituted out (no variable, no equation); the numpy evaluation used by result
    extraction equals Pyomo's evaluation of the Expression at a solution away from the benchmark
    (carbon price, fuel-switch twist, partial coverage: every term of the formula moves)."""
    import numpy as np

    from cge.api import FlowValues
    from cge.model.closure import VAR_BLOCK
    model, _, _ = china
    m = model.m
    assert isinstance(m.XA, pyo.Expression) and not hasattr(m, "eq_xa") and "XA" not in VAR_BLOCK
    try:
        m.FSW.set_value(0.8)
        model.set_coverage([j for j in model.cal.sectors if j != "TRAD"] + ["hh_urban"])
        model.solve(150.0)
        flows = list(m.F)
        got = FlowValues(m, flows)()
        want = np.array([pyo.value(m.XA[f]) for f in flows])
        assert not np.allclose(want, 1.0, rtol=1e-3)
        np.testing.assert_allclose(got, want, rtol=1e-13)
    finally:
        m.FSW.set_value(1.0)
        model.set_coverage("all")
        model.solve(0.0)
