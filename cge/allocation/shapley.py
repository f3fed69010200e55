"""Shapley values for the allocation games of the quota methods (countries or provinces alike).

The characteristic function of Zhou et al. (2024, iScience 27:109412, Equation 10) is a
*product game*: a capacity term times a linkage term,

    v(S) = (sum_{k in S} a_k) * (sum_{i<j in S} c_ij + sum_{i in S} b_i),

with ``a`` the abatement capacity index (ACI), ``c`` the symmetric carbon-reduction linkage
(CRL, zero diagonal) and ``b`` optional singleton linkage terms (zero in the paper, where a
country has no linkage with itself; they appear when whole groups play, see
:func:`group_game`).  Expanding the product gives a sum of unanimity games
``a_k c_ij u_{{k,i,j}}`` and ``a_k b_i u_{{k,i}}``; the Shapley value of ``u_T`` gives
``1/|T|`` to each member of ``T``, so, with ``A = sum a``, ``B = sum b``, ``r = c 1``
(row sums) and ``C = sum_{i<j} c_ij``:

    phi_m = A r_m / 3 - a_m r_m / 6 + (c a)_m / 6 + a_m C / 3 + (A b_m + a_m B) / 2,

which is exact and takes O(n^2) time (:func:`shapley_product_game`).  It is checked against
full enumeration of coalitions (:func:`shapley_brute_force`, n <= 12) and permutation
sampling (:func:`shapley_monte_carlo`, :func:`shapley_product_game_mc`).  The Shapley value
is linear in ``a`` for a given ``c``: splitting ``a`` into additive parts (the equity,
efficiency and ecology parts of the ACI) splits each value exactly.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from math import factorial

import numpy as np

Value = Callable[[tuple[int, ...]], float]


def check_product_game(a: Sequence[float], c: np.ndarray, b: Sequence[float] | None = None
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validated float arrays (a, c, b) of a product game; b defaults to zeros."""
    a = np.asarray(a, dtype=float)
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"a: expected a non-empty 1-D array, got shape {a.shape}")
    n = a.size
    c = np.asarray(c, dtype=float)
    if c.shape != (n, n):
        raise ValueError(f"c: expected shape ({n}, {n}), got {c.shape}")
    b = np.zeros(n) if b is None else np.asarray(b, dtype=float)
    if b.shape != (n,):
        raise ValueError(f"b: expected shape ({n},), got {b.shape}")
    for name, x in (("a", a), ("c", c), ("b", b)):
        if not np.isfinite(x).all():
            raise ValueError(f"{name}: contains non-finite values")
    if np.any(np.diag(c) != 0):
        raise ValueError("c: diagonal must be zero (put singleton terms in b)")
    scale = max(float(np.abs(c).max()), 1e-300)
    if np.abs(c - c.T).max() > 1e-12 * scale:
        raise ValueError("c: linkage matrix must be symmetric")
    return a, c, b


def product_game_value(a: Sequence[float], c: np.ndarray, b: Sequence[float] | None = None) -> Value:
    """The characteristic function v(S) of the product game, S a tuple of player indices."""
    a, c, b = check_product_game(a, c, b)

    def v(members: tuple[int, ...]) -> float:
        idx = np.asarray(members, dtype=int)
        if idx.size == 0:
            return 0.0
        return float(a[idx].sum() * (c[np.ix_(idx, idx)].sum() / 2 + b[idx].sum()))
    return v


def shapley_product_game(a: Sequence[float], c: np.ndarray, b: Sequence[float] | None = None) -> np.ndarray:
    """Exact Shapley values of the product game in closed form (unanimity decomposition), O(n^2)."""
    a, c, b = check_product_game(a, c, b)
    big_a, big_b = a.sum(), b.sum()
    r = c.sum(axis=1)
    big_c = r.sum() / 2
    return big_a * r / 3 - a * r / 6 + (c @ a) / 6 + a * big_c / 3 + (big_a * b + a * big_b) / 2


def shapley_brute_force(value: Value, n: int, max_players: int = 12) -> np.ndarray:
    """Shapley values by enumerating all 2^n coalitions (n <= max_players)."""
    if not 1 <= n <= max_players:
        raise ValueError(f"brute force: n = {n} outside 1..{max_players}")
    masks = np.arange(1 << n)
    bits = (masks[:, None] >> np.arange(n)) & 1
    vals = np.array([value(tuple(np.flatnonzero(row).tolist())) for row in bits], dtype=float)
    sizes = bits.sum(axis=1)
    weight = np.array([factorial(s) * factorial(n - s - 1) / factorial(n) for s in range(n)])
    phi = np.empty(n)
    for i in range(n):
        without = masks[bits[:, i] == 0]
        phi[i] = np.sum(weight[sizes[without]] * (vals[without | (1 << i)] - vals[without]))
    return phi


def shapley_monte_carlo(value: Value, n: int, n_permutations: int = 1000, seed: int = 0
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Shapley values by random permutations for any game: (estimate, standard error)."""
    if n_permutations < 2:
        raise ValueError("n_permutations must be >= 2")
    rng = np.random.default_rng(seed)
    marg = np.empty((n_permutations, n))
    for k in range(n_permutations):
        order = rng.permutation(n)
        prev, members = value(()), []
        for i in order:
            members.append(int(i))
            cur = value(tuple(members))
            marg[k, i], prev = cur - prev, cur
    return marg.mean(axis=0), marg.std(axis=0, ddof=1) / np.sqrt(n_permutations)


def shapley_product_game_mc(a: Sequence[float], c: np.ndarray, b: Sequence[float] | None = None,
                            n_permutations: int = 2000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Monte Carlo Shapley values of the product game with incremental coalition values."""
    a, c, b = check_product_game(a, c, b)
    if n_permutations < 2:
        raise ValueError("n_permutations must be >= 2")
    rng = np.random.default_rng(seed)
    n = a.size
    marg = np.empty((n_permutations, n))
    for k in range(n_permutations):
        p = rng.permutation(n)
        added = np.tril(c[np.ix_(p, p)], -1).sum(axis=1) + b[p]   # linkage each entrant brings
        v = np.cumsum(a[p]) * np.cumsum(added)
        marg[k, p] = np.diff(v, prepend=0.0)
    return marg.mean(axis=0), marg.std(axis=0, ddof=1) / np.sqrt(n_permutations)


def _group_matrix(groups: Sequence[int], n: int) -> np.ndarray:
    """0/1 membership matrix (n x m) from integer labels 0..m-1, every label used."""
    g = np.asarray(groups)
    if g.shape != (n,) or not np.issubdtype(g.dtype, np.integer):
        raise ValueError(f"groups: expected {n} integer labels, got shape {g.shape}, dtype {g.dtype}")
    m = int(g.max()) + 1 if n else 0
    if g.min() < 0 or len(np.unique(g)) != m:
        raise ValueError("groups: labels must be 0..m-1 with every label used")
    member = np.zeros((n, m))
    member[np.arange(n), g] = 1.0
    return member


def group_game(a: Sequence[float], c: np.ndarray, groups: Sequence[int], b: Sequence[float] | None = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The product game played by groups: summed capacity, cross-group linkage, within-group linkage as b."""
    a, c, b = check_product_game(a, c, b)
    member = _group_matrix(groups, a.size)
    cg = member.T @ c @ member
    bg = np.diag(cg) / 2 + member.T @ b
    np.fill_diagonal(cg, 0.0)
    return member.T @ a, (cg + cg.T) / 2, bg


@dataclass(frozen=True)
class TwoStage:
    """Result of :func:`two_stage_shapley` (arrays by group or by member, in input order)."""

    group_value: np.ndarray      # stage-1 Shapley value of each group
    group_share: np.ndarray      # group value / v(N)
    member_value: np.ndarray     # stage-2 Shapley value of each member within its own group
    within_share: np.ndarray     # member value / its group's total (1 for a one-member group)
    share: np.ndarray            # group share x within share; sums to 1
    contribution: np.ndarray | None  # share split by the additive parts of a (n x parts)


def _split_components(a: np.ndarray, components: np.ndarray | None) -> np.ndarray | None:
    """Validated additive parts of a (n x k) or None."""
    if components is None:
        return None
    comp = np.asarray(components, dtype=float)
    if comp.ndim != 2 or comp.shape[0] != a.size or not np.isfinite(comp).all():
        raise ValueError(f"components: expected a finite ({a.size}, k) array, got shape {comp.shape}")
    if not np.allclose(comp.sum(axis=1), a, rtol=1e-9, atol=1e-12 * max(1.0, float(np.abs(a).max()))):
        raise ValueError("components: rows must sum to a")
    return comp


def two_stage_shapley(a: Sequence[float], c: np.ndarray, groups: Sequence[int],
                      b: Sequence[float] | None = None, components: np.ndarray | None = None) -> TwoStage:
    """Groups (alliances) as players first, then members within each group, both exact."""
    a, c, b = check_product_game(a, c, b)
    comp = _split_components(a, components)
    labels = np.asarray(groups)
    ag, cg, bg = group_game(a, c, labels, b)
    gval = shapley_product_game(ag, cg, bg)
    total = gval.sum()
    if total == 0:
        raise ValueError("two-stage Shapley: v(N) = 0, shares undefined")
    gshare = gval / total
    mval, within = np.zeros(a.size), np.zeros(a.size)
    contrib = None if comp is None else np.zeros_like(comp)
    for k in range(ag.size):
        idx = np.flatnonzero(labels == k)
        sub_c = c[np.ix_(idx, idx)]
        if idx.size == 1:
            mval[idx] = a[idx] * b[idx]
            within[idx] = 1.0
            if comp is not None:
                if a[idx[0]] == 0:
                    raise ValueError(f"group {k}: its only member has a = 0; cannot split by components")
                contrib[idx] = gshare[k] * comp[idx] / a[idx]
            continue
        phi = shapley_product_game(a[idx], sub_c, b[idx])
        tot = phi.sum()
        if tot == 0:
            raise ValueError(f"group {k}: members' game has total value 0 (members {idx.tolist()})")
        mval[idx], within[idx] = phi, phi / tot
        if comp is not None:
            for p in range(comp.shape[1]):
                contrib[idx, p] = gshare[k] * shapley_product_game(comp[idx, p], sub_c, b[idx]) / tot
    return TwoStage(gval, gshare, mval, within, gshare[labels] * within, contrib)
