"""The documentation site builds with warnings as errors, and its generated parts cover the code:
every equation family of the model, every variable of results.nc, every shipped scenario."""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MKDOCS = Path(sys.executable).with_name("mkdocs")


def test_generated_equations_cover_every_constraint_family():
    import pyomo.environ as pyo
    from cge.docgen import _china_model, equation_table
    t = equation_table()
    m = _china_model()
    families = {c.name for c in m.component_objects(pyo.Constraint)}
    assert families == set(t.equation)
    assert (t.block != "(not in the registry)").all(), "constraint families missing from the registry"
    assert (t.doc.str.len() > 0).all(), "a constraint family without its one-line economics (doc)"
    assert int(t["size"].sum()) == sum(len(c) for c in m.component_objects(pyo.Constraint))
    shown = t.instance.str.contains("<math") | t.instance.str.startswith("```")
    assert (shown | (t.instance == "")).all() and shown.sum() >= 20


@pytest.mark.skipif(not MKDOCS.exists(), reason="mkdocs not installed (make setup installs .[docs])")
def test_mkdocs_build_strict(tmp_path):
    site = tmp_path / "site"
    t0 = time.perf_counter()
    r = subprocess.run([str(MKDOCS), "build", "--strict", "--site-dir", str(site)], cwd=ROOT,
                       capture_output=True, text=True, timeout=600, env={"NO_MKDOCS_2_WARNING": "1", "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr[-4000:]
    print(f"mkdocs build --strict in {time.perf_counter() - t0:.1f} s")
    model = (site / "model" / "index.html").read_text()
    assert model.count("<math") >= 20 and "eq_xp" in model and "<!-- cge:" not in model
    results = (site / "results" / "index.html").read_text()
    from cge.metadata import variable_table
    assert all(f"<code>{v}</code>" in results for v in variable_table().index)
    assert "+8.7 per year on average" in (site / "scenarios" / "index.html").read_text()     # S2, from its anchors
    for page in ("gempack-gams", "api", "allocation", "iamc", "data", "licence", "getting-started"):
        assert (site / page / "index.html").exists()
    shutil.rmtree(site)
