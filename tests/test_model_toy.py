"""Static model on the 3-sector toy SAM: replication, homogeneity, Walras, closures, carbon signs, bad input."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest

import calibration as C
import cge
import sam
from sam.errors import BalanceError, InputError


def toy_cal(toy_dir, el=None):
    S = sam.load_sam(toy_dir)
    el = C.load_elasticities(toy_dir / "elasticities.csv") if el is None else el
    return C.calibrate(S, el, sam.load_co2(toy_dir), sam.load_process_co2(toy_dir),
                       C.load_sector_groups(toy_dir / "sector_groups.csv"), roles={"ENE": "coal"},
                       categories=C.load_consumption_categories(toy_dir / "consumption_categories.csv"))


@pytest.fixture()
def toy(toy_dir):
    return cge.Model(toy_cal(toy_dir))


def _vars(m, fixed=False):
    return {v.name: pyo.value(v) for v in m.component_data_objects(pyo.Var) if fixed or not v.fixed}


def test_replication_at_zero_price(toy):
    sol = toy.solve(0.0)
    for name, val in _vars(toy.m).items():
        base = 0.0 if name.startswith(("WALRAS", "CREV", "XPO")) else (toy.cal.benchmark_co2() if name == "EMI" else 1.0)
        assert abs(val - base) < 1e-8 * max(1.0, abs(base)), name
    ds = sol.to_xarray()
    assert np.allclose(ds.output.values, toy.cal.xp0.values, rtol=1e-10)
    assert ds.gdp.item() == pytest.approx(toy.cal.sam.loc[["lab", "cap", "ptax"]].filter(like="a_").sum().sum(), rel=1e-10)


def test_homogeneity(toy, homogeneous):
    toy.solve(50.0)
    base = _vars(toy.m)
    toy.solve(50.0, PNUM=2.0)
    new = _vars(toy.m)
    prices = {"PA", "PD", "PX", "P", "W", "RK", "ER", "YH", "YE", "YG", "GSAV", "CREV"}
    quantities = {"XP", "XA", "XAT", "XD", "XM", "XE", "C", "L", "Q", "INV", "EMI"}
    assert homogeneous(base, new, prices, quantities, rel=1e-8, abs_q=None) > 50


def test_walras(toy):
    m = toy.m
    dropped = m.eq_xat["SRV"]
    dropped.deactivate()
    m.WALRAS.fix(0.0)
    toy.solve(100.0)
    resid = pyo.value(dropped.body) - pyo.value(dropped.upper)
    assert abs(resid) < 1e-8


def test_square_check_reports_by_block(toy_dir, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\nfixed = ["K", "LS", "PWM", "PWE", "FSAV", "G", "TRG", "PNUM", "CTAX", "RECYC", "TPADJ", "STK", "ALAB", "AEEI", "FSW", "AELEC", "ESAV", "APROC", "APT", "TGEN", "ARES", "INV"]\n')
    with pytest.raises(InputError, match=r"non-square.*-1\).*institutions"):
        cge.Model(toy_cal(toy_dir), closure=str(bad))


def test_unknown_closure_variable(toy_dir, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('fixed = ["K", "NOPE"]\n')
    with pytest.raises(InputError, match=r"bad\.toml: field 'fixed': unknown variable\(s\) \['NOPE'\]"):
        cge.Model(toy_cal(toy_dir), closure=str(bad))


def test_toy_carbon_price_signs(toy):
    toy.solve(0.0)
    e0 = pyo.value(toy.m.EMI)
    sol = toy.solve(100.0)
    m, ds = toy.m, sol.to_xarray()
    assert ds.co2.item() < e0
    assert ds.output.sel(sector="ENE").item() < toy.cal.xp0["ENE"]       # the fossil sector contracts
    assert pyo.value(m.PU["ENE", "AGR"]) > 1.0                              # purchasers pay more for ENE
    assert pyo.value(m.PA["ENE"]) < 1.0                                     # its pre-tax price falls
    assert ds.carbon_revenue.item() == pytest.approx(100.0 * ds.co2.item() / 1000.0, rel=1e-10)


def test_cap_closure_gives_price(toy):
    sol = toy.solve(100.0)
    cap = sol.to_xarray().co2.item()
    toy.solve(0.0)
    toy.set_closure("cap")
    toy.m.EMI.fix(cap)
    toy.m.CTAX.set_value(10.0)
    sol2 = toy.solve()
    assert sol2.carbon_price == pytest.approx(100.0, rel=1e-6)


def test_bad_elasticity_inputs(toy_dir, tmp_path):
    el = pd.read_csv(toy_dir / "elasticities.csv")
    neg = el.copy()
    neg.loc[neg.parameter == "sigma_ke", "value"] = -0.5
    neg.to_csv(tmp_path / "neg.csv", index=False)
    with pytest.raises(InputError, match=r"neg\.csv: line 4, column value: negative elasticity"):
        C.load_elasticities(tmp_path / "neg.csv")
    miss = el.copy()
    miss.loc[miss.parameter == "sigma_arm", "group"] = "agri"
    miss.to_csv(tmp_path / "miss.csv", index=False)
    with pytest.raises(InputError, match=r"miss\.csv: column group: parameter 'sigma_arm' has no row for sector ENE"):
        toy_cal(toy_dir, C.load_elasticities(tmp_path / "miss.csv"))


def test_unbalanced_sam_rejected_by_calibration(toy_dir):
    S = sam.load_sam(toy_dir)
    S.loc["c_AGR", "hh_rural"] += 1.0
    with pytest.raises(BalanceError, match="c_AGR"):
        C.calibrate(S, C.load_elasticities(toy_dir / "elasticities.csv"), groups=C.load_sector_groups(toy_dir / "sector_groups.csv"))


def test_recycling_through_production_tax_cut(toy_dir):
    model = cge.Model(toy_cal(toy_dir), closure="recycle_ptax")
    model.solve(0.0)
    assert pyo.value(model.m.TPADJ) == pytest.approx(1.0, abs=1e-9)
    model.solve(100.0)
    m = model.m
    assert pyo.value(m.TPADJ) < 1.0                                  # revenue pays for lower production taxes
    assert pyo.value(m.GSAV) == pytest.approx(1.0, abs=1e-12)
    # the government budget closes: revenue - consumption - transfers = saving (billion yuan)
    cal = model.cal
    T = cal.transfers
    rev = (sum(pyo.value(m.TPADJ * m.tp[j] * m.PX[j] * m.XP[j]) * cal.xp0[j] for j in cal.sectors)
           + sum(pyo.value(m.YH[h]) * m._base["hh_inc0"][h] * m._base["ytax"][h] for h in ["hh_rural", "hh_urban"])
           + float(T.loc["gov", "ent"]) / m._base["ent_inc0"] * pyo.value(m.YE) * m._base["ent_inc0"]
           + pyo.value(m.CREV))
    spend = (sum(pyo.value(m.PA[i]) * pyo.value(m.G) * cal.gov0[i] for i in cal.sectors)
             + sum(m._base["gov_tr0"][h] * pyo.value(m.TRG[h] * m.PNUM) for h in ["hh_rural", "hh_urban"]))
    assert rev - spend == pytest.approx(float(T.loc["sav", "gov"]), rel=1e-8)


def test_in_memory_solve_matches_solverfactory(toy_dir):
    from cge.solve import solve as factory_solve
    a = cge.Model(toy_cal(toy_dir))
    a.solve(0.0)
    a.solve(80.0)                                   # in memory, warm start
    b = cge.Model(toy_cal(toy_dir))
    b.m.CTAX.set_value(80.0)
    info = factory_solve(b.m, where="toy")          # Pyomo SolverFactory('cyipopt')
    assert info.termination == "optimal"
    va, vb = _vars(a.m), _vars(b.m)
    for k in va:
        assert va[k] == pytest.approx(vb[k], rel=1e-8, abs=1e-10), k


def test_failed_solve_names_where_status_and_residuals(toy_dir):
    model = cge.Model(toy_cal(toy_dir))
    model.solver.options["max_iter"] = 0
    with pytest.raises(cge.SolveError, match=r"toy 2030: IPOPT status -1 .*max residual .*worst: eq_"):
        model.solve(500.0, where="toy 2030")
