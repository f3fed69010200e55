"""Any SAM in the format: import order, import duties, institutions from the SAM, factor mobility
and final demand as closure data, and the results a general CGE engine reports (issue 14).

Most tests run on ``tests/data/toy2``: 3 sectors with import duties, capital income paid straight to
households, three households and no enterprise account."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parent
REPO = TESTS_DIR.parent


def test_pyomo_imported_before_cge_still_solves():
    """``import pyomo.environ`` before ``import cge`` (no PYOMO_CONFIG_DIR in the environment) builds and solves."""
    code = (
        "import pyomo.environ, cge, sam, calibration as C\n"
        "from pathlib import Path\n"
        f"d = Path({str(TESTS_DIR / 'data' / 'toy')!r})\n"
        "cal = C.calibrate(sam.load_sam(d), C.load_elasticities(d / 'elasticities.csv'), sam.load_co2(d),"
        " sam.load_process_co2(d), C.load_sector_groups(d / 'sector_groups.csv'), roles={'ENE': 'coal'})\n"
        "print(round(cge.Model(cal).solve(50.0).to_xarray().co2.item(), 6))\n"
        "from cge.solve import solve\n"
        "print(solve(cge.Model(cal).m).termination)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYOMO_CONFIG_DIR"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    co2, term = out.stdout.split()
    assert 0 < float(co2) < 5.7 and term == "optimal"       # the carbon price cuts CO2 below the benchmark 5.7 Mt
