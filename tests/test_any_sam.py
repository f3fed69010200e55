"""Any SAM in the format: import order, import duties, institutions from the SAM, factor mobility
and final demand as closure data, and the results a general CGE engine reports (issue 14).

Most tests run on ``tests/data/toy2``: 3 sectors with import duties, capital income paid straight to
households, three households and no enterprise account."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parent
REPO = TESTS_DIR.parent


def test_pyomo_imported_before_cge_still_solves():
    """``import pyomo.environ`` before ``import cge`` (no PYOMO_CONFIG_DIR in the environment) builds and solves."""
    code = (
        "import pyomo.environ, cge, sam, calibration as C\n"
        "from pathlib import Path\n"
        f"d = Path({str(TESTS_DIR / 'data' / 'toy')!r})\n"
        "cal = C.calibrate(sam.load_sam(d), C.load_elasticities(d / 'elasticities.csv'), sam.load_co2(d),"
        " sam.load_process_co2(d), C.load_sector_groups(d / 'sector_groups.csv'), roles={'ENE': 'coal'},"
        " categories=C.load_consumption_categories(d / 'consumption_categories.csv'))\n"
        "print(round(cge.Model(cal).solve(50.0).to_xarray().co2.item(), 6))\n"
        "from cge.solve import solve\n"
        "print(solve(cge.Model(cal).m).termination)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYOMO_CONFIG_DIR"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    co2, term = out.stdout.split()
    assert 0 < float(co2) < 5.7 and term == "optimal"       # the carbon price cuts CO2 below the benchmark 5.7 Mt


# ----------------------------------------------------------------------------- the second toy SAM

import pandas as pd
import pyomo.environ as pyo
import pytest

import calibration as C
import cge
import sam
from cge.model.closure import CLOSURE_DIR, load_closure
from cge.model.households import ENERGY, les_ev
from cge.solve import residuals
from sam.errors import InputError

TOY2 = TESTS_DIR / "data" / "toy2"
CLOSURES = sorted(p.stem for p in CLOSURE_DIR.glob("*.toml"))
HH3 = ["hh_poor", "hh_mid", "hh_rich"]


def toy2_cal(S=None):
    S = sam.load_sam(TOY2) if S is None else S
    return C.calibrate(S, C.load_elasticities(TOY2 / "elasticities.csv"), sam.load_co2(TOY2),
                       sam.load_process_co2(TOY2), C.load_sector_groups(TOY2 / "sector_groups.csv"), roles={"ENE": "coal"},
                       categories=C.load_consumption_categories(TOY2 / "consumption_categories.csv"))


def _free(m):
    return {v.name: pyo.value(v) for v in m.component_data_objects(pyo.Var) if not v.fixed}


def _price(model) -> float:
    """A carbon price for closures that fix it (the policy closures recycle carbon revenue, so need some)."""
    return 50.0 if "CTAX" in model.closure.fixed else None


def test_toy2_structure_from_the_sam():
    cal = toy2_cal()
    assert cal.households == HH3 and not cal.has_ent
    assert cal.tm0.to_dict() == pytest.approx({"AGR": 2 / 18, "ENE": 1 / 9, "SRV": 0.0})
    m = cge.Model(cal).m
    assert list(m.H) == HH3 and not hasattr(m, "YE")
    assert m._base["fac_sh"][("hh_rich", "cap")] == pytest.approx(60 / 90)     # capital income straight to households


@pytest.mark.parametrize("closure", CLOSURES)
def test_toy2_replication_homogeneity_walras(closure, homogeneous):
    """Every shipped closure: residuals < 1e-8 at the benchmark and a solve that stays there, homogeneity of
    degree 1 in the numeraire (prices and incomes double, quantities stay), Walras' law (the dropped market clears)."""
    model = cge.Model(toy2_cal(), closure)
    assert residuals(model.m, 1)[0][1] < 1e-8
    putty = model.closure.option("vintage") == "putty_clay"   # old capital produces: flexible nests hold the rest
    start = _free(model.m)
    sol = model.solve(0.0 if "CTAX" in model.closure.fixed else None)
    for name, val in _free(model.m).items():
        if name.startswith(("WALRAS", "CREV", "CTAX")):
            assert abs(val) < 1e-8, name
        elif name == "RECYC" and abs(model.m.CREV.value) < 1e-12:
            continue                     # no carbon revenue: the recycled share of nothing is undetermined
        elif name.startswith("XPO") and not putty:
            assert abs(val) < 1e-8, name          # malleable capital: no old output
        elif name != "EMI":
            assert val == pytest.approx(start[name] if putty else 1.0, abs=1e-8), name
    assert sol.to_xarray().gdp.item() == pytest.approx(228.0, rel=1e-10)     # VA 200 + ptax 25 + duties 3
    # homogeneity: a tariff cut (and a carbon price where fixed), then the numeraire doubled
    model.solve(_price(model), tm={"AGR": 0.05})
    base = _free(model.m)
    num = "ER" if "ER" in model.closure.fixed else "PNUM"
    if "GSAV" in model.closure.fixed:          # a nominal value held fixed scales with the numeraire
        model.m.GSAV.set_value(2 * model.m.GSAV.value)
    model.solve(**{num: 2.0})
    new = _free(model.m)
    prices = {"PA", "PD", "PX", "P", "W", "RK", "RKM", "RKO", "ER", "PNUM", "YH", "YG", "GSAV", "CREV"}
    quantities = {"XP", "XA", "XAT", "XD", "XM", "XE", "C", "L", "Q", "INV", "G", "EMI", "LS", "KU", "XPO"}
    assert homogeneous(base, new, prices, quantities, rel=1e-7, abs_q=1e-9) > 40
    # Walras: drop one commodity market, hold the slack at 0, shock; the dropped market clears
    model2 = cge.Model(toy2_cal(), closure)
    dropped = model2.m.eq_xat["SRV"]
    dropped.deactivate()
    model2.m.WALRAS.fix(0.0)
    model2.solve(_price(model2), tm={"AGR": 0.0, "ENE": 0.2})
    assert abs(pyo.value(dropped.body) - pyo.value(dropped.upper)) < 1e-8


@pytest.mark.parametrize("closure", ["standard", "mobile_capital"])
def test_toy2_tariff_abolition(closure):
    """Abolishing the duties: imports of the protected goods rise, their import and Armington prices fall
    (relative to the numeraire), revenue goes to zero; the government budget and the EV identities hold."""
    model = cge.Model(toy2_cal(), closure)
    b = model.solve(0.0).to_xarray()
    assert b.tariff_revenue.item() == pytest.approx(3.0, rel=1e-12)
    ds = model.solve(0.0, tm=0.0).to_xarray()
    m, cal = model.m, model.cal
    for i in ("AGR", "ENE"):
        assert ds.imports_sector.sel(sector=i).item() > b.imports_sector.sel(sector=i).item(), i
        assert ds.price.sel(sector=i).item() < 1.0, i
        assert ds.price_import.sel(sector=i).item() < 1.0, i
    assert ds.tariff_revenue.item() == 0.0
    # government budget: taxes + duties = consumption + transfers + saving (billion yuan)
    T = cal.transfers
    rev = (sum(pyo.value(m.tp[j] * m.PX[j] * m.XP[j]) * cal.xp0[j] for j in cal.sectors)
           + sum(m._base["ytax"][h] * pyo.value(m.YH[h]) * m._base["hh_inc0"][h] for h in HH3) + ds.tariff_revenue.item())
    spend = (sum(pyo.value(m.PA[i] * m.G) * cal.gov0[i] for i in cal.sectors)
             + sum(T.loc[h, "gov"] * pyo.value(m.TRG[h] * m.PNUM) for h in HH3) + pyo.value(m.GSAV) * T.loc["sav", "gov"])
    assert rev == pytest.approx(spend, rel=1e-10)
    # EV identity (LES, money-metric at 2017 prices): the EV from quantities (direct utility) equals the EV from
    # prices and spending alone (indirect utility); utility = real supernumerary spending over 2017's
    for k, h in enumerate(HH3):
        cons0 = float(cal.hh0[h].sum())
        les = m._les[h]
        prices = {i: pyo.value(m.PU[i, h]) for i in les.w if i != ENERGY}
        if h in m.HE:
            prices[ENERGY] = pyo.value(m.PEN[h])
        spend_h = sum(pyo.value(m.PU[i, h] * m.C[i, h]) * cal.hh0.loc[i, h] for i in cal.sectors if (i, h) in m.CF)
        assert ds.ev.values[k] == pytest.approx(les_ev(les, cons0, prices, spend_h), rel=1e-10, abs=1e-10)
        ss = les.subsistence_share
        assert ds.utility.values[k] == pytest.approx((ds.ev.values[k] + cons0 * (1 - ss)) / (cons0 * (1 - ss)), rel=1e-10)
    if closure == "mobile_capital":
        rk = [pyo.value(m.RK[j]) for j in cal.sectors]
        assert max(rk) - min(rk) < 1e-9                              # one rental rate
        assert sum(cal.cap0[j] * pyo.value(m.KU[j]) for j in cal.sectors) == pytest.approx(90.0, rel=1e-10)


def test_results_by_commodity_add_up():
    model = cge.Model(toy2_cal(), "gov_share")
    ds = model.solve(0.0, tm=0.0).to_xarray()
    assert ds.consumption_sector.sum().item() == pytest.approx(ds.consumption.item(), rel=1e-12)
    assert ds.consumption_household.sum("household").values == pytest.approx(ds.consumption_sector.values, rel=1e-12)
    assert ds.imports_sector.sum().item() == pytest.approx(ds.imports.item(), rel=1e-12)
    assert ds.exports_sector.sum().item() == pytest.approx(ds.exports.item(), rel=1e-12)
    m = model.m
    # Cobb-Douglas government demand: constant budget shares; saving a fixed share of revenue
    cal = model.cal
    gval = {i: pyo.value(m.PA[i]) * ds.gov_demand.sel(sector=i).item() for i in cal.sectors}
    tot = sum(gval.values())
    assert gval["SRV"] / tot == pytest.approx(1.0) and ds.gov_demand.sel(sector="AGR").item() == 0.0
    ival = {i: pyo.value(m.PA[i]) * ds.inv_demand.sel(sector=i).item() for i in cal.sectors}
    assert ival["AGR"] / sum(ival.values()) == pytest.approx(20 / 50, rel=1e-10)
    assert pyo.value(m.GSAV) / pyo.value(m.YG) == pytest.approx(1.0, rel=1e-10)      # saving/revenue at its 2017 ratio (indices)


def test_unused_cell_is_an_error():
    S = sam.load_sam(TOY2)
    S.loc["hh_mid", "hh_rich"] += 1.0          # an inter-household transfer the model does not use
    S.loc["sav", "hh_rich"] -= 1.0
    S.loc["sav", "hh_mid"] += 1.0
    with pytest.raises(InputError, match=r"account 'hh_rich' pays 'hh_mid' 1 \(cell row 'hh_mid', column 'hh_rich'\)"):
        toy2_cal(S)


def test_no_enterprise_no_zero_division():
    """The first toy SAM without its enterprise account (capital income paid to households instead) calibrates and replicates."""
    S = sam.load_sam(TESTS_DIR / "data" / "toy")
    # enterprises received capital 90 and paid hh_rural 5, hh_urban 20, government 20, saved 45:
    # pay capital to the households instead; hh_urban pays the 20 as income tax and saves the 45
    S.loc["hh_rural", "cap"], S.loc["hh_urban", "cap"] = 5.0, 85.0
    S.loc["gov", "hh_urban"] += 20.0
    S.loc["sav", "hh_urban"] += 45.0
    S = S.drop(index="ent", columns="ent")
    d = S.sum(axis=1) - S.sum(axis=0)
    assert (d.abs() < 1e-9).all(), d[d.abs() > 1e-9]
    toy = TESTS_DIR / "data" / "toy"
    cal = C.calibrate(S, C.load_elasticities(toy / "elasticities.csv"), sam.load_co2(toy), sam.load_process_co2(toy),
                      C.load_sector_groups(toy / "sector_groups.csv"), roles={"ENE": "coal"},
                      categories=C.load_consumption_categories(toy / "consumption_categories.csv"))
    model = cge.Model(cal)
    assert residuals(model.m, 1)[0][1] < 1e-8
    model.solve(100.0)
    assert model.m.WALRAS.value == pytest.approx(0.0, abs=1e-8)


# ----------------------------------------------------------------------------- the China SAM under every closure


@pytest.fixture(scope="module")
def china_cal():
    return C.calibrate(sam.load_sam())


@pytest.mark.parametrize("closure", CLOSURES)
def test_china_every_closure(china_cal, closure):
    """China SAM: replication to 1e-8 at the benchmark, homogeneity in the numeraire after a duty cut,
    and Walras' law (one market dropped) under every shipped closure."""
    model = cge.Model(china_cal, closure)
    model.solver.options["tol"] = 1e-12
    start = _free(model.m)
    assert residuals(model.m, 1)[0][1] < 1e-7                       # SAM rounding (12 digits), in billion yuan
    model.solve(0.0 if "CTAX" in model.closure.fixed else None)
    for name, v in _free(model.m).items():
        # WALRAS: the SAM's rounding, -1.8e-7 bn yuan; RECYC (policy closures): the share of a zero carbon
        # revenue recycled is indeterminate at a zero price
        if name == "CREV":               # bn yuan: a cap closure's price at zero solves a singular system (RECYC)
            assert abs(v) < 1e-6
        elif name not in ("WALRAS", "RECYC"):
            assert abs(v - start[name]) < 1e-8 * max(1.0, abs(start[name])), name
    if "RECYC" not in model.closure.fixed and "CTAX" in model.closure.fixed:
        # a policy closure balances the budget with the recycled share of carbon revenue: at a zero price
        # there is none (its Jacobian column is zero), so the homogeneity and Walras checks run at 50
        # yuan/t, reached through the standard closure (a cold start at a positive price has no revenue
        # to move either), with this year's emissions as the cap where the closure fixes them
        model = cge.Model(china_cal, "standard")
        model.solver.options["tol"] = 1e-12
        model.solve(50.0)
        model.set_closure(closure)
        if "EMI" in model.closure.fixed:
            model.m.EMI.fix(pyo.value(model.m.EMI))
        model.solve()
        assert model.m.RECYC.value == pytest.approx(1.0, rel=1e-8)   # the closure reproduces the standard solve
    model.solve(tm={"TREQ": 0.0, "FOOD": 0.0})
    base = _free(model.m)
    num = "ER" if "ER" in model.closure.fixed else "PNUM"
    if "GSAV" in model.closure.fixed:
        model.m.GSAV.set_value(2 * model.m.GSAV.value)
    model.solve(**{num: 2.0})
    new = _free(model.m)
    for fam, k in (("PA", 2.0), ("W", 2.0), ("XP", 1.0), ("C", 1.0), ("XM", 1.0)):
        for name, v0 in base.items():
            if name.split("[")[0] == fam:
                assert new[name] == pytest.approx(k * v0, rel=1e-7, abs=1e-9), name
    if "GSAV" in model.closure.fixed:
        model.m.GSAV.set_value(model.m.GSAV.value / 2)
    dropped = model.m.eq_xat["TRAD"]
    dropped.deactivate()
    model.m.WALRAS.fix(0.0)
    model.solve(**{num: 1.0})
    assert abs(pyo.value(dropped.body) - pyo.value(dropped.upper)) < 1e-6     # billion yuan (SAM rounding 2e-7)


def test_china_duty_abolition_signs(china_cal):
    """Abolishing the duty on vehicles (TREQ, the highest effective rate): its imports rise, its import
    and Armington prices fall, duty revenue falls by about its duty (9.3 % of CIF imports)."""
    model = cge.Model(china_cal)
    b = model.solve(0.0).to_xarray()
    assert b.tariff_revenue.item() == pytest.approx(299.785, rel=1e-9)
    ds = model.solve(0.0, tm={"TREQ": 0.0}).to_xarray()
    t = dict(sector="TREQ")
    assert ds.imports_sector.sel(**t).item() > b.imports_sector.sel(**t).item()
    assert ds.price_import.sel(**t).item() < 1.0 and ds.price.sel(**t).item() < 1.0
    assert ds.tariff_revenue.item() < b.tariff_revenue.item() - 0.9 * china_cal.tariff0["TREQ"]


# ----------------------------------------------------------------------------- duty shocks in scenario files


def _scenario(tmp_path, shock: str):
    body = ('name="T"\nstart_year = 2022\n[carbon_price]\n2022 = 50\n2030 = 130\n[[shocks]]\n' + shock)
    p = tmp_path / "T.toml"
    p.write_text(body)
    return p


def test_tm_shock_in_a_scenario_file(tmp_path):
    from cge.scenarios import load_scenario
    sc = load_scenario(_scenario(tmp_path, 'variable = "tm"\nvalue = 0.0\nmode = "set"\nfrom_year = 2025\ncommodities = ["TREQ", "FOOD"]\n'))
    model = cge.Model(toy2_cal())
    assert [v.name for v in sc.shocks[0].targets(model.m.tm)] == []            # no TREQ/FOOD in the toy
    sc2 = load_scenario(_scenario(tmp_path, 'variable = "tm"\nvalue = 0.5\nfrom_year = 2025\n'))
    assert len(sc2.shocks[0].targets(model.m.tm)) == 3                          # all commodities
    # the year loop resets the 2017 rates before a scale shock, so it does not compound
    from cge.model.trade import reset_duties
    for _ in range(3):
        reset_duties(model.m)
        for v in sc2.shocks[0].targets(model.m.tm):
            v.set_value(0.5 * v.value)
    assert model.m.tm["AGR"].value == pytest.approx(0.5 * 2 / 18)


@pytest.mark.parametrize("shock, message", [
    ('variable = "tm"\nvalue = 0.0\nmode = "set"\nfrom_year = 2025\ncommodities = ["NOPE"]\n',
     r"T\.toml.*field shocks\.0\.commodities: unknown commodity 'NOPE'"),
    ('variable = "G"\nvalue = 1.1\nfrom_year = 2025\ncommodities = ["TREQ"]\n',
     r"field shocks\.0\.commodities: 'G' is not indexed by commodity"),
])
def test_bad_tm_shock_names_file_and_field(tmp_path, shock, message):
    from cge.scenarios import load_scenario
    with pytest.raises(InputError, match=message):
        load_scenario(_scenario(tmp_path, shock))


def test_bad_closure_option_is_one_clear_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('fixed = ["K", "LS"]\n[options]\ncapital = "flying"\n')
    with pytest.raises(InputError, match=r"bad\.toml: field 'options.capital': 'flying' is not one of \['specific', 'mobile'\]"):
        load_closure(str(bad))
    bad.write_text('fixed = ["K", "LS"]\n[options]\ncapital = "mobile"\n')
    with pytest.raises(InputError, match=r"bad\.toml: field 'fixed': capital = 'mobile' needs \['KS'\] fixed"):
        load_closure(str(bad))


def test_labour_closures_fixed_supply_and_fixed_real_wage():
    """Labour as closure data: with a fixed supply the wage moves and employment stays; with a fixed
    real wage employment moves and the real wage stays (a duty cut on the toy)."""
    fixed = cge.Model(toy2_cal(), "standard")
    fixed.solve(0.0, tm=0.0)
    m = fixed.m
    assert pyo.value(m.LS) == pytest.approx(1.0, abs=1e-12)
    assert abs(pyo.value(m.W / m.PNUM) - 1) > 1e-4
    rw = cge.Model(toy2_cal(), "real_wage")
    rw.solve(0.0, tm=0.0)
    m = rw.m
    assert pyo.value(m.W / m.PNUM) == pytest.approx(1.0, rel=1e-10) and pyo.value(m.WADJ) == 0.0
    assert abs(pyo.value(m.LS) - 1) > 1e-4
    labour = sum(rw.cal.lab0[j] * pyo.value(m.L[j]) for j in rw.cal.sectors)
    assert labour == pytest.approx(float(rw.cal.lab0.sum()) * pyo.value(m.LS), rel=1e-10)
