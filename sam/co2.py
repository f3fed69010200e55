"""CO2 satellite account: CEADs 2017 combustion and process CO2 placed on SAM flows.

Combustion CO2 of fuel ``f`` burnt by CEADs sector ``s`` is placed on the flows of the fuel's
*carrier* commodities (``data/fuel_carriers.csv``) bought by the activities that make up ``s``
(``data/ceads_to_io42.csv`` and the io42 column of ``data/sectors.csv``), in proportion to the
value of those flows (domestic plus imported) in the SAM.  So coal power's emissions sit on
ECOA's coal input and no CO2 sits on hydro, nuclear or new-energy power, which buy no fossil
fuel.  Non-energy use (feedstock) is not in the CEADs combustion inventory (Shan et al. 2018,
apparent-consumption method excluding non-energy use) and is therefore not taxed as combustion.
Process CO2 (cement clinker) is a separate account by emitting activity.
Units: Mt CO2.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .errors import BalanceError, InputError
from .readers import read_csv_checked

CEADS_FILE = "ceads/derived/ceads_national_2017_sector_by_fuel_MtCO2.csv"
FUELS = ["Raw Coal", "Cleaned Coal", "Other Washed Coal", "Briquettes", "Coke", "Coke Oven Gas",
         "Other Gas", "Other Coking Products", "Crude Oil", "Gasoline", "Kerosene", "Diesel Oil",
         "Fuel Oil", "LPG", "Refinery Gas", "Other Petroleum Products", "Natural Gas"]
HOUSEHOLDS = ["hh_rural", "hh_urban"]


def load_ceads(raw_dir: Path) -> pd.DataFrame:
    """CEADs 2017 national inventory: sectors x (17 fuels, Process, Scope 1 Total), Mt CO2."""
    path = Path(raw_dir) / CEADS_FILE
    cols = FUELS + ["Process", "Scope 1 Total"]
    df = read_csv_checked(path, required=["sector"] + cols, numeric=cols, nonnegative=cols)
    df = df.set_index("sector")
    calc = df[FUELS + ["Process"]].sum(axis=1)
    bad = (calc - df["Scope 1 Total"]).abs() > 1e-6 * df["Scope 1 Total"].clip(lower=1.0)
    if bad.any():
        s = bad[bad].index[0]
        raise InputError(f"{path}: row {s!r}: fuels + Process = {calc[s]:.6f} but column 'Scope 1 Total' = {df.loc[s, 'Scope 1 Total']:.6f}")
    return df


def load_mappings(data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The CEADs-sector -> io42 map and the fuel -> carrier commodities map."""
    sec = read_csv_checked(Path(data_dir) / "ceads_to_io42.csv", required=["ceads_sector", "io42"])
    fuel = read_csv_checked(Path(data_dir) / "fuel_carriers.csv", required=["fuel", "carriers"])
    return sec, fuel


def _members(io42_field: str, sectors: pd.DataFrame) -> list[str]:
    """Activities (65-level codes) or household labels behind a mapping field like '28;30'."""
    out: list[str] = []
    for part in io42_field.split(";"):
        part = part.strip()
        if part in HOUSEHOLDS:
            out.append(part)
        else:
            out += list(sectors.loc[sectors["io42"] == part, "code"])
    return out


def allocate_co2(ceads: pd.DataFrame, flows: pd.DataFrame, sectors: pd.DataFrame,
                 sec_map: pd.DataFrame, fuel_map: pd.DataFrame, data_dir: Path) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Place CEADs CO2 on SAM flows.

    ``flows`` is commodities (65 codes) x users (65 activity codes + household labels) of
    purchase values (domestic + imported, billion yuan).  Returns the combustion matrix
    (fossil commodities x users, Mt CO2), process CO2 by activity and a long table of the
    allocation (for the report).
    """
    users = list(flows.columns)
    known = set(ceads.index) - {"Total Consumption"}
    mapped = set(sec_map["ceads_sector"])
    if known - mapped:
        raise InputError(f"{Path(data_dir) / 'ceads_to_io42.csv'}: column ceads_sector: CEADs sectors without a mapping: {sorted(known - mapped)}")
    carriers = {r.fuel: [c.strip() for c in r.carriers.split(";")] for r in fuel_map.itertuples()}
    fallback = {r.fuel: [c.strip() for c in str(getattr(r, "fallback", "")).split(";") if c.strip()]
                for r in fuel_map.itertuples()}
    missing_f = [f for f in FUELS if f not in carriers]
    if missing_f:
        raise InputError(f"{Path(data_dir) / 'fuel_carriers.csv'}: column fuel: no carriers for {missing_f}")
    fossil = list(dict.fromkeys(c for f in FUELS for c in carriers[f] + fallback[f]))
    co2 = pd.DataFrame(0.0, index=fossil, columns=users)
    process = pd.Series(0.0, index=[u for u in users if u not in HOUSEHOLDS])
    log = []
    for r in sec_map.itertuples():
        members = _members(str(r.io42), sectors)
        for u in members:
            if u not in users:
                raise InputError(f"{Path(data_dir) / 'ceads_to_io42.csv'}: row {r.ceads_sector!r}, column io42: user {u} is not in the SAM")
        for f in FUELS:
            e = float(ceads.loc[r.ceads_sector, f])
            if e <= 0:
                continue
            used = carriers[f]
            base = flows.loc[used, members].clip(lower=0.0)
            if float(base.to_numpy().sum()) <= 0 and fallback[f]:
                used = fallback[f]          # e.g. a user with coke CO2 but no coke purchase in the IO table
                base = flows.loc[used, members].clip(lower=0.0)
            if float(base.to_numpy().sum()) <= 0:
                used = fossil                # last resort: any fossil fuel the user buys (logged)
                base = flows.loc[used, members].clip(lower=0.0)
            tot = float(base.to_numpy().sum())
            if tot <= 0:
                raise BalanceError(f"CO2 of {f} burnt by CEADs sector {r.ceads_sector!r} ({e:.3f} Mt) cannot be placed: its users {members} buy none of any fossil commodity in the SAM")
            co2.loc[used, members] += e * (base / tot).to_numpy()
            log.append((r.ceads_sector, f, e, ";".join(used) if used is not carriers[f] else ""))
        p = float(ceads.loc[r.ceads_sector, "Process"])
        if p > 0:
            # process CO2 is split over the member activities by their total purchases
            # (the CEADs process row is cement, whose only member activity is NMMP)
            acts = [m for m in members if m not in HOUSEHOLDS]
            w = flows.loc[:, acts].sum(axis=0)
            process[acts] += p * (w / w.sum()).to_numpy()
    co2 = co2.loc[co2.sum(axis=1) > 0]
    return co2, process, pd.DataFrame(log, columns=["ceads_sector", "fuel", "MtCO2", "fallback_carriers"])
