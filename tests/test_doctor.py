"""``cge doctor``: the real set-up passes; a missing PyNumero ASL library is named clearly."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cge.cli import main
from cge.doctor import DoctorReport, parse_linear_solver, run_checks

REPO = Path(__file__).resolve().parents[1]


def test_doctor_passes_and_solves_the_test_nlp() -> None:
    report: DoctorReport = run_checks()
    assert report.failure is None
    assert report.passed
    assert report.x == pytest.approx(0.5, abs=1e-6)
    assert report.y == pytest.approx(1.5, abs=1e-6)
    assert report.ipopt_version and report.ipopt_version.startswith("3.14")
    assert report.linear_solver and report.linear_solver.upper().startswith("MUMPS")
    labels = [label for label, _ in report.lines]
    assert labels[:6] == ["Python", "data", "raw data", "Pyomo", "cyipopt", "IPOPT"]
    assert "PyNumero ASL" in labels


def test_doctor_cli_prints_pass(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "PASS:" in out
    assert "x=0.500000, y=1.500000" in out


def test_doctor_names_missing_asl_library(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
    env["PYOMO_CONFIG_DIR"] = str(tmp_path)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(
        [sys.executable, "-m", "cge", "doctor"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode != 0, proc.stdout + proc.stderr
    fail = [line for line in proc.stderr.splitlines() if line.startswith("FAIL:")]
    assert len(fail) == 1, proc.stderr
    assert "PyNumero ASL library" in fail[0]
    assert str(tmp_path / "lib") in fail[0]
    assert "make setup" in fail[0]
    assert "PASS" not in proc.stdout


def test_parse_linear_solver() -> None:
    banner = "\nThis is Ipopt version 3.14.11, running with linear solver MUMPS 5.5.1.\n\nNumber of..."
    assert parse_linear_solver(banner) == "MUMPS 5.5.1"
    assert parse_linear_solver("no banner") is None


def test_doctor_names_a_missing_data_file(tmp_path: Path) -> None:
    from cge.doctor import DoctorError, check_data, data_files
    folders = data_files()
    assert check_data(folders).endswith("folders present")
    folders["scenario drivers"] = [tmp_path, ["co2_baseline.csv"]]
    with pytest.raises(DoctorError, match=r"scenario drivers: .*co2_baseline\.csv is missing"):
        check_data(folders)
