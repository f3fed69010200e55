"""Recursive dynamics, scenarios, runner: baseline calibration, policy economics, resume, determinism."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from cge import runner
from cge.drivers import load_drivers
from cge.dynamics import DynamicRun
from cge.scenarios import load_scenario
from sam.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
PAPER_BASELINE = {2025: 10370, 2030: 10660, 2035: 10480, 2040: 9830, 2050: 7350, 2060: 4000}
TABLE2 = {"S1": [50, 130, 180, 230, 330, 430], "S2": [100, 170, 213, 256, 343, 430], "S3": [150, 210, 247, 284, 359, 430],
          "S4": [100, 180, 230, 280, 380, 480], "S5": [100, 220, 295, 370, 520, 670], "S6": [100, 260, 360, 460, 660, 860]}


@pytest.fixture(scope="module")
def long_run(tmp_path_factory):
    """Baseline 2017-2060, then S1 and S6 for 2017-2025 (one process)."""
    out = tmp_path_factory.mktemp("run")
    runner.run_one("baseline", 2017, 2060, out, resume=False)
    for s in ("S1", "S6"):
        runner.run_one(s, 2017, 2025, out, resume=False)
    base = runner._read(runner.result_path(out, "baseline"))
    parts = [base.sel(year=slice(2017, 2025)).expand_dims(scenario=["baseline"])]
    parts += [runner._read(runner.result_path(out, s)).expand_dims(scenario=[s]) for s in ("S1", "S6")]
    short = xr.concat(parts, dim="scenario", combine_attrs="drop", join="inner")
    return out, base, short


# ----------------------------------------------------------------------------- scenario files


def test_price_paths_follow_table2():
    for name, vals in TABLE2.items():
        sc = load_scenario(name)
        for y, v in zip([2022, 2030, 2035, 2040, 2050, 2060], vals):
            assert sc.price(y) == v
        assert sc.price(2021) == 0.0
        assert sc.price(2026) == pytest.approx(vals[0] + (vals[1] - vals[0]) * 4 / 8)


@pytest.mark.parametrize("body, field", [
    ('name="X"\n[carbon_price]\n2030 = 10\n2025 = 20\n', "carbon_price"),
    ('name="X"\n[carbon_price]\n2025 = -5\n', "carbon_price"),
    ('name="X"\ncovered = ["COAL", "NOPE"]\n[carbon_price]\n2025 = 5\n', "covered"),
    ('name="X"\nclosure = "nosuch"\n[carbon_price]\n2025 = 5\n', "closure"),
    ('name="X"\nrecycling = "helicopter"\n[carbon_price]\n2025 = 5\n', "recycling"),
    ('name="X"\n[closure_from]\n2051 = "policy"\n[carbon_price]\n2025 = 5\n', r"\(file\): closure_from is for baseline"),
    ('name="X"\ncolour = "red"\n[carbon_price]\n2025 = 5\n', "colour"),
    ('name="X"\n[carbon_price]\n2025 = 5\n[[shocks]]\nvariable = "NOPE"\nvalue = 1.1\nfrom_year = 2025\n', "shocks.0.variable"),
    ('name="X"\n[carbon_price]\n2025 = 5\n[[shocks]]\nvariable = "INV"\nvalue = 1.1\nfrom_year = 2025\n', "shocks.0.variable"),
    ('name="X"\n[carbon_price]\n2025 = 5\n[[shocks]]\nvariable = "G"\nvalue = 1.1\nfrom_year = 2025\nto_year = 2020\n', "shocks.0"),
])
def test_bad_scenario_file_names_file_and_field(tmp_path, body, field):
    p = tmp_path / "bad.toml"
    p.write_text(body)
    with pytest.raises(InputError, match=rf"bad\.toml: field {field}"):
        load_scenario(p)


def test_baseline_closure_from_names_an_existing_closure(tmp_path):
    """The shipped baseline switches closure after the outlook; a baseline naming an unknown one fails."""
    from cge.scenarios import SCENARIO_DIR
    sc = load_scenario(SCENARIO_DIR / "baseline.toml")
    assert sc.closure_for(2050) == "baseline" and sc.closure_for(2051) == "baseline_pledge"
    p = tmp_path / "baseline.toml"
    p.write_text((SCENARIO_DIR / "baseline.toml").read_text().replace('"baseline_pledge"', '"nosuch"'))
    with pytest.raises(InputError, match=r"field closure_from\.2051: unknown closure 'nosuch'"):
        load_scenario(p)
    p.write_text((SCENARIO_DIR / "baseline.toml").read_text().replace('"baseline_pledge"', '"gov_share"'))
    with pytest.raises(InputError, match=r"field closure_from\.2051: closure 'gov_share' has other equations"):
        load_scenario(p)                         # a run keeps its model: a switch moves bounds only


def test_bad_scenario_fails_before_any_solve(tmp_path, monkeypatch):
    bad = tmp_path / "scen"
    bad.mkdir()
    (bad / "baseline.toml").write_text((ROOT / "scenarios" / "baseline.toml").read_text())
    (bad / "X.toml").write_text('name="X"\n[carbon_price]\n2025 = -1\n')
    monkeypatch.setattr("cge.scenarios.SCENARIO_DIR", bad)
    called = []
    monkeypatch.setattr(runner, "run_one", lambda *a, **k: called.append(a))
    with pytest.raises(InputError, match="X.toml: field carbon_price"):
        runner.run("X", end=2020, out=tmp_path / "o", jobs=1, progress=False)
    assert called == []


# ----------------------------------------------------------------------------- baseline


def test_baseline_hits_co2_path_and_gdp_growth(long_run):
    _, base, _ = long_run
    for y, v in PAPER_BASELINE.items():
        assert abs(base.co2.sel(year=y).item() / v - 1) < 0.01, y
    g = load_drivers().gdp
    growth = base.gdp.to_pandas().pct_change().dropna() * 100
    expect = g.pct_change().dropna() * 100
    assert (abs(growth - expect.loc[growth.index]) < 0.1).all()
    assert base.co2.sel(year=2017).item() == pytest.approx(9408.170796, rel=1e-9)


def test_baseline_power_mix_moves_to_clean(long_run):
    _, base, _ = long_run
    gen = base.output.sel(sector=["ECOA", "EGAS", "EHYD", "ENUC", "ENEW"])
    share = gen / gen.sum("sector")
    assert share.sel(sector="ECOA", year=2060) < 0.2 * share.sel(sector="ECOA", year=2017)
    assert share.sel(sector="ENEW", year=2060) > 5 * share.sel(sector="ENEW", year=2017)


# ----------------------------------------------------------------------------- policy economics


def test_prices_in_results_equal_anchors(long_run):
    _, _, ds = long_run
    assert ds.carbon_price.sel(scenario="S1", year=2022).item() == 50
    assert ds.carbon_price.sel(scenario="S6", year=2022).item() == 100
    assert ds.carbon_price.sel(scenario="S6", year=2025).item() == pytest.approx(100 + 160 * 3 / 8)
    assert (ds.carbon_price.sel(year=slice(2017, 2021)) == 0).all()


def test_policies_cut_co2_from_2022_at_small_gdp_cost(long_run):
    _, _, ds = long_run
    d = (ds.co2.sel(scenario=["S1", "S6"]) / ds.co2.sel(scenario="baseline") - 1).sel(year=slice(2022, 2025))
    assert (d < 0).all()
    before = ds.co2.sel(year=slice(2017, 2021))
    assert np.array_equal(before.sel(scenario="S1").values, before.sel(scenario="baseline").values)
    g = (ds.gdp.sel(scenario=["S1", "S6"]) / ds.gdp.sel(scenario="baseline") - 1).sel(year=2025)
    assert (g < 0).all() and (g > -0.03).all()
    assert g.sel(scenario="S6") < g.sel(scenario="S1")          # S6's 2025 price is higher


def test_coal_contracts_most_and_clean_power_expands(long_run):
    _, _, ds = long_run
    out = (ds.output.sel(scenario="S6") / ds.output.sel(scenario="baseline") - 1).sel(year=2025)
    worst = out.sortby(out).sector.values[:5]
    assert {"COAL", "ECOA"} & set(worst)
    for k in ("ENEW",):
        assert out.sel(sector=k) > 0


def test_deficit_neutral_recycling_keeps_government_saving(long_run):
    """Lump-sum recycling holds government saving on its baseline path; the rest goes to households."""
    _, _, ds = long_run
    for s in ("S1", "S6"):
        gs = ds.gov_saving.sel(scenario=s, year=slice(2022, 2025))
        np.testing.assert_allclose(gs, ds.gov_saving.sel(scenario="baseline", year=slice(2022, 2025)), rtol=1e-9)
        assert (ds.carbon_revenue.sel(scenario=s, year=slice(2022, 2025)) > 0).all()


def test_covered_users_and_shocks_from_the_scenario_file(long_run, tmp_path, monkeypatch):
    """``covered`` limits who pays (revenue = price x covered physical CO2, i.e. reported CO2 over the
    residual index ARES, which is never taxed); a ``shocks`` entry moves a fixed variable."""
    out, _, ds = long_run
    power = ["ECOA", "EGAS", "COAL", "METL", "NMMP"]
    body = ('name="X"\nstart_year = 2022\ncovered = ' + repr(power).replace("'", '"') + '\n'
            '[carbon_price]\n2022 = 50\n2030 = 130\n'
            '[[shocks]]\nvariable = "CTAX"\nvalue = 2.0\nfrom_year = 2024\n')
    (tmp_path / "X.toml").write_text(body)
    (tmp_path / "baseline.toml").write_text((ROOT / "scenarios" / "baseline.toml").read_text())
    monkeypatch.setattr("cge.scenarios.SCENARIO_DIR", tmp_path)
    x = runner.run_one("X", 2017, 2024, out, resume=False)
    s1 = load_scenario(ROOT / "scenarios" / "S1.toml")
    assert x.carbon_price.sel(year=2023).item() == s1.price(2023)
    assert x.carbon_price.sel(year=2024).item() == 2 * s1.price(2024)            # the shock
    for y in (2022, 2023, 2024):
        r = x.sel(year=y)
        covered_co2 = r.co2_sector.sel(sector=power).sum().item()
        physical = covered_co2 / r.ares.item()
        assert r.carbon_revenue.item() == pytest.approx(r.carbon_price.item() * physical / 1000, rel=1e-9)
        assert covered_co2 < 0.8 * r.co2.item()                                     # others do not pay
    cut_x = 1 - x.co2.sel(year=2022).item() / ds.co2.sel(scenario="baseline", year=2022).item()
    cut_s1 = 1 - ds.co2.sel(scenario="S1", year=2022).item() / ds.co2.sel(scenario="baseline", year=2022).item()
    assert 0 < cut_x < cut_s1


def test_cap_scenario_from_a_path_finds_its_price(long_run, tmp_path):
    """A cap-and-trade scenario file given by path (like scenarios/global/global_budget.toml):
    emissions equal the cap, the price is endogenous and positive, files are named by the scenario."""
    out, base, _ = long_run
    cap = {y: round(0.9 * base.co2.sel(year=y).item(), 3) for y in (2022, 2024)}
    f = tmp_path / "capx.toml"
    f.write_text('name = "capx"\nstart_year = 2022\n[cap]\n' + "".join(f"{y} = {v}\n" for y, v in cap.items()))
    ds = runner.run_one(str(f), 2017, 2024, out, resume=False)
    assert runner.result_path(out, str(f)).parent.name.startswith("capx-")
    for y, v in cap.items():
        assert ds.co2.sel(year=y).item() == pytest.approx(v, rel=1e-9)
    p = ds.carbon_price.sel(year=[2022, 2023, 2024]).values
    # a 10 % cut costs most in its first year, when old capital keeps its technique, and less as it
    # turns over (putty-clay vintages); S3's 150 yuan/t cut CO2 by about 20 % with malleable capital
    assert (p > 0).all() and p[0] > p[1] > p[2] and p[2] < 150


# ----------------------------------------------------------------------------- reliability


def _data(p: Path) -> xr.Dataset:
    ds = runner._read(p)
    for k in ("created", "history"):              # the time of writing differs between runs
        ds.attrs.pop(k, None)
    return ds.drop_vars(["solve_seconds"])


def test_deterministic_and_resumable(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for d in (a, b):
        runner.run("S2", end=2024, out=d, jobs=1, progress=False)
    da, db = _data(a / "results.nc"), _data(b / "results.nc")
    assert da.identical(db)                                    # bit-identical data, two runs
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CGE_CHECKPOINT_SECONDS": "0"}   # a checkpoint every year
    cmd = [sys.executable, "-m", "cge", "run", "--scenarios", "S2", "--end", "2024", "--out", str(c), "--jobs", "1", "--quiet"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and not list(c.glob("store/S2-*/state.npz")):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    p = runner.result_path(c, "S2")
    part = runner._read(p) if p.exists() else None
    assert part is None or part.attrs["last_year"] <= 2024
    runner.run("S2", end=2024, out=c, jobs=1, resume=True, progress=False)
    assert _data(c / "results.nc").identical(da)               # resumed == uninterrupted
    solved = []
    orig = DynamicRun.solve_year
    try:
        DynamicRun.solve_year = lambda self, *a, **k: solved.append(a) or orig(self, *a, **k)
        runner.run("S2", end=2024, out=c, jobs=1, resume=True, progress=False)
    finally:
        DynamicRun.solve_year = orig
    assert solved == []                                        # finished: --resume does no solve


def test_failed_year_names_scenario_year_and_status(tmp_path, monkeypatch):
    runner.run_one("baseline", 2017, 2019, tmp_path, resume=False)
    before = runner.result_path(tmp_path, "baseline").read_bytes()
    from cge.solve import IPOPT_OPTIONS
    monkeypatch.setitem(IPOPT_OPTIONS, "max_iter", 0)
    bad = tmp_path / "X.toml"
    bad.write_text('name="X"\nstart_year=2018\n[carbon_price]\n2018 = 500\n')
    monkeypatch.setattr("cge.scenarios.SCENARIO_DIR", tmp_path)
    (tmp_path / "baseline.toml").write_text((ROOT / "scenarios" / "baseline.toml").read_text())
    with pytest.raises(Exception, match=r"scenario X, year 2018: IPOPT status"):
        runner.run_one("X", 2017, 2019, tmp_path, resume=False)
    assert runner.result_path(tmp_path, "baseline").read_bytes() == before
    part = runner._read(runner.result_path(tmp_path, "X"))
    assert list(part.year.values) == [2017] and part.attrs["last_year"] == 2017   # 2017 is a checkpoint
