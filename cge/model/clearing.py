"""Market clearing, macro identities and the numeraire.

Factor mobility is a structural option of the closure (``[options]`` in ``cge/closures/*.toml``):
capital ``specific`` (a stock per sector, :mod:`.capital`) or ``mobile`` (one rental rate ``RKM`` for
all activities outside power generation, their total capital in use equal to the supply ``KS``);
labour is always mobile between activities, with its supply ``LS`` fixed, a fixed real wage
(``FWAGE`` fixed and no adjustment, ``WADJ = 0``) or the lagged wage curve.
GDP at market prices = C + G + I + stocks + exports - imports CIF (import duties are in it)."""
from __future__ import annotations

import pyomo.environ as pyo


def add_clearing(m) -> None:
    """Commodity and labour markets, the wage rule, real GDP and the numeraire (a consumer price index)."""
    cal, reg = m._cal, m._reg
    opts = getattr(m, "_options", {})
    users = {i: [j for (k, j) in m.F if k == i] for i in cal.sectors}
    hhs = {i: [h for (k, h) in m.CF if k == i] for i in cal.sectors}

    def eq_xat(mm, i):
        """Commodity market: Armington absorption = intermediate + household + government + investment + stocks."""
        dem = sum(float(cal.z0.loc[i, j]) * m.XA[i, j] for j in users[i])
        dem += sum(float(cal.hh0.loc[i, h]) * m.C[i, h] for h in hhs[i])
        dem += float(cal.gov0[i]) * m.QG[i] + float(cal.inv0[i]) * m.QINV[i] + float(cal.stk0[i]) * m.STK
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

    add_capital_market(m)

    gdp0 = float(cal.hh0.to_numpy().sum() + cal.gov0.sum() + cal.inv0.sum() + cal.stk0.sum() + cal.exp0.sum() - cal.imp0.sum())
    m._gdp0 = gdp0
    m.RGDP = pyo.Var(initialize=1.0, bounds=(1e-6, None), doc="real GDP at 2017 prices (index)")

    def eq_rgdp(mm):
        """Real GDP (expenditure side, 2017 prices): consumption + government + investment + stocks + exports - imports."""
        dem = sum(float(cal.hh0.loc[i, h]) * m.C[i, h] for (i, h) in m.CF)
        if opts.get("government", "leontief") == "leontief":
            dem += float(cal.gov0.sum()) * m.G
        else:
            dem += sum(float(cal.gov0[i]) * m.QG[i] for i in m.I if cal.gov0[i] != 0)
        if opts.get("investment", "leontief") == "leontief":
            dem += float(cal.inv0.sum()) * m.INV
        else:
            dem += sum(float(cal.inv0[i]) * m.QINV[i] for i in m.I if cal.inv0[i] != 0)
        dem += float(cal.stk0.sum()) * m.STK
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
    m._always_fixed = tuple(getattr(m, "_always_fixed", ())) + ("WBASE", "LSBASE", "WDEVLAG")

    def eq_wrule(mm):
        """Lagged wage adjustment (SICGE/MONASH): the real-wage deviation from baseline rises by WADJ
        times the employment deviation, so employment returns to baseline over time."""
        return m.W / m.PNUM == m.FWAGE * m.WBASE * (1 + m.WDEVLAG + m.WADJ * (m.LS / m.LSBASE - 1))
    m.eq_wrule = pyo.Constraint(rule=eq_wrule, doc="lagged real-wage rule")
    reg.add("clearing", "eq_wrule", "FWAGE")


def add_capital_market(m) -> None:
    """Mobile capital: one rental rate for every activity outside power generation (replacing its
    idle-capacity condition), total capital in use of those activities equal to the supply KS."""
    cal, reg = m._cal, m._reg
    if getattr(m, "_options", {}).get("capital", "specific") != "mobile":
        return
    mob = [j for j in cal.sectors if cal.cap0[j] > 0 and j not in m.KG]
    w = {j: float(cal.cap0[j]) for j in mob}
    tot = sum(w.values())
    m.RKM = pyo.Var(initialize=1.0, bounds=(1e-9, None), doc="rental rate of mobile capital (index)")
    m.KS = pyo.Var(initialize=1.0, bounds=(0, None), doc="supply of mobile capital (index of 2017 capital in use)")
    m.KMOB = pyo.Set(initialize=mob, ordered=True, doc="activities using mobile capital")
    for j in mob:
        m.eq_rk[j].deactivate()

    def eq_rkm(mm, j):
        """One rental rate: every activity pays the economy-wide rental for its capital."""
        return m.RK[j] == m.RKM
    m.eq_rkm = pyo.Constraint(m.KMOB, rule=eq_rkm, doc="capital mobile between activities (one rental rate)")
    reg.add("clearing", "eq_rkm", "RK")

    def eq_ks(mm):
        """Capital market: capital in use summed over activities = supply (index weights: 2017 rents)."""
        return sum(v * m.KU[j] for j, v in w.items()) == tot * m.KS
    m.eq_ks = pyo.Constraint(rule=eq_ks, doc="capital market clearing (rental rate of mobile capital)")
    reg.add("clearing", "eq_ks", "RKM")
