"""Production block: nested CES technology, zero profit, labour, capital and intermediate demands.

Technical change enters in two named forms, each an index equal to 1 in 2017:

* factor-augmenting efficiency: ``ALAB`` (labour) and ``AEEI`` (autonomous energy-efficiency
  improvement of every energy bundle), the usual GTAP-E/ENVISAGE form;
* cost-neutral share twists (MONASH style): ``FSW`` (fuel switch) multiplies the share parameter
  of coal in every fuel nest, and those of oil and gas rise so that the nest's cost at 2017 prices
  is unchanged; ``AELEC`` (electrification) does the same to the fossil-fuel bundle in every
  energy nest, in favour of electricity and heat (households: coal's budget share moves to
  electricity with ``FSW``, every fossil fuel's with ``AELEC``); ``ESAV`` (energy saving) moves
  the share of energy in the capital-energy nest of end users to capital (efficiency investment;
  households: energy's budget share to other goods).  A twist moves input shares; it never
  creates output or energy services.  Unlike AEEI, whose effect on energy use is damped by the
  low capital-energy elasticity (physical use ~ AEEI ** (sigma - 1)), a twist of x % saves x % of
  energy at given prices.

Generation technologies (role ``generation``) are left out of the fuel-switch twist: their fuel
use follows the technology choice of the grid (:mod:`.power`).
"""
from __future__ import annotations

import pyomo.environ as pyo

from .base import ces_demand, ces_price, parent
from .vintage import add_vintage, add_vintage_vars, old_output


def add_technology(m) -> None:
    """Technology indices (exogenous in policy runs, calibrated or driven by data in the baseline).

    ``ALAB`` labour-augmenting productivity (the baseline's GDP instrument), ``AEEI``
    energy-augmenting efficiency of firms' energy bundles and households' energy budget (the, ``ESAV`` the energy-saving twist (the baseline's final-energy instrument),
    ``FSW`` the fuel-switch twist away from coal (its coal-use
    instrument), ``AELEC`` the electrification twist (its generation instrument), ``APROC`` the
    process-CO2 intensity of output by sector (a user shock, 1 by default) and ``APT`` the common
    process-intensity trend (the baseline's instrument for the sourced cement path: tonnes of clinker
    per unit of real output of the process activities).
    """
    cal = m._cal
    m.ALAB = pyo.Var(initialize=1.0, bounds=(1e-3, None), doc="labour-augmenting productivity index")
    m.AEEI = pyo.Var(initialize=1.0, bounds=(1e-3, None), doc="energy-augmenting efficiency index (firms and households)")
    m.FSW = pyo.Var(initialize=1.0, bounds=(1e-3, None),
                    doc="fuel-switch twist: share parameter of coal in fuel nests and household budgets (index)")
    m.ESAV = pyo.Var(initialize=1.0, bounds=(1e-3, None),
                     doc="energy-saving twist: share parameter of energy in the capital-energy nests of end users and their energy budget (index)")
    m.AELEC = pyo.Var(initialize=1.0, bounds=(1e-3, None),
                      doc="electrification twist: share parameter of fossil fuels in energy nests and household budgets (index)")
    m.PROCI = pyo.Set(initialize=[j for j in cal.sectors if cal.process0[j] > 0], ordered=True,
                      doc="activities with process CO2")
    m.APROC = pyo.Var(m.PROCI, initialize=1.0, bounds=(0, None), doc="process-CO2 intensity of output (index, 2017 = 1)")
    m.APT = pyo.Var(initialize=1.0, bounds=(1e-6, None),
                    doc="process-intensity trend common to the process activities: process CO2 per unit of their real output (index, 2017 = 1)")


def augment(m, j: str, child: str):
    """Factor-augmenting efficiency applying to ``child`` of activity ``j``'s tree, or None."""
    if child == "f:lab":
        return m.ALAB
    if child == "EN" and m._cal.role.get(j, "") == "":
        return m.AEEI       # non-energy activities; energy supply and power plants keep their 2017 fuel per unit
    return None


def twisted(m, j: str, n: str) -> tuple[set[str], float] | None:
    """The children of nest ``n`` of activity ``j`` whose share falls with ``FSW`` and their
    combined 2017 value share, or None when the nest has no fuel-switch twist."""
    if m._cal.role.get(j, "") == "generation":
        return None
    nest = m._trees[j][n]
    if n == "NEL":
        down = {k for k in nest.children if m._cal.role[k[2:]] == "coal"}
    elif n == "KE" and m._cal.role.get(j, "") == "":
        down = {k for k in nest.children if k == "EN"}
    elif n == "EN":
        down = {k for k in nest.children if k == "NEL"}
    else:
        return None
    theta = sum(v for k, v in nest.children.items() if k in down) / nest.value   # children's order, not the set's
    if not down or theta >= 1 - 1e-9:
        return None
    return down, theta


def twist(m, j: str, n: str, child: str):
    """Cost-neutral share twist of ``child`` in nest ``n`` of activity ``j`` (None when 1):
    the twisted-down children's share parameters times ``f`` = ``FSW`` (fuel nests), ``AELEC``
    (energy nests) or ``ESAV`` (capital-energy nests of end users), then all shares renormalised
    to sum to one, so the nest's cost at 2017 prices is unchanged whatever the sign of the twist:
    f / (theta f + 1 - theta) for the twisted children, 1 / (theta f + 1 - theta) for the others."""
    tw = m._twists.get((j, n))
    if tw is None:
        return None
    down, theta = tw
    f = {"NEL": m.FSW, "EN": m.AELEC, "KE": m.ESAV}[n]
    norm = theta * f + 1 - theta
    return f / norm if child in down else 1 / norm


def add_production(m) -> None:
    """Nested CES production, zero profit, labour demand and intermediate demands.

    The generation nest of the grid is left to :mod:`.power` (technology choice in TWh), and
    capital demand to :mod:`.capital` (capital in use, idle capacity).
    """
    cal, reg = m._cal, m._reg
    m._twists = {(j, n): tw for (j, n) in m.N if (tw := twisted(m, j, n)) is not None}
    m.XP = pyo.Var(m.I, initialize=1.0, bounds=(1e-9, None), doc="gross output (index)")
    m.PX = pyo.Var(m.I, initialize=1.0, bounds=(1e-6, None), doc="output price")
    m.Q = pyo.Var(m.N, initialize=1.0, bounds=(1e-9, None), doc="quantity of a production nest")
    m.P = pyo.Var(m.N, initialize=1.0, bounds=(1e-6, None), doc="unit cost of a production nest")
    m.L = pyo.Var(m.I, initialize=1.0, bounds=(1e-9, None), doc="labour demand")
    m.RK = pyo.Var(m.I, initialize=1.0, bounds=(0, None), doc="rental rate of capital (0 when capital is idle)")
    m.W = pyo.Var(initialize=1.0, bounds=(1e-6, None), doc="wage rate")
    m.tp = pyo.Param(m.I, initialize=cal.tp.to_dict(), mutable=True, doc="net production tax rate on output")
    m.pc = pyo.Param(m.I, initialize=(cal.process0 / cal.xp0).to_dict(), doc="process CO2, Mt per bn yuan output")
    logit = getattr(m, "_logit_nests", set())
    add_vintage_vars(m, logit)

    def leaf_price(j, leaf):
        if leaf == "f:lab":
            return m.W
        if leaf == "f:cap":
            return m.RK[j]
        return m.PU[leaf[2:], j]

    def process_cost(j):
        return m.TAXU[j] * m.APROC[j] * m.APT * m.pc[j] / 1000.0 if j in m.PROCI else 0.0

    def eq_top(mm, j):
        """Zero profit: output price net of production tax and process-CO2 cost equals unit cost."""
        return m.PX[j] * (1 - m.TPADJ * m.tp[j]) == m.P[j, "XP"] * (1 - cal.tp[j]) + process_cost(j)
    m.eq_xp = pyo.Constraint(m.I, rule=eq_top, doc="zero profit (determines output XP)")
    reg.add("production", "eq_xp", "XP")

    def eq_qtop(mm, j):
        """The top nest's quantity is the activity level (of new capital, when old capital produces too)."""
        return m.Q[j, "XP"] == m.XP[j] - old_output(m, j)
    m.eq_qtop = pyo.Constraint(m.I, rule=eq_qtop, doc="top nest = output")

    def eq_price(mm, j, n):
        """CES unit-cost index of a nest from its children's prices (value shares at benchmark, twisted)."""
        if (j, n) in logit:
            return pyo.Constraint.Skip
        nest = m._trees[j][n]
        tot = nest.value
        kids = []
        for k, v in nest.children.items():
            p = m.P[j, k] if k in m._trees[j] else leaf_price(j, k)
            a = augment(m, j, k)
            b = twist(m, j, n, k)
            kids.append((v / tot * (1.0 if b is None else b), p if a is None else p / a))
        return m.P[j, n] == ces_price(kids, nest.sigma)
    m.eq_p = pyo.Constraint(m.N, rule=eq_price, doc="nest unit cost (CES price index)")
    reg.add("production", "eq_p", "P")

    def demand(j, child, price):
        """CES demand for ``child`` of activity ``j`` from its parent nest (augmented and twisted)."""
        par = parent(m, j, child)
        q = ces_demand(m.Q[j, par], m.P[j, par], price, m._trees[j][par].sigma, augment(m, j, child))
        b = twist(m, j, par, child)
        return q if b is None else b * q

    def eq_qsub(mm, j, n):
        """Demand for a sub-nest from its parent nest: Q_n = Q_parent (P_parent / P_n)**sigma."""
        if n == "XP":
            return pyo.Constraint.Skip
        return m.Q[j, n] == demand(j, n, m.P[j, n])
    m.eq_q = pyo.Constraint(m.N, rule=eq_qsub, doc="nest demand")
    reg.add("production", "eq_q", "Q")
    reg.add("production", "eq_qtop", "Q")

    add_intermediate_demand(m, demand, logit)

    def eq_l(mm, j):
        """Labour demand from the value-added nest."""
        if cal.lab0[j] <= 0:
            return m.L[j] == 1.0
        if j in m.VJ:
            return m.L[j] == demand(j, "f:lab", m.W) + m.lo[j] * m.XPO[j]
        return m.L[j] == demand(j, "f:lab", m.W)
    m.eq_l = pyo.Constraint(m.I, rule=eq_l, doc="labour demand")
    reg.add("production", "eq_l", "L")
    m._demand = demand
    add_vintage(m, process_cost)


def add_intermediate_demand(m, demand, logit) -> None:
    """Intermediate demand ``XA`` as an Expression (an explicit function of nest quantities and
    prices, so neither a variable nor an equation of the solved system): commodity i bought by
    activity j from its nest at the carbon-inclusive price.  Flows in a logit nest (the grid's
    generation) start at 0 here and get their logit expression in :mod:`.power`."""
    def xa(mm, i, j):
        """Intermediate demand for commodity i by activity j from its nest (carbon-inclusive price), plus old capital's fixed coefficient
        (materials: the Leontief bundle of both vintages)."""
        par = parent(m, j, f"c:{i}")
        if (j, par) in logit:
            return 0.0
        if par == "ND" and j in m.VND:        # Leontief materials: the bundle both vintages buy
            return m.QND[j]
        if (i, j) in m.FV:
            return demand(j, f"c:{i}", m.PU[i, j]) + m.xo[i, j] * m.XPO[j]
        return demand(j, f"c:{i}", m.PU[i, j])
    m.XA = pyo.Expression(m.F, rule=xa, doc="intermediate demand for a commodity (index; an explicit function)")
