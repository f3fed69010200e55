"""Institutions block: households, enterprises, government, saving-investment, rest of the world."""
from __future__ import annotations

import pyomo.environ as pyo

from .base import HH


def add_institutions(m) -> None:
    """Households, enterprises, government, investment and the rest of the world."""
    cal, reg = m._cal, m._reg
    T = cal.transfers          # row receives from column, billion yuan
    lab_tot, cap_tot = float(cal.lab0.sum()), float(cal.cap0.sum())
    ent_inc0 = float(T.loc["ent"].sum() - T.loc["row", "ent"])            # net of payments abroad
    hh_inc0 = {h: float(T.loc[h].sum() - T.loc["row", h]) for h in HH}     # net of transfers abroad
    gov_tr0 = {h: float(T.loc[h, "gov"]) for h in HH}
    row_hh0 = {h: float(T.loc[h, "row"] - T.loc["row", h]) for h in HH}
    row_ent0 = float(T.loc["ent", "row"] - T.loc["row", "ent"])
    ytax = {h: float(T.loc["gov", h]) / hh_inc0[h] for h in HH}
    sav0 = {h: float(T.loc["sav", h]) for h in HH}
    yd0 = {h: hh_inc0[h] * (1 - ytax[h]) for h in HH}
    mps = {h: sav0[h] / yd0[h] for h in HH}
    cons0 = {h: float(cal.hh0[h].sum()) for h in HH}
    ent_hh = {h: float(T.loc[h, "ent"]) / ent_inc0 for h in HH}
    ent_tax = float(T.loc["gov", "ent"]) / ent_inc0
    lab_sh = {h: float(T.loc[h, "lab"]) / lab_tot for h in HH}
    # stock changes and government/investment demand are fixed-composition bundles
    m.shrec = pyo.Param(m.H, initialize={h: hh_inc0[h] / sum(hh_inc0.values()) for h in HH}, mutable=True,
                        doc="household shares of lump-sum recycled carbon revenue")
    m.RECYC = pyo.Var(initialize=1.0, doc="carbon revenue returned lump-sum to households, as a share of the revenue (may leave 0..1 when government saving is held fixed)")

    m.YH = pyo.Var(m.H, initialize=1.0, doc="household income (index of base)")
    m.C = pyo.Var(m.CF, initialize=1.0, bounds=(1e-9, None), doc="household consumption volume")
    m.YE = pyo.Var(initialize=1.0, doc="enterprise income (index)")
    m.YG = pyo.Var(initialize=1.0, doc="government revenue (index)")
    m.GSAV = pyo.Var(initialize=1.0, doc="government saving (index of base; base may be small)")
    m.G = pyo.Var(initialize=1.0, bounds=(1e-9, None), doc="real government consumption")
    m.TRG = pyo.Var(m.H, initialize=1.0, doc="real government transfers to households")
    m.INV = pyo.Var(initialize=1.0, bounds=(1e-9, None), doc="real fixed investment")
    m.FSAV = pyo.Var(initialize=1.0, doc="foreign saving in foreign currency (index of base)")
    m.LS = pyo.Var(initialize=1.0, bounds=(1e-9, None), doc="labour supply")
    m.WALRAS = pyo.Var(initialize=0.0, doc="Walras slack: savings minus investment (0 at equilibrium)")
    m.STK = pyo.Var(initialize=1.0, doc="real change in inventories (index of base)")
    m._base = dict(hh_inc0=hh_inc0, ent_inc0=ent_inc0, gov_tr0=gov_tr0, cons0=cons0, mps=mps, ytax=ytax)

    def hh_income(h):
        return (lab_sh[h] * lab_tot * m.W * m.LS + ent_hh[h] * ent_inc0 * m.YE + gov_tr0[h] * m.TRG[h] * m.PNUM
                + row_hh0[h] * m.ER + m.RECYC * m.shrec[h] * m.CREV)

    def eq_yh(mm, h):
        """Household income: wages, distributed profits, government transfers, foreign transfers, recycled carbon revenue."""
        return m.YH[h] * hh_inc0[h] == hh_income(h)
    m.eq_yh = pyo.Constraint(m.H, rule=eq_yh, doc="household income")
    reg.add("institutions", "eq_yh", "YH")

    energy = {i for i in cal.sectors if cal.role[i] != ""}
    coal = {i for i in cal.sectors if cal.role[i] == "coal"}
    elec = {i for i in cal.sectors if cal.role[i] == "electricity"}
    tilt = {h: sum(float(cal.hh0.loc[i, h]) / cons0[h] * (m.ESAV / m.AEEI if i in energy else 1.0)
                   for i in cal.sectors if cal.hh0.loc[i, h] > 0) for h in HH}
    # at home: coal's budget share x FSW, every fossil fuel's x AELEC; what they lose goes to electricity
    fossil = {i for i in cal.sectors if cal.role[i] in ("coal", "oil", "gas")}
    coal0 = {h: sum(float(cal.hh0.loc[i, h]) for i in cal.sectors if i in coal) for h in HH}   # SAM order:
    fos0 = {h: sum(float(cal.hh0.loc[i, h]) for i in cal.sectors if i in fossil) for h in HH}  # no hash-order
    elec0 = {h: sum(float(cal.hh0.loc[i, h]) for i in cal.sectors if i in elec) for h in HH}   # sums

    def switch(i, h):
        if elec0[h] <= 0:
            return 1.0
        if i in coal:
            return m.FSW * m.AELEC
        if i in fossil:
            return m.AELEC
        if i in elec:
            return 1 + (coal0[h] * (1 - m.FSW * m.AELEC) + (fos0[h] - coal0[h]) * (1 - m.AELEC)) / elec0[h]
        return 1.0

    def eq_c(mm, i, h):
        """Household demand: Cobb-Douglas budget shares of spending out of disposable income; energy
        efficiency (AEEI) and energy saving (ESAV) tilt the budget from energy to other goods (shares renormalised) and the
        fuel switch (FSW) and electrification (AELEC) move coal's and fossil fuels' shares to electricity."""
        share = float(cal.hh0.loc[i, h]) / cons0[h] * switch(i, h) * (m.ESAV / m.AEEI if i in energy else 1.0) / tilt[h]
        spend = (1 - mps[h]) * (1 - ytax[h]) * m.YH[h] * hh_inc0[h]
        return m.PU[i, h] * m.C[i, h] * float(cal.hh0.loc[i, h]) == share * spend
    m.eq_c = pyo.Constraint(m.CF, rule=eq_c, doc="household consumption demand")
    reg.add("institutions", "eq_c", "C")

    def eq_ye(mm):
        """Enterprise income: rents of capital in use plus net primary income from abroad."""
        return m.YE * ent_inc0 == sum(float(cal.cap0[j]) * m.RK[j] * m.KU[j] for j in m.I) + row_ent0 * m.ER
    m.eq_ye = pyo.Constraint(rule=eq_ye, doc="enterprise income")
    reg.add("institutions", "eq_ye", "YE")

    yg0 = float(T.loc["gov"].sum())
    g0 = float(cal.gov0.sum())
    gsav0 = float(T.loc["sav", "gov"])

    def eq_yg(mm):
        """Government revenue: production taxes, income taxes, enterprise tax, retained carbon revenue."""
        ptax = sum(m.TPADJ * m.tp[j] * m.PX[j] * m.XP[j] * float(cal.xp0[j]) for j in m.I)
        return m.YG * yg0 == (ptax + sum(ytax[h] * m.YH[h] * hh_inc0[h] for h in HH)
                              + ent_tax * m.YE * ent_inc0 + (1 - m.RECYC) * m.CREV)
    m.eq_yg = pyo.Constraint(rule=eq_yg, doc="government revenue")
    reg.add("institutions", "eq_yg", "YG")

    def eq_gsav(mm):
        """Government saving = revenue - consumption - transfers."""
        spend = sum(m.PA[i] * m.G * float(cal.gov0[i]) for i in m.I if cal.gov0[i] != 0)
        return m.GSAV * gsav0 == m.YG * yg0 - spend - sum(gov_tr0[h] * m.TRG[h] * m.PNUM for h in HH)
    m.eq_gsav = pyo.Constraint(rule=eq_gsav, doc="government saving")
    reg.add("institutions", "eq_gsav", "GSAV")

    inv0 = float(cal.inv0.sum())
    fsav0 = float(T.loc["sav", "row"])
    ent_sav_sh = 1 - ent_tax - sum(ent_hh.values())

    def eq_inv(mm):
        """Savings-investment balance: household, enterprise, government and foreign saving finance investment and stocks."""
        saving = (sum(mps[h] * (1 - ytax[h]) * m.YH[h] * hh_inc0[h] for h in HH) + ent_sav_sh * m.YE * ent_inc0
                  + m.GSAV * gsav0 + fsav0 * m.FSAV * m.ER)
        spend = sum(m.PA[i] * (m.INV * float(cal.inv0[i]) + m.STK * float(cal.stk0[i])) for i in m.I)
        return saving == spend + m.WALRAS
    m.eq_inv = pyo.Constraint(rule=eq_inv, doc="savings = investment (+ Walras slack)")
    reg.add("institutions", "eq_inv", "WALRAS")

    def eq_bop(mm):
        """Balance of payments: imports + transfers abroad = exports + foreign saving (in yuan)."""
        imp = sum(m.PWM[i] * m.ER * m.XM[i] * float(cal.imp0[i]) for i in m.IM)
        exp = sum(m.PWE[i] * m.ER * m.XE[i] * float(cal.exp0[i]) for i in m.EX)
        net_tr = (sum(row_hh0.values()) + row_ent0) * m.ER
        return imp == exp + net_tr + fsav0 * m.FSAV * m.ER
    m.eq_bop = pyo.Constraint(rule=eq_bop, doc="balance of payments (exchange rate or foreign saving)")
    reg.add("institutions", "eq_bop", "ER")
