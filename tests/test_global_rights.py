"""Global emission rights (Zhou et al. 2024): shares, alliances, outputs, the national cap, bad input."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from cge.allocation import gravity_linkage
from cge.allocation.global_rights.core import (INDICATORS, PRINCIPLES, allocate, allocate_global, baseline_co2_mt,
                                     budget_scenario_toml, default_raw_dir, load_indicators, national_cap_path,
                                     rights_table, select_countries, write_outputs)
from cge.allocation.shapley import product_game_value, shapley_brute_force
from sam.errors import InputError


@pytest.fixture(scope="module")
def raw() -> Path:
    """The shared global raw-data folder (skip when absent)."""
    path = default_raw_dir()
    if not (path / "capitals" / "capitals_latlon.csv").exists():
        pytest.skip(f"global raw data not found at {path}")
    return path


@pytest.fixture(scope="module")
def indicators():
    ind = load_indicators(2019)                  # the shipped copy of the series (no ../shared needed)
    table, excluded, _ = select_countries(ind)
    return ind, table, excluded


@pytest.fixture(scope="module")
def ds() -> xr.Dataset:
    return allocate_global(2019, 15)


def test_shares_sum_to_one_and_are_positive(ds):
    assert float(ds.share.sum()) == pytest.approx(1.0, abs=1e-12)
    assert float(ds.share.min()) > 0
    assert float(ds.weight.sum()) == pytest.approx(1.0, abs=1e-12)


def test_alliance_share_is_sum_of_members(ds):
    by_member = ds.share.groupby(ds.alliance_of).sum()
    np.testing.assert_allclose(by_member.sel(alliance_of=ds.alliance.values).values, ds.alliance_share.values,
                               rtol=0, atol=1e-12)
    assert float(ds.alliance_share.sum()) == pytest.approx(1.0, abs=1e-12)


def test_principle_contributions_add_up(ds):
    np.testing.assert_allclose(ds.contribution.sum("principle").values, ds.share.values, rtol=0, atol=1e-14)
    np.testing.assert_allclose(ds.alliance_contribution.sum("principle").values, ds.alliance_share.values,
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(ds.aci.values, ds.principle_index.sum("principle").values, rtol=1e-12)


def test_every_country_in_exactly_one_alliance(ds):
    listed = " ".join(ds.alliance_members.values).split()
    assert sorted(listed) == sorted(ds.country.values.tolist())
    assert len(listed) == len(set(listed))
    assert set(ds.alliance_of.values) == set(ds.alliance.values)
    assert ds.sizes["alliance"] == 15 == ds.attrs["n_alliances"]
    assert int(ds.alliance_size.sum()) == ds.sizes["country"]


@pytest.mark.parametrize("k", [1, 6, 15, 40, 90])
def test_alliance_count_equals_option(indicators, k):
    ind, table, _ = indicators
    out = allocate(table, k, ind.spec)
    assert out.sizes["alliance"] == k
    assert len(set(out.alliance_of.values)) == k
    assert float(out.share.sum()) == pytest.approx(1.0, abs=1e-12)


def test_natural_count_is_the_pairing_components(indicators):
    ind, table, _ = indicators
    out = allocate(table, None, ind.spec)
    crl = out.crl.values
    partner = np.argmax(np.where(np.eye(len(crl), dtype=bool), -np.inf, crl), axis=1)
    labels = {c: a for c, a in zip(out.country.values, out.alliance_of.values)}
    ids = out.country.values
    assert all(labels[ids[i]] == labels[ids[p]] for i, p in enumerate(partner))
    assert out.sizes["alliance"] == out.attrs["n_alliances_natural"]


def test_small_table_matches_brute_force_two_stage(indicators):
    ind, table, _ = indicators
    sub = table.loc[["CHN", "IND", "JPN", "USA", "CAN", "MEX", "DEU", "FRA", "NGA"]]
    out = allocate(sub, 3, ind.spec)
    a, crl = out.aci.values, out.crl.values
    groups = {g: np.flatnonzero(out.alliance_of.values == g) for g in out.alliance.values}
    # stage 1 by enumeration: a coalition of alliances is valued as the union of their countries
    v = product_game_value(a, crl)
    names = list(groups)
    stage1 = shapley_brute_force(lambda t: v(tuple(int(i) for g in t for i in groups[names[g]])), len(names))
    share = np.zeros(len(a))
    for g, q in zip(names, stage1 / stage1.sum()):
        idx = groups[g]
        inner = shapley_brute_force(product_game_value(a[idx], crl[np.ix_(idx, idx)]), idx.size) \
            if idx.size > 1 else np.ones(1)
        share[idx] = q * inner / inner.sum()
    np.testing.assert_allclose(out.share.values, share, rtol=1e-10)


def test_entropy_weights_follow_the_data(indicators):
    ind, table, _ = indicators
    t = table.copy()
    t["URB"] = 55.0
    out = allocate(t, 5, ind.spec)
    assert float(out.weight.sel(indicator="URB")) == 0.0
    assert float(out.weight.sum()) == pytest.approx(1.0, abs=1e-12)


def test_metadata_lists_deviations_and_exclusions(ds):
    dev = ds.attrs["deviations"]
    for key in ("labour cost", "window 2016-2019", "carbon productivity", "great-circle", "alliances", "imputation"):
        assert key in dev
    assert ds.attrs["year"] == 2019 and ds.attrs["window"] == "2016-2019"
    assert ds.sizes["excluded"] > 0 and "CUB" in ds.excluded_country.values
    assert ds.sizes["country"] + ds.sizes["excluded"] == 216


def test_outputs_written(ds, tmp_path):
    paths = write_outputs(ds, tmp_path)
    rt = pd.read_csv(paths["rights_2019.csv"])
    assert list(rt.columns) == ["iso3", "country", "alliance", "share", *PRINCIPLES]
    assert len(rt) == ds.sizes["country"] and rt.share.sum() == pytest.approx(1.0, abs=1e-12)
    al = pd.read_csv(paths["alliances_2019.csv"])
    assert len(al) == 15 and al.n_members.sum() == len(rt)
    assert len(pd.read_csv(paths["top20_2019.csv"])) == 20
    back = xr.open_dataset(paths["rights_2019.nc"])
    np.testing.assert_allclose(back.share.values, ds.share.values, rtol=0, atol=0)
    back.close()
    for name in ("map_2019.png", "principles_2019.png"):
        assert paths[name].read_bytes()[:4] == b"\x89PNG"
    assert not list(tmp_path.glob(".*.tmp"))


def test_national_cap_path_spends_the_budget():
    base = baseline_co2_mt()
    cap, info = national_cap_path(0.3, 1150.0, 2020, 2025, 2060, base)
    assert info["cap_sum_to_end_mt"] + info["tail_after_end_mt"] == pytest.approx(info["remaining_mt"], rel=1e-9)
    assert info["used_before_start_mt"] == pytest.approx(base.loc[2020:2024].sum(), rel=1e-12)
    years = sorted(cap)
    assert years[0] == 2025 and years[-1] == 2060
    assert all(cap[y + 1] < cap[y] for y in years[:-1])
    with pytest.raises(InputError, match="used up"):
        national_cap_path(0.005, 1150.0, 2020, 2025, 2060, base)


def test_budget_scenario_loads(ds, tmp_path):
    from cge.scenarios import load_scenario
    p = tmp_path / "gb.toml"
    p.write_text(budget_scenario_toml(ds, name="gb"))
    sc = load_scenario(p)
    assert sc.policy_closure == "policy_cap" and sc.first_year == 2020
    assert sc.cap_value(2030) == pytest.approx(sc.cap[2030]) and sc.cap_value(2019) is None


# ----------------------------------------------------------------------------- bad input
@pytest.fixture()
def raw_copy(raw, tmp_path) -> Path:
    dst = tmp_path / "global"
    shutil.copytree(raw, dst)
    return dst


def test_unknown_country_code_in_request():
    with pytest.raises(InputError, match="unknown country code.*'XXX'"):
        allocate_global(2019, 2, countries=["CHN", "USA", "XXX"])


def test_unknown_country_code_in_file(raw_copy):
    f = raw_copy / "wdi_open_numbers_transcribed" / "eg_cft_accs_zs_2016_2020.csv"
    lines = f.read_text().splitlines()
    lines[5] = "zzz" + lines[5][lines[5].index(","):]
    f.write_text("\n".join(lines) + "\n")
    msg = r"eg_cft_accs_zs_2016_2020\.csv: line 6, field iso3: unknown country code 'zzz'"
    with pytest.raises(InputError, match=msg):
        load_indicators(2019, raw_copy)


def test_missing_indicator_column_in_file(raw_copy):
    f = raw_copy / "wdi_open_numbers_transcribed" / "sl_srv_empl_zs_2016_2020.csv"
    df = pd.read_csv(f).drop(columns="y2019")
    df.to_csv(f, index=False)
    with pytest.raises(InputError, match=r"sl_srv_empl_zs_2016_2020\.csv: missing column\(s\) y2019"):
        load_indicators(2019, raw_copy)


def test_missing_indicator_column_in_table(indicators):
    ind, table, _ = indicators
    with pytest.raises(InputError, match=r"missing indicator column\(s\) \['URB'\]"):
        allocate(table.drop(columns="URB"), 5, ind.spec)


def test_non_finite_indicator_names_row_and_field(indicators):
    ind, table, _ = indicators
    t = table.copy()
    t.loc["FRA", "FRT"] = np.nan
    with pytest.raises(InputError, match="row FRA, field FRT"):
        allocate(t, 5, ind.spec)


def test_non_positive_distance(indicators):
    ind, table, _ = indicators
    t = table.loc[["CHN", "USA", "IND", "BRA"]].copy()
    t.loc["BRA", ["lat", "lon"]] = t.loc["IND", ["lat", "lon"]].to_numpy()
    with pytest.raises(InputError, match="distance between IND and BRA is 0.0 km"):
        allocate(t, 2, ind.spec)
    d = np.array([[0.0, 5.0], [5.0, 0.0]])
    with pytest.raises(ValueError, match="distance between x and y is -1.0 km"):
        gravity_linkage([1.0, 1.0], [1.0, 1.0], np.array([[0.0, -1.0], [-1.0, 0.0]]), labels=["x", "y"])
    assert gravity_linkage([1.0, 2.0], [1.0, 1.0], d)[0, 1] == pytest.approx(2.0 / 25.0)


def test_year_and_count_out_of_range(indicators):
    ind, table, _ = indicators
    with pytest.raises(InputError, match="year 2021 outside 2016-2020"):
        load_indicators(2021)
    with pytest.raises(InputError, match="n_alliances = 0"):
        allocate(table, 0, ind.spec)


def test_every_indicator_has_a_principle_and_dimension(indicators):
    ind, _, _ = indicators
    grid = ind.spec.loc[list(INDICATORS), ["principle", "dimension"]]
    assert len({tuple(r) for r in grid.to_numpy()}) == 9          # the 3 x 3 grid of Table 1
    assert grid.principle.value_counts().to_dict() == {p: 3 for p in PRINCIPLES}


# ----------------------------------------------------------------------------- the shipped copy of the raw series
def test_shipped_series_equal_the_raw_files(raw):
    """data/wdi_derived_1990_2020.csv and capitals.csv are what build_wdi_derived.py makes from the raw data."""
    from cge.allocation.global_rights.core import CAPITALS_FILE, DATA_DIR, DERIVED_FILE
    from cge.allocation.global_rights.data.build_wdi_derived import derived_tables
    table, capitals = derived_tables(raw)
    shipped = pd.read_csv(DATA_DIR / DERIVED_FILE)
    pd.testing.assert_frame_equal(shipped, table.reset_index(drop=True), check_dtype=False)
    pd.testing.assert_frame_equal(pd.read_csv(DATA_DIR / CAPITALS_FILE), capitals.reset_index(drop=True),
                                  check_dtype=False)


def test_shipped_and_raw_indicators_agree(raw, indicators):
    from_raw = load_indicators(2019, raw).table
    pd.testing.assert_frame_equal(indicators[0].table, from_raw, check_exact=False, rtol=1e-12)
