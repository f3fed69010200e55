"""Households block: consumption demand by commodity out of the household's spending.

Two forms, a structural option of the closure (``[options] households``):

* ``les`` (the default): a linear expenditure system (Stone-Geary utility) over the non-energy
  commodities and one energy bundle; inside the bundle a CES over the household's fuels and
  electricity (energy roles coal, oil, gas, electricity).  Marginal budget shares are the GTAP 11
  China income elasticities of each commodity's consumption category times its 2017 budget share,
  scaled so that they add up to one (Engel aggregation); subsistence quantities follow from the
  Frisch parameter, gamma_k = x_k (1 + b_k / (w_k frisch)), and are fixed per head (scaled by the
  population index ``POP``).  Parameters: ``calibration/data/behaviour/household_income_elasticities.csv``
  (rows ``income_elasticity``, ``frisch_parameter``, ``sigma_energy_hh``), categories of commodities:
  ``calibration/data/behaviour/consumption_categories.csv`` (or the ``categories`` given to ``calibrate``).
* ``cobb_douglas``: the 2017 budget shares (the model before issue 15).

The baseline twists act in both forms and cost nothing at base prices: energy saving and efficiency
(``ESAV / AEEI``) scale the energy bundle's marginal budget share and subsistence (the other marginal
shares renormalised), the fuel switch ``FSW`` scales coal's CES share and electrification ``AELEC``
every fossil fuel's, what they lose going to electricity.

Welfare: ``UTIL`` is money-metric utility (index, 2017 = 1) and ``EVH`` the equivalent variation at
2017 prices, e(p0, U) - e(p0, U0) with the expenditure function of this year's preferences.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pyomo.environ as pyo

from sam.errors import InputError
from sam.readers import read_csv_checked

from .base import ces_price

PARAM_FILE = Path(__file__).resolve().parents[2] / "calibration" / "data" / "behaviour" / "household_income_elasticities.csv"
ETA_AREA = "national (no split)"   # the GTAP 11 rows (no rural/urban split in the source)
ENERGY = "(energy)"                # the energy bundle among the LES goods


@dataclass(frozen=True)
class LES:
    """A household's calibrated linear expenditure system (goods: commodities and ``ENERGY``)."""

    w: dict[str, float]        # 2017 budget shares
    eta: dict[str, float]      # income elasticities from data (before Engel aggregation)
    b: dict[str, float]        # marginal budget shares, sum 1
    g: dict[str, float]        # subsistence as a share of the 2017 quantity (per head)
    scale: float               # Engel aggregation: b = scale x eta x w
    frisch: float

    @property
    def subsistence_share(self) -> float:
        """Subsistence spending over total spending at 2017 prices (= 1 + 1/frisch)."""
        return sum(self.w[k] * self.g[k] for k in self.w)


def load_household_parameters(path: Path = PARAM_FILE) -> dict:
    """Income elasticities by category, the Frisch parameter and the household energy CES elasticity."""
    df = read_csv_checked(path, required=["category", "area", "parameter", "value", "source"])
    eta_rows = df[(df["parameter"] == "income_elasticity") & (df["area"] == ETA_AREA)]
    eta = {str(c): float(v) for c, v in zip(eta_rows["category"], eta_rows["value"])}

    def one(name: str) -> float:
        rows = df[df["parameter"] == name]
        if len(rows) != 1 or str(rows["value"].iloc[0]).strip() in ("", "nan"):
            raise InputError(f"{path}: column parameter: needs exactly one row {name!r} with a value")
        return float(rows["value"].iloc[0])
    frisch, sigma = one("frisch_parameter"), one("sigma_energy_hh")
    if not frisch < 0:
        raise InputError(f"{path}: row frisch_parameter: must be negative (it is {frisch:g})")
    if sigma < 0:
        raise InputError(f"{path}: row sigma_energy_hh: must not be negative (it is {sigma:g})")
    return {"eta": eta, "frisch": frisch, "sigma_energy": sigma, "path": str(path)}


def calibrate_les(w: dict[str, float], eta: dict[str, float], frisch: float, who: str = "household") -> LES:
    """Marginal budget shares b_k = eta_k w_k / sum(eta w) and subsistence shares g_k = 1 + b_k / (w_k frisch)."""
    tot = sum(w.values())
    if abs(tot - 1) > 1e-9:
        raise ValueError(f"{who}: budget shares add up to {tot}, not 1")
    raw = {k: eta[k] * w[k] for k in w}
    scale = 1.0 / sum(raw.values())
    b = {k: scale * v for k, v in raw.items()}
    g = {k: 1 + b[k] / (w[k] * frisch) for k in w}
    bad = [k for k in w if not g[k] > 0]
    if bad:
        raise InputError(f"{PARAM_FILE}: row frisch_parameter: with frisch = {frisch:g} the subsistence quantity of "
                         f"{bad[0]} ({who}) is not positive (income elasticity {eta[bad[0]] * scale:.3f} after Engel "
                         f"aggregation exceeds |frisch|)")
    return LES(dict(w), dict(eta), b, g, scale, frisch)


def les_ev(les: LES, spend0: float, prices: dict[str, float], spend: float, pop: float = 1.0, tau: float = 1.0) -> float:
    """Money-metric equivalent variation from prices and spending (no quantities): e(p0, V(p, Y)) - Y0 with
    V = (Y - sum p gamma) / (S0 prod p^b), prices relative to 2017 (``ENERGY``: the bundle's price)."""
    b, gam = _twisted(les, spend0, pop, tau)
    s0 = spend0 * sum(les.w[k] * (1 - les.g[k]) for k in les.w)
    supn = spend - sum(prices[k] * gam[k] for k in gam)
    v = supn / (s0 * math.exp(sum(b[k] * math.log(prices[k]) for k in b)))
    return sum(gam.values()) + v * s0 - spend0


def _twisted(les: LES, spend0: float, pop: float, tau: float) -> tuple[dict, dict]:
    """Marginal shares and subsistence (billion yuan at 2017 prices) under the energy twist ``tau``."""
    d = 1 - les.b.get(ENERGY, 0.0) + les.b.get(ENERGY, 0.0) * tau
    t = {k: tau if k == ENERGY else 1.0 for k in les.w}
    b = {k: les.b[k] * t[k] / d for k in les.w}
    gam = {k: les.g[k] * les.w[k] * spend0 * pop * t[k] for k in les.w}
    return b, gam


def add_households(m, spend: dict) -> None:
    """Household demand by commodity (``eq_c``), the energy bundle of the LES, utility and EV.
    ``spend``: household -> consumption spending (billion yuan, an expression of the model)."""
    cal, reg = m._cal, m._reg
    form = getattr(m, "_options", {}).get("households", "les")
    HH = list(cal.households)
    hh0 = cal.hh0
    cons0 = {h: float(hh0[h].sum()) for h in HH}
    energy = {i for i in cal.sectors if cal.role[i] != ""}
    tau = m.ESAV / m.AEEI                      # the energy twist of the baseline (1 in 2017)
    switch = _switch(m)
    if form == "cobb_douglas":
        _add_cobb_douglas(m, spend, cons0, energy, tau, switch)
        return

    neg = [(i, h) for h in HH for i in cal.sectors if hh0.loc[i, h] < 0]
    if neg:
        raise InputError(f"SAM: cell row 'c_{neg[0][0]}', column {neg[0][1]!r}: negative household consumption; the LES "
                         f"needs positive budget shares (or set [options] households = 'cobb_douglas')")
    par = load_household_parameters()
    cats = cal.cons_category
    cat_path = getattr(cats, "attrs", {}).get("path", "consumption categories") if cats is not None else "consumption categories"
    m.POP = pyo.Var(initialize=1.0, bounds=(1e-9, None), doc="population (index, 2017 = 1): subsistence is fixed per head")
    m.POP.fix()
    m._always_fixed = tuple(getattr(m, "_always_fixed", ())) + ("POP",)
    les, items, fuels = {}, {}, {}
    for h in HH:
        buys = [i for i in cal.sectors if hh0.loc[i, h] > 0]
        missing = [i for i in buys if cats is None or i not in cats.index or str(cats[i]) in ("", "nan")]
        if missing:
            raise InputError(f"{cat_path}: column code: no consumption category for commodit{'y' if len(missing) == 1 else 'ies'} "
                             f"{missing} bought by {h} (add rows, or set [options] households = 'cobb_douglas' in the closure)")
        nocat = [i for i in buys if str(cats[i]) not in par["eta"]]
        if nocat:
            raise InputError(f"{par['path']}: column category: no income_elasticity row (area {ETA_AREA!r}) for category "
                             f"{str(cats[nocat[0]])!r} of commodity {nocat[0]} ({cat_path})")
        fuels[h] = [i for i in buys if i in energy]
        items[h] = [i for i in buys if i not in energy]
        w = {i: float(hh0.loc[i, h]) / cons0[h] for i in items[h]}
        eta = {i: par["eta"][str(cats[i])] for i in items[h]}
        if fuels[h]:
            e0 = sum(float(hh0.loc[i, h]) for i in fuels[h])
            w[ENERGY] = e0 / cons0[h]
            eta[ENERGY] = sum(float(hh0.loc[i, h]) * par["eta"][str(cats[i])] for i in fuels[h]) / e0
        les[h] = calibrate_les(w, eta, par["frisch"], h)
    m._les, m._les_sigma = les, par["sigma_energy"]
    sigma = par["sigma_energy"]
    HE = [h for h in HH if fuels[h]]
    m.HE = pyo.Set(initialize=HE, ordered=True, doc="households with an energy bundle")
    m.XEN = pyo.Var(m.HE, initialize=1.0, bounds=(1e-9, None), doc="household energy bundle (index of 2017)")
    m.PEN = pyo.Var(m.HE, initialize=1.0, bounds=(1e-6, None), doc="price of the household energy bundle (index)")
    e0 = {h: les[h].w[ENERGY] * cons0[h] for h in HE}

    def d(h):                                  # renormalises the marginal shares under the energy twist
        return 1 - les[h].b[ENERGY] + les[h].b[ENERGY] * tau if h in HE else 1.0

    def subsistence(h):
        """Subsistence spending at current prices, billion yuan."""
        tot = sum(m.PU[i, h] * float(hh0.loc[i, h]) * les[h].g[i] for i in items[h])
        if h in HE:
            tot += m.PEN[h] * e0[h] * les[h].g[ENERGY] * tau
        return m.POP * tot
    m.SUPN = pyo.Expression(m.H, rule=lambda mm, h: spend[h] - subsistence(h),
                            doc="supernumerary spending: spending above subsistence, billion yuan")

    def eq_pen(mm, h):
        """Energy bundle price: CES unit cost of the household's fuels and electricity (shares twisted by FSW and AELEC)."""
        return m.PEN[h] == ces_price([(float(hh0.loc[i, h]) / e0[h] * switch(i, h), m.PU[i, h]) for i in fuels[h]], sigma)
    m.eq_pen = pyo.Constraint(m.HE, rule=eq_pen, doc="household energy bundle price")
    reg.add("institutions", "eq_pen", "PEN")

    def eq_xen(mm, h):
        """Energy bundle demand (LES): subsistence plus its marginal budget share of supernumerary spending."""
        return (m.PEN[h] * m.XEN[h] * e0[h]
                == m.PEN[h] * e0[h] * les[h].g[ENERGY] * tau * m.POP + les[h].b[ENERGY] * tau / d(h) * m.SUPN[h])
    m.eq_xen = pyo.Constraint(m.HE, rule=eq_xen, doc="household energy bundle demand")
    reg.add("institutions", "eq_xen", "XEN")

    def eq_c(mm, i, h):
        """Household demand (LES): subsistence plus the marginal budget share of supernumerary spending; a fuel
        or electricity: its CES share of the energy bundle."""
        if i in energy:
            return m.C[i, h] == m.XEN[h] * switch(i, h) * (m.PEN[h] / m.PU[i, h]) ** sigma
        v = float(hh0.loc[i, h])
        return m.PU[i, h] * m.C[i, h] * v == m.PU[i, h] * v * les[h].g[i] * m.POP + les[h].b[i] / d(h) * m.SUPN[h]
    m.eq_c = pyo.Constraint(m.CF, rule=eq_c, doc="household consumption demand")
    reg.add("institutions", "eq_c", "C")

    def util(mm, h):
        """Money-metric utility (index): prod_k ((x_k - gamma_k) / (b_k S0))^b_k, S0 the 2017 supernumerary spending."""
        s0 = cons0[h] * sum(les[h].w[k] * (1 - les[h].g[k]) for k in les[h].w)
        dh = d(h)
        terms = [les[h].b[i] / dh * pyo.log(float(hh0.loc[i, h]) * (m.C[i, h] - les[h].g[i] * m.POP)
                                            / (les[h].b[i] / dh * s0)) for i in items[h]]
        if h in HE:
            bE = les[h].b[ENERGY] * tau / dh
            terms.append(bE * pyo.log(e0[h] * (m.XEN[h] - les[h].g[ENERGY] * tau * m.POP) / (bE * s0)))
        return pyo.exp(sum(terms))
    m.UTIL = pyo.Expression(m.H, rule=util, doc="household utility (money-metric index, 2017 = 1)")

    def evh(mm, h):
        s0 = cons0[h] * sum(les[h].w[k] * (1 - les[h].g[k]) for k in les[h].w)
        gam = sum(float(hh0.loc[i, h]) * les[h].g[i] for i in items[h]) * m.POP
        if h in HE:
            gam += e0[h] * les[h].g[ENERGY] * tau * m.POP
        return gam + m.UTIL[h] * s0 - cons0[h]
    m.EVH = pyo.Expression(m.H, rule=evh, doc="equivalent variation at 2017 prices, billion yuan: e(p0, U) - e(p0, U0)")


def _switch(m):
    """The fuel-switch and electrification twists of a household's energy shares: coal x FSW x AELEC,
    other fossil fuels x AELEC, electricity gains what they lose (shares of 2017)."""
    cal = m._cal
    hh0 = cal.hh0
    coal = {i for i in cal.sectors if cal.role[i] == "coal"}
    elec = {i for i in cal.sectors if cal.role[i] == "electricity"}
    fossil = {i for i in cal.sectors if cal.role[i] in ("coal", "oil", "gas")}
    HH = list(cal.households)
    tot = lambda s, h: sum(float(hh0.loc[i, h]) for i in cal.sectors if i in s and hh0.loc[i, h] > 0)   # SAM order
    coal0 = {h: tot(coal, h) for h in HH}
    fos0 = {h: tot(fossil, h) for h in HH}
    elec0 = {h: tot(elec, h) for h in HH}

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
    return switch


def _add_cobb_douglas(m, spend, cons0, energy, tau, switch) -> None:
    """Cobb-Douglas households: 2017 budget shares, twisted by ESAV/AEEI (energy) and FSW/AELEC (fuels)."""
    cal, reg = m._cal, m._reg
    hh0 = cal.hh0
    HH = list(cal.households)
    tilt = {h: sum(float(hh0.loc[i, h]) / cons0[h] * (tau if i in energy else 1.0)
                   for i in cal.sectors if hh0.loc[i, h] > 0) for h in HH}

    def eq_c(mm, i, h):
        """Household demand: Cobb-Douglas budget shares of spending; energy efficiency (AEEI) and energy saving
        (ESAV) tilt the budget from energy to other goods (shares renormalised) and the fuel switch (FSW) and
        electrification (AELEC) move coal's and fossil fuels' shares to electricity."""
        share = float(hh0.loc[i, h]) / cons0[h] * switch(i, h) * (tau if i in energy else 1.0) / tilt[h]
        return m.PU[i, h] * m.C[i, h] * float(hh0.loc[i, h]) == share * spend[h]
    m.eq_c = pyo.Constraint(m.CF, rule=eq_c, doc="household consumption demand")
    reg.add("institutions", "eq_c", "C")
    sh = {(i, h): float(hh0.loc[i, h]) / cons0[h] for (i, h) in m.CF}
    m.UTIL = pyo.Expression(m.H, rule=lambda mm, h: pyo.exp(sum(s * pyo.log(m.C[i, hh]) for (i, hh), s in sh.items() if hh == h)),
                            doc="household utility (Cobb-Douglas index of consumption, 2017 budget shares)")
    m.EVH = pyo.Expression(m.H, rule=lambda mm, h: cons0[h] * (m.UTIL[h] - 1),
                           doc="equivalent variation at 2017 prices, billion yuan")
