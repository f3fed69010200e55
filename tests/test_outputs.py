"""What a user gets from a run: self-describing results.nc, the IAMC export (read back by pyam in
its own environment), the report in the paper's layout (checked in headless Chromium), CLI help."""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import xarray as xr

import cge
from cge import report, runner
from cge.cli import build_parser, main
from cge.iamc import check_iamc, iamc_frame, quota_frame, variable_map
from cge.metadata import scenario_settings, variable_table

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"          # kept by CI (screenshot of the report)
PYAM_PYTHON = Path(os.environ.get("CGE_PYAM_PYTHON", ROOT / ".venv" / "pyam-env" / "bin" / "python"))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    """Baseline and S1..S6 for 2017-2025, and the report."""
    out = tmp_path_factory.mktemp("results")
    runner.run("all", end=2025, out=out, jobs=2, progress=False)
    report.write_report(out / "results.nc")
    return out


@pytest.fixture(scope="module")
def ds(results) -> xr.Dataset:
    with xr.open_dataset(results / "results.nc") as d:
        return d.load()


# ----------------------------------------------------------------------------- results.nc


def test_every_variable_has_units_and_long_name(ds):
    missing = [v for v in ds.data_vars if not {"units", "long_name"} <= set(ds[v].attrs)]
    assert not missing, f"variables without units or long_name: {missing}"
    assert all("long_name" in ds[c].attrs for c in ds.coords)
    assert ds.co2.attrs["units"] == "Mt CO2" and ds.gdp.attrs["units"] == "billion yuan, 2017 prices"


def test_global_attributes_and_scenario_settings(ds):
    a = ds.attrs
    assert a["Conventions"].startswith("CF-") and a["model_version"] == cge.__version__
    assert re.match(r"\d{4}-\d\d-\d\dT", a["created"])
    assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?", a.get("git_commit", "0" * 40))
    s5 = scenario_settings(ds, "S5")
    assert s5["carbon_price_anchors"]["2060"] == 670 and s5["recycling"] == "lump_sum"
    assert "+15.0 per year" in s5["summary"]
    assert ds.sector_name_zh.sel(sector="COAL").item() == "煤炭开采和洗选产品"


def test_variable_table_covers_the_file_and_the_docs_list_it(ds):
    from cge.docgen import variables_markdown
    table = variable_table()
    assert set(ds.variables) <= set(table.index), set(ds.variables) - set(table.index)
    assert "<!-- cge:variables -->" in (ROOT / "docs" / "results.md").read_text()   # the docs table is generated
    listed = set(re.findall(r"^\| `([a-z_0-9]+)` \|", variables_markdown(), flags=re.M))
    assert set(ds.variables) <= listed, set(ds.variables) - listed


# ----------------------------------------------------------------------------- IAMC


def test_iamc_table_names_units_and_values(ds):
    df = iamc_frame(ds)
    check_iamc(df)
    s5 = df.xs("S5", level="scenario")
    co2 = s5.xs("Emissions|CO2", level="variable").iloc[0]
    assert co2[2025] == pytest.approx(float(ds.co2.sel(scenario="S5", year=2025)))
    sectors = [v for v in s5.index.get_level_values("variable") if v.startswith("Emissions|CO2|Energy|")]
    total = s5.loc[s5.index.get_level_values("variable").isin(sectors), 2025].sum()
    assert total == pytest.approx(co2[2025], rel=1e-9)                       # categories add up to the total
    elec = df.xs(("baseline", "Secondary Energy|Electricity|Coal"), level=("scenario", "variable")).iloc[0]
    assert elec[2017] == pytest.approx(4430.03 * 0.0036)                      # 2017 coal power, TWh -> EJ
    assert {"Price|Carbon", "GDP|MER", "Consumption", "Investment"} <= set(df.index.get_level_values("variable"))
    assert set(variable_map().iamc_unit) >= {"Mt CO2/yr", "EJ/yr"}


@pytest.mark.skipif(not PYAM_PYTHON.exists(), reason="pyam environment not set up (make setup builds .venv/pyam-env)")
def test_export_loads_with_pyam(results, tmp_path):
    xlsx, csv = tmp_path / "cge.xlsx", tmp_path / "cge.csv"
    assert main(["export", "--format", "iamc", "--results", str(results / "results.nc"), "--out", str(xlsx)]) == 0
    assert main(["export", "--results", str(results), "--out", str(csv)]) == 0
    q = cge.allocation.provincial.run(results / "results.nc", "S3", 2025, rules="equal_per_capita,grandfathering",
                                      out=tmp_path / "quota")
    qcsv = tmp_path / "quota.csv"
    assert main(["export", "--results", str(tmp_path / "quota" / "S3_2025.nc"), "--out", str(qcsv)]) == 0
    from cge.allocation.global_rights import allocate_global, write_outputs
    write_outputs(allocate_global(2019, 15), tmp_path / "global")
    gcsv = tmp_path / "rights.csv"
    assert main(["export", "--results", str(tmp_path / "global" / "rights_2019.nc"), "--out", str(gcsv)]) == 0
    code = (
        "import json, sys, warnings; warnings.simplefilter('ignore'); import pyam\n"
        "out = {}\n"
        "for f in sys.argv[1:]:\n"
        "    d = pyam.IamDataFrame(f)\n"
        "    out[f] = {'n': len(d.data), 'variables': list(d.variable), 'regions': list(d.region),\n"
        "              'scenarios': list(d.scenario), 'units': list(d.unit)}\n"
        "print(json.dumps(out))\n")
    # a private cache folder: pint's shared ~/.cache/pint may hold entries of another, deleted
    # environment (they name its files, and pint then fails to import)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    r = subprocess.run([str(PYAM_PYTHON), "-c", code, str(xlsx), str(csv), str(qcsv), str(gcsv)],
                       capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert got[str(xlsx)] == got[str(csv)]
    assert "Emissions|CO2|Energy|Demand|Industry" in got[str(xlsx)]["variables"]
    assert "China|Beijing" in got[str(qcsv)]["regions"] and "S3|grandfathering" in got[str(qcsv)]["scenarios"]
    assert "China" in got[str(gcsv)]["regions"] and got[str(gcsv)]["units"] == ["%"]
    assert len(quota_frame(q)) == 4 * 2 * 30


def test_export_bad_input_is_one_line_exit_2(tmp_path, capsys):
    assert main(["export", "--results", str(tmp_path / "nope.nc")]) == 2
    assert main(["export", "--results", str(tmp_path), "--out", "x.txt"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(e.startswith("cge export: ") for e in err)


# ----------------------------------------------------------------------------- the report


def test_report_tables_in_the_papers_layout(results, ds):
    tabs = report.tables(ds)
    numbers = [df.attrs["number"] for df in tabs.values()]
    assert numbers == list(range(1, len(tabs) + 1))
    for k, df in tabs.items():
        assert df.attrs["caption"].startswith(f"Table {df.attrs['number']}. ") and df.attrs["units"] in df.attrs["caption"]
        num = df.select_dtypes("number")
        assert not num.isna().all(axis=1).any(), f"{k}: an all-NaN row"
    t5 = tabs["table5_co2_by_sector_2025_pct"]
    assert list(t5.columns[:2]) == ["部门", "sector (English)"] and "households" in t5.index
    md = (results / "tables" / "table3_co2_pct.md").read_text()
    assert md.startswith("**Table 2. National CO2 emissions") and re.search(r"-\d+\.\d\d ", md)
    for stem in ("carbon_price_paths", "co2_paths", "power_mix"):
        assert (results / "figures" / f"{stem}.svg").read_text().lstrip().startswith("<?xml")
        from PIL import Image
        with Image.open(results / "figures" / f"{stem}.png") as im:
            assert im.info["dpi"][0] >= 199


def test_report_escapes_strings_from_data(ds):
    bad = ds.assign_coords(scenario=[str(s) if s == "baseline" else f"<b>{s}</b>" for s in ds.scenario.values])
    page = report._html(bad, report.tables(bad), {})
    assert "<b>S1</b>" not in page and html.escape("<b>S1</b>") in page


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make setup installs it)")
def test_report_in_a_headless_browser(results):
    from playwright.sync_api import sync_playwright
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((results / "report.html").as_uri(), wait_until="load")
        figs, tables = page.locator("figure img"), page.locator("table")
        with xr.open_dataset(results / "results.nc") as d:
            assert figs.count() == len(report.figure_specs(d)) and tables.count() == len(report.table_specs(d))
        for loc in (figs, tables):
            for i in range(loc.count()):
                el = loc.nth(i)
                el.scroll_into_view_if_needed()
                assert el.is_visible()
                box = el.bounding_box()
                assert box and box["width"] > 100 and box["height"] > 50
        loaded = page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)")
        assert loaded
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
        browser.close()
    assert not errors, errors
    assert (ARTIFACTS / "report.png").stat().st_size > 50_000


# ----------------------------------------------------------------------------- CLI help


def _subparsers():
    parser = build_parser()
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return parser, action.choices


def test_every_option_has_help():
    _, subs = _subparsers()
    for name, sub in subs.items():
        for a in sub._actions:
            if a.dest in ("help",) or a.__class__.__name__ == "_SubParsersAction":
                continue
            assert a.help, f"cge {name} {a.option_strings or a.dest}: no help"
        text = sub.format_help()
        assert "``" not in text and "[bold" not in text, f"cge {name} --help shows raw markup"


def test_version(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0 and capsys.readouterr().out.strip() == f"cge {cge.__version__}"


def test_run_never_overwrites_results_silently(tmp_path):
    base = tmp_path / "results"
    assert runner.default_out(None, base=base) == (base, None)
    base.mkdir()
    assert runner.default_out(None, base=base) == (base, None)                  # empty: used
    (base / "results.nc").write_text("x")
    out, note = runner.default_out(None, base=base)
    assert out == tmp_path / "results-2" and "already holds results" in note
    assert runner.default_out(None, resume=True, base=base) == (base, None)     # --resume continues it
    assert runner.default_out(str(base), base=base) == (base, None)            # told: make run's --out results


def test_province_map_labels_do_not_overlap():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from cge.allocation.provincial.coupling import _map_figure
    from cge.allocation.provincial.panel import PROVINCES, load_panel
    from cge.plotting import overlapping_pairs
    panel = load_panel()
    n = len(PROVINCES)
    q = xr.Dataset({"surplus": (("rule", "province"), np.linspace(-1, 1, n)[None, :])},
                   coords={"rule": ["r"], "province": PROVINCES, "lat": ("province", panel.lat.values),
                           "lon": ("province", panel.lon.values)}, attrs={"scenario": "S1", "year": 2030})
    fig = _map_figure(q, plt)
    fig.canvas.draw()
    ax = fig.axes[0]
    assert {t.get_text() for t in ax.texts} == set(PROVINCES)             # names, not codes
    assert overlapping_pairs(ax.texts, fig.canvas.get_renderer()) == []
    plt.close(fig)
