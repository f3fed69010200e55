"""Shapley values of the product game: closed form vs enumeration and sampling, axioms, two stages."""
from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest

from cge.allocation.shapley import (group_game, product_game_value, shapley_brute_force, shapley_monte_carlo,
                               shapley_product_game, shapley_product_game_mc, two_stage_shapley)


def random_game(n: int, seed: int, singletons: bool = False, signed: bool = False):
    """Random capacities a, symmetric zero-diagonal linkages c and (optionally) singleton terms b."""
    rng = np.random.default_rng(seed)
    lo = -1.0 if signed else 0.0
    a = rng.uniform(lo, 1.0, n)
    c = np.triu(rng.uniform(lo, 1.0, (n, n)), 1)
    c = c + c.T
    b = rng.uniform(lo, 1.0, n) if singletons else None
    return a, c, b


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 10, 12])
@pytest.mark.parametrize("singletons", [False, True])
def test_closed_form_equals_brute_force(n, singletons):
    for seed in range(3):
        a, c, b = random_game(n, 100 * n + seed, singletons)
        exact = shapley_product_game(a, c, b)
        brute = shapley_brute_force(product_game_value(a, c, b), n)
        np.testing.assert_allclose(exact, brute, rtol=0, atol=1e-10)


def test_closed_form_holds_for_signed_values():
    a, c, b = random_game(9, 7, singletons=True, signed=True)
    np.testing.assert_allclose(shapley_product_game(a, c, b),
                               shapley_brute_force(product_game_value(a, c, b), 9), rtol=0, atol=1e-10)


def test_value_function_is_the_paper_formula():
    a, c, b = random_game(6, 3, singletons=True)
    v = product_game_value(a, c, b)
    s = (0, 2, 5)
    pairs = sum(c[i, j] for i, j in combinations(s, 2))
    assert v(s) == pytest.approx(sum(a[k] for k in s) * (pairs + sum(b[k] for k in s)), rel=1e-14)
    assert v(()) == 0.0


def test_monte_carlo_close_to_exact_n30():
    a, c, b = random_game(30, 11, singletons=True)
    exact = shapley_product_game(a, c, b)
    est, se = shapley_product_game_mc(a, c, b, n_permutations=3000, seed=5)
    assert np.all(np.abs(est - exact) <= 5 * se + 1e-12)
    assert np.abs(est - exact).max() / exact.mean() < 0.05


def test_generic_monte_carlo_agrees_with_vectorised_sampler():
    a, c, b = random_game(6, 2, singletons=True)
    exact = shapley_product_game(a, c, b)
    est, se = shapley_monte_carlo(product_game_value(a, c, b), 6, n_permutations=400, seed=1)
    assert np.all(np.abs(est - exact) <= 5 * se + 1e-12)
    np.testing.assert_allclose(est.sum(), product_game_value(a, c, b)(tuple(range(6))), rtol=1e-12)


def test_efficiency():
    for n in (2, 5, 30, 200):
        a, c, b = random_game(n, n, singletons=True)
        v = product_game_value(a, c, b)
        assert shapley_product_game(a, c, b).sum() == pytest.approx(v(tuple(range(n))), rel=1e-12)


def test_symmetry():
    a, c, b = random_game(8, 4, singletons=True)
    a[5], b[5] = a[2], b[2]
    c[5, :], c[:, 5] = c[2, :], c[:, 2]
    c[2, 5] = c[5, 2] = 0.7
    c[5, 5] = c[2, 2] = 0.0
    phi = shapley_product_game(a, c, b)
    assert phi[2] == pytest.approx(phi[5], rel=1e-13)
    assert phi[2] != pytest.approx(phi[0], rel=1e-3)


def test_null_player():
    a, c, b = random_game(7, 5, singletons=True)
    a[3], b[3] = 0.0, 0.0
    c[3, :] = c[:, 3] = 0.0
    v = product_game_value(a, c, b)
    assert all(v(s + (3,)) == pytest.approx(v(s), rel=1e-14) for s in combinations([0, 1, 2, 4, 5, 6], 3))
    phi = shapley_product_game(a, c, b)
    assert phi[3] == pytest.approx(0.0, abs=1e-14)
    assert np.all(np.delete(phi, 3) > 0)


def test_additivity():
    a1, c1, b1 = random_game(8, 21, singletons=True)
    a2, c2, b2 = random_game(8, 22, singletons=False)
    v1, v2 = product_game_value(a1, c1, b1), product_game_value(a2, c2, b2)
    summed = shapley_brute_force(lambda s: v1(s) + v2(s), 8)
    np.testing.assert_allclose(summed, shapley_product_game(a1, c1, b1) + shapley_product_game(a2, c2, b2),
                               rtol=0, atol=1e-10)


def test_linear_in_capacity_components():
    a, c, _ = random_game(10, 8)
    parts = np.random.default_rng(0).dirichlet(np.ones(3), size=10) * a[:, None]
    split = sum(shapley_product_game(parts[:, k], c) for k in range(3))
    np.testing.assert_allclose(split, shapley_product_game(a, c), rtol=1e-12)


def test_group_game_matches_country_game_on_unions():
    a, c, b = random_game(9, 13)
    groups = np.array([0, 1, 0, 2, 1, 2, 3, 0, 1])
    ag, cg, bg = group_game(a, c, groups, b)
    vc, vg = product_game_value(a, c, b), product_game_value(ag, cg, bg)
    for r in range(1, 5):
        for t in combinations(range(4), r):
            members = tuple(int(i) for i in np.flatnonzero(np.isin(groups, t)))
            assert vg(t) == pytest.approx(vc(members), rel=1e-12)


def test_two_stage_against_brute_force():
    a, c, _ = random_game(10, 17)
    groups = np.array([0, 0, 1, 1, 1, 2, 3, 3, 3, 3])      # group 2 has one member
    comps = np.random.default_rng(1).dirichlet(np.ones(3), size=10) * a[:, None]
    ts = two_stage_shapley(a, c, groups, components=comps)
    ag, cg, bg = group_game(a, c, groups)
    stage1 = shapley_brute_force(product_game_value(ag, cg, bg), 4)
    np.testing.assert_allclose(ts.group_share, stage1 / stage1.sum(), rtol=1e-12)
    for k in range(4):
        idx = np.flatnonzero(groups == k)
        if idx.size > 1:
            sub = shapley_brute_force(product_game_value(a[idx], c[np.ix_(idx, idx)]), idx.size)
            np.testing.assert_allclose(ts.share[idx], ts.group_share[k] * sub / sub.sum(), rtol=1e-12)
        else:
            assert ts.share[idx[0]] == pytest.approx(ts.group_share[k], rel=1e-15)
        assert ts.share[idx].sum() == pytest.approx(ts.group_share[k], rel=1e-12)
    assert ts.share.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(ts.contribution.sum(axis=1), ts.share, rtol=1e-12)


def test_bad_games_are_rejected():
    a, c, b = random_game(4, 0)
    with pytest.raises(ValueError, match="symmetric"):
        shapley_product_game(a, c + np.triu(np.ones((4, 4)), 1))
    d = c.copy()
    d[1, 1] = 1.0
    with pytest.raises(ValueError, match="diagonal"):
        shapley_product_game(a, d)
    with pytest.raises(ValueError, match="shape"):
        shapley_product_game(a[:3], c)
    with pytest.raises(ValueError, match="outside"):
        shapley_brute_force(lambda s: 0.0, 13)
    with pytest.raises(ValueError, match="labels"):
        two_stage_shapley(a, c, [0, 0, 2, 2])
