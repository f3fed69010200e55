"""The notebooks in notebooks/ run end to end (short horizon), so a broken notebook fails CI.

Each notebook has one cell tagged ``parameters``; the test replaces it with short-horizon
values and executes the notebook with nbclient in a fresh kernel of this interpreter.
Notebooks are committed without outputs (checked here too).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NB = ROOT / "notebooks"

PARAMS = {
    "01_reproduce_paper_tables.ipynb": 'END = 2023\nOUT = r"{tmp}/results"\nJOBS = 1',
    "02_sensitivity.ipynb": 'END = 2023\nN_DRAWS = 2\nGROUPS = ["sigma_ke"]\nWORKERS = 1\nOUT = r"{tmp}/sweeps"',
    "03_provincial_quotas.ipynb": 'SCENARIO = "S3"\nYEAR = 2023\nEND = 2023\nRESULTS = r"{tmp}/results"\nOUT = r"{tmp}/quota"',
    "04_global_rights.ipynb": 'YEAR = 2019\nALLIANCES = 15\nOUT = r"{tmp}/global"',
}


def _notebooks() -> list[Path]:
    return sorted(NB.glob("*.ipynb"))


def test_every_notebook_has_parameters_and_no_outputs():
    assert _notebooks(), "no notebooks"
    for p in _notebooks():
        nb = nbformat.read(p, as_version=4)
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, f"{p.name}: needs exactly one cell tagged 'parameters'"
        assert p.name in PARAMS, f"{p.name}: add its short-horizon parameters to PARAMS"
        for c in nb.cells:
            if c.cell_type == "code":
                assert not c.outputs and c.execution_count is None, f"{p.name}: committed with outputs"


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.stem)
def test_notebook_executes(path, tmp_path, monkeypatch):
    from nbclient import NotebookClient
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    nb = nbformat.read(path, as_version=4)
    for c in nb.cells:
        if "parameters" in c.metadata.get("tags", []):
            c.source = PARAMS[path.name].format(tmp=tmp_path)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NB)}})   # where Jupyter starts the kernel
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors


def test_relative_paths_resolve_to_the_repository_from_notebooks(monkeypatch):
    from cge.paths import project_path
    monkeypatch.chdir(NB)
    assert project_path("results") == ROOT / "results"
    assert project_path("/tmp/x") == Path("/tmp/x")
