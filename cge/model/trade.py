"""Trade block: Armington imports with import duties, CET export supply and world demand for exports.

Imports: the world price is given (China a price taker for imports). Imports ``imp0`` are valued
CIF in the SAM (row ``row``), duties ``tariff0`` sit in row ``tariff``; the duty rate
``tm = tariff0 / imp0`` is an always-fixed variable (shocked like data, no recompilation). The
domestic price of imports ``PM = PWM ER (1 + tm) / (1 + tm0)`` is an index, 1 at the benchmark.

Exports: CET supply and a downward-sloping world demand, X = FXD (PWE / PW) ** -eta with PW = 1
the competitors' price (foreign currency) and eta the GTAP partner-market substitution elasticity
(``eta_exp`` in ``calibration/data/elasticities.csv``). ``FXD`` shifts world demand: the baseline
holds world export prices at 1 and records the shift its exports need; policy runs fix it, so
export prices respond. A commodity without an ``eta_exp`` (a SAM of your own) keeps the
small-country rule PWE = FXD (the shifter is then the world price).
"""
from __future__ import annotations

import pyomo.environ as pyo


def add_trade(m) -> None:
    """Armington imports (world prices given), CET exports facing world demand curves."""
    cal, reg = m._cal, m._reg
    m.XAT = pyo.Var(m.I, initialize=1.0, bounds=(1e-9, None), doc="Armington absorption")
    m.XD = pyo.Var(m.I, initialize=1.0, bounds=(0, None), doc="domestic output sold at home")
    m.XM = pyo.Var(m.I, initialize=1.0, bounds=(0, None), doc="imports")
    m.XE = pyo.Var(m.I, initialize=1.0, bounds=(0, None), doc="exports")
    m.PWM = pyo.Var(m.I, initialize=1.0, bounds=(1e-6, None), doc="world import price (foreign currency)")
    m.PWE = pyo.Var(m.I, initialize=1.0, bounds=(1e-6, None), doc="world export price (foreign currency)")
    m.FXD = pyo.Var(m.I, initialize=1.0, bounds=(1e-9, None), doc="world demand shifter for exports (index)")
    eta = cal.elasticity.get("eta_exp")
    sarm, ocet = cal.elasticity["sigma_arm"], cal.elasticity["omega_cet"]
    xd0, e0, xa0, xp0 = cal.xd0, cal.exp0, cal.xa0, cal.xp0
    tm0 = cal.tm0
    m0 = cal.imp0 + cal.tariff0              # imports at domestic (duty-paid) benchmark prices
    m.tm = pyo.Var(m.I, initialize={i: float(tm0[i]) for i in cal.sectors}, bounds=(0, None),
                   doc="ad-valorem import duty rate on the CIF value (fraction; always fixed, shocked as data)")
    m.tm.fix()
    m._always_fixed = tuple(getattr(m, "_always_fixed", ())) + ("tm",)
    m.PM = pyo.Expression(m.I, rule=lambda mm, i: m.PWM[i] * m.ER * (1 + m.tm[i]) / (1 + float(tm0[i])),
                          doc="domestic price of imports incl. duty (index, 1 at the benchmark)")
    m.TARREV = pyo.Expression(
        expr=sum(m.tm[i] * m.PWM[i] * m.ER * m.XM[i] * float(cal.imp0[i]) for i in cal.sectors if cal.imp0[i] > 0),
        doc="import duty revenue, billion yuan")

    def pm(i):
        return m.PM[i]

    def pe(i):
        return m.PWE[i] * m.ER

    def eq_pa(mm, i):
        """Armington price: value of absorption = domestic + imported purchases."""
        return m.PA[i] * m.XAT[i] * xa0[i] == m.PD[i] * m.XD[i] * xd0[i] + pm(i) * m.XM[i] * m0[i]
    m.eq_pa = pyo.Constraint(m.I, rule=eq_pa, doc="Armington composite price")
    reg.add("trade", "eq_pa", "PA")

    def eq_xd(mm, i):
        """Demand for the domestic variety (Armington CES)."""
        if xd0[i] <= 1e-9:
            return m.XD[i] == 1.0
        if m0[i] <= 0:
            return m.XD[i] == m.XAT[i]
        return m.XD[i] == m.XAT[i] * (m.PA[i] / m.PD[i]) ** float(sarm[i])
    m.eq_pd = pyo.Constraint(m.I, rule=eq_xd, doc="domestic-variety demand = supply (domestic price)")
    reg.add("trade", "eq_pd", "PD")

    def eq_xm(mm, i):
        """Import demand (Armington CES)."""
        if m0[i] <= 0:
            return m.XM[i] == 1.0
        if xd0[i] <= 1e-9:
            return m.XM[i] == m.XAT[i]
        return m.XM[i] == m.XAT[i] * (m.PA[i] / pm(i)) ** float(sarm[i])
    m.eq_xm = pyo.Constraint(m.I, rule=eq_xm, doc="import demand")
    reg.add("trade", "eq_xm", "XM")

    def eq_xds(mm, i):
        """Supply to the domestic market (CET)."""
        if xd0[i] <= 1e-9:
            return m.PD[i] == 1.0 * m.PX[i]
        if e0[i] <= 0:
            return m.XD[i] == m.XP[i]
        return m.XD[i] == m.XP[i] * (m.PD[i] / m.PX[i]) ** float(ocet[i])
    m.eq_xd = pyo.Constraint(m.I, rule=eq_xds, doc="domestic supply (CET)")
    reg.add("trade", "eq_xd", "XD")

    def eq_xe(mm, i):
        """Export supply (CET)."""
        if e0[i] <= 0:
            return m.XE[i] == 1.0
        if xd0[i] <= 1e-9:
            return m.XE[i] == m.XP[i]
        return m.XE[i] == m.XP[i] * (pe(i) / m.PX[i]) ** float(ocet[i])
    m.eq_xe = pyo.Constraint(m.I, rule=eq_xe, doc="export supply (CET)")
    reg.add("trade", "eq_xe", "XE")

    def eq_xdem(mm, i):
        """World demand for exports: X = FXD PWE ** -eta (small-country rule PWE = FXD without eta)."""
        if e0[i] <= 0 or eta is None or not float(eta.get(i, 0.0)) > 0:
            return m.PWE[i] == m.FXD[i]
        return m.XE[i] == m.FXD[i] * m.PWE[i] ** (-float(eta[i]))
    m.eq_xdem = pyo.Constraint(m.I, rule=eq_xdem, doc="world demand for exports")
    reg.add("trade", "eq_xdem", "PWE")

    def eq_px(mm, i):
        """CET revenue: value of output = domestic sales + exports."""
        return m.PX[i] * m.XP[i] * xp0[i] == m.PD[i] * m.XD[i] * xd0[i] + pe(i) * m.XE[i] * e0[i]
    m.eq_px = pyo.Constraint(m.I, rule=eq_px, doc="output price from CET revenue")
    reg.add("trade", "eq_px", "PX")


def reset_duties(m) -> None:
    """Import duty rates back to the benchmark (the year loop applies the scenario's shocks after this)."""
    tm0 = m._cal.tm0
    for i in m.tm:
        m.tm[i].set_value(float(tm0[i]))
