"""Carbon-reduction gravity model and alliances formed by maximum linkage.

Zhou et al. (2024, iScience 27:109412, Equation 8):

    CRL_ij = (Sc_i Ec_i Ev_i)^(1/3) (Sc_j Ec_j Ev_j)^(1/3) / (D_ij^2 L_i L_j),

with ``Sc, Ec, Ev`` the weighted social, economic and environmental scores, ``D_ij`` the
distance between capitals and ``L`` the labour cost.  Distances here are great-circle
(haversine) distances on a sphere of the IUGG mean Earth radius (the paper used ArcGIS).

Alliances: each unit is paired with the partner of maximum linkage (the paper's rule); the
connected components of those pairs are the natural alliances.  A requested number of
alliances is reached from there: fewer by merging the two alliances of highest mean cross
linkage, repeatedly (average linkage; single linkage as an option), more by cutting the
weakest pairing links.  With the natural number the result is exactly the pairing components.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# IUGG mean Earth radius R1 = (2a + b)/3 of GRS 80 (Moritz 2000, J. Geodesy 74:128-133), km.
EARTH_RADIUS_KM = 6371.0088


def distance_matrix_km(lat_deg: Sequence[float], lon_deg: Sequence[float]) -> np.ndarray:
    """Great-circle distances (km) between all pairs of points, haversine formula."""
    lat, lon = np.radians(np.asarray(lat_deg, float)), np.radians(np.asarray(lon_deg, float))
    if lat.shape != lon.shape or lat.ndim != 1:
        raise ValueError("lat/lon: expected two 1-D arrays of equal length")
    if not (np.isfinite(lat).all() and np.isfinite(lon).all()):
        raise ValueError("lat/lon: non-finite coordinates")
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def gravity_mass(sc: Sequence[float], ec: Sequence[float], ev: Sequence[float]) -> np.ndarray:
    """Geometric mean of the three dimension scores, (Sc Ec Ev)^(1/3)."""
    s = np.vstack([np.asarray(x, float) for x in (sc, ec, ev)])
    if (s < 0).any() or not np.isfinite(s).all():
        raise ValueError("gravity mass: dimension scores must be finite and >= 0")
    return np.cbrt(s.prod(axis=0))


def _labels(labels: Sequence[str] | None, n: int) -> list[str]:
    return [str(x) for x in labels] if labels is not None else [str(i) for i in range(n)]


def check_distances(distance_km: np.ndarray, labels: Sequence[str] | None = None) -> np.ndarray:
    """A square, symmetric distance matrix with every off-diagonal entry > 0, or ValueError naming the pair."""
    d = np.asarray(distance_km, float)
    if d.ndim != 2 or d.shape[0] != d.shape[1]:
        raise ValueError(f"distance: expected a square matrix, got shape {d.shape}")
    names = _labels(labels, d.shape[0])
    off = ~np.eye(d.shape[0], dtype=bool)
    bad = off & ~(d > 0)
    if bad.any():
        i, j = map(int, np.argwhere(bad)[0])
        raise ValueError(f"distance between {names[i]} and {names[j]} is {d[i, j]} km; distances must be > 0")
    if not np.isfinite(d[off]).all():
        raise ValueError("distance: non-finite entries")
    return d


def gravity_linkage(mass: Sequence[float], labour_cost: Sequence[float], distance_km: np.ndarray,
                    labels: Sequence[str] | None = None) -> np.ndarray:
    """Linkage matrix CRL_ij = m_i m_j / (D_ij^2 L_i L_j), zero diagonal (Equation 8)."""
    m = np.asarray(mass, float)
    lab = np.asarray(labour_cost, float)
    d = check_distances(distance_km, labels)
    if m.shape != lab.shape or m.shape != (d.shape[0],):
        raise ValueError(f"gravity: mass {m.shape}, labour cost {lab.shape} and distance {d.shape} disagree")
    names = _labels(labels, m.size)
    bad = np.flatnonzero(~(lab > 0) | ~np.isfinite(lab))
    if bad.size:
        raise ValueError(f"labour cost of {names[bad[0]]} is {lab[bad[0]]}; must be > 0")
    if (m < 0).any() or not np.isfinite(m).all():
        raise ValueError("gravity mass must be finite and >= 0")
    w = m / lab
    with np.errstate(divide="ignore"):
        crl = np.outer(w, w) / np.where(np.eye(m.size, dtype=bool), np.inf, d) ** 2
    np.fill_diagonal(crl, 0.0)
    return crl


def _find(parent: np.ndarray, i: int) -> int:
    """Union-find root with path halving."""
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def max_linkage_partner(crl: np.ndarray) -> np.ndarray:
    """Index of each unit's partner of maximum linkage (ties: lowest index)."""
    c = np.asarray(crl, float).copy()
    np.fill_diagonal(c, -np.inf)
    return np.argmax(c, axis=1)


def _merge(n: int, iu: np.ndarray, ju: np.ndarray, order: np.ndarray, stop_at: int) -> np.ndarray:
    """Union edges in ``order`` until ``stop_at`` groups remain (or edges run out); root per unit."""
    parent = np.arange(n)
    groups = n
    for e in order:
        if groups <= stop_at:
            break
        ri, rj = _find(parent, int(iu[e])), _find(parent, int(ju[e]))
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
            groups -= 1
    return np.array([_find(parent, i) for i in range(n)])


def _merge_average(labels: np.ndarray, crl: np.ndarray, target: int) -> np.ndarray:
    """Merge groups pairwise, highest mean cross-group linkage first, until ``target`` groups remain."""
    m = int(labels.max()) + 1
    member = np.zeros((labels.size, m))
    member[np.arange(labels.size), labels] = 1.0
    total, count = member.T @ crl @ member, member.sum(axis=0)
    alive = list(range(m))
    root = np.arange(m)
    while len(alive) > target:
        sub = np.ix_(alive, alive)
        mean = total[sub] / np.outer(count[alive], count[alive])
        np.fill_diagonal(mean, -np.inf)
        a, b = np.unravel_index(int(np.argmax(mean)), mean.shape)
        i, j = sorted((alive[a], alive[b]))
        total[i, :] += total[j, :]
        total[:, i] += total[:, j]
        count[i] += count[j]
        root[root == j] = i
        alive.remove(j)
    return root[labels]


def alliances_by_max_linkage(crl: np.ndarray, n_alliances: int | None = None, merge: str = "average"
                             ) -> tuple[np.ndarray, int]:
    """Alliance label per unit (0..k-1, numbered by first member) and the natural count of the pairing rule.

    ``merge`` sets how fewer alliances than the natural count are reached: ``"average"`` joins
    the two alliances of highest mean cross linkage (average linkage), ``"single"`` follows the
    strongest remaining country pair (single linkage, which tends to chain into one large group).
    """
    c = np.asarray(crl, float)
    n = c.shape[0]
    if c.ndim != 2 or c.shape != (n, n) or n < 2:
        raise ValueError(f"crl: expected a square matrix with n >= 2, got {c.shape}")
    if n_alliances is not None and not 1 <= n_alliances <= n:
        raise ValueError(f"n_alliances = {n_alliances} outside 1..{n}")
    if merge not in ("average", "single"):
        raise ValueError(f"merge = {merge!r}: use 'average' or 'single'")
    partner = max_linkage_partner(c)
    iu, ju = np.triu_indices(n, 1)
    w = c[iu, ju]
    own = (partner[iu] == ju) | (partner[ju] == iu)
    order = np.lexsort((-w, ~own))      # the units' own maximum-linkage edges first, each strongest-first
    n_own = int(own.sum())
    roots = _merge(n, iu, ju, order[:n_own], 1)
    natural = len(np.unique(roots))
    target = natural if n_alliances is None else int(n_alliances)
    if target > natural:                # cut the weakest pairing links: keep only the strongest ones
        roots = _merge(n, iu, ju, order[:n_own], target)
    elif target < natural:
        roots = _merge(n, iu, ju, order, target) if merge == "single" else \
            _merge_average(np.unique(roots, return_inverse=True)[1], c, target)
    _, labels = np.unique(roots, return_inverse=True)
    return labels.astype(int), natural
