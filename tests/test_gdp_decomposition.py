"""Real GDP decomposition (issue 15): capital, labour, productivity and terms of trade add up exactly,
on a real short run (baseline and S6 to 2024), and the report carries the decomposition, EV by
household and the validation corridor."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from cge import report, runner
from cge.gdp_decompose import COMPONENTS, gdp_decomposition, totals

END = 2024          # S6 starts in 2022: three policy years


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gdpd")
    runner.run(["S6"], end=END, out=out, jobs=1, progress=False)
    return out


@pytest.fixture(scope="module")
def ds(results) -> xr.Dataset:
    with xr.open_dataset(results / "results.nc") as d:
        return d.load()


def test_components_add_up_to_real_gdp_and_real_gdi(ds):
    d = ds.gdp_decomposition
    assert list(d.component.values) == COMPONENTS and d.attrs["units"] == "percent of reference real GDP"
    t = totals(ds)
    three = d.sel(component=["capital", "labour", "productivity"]).sum("component")
    np.testing.assert_allclose(three, t.gdp, rtol=0, atol=1e-6)
    np.testing.assert_allclose(d.sum("component"), t.gdi, rtol=0, atol=1e-6)
    # the totals are what the report's GDP tables show: % deviation of real GDP from the baseline
    s6 = ds.sel(scenario="S6")
    np.testing.assert_allclose(t.gdp.sel(scenario="S6"), (s6.gdp / ds.gdp.sel(scenario="baseline") - 1) * 100, atol=1e-9)
    base = ds.gdp.sel(scenario="baseline")
    growth = (base / base.shift(year=1) - 1).fillna(0.0) * 100
    np.testing.assert_allclose(t.gdp.sel(scenario="baseline"), growth, atol=1e-9)
    assert np.all(d.sel(scenario="baseline", year=2017) == 0)                # no previous year
    assert np.all(d.sel(scenario="S6", year=[2018, 2019, 2020, 2021]) == 0)  # no policy yet: the run is the baseline
    assert float(np.abs(d.sel(scenario="S6", year=END)).sum()) > 0.1
    k = ds.gdp_capital_decomposition
    np.testing.assert_allclose(k.sum("capital_part"), d.sel(component="capital"), atol=1e-9)
    assert np.all(k.sel(scenario="S6", capital_part="installed", year=2022) == pytest.approx(0.0, abs=1e-9))  # no new stock yet


def test_signs_under_a_carbon_price(ds):
    d = ds.gdp_decomposition.sel(scenario="S6", year=slice(2022, END))
    emp = (ds.employment.sel(scenario="S6") / ds.employment.sel(scenario="baseline") - 1).sel(year=slice(2022, END))
    moved = np.abs(emp) > 1e-9
    assert moved.any()
    # the labour term moves with employment (weighted by a positive labour share)
    assert np.all(np.sign(d.sel(component="labour").where(moved, drop=True)) == np.sign(emp.where(moved, drop=True)))
    # technology is at its baseline values: what the price does to productivity is an efficiency loss
    assert np.all(d.sel(component="productivity") < 0)
    # capital in use falls with the price (investment and use both fall), and so does its term
    ku = ds.capital_in_use.sum("sector")
    assert np.all((ku.sel(scenario="S6") < ku.sel(scenario="baseline")).sel(year=slice(2022, END)))
    assert np.all(d.sel(component="capital") < 0)


def test_accounts_income_side_equals_expenditure_side(ds):
    inc = ds.labour_income + ds.capital_income.sum("sector") + ds.indirect_taxes
    np.testing.assert_allclose(inc, ds.gdp_nominal, rtol=1e-7)
    real = ds.absorption_real + ds.exports - ds.imports
    np.testing.assert_allclose(real, ds.gdp, rtol=1e-9)
    np.testing.assert_allclose(ds.real_gdi - ds.gdp, ds.trading_gain, atol=1e-6)
    b17 = ds.sel(scenario="baseline", year=2017)
    assert abs(float(b17.trading_gain)) < 1e-7 * float(b17.gdp)     # 2017 prices: no trading gain (up to the solve's tolerance)
    for v in ("gdp_nominal", "capital_income", "real_gdi", "gdp_decomposition"):
        assert ds[v].attrs.get("units") and ds[v].attrs.get("long_name"), v


def test_decomposition_is_exact_on_arbitrary_states():
    """Exact by construction whatever the states (the productivity term is the residual in logs)."""
    rng = np.random.default_rng(0)
    sec = ["A", "B", "C"]
    def state(scale):
        return xr.Dataset({"gdp": ((), 100 * scale), "gdp_nominal": ((), 104 * scale), "labour_income": ((), 50 * scale),
                           "capital_income": (("sector",), rng.uniform(5, 20, 3)), "employment": ((), rng.uniform(0.9, 1.1)),
                           "capital_in_use": (("sector",), rng.uniform(10, 40, 3)), "trading_gain": ((), rng.normal())},
                          coords={"sector": sec})
    ds = xr.concat([state(1.0), state(1.07), state(0.97)], dim="year").assign_coords(year=[2017, 2018, 2019])
    ds = xr.concat([ds, ds.copy(deep=True) * 1.0], dim="scenario").assign_coords(scenario=["baseline", "P"])
    ds["real_gdi"] = ds.gdp + ds.trading_gain
    ds = ds.assign(gdp=ds.gdp.where(ds.scenario == "baseline", ds.gdp * 0.98),
                   real_gdi=ds.real_gdi.where(ds.scenario == "baseline", ds.gdp * 0.98 + ds.trading_gain))
    d = gdp_decomposition(ds)
    t = totals(ds)
    np.testing.assert_allclose(d.sel(component=["capital", "labour", "productivity"]).sum("component"), t.gdp, atol=1e-10)
    np.testing.assert_allclose(d.sum("component"), t.gdi, atol=1e-10)


def test_report_has_the_decomposition_ev_and_corridor(results, ds, tmp_path):
    out = tmp_path / "without"
    paths = report.write_report(results / "results.nc", out)
    page = paths["report.html"].read_text()
    assert "Real GDP decomposition" in page and "id='sec-gdp-decomposition'" in page
    assert "id='sec-validation'" in page and "cge validate" in page          # no validation runs yet: says how
    for stem in ("gdp_decomposition", "validation_corridor"):
        assert (out / "figures" / f"{stem}.svg").read_text().lstrip().startswith("<?xml")
        assert f"id='{stem}'" in page
    tab = pd.read_csv(out / "tables" / "gdp_decomposition.csv", index_col=0)
    assert {"capital in use", "labour (employment)", "productivity", "terms of trade"} <= set(tab.columns)
    ev = pd.read_csv(out / "tables" / "ev_by_household.csv", index_col=0)
    assert set(ev.household) == {str(h) for h in ds.household.values} and str(END) in ev.columns
    # with the output of `cge validate` beside results.nc, its runs are drawn and tabulated
    val = tmp_path / "validation"
    val.mkdir()
    pd.DataFrame({"study": ["Zhou et al. (2015)"], "line": [2], "price_yuan_per_t": [30.0], "year": [2020],
                  "co2_pct_study": [-4.52], "co2_pct_model": [-3.0], "gdp_pct_study": [-0.11], "gdp_pct_model": [-0.05],
                  "study_recycling": ["none"], "gdp_capital": [-0.01], "gdp_labour": [-0.02], "gdp_productivity": [-0.03],
                  "gdp_terms_of_trade": [0.01]}).to_csv(val / "validation.csv", index=False)
    pd.DataFrame({"price_yuan_per_t": [50.0, 100.0], "year": [2020, 2020], "co2_pct": [-5.0, -9.0],
                  "gdp_pct": [-0.1, -0.2]}).to_csv(val / "grid.csv", index=False)
    out2 = tmp_path / "with"
    paths = report.write_report(results / "results.nc", out2, validation=val)
    page = paths["report.html"].read_text()
    assert "validation.csv" in page and "grid.csv" in page and "flat price grid (lines)" in page
    comp = pd.read_csv(out2 / "tables" / "validation_corridor.csv", index_col=0)
    assert comp["model GDP: capital in use"].iloc[0] == pytest.approx(-0.01)
    assert "times the study" in page                                         # the median response ratio


@pytest.mark.parametrize("closure", ["standard", "mobile_capital", "gov_share", "recycle_ptax"])
def test_accounts_identity_on_another_sam(closure):
    """Any SAM in the format (the three-household toy with import duties): nominal GDP from the
    expenditure side equals factor income plus indirect taxes under a carbon price and a duty cut,
    and real GDI minus real GDP is the trading gain."""
    import calibration as C
    import cge
    import sam
    from cge.accounts import Accounts
    toy2 = Path(__file__).resolve().parent / "data" / "toy2"
    cal = C.calibrate(sam.load_sam(toy2), C.load_elasticities(toy2 / "elasticities.csv"), sam.load_co2(toy2),
                      sam.load_process_co2(toy2), C.load_sector_groups(toy2 / "sector_groups.csv"), roles={"ENE": "coal"},
                      categories=C.load_consumption_categories(toy2 / "consumption_categories.csv"))
    model = cge.Model(cal, closure)
    shocks = {"tm": 0.0} if "tm" in cge.api.SHOCKS else {}
    sol = model.solve(50.0 if "CTAX" in model.closure.fixed else None, **shocks)
    a = Accounts(model.m)()
    assert a["gdp_income_side"] == pytest.approx(a["gdp_nominal"], rel=1e-8)
    ds = sol.to_xarray()
    assert float(ds.real_gdi - ds.gdp) == pytest.approx(float(ds.trading_gain), abs=1e-8)
    assert float(ds.absorption_real + ds.exports - ds.imports) == pytest.approx(float(ds.gdp), rel=1e-9)
