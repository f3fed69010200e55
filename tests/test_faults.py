"""Fault injection: stale resume, horizon changes, name collisions, concurrent writers, killed
parents and children, corrupt and truncated files, read-only and full disks, NaN/inf inputs and
bad arguments of every command.

Each case checks the exit code, that the message names the culprit (and is not a traceback),
and that earlier results are unchanged. CLI cases run in-process through ``cge.cli.main``; only
the kill and lock cases start interpreters. One solved folder (baseline and S1 to 2023) is made
once per session and copied.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import xarray as xr

from cge import runner, store
from cge.cli import main as cge_main

ROOT = Path(__file__).resolve().parents[1]
END = 2023                   # the session folder's horizon (S1's price starts in 2022)
SCEN = sorted(p.name for p in (ROOT / "scenarios").glob("*.toml"))      # baseline, S1..S6
GOOD = 'name = "U"\nstart_year = 2022\n[carbon_price]\n2022 = 50\n2030 = 130\n'


# ----------------------------------------------------------------------------- helpers


def cli(capsys, *argv) -> SimpleNamespace:
    """Run ``cge *argv`` in this process: exit code, stdout, stderr (never a traceback)."""
    try:
        code = cge_main([str(a) for a in argv])
    except SystemExit as exc:                      # argparse errors
        code = exc.code
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "Traceback" not in out
    return SimpleNamespace(code=code, out=out, err=err)


def snap(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (but the lock file) with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(Path(folder).rglob("*"))
            if p.is_file() and p.name != store.LOCK_NAME}


def no_tmp(folder: Path) -> None:
    """No temporary file is left under ``folder``."""
    left = [p for p in Path(folder).rglob("*") if p.name.endswith(".tmp")]
    assert not left, left


def data(ds: xr.Dataset) -> xr.Dataset:
    """Every variable but timing; global attributes without the creation time."""
    ds = ds.drop_vars([v for v in ("solve_seconds",) if v in ds])
    ds.attrs = {k: v for k, v in ds.attrs.items() if k not in ("created", "history")}
    return ds


@pytest.fixture(scope="session")
def solved(tmp_path_factory) -> SimpleNamespace:
    """Baseline and S1 to 2023, with their scenario files in a folder of their own."""
    root = tmp_path_factory.mktemp("solved")
    scen = root / "scen"
    scen.mkdir()
    for f in SCEN:
        shutil.copy(ROOT / "scenarios" / f, scen / f)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("cge.scenarios.SCENARIO_DIR", scen)
        mp.chdir(root)                             # no ./scenarios here: names resolve to scen/
        runner.run("S1", end=END, out=root / "out", jobs=1, progress=False)
    return SimpleNamespace(root=root, scen=scen, out=root / "out")


@pytest.fixture()
def folder(solved, tmp_path, monkeypatch) -> SimpleNamespace:
    """A private copy of the solved folder and its scenario files (entries point at the copy)."""
    scen, out = tmp_path / "scen", tmp_path / "out"
    shutil.copytree(solved.scen, scen)
    shutil.copytree(solved.out, out)
    for meta in out.glob("store/*/entry.json"):
        m = json.loads(meta.read_text())
        m["file"] = str(scen / Path(m["file"]).name)
        meta.write_text(json.dumps(m))
    monkeypatch.setattr("cge.scenarios.SCENARIO_DIR", scen)
    monkeypatch.chdir(tmp_path)                    # ./scenarios of the checkout would be searched first
    return SimpleNamespace(scen=scen, out=out, tmp=tmp_path)


def entry_dir(out: Path, name: str) -> Path:
    """The one store folder of scenario ``name`` under ``out``."""
    (d,) = list(Path(out).glob(f"store/{name}-*"))
    return d


# ----------------------------------------------------------------------------- NaN/inf and invalid scenario files

BAD_FILES = {
    "nan_price": ('name = "U"\n[carbon_price]\n2025 = nan\n', ["carbon_price.2025", "finite"]),
    "inf_price": ('name = "U"\n[carbon_price]\n2025 = inf\n', ["carbon_price.2025", "finite"]),
    "neg_inf_cap": ('name = "U"\nstart_year = 2022\n[cap]\n2025 = -inf\n', ["cap.2025"]),
    "nan_shock": (GOOD + '[[shocks]]\nvariable = "G"\nvalue = nan\nfrom_year = 2025\n', ["shocks.0.value", "finite"]),
    "cap_and_price": ('name = "U"\nstart_year = 2022\n[carbon_price]\n2022 = 5\n[cap]\n2022 = 9000\n', ["cap", "carbon_price", "not both"]),
    "name_baseline": ('name = "baseline"\n[carbon_price]\n2025 = 5\n', ["field name", "reserved"]),
    "kind_baseline": ('name = "U"\nkind = "baseline"\n', ["field kind", "reserved"]),
    "shock_after_horizon": (GOOD + '[[shocks]]\nvariable = "G"\nvalue = 1.1\nfrom_year = 2070\n', ["shocks.0.from_year", "2070"]),
    "cap_before_horizon": ('name = "U"\n[cap]\n2010 = 9000\n', ["cap.2010"]),
    "all_errors_at_once": ('name = "U"\nrecycling = "x"\n[carbon_price]\n2025 = nan\n[[shocks]]\nvariable = "G"\nvalue = inf\nfrom_year = 2000\n',
                           ["recycling", "carbon_price.2025", "shocks.0.value", "shocks.0.from_year"]),
    "not_toml": ('name = "U\n[carbon_price\n', ["not valid TOML"]),
    "unknown_field": (GOOD + 'colour = "red"\n', ["colour"]),
    "anchor_not_a_year": ('name = "U"\n[carbon_price]\nsoon = 5\n', ["carbon_price", "years"]),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_scenario_file_stops_cge_run_before_any_solve(case, folder, capsys, monkeypatch):
    body, words = BAD_FILES[case]
    f = folder.tmp / f"{case}.toml"
    f.write_text(body)
    before = snap(folder.out)
    monkeypatch.setattr(runner, "run_one", lambda *a, **k: pytest.fail("solved despite a bad file"))
    r = cli(capsys, "run", "--scenarios", f"S1,{f}", "--end", END, "--out", folder.out, "--resume", "--quiet")
    assert r.code == 2
    assert f"{case}.toml" in r.err and all(w in r.err for w in words), r.err
    assert len(r.err.strip().splitlines()) == 1                   # every problem of the file on one line
    assert snap(folder.out) == before


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_scenario_file_in_scenarios_show(case, tmp_path, capsys):
    body, words = BAD_FILES[case]
    f = tmp_path / f"{case}.toml"
    f.write_text(body)
    r = cli(capsys, "scenarios", "show", f)
    assert r.code == 2 and f"{case}.toml" in r.err and all(w in r.err for w in words), r.err


def test_scenarios_list_names_the_invalid_file_and_lists_the_rest(folder, capsys):
    (folder.scen / "broken.toml").write_text('name = "broken"\n[carbon_price]\n2025 = nan\n')
    r = cli(capsys, "scenarios", "list")
    assert r.code == 2 and "broken.toml" in r.err and "carbon_price.2025" in r.err
    assert "S1" in r.out and "baseline" in r.out


# ----------------------------------------------------------------------------- name collisions


def test_two_files_with_one_name_in_one_call(folder, capsys):
    f = folder.tmp / "other.toml"
    f.write_text(GOOD.replace('"U"', '"S1"'))
    before = snap(folder.out)
    r = cli(capsys, "run", "--scenarios", f"S1,{f}", "--end", END, "--out", folder.out, "--resume", "--quiet")
    assert r.code == 2 and "other.toml" in r.err and "S1.toml" in r.err and "unique" in r.err
    assert snap(folder.out) == before


def test_a_user_file_cannot_take_over_a_stored_name(folder, capsys):
    f = folder.tmp / "mine.toml"
    f.write_text(GOOD.replace('"U"', '"S1"').replace("2022 = 50", "2022 = 77"))
    before = snap(folder.out)
    r = cli(capsys, "run", "--scenarios", f, "--end", END, "--out", folder.out, "--resume", "--quiet")
    assert r.code == 2 and "mine.toml" in r.err and "already used" in r.err and "S1.toml" in r.err
    assert snap(folder.out) == before


# ----------------------------------------------------------------------------- the run store: stale inputs, horizon


def test_edited_scenario_is_recomputed_not_reused(folder, capsys, caplog):
    """Reproduction 1: an edited file with --resume gets new results; the old run is kept apart."""
    old_dir = entry_dir(folder.out, "S1")
    old = snap(old_dir)
    f = folder.scen / "S1.toml"
    f.write_text(f.read_text().replace("2022 = 50", "2022 = 300"))
    caplog.set_level("INFO", logger="cge.run")
    r = cli(capsys, "run", "--scenarios", "S1", "--end", END, "--out", folder.out, "--resume", "--quiet", "--jobs", 1)
    assert r.code == 0, r.err
    assert "inputs changed" in caplog.text
    ds = runner._read(folder.out / "results.nc")
    assert ds.carbon_price.sel(scenario="S1", year=2022).item() == 300
    assert snap(old_dir) == old                                   # the earlier run is untouched
    assert len(list(folder.out.glob("store/S1-*"))) == 2


@pytest.mark.parametrize("what", ["scenarios_data", "calibration_data", "sam_data", "closures", "cge_data", "code_version"])
def test_the_key_covers_every_input(what, tmp_path, monkeypatch):
    """A new or changed file in any data folder, or another code version, gives another key."""
    s1, base = ROOT / "scenarios" / "S1.toml", ROOT / "scenarios" / "baseline.toml"
    k0 = store.scenario_key(s1, base, 2017)
    if what == "code_version":
        monkeypatch.setattr("cge.__version__", "0.0.0-test")
    else:
        folders = store.data_folders()
        i = ["scenarios_data", "calibration_data", "sam_data", "closures", "cge_data"].index(what)
        copy = tmp_path / folders[i].name
        shutil.copytree(folders[i], copy)
        (copy / "new_file.csv").write_text("a,b\n1,2\n")
        folders[i] = copy
        monkeypatch.setattr(store, "data_folders", lambda: folders)
    store._common_key.cache_clear()
    try:
        assert store.scenario_key(s1, base, 2017) != k0
        assert store.scenario_key(s1, base, 2018) != store.scenario_key(s1, base, 2017)
    finally:
        store._common_key.cache_clear()


def test_extending_the_horizon_equals_one_uninterrupted_run(folder, tmp_path, capsys, caplog):
    """Reproduction 2: --end 2023 then --end 2025 --resume == --end 2025 (all variables but timing)."""
    caplog.set_level("INFO", logger="cge.run")
    r = cli(capsys, "run", "--scenarios", "S1", "--end", 2025, "--out", folder.out, "--resume", "--quiet", "--jobs", 1)
    assert r.code == 0, r.err
    assert "S1: resuming after 2023" in caplog.text
    r = cli(capsys, "run", "--scenarios", "S1", "--end", 2025, "--out", tmp_path / "fresh", "--quiet")
    assert r.code == 0, r.err
    a = data(runner._read(folder.out / "results.nc"))
    b = data(runner._read(tmp_path / "fresh" / "results.nc"))
    assert a.identical(b)


def test_a_shorter_end_gives_exactly_the_shorter_horizon(folder, capsys, monkeypatch):
    before = snap(folder.out / "store")
    from cge.dynamics import DynamicRun
    monkeypatch.setattr(DynamicRun, "solve_year", lambda *a, **k: pytest.fail("solved although stored"))
    r = cli(capsys, "run", "--scenarios", "S1", "--end", 2020, "--out", folder.out, "--resume", "--quiet")
    assert r.code == 0, r.err
    ds = runner._read(folder.out / "results.nc")
    assert list(ds.year.values) == list(range(2017, 2021)) and list(ds.scenario.values) == ["baseline", "S1"]
    full = runner._read(runner.result_path(folder.out, "S1"))
    mine = ds.sel(scenario="S1", drop=True)[list(full.data_vars)].drop_vars(["sector_name_en", "sector_name_zh"],
                                                                           errors="ignore")
    assert data(mine).equals(data(full.sel(year=slice(2017, 2020))))
    assert snap(folder.out / "store") == before


def test_results_nc_keeps_every_current_scenario(folder, capsys):
    """Reproduction 4: a later call for S2 keeps S1 in results.nc."""
    s1 = snap(entry_dir(folder.out, "S1"))
    r = cli(capsys, "run", "--scenarios", "S2", "--end", END, "--out", folder.out, "--resume", "--quiet")
    assert r.code == 0, r.err
    ds = runner._read(folder.out / "results.nc")
    assert list(ds.scenario.values) == ["baseline", "S1", "S2"]
    assert snap(entry_dir(folder.out, "S1")) == s1


def test_a_changed_file_drops_out_of_results_nc(folder, capsys):
    """An entry whose file changed since is stale: not in results.nc (and not reused)."""
    (folder.scen / "S1.toml").write_text((folder.scen / "S1.toml").read_text() + "\n# edited\n")
    r = cli(capsys, "run", "--scenarios", "baseline", "--end", END, "--out", folder.out, "--resume", "--quiet")
    assert r.code == 0, r.err
    assert list(runner._read(folder.out / "results.nc").scenario.values) == ["baseline"]


# ----------------------------------------------------------------------------- one writer per folder


def _lock_cases(folder) -> dict:
    res = folder.out / "results.nc"
    return {
        "run": (folder.out, ["run", "--scenarios", "S1", "--end", END, "--out", folder.out, "--resume", "--quiet"]),
        "report": (folder.out, ["report", "--results", res]),
        "quota": (folder.tmp / "q", ["quota", "--scenario", "S1", "--year", 2022, "--rules", "equal_per_capita",
                                     "--results", res, "--out", folder.tmp / "q"]),
        "sweep": (folder.tmp / "sw", ["sweep", ROOT / "scenarios" / "sweeps" / "price_grid.toml", "--end", 2019,
                                      "--out", folder.tmp / "sw", "--workers", 1]),
    }


@pytest.mark.parametrize("command", ["run", "report", "quota", "sweep"])
def test_a_second_writer_gets_a_clear_error(command, folder, capsys):
    from filelock import FileLock
    target, argv = _lock_cases(folder)[command]
    target.mkdir(parents=True, exist_ok=True)
    before = snap(target)
    with FileLock(str(target / store.LOCK_NAME), timeout=0):
        r = cli(capsys, *argv)
    assert r.code == 2 and "another cge process" in r.err and str(target) in r.err, r.err
    assert len(r.err.strip().splitlines()) == 1
    assert snap(target) == before


# ----------------------------------------------------------------------------- processes: kill parent or child

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _children(pid: int) -> list[int]:
    """Live (not zombie) processes whose parent is ``pid``."""
    kids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                kids.append(int(d.name))
    return kids


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _kill_alive(pids: list[int]) -> None:
    """SIGKILL those of ``pids`` still alive (a failed test leaves no orphans running)."""
    for p in pids:
        if _alive(p):
            os.kill(p, signal.SIGKILL)


@pytest.fixture(scope="module")
def base_2060(tmp_path_factory) -> Path:
    """A folder holding the shipped baseline solved to 2060 (policy runs then start at once)."""
    out = tmp_path_factory.mktemp("base2060")
    runner.run_one("baseline", 2017, 2060, out, resume=False)
    return out


def _start_pool_run(base_2060: Path, tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    """``cge run --scenarios S1,S2,S3,S4 --jobs 2 --resume`` in a copy of ``base_2060``, once both workers
    solve (four scenarios on two workers: a run takes seconds, so the signal must not land at its end)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("reads /proc")
    out = tmp_path / "out"
    shutil.copytree(base_2060, out)
    cmd = [sys.executable, "-m", "cge", "run", "--scenarios", "S1,S2,S3,S4", "--end", "2060", "--jobs", "2",
           "--out", str(out), "--resume", "--quiet"]
    # a suite started in the background (`make test &`) inherits SIGINT ignored, as Unix does for background
    # jobs, and cge rightly keeps that; the run under test gets the default disposition, as from a terminal
    proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 120
    while time.time() < deadline and not (len(list(out.glob("store/S*-*/entry.json"))) >= 2
                                           and len(_children(proc.pid)) >= 2):
        time.sleep(0.05)
    kids = _children(proc.pid)
    if proc.poll() is not None or len(kids) < 2:
        proc.kill()
        pytest.fail(f"the pool did not start: {proc.communicate()}")
    return proc, out


def _gone_within(pids: list[int], seconds: float) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if not any(_alive(p) for p in pids):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow
@pytest.mark.parametrize("sig, code, word", [(signal.SIGKILL, -9, None), (signal.SIGTERM, 143, "terminated"),
                                             (signal.SIGINT, 130, "interrupted")])
def test_killed_parent_leaves_no_solving_children(sig, code, word, base_2060, tmp_path):
    proc, out = _start_pool_run(base_2060, tmp_path)
    kids = _children(proc.pid)
    base = snap(entry_dir(out, "baseline"))
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    if word:
        last = err.strip().splitlines()[-1]
        assert last.startswith("cge run: ") and word in last and "Traceback" not in err, err
    assert _gone_within(kids, 5), [k for k in kids if _alive(k)]
    assert snap(entry_dir(out, "baseline")) == base
    from filelock import FileLock
    with FileLock(str(out / store.LOCK_NAME), timeout=0):    # the lock is free again
        pass


@pytest.mark.slow
def test_killed_worker_fails_its_scenario_and_the_run_ends(base_2060, tmp_path):
    proc, out = _start_pool_run(base_2060, tmp_path)
    kids = _children(proc.pid)
    os.kill(kids[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1 and "worker process died" in err and "--resume" in err, err
    assert "Traceback" not in err
    assert _gone_within(kids, 5)


@pytest.mark.slow
def test_killed_sweep_leaves_no_dask_workers(tmp_path):
    """SIGKILL of `cge sweep` while its local Dask cluster runs: the worker processes end too."""
    if not sys.platform.startswith("linux"):
        pytest.skip("reads /proc")
    cmd = [sys.executable, "-m", "cge", "sweep", str(ROOT / "scenarios" / "sweeps" / "price_grid.toml"), "--end", "2030",
           "--workers", "2", "--out", str(tmp_path / "sw"), "--quiet"]
    proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and len(_children(proc.pid)) < 2:      # the two workers (forked: no resource tracker)
        time.sleep(0.1)
    kids = _children(proc.pid)
    kids += [g for k in kids for g in _children(k)]
    proc.kill()
    proc.wait()
    try:
        assert len(kids) >= 2
        assert _gone_within(kids, 10), [k for k in kids if _alive(k)]
    finally:
        _kill_alive(kids)


FORKED_PAIR = """
import multiprocessing as mp, os, sys, time
from cge import sweep
if sys.argv[1] == "watch":
    sweep._forked_workers_watch(os.getpid())
def child(alive, keep):
    keep.close()
    try:
        alive.recv()               # Dask's rule: end when the parent's write end closes
    except EOFError:
        os._exit(1)
ctx = mp.get_context("fork")
pipes = [ctx.Pipe(duplex=False) for _ in range(2)]       # both pipes exist before either fork
procs = [ctx.Process(target=child, args=p) for p in pipes]
for p in procs:
    p.start()
print(" ".join(str(p.pid) for p in procs), flush=True)
time.sleep(600)
"""


@pytest.mark.parametrize("watch", [True, False])
def test_forked_sweep_workers_end_with_their_parent(watch, tmp_path):
    """Forked workers that hold each other's keep-alive pipe (Dask's nannies, created together) still end
    within seconds of a SIGKILL of their parent, because they poll it; without the watch they live on."""
    if not sys.platform.startswith("linux"):
        pytest.skip("reads /proc")
    proc = subprocess.Popen([sys.executable, "-c", FORKED_PAIR, "watch" if watch else "none"], env=ENV,
                            stdout=subprocess.PIPE, text=True, cwd=tmp_path)
    kids = [int(k) for k in proc.stdout.readline().split()]
    proc.kill()
    proc.wait()
    try:
        assert len(kids) == 2 and _gone_within(kids, 3) is watch, [k for k in kids if _alive(k)]
    finally:
        _kill_alive(kids)


@pytest.mark.slow
def test_a_concurrent_cge_run_is_refused(base_2060, tmp_path, capsys):
    """Reproduction 5: a second `cge run` on a folder another process writes to exits 2."""
    proc, out = _start_pool_run(base_2060, tmp_path)
    try:
        r = cli(capsys, "run", "--scenarios", "S1", "--end", 2025, "--out", out, "--quiet")
        assert r.code == 2 and "another cge process" in r.err and str(out) in r.err
    finally:
        proc.kill()
        proc.communicate()


# ----------------------------------------------------------------------------- corrupt and truncated files


def _truncate(p: Path) -> None:
    b = p.read_bytes()
    p.write_bytes(b[: len(b) // 2])


def _garbage(p: Path) -> None:
    p.write_bytes(b"\x00not what it should be" * 10)


CORRUPT = {
    "baseline_state_truncated": ("baseline", "state.npz", _truncate, 2025),
    "baseline_x_truncated": ("baseline", "baseline_x.npz", _truncate, 2025),
    "baseline_result_garbage": ("baseline", "result.nc", _garbage, 2025),
    "policy_state_truncated": ("S1", "state.npz", _truncate, 2025),
    "policy_state_garbage": ("S1", "state.npz", _garbage, 2025),
    "policy_result_truncated": ("S1", "result.nc", _truncate, END),
    "entry_json_garbage": ("S1", "entry.json", _garbage, END),
    "entry_json_empty": ("baseline", "entry.json", lambda p: p.write_text(""), END),
}


@pytest.mark.parametrize("case", list(CORRUPT))
def test_corrupt_checkpoint_is_named(case, folder, capsys):
    name, fname, damage, end = CORRUPT[case]
    target = entry_dir(folder.out, name) / fname
    damage(target)
    s1 = snap(entry_dir(folder.out, "S1"))
    r = cli(capsys, "run", "--scenarios", "S1", "--end", end, "--out", folder.out, "--resume", "--quiet")
    assert r.code == 2, r.err
    assert str(target) in r.err or str(target.parent) in r.err, r.err
    assert snap(entry_dir(folder.out, "S1")) == s1                  # nothing of S1 rewritten
    no_tmp(folder.out)


def _results_variant(folder, kind: str) -> Path:
    src = runner._read(folder.out / "results.nc")
    p = folder.tmp / f"{kind}.nc"
    if kind == "truncated":
        p.write_bytes((folder.out / "results.nc").read_bytes()[:3000])
    elif kind == "empty":
        p.write_bytes(b"")
    elif kind == "not_netcdf":
        p.write_text("scenario,year\nS1,2020\n")
    elif kind == "wrong_schema":
        xr.Dataset({"x": ("i", np.arange(3.0))}).to_netcdf(p)
    elif kind == "no_baseline":
        src.sel(scenario=["S1"]).to_netcdf(p)
    return p


REPORT_CASES = {"truncated": "NetCDF", "empty": "NetCDF", "not_netcdf": "NetCDF", "wrong_schema": "missing",
                "no_baseline": "no baseline"}


@pytest.mark.parametrize("kind", list(REPORT_CASES))
def test_report_on_a_bad_results_file(kind, folder, capsys):
    p = _results_variant(folder, kind)
    out = folder.tmp / "rep"
    r = cli(capsys, "report", "--results", p, "--out", out)
    assert r.code == 2 and str(p) in r.err and REPORT_CASES[kind] in r.err, r.err
    assert not out.exists() or not snap(out)


@pytest.mark.parametrize("kind", ["truncated", "empty", "wrong_schema"])
def test_quota_on_a_bad_results_file(kind, folder, capsys):
    p = _results_variant(folder, kind)
    r = cli(capsys, "quota", "--scenario", "S1", "--year", 2022, "--rules", "equal_per_capita",
            "--results", p, "--out", folder.tmp / "q")
    assert r.code == 2 and ("S1" in r.err or str(p) in r.err or "scenario" in r.err), r.err
    assert not list((folder.tmp / "q").glob("*.nc"))


# ----------------------------------------------------------------------------- read-only and full disks


@pytest.fixture()
def mount(tmp_path):
    """``mount(name, ro=False, size="64k")``: a small tmpfs under tmp_path (root only; skipped otherwise)."""
    made = []

    def make(name: str, ro: bool = False, size: str = "64k") -> Path:
        d = tmp_path / name
        d.mkdir()
        opts = f"size={size}" + (",ro" if ro else "")
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(d)], capture_output=True, text=True)
        if r.returncode:
            pytest.skip(f"cannot mount a tmpfs here ({r.stderr.strip() or 'not root'})")
        made.append(d)
        return d
    yield make
    for d in made:
        subprocess.run(["umount", "-l", str(d)], capture_output=True)


def _disk_cases(folder, target: Path) -> dict:
    res = folder.out / "results.nc"
    return {
        "run": ["run", "--scenarios", "S1", "--end", END, "--out", target / "o", "--quiet"],
        "report": ["report", "--results", res, "--out", target / "o"],
        "quota": ["quota", "--scenario", "S1", "--year", 2022, "--rules", "equal_per_capita,grandfathering",
                  "--results", res, "--out", target / "o"],
        "rights": ["rights", "--out", target / "o"],
    }


@pytest.mark.parametrize("command", ["run", "report", "quota", "rights"])
def test_read_only_output_folder(command, folder, mount, capsys):
    ro = mount("ro", ro=True)
    r = cli(capsys, *_disk_cases(folder, ro)[command])
    assert r.code == 2 and str(ro / "o") in r.err and "writable" in r.err, r.err
    assert not snap(ro)


@pytest.mark.parametrize("command", ["run", "report", "quota", "rights"])
def test_full_disk_writes_nothing_half(command, folder, mount, capsys):
    full = mount("full", size="96k")
    r = cli(capsys, *_disk_cases(folder, full)[command])
    assert r.code == 2 and "no space left" in r.err and str(full / "o") in r.err, r.err
    no_tmp(full)
    if command in ("report", "quota", "rights"):                 # multi-file outputs: all or nothing
        assert not [p for p in snap(full) if not p.endswith(store.LOCK_NAME)]


@pytest.mark.parametrize("how", ["read_only_out", "report_path_is_a_folder", "full_disk"])
def test_sam_build_commits_all_files_or_none(how, mount, tmp_path, capsys, raw_dir):
    from sam.__main__ import main as sam_main
    out, report = tmp_path / "data", tmp_path / "REPORT.md"
    out.mkdir()
    (out / "sam_2017.csv").write_text("old\n")
    if how == "read_only_out":
        out = mount("ro", ro=True) / "data"
    elif how == "report_path_is_a_folder":
        report.mkdir()
    else:
        out = mount("full", size="96k")
    before = snap(tmp_path / "data")
    try:
        code = sam_main(["build", "--raw", str(raw_dir), "--out", str(out), "--report", str(report)])
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and (str(out) in err or str(report) in err), err
    assert snap(tmp_path / "data") == before
    no_tmp(tmp_path)


def test_empty_io_csv_is_named(raw_copy, tmp_path, capsys):
    from sam.__main__ import main as sam_main
    f = raw_copy / "china_io_nbs" / "csv" / "china_io_2017_42.csv"
    f.write_text("")
    code = sam_main(["build", "--raw", str(raw_copy), "--out", str(tmp_path / "d"), "--report", str(tmp_path / "R.md")])
    err = capsys.readouterr().err
    assert code == 2 and "china_io_2017_42.csv" in err and "empty" in err and "Traceback" not in err
    assert not (tmp_path / "d").exists()


# ----------------------------------------------------------------------------- bad arguments of every command


BAD_ARGS = {
    "run_end_early": (["run", "--end", "2010"], "--end 2010"),
    "run_end_late": (["run", "--end", "2070"], "--end 2070"),
    "run_start": (["run", "--start", "2018", "--end", "2020"], "--start 2018"),
    "run_jobs_0": (["run", "--jobs", "0", "--end", "2020"], "--jobs 0"),
    "run_unknown_scenario": (["run", "--scenarios", "S1,nosuch", "--end", "2020"], "nosuch"),
    "run_end_not_a_number": (["run", "--end", "soon"], "soon"),
    "run_scenario_dir_missing": (["run", "--scenario-dir", "{tmp}/nodir", "--end", "2020"], "nodir"),
    "report_missing": (["report", "--results", "{tmp}/none.nc"], "none.nc"),
    "scenarios_show_missing": (["scenarios", "show", "nosuch"], "nosuch"),
    "export_results_missing": (["export", "--results", "{tmp}/none.nc", "--out", "{tmp}/x.csv"], "none.nc"),
    "export_bad_format": (["export", "--format", "gdx", "--results", "{res}", "--out", "{tmp}/x.csv"], "gdx"),
    "export_bad_suffix": (["export", "--results", "{res}", "--out", "{tmp}/x.txt"], "x.txt"),
    "sweep_spec_missing": (["sweep", "{tmp}/none.toml"], "none.toml"),
    "sweep_workers_0": (["sweep", "{sweeps}/price_grid.toml", "--workers", "0", "--out", "{tmp}/sw"], "--workers 0"),
    "sweep_end_early": (["sweep", "{sweeps}/price_grid.toml", "--end", "2010", "--out", "{tmp}/sw"], "--end 2010"),
    "sweep_bad_scheduler": (["sweep", "{sweeps}/price_grid.toml", "--scheduler", "nonsense", "--end", "2019",
                             "--out", "{tmp}/sw"], "nonsense"),
    "sweep_no_scheduler_there": (["sweep", "{sweeps}/price_grid.toml", "--scheduler", "tcp://127.0.0.1:9",
                                  "--end", "2019", "--out", "{tmp}/sw"], "tcp://127.0.0.1:9"),
    "quota_unknown_scenario": (["quota", "--scenario", "S9", "--year", "2022", "--results", "{res}", "--out", "{tmp}/q"], "S9"),
    "quota_year_outside": (["quota", "--scenario", "S1", "--year", "1990", "--results", "{res}", "--out", "{tmp}/q"], "1990"),
    "quota_unknown_rule": (["quota", "--scenario", "S1", "--year", "2022", "--rules", "magic", "--results", "{res}",
                              "--out", "{tmp}/q"], "magic"),
    "quota_results_missing": (["quota", "--scenario", "S1", "--year", "2022", "--results", "{tmp}/none.nc",
                               "--out", "{tmp}/q"], "none.nc"),
    "rights_year": (["rights", "--year", "1990", "--out", "{tmp}/g"], "1990"),
    "rights_scenario_out_space": (["rights", "--scenario-out", "{tmp}/x y.toml", "--out", "{tmp}/g"], "x y.toml"),
    "rights_scenario_out_baseline": (["rights", "--scenario-out", "{tmp}/baseline.toml", "--out", "{tmp}/g"], "baseline.toml"),
    "doctor_unknown_option": (["doctor", "--nope"], "--nope"),
    "unknown_command": (["nosuch"], "nosuch"),
    "no_command": ([], "COMMAND"),
}


@pytest.mark.parametrize("case", list(BAD_ARGS))
def test_bad_arguments(case, folder, capsys, monkeypatch):
    monkeypatch.setattr("cge.sweep.SCHEDULER_TIMEOUT", "1s")
    argv, culprit = BAD_ARGS[case]
    sub = {"tmp": str(folder.tmp), "res": str(folder.out / "results.nc"), "sweeps": str(ROOT / "scenarios" / "sweeps")}
    argv = [a.format(**sub) for a in argv]
    culprit = culprit.format(**sub)
    if argv[:1] == ["run"]:
        argv += ["--out", str(folder.out), "--resume", "--quiet"]
    before = snap(folder.out)
    r = cli(capsys, *argv)
    assert r.code == 2 and culprit in r.err, r.err
    assert snap(folder.out) == before
    assert not list(folder.tmp.glob("*.toml.*")) and not (folder.tmp / "x y.toml").exists()
    assert not (folder.tmp / "sw" / "design.json").exists()
    assert not list(folder.tmp.glob("x.*"))


@pytest.mark.parametrize("kind", ["truncated", "not_netcdf"])
def test_export_on_a_bad_results_file(kind, folder, capsys):
    p = _results_variant(folder, kind)
    r = cli(capsys, "export", "--results", p, "--out", folder.tmp / "x.csv")
    assert r.code == 2 and str(p) in r.err and "NetCDF" in r.err, r.err
    assert not (folder.tmp / "x.csv").exists()


def test_no_run_succeeded_is_one_line(tmp_path, capsys, monkeypatch):
    import cge.sweep as sw
    spec = sw.load_spec(ROOT / "scenarios" / "sweeps" / "price_grid.toml")

    def nothing(spec, out, *a):
        return sw.combine(out, sw.design_points(spec), spec)        # no run file: nothing succeeded
    monkeypatch.setattr(sw, "_sweep_locked", nothing)
    r = cli(capsys, "sweep", ROOT / "scenarios" / "sweeps" / "price_grid.toml", "--out", tmp_path / "sw", "--end", 2019)
    assert r.code == 1 and "no run succeeded" in r.err and len(r.err.strip().splitlines()) == 1, r.err
    assert spec.name in r.err


def test_debug_shows_the_traceback(tmp_path, capsys):
    with pytest.raises(Exception, match="none.nc"):
        cge_main(["--debug", "report", "--results", str(tmp_path / "none.nc")])


# ----------------------------------------------------------------------------- safe defaults


def test_report_escapes_names_and_files_are_0644(folder, capsys):
    ds = runner._read(folder.out / "results.nc")
    evil = "<script>alert(1)</script>"
    p = folder.tmp / "evil.nc"
    ds.assign_coords(scenario=["baseline", evil]).to_netcdf(p)
    old = os.umask(0o022)
    try:
        r = cli(capsys, "report", "--results", p, "--out", folder.tmp / "rep")
    finally:
        os.umask(old)
    assert r.code == 0, r.err
    html = (folder.tmp / "rep" / "report.html").read_text()
    assert evil not in html and "&lt;script&gt;" in html
    modes = {oct(f.stat().st_mode & 0o777) for f in (folder.tmp / "rep").rglob("*") if f.is_file()}
    assert modes == {"0o644"}
    assert {oct(f.stat().st_mode & 0o777) for f in folder.out.glob("store/*/*")} == {"0o644"}


def test_run_without_out_never_overwrites_earlier_results(folder, capsys, monkeypatch):
    """`cge run` without --out: a non-empty results/ is left alone (a new results-2/ is written);
    with --resume the run continues in results/ and reuses what is stored there."""
    shutil.copytree(folder.out, folder.tmp / "results")
    before = snap(folder.tmp / "results")
    r = cli(capsys, "run", "--scenarios", "S1", "--end", END, "--quiet")
    assert r.code == 0, r.err
    assert "results-2" in r.err and (folder.tmp / "results-2" / "results.nc").exists()
    assert snap(folder.tmp / "results") == before
    from cge.dynamics import DynamicRun
    monkeypatch.setattr(DynamicRun, "solve_year", lambda *a, **k: pytest.fail("solved although stored"))
    r = cli(capsys, "run", "--scenarios", "S1", "--end", END, "--resume", "--quiet")
    assert r.code == 0 and "results-2" not in r.err and not (folder.tmp / "results-3").exists(), r.err
    assert snap(folder.tmp / "results" / "store") == {k.removeprefix("store/"): v for k, v in before.items()
                                                      if k.startswith("store/")}


def test_dask_cluster_listens_on_loopback_only(monkeypatch):
    import dask.distributed
    import cge.sweep as sw
    seen = {}

    class Fake:
        def __init__(self, **kw):
            seen.update(kw)
    monkeypatch.setattr(dask.distributed, "LocalCluster", Fake)
    monkeypatch.setattr(dask.distributed, "Client", lambda c: c)
    sw._client(1, None)
    assert seen["host"] == "127.0.0.1" and str(seen["dashboard_address"]).startswith("127.0.0.1")


def test_state_files_follow_the_yearstate_fields(tmp_path, monkeypatch):
    """Checkpoints save every YearState field: a new field (e.g. capital vintages) round-trips
    without runner changes, and one missing from an older file takes its default."""
    import dataclasses

    import cge.state as state

    @dataclasses.dataclass
    class Extended(state.YearState):
        vintages: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0))
    monkeypatch.setattr(state, "YearState", Extended)
    st = Extended(2030, np.arange(4.0), np.ones(2), 0.5, vintages=np.array([[1.0, 2.0], [3.0, 4.0]]))
    runner._save_state(tmp_path / "a.npz", st)
    back = runner._load_state(tmp_path / "a.npz")
    assert back.year == 2030 and back.wdev == 0.5 and np.array_equal(back.vintages, st.vintages)
    runner._save_npz(tmp_path / "old.npz", {"year": np.asarray(2030), "x": st.x, "k_next": st.k_next,
                                            "wdev": np.asarray(0.5)})
    assert runner._load_state(tmp_path / "old.npz").vintages.size == 0
    runner._save_npz(tmp_path / "bad.npz", {"year": np.asarray(2030)})
    with pytest.raises(Exception, match="bad.npz.*lacks 'x'"):
        runner._load_state(tmp_path / "bad.npz")


@pytest.mark.parametrize("stored", ["same", "other", "unreadable"])
def test_sweep_resume_reuses_runs_only_for_the_same_inputs(stored, tmp_path, monkeypatch, caplog):
    import cge.sweep as sw
    spec = sw.load_spec(ROOT / "scenarios" / "sweeps" / "price_grid.toml")
    out = tmp_path / "sw"
    (out / "runs").mkdir(parents=True)
    pts = sw.design_points(spec)
    (out / "runs" / f"{pts[0]['run']}.nc").write_bytes(b"stored")
    key = {"same": sw.inputs_key(spec, 2019), "other": "0" * 64}.get(stored)
    (out / "design.json").write_text(json.dumps({"inputs_key": key}) if key else "{not json")
    seen = {}
    monkeypatch.setattr(sw, "_client", lambda *a: (None, None))
    monkeypatch.setattr(sw, "_run_todo", lambda client, spec, out, todo, end, progress: seen.setdefault("todo", todo))
    monkeypatch.setattr(sw, "combine", lambda *a: xr.Dataset())
    monkeypatch.setattr(sw, "write_netcdf", lambda *a: None, raising=False)
    monkeypatch.setattr("cge.runner.write_netcdf", lambda *a: None)
    caplog.set_level("INFO", logger="cge.sweep")
    sw.sweep(spec, out, workers=1, resume=True, end=2019, progress=False)
    redo = len(seen["todo"])
    assert redo == (len(pts) - 1 if stored == "same" else len(pts))
    assert ("inputs changed" in caplog.text) == (stored != "same")
