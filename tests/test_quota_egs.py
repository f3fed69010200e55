"""Entropy-gravity-Shapley provincial quotas: sums, Shapley efficiency on the provincial game, errors."""
from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import cge  # noqa: F401
from cge.allocation.provincial import egs
from cge.allocation.provincial.panel import PROVINCES, load_panel
from cge.allocation.shapley import product_game_value, shapley_product_game, shapley_product_game_mc
from sam.errors import InputError


@pytest.fixture(scope="module")
def panel() -> xr.Dataset:
    return load_panel()


def test_allocate_sums_to_cap_non_negative_and_seeded(panel):
    q1 = egs.allocate(8000.0, 2030, panel, seed=1)
    q2 = egs.allocate(8000.0, 2030, panel, seed=2, results=None, price=100.0)
    assert list(q1.province.values) == PROVINCES
    assert abs(float(q1.sum()) - 8000.0) <= 1e-9 * 8000.0
    assert (q1.values >= 0).all()
    np.testing.assert_array_equal(q1.values, q2.values)    # no randomness in the method
    assert q1.attrs["n_alliances"] == 6


def test_entropy_weights_and_aci(panel):
    g = egs.game(panel, 2019)
    assert abs(g["weights"].sum() - 1.0) < 1e-12 and (g["weights"] > 0).all()
    np.testing.assert_allclose(g["aci"], g["principle"].sum(axis=1).to_numpy())
    assert np.allclose(g["crl"], g["crl"].T) and (np.diag(g["crl"]) == 0).all()


def test_shapley_efficiency_on_the_provincial_game(panel):
    g = egs.game(panel, 2019)
    phi = shapley_product_game(g["aci"], g["crl"])
    v_n = product_game_value(g["aci"], g["crl"])(tuple(range(30)))
    assert abs(phi.sum() - v_n) <= 1e-9 * abs(v_n)
    mc, se = shapley_product_game_mc(g["aci"], g["crl"], n_permutations=400, seed=0)
    assert np.all(np.abs(mc - phi) <= 5 * se + 1e-12 * abs(v_n))


def test_two_stage_shares_and_within_alliance_efficiency(panel):
    d = egs.allocate_details(1.0, 2019, panel)
    assert abs(float(d.share.sum()) - 1.0) < 1e-12
    np.testing.assert_allclose(d.contribution.sum("principle"), d.share, atol=1e-12)
    for k in np.unique(d.alliance.values):
        assert abs(float(d.within_share.where(d.alliance == k).sum()) - 1.0) < 1e-12


def test_alliance_count_option(panel):
    natural = egs.allocate(100.0, 2019, panel, n_alliances=None)
    assert natural.attrs["n_alliances"] == natural.attrs["n_alliances_natural"]
    three = egs.allocate(100.0, 2019, panel, n_alliances=3)
    assert three.attrs["n_alliances"] == 3 and not np.allclose(three.values, natural.values)


def test_bad_inputs_give_clear_errors(panel):
    with pytest.raises(InputError, match="cap"):
        egs.allocate(-5.0, 2030, panel)
    with pytest.raises(InputError, match="n_alliances"):
        egs.allocate(100.0, 2030, panel, n_alliances=31)
    with pytest.raises(InputError, match="merge"):
        egs.allocate(100.0, 2030, panel, merge="complete")
    with pytest.raises(InputError, match="no year <= 1990"):
        egs.allocate(100.0, 1990, panel)
    bad = panel.copy()
    dist = bad["distance_km"].values.copy()
    dist[0, 1] = dist[1, 0] = 0.0
    bad["distance_km"] = (("province", "province_to"), dist)
    with pytest.raises(InputError, match="Beijing and Tianjin"):
        egs.allocate(100.0, 2019, bad)
