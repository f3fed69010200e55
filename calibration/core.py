"""Calibration: benchmark quantities, shares and elasticities from a SAM (no Pyomo here).

Every benchmark price is 1, so SAM values are benchmark quantities (billion yuan at 2017
prices).  The model works with variables normalised to 1 at the benchmark; the base
values below scale them (ENVISAGE's ``x * x0`` practice).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

import sam as samlib
from sam.errors import InputError
from sam.readers import read_csv_checked

from .elasticities import DATA_DIR, by_sector, load_elasticities, load_sector_groups

HOUSEHOLDS = ["hh_rural", "hh_urban"]
ROLES = ("coal", "oil", "gas", "electricity", "generation")


@dataclass
class Calibration:
    """Benchmark data and parameters of the model, as labelled pandas objects.

    Units: billion yuan (2017 prices) for values, Mt CO2 for emissions, Mt per billion yuan
    for CO2 coefficients.
    """

    sectors: list[str]
    sam: pd.DataFrame
    xp0: pd.Series                 # gross output by activity
    z0: pd.DataFrame               # intermediate use, commodity x activity (composite)
    role: pd.Series                # energy role by commodity ('' for non-energy)
    feedstock: pd.DataFrame        # bool, commodity x activity: energy used as a material
    lab0: pd.Series                # labour income by activity
    cap0: pd.Series                # capital income by activity
    tp: pd.Series                  # net production tax rate on output value
    hh0: pd.DataFrame              # consumption, commodity x household
    gov0: pd.Series                # government consumption by commodity
    inv0: pd.Series                # fixed investment by commodity
    stk0: pd.Series                # change in inventories by commodity
    exp0: pd.Series                # exports by commodity
    imp0: pd.Series                # imports by commodity
    xd0: pd.Series                 # domestic sales of domestic output = output - exports
    xa0: pd.Series                 # Armington absorption = domestic sales + imports
    transfers: pd.DataFrame        # institution x institution payments (row receives from column)
    co2: pd.DataFrame              # Mt CO2, commodity x user (activities, households)
    co2coef: pd.DataFrame          # Mt per billion yuan of flow, commodity x user
    process0: pd.Series            # process CO2 (Mt) by activity
    elasticity: dict[str, pd.Series] = field(default_factory=dict)   # parameter -> by sector
    elasticity_table: pd.DataFrame | None = None
    power: pd.DataFrame | None = None   # generation technologies: twh (TWh) and gw (GW) in 2017
    households: list[str] = field(default_factory=lambda: list(HOUSEHOLDS))   # from sam.accounts(), SAM order
    tariff0: pd.Series | None = None    # import duties by commodity (billion yuan); imp0 is then CIF
    has_ent: bool = True                # the SAM has an enterprise account ``ent``
    cons_category: pd.Series | None = None   # commodity -> household consumption category (LES income elasticities)

    def __post_init__(self) -> None:
        if self.tariff0 is None:
            self.tariff0 = pd.Series(0.0, index=self.sectors)

    @property
    def tm0(self) -> pd.Series:
        """Benchmark ad-valorem import duty rate on the CIF value (0 where there are no imports)."""
        return (self.tariff0 / self.imp0.where(self.imp0 > 0, 1.0)).where(self.imp0 > 0, 0.0)

    @property
    def users(self) -> list[str]:
        """Users that can burn fuel: activities plus households."""
        return self.sectors + self.households

    def benchmark_co2(self) -> float:
        """Total benchmark CO2 (combustion + process), Mt."""
        return float(self.co2.to_numpy().sum() + self.process0.sum())


def load_roles(sectors: list[str], path: Path | None = None) -> pd.Series:
    """Energy role of each commodity ('' when not an energy good); unknown codes are ignored."""
    path = path or DATA_DIR / "energy_roles.csv"
    df = read_csv_checked(path, required=["code", "role"])
    for i, r in df.iterrows():
        if r["role"] not in ROLES:
            raise InputError(f"{path}: line {i + 2}, column role: {r['role']!r} not one of {ROLES}")
    s = pd.Series("", index=sectors, dtype=object)
    known = df[df["code"].isin(sectors)]
    s[known["code"].to_list()] = known["role"].to_list()
    return s


def load_consumption_categories(path: Path | str | None = None) -> pd.Series:
    """Commodity code -> household consumption category (``behaviour/consumption_categories.csv``): the
    category whose income elasticity the linear expenditure system gives the commodity."""
    path = Path(path) if path else DATA_DIR / "behaviour" / "consumption_categories.csv"
    df = read_csv_checked(path, required=["code", "category"])
    dup = df["code"][df["code"].duplicated()]
    if len(dup):
        raise InputError(f"{path}: column code: commodity {dup.iloc[0]!r} appears twice")
    s = df.set_index("code")["category"].astype(str)
    s.attrs["path"] = str(path)
    return s


def load_feedstock(sectors: list[str], path: Path | None = None) -> pd.DataFrame:
    """Commodity x activity flags: energy commodities used as materials (no substitution)."""
    path = path or DATA_DIR / "feedstock.csv"
    df = read_csv_checked(path, required=["commodity", "user"])
    out = pd.DataFrame(False, index=sectors, columns=sectors)
    for r in df.itertuples():
        if r.commodity in sectors and r.user in sectors:
            out.loc[r.commodity, r.user] = True
    return out


def load_power(sectors: list[str], role: pd.Series, path: Path | None = None) -> pd.DataFrame | None:
    """2017 generation (TWh) and capacity (GW) of the generation technologies (``power_2017.csv``),
    or None when the SAM has none of them; every generation technology needs a row."""
    path = path or DATA_DIR / "power_2017.csv"
    gen = [s for s in sectors if role[s] == "generation"]
    if not gen:
        return None
    df = read_csv_checked(path, required=["code", "twh", "unit", "source"], numeric=["twh"])
    missing = sorted(set(gen) - set(df["code"]))
    if missing:
        raise InputError(f"{path}: column code: no row for generation technology {missing[0]}")
    bad = df[df["twh"] <= 0]
    if len(bad):
        raise InputError(f"{path}: line {int(bad.index[0]) + 2}, column twh: must be positive")
    cols = [c for c in ("twh", "gw", "flh_min", "flh_max") if c in df.columns]
    return df.set_index("code").loc[gen, cols].astype(float)


# (row kind, column kind) of the SAM cells the model uses; any other non-zero cell is an error
USED_CELLS = {
    ("commodity", "activity"): "intermediate use", ("activity", "commodity"): "domestic output (diagonal only)",
    ("factor", "activity"): "value added", ("tax", "activity"): "production tax (ptax only)",
    ("commodity", "household"): "household consumption", ("commodity", "government"): "government consumption",
    ("commodity", "savings"): "fixed investment", ("commodity", "inventories"): "change in inventories",
    ("commodity", "rest_of_world"): "exports", ("rest_of_world", "commodity"): "imports (CIF)",
    ("tax", "commodity"): "import duties (tariff only)", ("household", "factor"): "factor income of households",
    ("enterprise", "factor"): "factor income of enterprises", ("government", "tax"): "tax revenue",
    ("household", "enterprise"): "distributed profits", ("government", "enterprise"): "enterprise tax and property income",
    ("savings", "enterprise"): "enterprise saving", ("rest_of_world", "enterprise"): "enterprise payments abroad",
    ("household", "government"): "government transfers", ("savings", "government"): "government saving",
    ("government", "household"): "direct taxes", ("savings", "household"): "household saving",
    ("rest_of_world", "household"): "household transfers abroad", ("household", "rest_of_world"): "transfers from abroad",
    ("enterprise", "rest_of_world"): "primary income from abroad", ("savings", "rest_of_world"): "foreign saving",
    ("inventories", "savings"): "finance of inventories",
}


def check_cells(S: pd.DataFrame, acc: pd.DataFrame, where: str = "SAM") -> None:
    """Every non-zero cell is one the model uses, else an error naming the account and the cell."""
    kind = acc["kind"].to_dict()
    for r, c in zip(*np.nonzero(S.to_numpy())):
        row, col = S.index[r], S.columns[c]
        key = (kind[row], kind[col])
        ok = key in USED_CELLS
        if key == ("activity", "commodity"):
            ok = row[2:] == col[2:]
        elif key == ("tax", "activity"):
            ok = row == "ptax"
        elif key == ("tax", "commodity"):
            ok = row == "tariff"
        elif key == ("factor", "activity"):
            ok = row in ("lab", "cap")
        if not ok:
            raise InputError(f"{where}: account {col!r} pays {row!r} {S.iat[r, c]:g} (cell row {row!r}, column {col!r}), "
                             f"a {kind[col]} -> {kind[row]} flow the model does not use; remove it or map it to a used cell")


def _is_shipped(S: pd.DataFrame) -> bool:
    """True when ``S`` is the shipped 2017 SAM (same accounts and values)."""
    ref = samlib.load_sam()
    return S.shape == ref.shape and list(S.index) == list(ref.index) and np.allclose(S.to_numpy(), ref.to_numpy(), rtol=0, atol=1e-9)


def calibrate(sam: pd.DataFrame | None = None, elasticities: pd.DataFrame | None = None,
              co2: pd.DataFrame | None = None, process: pd.Series | None = None,
              groups: pd.Series | None = None, roles: dict[str, str] | None = None,
              categories: pd.Series | None = None) -> Calibration:
    """Benchmark and parameters from a SAM in the ``sam`` package's format.

    ``sam`` defaults to ``sam.load_sam()`` and ``elasticities`` to
    ``calibration.load_elasticities()``; CO2 accounts default to the shipped ones when the
    SAM is the shipped one (passed or not), else to zero.  ``categories`` (commodity -> household
    consumption category, :func:`load_consumption_categories`) defaults to the shipped mapping.  Works for
    any SAM in that format (the toy SAM too).
    """
    S = samlib.load_sam() if sam is None else sam
    shipped = sam is None or _is_shipped(sam)
    samlib.check_balance(S)
    acc = samlib.accounts(S)
    check_cells(S, acc)
    households = list(acc.index[acc["kind"] == "household"])
    if not households:
        raise InputError("SAM: no household account (labels hh_<name>)")
    for need in ("lab", "cap", "gov", "sav", "row"):
        if need not in acc.index:
            raise InputError(f"SAM: account {need!r} is missing")
    has_ent = "ent" in acc.index
    sectors = samlib.sectors_of(S)
    a = [f"a_{s}" for s in sectors]
    c = [f"c_{s}" for s in sectors]
    xp0 = pd.Series(S.loc[a].sum(axis=1).to_numpy(), index=sectors)
    if (xp0 <= 0).any():
        raise InputError(f"SAM: activity {xp0[xp0 <= 0].index[0]} has no output")
    z0 = pd.DataFrame(S.loc[c, a].to_numpy(), index=sectors, columns=sectors)
    lab0 = pd.Series(S.loc["lab", a].to_numpy(), index=sectors)
    cap0 = pd.Series(S.loc["cap", a].to_numpy(), index=sectors)
    tp = (pd.Series(S.loc["ptax", a].to_numpy(), index=sectors) / xp0 if "ptax" in acc.index
          else pd.Series(0.0, index=sectors))
    col = lambda k: pd.Series(S.loc[c, k].to_numpy(), index=sectors)
    hh0 = pd.DataFrame({h: col(h) for h in households})
    zero = pd.Series(0.0, index=sectors)
    gov0, inv0, exp0 = col("gov"), col("sav"), col("row")
    stk0 = col("stk") if "stk" in acc.index else zero
    imp0 = pd.Series(S.loc["row", c].to_numpy(), index=sectors)                # CIF
    tariff0 = pd.Series(S.loc["tariff", c].to_numpy(), index=sectors) if "tariff" in acc.index else zero
    bad = tariff0[(tariff0 != 0) & (imp0 <= 0)]
    if len(bad):
        raise InputError(f"SAM: cell row 'tariff', column 'c_{bad.index[0]}': import duty {bad.iloc[0]:g} on a commodity without imports")
    xd0 = xp0 - exp0
    if (xd0 < -1e-9).any():
        raise InputError(f"SAM: exports of {xd0.idxmin()} exceed its output")
    xa0 = xd0 + imp0 + tariff0                                                 # absorption at domestic prices
    inst = ["lab", "cap", "ptax", "tariff"] + households + ["ent", "gov", "sav", "row"]
    transfers = S.reindex(index=inst, columns=inst).fillna(0.0)
    if co2 is None:
        co2 = samlib.load_co2() if shipped else pd.DataFrame(0.0, index=sectors, columns=sectors + households)
    if process is None:
        process = samlib.load_process_co2() if shipped else pd.Series(0.0, index=sectors)
    co2 = co2.reindex(index=sectors, columns=sectors + households).fillna(0.0)
    flows = pd.concat([z0, hh0], axis=1)
    if ((co2 > 0) & (flows <= 0)).to_numpy().any():
        i, j = np.argwhere(((co2 > 0) & (flows <= 0)).to_numpy())[0]
        raise InputError(f"CO2 account: {co2.index[i]} -> {co2.columns[j]} has CO2 but no SAM flow")
    co2coef = (co2 / flows.where(flows > 0, 1.0)).where(co2 > 0, 0.0)
    process0 = process.reindex(sectors).fillna(0.0)
    el = load_elasticities() if elasticities is None else elasticities
    grp = load_sector_groups() if groups is None else groups
    params = sorted(set(el["parameter"]))
    elast = {p: by_sector(el, grp, p, sectors) for p in params}
    role = load_roles(sectors)
    for k, v in (roles or {}).items():
        if v not in ROLES + ("",):
            raise InputError(f"calibrate(roles=...): role {v!r} of {k} not one of {ROLES}")
        role[k] = v
    return Calibration(sectors, S, xp0, z0, role, load_feedstock(sectors), lab0, cap0, tp,
                       hh0, gov0, inv0, stk0, exp0, imp0, xd0, xa0, transfers, co2, co2coef, process0,
                       elast, el, load_power(sectors, role), households, tariff0, has_ent,
                       load_consumption_categories() if categories is None else categories)
