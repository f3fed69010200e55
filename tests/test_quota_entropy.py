"""Entropy weight method: hand-computed cases, directions, constant indicators, bad input."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cge.allocation.entropy import entropy, entropy_weight_table, entropy_weights, minmax_normalise

# columns: A = 0, 1, 2 (benefit); B = 5, 5, 5 (constant); C = 3, 0, 0 (benefit)
X = np.array([[0.0, 5.0, 3.0],
              [1.0, 5.0, 0.0],
              [2.0, 5.0, 0.0]])


def test_minmax_by_hand():
    v = minmax_normalise(X)
    np.testing.assert_array_equal(v, [[0.0, 0.0, 1.0], [0.5, 0.0, 0.0], [1.0, 0.0, 0.0]])


def test_cost_direction_reverses():
    v = minmax_normalise(X, ["cost", "benefit", "cost"])
    np.testing.assert_array_equal(v[:, 0], [1.0, 0.5, 0.0])
    np.testing.assert_array_equal(v[:, 2], [0.0, 1.0, 1.0])


def test_entropy_by_hand():
    # A: p = (0, 1/3, 2/3) -> E = (ln 3 - 2/3 ln 2) / ln 3; B: constant -> 1; C: p = (1, 0, 0) -> 0
    e = entropy(minmax_normalise(X))
    assert e[0] == pytest.approx(1 - (2 / 3) * math.log(2) / math.log(3), rel=1e-14)
    assert e[1] == 1.0
    assert e[2] == pytest.approx(0.0, abs=1e-15)


def test_weights_by_hand_and_constant_indicator_zero():
    g_a = (2 / 3) * math.log(2) / math.log(3)
    w = entropy_weights(minmax_normalise(X))
    np.testing.assert_allclose(w, [g_a / (g_a + 1), 0.0, 1 / (g_a + 1)], rtol=1e-14)
    assert w[1] == 0.0
    assert w.sum() == pytest.approx(1.0, abs=1e-15)


def test_two_valued_column_by_hand():
    # V = (0, 1, 1, 1): p = 1/3 on three units, E = ln 3 / ln 4
    e = entropy(minmax_normalise(np.array([[0.0], [4.0], [4.0], [4.0]])))
    assert e[0] == pytest.approx(math.log(3) / math.log(4), rel=1e-14)


def test_weights_sum_to_one_random():
    rng = np.random.default_rng(0)
    x = rng.lognormal(size=(50, 9))
    x[:, 4] = 7.0
    w = entropy_weights(minmax_normalise(x))
    assert w.sum() == pytest.approx(1.0, abs=1e-14)
    assert w[4] == 0.0 and np.all(np.delete(w, 4) > 0)


def test_more_dispersed_indicator_weighs_more():
    x = np.column_stack([np.r_[np.ones(9), 10.0], np.linspace(1, 10, 10)])
    w = entropy_weights(minmax_normalise(x))
    assert w[0] > w[1]


def test_table_interface():
    df = pd.DataFrame(X, index=["p1", "p2", "p3"], columns=["A", "B", "C"])
    norm, w = entropy_weight_table(df, {"A": "cost"})
    assert list(norm.index) == ["p1", "p2", "p3"] and list(w.index) == ["A", "B", "C"]
    np.testing.assert_array_equal(norm.A, [1.0, 0.5, 0.0])
    assert w.B == 0.0 and w.sum() == pytest.approx(1.0)


def test_bad_input():
    with pytest.raises(ValueError, match="every indicator is constant"):
        entropy_weights(minmax_normalise(np.ones((4, 2))))
    with pytest.raises(ValueError, match="non-finite"):
        minmax_normalise([[1.0, np.nan], [2.0, 3.0]])
    with pytest.raises(ValueError, match="unknown value"):
        minmax_normalise(X, "more")
    with pytest.raises(ValueError, match="at least 2 units"):
        minmax_normalise([[1.0, 2.0]])
    df = pd.DataFrame({"A": [1.0, np.nan, 3.0]}, index=["x", "y", "z"])
    with pytest.raises(ValueError, match="'A': \\['y'\\]"):
        entropy_weight_table(df)
    with pytest.raises(ValueError, match="unknown indicator"):
        entropy_weight_table(df.fillna(0), {"Z": "cost"})
