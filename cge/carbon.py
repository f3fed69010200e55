"""Carbon block: CO2 from fossil flows and processes, carbon revenue."""
from __future__ import annotations

import pyomo.environ as pyo


def add_carbon(m) -> None:
    """Emissions from fossil flows and process CO2; carbon revenue."""
    cal, reg = m._cal, m._reg
    co2 = cal.co2
    m.EMI = pyo.Var(initialize=cal.benchmark_co2(), bounds=(0, None), doc="national CO2 emissions, Mt")
    m.CREV = pyo.Var(initialize=0.0, doc="carbon revenue, billion yuan")

    def eq_emi(mm):
        """Emissions: CO2 per unit of each fossil flow times the flow, plus process CO2 per unit of output, times the intensity index."""
        firms = sum(float(co2.loc[i, j]) * m.XA[i, j] for (i, j) in m.F if co2.loc[i, j] > 0)
        hh = sum(float(co2.loc[i, h]) * m.C[i, h] for (i, h) in m.CF if co2.loc[i, h] > 0)
        proc = sum(float(cal.process0[j]) * m.XP[j] for j in m.I if cal.process0[j] > 0)
        return m.EMI == m.ACO2 * (firms + hh + proc)
    m._eq_emi_rule = eq_emi

    def eq_crev(mm):
        """Carbon revenue = price x emissions (yuan/t x Mt / 1000 = billion yuan)."""
        return m.CREV == m.CTAXN * m.EMI / 1000.0
    m.eq_crev = pyo.Constraint(rule=eq_crev, doc="carbon revenue")
    reg.add("carbon", "eq_crev", "CREV")
