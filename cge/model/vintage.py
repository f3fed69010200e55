"""Putty-clay capital vintages (as in EPPA and ENVISAGE): old capital keeps the inputs it was built for.

Every non-power activity with capital can produce with two vintages:

* **new capital** ``K - KO`` (what last year's investment added) chooses its inputs along the nested
  CES of :mod:`.production`: the flexible technology, output ``XP - XPO``;
* **old capital** ``KO`` (last year's stock after depreciation) produces ``XPO`` with fixed input
  coefficients per unit of output: ``xnd`` (its materials, the Leontief ``ND`` nest), ``xo`` (each
  energy input), ``lo`` (labour), ``ko`` (capital).
  The year loop sets them to last year's average coefficients of the activity times the baseline's
  own change in them this year, so baseline technical change (AEEI, twists, labour productivity)
  reaches old capital too, and a policy's change of technique spreads only as capital turns over.

Materials are Leontief for both vintages, so old capital's coefficients of its materials move together
(one ``xnd`` per activity, not one per flow): the activity buys ``QND = Q_ND + xnd XPO`` of its
materials bundle, and old capital's unit cost counts them at the bundle's price ``P_ND``.  This is
the same model as one coefficient per material, with one sector-by-commodity block fewer in the
Jacobian (at 147 sectors 102,000 entries instead of 182,000; ``docs/testing.md``).

Old output earns the residual rent ``RKO``. Two complementarities, smoothed as in :mod:`.capital`
(the Chen-Harker-Kanzow-Smale form ``g + r - sqrt((g - r)**2 + 4 mu) = 0``, i.e. ``g r = mu``):

* profitability: old unit cost including its rent >= the net output price, ``XPO >= 0``;
* capacity: ``ko XPO <= KO``, ``RKO >= 0``: old capital stands idle when its quasi-rent is zero.

Both carry an offset of ``mu`` so that full use at zero profit is an exact solution: a policy run at
zero carbon price reproduces the baseline. In closures without ``options.vintage = "putty_clay"``
(the baseline, the static closures) the switch ``VINT`` (a fixed variable, so a closure change
only moves bounds of the compiled NLP) is 0 and the two equations read ``XPO = 0`` and
``RKO = RK`` (old capital would earn the rental of the rest): the model is the malleable one.
"""
from __future__ import annotations

import pyomo.environ as pyo

from .base import parent
from .capital import MU

OLD_SHARE = 0.947      # static default of KO: 1 - the PWT 9.1 depreciation rate of China in 2017 (0.053)


def vintage_sectors(m, logit) -> list[str]:
    """Activities with a vintage of old capital: capital in the SAM, not generation, no logit nest."""
    cal = m._cal
    own_logit = {j for (j, _) in logit}
    return [j for j in cal.sectors
            if cal.cap0[j] > 0 and cal.role.get(j, "") != "generation" and j not in own_logit]


def add_vintage_vars(m, logit) -> None:
    """Sets, variables and coefficients of old capital (its equations: :func:`add_vintage`)."""
    m.VINT = pyo.Var(initialize=0.0, doc="1 when old capital is putty-clay (policy closures), else 0 (held fixed)")
    vj = vintage_sectors(m, logit)
    m.VJ = pyo.Set(initialize=vj, ordered=True, doc="activities with old (putty-clay) capital")
    vset = set(vj)
    flows = [(i, j) for (i, j) in m.F if j in vset and parent(m, j, f"c:{i}") != "ND"]
    m.FV = pyo.Set(initialize=flows, dimen=2, ordered=True,
                   doc="energy inputs of activities with old capital (one old coefficient per flow)")
    m.VND = pyo.Set(initialize=[j for j in vj if "ND" in m._trees[j]], ordered=True,
                    doc="activities with old capital and a materials (ND) nest")
    # no bounds: the smoothed complementarities hold only at positive values, and with capital
    # malleable XPO = 0 must not sit on a bound (Newton's steps stay inside the bounds)
    m.XPO = pyo.Var(m.VJ, initialize=0.0,
                    doc="output of old capital (index of 2017 output; 0 when capital is malleable)")
    m.RKO = pyo.Var(m.VJ, initialize=1.0, doc="rental of old capital (index; 0 when it stands idle)")
    # data the year loop sets: variables held fixed in every closure (a compiled NLP takes new values as bounds)
    m.KO = pyo.Var(m.VJ, initialize=OLD_SHARE, doc="old capital (index of the 2017 stock)")
    m.xo = pyo.Var(m.FV, initialize=1.0, doc="old capital's energy input per unit of output (index)")
    m.xnd = pyo.Var(m.VND, initialize=1.0, doc="old capital's materials (ND bundle) per unit of output (index)")
    m.QND = pyo.Var(m.VND, initialize=1.0, bounds=(1e-9, None),
                    doc="materials bought by both vintages (index of the 2017 ND bundle)")
    m.lo = pyo.Var(m.VJ, initialize=1.0, doc="old capital's labour per unit of output (index)")
    m.ko = pyo.Var(m.VJ, initialize=1.0, doc="old capital's capital per unit of output (index)")
    m.xporef = pyo.Var(m.VJ, initialize=OLD_SHARE, doc="old output at the start of the year (scale of the profitability condition)")
    for c in (m.VINT, m.KO, m.xo, m.xnd, m.lo, m.ko, m.xporef):
        c.fix()
    m._always_fixed = tuple(getattr(m, "_always_fixed", ())) + ("VINT", "KO", "xo", "xnd", "lo", "ko", "xporef")


def old_output(m, j: str):
    """Output of old capital of activity ``j`` (0 for an activity without old capital)."""
    return m.XPO[j] if j in m.VJ else 0.0


def add_vintage(m, process_cost) -> None:
    """Old capital's unit cost, profitability and capacity conditions."""
    cal, reg = m._cal, m._reg

    def leaves(j):
        """Old capital's inputs of activity ``j`` with their 2017 cost shares: the materials bundle, energy inputs, factors."""
        tree = m._trees[j]
        top = tree["XP"].value
        for n, nest in tree.items():
            if n == "ND":
                yield "ND", nest.value / top
                continue
            for k, v in nest.children.items():
                if k not in tree:
                    yield k, v / top

    def eq_qnd(mm, j):
        """Materials bought: the flexible nest's plus old capital's fixed coefficient times its output (Leontief for both)."""
        return m.QND[j] == materials(m, j)
    m.eq_qnd = pyo.Constraint(m.VND, rule=eq_qnd, doc="materials bought by both vintages")
    reg.add("capital", "eq_qnd", "QND")

    def unit_cost(mm, j):
        """Old capital's unit cost at fixed coefficients, its rent included (index, 2017 = 1)."""
        tot = 0.0
        for k, th in leaves(j):
            if k == "ND":
                tot += th * m.xnd[j] * m.P[j, "ND"]
                continue
            if k == "f:lab":
                tot += th * m.lo[j] * m.W
            elif k == "f:cap":
                tot += th * m.ko[j] * m.RKO[j]
            else:
                tot += th * m.xo[k[2:], j] * m.PU[k[2:], j]
        return tot
    m.PO = pyo.Expression(m.VJ, rule=unit_cost, doc="unit cost of old capital's output incl. its rent (index)")

    def old_income(mm, j):
        """Old capital's income, billion yuan: its output's value net of production tax and process-CO2 cost,
        less its inputs at the fixed coefficients (the quasi-rent; equal to rent x capital at zero profit,
        and exact whatever the smoothing leaves of the zero-profit condition)."""
        xp0, tp0 = float(cal.xp0[j]), float(cal.tp[j])
        th_k = float(cal.cap0[j]) / (m._trees[j]["XP"].value)
        net = m.PX[j] * (1 - m.TPADJ * m.tp[j]) - process_cost(j)
        return xp0 * m.XPO[j] * (net - (1 - tp0) * (m.PO[j] - th_k * m.ko[j] * m.RKO[j]))
    m.OLDINC = pyo.Expression(m.VJ, rule=old_income, doc="income of old capital (quasi-rent), billion yuan")

    def profit_gap(mm, j):
        """Old capital's unit cost (rent included) over its net output price, per unit of the numeraire, plus mu."""
        return MU + (m.PO[j] * (1 - float(cal.tp[j])) + process_cost(j) - m.PX[j] * (1 - m.TPADJ * m.tp[j])) / m.PNUM
    m.VOGAP = pyo.Expression(m.VJ, rule=profit_gap, doc="old capital's unit cost over its net output price (+ mu)")

    def eq_vo(mm, j):
        """Old output: produced while its unit cost (rent included) covers no more than the net output price (smoothed complementarity)."""
        gap = m.VOGAP[j]
        r = m.XPO[j] / m.xporef[j]
        return m.VINT * (gap + r - pyo.sqrt((gap - r) ** 2 + 4 * MU)) + (1 - m.VINT) * m.XPO[j] == 0
    m.eq_vo = pyo.Constraint(m.VJ, rule=eq_vo, doc="output of old capital (zero profit or shut)")
    m._switched = {**getattr(m, "_switched", {}), "eq_vo": m.VINT, "eq_rko": m.VINT}   # terms multiplied by VINT
    m._switch_data = {**getattr(m, "_switch_data", {}), "VINT": ("KO", "xo", "xnd", "lo", "ko", "xporef")}
    reg.add("capital", "eq_vo", "XPO")

    def eq_rko(mm, j):
        """Old capital's rent: zero when some old capital stands idle (smoothed complementarity)."""
        gap = 1 + MU - m.ko[j] * m.XPO[j] / m.KO[j]
        r = m.RKO[j] / m.PNUM
        return m.VINT * (gap + r - pyo.sqrt((gap - r) ** 2 + 4 * MU)) + (1 - m.VINT) * (m.RKO[j] - m.RK[j]) == 0
    m.eq_rko = pyo.Constraint(m.VJ, rule=eq_rko, doc="rental of old capital (full use or idle)")
    reg.add("capital", "eq_rko", "RKO")


def current_coefficients(m) -> None:
    """Old capital's coefficients := the activities' current average inputs per unit of output (a closure
    switched to putty-clay locks the capital in place into the technique it uses now)."""
    for j in m.VJ:
        xp = float(m.XP[j].value)
        if xp <= 0:
            continue
        for (i, jj) in m.FV:
            if jj == j:
                m.xo[i, j].set_value(float(pyo.value(m.XA[i, j])) / xp)
        if j in m.VND:
            m.xnd[j].set_value(float(pyo.value(materials(m, j))) / xp)
        m.lo[j].set_value(float(m.L[j].value) / xp)
        m.ko[j].set_value(max(float(m.KU[j].value), 1e-12) / xp)


def materials(m, j: str):
    """Materials bought by activity ``j``, both vintages: ``Q_ND + xnd XPO`` (the value of ``QND``)."""
    return m.Q[j, "ND"] + m.xnd[j] * m.XPO[j]


def scale_flexible(m, j: str, f: float) -> None:
    """Scale activity ``j``'s flexible nests (their quantities ``Q``) and its capital in use ``KU`` by
    ``f``: the start values when old capital takes over part of its output (set ``XPO`` first), or
    hands it back; the materials bought follow."""
    for n in m._trees[j]:
        m.Q[j, n].set_value(float(m.Q[j, n].value) * f)
    m.KU[j].set_value(float(m.KU[j].value) * f)
    if j in m.VND:
        m.QND[j].set_value(float(pyo.value(materials(m, j))))


def putty_start(m) -> None:
    """Turn a malleable solution into the same allocation with old capital producing: old capital is used
    as much as the whole stock is (``ko XPO / KO = KU / K``), the flexible nests and capital in use shrink
    by old output's share, old capital earns the rental of new capital, and the scale ``xporef`` of the
    profitability condition is this old output. Exact when the old coefficients are the activity's current
    ones (a policy run's first year, a closure switched in place, the static benchmark)."""
    from .capital import stock
    for j in m.VJ:
        xp = float(m.XP[j].value)
        if xp <= 0:
            continue
        use = float(m.KU[j].value) / max(float(pyo.value(stock(m, j))), 1e-12)
        xo = use * float(pyo.value(m.KO[j])) / float(pyo.value(m.ko[j]))
        s = min(xo / xp, 0.999)
        m.xporef[j].set_value(s * xp)
        m.XPO[j].set_value(s * xp)
        m.RKO[j].set_value(float(m.RK[j].value))
        scale_flexible(m, j, 1 - s)


def apply_vintage(m, putty_clay: bool) -> None:
    """Activate old capital (policy closures) or make capital malleable (``XPO = 0``, ``RKO = RK``), with
    start values that reproduce the current allocation either way."""
    if not hasattr(m, "XPO"):
        return
    was = bool(pyo.value(m.VINT))
    m.VINT.set_value(1.0 if putty_clay else 0.0)
    if not putty_clay and was:              # the flexible nests take over old output
        for j in m.VJ:
            xp, xo = float(m.XP[j].value), float(m.XPO[j].value)
            m.XPO[j].set_value(0.0)
            scale_flexible(m, j, xp / (xp - xo) if xp > xo > 0 else 1.0)
            m.RKO[j].set_value(float(m.RK[j].value))
    if putty_clay and not was:
        current_coefficients(m)
        putty_start(m)
