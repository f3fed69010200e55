"""Production nesting trees built from calibration data (sparse: no nest with zero base value).

Structure (SICGE / GTAP-E style; Burniaux and Truong 2002, GTAP Technical Paper 16, Fig. 2):

    XP (output) = CES[sigma_top]( ND materials (Leontief over non-energy and feedstock inputs),
                                  VE capital-labour-energy,
                                  GEN generation bundle (the grid only; then the nest is Leontief) )
    VE = CES[sigma_kel]( L labour, KE capital-energy )
    KE = CES[sigma_ke]( K capital, EN energy )
    EN = CES[sigma_ene]( ELY electricity and heat, NEL non-electric fuels )
    ELY = CES[sigma_ene]( grid electricity, heat )
    NEL = CES[sigma_nel]( coal, oil and gas commodities )
    GEN = logit[sigma_gen]( coal, gas, hydro, nuclear and new-energy power, in TWh: cge.model.power )

Leaves are commodity inputs (``c:<code>``) or factors (``f:lab``, ``f:cap``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

TREE = {  # nest -> (children, elasticity parameter)
    "XP": (["ND", "VE", "GEN"], "sigma_top"),
    "VE": (["f:lab", "KE"], "sigma_kel"),
    "KE": (["f:cap", "EN"], "sigma_ke"),
    "EN": (["ELY", "NEL"], "sigma_ene"),
}
LEAF_NESTS = {"ND": None, "ELY": "electricity", "NEL": "fuel", "GEN": "generation"}
LEAF_SIGMA = {"ND": None, "ELY": "sigma_ene", "NEL": "sigma_nel", "GEN": "sigma_gen"}


@dataclass
class Nest:
    """One CES nest of one activity: children with base values and the elasticity."""

    activity: str
    name: str
    sigma: float
    children: dict[str, float] = field(default_factory=dict)   # child -> base value (bn yuan)

    @property
    def value(self) -> float:
        """Base value of the nest = sum of its children's base values."""
        return float(sum(self.children.values()))


def leaf_nest(commodity: str, role: str, feedstock: bool) -> str:
    """Which leaf nest an input goes to."""
    if feedstock or role == "":
        return "ND"
    if role == "generation":
        return "GEN"
    if role == "electricity":
        return "ELY"
    return "NEL"


def build_trees(cal) -> dict[str, dict[str, Nest]]:
    """For every activity: nest name -> Nest, pruned of zero-value nests."""
    trees: dict[str, dict[str, Nest]] = {}
    for j in cal.sectors:
        el = {p: float(s[j]) for p, s in cal.elasticity.items()}
        leaves: dict[str, dict[str, float]] = {n: {} for n in LEAF_NESTS}
        for i in cal.sectors:
            v = float(cal.z0.loc[i, j])
            if v > 0:
                leaves[leaf_nest(i, cal.role[i], bool(cal.feedstock.loc[i, j]))][f"c:{i}"] = v
        nests = {n: Nest(j, n, 0.0 if LEAF_SIGMA[n] is None else el.get(LEAF_SIGMA[n], 0.0), ch)
                 for n, ch in leaves.items() if ch}
        base = {"f:lab": float(cal.lab0[j]), "f:cap": float(cal.cap0[j])}
        for name in ("EN", "KE", "VE", "XP"):
            kids, par = TREE[name]
            ch = {}
            for k in kids:
                v = nests[k].value if k in nests else base.get(k, 0.0)
                if v > 0:
                    ch[k] = v
            if ch:
                # the grid delivers what is generated: its top nest is Leontief in generation
                sigma = 0.0 if name == "XP" and "GEN" in ch else el.get(par, 0.0)
                nests[name] = Nest(j, name, sigma, ch)
        trees[j] = nests
    return trees
