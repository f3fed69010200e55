"""The 2017 China SAM: balance, official totals, energy splits, CO2 accounts, bad input."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sam
from sam.build import build, write
from sam.errors import BalanceError, InputError

NBS_TRILLION = {  # NBS 2017 IO table totals (shared/data/raw/china_io_nbs/SOURCES.md), trillion yuan
    "gross output": 225.77, "value added": 82.32,
}


def test_sectors_follow_spec():
    spec = Path(__file__).resolve().parents[2] / "shared" / "spec" / "sectors.csv"
    assert len(sam.SECTORS) == 65 and sam.SECTORS[0] == "AGRI" and sam.SECTORS[-1] == "PADM"
    if spec.exists():
        assert list(pd.read_csv(spec)["code"]) == sam.SECTORS


def test_committed_sam_is_square_and_balanced():
    S = sam.load_sam()
    assert list(S.index) == list(S.columns)
    r, c = S.sum(axis=1), S.sum(axis=0)
    rel = (r - c).abs() / np.maximum(1.0, np.maximum(r.abs(), c.abs()))
    assert rel.max() < 1e-9, rel.sort_values().tail()
    assert sam.sectors_of(S) == sam.SECTORS


def test_accounts_kinds():
    acc = sam.accounts()
    kinds = acc["kind"].value_counts()
    assert kinds["activity"] == 65 and kinds["commodity"] == 65
    assert set(acc.loc[["lab", "cap"], "kind"]) == {"factor"}
    assert acc.loc["hh_urban", "kind"] == "household" and acc.loc["row", "kind"] == "rest_of_world"
    assert acc.loc["a_ECOA", "code"] == "ECOA"


def test_totals_match_nbs(built):
    S = built.sam
    a = [l for l in S.index if l.startswith("a_")]
    go = S.loc[a].sum().sum() / 1000
    va = S.loc[["lab", "cap", "ptax"], a].sum().sum() / 1000
    assert abs(go / NBS_TRILLION["gross output"] - 1) < 1e-3
    assert abs(va / NBS_TRILLION["value added"] - 1) < 1e-3
    from sam.report import national_totals
    tab = national_totals(built)
    assert (tab["rel_diff"] < 1e-3).all(), tab


def test_children_add_up_to_parents(built):
    from sam.report import children_vs_parent
    tab = children_vs_parent(built)
    assert set(tab["parent"]) == {"03", "11", "24", "25"}
    assert (tab["rel_diff"] < 1e-3).all(), tab[tab["rel_diff"] >= 1e-3]


def test_power_shares_follow_generation_times_tariff(built):
    df = pd.read_csv(sam.DATA_DIR / "splits" / "io24.csv", dtype={"parent": str})
    gens = ["ECOA", "EGAS", "EHYD", "ENUC", "ENEW"]
    val = {}
    for g in gens:
        q = df[(df.child == g) & (df.item == "generation")]["value"].iloc[0]
        p = df[(df.child == g) & (df.item == "tariff")]["value"].iloc[0]
        val[g] = q * p
    expected = pd.Series(val) / sum(val.values())
    go = built.sam.loc[[f"a_{g}" for g in gens]].sum(axis=1)
    go.index = gens
    assert np.allclose(go / go.sum(), expected, rtol=1e-6)


def test_coal_power_is_largest_coal_buyer(built):
    S = built.sam
    acts = [l for l in S.columns if l.startswith("a_")]
    assert S.loc["c_COAL", acts].idxmax() == "a_ECOA"
    for k in ("EHYD", "ENUC", "ENEW"):
        for fuel in ("COAL", "NGAS", "UGAS", "GPRD", "DISL", "FOIL", "CRUD"):
            assert S.loc[f"c_{fuel}", f"a_{k}"] == 0.0


def test_co2_totals_and_placement(built):
    co2 = sam.load_co2()
    proc = sam.load_process_co2()
    total = co2.to_numpy().sum() + proc.sum()
    ceads = float(built.ceads.loc["Total Consumption", "Scope 1 Total"])
    assert abs(total / ceads - 1) < 5e-3
    S = sam.load_sam()
    for fuel in co2.index:
        for user in co2.columns:
            if co2.loc[fuel, user] > 0:
                col = user if user.startswith("hh_") else f"a_{user}"
                assert S.loc[f"c_{fuel}", col] > 0, (fuel, user)
    for k in ("EHYD", "ENUC", "ENEW"):
        assert co2[k].sum() == 0.0
    assert co2.loc["COAL", "ECOA"] == co2.loc["COAL"].max()
    assert proc.idxmax() == "NMMP"
    assert set(co2.columns) == set(sam.SECTORS) | {"hh_rural", "hh_urban"}


def test_import_use_within_flows():
    S = sam.load_sam()
    imp = sam.load_import_use()
    for c in imp.index:      # the import-use matrix is duty-inclusive (NBS valuation): CIF imports + duties
        m = S.loc["row", c] + S.loc["tariff", c]
        assert abs(imp.loc[c].sum() - m) < 1e-6 * max(1.0, m)
    assert S.loc["tariff"].sum() == pytest.approx(299.785, rel=1e-9)       # MoF 2017 customs duties
    assert S.loc["gov", "tariff"] == pytest.approx(299.785, rel=1e-9)


def test_government_property_income_in_sam():
    """Government net property income (flow of funds proxy) is in the SAM: the enterprise column pays the
    government its income tax plus the net property income, and that net equals received minus paid in
    the sourced flow-of-funds file."""
    import pandas as pd
    S = sam.load_sam()
    inst = pd.read_csv(sam.DATA_DIR / "institutions.csv").set_index("item")
    fof = pd.read_csv(sam.DATA_DIR / "customs" / "government_property_income_2017.csv")
    gov = fof[(fof["item"] == "property_income_total_2017_proxy") & (fof["sector"] == "general_government")]
    net = (float(gov.loc[gov["side"].str.startswith("sources"), "value"].iloc[0])
           - float(gov.loc[gov["side"].str.startswith("uses"), "value"].iloc[0])) / 10   # 亿元 -> billion yuan
    row = float(inst.loc["government_property_income_net", "value"])
    assert row == pytest.approx(net, abs=0.05)
    assert S.loc["gov", "ent"] == pytest.approx(float(inst.loc["enterprise_income_tax", "value"]) + row, abs=1e-6)
    assert "government_property_income_net" in (Path(sam.__file__).parent / "REPORT.md").read_text(encoding="utf-8")


def test_build_is_byte_for_byte(built, tmp_path):
    write(built, tmp_path, tmp_path / "REPORT.md")
    for name in ("sam_2017.csv", "co2_2017.csv", "process_co2_2017.csv", "import_use_2017.csv"):
        assert (tmp_path / name).read_bytes() == (sam.DATA_DIR / name).read_bytes(), name
    assert (tmp_path / "REPORT.md").read_bytes() == (Path(sam.__file__).parent / "REPORT.md").read_bytes()


def test_toy_sam_loads_with_same_loaders(toy_dir):
    S = sam.load_sam(toy_dir)
    assert sam.sectors_of(S) == ["AGR", "ENE", "SRV"]
    acc = sam.accounts(S)
    assert (acc["kind"] == "activity").sum() == 3
    assert sam.load_co2(toy_dir).loc["ENE"].sum() == pytest.approx(5.5)
    assert sam.load_process_co2(toy_dir)["ENE"] == pytest.approx(0.2)


def test_unbalanced_sam_is_rejected(toy_dir, tmp_path):
    S = sam.load_sam(toy_dir)
    S.loc["c_AGR", "hh_rural"] += 1.0
    S.to_csv(tmp_path / "sam_2017.csv", index_label="account")
    with pytest.raises(BalanceError, match="c_AGR"):
        sam.load_sam(tmp_path)


def _edit_csv(path: Path, fn) -> None:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    fn(df)
    df.to_csv(path, index=False)


IO42 = "china_io_nbs/csv/china_io_2017_42.csv"


@pytest.mark.parametrize("case,pattern", [
    ("missing_column", r"china_io_2017_42\.csv: missing column\(s\) EX"),
    ("non_numeric", r"china_io_2017_42\.csv: line 4, column 05: non-numeric value 'abc'"),
    ("negative", r"china_io_2017_42\.csv: line 3 \(Code=02, Domestic\), column 07: negative value"),
])
def test_bad_raw_input_names_file_row_column(raw_copy, tmp_path, case, pattern):
    path = raw_copy / IO42
    if case == "missing_column":
        _edit_csv(path, lambda df: df.pop("EX"))
    elif case == "non_numeric":
        _edit_csv(path, lambda df: df.__setitem__("05", df["05"].where(df.index != 2, "abc")))
    else:
        _edit_csv(path, lambda df: df.__setitem__("07", df["07"].where(df.index != 1, "-5")))
    with pytest.raises(InputError, match=pattern):
        build(raw_copy)
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "sam", "build", "--raw", str(raw_copy), "--out", str(out),
                           "--report", str(out / "REPORT.md")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "sam build failed" in proc.stderr
    assert not out.exists() or not any(out.iterdir())


def test_bad_split_file_is_rejected(raw_dir, tmp_path):
    import shutil
    data = tmp_path / "data"
    shutil.copytree(sam.DATA_DIR, data)
    _edit_csv(data / "splits" / "io24.csv", lambda df: df.__setitem__("value", df["value"].where(df.index != 0, "x")))
    with pytest.raises(InputError, match=r"io24\.csv: line 2, column value: non-numeric"):
        build(raw_dir, data)
