"""Shared pieces of the model blocks: household names, the equation registry, CES helpers."""
from __future__ import annotations

from dataclasses import dataclass, field

import pyomo.environ as pyo

HH = ["hh_rural", "hh_urban"]


@dataclass
class Registry:
    """Equation family -> (block, variable family it determines)."""

    eqs: dict[str, tuple[str, str]] = field(default_factory=dict)

    def add(self, block: str, eq: str, var: str) -> None:
        """Register that equation family ``eq`` of ``block`` determines variable family ``var``."""
        self.eqs[eq] = (block, var)


def ces_price(kids, sigma):
    """CES unit-cost index (normalised): P**(1-s) = sum theta_k p_k**(1-s); Leontief when s == 0."""
    if abs(sigma) < 1e-12:
        return sum(th * p for th, p in kids)
    if abs(sigma - 1.0) < 1e-12:
        return pyo.exp(sum(th * pyo.log(p) for th, p in kids))
    return sum(th * p ** (1 - sigma) for th, p in kids) ** (1 / (1 - sigma))


def ces_demand(q_parent, p_parent, p_child, sigma, aug=None):
    """CES demand for a child: Q_parent (P_parent/p_child)**sigma, or with factor-augmenting
    technical change ``aug`` (efficiency index): Q_parent aug**(sigma-1) (P_parent/p_child)**sigma."""
    if aug is None:
        return q_parent * (p_parent / p_child) ** sigma
    return q_parent * aug ** (sigma - 1) * (p_parent / p_child) ** sigma


def parent(m, j: str, child: str) -> str:
    """The nest of activity ``j`` that contains ``child`` (a nest name or a leaf)."""
    for n, nest in m._trees[j].items():
        if child in nest.children:
            return n
    raise KeyError((j, child))
