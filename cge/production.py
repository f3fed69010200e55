"""Production block: nested CES technology, zero profit, factor and intermediate demands."""
from __future__ import annotations

import pyomo.environ as pyo

from .base import ces_demand, ces_price, parent


def add_technology(m) -> None:
    """Technology shifters (exogenous in policy runs, calibrated in the baseline).

    ``ALAB`` labour-augmenting productivity (the baseline's GDP instrument), ``AEEI``
    energy-augmenting efficiency of firms' energy bundles and households' energy budget
    (the baseline's emission instrument), ``AGEN`` technology shifters of the non-coal
    generation technologies in the grid's generation nest (the baseline's power-mix instrument).
    All are efficiency indices, 1 in 2017.
    """
    gen = [i for i in m._cal.sectors if m._cal.role[i] == "generation"]
    m.GT = pyo.Set(initialize=gen[1:], ordered=True,
                   doc="generation technologies with their own mix shifter (the first one, coal power, is the reference)")
    m.ALAB = pyo.Var(initialize=1.0, bounds=(1e-3, None), doc="labour-augmenting productivity index")
    m.AEEI = pyo.Var(initialize=1.0, bounds=(1e-3, None), doc="energy-augmenting efficiency index (firms and households)")
    m.AGEN = pyo.Var(m.GT, initialize=1.0, bounds=(1e-3, None), doc="generation-technology efficiency shifter in the grid's mix")


def augment(m, j: str, child: str):
    """Factor-augmenting efficiency applying to ``child`` of activity ``j``'s tree, or None."""
    if child == "f:lab":
        return m.ALAB
    if child == "EN":
        return m.AEEI
    if child.startswith("c:") and child[2:] in m.GT and parent(m, j, child) == "GEN":
        return m.AGEN[child[2:]]
    return None


def add_production(m) -> None:
    """Nested CES production, zero profit, factor demands and intermediate demands."""
    cal, reg = m._cal, m._reg
    m.XP = pyo.Var(m.I, initialize=1.0, bounds=(1e-6, None), doc="gross output (index)")
    m.PX = pyo.Var(m.I, initialize=1.0, bounds=(1e-6, None), doc="output price")
    m.Q = pyo.Var(m.N, initialize=1.0, bounds=(1e-6, None), doc="quantity of a production nest")
    m.P = pyo.Var(m.N, initialize=1.0, bounds=(1e-6, None), doc="unit cost of a production nest")
    m.XA = pyo.Var(m.F, initialize=1.0, bounds=(1e-9, None), doc="intermediate demand for a commodity")
    m.L = pyo.Var(m.I, initialize=1.0, bounds=(1e-9, None), doc="labour demand")
    m.K = pyo.Var(m.I, initialize=1.0, bounds=(1e-9, None), doc="capital stock in use (fixed in the short run)")
    m.RK = pyo.Var(m.I, initialize=1.0, bounds=(1e-6, None), doc="rental rate of capital")
    m.W = pyo.Var(initialize=1.0, bounds=(1e-6, None), doc="wage rate")
    m.tp = pyo.Param(m.I, initialize=cal.tp.to_dict(), mutable=True, doc="net production tax rate on output")
    m.pc = pyo.Param(m.I, initialize=(cal.process0 / cal.xp0).to_dict(), doc="process CO2, Mt per bn yuan output")

    def leaf_price(j, leaf):
        if leaf == "f:lab":
            return m.W
        if leaf == "f:cap":
            return m.RK[j]
        return m.PU[leaf[2:], j]

    def eq_top(mm, j):
        """Zero profit: output price net of production tax and process-CO2 cost equals unit cost."""
        return m.PX[j] * (1 - m.TPADJ * m.tp[j]) == m.P[j, "XP"] * (1 - cal.tp[j]) + m.cover[j] * m.CTAXN * m.ACO2 * m.pc[j] / 1000.0
    m.eq_xp = pyo.Constraint(m.I, rule=eq_top, doc="zero profit (determines output XP)")
    reg.add("production", "eq_xp", "XP")

    def eq_qtop(mm, j):
        """The top nest's quantity is the activity level."""
        return m.Q[j, "XP"] == m.XP[j]
    m.eq_qtop = pyo.Constraint(m.I, rule=eq_qtop, doc="top nest = output")

    def eq_price(mm, j, n):
        """CES unit-cost index of a nest from its children's prices (value shares at benchmark)."""
        nest = m._trees[j][n]
        tot = nest.value
        kids = []
        for k, v in nest.children.items():
            p = m.P[j, k] if k in m._trees[j] else leaf_price(j, k)
            a = augment(m, j, k)
            kids.append((v / tot, p if a is None else p / a))
        return m.P[j, n] == ces_price(kids, nest.sigma)
    m.eq_p = pyo.Constraint(m.N, rule=eq_price, doc="nest unit cost (CES price index)")
    reg.add("production", "eq_p", "P")

    def eq_qsub(mm, j, n):
        """Demand for a sub-nest from its parent nest: Q_n = Q_parent (P_parent / P_n)**sigma."""
        if n == "XP":
            return pyo.Constraint.Skip
        par = parent(m, j, n)
        s = m._trees[j][par].sigma
        return m.Q[j, n] == ces_demand(m.Q[j, par], m.P[j, par], m.P[j, n], s, augment(m, j, n))
    m.eq_q = pyo.Constraint(m.N, rule=eq_qsub, doc="nest demand")
    reg.add("production", "eq_q", "Q")
    reg.add("production", "eq_qtop", "Q")

    def eq_xa(mm, i, j):
        """Intermediate demand for commodity i by activity j from its nest (carbon-inclusive price)."""
        par = parent(m, j, f"c:{i}")
        s = m._trees[j][par].sigma
        return m.XA[i, j] == ces_demand(m.Q[j, par], m.P[j, par], m.PU[i, j], s, augment(m, j, f"c:{i}"))
    m.eq_xa = pyo.Constraint(m.F, rule=eq_xa, doc="intermediate demand")
    reg.add("production", "eq_xa", "XA")

    def eq_l(mm, j):
        """Labour demand from the value-added nest."""
        if cal.lab0[j] <= 0:
            return m.L[j] == 1.0
        par = parent(m, j, "f:lab")
        return m.L[j] == ces_demand(m.Q[j, par], m.P[j, par], m.W, m._trees[j][par].sigma, m.ALAB)
    m.eq_l = pyo.Constraint(m.I, rule=eq_l, doc="labour demand")
    reg.add("production", "eq_l", "L")

    def eq_k(mm, j):
        """Capital demand from the capital-energy nest (determines the rental rate when K is fixed)."""
        if cal.cap0[j] <= 0:
            return m.RK[j] == 1.0
        par = parent(m, j, "f:cap")
        return m.K[j] == ces_demand(m.Q[j, par], m.P[j, par], m.RK[j], m._trees[j][par].sigma)
    m.eq_rk = pyo.Constraint(m.I, rule=eq_k, doc="capital demand = stock (rental rate)")
    reg.add("production", "eq_rk", "RK")


def add_power(m) -> None:
    """Power mix: each generation technology's share of total generation (value at 2017 prices)."""
    cal, reg = m._cal, m._reg
    gen = [i for i in cal.sectors if cal.role[i] == "generation"]
    tot0 = float(cal.xp0[gen].sum())
    m.GSH = pyo.Var(m.GT, initialize={t: float(cal.xp0[t]) / tot0 for t in m.GT}, bounds=(0, 1),
                    doc="share of a generation technology in total generation (2017 prices)")

    def eq_gsh(mm, t):
        """Generation share = the technology's output / total generation output (fixed shares drive AGEN in the baseline)."""
        return m.GSH[t] * sum(float(cal.xp0[g]) * m.XP[g] for g in gen) == float(cal.xp0[t]) * m.XP[t]
    m.eq_gsh = pyo.Constraint(m.GT, rule=eq_gsh, doc="generation share")
    reg.add("power", "eq_gsh", "GSH")
