"""Market clearing, macro identities and the numeraire."""
from __future__ import annotations

import pyomo.environ as pyo


def add_clearing(m) -> None:
    """Commodity and labour markets, the wage rule, real GDP and the numeraire (a consumer price index)."""
    cal, reg = m._cal, m._reg
    users = {i: [j for (k, j) in m.F if k == i] for i in cal.sectors}
    hhs = {i: [h for (k, h) in m.CF if k == i] for i in cal.sectors}

    def eq_xat(mm, i):
        """Commodity market: Armington absorption = intermediate + household + government + investment + stocks."""
        dem = sum(float(cal.z0.loc[i, j]) * m.XA[i, j] for j in users[i])
        dem += sum(float(cal.hh0.loc[i, h]) * m.C[i, h] for h in hhs[i])
        dem += float(cal.gov0[i]) * m.G + float(cal.inv0[i]) * m.INV + float(cal.stk0[i]) * m.STK
        return m.XAT[i] * float(cal.xa0[i]) == dem
    m.eq_xat = pyo.Constraint(m.I, rule=eq_xat, doc="commodity market clearing")
    reg.add("clearing", "eq_xat", "XAT")

    lab0 = cal.lab0

    def eq_w(mm):
        """Labour market: demand by all activities = supply."""
        return sum(float(lab0[j]) * m.L[j] for j in m.I) == float(lab0.sum()) * m.LS
    m.eq_w = pyo.Constraint(rule=eq_w, doc="labour market (wage)")
    reg.add("clearing", "eq_w", "W")

    w = {(i, h): float(cal.hh0.loc[i, h]) for (i, h) in m.CF}
    tot = sum(w.values())

    def eq_pnum(mm):
        """Numeraire: consumer price index (base-year household budget weights, carbon-inclusive prices)."""
        return m.PNUM == sum(v / tot * m.PU[i, h] for (i, h), v in w.items())
    m.eq_pnum = pyo.Constraint(rule=eq_pnum, doc="consumer price index")
    reg.add("clearing", "eq_pnum", "PNUM")

    gdp0 = float(cal.hh0.to_numpy().sum() + cal.gov0.sum() + cal.inv0.sum() + cal.stk0.sum() + cal.exp0.sum() - cal.imp0.sum())
    m._gdp0 = gdp0
    m.RGDP = pyo.Var(initialize=1.0, bounds=(1e-6, None), doc="real GDP at 2017 prices (index)")

    def eq_rgdp(mm):
        """Real GDP (expenditure side, 2017 prices): consumption + government + investment + stocks + exports - imports."""
        dem = sum(float(cal.hh0.loc[i, h]) * m.C[i, h] for (i, h) in m.CF) + float(cal.gov0.sum()) * m.G
        dem += float(cal.inv0.sum()) * m.INV + float(cal.stk0.sum()) * m.STK
        dem += sum(float(cal.exp0[i]) * m.XE[i] for i in m.EX) - sum(float(cal.imp0[i]) * m.XM[i] for i in m.IM)
        return m.RGDP * gdp0 == dem
    m.eq_rgdp = pyo.Constraint(rule=eq_rgdp, doc="real GDP")
    reg.add("clearing", "eq_rgdp", "RGDP")

    # exogenous inputs of the wage rule, held as always-fixed variables so that the
    # year loop changes them in memory (no recompilation)
    m.WBASE = pyo.Var(initialize=1.0, doc="baseline real wage this year (index)")
    m.LSBASE = pyo.Var(initialize=1.0, doc="baseline employment this year (index)")
    m.WDEVLAG = pyo.Var(initialize=0.0, doc="last year's real-wage deviation from baseline (fraction)")
    m.WADJ = pyo.Param(initialize=0.5, mutable=True, doc="wage-adjustment coefficient of the lagged wage rule")
    m.FWAGE = pyo.Var(initialize=1.0, bounds=(1e-6, None), doc="shifter of the wage rule (free when employment is exogenous)")
    for v in (m.WBASE, m.LSBASE, m.WDEVLAG):
        v.fix()
    m._always_fixed = ("WBASE", "LSBASE", "WDEVLAG")

    def eq_wrule(mm):
        """Lagged wage adjustment (SICGE/MONASH): the real-wage deviation from baseline rises by WADJ
        times the employment deviation, so employment returns to baseline over time."""
        return m.W / m.PNUM == m.FWAGE * m.WBASE * (1 + m.WDEVLAG + m.WADJ * (m.LS / m.LSBASE - 1))
    m.eq_wrule = pyo.Constraint(rule=eq_wrule, doc="lagged real-wage rule")
    reg.add("clearing", "eq_wrule", "FWAGE")
