"""Capital block: capital in use, idle capacity and the rental rate.

``K`` is the installed stock of a sector (index of 2017; fixed within a year, accumulated by
vintage between years in :mod:`cge.state`).  Capital in use ``KU`` follows the demand of the
capital-energy nest.  Installed capital may stand idle when its rental falls to zero, as in
putty-clay models (EPPA, ENVISAGE): ``KU <= K``, ``RK >= 0``, ``(K - KU) RK = 0``.  IPOPT gets the
smooth Chen-Harker-Kanzow-Smale form of this complementarity,
``g + r - sqrt((g - r)**2 + 4 mu) = 0`` with ``g = 1 + mu - KU / K`` (the idle share plus mu) and
``r = RK / PNUM`` (the real rental, so the condition is homogeneous), i.e. ``g r = mu``.  The benchmark (K = KU = RK = 1) is an
exact solution.  ``mu = 1e-3`` keeps real rentals from falling below about 1e-3 of their 2017 level
(capital stands idle instead) and costs, at full use, an idle share of ``mu / r - mu`` (0.1-0.2 % of
the stock at the rentals of 2030-2060; capital in use may exceed the stock by at most ``mu`` when the
real rental is above its 2017 level), visible in ``capital_in_use``; smaller values made late policy years
hard for IPOPT.  A shrinking sector shrinks, its capital idle, instead of failing at a zero rent.
"""
from __future__ import annotations

import pyomo.environ as pyo

MU = 1e-3    # smoothing of the idle-capacity complementarity (real rental x capital index); see the module docstring


def stock(m, j: str):
    """Installed capital of activity ``j``: ``KG`` for generation technologies, else ``K``."""
    return m.KG[j] if j in m.KG else m.K[j]


def new_stock(m, j: str):
    """Capital of the flexible technology: the stock, less old capital when it is putty-clay."""
    if hasattr(m, "VJ") and j in m.VJ:
        return stock(m, j) - m.VINT * m.KO[j]
    return stock(m, j)


def add_capital(m) -> None:
    """Capital stock, capital in use, the idle-capacity complementarity and the average rental.

    Generation technologies hold their stock in ``KG`` (fixed in policy runs, planned within the
    year in the baseline), every other activity in ``K``: closures fix each family as data."""
    cal, reg = m._cal, m._reg
    gen_set = [j for j in cal.sectors if cal.role[j] == "generation"] if getattr(m, "_logit_nests", None) else []
    m.K = pyo.Var([j for j in cal.sectors if j not in gen_set], initialize=1.0, bounds=(0, None),
                  doc="installed capital stock (index; fixed within a year)")
    m.KG = pyo.Var(gen_set, initialize=1.0, bounds=(0, None),
                   doc="installed generation capacity (index of 2017 GW, efficiency units)")
    m.KU = pyo.Var(m.I, initialize=1.0, bounds=(0, None), doc="capital in use (index; below K when capital is idle)")
    has = [j for j in cal.sectors if cal.cap0[j] > 0]

    def eq_ku(mm, j):
        """Capital in use = demand from the capital-energy nest at the rental rate."""
        if cal.cap0[j] <= 0:
            return m.KU[j] == 1.0
        return m.KU[j] == m._demand(j, "f:cap", m.RK[j])
    m.eq_ku = pyo.Constraint(m.I, rule=eq_ku, doc="capital demand (capital in use)")
    reg.add("capital", "eq_ku", "KU")

    def eq_rk(mm, j):
        """Idle capacity: capital in use up to the stock, the rental zero when some stands idle (smoothed complementarity)."""
        if cal.cap0[j] <= 0:
            return m.RK[j] == 1.0
        gap = 1 + MU - m.KU[j] / new_stock(m, j)  # idle share (+ MU, so full use at the benchmark is exact)
        rk = m.RK[j] / m.PNUM                      # real rental: the condition is homogeneous of degree 0
        return gap + rk - pyo.sqrt((gap - rk) ** 2 + 4 * MU) == 0
    m.eq_rk = pyo.Constraint(m.I, rule=eq_rk, doc="rental rate (full use or idle capital)")
    reg.add("capital", "eq_rk", "RK")

    gen = {j for j in cal.sectors if cal.role[j] == "generation"}
    w = {j: float(cal.cap0[j]) for j in has if j not in gen}
    vj = set(m.VJ) if hasattr(m, "VJ") else set()

    def old(j, rent):         # old (putty-clay) capital in use, weighted by its rental or not
        return (m.RKO[j] if rent else 1.0) * m.ko[j] * m.XPO[j] if j in vj else 0.0
    m.RKAVG = pyo.Expression(
        expr=sum(v * (m.RK[j] * m.KU[j] + old(j, True)) for j, v in w.items())
        / sum(v * (m.KU[j] + old(j, False)) for j, v in w.items()) if w else 1.0,
        doc="average rental of capital in use outside power generation (index; old capital included)")
