"""The static SICGE-style CGE model in Pyomo: sets, prices, and the blocks in order.

Blocks, one module each: :mod:`.production` (technology, nested CES), :mod:`.capital`
(capital in use and idle capacity), :mod:`.power` (generation in TWh, technology choice),
:mod:`.trade`, :mod:`.carbon`, :mod:`.institutions`, :mod:`.investment` (capital-growth curves), :mod:`.energy` (final energy, coal use and
generation indices), :mod:`.clearing`.

Variables are normalised to 1 at the benchmark (ENVISAGE practice): a quantity variable
``X`` means X x X0 billion yuan at 2017 prices, a price variable is an index (1 = 2017).
Every equation is written in normalised form (divided by its base value) so IPOPT sees a
well-scaled square system.  Each constraint carries a one-line economic description
(``doc``) and is registered against the variable it determines, for the squareness check.
"""
from __future__ import annotations

import pyomo.environ as pyo

from .base import Registry
from .carbon import add_carbon, add_carbon_accounts
from .clearing import add_clearing
from .energy import add_energy_accounts
from .institutions import add_budget_rule, add_institutions
from .investment import add_investment
from .nests import build_trees
from .capital import add_capital
from .power import add_power, logit_nests
from .production import add_production, add_technology
from .trade import add_trade


def build_model(cal, reg: Registry | None = None, options: dict | None = None) -> pyo.ConcreteModel:
    """The full model for a calibration: sets, parameters, variables and all blocks. ``options``: the
    structural options of the closure (capital mobility, government and investment demand forms)."""
    reg = reg or Registry()
    m = pyo.ConcreteModel(name="cge")
    m._cal, m._reg, m._trees = cal, reg, build_trees(cal)
    m._options = dict(options or {})
    add_sets(m)
    add_carbon(m)
    add_prices(m)
    add_technology(m)
    m._logit_nests = logit_nests(cal)
    add_production(m)
    add_capital(m)
    add_power(m)
    add_trade(m)
    add_institutions(m)
    add_investment(m)
    add_carbon_accounts(m)
    add_energy_accounts(m)
    add_clearing(m)
    add_budget_rule(m)
    m.obj = pyo.Objective(expr=0.0)
    return m


# ----------------------------------------------------------------------------- sets


def add_sets(m) -> None:
    """Sectors, households, production nests and input flows (sparse, from the SAM)."""
    cal = m._cal
    m.I = pyo.Set(initialize=cal.sectors, ordered=True, doc="commodities = activities (SAM codes)")
    HH = list(cal.households)
    m.H = pyo.Set(initialize=HH, ordered=True, doc="households (the SAM's hh_ accounts)")
    nests = [(j, n) for j, t in m._trees.items() for n in t]
    m.N = pyo.Set(initialize=nests, dimen=2, doc="(activity, nest) pairs with positive base value")
    flows = [(i, j) for j in cal.sectors for i in cal.sectors if cal.z0.loc[i, j] > 0]
    m.F = pyo.Set(initialize=flows, dimen=2, doc="(commodity, activity) intermediate flows")
    m.CF = pyo.Set(initialize=[(i, h) for h in HH for i in cal.sectors if cal.hh0.loc[i, h] > 0], dimen=2,
                   doc="(commodity, household) consumption flows")
    m.IM = pyo.Set(initialize=[i for i in cal.sectors if cal.imp0[i] > 0], doc="imported commodities")
    m.EX = pyo.Set(initialize=[i for i in cal.sectors if cal.exp0[i] > 0], doc="exported commodities")
    m.XDS = pyo.Set(initialize=[i for i in cal.sectors if cal.xd0[i] > 1e-9], doc="commodities with domestic sales")


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
    m.CTAXB = pyo.Var(initialize=0.0, doc="carbon price every user pays whatever a scenario covers (the baseline's own price: the pledge's after the outlook), yuan per t CO2 at 2017 prices")
    m.CTAXB.fix()
    m._always_fixed = tuple(getattr(m, "_always_fixed", ())) + ("CTAXB",)
    m.CTAXN = pyo.Expression(expr=m.CTAX * m.PNUM, doc="nominal carbon price (indexed by the numeraire)")
    coef = cal.co2coef
    users = list(cal.sectors) + list(cal.households)
    m.U = pyo.Set(initialize=users, doc="users of commodities who may pay the carbon price (activities, households)")
    m.cover = pyo.Param(m.U, initialize=1.0, mutable=True, within=pyo.Binary,
                        doc="1 when the user's fossil CO2 (and process CO2) is covered by the carbon price")
    m.TAXU = pyo.Expression(m.U, rule=lambda mm, u: (m.cover[u] * m.CTAX + (1 - m.cover[u]) * m.CTAXB) * m.PNUM,
                            doc="nominal carbon price a user pays: the scenario's price when covered, else the baseline's")

    def pu(mm, i, u):
        """User price: composite price plus the carbon tax per unit of flow (coef in Mt per bn yuan)."""
        c = float(coef.loc[i, u]) if u in coef.columns else 0.0
        return m.PA[i] + (m.TAXU[u] * c / 1000.0 if c > 0 else 0.0)
    m.PU = pyo.Expression(m.I, users, rule=pu, doc="carbon-inclusive purchaser price by user")


