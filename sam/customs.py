"""Import duties of 2017 for the SAM's ``tariff`` account, and government property income for the report.

The NBS input-output table values imports inclusive of import duties (``sam/data/institutions.csv``), so
the duties are carved out of the import row, not added on top: ``row, c_i`` becomes the CIF value
``M_i - duty_i`` and ``tariff, c_i`` the duty; the government receives the total (``gov, tariff``).

Control total: the Ministry of Finance final accounts, line 关税 (``customs_duties_2017.csv``, row
``customs_duties_mof_bn``). Distribution over commodities (``sam/data/customs/SOURCES.md``, section 2):
``duty_i = T w_i / sum_j w_j`` with ``w_i = tau_i / (1 + tau_i) M_i``, ``tau_i`` the GTAP 11 applied
rate of ``tariff_rates_by_sector.csv`` and ``M_i`` the duty-inclusive imports of the IO table. The
scaling assumes the gap between GTAP's applied rates and the duty collected (processing trade,
exemptions) is the same share for every commodity: an assumption, stated in SOURCES.md.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .errors import InputError
from .readers import read_csv_checked

CUSTOMS_DIR = "customs"
DUTIES_FILE = "customs_duties_2017.csv"
RATES_FILE = "tariff_rates_by_sector.csv"
PROPERTY_FILE = "government_property_income_2017.csv"
CONTROL_ITEM = "customs_duties_mof_bn"          # billion yuan
CROSS_CHECK_ITEM = "customs_and_other_import_duties_gfs"


def _item(df: pd.DataFrame, item: str, path: Path) -> pd.Series:
    rows = df[df["item"] == item]
    if rows.empty:
        raise InputError(f"{path}: row item={item!r} is missing")
    return rows.iloc[0]


def duties(data_dir: Path, imports: pd.Series) -> tuple[pd.Series, dict]:
    """Import duties by commodity code (billion yuan) for duty-inclusive ``imports`` by code, and the
    facts the report shows (control total, cross-check, sources)."""
    d = Path(data_dir) / CUSTOMS_DIR
    p_tot, p_rate = d / DUTIES_FILE, d / RATES_FILE
    tot = read_csv_checked(p_tot, required=["item", "value", "unit", "status", "source", "note"], numeric=["value"])
    ctrl = _item(tot, CONTROL_ITEM, p_tot)
    if str(ctrl["unit"]).strip() != "billion yuan":
        raise InputError(f"{p_tot}: row item={CONTROL_ITEM!r}, column unit: expected 'billion yuan', got {ctrl['unit']!r}")
    T = float(ctrl["value"])
    rates = read_csv_checked(p_rate, required=["code", "tms_gtap11_2017_pct", "source"], numeric=["tms_gtap11_2017_pct"],
                             nonnegative=["tms_gtap11_2017_pct"])
    tau = rates.set_index("code")["tms_gtap11_2017_pct"] / 100.0
    missing = [c for c in imports.index if c not in tau.index]
    if missing:
        raise InputError(f"{p_rate}: column code: no row for sector {missing[0]}")
    w = tau.reindex(imports.index) / (1 + tau.reindex(imports.index)) * imports
    if w.sum() <= 0:
        raise InputError(f"{p_rate}: column tms_gtap11_2017_pct: no duty on any imported commodity")
    duty = T * w / w.sum()
    gfs = _item(tot, CROSS_CHECK_ITEM, p_tot)
    src = str(ctrl["source"])
    if src.startswith("same as "):                 # the billion-yuan row points at the row in 亿元
        src = str(_item(tot, src[len("same as "):].strip(), p_tot)["source"])
    info = dict(total=T, total_source=src, total_status=str(ctrl["status"]),
                gfs=float(gfs["value"]), gfs_source=str(gfs["source"]), gfs_status=str(gfs["status"]),
                unscaled=float(w.sum()), scale=float(T / w.sum()), rates_source=str(rates["source"].iloc[0]))
    return duty, info


def property_income(data_dir: Path) -> pd.DataFrame:
    """Government property income rows (2019 flow of funds and the 2017 proxies) for the report."""
    p = Path(data_dir) / CUSTOMS_DIR / PROPERTY_FILE
    df = read_csv_checked(p, required=["item", "sector", "side", "year", "value", "unit", "status", "source", "note"],
                          numeric=["value"])
    return df[df["sector"] == "general_government"].reset_index(drop=True)
