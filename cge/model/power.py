"""Power block: generation in TWh by technology, technology choice, and the grid identity.

The grid buys generation in physical units.  Its generation bundle is measured in TWh: the
bundle equals the sum of the technologies' TWh (an identity, so the grid delivers exactly
what is generated), and the grid's top nest is Leontief in it.  The TWh shares follow relative
unit costs through an additive logit (Clarke and Edmonds 1993; GCAM; the ENVISAGE and CHEER power
nests use CES with 1.5-4), calibrated to the 2017 mix:

    s_t = s0_t TGEN_t PU_t**(-sigma) / sum_k s0_k TGEN_k PU_k**(-sigma)

``TGEN`` is a share twist per non-coal technology (coal is the reference): policy-independent
preferences of the dispatcher and planner (grid access, priority dispatch, plan targets).  A twist
moves shares of a given total; it creates no electricity.  In the baseline the projected mix
(``GSH``) and normal returns (``RKGAP = 1``: every technology earns the economy's average rental)
are given: capacity ``KG`` is what the mix needs and the twists are what make that the least-cost
choice; in policy runs capacity and twists are given and shares and rentals respond.

Capacity: ``GW_t = gw0_t K_t`` (installed capital in efficiency units); full-load hours
``TWh / GW``.  Generation technologies have fixed input coefficients (Leontief value added and
fuel; see ``calibration/data/elasticities.csv``), so capital in use is proportional to output
and idle plants are capital with zero rental (:mod:`.capital`).
"""
from __future__ import annotations

import pyomo.environ as pyo


def generation(cal) -> list[str]:
    """Generation technologies (role ``generation``) in SAM order."""
    return [j for j in cal.sectors if cal.role[j] == "generation"]


def grid_of(cal) -> str | None:
    """The activity that buys generation (the grid), or None."""
    gen = generation(cal)
    buyers = [j for j in cal.sectors if gen and all(cal.z0.loc[g, j] > 0 for g in gen)]
    return buyers[0] if len(buyers) == 1 else None


def logit_nests(cal) -> set[tuple[str, str]]:
    """The (activity, nest) pairs whose technology choice is the logit of this block."""
    grid = grid_of(cal)
    return {(grid, "GEN")} if generation(cal) and grid is not None and cal.power is not None else set()


def add_power(m) -> None:
    """TWh by technology, the logit technology choice, the grid's generation cost and the
    technology twists; no-op for a SAM without generation technologies and a grid."""
    cal, reg = m._cal, m._reg
    gen, grid = generation(cal), grid_of(cal)
    ok = bool(gen) and grid is not None and cal.power is not None
    m.GT = pyo.Set(initialize=gen[1:] if ok else [], ordered=True,
                   doc="generation technologies with their own share twist (the first, coal power, is the reference)")
    m.TGEN = pyo.Var(m.GT, initialize=1.0, bounds=(1e-6, None), doc="technology share twist in the grid's generation choice (index)")
    m.GA = pyo.Set(initialize=gen if ok else [], ordered=True, doc="generation technologies")
    m.RKGAP = pyo.Var(m.GA, initialize=1.0, bounds=(0, None), doc="rental of a generation technology relative to the economy's average")
    m.GSH = pyo.Var(m.GT, initialize=1.0, bounds=(0, 1), doc="share of a technology in total generation (TWh basis)")
    if not ok:
        return
    twh0 = cal.power["twh"].reindex(gen).astype(float)
    v0 = {t: float(cal.z0.loc[t, grid]) for t in gen}
    s0 = twh0 / twh0.sum()
    sig = float(m._trees[grid]["GEN"].sigma)
    m._power = dict(gen=gen, grid=grid, twh0=twh0, s0=s0, sigma=sig)

    def weight(t):
        tw = m.TGEN[t] if t in m.GT else 1.0
        return float(s0[t]) * tw * m.PU[t, grid] ** (-sig)
    m.GDEN = pyo.Expression(expr=sum(weight(t) for t in gen), doc="denominator of the logit technology choice")

    for t in gen:
        # generation of a technology (TWh) = the grid's generation (TWh) x its logit share at current
        # unit costs; an explicit function, so the intermediate-demand Expression XA holds it
        m.XA[t, grid].set_value(m.Q[grid, "GEN"] * (float(twh0.sum()) / float(twh0[t])) * weight(t) / m.GDEN)

    def eq_pgen(mm):
        """Unit cost of generation bought by the grid = value of generation / its volume (average cost)."""
        return m.P[grid, "GEN"] * m.Q[grid, "GEN"] * sum(v0.values()) == sum(m.PU[t, grid] * m.XA[t, grid] * v0[t] for t in gen)
    m.eq_pgen = pyo.Constraint(rule=eq_pgen, doc="generation cost of the grid")
    reg.add("power", "eq_pgen", "P")

    def eq_rkgap(mm, t):
        """A technology's rental relative to the average rental of the rest of the economy."""
        return m.RK[t] == m.RKGAP[t] * m.RKAVG
    m.eq_rkgap = pyo.Constraint(m.GA, rule=eq_rkgap, doc="relative rental of a generation technology")
    reg.add("power", "eq_rkgap", "RKGAP")

    m.TWH = pyo.Expression(gen, rule=lambda mm, t: float(twh0[t]) * m.XA[t, grid], doc="generation, TWh")
    for t in m.GT:
        m.GSH[t].set_value(float(s0[t]))

    def eq_gsh(mm, t):
        """A technology's share of total generation (TWh): fixed to the projected mix in the baseline."""
        return m.GSH[t] * sum(m.TWH[k] for k in gen) == m.TWH[t]
    m.eq_gsh = pyo.Constraint(m.GT, rule=eq_gsh, doc="generation share")
    reg.add("power", "eq_gsh", "GSH")
