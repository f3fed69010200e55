"""The static SICGE-style CGE model in Pyomo: one function per economic block.

Variables are normalised to 1 at the benchmark (ENVISAGE practice): a quantity variable
``X`` means X x X0 billion yuan at 2017 prices, a price variable is an index (1 = 2017).
Every equation is written in normalised form (divided by its base value) so IPOPT sees a
well-scaled square system.  Each constraint carries a one-line economic description
(``doc``) and is registered against the variable it determines, for the squareness check.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pyomo.environ as pyo

from .nests import build_trees

HH = ["hh_rural", "hh_urban"]


@dataclass
class Registry:
    """Equation family -> (block, variable family it determines)."""

    eqs: dict[str, tuple[str, str]] = field(default_factory=dict)

    def add(self, block: str, eq: str, var: str) -> None:
        """Register that equation family ``eq`` of ``block`` determines variable family ``var``."""
        self.eqs[eq] = (block, var)


def _ces_price(P, kids, sigma):
    """CES unit-cost index (normalised): P**(1-s) = sum theta_k p_k**(1-s); Leontief when s == 0."""
    if abs(sigma) < 1e-12:
        return sum(th * p for th, p in kids)
    if abs(sigma - 1.0) < 1e-12:
        return pyo.exp(sum(th * pyo.log(p) for th, p in kids))
    return sum(th * p ** (1 - sigma) for th, p in kids) ** (1 / (1 - sigma))


def build_model(cal, reg: Registry | None = None) -> pyo.ConcreteModel:
    """The full model for a calibration: sets, parameters, variables and all blocks."""
    reg = reg or Registry()
    m = pyo.ConcreteModel(name="cge")
    m._cal, m._reg, m._trees = cal, reg, build_trees(cal)
    add_sets(m)
    add_prices(m)
    add_production(m)
    add_trade(m)
    add_carbon(m)
    add_institutions(m)
    add_clearing(m)
    m.obj = pyo.Objective(expr=0.0)
    return m


# ----------------------------------------------------------------------------- sets


def add_sets(m) -> None:
    """Sectors, households, production nests and input flows (sparse, from the SAM)."""
    cal = m._cal
    m.I = pyo.Set(initialize=cal.sectors, ordered=True, doc="commodities = activities (SAM codes)")
    m.H = pyo.Set(initialize=HH, ordered=True, doc="households")
    nests = [(j, n) for j, t in m._trees.items() for n in t]
    m.N = pyo.Set(initialize=nests, dimen=2, doc="(activity, nest) pairs with positive base value")
    flows = [(i, j) for j in cal.sectors for i in cal.sectors if cal.z0.loc[i, j] > 0]
    m.F = pyo.Set(initialize=flows, dimen=2, doc="(commodity, activity) intermediate flows")
    m.CF = pyo.Set(initialize=[(i, h) for h in HH for i in cal.sectors if cal.hh0.loc[i, h] > 0], dimen=2,
                   doc="(commodity, household) consumption flows")
    m.IM = pyo.Set(initialize=[i for i in cal.sectors if cal.imp0[i] > 0], doc="imported commodities")
    m.EX = pyo.Set(initialize=[i for i in cal.sectors if cal.exp0[i] > 0], doc="exported commodities")
    m.XDS = pyo.Set(initialize=[i for i in cal.sectors if cal.xd0[i] > 1e-9], doc="commodities with domestic sales")


def _parent(m, j: str, child: str) -> str:
    """The nest of activity ``j`` that contains ``child`` (a nest name or a leaf)."""
    for n, nest in m._trees[j].items():
        if child in nest.children:
            return n
    raise KeyError((j, child))


# ----------------------------------------------------------------------------- prices


def add_prices(m) -> None:
    """Commodity prices, exchange rate, numeraire, carbon price and user prices incl. the carbon tax."""
    cal = m._cal
    m.PA = pyo.Var(m.I, initialize=1.0, bounds=(1e-6, None), doc="Armington composite price")
    m.PD = pyo.Var(m.I, initialize=1.0, bounds=(1e-6, None), doc="price of domestic output sold at home")
    m.ER = pyo.Var(initialize=1.0, bounds=(1e-6, None), doc="exchange rate (yuan per foreign currency, index)")
    m.PNUM = pyo.Var(initialize=1.0, bounds=(1e-6, None), doc="numeraire price index (CPI)")
    m.CTAX = pyo.Var(initialize=0.0, doc="carbon price, yuan per t CO2 at 2017 prices")
    m.TPADJ = pyo.Var(initialize=1.0, bounds=(0, None), doc="uniform scaling of production tax rates (recycling via tax cuts)")
    m.CTAXN = pyo.Expression(expr=m.CTAX * m.PNUM, doc="nominal carbon price (indexed by the numeraire)")
    coef = cal.co2coef
    users = list(cal.sectors) + HH

    def pu(mm, i, u):
        """User price: composite price plus the carbon tax per unit of flow (coef in Mt per bn yuan)."""
        c = float(coef.loc[i, u]) if u in coef.columns else 0.0
        return m.PA[i] + (m.CTAXN * c / 1000.0 if c > 0 else 0.0)
    m.PU = pyo.Expression(m.I, users, rule=pu, doc="carbon-inclusive purchaser price by user")


# ----------------------------------------------------------------------------- production


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
        return m.PX[j] * (1 - m.TPADJ * m.tp[j]) == m.P[j, "XP"] * (1 - cal.tp[j]) + m.CTAXN * m.pc[j] / 1000.0
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
        kids = [(v / tot, m.P[j, k] if k in m._trees[j] else leaf_price(j, k)) for k, v in nest.children.items()]
        return m.P[j, n] == _ces_price(m.P[j, n], kids, nest.sigma)
    m.eq_p = pyo.Constraint(m.N, rule=eq_price, doc="nest unit cost (CES price index)")
    reg.add("production", "eq_p", "P")

    def eq_qsub(mm, j, n):
        """Demand for a sub-nest from its parent nest: Q_n = Q_parent (P_parent / P_n)**sigma."""
        if n == "XP":
            return pyo.Constraint.Skip
        par = _parent(m, j, n)
        s = m._trees[j][par].sigma
        return m.Q[j, n] == m.Q[j, par] * (m.P[j, par] / m.P[j, n]) ** s
    m.eq_q = pyo.Constraint(m.N, rule=eq_qsub, doc="nest demand")
    reg.add("production", "eq_q", "Q")
    reg.add("production", "eq_qtop", "Q")

    def eq_xa(mm, i, j):
        """Intermediate demand for commodity i by activity j from its nest (carbon-inclusive price)."""
        par = _parent(m, j, f"c:{i}")
        s = m._trees[j][par].sigma
        return m.XA[i, j] == m.Q[j, par] * (m.P[j, par] / m.PU[i, j]) ** s
    m.eq_xa = pyo.Constraint(m.F, rule=eq_xa, doc="intermediate demand")
    reg.add("production", "eq_xa", "XA")

    def eq_l(mm, j):
        """Labour demand from the value-added nest."""
        if cal.lab0[j] <= 0:
            return m.L[j] == 1.0
        par = _parent(m, j, "f:lab")
        return m.L[j] == m.Q[j, par] * (m.P[j, par] / m.W) ** m._trees[j][par].sigma
    m.eq_l = pyo.Constraint(m.I, rule=eq_l, doc="labour demand")
    reg.add("production", "eq_l", "L")

    def eq_k(mm, j):
        """Capital demand from the capital-energy nest (determines the rental rate when K is fixed)."""
        if cal.cap0[j] <= 0:
            return m.RK[j] == 1.0
        par = _parent(m, j, "f:cap")
        return m.K[j] == m.Q[j, par] * (m.P[j, par] / m.RK[j]) ** m._trees[j][par].sigma
    m.eq_rk = pyo.Constraint(m.I, rule=eq_k, doc="capital demand = stock (rental rate)")
    reg.add("production", "eq_rk", "RK")


# ----------------------------------------------------------------------------- trade


def add_trade(m) -> None:
    """Armington imports and CET exports, small open economy (world prices given)."""
    cal, reg = m._cal, m._reg
    m.XAT = pyo.Var(m.I, initialize=1.0, bounds=(1e-9, None), doc="Armington absorption")
    m.XD = pyo.Var(m.I, initialize=1.0, bounds=(0, None), doc="domestic output sold at home")
    m.XM = pyo.Var(m.I, initialize=1.0, bounds=(0, None), doc="imports")
    m.XE = pyo.Var(m.I, initialize=1.0, bounds=(0, None), doc="exports")
    m.PWM = pyo.Var(m.I, initialize=1.0, bounds=(1e-6, None), doc="world import price (foreign currency)")
    m.PWE = pyo.Var(m.I, initialize=1.0, bounds=(1e-6, None), doc="world export price (foreign currency)")
    sarm, ocet = cal.elasticity["sigma_arm"], cal.elasticity["omega_cet"]
    xd0, m0, e0, xa0, xp0 = cal.xd0, cal.imp0, cal.exp0, cal.xa0, cal.xp0

    def pm(i):
        return m.PWM[i] * m.ER

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
        """Export supply (CET); world demand is infinitely elastic at the world price."""
        if e0[i] <= 0:
            return m.XE[i] == 1.0
        if xd0[i] <= 1e-9:
            return m.XE[i] == m.XP[i]
        return m.XE[i] == m.XP[i] * (pe(i) / m.PX[i]) ** float(ocet[i])
    m.eq_xe = pyo.Constraint(m.I, rule=eq_xe, doc="export supply (CET)")
    reg.add("trade", "eq_xe", "XE")

    def eq_px(mm, i):
        """CET revenue: value of output = domestic sales + exports."""
        return m.PX[i] * m.XP[i] * xp0[i] == m.PD[i] * m.XD[i] * xd0[i] + pe(i) * m.XE[i] * e0[i]
    m.eq_px = pyo.Constraint(m.I, rule=eq_px, doc="output price from CET revenue")
    reg.add("trade", "eq_px", "PX")


# ----------------------------------------------------------------------------- carbon


def add_carbon(m) -> None:
    """Emissions from fossil flows and process CO2; carbon revenue."""
    cal, reg = m._cal, m._reg
    co2 = cal.co2
    m.EMI = pyo.Var(initialize=cal.benchmark_co2(), bounds=(0, None), doc="national CO2 emissions, Mt")
    m.CREV = pyo.Var(initialize=0.0, doc="carbon revenue, billion yuan")

    def eq_emi(mm):
        """Emissions: CO2 per unit of each fossil flow times the flow, plus process CO2 per unit of output."""
        firms = sum(float(co2.loc[i, j]) * m.XA[i, j] for (i, j) in m.F if co2.loc[i, j] > 0)
        hh = sum(float(co2.loc[i, h]) * m.C[i, h] for (i, h) in m.CF if co2.loc[i, h] > 0)
        proc = sum(float(cal.process0[j]) * m.XP[j] for j in m.I if cal.process0[j] > 0)
        return m.EMI == firms + hh + proc
    m._eq_emi_rule = eq_emi

    def eq_crev(mm):
        """Carbon revenue = price x emissions (yuan/t x Mt / 1000 = billion yuan)."""
        return m.CREV == m.CTAXN * m.EMI / 1000.0
    m.eq_crev = pyo.Constraint(rule=eq_crev, doc="carbon revenue")
    reg.add("carbon", "eq_crev", "CREV")


# ----------------------------------------------------------------------------- institutions


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
    m.RECYC = pyo.Var(initialize=1.0, bounds=(0, 1), doc="share of carbon revenue returned lump-sum to households")

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
    m._base = dict(hh_inc0=hh_inc0, ent_inc0=ent_inc0, gov_tr0=gov_tr0, cons0=cons0, mps=mps, ytax=ytax)

    def hh_income(h):
        return (lab_sh[h] * lab_tot * m.W * m.LS + ent_hh[h] * ent_inc0 * m.YE + gov_tr0[h] * m.TRG[h] * m.PNUM
                + row_hh0[h] * m.ER + m.RECYC * m.shrec[h] * m.CREV)

    def eq_yh(mm, h):
        """Household income: wages, distributed profits, government transfers, foreign transfers, recycled carbon revenue."""
        return m.YH[h] * hh_inc0[h] == hh_income(h)
    m.eq_yh = pyo.Constraint(m.H, rule=eq_yh, doc="household income")
    reg.add("institutions", "eq_yh", "YH")

    def eq_c(mm, i, h):
        """Household demand (Cobb-Douglas budget shares of consumption spending out of disposable income)."""
        share = float(cal.hh0.loc[i, h]) / cons0[h]
        spend = (1 - mps[h]) * (1 - ytax[h]) * m.YH[h] * hh_inc0[h]
        return m.PU[i, h] * m.C[i, h] * float(cal.hh0.loc[i, h]) == share * spend
    m.eq_c = pyo.Constraint(m.CF, rule=eq_c, doc="household consumption demand")
    reg.add("institutions", "eq_c", "C")

    def eq_ye(mm):
        """Enterprise income: capital rents plus net primary income from abroad."""
        return m.YE * ent_inc0 == sum(float(cal.cap0[j]) * m.RK[j] * m.K[j] for j in m.I) + row_ent0 * m.ER
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
        spend = sum(m.PA[i] * (m.INV * float(cal.inv0[i]) + float(cal.stk0[i])) for i in m.I)
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
    m.eq_emi = pyo.Constraint(rule=m._eq_emi_rule, doc="national emissions")
    reg.add("carbon", "eq_emi", "EMI")


# ----------------------------------------------------------------------------- market clearing, numeraire


def add_clearing(m) -> None:
    """Commodity and labour markets, and the numeraire (a consumer price index)."""
    cal, reg = m._cal, m._reg
    users = {i: [j for (k, j) in m.F if k == i] for i in cal.sectors}
    hhs = {i: [h for (k, h) in m.CF if k == i] for i in cal.sectors}

    def eq_xat(mm, i):
        """Commodity market: Armington absorption = intermediate + household + government + investment + stocks."""
        dem = sum(float(cal.z0.loc[i, j]) * m.XA[i, j] for j in users[i])
        dem += sum(float(cal.hh0.loc[i, h]) * m.C[i, h] for h in hhs[i])
        dem += float(cal.gov0[i]) * m.G + float(cal.inv0[i]) * m.INV + float(cal.stk0[i])
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
