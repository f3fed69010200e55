"""Energy accounts: the physical quantities a baseline can follow (IEA World Energy Outlook).

Four indices (2017 = 1), each defined by an identity on the model's flows:

* ``FEN``: final energy of end users (non-energy activities and households), EJ.  Fossil flows
  are converted from their CEADs CO2 with the IPCC 2006 default emission factors
  (``calibration/data/energy_content.csv``: EJ = Mt CO2 x 1000 / EF in kg/TJ), electricity at
  3.6 PJ per TWh of grid output, shared over users by their 2017 purchases.  Heat and
  non-combustion uses (no CO2 in CEADs) are left out.
* ``COALU``: domestic use of coal (Armington absorption of raw coal, incl. coke ovens and power).
* ``TWHT``: total generation, TWh.
* ``GASU``: domestic use of natural gas (Armington absorption of ``NGAS`` and ``UGAS``): a result in
  every closure, reported against the outlook's gas demand (no gas instrument: see docs/model.md).

In the baseline (forecast closure) these are fixed to the IEA paths and the three named
mechanisms that move them are endogenous: energy efficiency ``AEEI`` (final energy), the
fuel-switch twist away from coal ``FSW`` (coal use) and the electrification twist ``AELEC``
(generation).  In policy runs the mechanisms are fixed at their baseline values and the
indices are results.
"""
from __future__ import annotations

from pathlib import Path

import pyomo.environ as pyo

from sam.errors import InputError
from sam.readers import read_csv_checked


CONTENT_FILE = Path(__file__).resolve().parents[2] / "calibration" / "data" / "energy_content.csv"
EJ_PER_TWH = 0.0036      # 1 TWh = 3.6 PJ (definition)
COAL_COMMODITY = "COAL"  # raw coal: the commodity whose absorption is the coal-use index
GAS_COMMODITIES = ("NGAS", "UGAS")   # natural gas, conventional and unconventional: primary gas use


def emission_factors(path: Path = CONTENT_FILE) -> dict[str, float]:
    """CO2 per unit of energy by commodity, kg CO2 per TJ (IPCC 2006 defaults)."""
    df = read_csv_checked(path, required=["commodity", "ipcc_fuel", "ef_kg_co2_per_tj", "source"],
                          numeric=["ef_kg_co2_per_tj"])
    bad = df[df["ef_kg_co2_per_tj"] <= 0]
    if len(bad):
        raise InputError(f"{path}: line {int(bad.index[0]) + 2}, column ef_kg_co2_per_tj: must be positive")
    return dict(zip(df["commodity"], df["ef_kg_co2_per_tj"].astype(float)))


def missing_factors(cal, ef: dict[str, float]) -> list[str]:
    """Commodities with CO2 in the SAM's satellite but no emission factor (left out of ``FEN``)."""
    co2 = cal.co2
    return sorted({i for i in co2.index for u in co2.columns if co2.loc[i, u] > 0 and i not in ef})


def final_energy_weights(cal, ef: dict[str, float]) -> tuple[dict, dict, float]:
    """EJ per unit (index) of each end-use fossil and electricity flow: (firms, households, total 2017).
    Commodities without an emission factor are left out (see :func:`missing_factors`)."""
    co2 = cal.co2
    end = [j for j in cal.sectors if cal.role[j] == ""]
    ef = {i: ef.get(i, float("inf")) for i in co2.index}
    HH = list(cal.households)
    firms = {(i, j): float(co2.loc[i, j]) * 1000.0 / ef[i]
             for j in end for i in cal.sectors if i in co2.index and j in co2.columns and co2.loc[i, j] > 0}
    hh = {(i, h): float(co2.loc[i, h]) * 1000.0 / ef[i]
          for h in HH for i in cal.sectors if i in co2.index and h in co2.columns and co2.loc[i, h] > 0}
    firms = {k: w for k, w in firms.items() if w > 0}
    hh = {k: w for k, w in hh.items() if w > 0}
    grid = [i for i in cal.sectors if cal.role[i] == "electricity" and cal.power is not None
            and any(cal.z0.loc[g, i] > 0 for g in cal.power.index)]
    if grid and cal.power is not None:
        g = grid[0]
        ej = float(cal.power["twh"].sum()) * EJ_PER_TWH
        tot = float(cal.xa0[g])
        for j in end:
            if cal.z0.loc[g, j] > 0:
                firms[(g, j)] = firms.get((g, j), 0.0) + ej * float(cal.z0.loc[g, j]) / tot
        for h in HH:
            if cal.hh0.loc[g, h] > 0:
                hh[(g, h)] = hh.get((g, h), 0.0) + ej * float(cal.hh0.loc[g, h]) / tot
    total = sum(firms.values()) + sum(hh.values())
    return firms, hh, total


def twist_moves(m, nest: str, household_roles: tuple[str, ...]) -> bool:
    """Whether a twist can move anything: a twisted nest of kind ``nest`` in some activity, or a
    household buying both a fuel of ``household_roles`` and electricity (or energy, for ESAV)."""
    if any(n == nest for (_, n) in m._twists):
        return True
    cal = m._cal
    elec = [i for i in cal.sectors if cal.role[i] == "electricity"]
    for h in cal.households:
        buys = {cal.role[i] for i in cal.sectors if cal.hh0.loc[i, h] > 0}
        if buys & set(household_roles) and (nest == "KE" or any(cal.hh0.loc[i, h] > 0 for i in elec)):
            return True
    return False


def add_energy_accounts(m) -> None:
    """Final energy, coal use and total generation as indices defined by identities."""
    cal, reg = m._cal, m._reg
    ef = emission_factors()
    firms, hh, fen0 = final_energy_weights(cal, ef)
    m._fen0, m._fen_missing = fen0, missing_factors(cal, ef)
    m.FEN = pyo.Var(initialize=1.0, bounds=(1e-6, None), doc="final energy of end users (index, 2017 = 1)")
    m.COALU = pyo.Var(initialize=1.0, bounds=(1e-9, None), doc="domestic coal use (index, 2017 = 1)")
    m.TWHT = pyo.Var(initialize=1.0, bounds=(1e-6, None), doc="total generation (index, 2017 = 1)")
    m.GASU = pyo.Var(initialize=1.0, bounds=(1e-9, None), doc="domestic use of natural gas (index, 2017 = 1)")

    def eq_fen(mm):
        """Final energy: EJ per unit of each end-use fossil and electricity flow times the flow."""
        if fen0 <= 0 or not twist_moves(m, "KE", ("coal", "oil", "gas", "electricity")):
            return m.FEN == m.ESAV                      # nothing to measure or to save: the index is the twist
        return m.FEN * fen0 == (sum(w * m.XA[i, j] for (i, j), w in firms.items() if (i, j) in m.F)
                                + sum(w * m.C[i, h] for (i, h), w in hh.items() if (i, h) in m.CF))
    m.eq_fen = pyo.Constraint(rule=eq_fen, doc="final energy of end users")
    reg.add("energy", "eq_fen", "FEN")

    coal = [COAL_COMMODITY] if COAL_COMMODITY in m.I else [i for i in cal.sectors if cal.role[i] == "coal"]

    def eq_coalu(mm):
        """Coal use: Armington absorption of raw coal (of every coal commodity in a SAM without ``COAL``)."""
        if not coal or not twist_moves(m, "NEL", ("coal",)):
            return m.COALU == m.FSW                     # no coal to switch from: the index is the twist
        tot = sum(float(cal.xa0[i]) for i in coal)
        return m.COALU * tot == sum(float(cal.xa0[i]) * m.XAT[i] for i in coal)
    m.eq_coalu = pyo.Constraint(rule=eq_coalu, doc="domestic coal use")
    reg.add("energy", "eq_coalu", "COALU")

    gas = [i for i in GAS_COMMODITIES if i in m.I] or [i for i in cal.sectors if cal.role[i] == "gas"]

    def eq_gasu(mm):
        """Gas use: Armington absorption of natural gas (of every gas commodity in a SAM without ``NGAS``)."""
        if not gas:
            return m.GASU == 1.0                        # no gas in the SAM
        tot = sum(float(cal.xa0[i]) for i in gas)
        return m.GASU * tot == sum(float(cal.xa0[i]) * m.XAT[i] for i in gas)
    m.eq_gasu = pyo.Constraint(rule=eq_gasu, doc="domestic natural-gas use")
    reg.add("energy", "eq_gasu", "GASU")

    twh = getattr(m, "TWH", None)
    elec = [i for i in cal.sectors if cal.role[i] == "electricity"]

    def eq_twht(mm):
        """Total generation: the sum of the technologies' TWh (electricity absorption without a power block)."""
        if not twist_moves(m, "EN", ("coal", "oil", "gas")):
            return m.TWHT == m.AELEC                    # nothing to electrify: the index is the twist
        if twh is not None:
            tot0 = float(cal.power["twh"].sum())
            return m.TWHT * tot0 == sum(twh[t] for t in twh)
        if elec:
            tot = sum(float(cal.xa0[i]) for i in elec)
            return m.TWHT * tot == sum(float(cal.xa0[i]) * m.XAT[i] for i in elec)
        return m.TWHT == m.AELEC
    m.eq_twht = pyo.Constraint(rule=eq_twht, doc="total generation")
    reg.add("energy", "eq_twht", "TWHT")
