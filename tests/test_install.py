"""The wheel installs into a fresh virtual environment and ``cge run --end 2025`` works from a
folder outside the repository (scenarios, closures and data ship as package data).

To stay fast on two cores the fresh environment gets the dependencies of ``.venv`` through a
``.pth`` file (the equivalent of ``--system-site-packages``) and installs only the wheel, with
``--no-deps``; the PyNumero library built by ``make setup`` is passed with ``PYOMO_CONFIG_DIR``.
"""
from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import time
import venv
import zipfile
from pathlib import Path

import pytest
import xarray as xr

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ["scenarios/S1.toml", "scenarios/baseline.toml", "scenarios/data/co2_baseline.csv",
           "scenarios/sweeps/price_grid.toml", "cge/closures/policy.toml", "sam/data/sam_2017.csv",
           "calibration/data/elasticities.csv", "cge/data/variables.csv", "scenarios/data/power/technology_2017.csv",
           "calibration/data/behaviour/investment_parameters.csv", "sam/data/customs/tariff_rates_by_sector.csv",
           "cge/allocation/global_rights/data/wdi_derived_1990_2020.csv",
           "cge/allocation/provincial/data/panel_core.csv", "cge-{v}.dist-info/licenses/LICENSE"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from this checkout (build isolation: setuptools from the registry)."""
    dist = tmp_path_factory.mktemp("dist")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
                   check=True, capture_output=True, text=True)
    print(f"wheel built in {time.perf_counter() - t0:.1f} s")
    (whl,) = dist.glob("cge-*.whl")
    return whl


def test_wheel_ships_scenarios_closures_and_data(wheel):
    import cge
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [f for f in (s.format(v=cge.__version__) for s in SHIPPED) if f not in names]
    assert not missing, f"not in the wheel: {missing}"


def test_fresh_venv_runs_outside_the_repository(wheel, tmp_path):
    t0 = time.perf_counter()
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "_cge_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")   # deps of .venv
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "-q", str(wheel)],
                   check=True, capture_output=True, text=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CGE_SCENARIO_DIR")}
    env["PYOMO_CONFIG_DIR"] = str(ROOT / ".venv" / "pyomo")
    cge_bin = str(env_dir / "bin" / "cge")

    def cge(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([cge_bin, *args], cwd=work, env=env, capture_output=True, text=True, timeout=600)

    where = subprocess.run([str(py), "-c", "import cge, scenarios; print(cge.__file__); print(scenarios.__file__)"],
                           cwd=work, env=env, check=True, capture_output=True, text=True).stdout
    assert str(ROOT) not in where and str(env_dir) in where, where           # the wheel, not the checkout
    import cge as here
    assert cge("--version").stdout.strip() == f"cge {here.__version__}"
    assert "S6" in cge("scenarios", "list").stdout
    run = cge("run", "--end", "2025", "--quiet")
    assert run.returncode == 0, run.stderr[-2000:]
    with xr.open_dataset(work / "results" / "results.nc") as ds:
        assert list(ds.scenario.values) == ["baseline", "S1", "S2", "S3", "S4", "S5", "S6"]
        assert int(ds.year.max()) == 2025 and ds.attrs["model_version"] == here.__version__
    (work / "scenarios").mkdir()                                             # a user scenario in ./scenarios
    (work / "scenarios" / "mine.toml").write_text('name = "mine"\nkind = "policy"\n[carbon_price]\n2022 = 60\n')
    assert "mine" in cge("scenarios", "list").stdout
    print(f"fresh venv: install and cge run --end 2025 in {time.perf_counter() - t0:.1f} s")
