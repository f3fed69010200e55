"""Provincial quotas: the method registry, equity rules, ZSG-DEA, metrics, coupling to results.nc, bad input.

The coupling tests run the CGE once for this module (baseline, S1, S3 to 2023; about 10 s).
"""
from __future__ import annotations

import importlib
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import cge  # noqa: F401  (sets the environment)
from cge.allocation.provincial import panel as provincial
from cge.allocation.provincial.rules import RULES, get_rule
from cge.allocation.provincial.metrics import gini, theil
from cge.allocation.provincial.zsg_dea import efficiency
from sam.errors import InputError

CAP = 9000.0          # Mt CO2, a test cap
YEAR = 2030           # a CGE year after the panel: indicators of the latest year with data
OWN = ["equal_per_capita", "grandfathering", "ability_to_pay", "historical_responsibility", "equity_mix", "zsg_dea"]
qrun = importlib.import_module("cge.allocation.provincial.coupling")   # the module behind cge.allocation.provincial.run


def _available(name: str) -> bool:
    """True if the method's module can be imported (helper modules may still be missing)."""
    try:
        get_rule(name)
        return True
    except ImportError:
        return False


@pytest.fixture(scope="module")
def panel() -> xr.Dataset:
    provincial.load_panel.cache_clear()
    return provincial.load_panel()


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> xr.Dataset:
    out = tmp_path_factory.mktemp("cge")
    return cge.run("S1,S3", end=2023, out=out, jobs=1, progress=False)


# ----------------------------------------------------------------------------- registry and common interface


def test_registry_names_exact():
    assert set(RULES) == {"equal_per_capita", "grandfathering", "ability_to_pay", "historical_responsibility",
                            "equity_mix", "zsg_dea", "amlc", "bp", "egs"}
    for name in OWN:
        assert callable(get_rule(name))


@pytest.mark.parametrize("name", list(RULES))
def test_sum_to_cap_nonnegative_deterministic(name, panel):
    if not _available(name):
        pytest.skip(f"{RULES[name]} not present yet")
    f = get_rule(name)
    a = f(CAP, YEAR, panel, seed=3, price=100.0, scenario="S3", unused_option=1)
    b = f(CAP, YEAR, panel, seed=3, price=100.0, scenario="S3", unused_option=1)
    assert a.dims == ("province",) and list(a.province.values) == provincial.PROVINCES
    assert abs(float(a.sum()) - CAP) <= 1e-9 * CAP
    assert (a.values >= 0).all()
    np.testing.assert_array_equal(a.values, b.values)


def test_unknown_method_is_named():
    with pytest.raises(InputError, match="no_such_method.*known rules: equal_per_capita"):
        get_rule("no_such_method")


@pytest.mark.parametrize("name", OWN)
def test_negative_cap_rejected(name, panel):
    with pytest.raises(InputError, match="cap -1.0"):
        get_rule(name)(-1.0, YEAR, panel)


# ----------------------------------------------------------------------------- equity


def test_equal_per_capita_is_population_share(panel):
    q = get_rule("equal_per_capita")(CAP, YEAR, panel)
    y = q.attrs["indicator_year"]
    assert y == 2019                                     # population ends in 2019 in the panel
    pop = panel.population.sel(year=y).values
    np.testing.assert_allclose(q.values / CAP, pop / pop.sum(), rtol=1e-13)


@pytest.mark.parametrize("base_year", [None, 2010])
def test_grandfathering_is_base_year_share(panel, base_year):
    q = get_rule("grandfathering")(CAP, YEAR, panel, base_year=base_year)
    y = 2019 if base_year is None else base_year
    co2 = panel.co2.sel(year=y).values
    np.testing.assert_allclose(q.values / CAP, co2 / co2.sum(), rtol=1e-13)
    assert q.attrs["base_year"] == y


def test_ability_to_pay_gives_richer_provinces_less_per_person(panel):
    q = get_rule("ability_to_pay")(CAP, 2019, panel)
    pc = q.values / panel.population.sel(year=2019).values
    gdppc = panel.gdp.sel(year=2019).values / panel.population.sel(year=2019).values
    assert np.corrcoef(np.log(pc), np.log(gdppc))[0, 1] == pytest.approx(-1.0, abs=1e-12)
    assert pc[provincial.PROVINCES.index("Beijing")] < pc[provincial.PROVINCES.index("Gansu")]


def test_equity_mix_is_weighted_mean(panel):
    f = {k: get_rule(k)(CAP, YEAR, panel).values for k in ("equal_per_capita", "grandfathering")}
    q = get_rule("equity_mix")(CAP, YEAR, panel, weights={"equal_per_capita": 3, "grandfathering": 1})
    np.testing.assert_allclose(q.values, 0.75 * f["equal_per_capita"] + 0.25 * f["grandfathering"], rtol=1e-12)
    with pytest.raises(InputError, match="weights"):
        get_rule("equity_mix")(CAP, YEAR, panel, weights={"nonsense": 1})


# ----------------------------------------------------------------------------- ZSG-DEA


def test_dea_scores_hand_case():
    # A (co2 1, y 1) dominates B (co2 2, y 1): theta_B = 0.5; C (co2 2, y 2) alone reaches y = 2 with x = 1
    theta = efficiency(np.array([1.0, 2.0, 2.0]), np.ones((3, 1)), np.array([1.0, 1.0, 2.0]))
    np.testing.assert_allclose(theta, [1.0, 0.5, 1.0], atol=1e-9)


@pytest.mark.parametrize("returns", ["crs", "vrs"])
def test_zsg_all_efficient_after_total_unchanged(panel, returns):
    q = get_rule("zsg_dea")(CAP, YEAR, panel, returns=returns)
    before, after = np.array(q.attrs["efficiency_before"]), np.array(q.attrs["efficiency_after"])
    assert before.min() < 0.9                            # some provinces inefficient at the start
    assert np.abs(after - 1).max() <= 1e-6
    assert abs(float(q.sum()) - CAP) <= 1e-9 * CAP
    d = panel.sel(year=q.attrs["indicator_year"])        # independent recomputation of the final scores
    again = efficiency(q.values, np.column_stack([d.capital, d.labour, d.energy]), d.gdp.values, returns)
    assert np.abs(again - 1).max() <= 1e-6
    assert "PROXY" in q.attrs["note"]


# ----------------------------------------------------------------------------- metrics


def test_metrics_hand_cases():
    assert gini([2.0, 2.0, 2.0]) == pytest.approx(0.0, abs=1e-15)
    assert theil([2.0, 2.0, 2.0]) == pytest.approx(0.0, abs=1e-15)
    assert gini([0, 0, 0, 1.0]) == pytest.approx(0.75)              # sum|xi-xj| = 6, 2 n^2 mu = 8
    assert theil([0, 0, 0, 1.0]) == pytest.approx(np.log(4))        # one holds everything
    assert gini([1.0, 2.0, 3.0]) == pytest.approx(8 / 36)
    assert gini([1.0, 2.0], [2, 1]) == pytest.approx(gini([1.0, 1.0, 2.0]))   # weights = repetitions
    assert theil([1.0, 2.0], [2, 1]) == pytest.approx(theil([1.0, 1.0, 2.0]))


# ----------------------------------------------------------------------------- data


def test_sector_file_adds_up_to_panel_co2(panel):
    for y in (2017, 2019):
        tot = qrun.provincial_sector_co2(y).sum(axis=1).to_numpy()
        np.testing.assert_allclose(tot, panel.co2.sel(year=y).values, rtol=1e-4)


# ----------------------------------------------------------------------------- coupling


def test_projection_in_base_year_is_ceads_share(results):
    p = qrun.projected_emissions(results, "S3", 2017)
    base = qrun.provincial_sector_co2(2017).sum(axis=1).to_numpy()
    np.testing.assert_allclose(p.values, base / base.sum() * float(results.co2.sel(scenario="S3", year=2017)), rtol=1e-12)
    p23 = qrun.projected_emissions(results, "S3", 2023)
    assert float(p23.sum()) == pytest.approx(float(results.co2.sel(scenario="S3", year=2023)), rel=1e-12)
    assert np.abs(p23.values / p23.values.sum() - base / base.sum()).max() > 1e-4   # sector mix matters


def test_scenario_changes_cap_price_and_trade(results, tmp_path):
    a = cge.allocation.provincial.run(results, "S1", 2023, rules="equal_per_capita,zsg_dea")
    b = cge.allocation.provincial.run(results, "S3", 2023, rules="equal_per_capita,zsg_dea", out=tmp_path)
    for ds, s in ((a, "S1"), (b, "S3")):
        assert ds.attrs["cap"] == pytest.approx(float(results.co2.sel(scenario=s, year=2023)))
        assert ds.attrs["price"] == pytest.approx(float(results.carbon_price.sel(scenario=s, year=2023)))
        np.testing.assert_allclose(ds.quota.sum("province"), ds.attrs["cap"], rtol=1e-9)
        np.testing.assert_allclose(ds.trade_value, ds.surplus * ds.attrs["price"] / 1000, rtol=1e-12)
        np.testing.assert_allclose(ds.surplus, ds.quota - ds.projected, rtol=1e-12)
    assert a.attrs["cap"] > b.attrs["cap"] and a.attrs["price"] < b.attrs["price"]
    assert np.abs(a.trade_value.values).sum() != pytest.approx(np.abs(b.trade_value.values).sum())
    stem = tmp_path / "S3_2023"
    for suffix in (".nc", ".csv", "_metrics.csv", "_metrics.md", "_quota_by_rule.png", "_surplus.png", "_map.png"):
        assert Path(f"{stem}{suffix}").exists(), suffix
    with xr.open_dataset(f"{stem}.nc") as back:
        assert back.quota.dims == ("rule", "province") and back.attrs["price"] == b.attrs["price"]
    assert len(pd.read_csv(f"{stem}.csv")) == 2 * 30


def test_trade_value_moves_with_price(results):
    doubled = results.copy(deep=True)
    doubled["carbon_price"] = doubled.carbon_price * 2
    a = cge.allocation.provincial.run(results, "S3", 2023, rules="equal_per_capita")
    b = cge.allocation.provincial.run(doubled, "S3", 2023, rules="equal_per_capita")
    np.testing.assert_array_equal(a.quota.values, b.quota.values)
    np.testing.assert_allclose(b.trade_value.values, 2 * a.trade_value.values, rtol=1e-12)


def test_all_methods_run_and_failures_are_isolated(results, monkeypatch):
    ds = cge.allocation.provincial.run(results, "S3", 2023)
    present = [m for m in RULES if _available(m)]          # all nine once the helper modules exist
    assert set(OWN) <= set(present)
    assert ds.rule.values.tolist() == present and ds.attrs["rules_failed"] == ""
    monkeypatch.setitem(RULES, "broken", "cge.allocation.no_such_module:allocate")
    ds = cge.allocation.provincial.run(results, "S3", 2023, rules=["equal_per_capita", "broken"])
    assert ds.rule.values.tolist() == ["equal_per_capita"]
    assert "broken: failed" in ds.attrs["status"] and ds.attrs["rules_failed"] == "broken"


def test_cli(results, tmp_path, capsys):
    from cge.cli import main
    nc = tmp_path / "r.nc"
    results.to_netcdf(nc)
    assert main(["quota", "--scenario", "S3", "--year", "2023", "--rules", "equal_per_capita,grandfathering",
                 "--results", str(nc), "--out", str(tmp_path / "q")]) == 0
    assert (tmp_path / "q" / "S3_2023.nc").exists()
    assert main(["quota", "--scenario", "S9", "--year", "2023", "--results", str(nc), "--out", str(tmp_path / "q")]) == 2
    assert "S9" in capsys.readouterr().err


# ----------------------------------------------------------------------------- bad input


def test_bad_year_scenario_method(results):
    with pytest.raises(InputError, match="year 2050 outside the results"):
        cge.allocation.provincial.run(results, "S3", 2050)
    with pytest.raises(InputError, match="scenario 'S7' not found"):
        cge.allocation.provincial.run(results, "S7", 2023)
    with pytest.raises(InputError, match="unknown quota rule.*'foo'"):
        cge.allocation.provincial.run(results, "S3", 2023, rules="equal_per_capita,foo")


def test_negative_cap_in_results(results):
    bad = results.copy(deep=True)
    bad["co2"] = bad.co2.where(~((bad.scenario == "S3") & (bad.year == 2023)), -5.0)
    with pytest.raises(InputError, match="cap must be >= 0"):
        cge.allocation.provincial.run(bad, "S3", 2023, rules="equal_per_capita")


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A copy of the provincial data folder, the loader pointed at it (cache cleared before and after)."""
    src = provincial.DATA
    dst = tmp_path / "provincial"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("raw", "*.py", "__pycache__"))
    monkeypatch.setattr(provincial, "DATA", dst)
    provincial.load_panel.cache_clear()
    yield dst
    provincial.load_panel.cache_clear()


def _drop(path: Path, province: str) -> None:
    df = pd.read_csv(path, dtype=str)
    df[df["province"] != province].to_csv(path, index=False)


def test_missing_province_in_panel_file(data_copy):
    _drop(data_copy / "panel_core.csv", "Hainan")
    with pytest.raises(InputError, match=r"panel_core\.csv.*Hainan"):
        provincial.load_panel()


def test_missing_province_in_sector_file(data_copy, results):
    _drop(data_copy / qrun.SECTOR_CO2_FILE, "Qinghai")
    with pytest.raises(InputError, match=r"ceads_provincial_co2_by_sector\.csv.*Qinghai"):
        cge.allocation.provincial.run(results, "S3", 2023, rules="equal_per_capita")
