"""Institutions block: households, enterprises, government, saving-investment, rest of the world.

Everything is read from the SAM: the households are its ``hh_<name>`` accounts (any number), the
enterprise account ``ent`` is optional, factor income goes to whoever the SAM pays it to (capital
income may go straight to households), import duties (row ``tariff``) are government revenue.
Government and investment demand by commodity are fixed shares (Leontief) or Cobb-Douglas, a
structural option of the closure (``[options] government / investment``); household demand is its own
block (:mod:`.households`: linear expenditure system or Cobb-Douglas, ``[options] households``)."""
from __future__ import annotations

import pyomo.environ as pyo

from sam.errors import InputError

from .households import add_households


def _final_demand(m, name: str, base, vol, form: str, what: str):
    """Demand by commodity (index of its base value) and its price index for a final-demand bundle:
    fixed shares (``leontief``: every commodity moves with the volume ``vol``) or Cobb-Douglas (budget
    shares of the base year: demand = vol x price index / PA)."""
    cal = m._cal
    nz = [i for i in cal.sectors if base[i] != 0]
    tot = float(sum(float(base[i]) for i in nz))
    if form == "cobb_douglas":
        neg = [i for i in nz if base[i] < 0]
        if neg or tot <= 0:
            raise InputError(f"closure option {what} = 'cobb_douglas': SAM column {name!r} has a negative entry "
                             f"for commodity {neg[0] if neg else '?'}; Cobb-Douglas needs positive budget shares")
        sh = {i: float(base[i]) / tot for i in nz}
        price = pyo.Expression(expr=pyo.exp(sum(s * pyo.log(m.PA[i]) for i, s in sh.items())),
                               doc=f"Cobb-Douglas price index of {what} demand (index)")
        qty = pyo.Expression(m.I, rule=lambda mm, i: vol * price / m.PA[i] if i in sh else 0.0,
                             doc=f"{what} demand by commodity (index of its base value)")
    else:
        price = pyo.Expression(expr=sum(float(base[i]) / tot * m.PA[i] for i in nz) if tot else 1.0,
                               doc=f"price index of the fixed {what} bundle (index)")
        qty = pyo.Expression(m.I, rule=lambda mm, i: vol, doc=f"{what} demand by commodity (index of its base value)")
    return qty, price


def add_institutions(m) -> None:
    """Households, enterprises (when the SAM has them), government, investment and the rest of the world."""
    cal, reg = m._cal, m._reg
    opts = getattr(m, "_options", {})
    HH = list(cal.households)
    T = cal.transfers          # row receives from column, billion yuan
    ent = cal.has_ent
    lab_tot, cap_tot = float(cal.lab0.sum()), float(cal.cap0.sum())
    # factor income and who receives it (shares of the SAM's factor columns)
    fac_tot = {"lab": lab_tot, "cap": cap_tot}
    fac_sh = {(r, f): float(T.loc[r, f]) / fac_tot[f] for f in ("lab", "cap") for r in HH + ["ent"]
              if fac_tot[f] > 0 and T.loc[r, f] != 0}
    ent_inc0 = float(T.loc["ent"].sum() - T.loc["row", "ent"]) if ent else 0.0   # net of payments abroad
    hh_inc0 = {h: float(T.loc[h].sum() - T.loc["row", h]) for h in HH}           # net of transfers abroad
    for h in HH:
        if hh_inc0[h] <= 0:
            raise InputError(f"SAM: household {h!r} has no income (row {h!r} is zero)")
    if ent and ent_inc0 <= 0:
        raise InputError("SAM: enterprise account 'ent' has no income (row 'ent' is zero); drop the account")
    gov_tr0 = {h: float(T.loc[h, "gov"]) for h in HH}
    row_hh0 = {h: float(T.loc[h, "row"] - T.loc["row", h]) for h in HH}
    row_ent0 = float(T.loc["ent", "row"] - T.loc["row", "ent"]) if ent else 0.0
    ytax = {h: float(T.loc["gov", h]) / hh_inc0[h] for h in HH}
    sav0 = {h: float(T.loc["sav", h]) for h in HH}
    yd0 = {h: hh_inc0[h] * (1 - ytax[h]) for h in HH}
    mps = {h: sav0[h] / yd0[h] for h in HH}
    cons0 = {h: float(cal.hh0[h].sum()) for h in HH}
    ent_hh = {h: float(T.loc[h, "ent"]) / ent_inc0 for h in HH} if ent else {h: 0.0 for h in HH}
    ent_tax = float(T.loc["gov", "ent"]) / ent_inc0 if ent else 0.0
    m.shrec = pyo.Param(m.H, initialize={h: hh_inc0[h] / sum(hh_inc0.values()) for h in HH}, mutable=True,
                        doc="household shares of lump-sum recycled carbon revenue")
    m.RECYC = pyo.Var(initialize=1.0, doc="carbon revenue returned lump-sum to households, as a share of the revenue (may leave 0..1 when government saving is held fixed)")

    m.YH = pyo.Var(m.H, initialize=1.0, doc="household income (index of base)")
    m.C = pyo.Var(m.CF, initialize=1.0, bounds=(1e-9, None), doc="household consumption volume")
    if ent:
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
    m.QG, m.PGOV = _final_demand(m, "gov", cal.gov0, m.G, opts.get("government", "leontief"), "government")
    m.QINV, m.PINV = _final_demand(m, "sav", cal.inv0, m.INV, opts.get("investment", "leontief"), "investment")
    m._base = dict(hh_inc0=hh_inc0, ent_inc0=ent_inc0, gov_tr0=gov_tr0, cons0=cons0, mps=mps, ytax=ytax,
                   ent_tax=ent_tax, fac_sh=fac_sh)

    m.FACINC = pyo.Expression(["lab", "cap"], rule=lambda mm, f: (
        lab_tot * m.W * m.LS if f == "lab" else sum(float(cal.cap0[j]) * m.RK[j] * m.KU[j] for j in m.I)
        + sum(m.OLDINC[j] for j in m.VJ)),
        doc="factor income, billion yuan")

    def factor_income(r):
        return sum(fac_sh[(r, f)] * m.FACINC[f] for f in ("lab", "cap") if (r, f) in fac_sh)

    def hh_income(h):
        inc = factor_income(h) + gov_tr0[h] * m.TRG[h] * m.PNUM + row_hh0[h] * m.ER + m.RECYC * m.shrec[h] * m.CREV
        return inc + ent_hh[h] * ent_inc0 * m.YE if ent else inc

    def eq_yh(mm, h):
        """Household income: wages, capital income, distributed profits, government transfers, foreign transfers, recycled carbon revenue."""
        return m.YH[h] * hh_inc0[h] == hh_income(h)
    m.eq_yh = pyo.Constraint(m.H, rule=eq_yh, doc="household income")
    reg.add("institutions", "eq_yh", "YH")

    add_households(m, {h: (1 - mps[h]) * (1 - ytax[h]) * m.YH[h] * hh_inc0[h] for h in HH})

    if ent:
        def eq_ye(mm):
            """Enterprise income: its factor income (capital rents) plus net primary income from abroad."""
            return m.YE * ent_inc0 == factor_income("ent") + row_ent0 * m.ER
        m.eq_ye = pyo.Constraint(rule=eq_ye, doc="enterprise income")
        reg.add("institutions", "eq_ye", "YE")

    yg0 = float(T.loc["gov"].sum())
    gsav0 = float(T.loc["sav", "gov"])

    def eq_yg(mm):
        """Government revenue: production taxes, import duties, income taxes, enterprise tax, retained carbon revenue."""
        ptax = sum(m.TPADJ * m.tp[j] * m.PX[j] * m.XP[j] * float(cal.xp0[j]) for j in m.I)
        rev = ptax + sum(ytax[h] * m.YH[h] * hh_inc0[h] for h in HH) + (1 - m.RECYC) * m.CREV
        if ent:
            rev += ent_tax * m.YE * ent_inc0
        if float(cal.tariff0.abs().sum()) > 0:
            rev += m.TARREV
        return m.YG * yg0 == rev
    m.eq_yg = pyo.Constraint(rule=eq_yg, doc="government revenue")
    reg.add("institutions", "eq_yg", "YG")

    leontief_g = opts.get("government", "leontief") == "leontief"

    def eq_gsav(mm):
        """Government saving = revenue - consumption - transfers."""
        if leontief_g:
            spend = sum(m.PA[i] * m.G * float(cal.gov0[i]) for i in m.I if cal.gov0[i] != 0)
        else:
            spend = m.PGOV * m.G * float(cal.gov0.sum())
        return m.GSAV * gsav0 == m.YG * yg0 - spend - sum(gov_tr0[h] * m.TRG[h] * m.PNUM for h in HH)
    m.eq_gsav = pyo.Constraint(rule=eq_gsav, doc="government saving")
    reg.add("institutions", "eq_gsav", "GSAV")

    if opts.get("government_saving", "residual") == "share_of_revenue":
        if gsav0 == 0 or yg0 <= 0:
            raise InputError("closure option government_saving = 'share_of_revenue': the SAM's government saving "
                             "(cell row 'sav', column 'gov') is zero, so there is no share to hold")
        m.GSAVSH = pyo.Var(initialize=1.0, doc="government saving as a share of revenue (index of the base share)")

        def eq_gsavsh(mm):
            """Government saving rate: saving = share x revenue (the share fixed in a closure, or free)."""
            return m.GSAV * gsav0 == m.GSAVSH * (gsav0 / yg0) * m.YG * yg0
        m.eq_gsavsh = pyo.Constraint(rule=eq_gsavsh, doc="government saving rate")
        reg.add("institutions", "eq_gsavsh", "GSAVSH")

    inv0 = float(cal.inv0.sum())
    fsav0 = float(T.loc["sav", "row"])
    ent_sav_sh = 1 - ent_tax - sum(ent_hh.values()) if ent else 0.0
    leontief_i = opts.get("investment", "leontief") == "leontief"

    def eq_inv(mm):
        """Savings-investment balance: household, enterprise, government and foreign saving finance investment and stocks."""
        saving = (sum(mps[h] * (1 - ytax[h]) * m.YH[h] * hh_inc0[h] for h in HH)
                  + m.GSAV * gsav0 + fsav0 * m.FSAV * m.ER)
        if ent:
            saving += ent_sav_sh * m.YE * ent_inc0
        if leontief_i:
            spend = sum(m.PA[i] * (m.INV * float(cal.inv0[i]) + m.STK * float(cal.stk0[i])) for i in m.I)
        else:
            spend = m.PINV * m.INV * inv0 + sum(m.PA[i] * m.STK * float(cal.stk0[i]) for i in m.I)
        return saving == spend + m.WALRAS
    m.eq_inv = pyo.Constraint(rule=eq_inv, doc="savings = investment (+ Walras slack)")
    reg.add("institutions", "eq_inv", "WALRAS")

    def eq_bop(mm):
        """Balance of payments: imports (CIF) + transfers abroad = exports + foreign saving (in yuan)."""
        imp = sum(m.PWM[i] * m.ER * m.XM[i] * float(cal.imp0[i]) for i in m.IM)
        exp = sum(m.PWE[i] * m.ER * m.XE[i] * float(cal.exp0[i]) for i in m.EX)
        net_tr = (sum(row_hh0.values()) + row_ent0) * m.ER
        return imp == exp + net_tr + fsav0 * m.FSAV * m.ER
    m.eq_bop = pyo.Constraint(rule=eq_bop, doc="balance of payments (exchange rate or foreign saving)")
    reg.add("institutions", "eq_bop", "ER")


def add_budget_rule(m) -> None:
    """Government saving as a share of GDP (``GSAVY``): the budget rule of the baseline closure.

    ``GSAV gsav0 = GSAVY (gsav0 / gdp0) RGDP gdp0 PNUM``: government saving over GDP valued at the
    consumer price level, as an index of its 2017 SAM share.  The baseline fixes ``GSAVY`` (the
    balance stays at its 2017 share of GDP) and lets real government consumption ``G`` adjust;
    every other closure leaves ``GSAVY`` free (a result).  Built after :mod:`.clearing` (it needs RGDP)."""
    cal, reg = m._cal, m._reg
    gsav0 = float(cal.transfers.loc["sav", "gov"])
    gdp0 = float(m._gdp0)
    m.GSAVY = pyo.Var(initialize=1.0, doc="government saving as a share of GDP (index of its 2017 SAM share)")
    if gsav0 == 0:
        m.GSAVY.fix(1.0)           # no base share to hold: the variable is not used
        m._always_fixed = tuple(getattr(m, "_always_fixed", ())) + ("GSAVY",)
        return

    def eq_gsavy(mm):
        """Government saving as a share of GDP at consumer prices (the budget-rule ratio)."""
        return m.GSAV == m.GSAVY * m.RGDP * m.PNUM
    m.eq_gsavy = pyo.Constraint(rule=eq_gsavy, doc="government saving share of GDP")
    reg.add("institutions", "eq_gsavy", "GSAVY")
