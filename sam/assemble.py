"""Assemble the square SAM from the 65-sector extended IO table and institutional flows.

Convention: ``SAM.loc[row, col]`` is a payment from account ``col`` to account ``row``
(receipts along rows, expenditures down columns), billion yuan at 2017 producer prices.

Accounts (labels): activities ``a_<code>``, commodities ``c_<code>``, factors ``lab`` (labour,
compensation of employees) and ``cap`` (capital: depreciation plus operating surplus), taxes
``ptax`` (net taxes on production) and ``tariff`` (import duties: the NBS table values imports
inclusive of duties; :mod:`sam.customs` carves the 2017 customs duties out of the import row, so
row ``row`` holds CIF imports and row ``tariff`` the duties, paid to the government), institutions
``hh_rural``, ``hh_urban``, ``ent`` (enterprises), ``gov``, then ``sav`` (savings-investment),
``stk`` (change in inventories) and ``row`` (rest of the world).

Household, enterprise and government saving and foreign saving are residuals (income minus
spending); the savings-investment account then balances by Walras' law.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError
from .io_table import ExtendedIO
from .readers import read_csv_checked

FACTORS = ["lab", "cap"]
TAXES = ["ptax", "tariff"]
HOUSEHOLDS = ["hh_rural", "hh_urban"]
INSTITUTIONS = HOUSEHOLDS + ["ent", "gov"]
OTHER = ["sav", "stk", "row"]
PARTIES = {"hh_urban", "hh_rural", "households", "enterprises", "government", "row"}
LABEL = {"enterprises": "ent", "government": "gov", "row": "row", "hh_urban": "hh_urban", "hh_rural": "hh_rural"}
# which urban share splits a flow paid to or by "households"
SHARE_KEY = {
    "social_contributions": "urban_share_of_wage_income",
    "personal_income_tax": "urban_share_of_income_tax",
    "property_income_net": "urban_share_of_property_income",
}
DEFAULT_SHARE_KEY = "urban_share_of_transfer_income"


def account_labels(sectors: list[str]) -> list[str]:
    """All SAM account labels in order."""
    return [f"a_{s}" for s in sectors] + [f"c_{s}" for s in sectors] + FACTORS + TAXES + INSTITUTIONS + OTHER


def load_institutions(path: Path) -> pd.DataFrame:
    """Read ``institutions.csv`` (item, payer, receiver, value, unit, source, note) with checks."""
    df = read_csv_checked(path, required=["item", "payer", "receiver", "value", "unit", "source", "note"],
                          numeric=["value"])
    for i, r in df.iterrows():
        for col in ("payer", "receiver"):
            if r[col] not in PARTIES:
                raise InputError(f"{path}: line {i + 2}, column {col}: unknown institution {r[col]!r} (allowed: {sorted(PARTIES)})")
        if not str(r["source"]).strip():
            raise InputError(f"{path}: line {i + 2}, column source: empty source")
        if r["item"].startswith("urban_share") and not 0 <= r["value"] <= 1:
            raise InputError(f"{path}: line {i + 2}, column value: share {r['value']} outside [0, 1]")
    return df


def _shares(inst: pd.DataFrame, path: Path) -> dict[str, float]:
    """Urban shares by income type (fraction of the household total going to urban households)."""
    rows = inst[inst["item"].str.startswith("urban_share")]
    return dict(zip(rows["item"], rows["value"]))


def institution_flows(inst: pd.DataFrame, path: Path) -> list[tuple[str, str, float, str]]:
    """Transfers as (payer, receiver, billion yuan, item); 'households' split urban/rural.

    Flows named ``fof_*`` or ``urban_share*`` are reference values, not flows.  A negative
    net flow is recorded as a positive flow in the opposite direction.
    """
    shares = _shares(inst, path)
    out: list[tuple[str, str, float, str]] = []
    for i, r in inst.iterrows():
        item = str(r["item"])
        if item.startswith("fof_") or item.startswith("urban_share"):
            continue
        if str(r["unit"]).strip() != "billion yuan":
            raise InputError(f"{path}: line {i + 2}, column unit: flows must be in 'billion yuan', got {r['unit']!r}")
        payer, receiver, v = r["payer"], r["receiver"], float(r["value"])
        if v < 0:
            payer, receiver, v = receiver, payer, -v
        parts = [(payer, receiver, v)]
        if "households" in (payer, receiver):
            key = SHARE_KEY.get(item, DEFAULT_SHARE_KEY)
            if key not in shares:
                raise InputError(f"{path}: row item={key!r} needed to split {item!r} between urban and rural households is missing")
            s = shares[key]
            other = receiver if payer == "households" else payer
            if payer == "households":
                parts = [("hh_urban", other, v * s), ("hh_rural", other, v * (1 - s))]
            else:
                parts = [(other, "hh_urban", v * s), (other, "hh_rural", v * (1 - s))]
        for p, q, x in parts:
            out.append((LABEL[p], LABEL[q], x, item))
    return out


def build_sam(io65: ExtendedIO, inst: pd.DataFrame, inst_path: Path, duty: pd.Series | None = None) -> pd.DataFrame:
    """The balanced square SAM (billion yuan) from the 65-sector table and institutional flows;
    ``duty`` (billion yuan by sector code, from :func:`sam.customs.duties`) goes to the tariff account."""
    T = io65.table
    S = io65.sectors
    labels = account_labels(S)
    sam = pd.DataFrame(0.0, index=labels, columns=labels)
    a = [f"a_{s}" for s in S]
    c = [f"c_{s}" for s in S]
    dom = T.loc[[f"d:{s}" for s in S]].to_numpy()
    imp = T.loc[[f"m:{s}" for s in S]].to_numpy()
    comp = pd.DataFrame(dom + imp, index=c, columns=T.columns)
    sam.loc[c, a] = comp[S].to_numpy()                       # intermediate demand (composite)
    go = T[S].sum(axis=0).to_numpy()
    sam.loc[a, c] = np.diag(go)                              # domestic output sold to its commodity
    duty_c = np.zeros(len(S)) if duty is None else duty.reindex(S).fillna(0.0).to_numpy()
    if (duty_c > imp.sum(axis=1) + 1e-12).any():
        k = int(np.argmax(duty_c - imp.sum(axis=1)))
        raise InputError(f"import duty of {S[k]} ({duty_c[k]:g}) exceeds its imports ({imp.sum(axis=1)[k]:g})")
    sam.loc["row", c] = imp.sum(axis=1) - duty_c             # imports CIF (the IO values include duties)
    sam.loc["tariff", c] = duty_c                            # import duties
    sam.loc["lab", a] = T.loc["va:lab", S].to_numpy()
    sam.loc["cap", a] = (T.loc["va:dep", S] + T.loc["va:surp", S]).to_numpy()
    sam.loc["ptax", a] = T.loc["va:ptax", S].to_numpy()
    for k, acct in (("hh_rural", "hh_rural"), ("hh_urban", "hh_urban"), ("gov", "gov"),
                    ("gfcf", "sav"), ("stk", "stk"), ("exp", "row")):
        sam.loc[c, acct] = comp[k].to_numpy()
    sam.loc["stk", "sav"] = comp["stk"].sum()
    sam.loc["gov", "ptax"] = sam.loc["ptax", a].sum()
    sam.loc["gov", "tariff"] = float(duty_c.sum())
    sam.loc["ent", "cap"] = sam.loc["cap", a].sum()
    flows = institution_flows(inst, inst_path)
    shares = _shares(inst, inst_path)
    if "urban_share_of_wage_income" not in shares:
        raise InputError(f"{inst_path}: row item='urban_share_of_wage_income' is required to pay labour income to households")
    labour = sam.loc["lab", a].sum()
    sam.loc["hh_urban", "lab"] = labour * shares["urban_share_of_wage_income"]   # wages to urban households
    sam.loc["hh_rural", "lab"] = labour * (1 - shares["urban_share_of_wage_income"])
    for p, q, x, item in flows:
        sam.loc[q, p] += x                                   # transfer from payer (column) to receiver (row)
    # residual saving of each institution and of the rest of the world
    for acct in INSTITUTIONS + ["row"]:
        sam.loc["sav", acct] = 0.0
        sam.loc["sav", acct] = sam.loc[acct].sum() - sam[acct].sum()
    return sam


def imbalance(sam: pd.DataFrame) -> pd.Series:
    """Row total minus column total by account (billion yuan)."""
    return sam.sum(axis=1) - sam.sum(axis=0)
