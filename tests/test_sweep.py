"""Sweeps on Dask: equal to one-by-one `cge run`, resumable after a kill, failures recorded,
a scheduler address works like the local default; SSA analyses and MAC curves."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from cge import runner, ssa
from cge import sweep as sw
from sam.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
END = 2024
GRID = """name = "g8"
design = "grid"
template = "S4"
[price]
start_price = [50, 100, 150, 200]
growth = [0, 10]
start_year = [2022]
"""
ECON = ["co2", "gdp", "output", "co2_sector", "investment", "consumption", "carbon_price"]


@pytest.fixture(scope="module")
def grid_sweep(tmp_path_factory):
    d = tmp_path_factory.mktemp("sweep")
    spec = d / "g8.toml"
    spec.write_text(GRID)
    ds = sw.sweep(spec, d / "out", workers=2, end=END, progress=False)
    return spec, d, ds


@pytest.fixture(scope="module")
def scheduler():
    from dask.distributed import LocalCluster
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    yield cluster.scheduler_address
    cluster.close()


# ----------------------------------------------------------------------------- spec validation


@pytest.mark.parametrize("body, field", [
    ('name="x"\n[price]\nstart_price=[1]\ngrowth=[1]\nend_price=[2]\n', "price"),
    ('name="x"\n[price]\nstart_price={low=1, high=2}\n', r"\(file\)"),
    ('name="x"\ndesign="random"\nn=2\n[price]\nstart_price=[1]\n[elasticities]\nsigma_nope="range"\n', "elasticities.sigma_nope"),
    ('name="x"\ndesign="random"\n[price]\nstart_price=[1]\n', r"\(file\)"),
    ('name="x"\ntemplate="nosuch"\n[price]\nstart_price=[1]\n', "template"),
    ('name="x"\n[price]\nstart_price=[1]\nslope=[2]\n', "price"),
])
def test_bad_spec_names_file_and_field(tmp_path, body, field):
    p = tmp_path / "bad.toml"
    p.write_text(body)
    with pytest.raises(InputError, match=rf"bad\.toml: field ({field})"):
        sw.load_spec(p)


def test_design_points():
    spec = sw.SweepSpec(name="x", design="grid", price={"start_price": [1, 2], "growth": [0, 5, 10]}, recycling=["lump_sum", "gov"])
    pts = sw.design_points(spec)
    assert len(pts) == 12 and len({p["run"] for p in pts}) == 12
    oat = sw.SweepSpec(name="o", design="oat", price={"start_price": [100]}, elasticities={"sigma_ke": "range", "sigma_arm": "range"})
    pts = sw.design_points(oat)
    assert len(pts) == 5 and sum("el_sigma_ke" in p for p in pts) == 2
    el = sw.point_elasticities(pts[2])                        # sigma_ke at the high end of its range
    rows = el[el.parameter == "sigma_ke"]
    assert (rows.value == rows.high).all()
    r1 = sw.design_points(sw.SweepSpec(name="r", design="random", n=5, seed=3, price={"start_price": sw.Range(low=0, high=10)}))
    r2 = sw.design_points(sw.SweepSpec(name="r", design="random", n=5, seed=3, price={"start_price": sw.Range(low=0, high=10)}))
    assert [p["start_price"] for p in r1] == [p["start_price"] for p in r2]          # seeded


# ----------------------------------------------------------------------------- runs


def test_sweep_equals_cge_run_one_by_one(grid_sweep, tmp_path, monkeypatch):
    """Every sweep run equals the same scenario run with `cge run` (to solver tolerance)."""
    spec, _, ds = grid_sweep
    assert ds.sizes["run"] == 8 and (ds.status == "ok").all()
    scen = tmp_path / "scen"
    scen.mkdir()
    (scen / "baseline.toml").write_text((ROOT / "scenarios" / "baseline.toml").read_text())
    pts = sw.design_points(sw.load_spec(spec))
    for p in pts:
        sc = sw.point_scenario(p, "S4")
        anchors = "\n".join(f"{y} = {v!r}" for y, v in sc.carbon_price.items())
        (scen / f"{p['run']}.toml").write_text(f'name = "{p["run"]}"\nstart_year = {sc.start_year}\n[carbon_price]\n{anchors}\n')
    monkeypatch.setenv("CGE_SCENARIO_DIR", str(scen))           # --scenario-dir: searched first
    one = runner.run([p["run"] for p in pts], end=END, out=tmp_path / "one", jobs=1, progress=False)
    for p in pts:
        a = ds.sel(run=p["run"], case="policy")
        b = one.sel(scenario=p["run"])
        for v in ECON:
            np.testing.assert_allclose(a[v].values, b[v].values, rtol=1e-8, atol=1e-9, err_msg=f"{p['run']} {v}")
    base = ds.sel(case="baseline").isel(run=0)
    np.testing.assert_allclose(base.co2.values, one.sel(scenario="baseline").co2.values, rtol=1e-10)
    # more price, more reduction (the MAC points of this grid)
    mac = ssa.mac_curves(ds, years=(END,))
    assert ssa.mac_monotone(mac) == {END: True}
    assert mac.reduction_mt.sel(year=END).values[0] > 0


def test_scheduler_address_works_like_the_local_default(grid_sweep, scheduler, tmp_path):
    spec, _, ds = grid_sweep
    remote = sw.sweep(spec, tmp_path / "remote", scheduler=scheduler, end=END, progress=False)
    for v in ECON:
        np.testing.assert_allclose(remote[v].values, ds[v].values, rtol=1e-9, atol=1e-9)
    assert list(remote.run.values) == list(ds.run.values)


def test_infeasible_draw_is_recorded_and_the_sweep_goes_on(scheduler, tmp_path):
    import calibration
    el = calibration.load_elasticities()
    el.loc[el.parameter == "sigma_gen", "high"] = 1000.0         # an absurd generation elasticity
    el.to_csv(tmp_path / "el.csv", index=False)
    (tmp_path / "f.toml").write_text('name = "f"\ndesign = "grid"\nelasticity_file = "el.csv"\n'
                                     '[price]\nstart_price = [1000]\ngrowth = [0]\n[elasticities]\nsigma_gen = [0.0, 1.0]\n')
    ds = sw.sweep(tmp_path / "f.toml", tmp_path / "out", scheduler=scheduler, end=2023, progress=False)
    st = dict(zip(ds.el_sigma_gen.values.tolist(), ds.status.values.tolist()))
    assert st == {0.0: "ok", 1.0: "failed"}
    err = str(ds.error.sel(run=ds.run.values[ds.el_sigma_gen.values == 1.0][0]).item())
    # the year it fails in depends on the starting point (the baseline's extrapolated start: 2021)
    assert re.search(r"scenario \w+, year 202[0-3]: IPOPT status", err), err
    assert np.isnan(ds.co2.sel(case="policy").values[ds.el_sigma_gen.values == 1.0]).all()
    failed = json.loads(next((tmp_path / "out" / "runs").glob("*.failed.json")).read_text())
    assert "IPOPT status" in failed["error"]


def test_killed_sweep_resumes_only_missing_runs(tmp_path):
    spec = tmp_path / "k.toml"
    spec.write_text('name = "k"\n[price]\nstart_price = [30, 60, 90, 120]\ngrowth = [0]\n')
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "cge", "sweep", str(spec), "--out", str(out), "--workers", "1", "--end", "2023",
           "--quiet", "--no-report"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 180
    while time.time() < deadline and not list((out / "runs").glob("*.nc")):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = {f.name: f.stat().st_mtime_ns for f in (out / "runs").glob("*.nc")}
    assert 1 <= len(done) < 4
    ds = sw.sweep(spec, out, workers=1, end=2023, resume=True, progress=False)
    assert (ds.status == "ok").all() and ds.sizes["run"] == 4
    for name, mtime in done.items():
        assert (out / "runs" / name).stat().st_mtime_ns == mtime          # finished runs were not redone
    full = sw.sweep(spec, tmp_path / "fresh", workers=1, end=2023, progress=False)
    np.testing.assert_allclose(ds.co2.values, full.co2.values, rtol=1e-9)


# ----------------------------------------------------------------------------- analyses


def _fake(design: str, values: dict[str, list], co2_policy: list[float]) -> xr.Dataset:
    """A sweep-shaped Dataset with given design coordinates and 2060 CO2 (baseline 100)."""
    n = len(co2_policy)
    co2 = np.stack([np.full(n, 100.0), np.array(co2_policy)])[:, :, None]
    ds = xr.Dataset({"co2": (("case", "run", "year"), co2), "gdp": (("case", "run", "year"), np.ones((2, n, 1))),
                     "carbon_price": (("case", "run", "year"), np.zeros((2, n, 1)))},
                    coords={"case": ["baseline", "policy"], "run": [f"r{k}" for k in range(n)], "year": [2060],
                            "status": ("run", ["ok"] * n), **{k: ("run", np.array(v, dtype=float)) for k, v in values.items()}})
    ds.attrs["design"] = design
    return ds


def test_tornado_ranks_groups_by_their_swing():
    nan = np.nan
    ds = _fake("oat", {"el_a": [nan, 0, 1, nan, nan], "el_b": [nan, nan, nan, 0, 1]}, [80, 79, 81, 70, 90])
    t = ssa.tornado(ds)
    assert list(t.index) == ["b", "a"]
    assert t.loc["b", "co2_low"] == pytest.approx(-10.0) and t.loc["b", "co2_high"] == pytest.approx(10.0)
    assert t.loc["a", "co2_swing"] == pytest.approx(2.0)


def test_tornado_shows_failed_ends(tmp_path):
    nan = np.nan
    ds = _fake("oat", {"el_a": [nan, 0, 1, nan, nan], "el_b": [nan, nan, nan, 0, 1]}, [80, 79, 81, 70, nan])
    ds = ds.assign_coords(status=("run", ["ok", "ok", "ok", "ok", "failed"]))
    t = ssa.tornado(ds)
    assert t.loc["b", "high_status"] == "failed" and np.isnan(t.loc["b", "co2_high"])
    assert list(t.index) == ["a", "b"]                              # a failed end ranks last, is still listed
    assert ssa.analyses(ds) == ["tornado"]
    files = ssa.report(ds, tmp_path)
    svg = next(f for f in files if f.name == "tornado.svg").read_text()
    assert "high: failed" in svg and {f.name for f in files} >= {"tornado.csv", "tornado.png"}


def test_analysis_fits_the_design():
    nan = np.nan
    price = _fake("grid", {}, [80, 70, 60])
    price["carbon_price"] = price.carbon_price + xr.DataArray([0.0, 100, 200], dims="run") * (price.case == "policy")
    assert ssa.analyses(price) == ["mac"]
    assert ssa.analyses(_fake("random", {"el_a": [0.2, 0.5, 0.9]}, [80, 70, 60])) == ["bands"]
    assert ssa.analyses(_fake("sobol", {"el_a": [0.2, 0.5, 0.9]}, [80, 70, 60])) == ["bands", "sobol"]
    assert ssa.analyses(_fake("oat", {"el_a": [nan, 0, 1]}, [80, 70, 60])) == ["tornado"]


def test_run_names_are_readable():
    grid = sw.SweepSpec(name="x", design="grid", price={"start_price": [50, 100], "growth": [0, 12.5]},
                        recycling=["lump_sum", "ptax"])
    names = [p["run"] for p in sw.design_points(grid)]
    assert names[:2] == ["p50_g0_lump_sum", "p50_g0_ptax"] and "p100_g12p5_ptax" in names
    oat = sw.SweepSpec(name="o", design="oat", price={"start_price": [100]}, elasticities={"sigma_ke": "range"})
    assert [p["run"] for p in sw.design_points(oat)] == ["central", "sigma_ke-low", "sigma_ke-high"]
    shipped = sw.load_spec("price_grid")                       # a shipped spec by name (installed package)
    assert [p["run"] for p in sw.design_points(shipped)][:2] == ["p25", "p50"]


def test_sobol_indices_find_the_influential_parameter():
    spec = sw.SweepSpec(name="s", design="sobol", n=64, seed=1, price={"start_price": [100]},
                        elasticities={"sigma_ke": "range", "sigma_arm": "range"})
    pts = sw.design_points(spec)
    x = np.array([[p["el_sigma_ke"], p["el_sigma_arm"]] for p in pts])
    y = 100 - 20 * x[:, 0] - 0.5 * x[:, 1]                   # sigma_ke matters, sigma_arm barely
    ds = _fake("sobol", {"el_sigma_ke": x[:, 0], "el_sigma_arm": x[:, 1]}, list(y))
    prob = sw.sobol_problem(spec)
    ds.attrs.update(sobol_names=",".join(prob["names"]), sobol_bounds=json.dumps(prob["bounds"]))
    s = ssa.sobol_indices(ds).set_index(["output", "parameter"])
    assert s.loc[("co2_pct_2060", "el_sigma_ke"), "ST"] > 0.9
    assert s.loc[("co2_pct_2060", "el_sigma_arm"), "ST"] < 0.05


def test_bands_are_ordered(grid_sweep):
    _, _, ds = grid_sweep
    b = ssa.bands(ds)
    d = b.co2_pct.sel(year=END)
    assert d.sel(stat="p05") <= d.sel(stat="p50") <= d.sel(stat="p95")
    assert float(d.sel(stat="mean")) == pytest.approx(float(ssa.deviation(ds, "co2").sel(year=END).mean()))
    files = ssa.report(ds, grid_sweep[1] / "rep")                   # a price grid: MAC curves, no bands
    names = {f.name for f in files}
    assert names >= {"mac.nc", f"mac_{END}.csv", "mac.png", "mac.svg"} and not names & {"bands.nc", "tornado.csv"}
    mac = pd.read_csv(grid_sweep[1] / "rep" / "analysis" / f"mac_{END}.csv")
    assert mac.price_yuan_per_t.is_monotonic_increasing


def test_a_failed_scheduler_connection_leaves_dask_config_alone(monkeypatch):
    """A bad --scheduler must not leave dask's default scheduler set to a client that never
    connected: later xarray writes in the same process would look for it and fail."""
    import dask
    monkeypatch.setattr(sw, "SCHEDULER_TIMEOUT", "1s")
    before = dask.config.get("scheduler", None)
    from dask.base import get_scheduler
    with pytest.raises(InputError, match="nonsense"):
        sw._client(1, "nonsense")
    assert dask.config.get("scheduler", None) == before
    assert get_scheduler() is None or "nonsense" not in repr(get_scheduler())     # no dead default client
