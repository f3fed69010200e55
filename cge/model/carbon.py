"""Carbon block: CO2 from fossil flows and processes, carbon revenue."""
from __future__ import annotations

import pyomo.environ as pyo


def add_carbon(m) -> None:
    """Variables of the carbon block (its equations need household demand: see :func:`add_carbon_accounts`)."""
    m.EMI = pyo.Var(initialize=m._cal.benchmark_co2(), bounds=(0, None), doc="national CO2 emissions, Mt")
    m.ARES = pyo.Var(initialize=1.0, bounds=(1e-4, None),
                     doc="residual CO2 index (2017 = 1): reported CO2 over physical CO2, the part of a target CO2 path the named mechanisms do not explain; it scales reported emissions only, never the tax")
    m.CREV = pyo.Var(initialize=0.0, doc="carbon revenue, billion yuan")


def add_carbon_accounts(m) -> None:
    """Emissions from fossil flows and process CO2; carbon revenue from the covered users."""
    cal, reg = m._cal, m._reg
    co2 = cal.co2

    def process(weight) -> pyo.Expression:
        """Process CO2: 2017 process CO2 of each activity x its intensity (APROC x the trend APT) x its
        real output, each activity weighted by ``weight(activity)``."""
        return m.APT * sum(weight(j) * float(cal.process0[j]) * m.APROC[j] * m.XP[j] for j in m.PROCI)

    def emissions(weight) -> pyo.Expression:
        """Physical CO2 of fossil flows (firms, households, at their 2017 emission factors) and
        processes, each user weighted by ``weight(user)``."""
        firms = sum(weight(j) * float(co2.loc[i, j]) * m.XA[i, j] for (i, j) in m.F if co2.loc[i, j] > 0)
        hh = sum(weight(h) * float(co2.loc[i, h]) * m.C[i, h] for (i, h) in m.CF if co2.loc[i, h] > 0)
        return firms + hh + process(weight)

    def eq_emi(mm):
        """Emissions: CO2 per unit of each fossil flow (its 2017 physical factor) times the flow, plus process CO2 per unit of output, times the reported residual index ARES (1 unless a closure fixes CO2 to a target path)."""
        return m.EMI == m.ARES * emissions(lambda u: 1.0)
    m.eq_emi = pyo.Constraint(rule=eq_emi, doc="national emissions")
    reg.add("carbon", "eq_emi", "EMI")

    def eq_crev(mm):
        """Carbon revenue = each user's price x its physical emissions (yuan/t x Mt / 1000 = billion
        yuan); the residual ARES is a reporting index and is not taxed."""
        return m.CREV == emissions(lambda u: m.TAXU[u]) / 1000.0
    m.eq_crev = pyo.Constraint(rule=eq_crev, doc="carbon revenue")
    reg.add("carbon", "eq_crev", "CREV")

    proc0 = float(cal.process0.sum())
    m.PROCT = pyo.Var(initialize=1.0, bounds=(0, None), doc="process CO2 (index, 2017 = 1)")

    def eq_proct(mm):
        """Process CO2 index: process CO2 over its 2017 total."""
        if proc0 <= 0:
            return m.PROCT == m.APT                  # no process CO2 to follow: the index is the trend
        return m.PROCT * proc0 == process(lambda u: 1.0)
    m.eq_proct = pyo.Constraint(rule=eq_proct, doc="process CO2 index")
    reg.add("carbon", "eq_proct", "PROCT")
