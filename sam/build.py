"""Build the 2017 China SAM and CO2 accounts from the raw NBS and CEADs files.

``python -m sam build`` runs :func:`build` and writes, atomically, the files under
``sam/data/`` (``sam_2017.csv``, ``import_use_2017.csv``, ``co2_2017.csv``,
``process_co2_2017.csv``) and ``sam/REPORT.md``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import assemble, co2, customs, energy, report
from .errors import BalanceError, InputError
from .io_table import FINALS, ExtendedIO, extended_io42, load_io149
from .loaders import CO2_FILE, DATA_DIR, IMPORT_FILE, PROCESS_FILE, SAM_FILE, check_balance
from .readers import atomic_write_many, frame_to_csv, read_csv_checked
from .split import split_table

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
IPCC_FILE = "emission_factors/ipcc2006_stationary_combustion_default_EF_kg_per_TJ.csv"
FINAL_USER = {"hh_rural": "hh_rural", "hh_urban": "hh_urban", "gov": "gov", "gfcf": "sav", "stk": "stk", "exp": "row"}


def default_raw_dir() -> Path:
    """Raw data folder: $CGE_RAW_DIR, else ``../shared/data/raw`` beside the repository."""
    env = os.environ.get("CGE_RAW_DIR")
    return Path(env) if env else REPO_DIR.parent / "shared" / "data" / "raw"


@dataclass
class BuildResult:
    """Everything the build computed (returned for tests and the report)."""

    sam: pd.DataFrame
    import_use: pd.DataFrame
    co2: pd.DataFrame
    process: pd.Series
    io42: ExtendedIO
    io65: ExtendedIO
    specs: dict
    diagnostics: dict
    consumption_shares: pd.DataFrame
    ceads: pd.DataFrame
    co2_log: pd.DataFrame = field(default_factory=pd.DataFrame)
    input_dir: Path = DATA_DIR
    checks: dict = field(default_factory=dict)
    duties: pd.Series = field(default_factory=pd.Series)     # import duties by sector, billion yuan
    duty_info: dict = field(default_factory=dict)


def load_ef(raw_dir: Path, data_dir: Path) -> pd.Series:
    """IPCC 2006 default CO2 factors (t CO2 per TJ) for the 17 CEADs fuels."""
    path = Path(raw_dir) / IPCC_FILE
    ipcc = read_csv_checked(path, required=["IPCC 2006 Source/Sink Category", "Gas", "Fuel 2006", "Value"],
                            numeric=["Value"], nonnegative=["Value"])
    ipcc = ipcc[(ipcc["Gas"] == "CARBON DIOXIDE") & ipcc["IPCC 2006 Source/Sink Category"].str.startswith("1.A.1")]
    ipcc = ipcc.drop_duplicates("Fuel 2006").set_index("Fuel 2006")["Value"]
    mp = read_csv_checked(Path(data_dir) / "fuel_ef_map.csv", required=["fuel", "ipcc_fuel"])
    out = {}
    for i, r in mp.iterrows():
        if r["ipcc_fuel"] not in ipcc.index:
            raise InputError(f"{Path(data_dir) / 'fuel_ef_map.csv'}: line {i + 2}, column ipcc_fuel: {r['ipcc_fuel']!r} not in {path}")
        out[r["fuel"]] = float(ipcc[r["ipcc_fuel"]]) / 1000.0
    return pd.Series(out)


def load_fuel_props(data_dir: Path) -> pd.DataFrame:
    """Fuel prices and net calorific values (``fuel_properties.csv``)."""
    return read_csv_checked(Path(data_dir) / "fuel_properties.csv",
                            required=["fuel", "item", "value", "unit", "source", "note"],
                            numeric=["value"], nonnegative=["value"])


def import_use_matrix(io65: ExtendedIO, labels: list[str]) -> pd.DataFrame:
    """Imported part of every commodity flow, SAM labels (commodity rows x user columns)."""
    S = io65.sectors
    m = io65.table.loc[[f"m:{s}" for s in S]]
    out = pd.DataFrame(0.0, index=[f"c_{s}" for s in S], columns=[l for l in labels])
    out.loc[:, [f"a_{s}" for s in S]] = m[S].to_numpy()
    for k, acct in FINAL_USER.items():
        out[acct] = m[k].to_numpy()
    keep = [f"a_{s}" for s in S] + list(dict.fromkeys(FINAL_USER.values()))
    return out[keep]


def user_flows(sam: pd.DataFrame, sectors: list[str]) -> pd.DataFrame:
    """Purchases (domestic + imported) of every commodity by activities and households, by code."""
    users = [f"a_{s}" for s in sectors] + ["hh_rural", "hh_urban"]
    f = sam.loc[[f"c_{s}" for s in sectors], users].copy()
    f.index = sectors
    f.columns = sectors + ["hh_rural", "hh_urban"]
    return f


def build(raw_dir: Path | str | None = None, data_dir: Path | str | None = None) -> BuildResult:
    """Compute the SAM, import-use matrix and CO2 accounts (nothing is written)."""
    raw = Path(raw_dir) if raw_dir else default_raw_dir()
    data = Path(data_dir) if data_dir else DATA_DIR
    if not raw.exists():
        raise InputError(f"{raw}: raw data folder not found (set CGE_RAW_DIR or put shared/ beside the repository)")
    sectors65 = read_csv_checked(data / "sectors.csv", required=["index", "code", "io42"], dtype={"io42": str})
    io42, cshares = extended_io42(raw)
    io149, conc = load_io149(raw)
    ceads = co2.load_ceads(raw)
    sec_map, fuel_map = co2.load_mappings(data)
    ef = load_ef(raw, data)
    fv = energy.fuel_values(ceads.drop(index="Total Consumption"), load_fuel_props(data), ef)
    split_dir = data / "splits"
    fv_by = {p: energy.ceads_by_io42(ceads, sec_map, io42, p, fv) for p in ("03", "11")}
    specs = {
        "03": energy.spec_io03(io42, sectors65, split_dir, fv_by["03"]),
        "11": energy.spec_io11(io42, sectors65, split_dir, io149, conc, fv_by["11"]),
        "24": energy.spec_io24(io42, sectors65, split_dir),
        "25": energy.spec_io25(io42, sectors65, split_dir),
    }
    io65, diag = split_table(io42, sectors65, specs, FINALS)
    inst_path = data / "institutions.csv"
    inst = assemble.load_institutions(inst_path)
    imports = pd.Series(io65.table.loc[[f"m:{s}" for s in io65.sectors]].to_numpy().sum(axis=1), index=io65.sectors)
    duty, duty_info = customs.duties(data, imports)
    sam = assemble.build_sam(io65, inst, inst_path, duty)
    check_balance(sam, where="built SAM")
    imp = import_use_matrix(io65, list(sam.columns))
    flows = user_flows(sam, io65.sectors)
    comb, process, log = co2.allocate_co2(ceads, flows, sectors65, sec_map, fuel_map, data)
    res = BuildResult(sam, imp, comb, process, io42, io65, specs, diag, cshares, ceads, log)
    res.input_dir = data
    res.duties, res.duty_info = duty, duty_info
    res.checks = report.checks(res)
    return res


def write(res: BuildResult, data_dir: Path | str | None = None, report_path: Path | str | None = None) -> list[Path]:
    """Write the build outputs atomically (all files or none); returns the paths written."""
    data = Path(data_dir) if data_dir else DATA_DIR
    rep = Path(report_path) if report_path else PACKAGE_DIR / "REPORT.md"
    files = {
        data / SAM_FILE: frame_to_csv(res.sam, "account"),
        data / IMPORT_FILE: frame_to_csv(res.import_use, "commodity"),
        data / CO2_FILE: frame_to_csv(res.co2, "fossil_commodity"),
        data / PROCESS_FILE: frame_to_csv(res.process.to_frame("process_co2_Mt"), "activity"),
        rep: report.render(res, res.input_dir),
    }
    atomic_write_many(files)
    return list(files)
