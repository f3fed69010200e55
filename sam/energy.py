"""Split specifications for the four energy parents (io03, io11, io24, io25).

Each ``spec_ioXX`` reads the split data files under ``sam/data/splits/`` (columns
``parent, child, item, value, unit, source, note``) and returns a :class:`~sam.split.ChildSpec`.
The economics of each split is described in the function's docstring and in ``REPORT.md``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .co2 import FUELS
from .errors import InputError
from .io_table import ExtendedIO
from .readers import read_csv_checked
from .split import ChildSpec

# quantity unit x price unit -> billion yuan
UNIT_FACTORS: dict[tuple[str, str], float] = {
    ("TWh", "yuan/kWh"): 1.0,
    ("Mt", "yuan/t"): 1e-3,
    ("bcm", "yuan/m3"): 1.0,
    ("bcm", "yuan/1000m3"): 1e-3,
    ("PJ", "yuan/GJ"): 1e-3,
}
SPLIT_COLUMNS = ["parent", "child", "item", "value", "unit", "source", "note"]


def read_split(path: Path, parent: str, children: list[str]) -> pd.DataFrame:
    """Read a split file, check parent/child codes and that every row has a source."""
    df = read_csv_checked(path, required=SPLIT_COLUMNS, numeric=["value"], allow_blank=["value"],
                          dtype={"parent": str})
    for i, r in df.iterrows():
        if r["parent"].lstrip("0") != parent.lstrip("0"):
            raise InputError(f"{path}: line {i + 2}, column parent: {r['parent']!r} is not {parent!r}")
        if r["child"] not in children + ["ALL"]:
            raise InputError(f"{path}: line {i + 2}, column child: {r['child']!r} is not a child of io{parent} ({children}) or ALL")
        if not str(r["source"]).strip():
            raise InputError(f"{path}: line {i + 2}, column source: empty source")
    return df


def item(df: pd.DataFrame, child: str, name: str, path: Path, required: bool = True) -> tuple[float, str] | None:
    """(value, unit) of one item of one child, or None when absent and not required."""
    rows = df[(df["child"] == child) & (df["item"] == name)]
    if rows.empty or pd.isna(rows["value"].iloc[0]):
        if required:
            raise InputError(f"{path}: no row with child={child!r}, item={name!r} (column value)")
        return None
    return float(rows["value"].iloc[0]), str(rows["unit"].iloc[0])


def value_bn(df: pd.DataFrame, child: str, path: Path, q: str = "quantity", p: str = "price") -> float | None:
    """Value of a child in billion yuan, or None if the file does not value it.

    Output (``q="quantity"``): an ``output_share`` row is taken as a share of the parent's
    gross output by the caller; here quantity x price.  Trade (``q="import_quantity"`` or
    ``"export_quantity"``): ``import_value``/``export_value`` if given, else quantity x the
    trade price, else quantity x the child's output price.
    """
    value_item = q.replace("quantity", "value")
    if q != "quantity":
        v = item(df, child, value_item, path, required=False)
        if v is not None:
            if v[1] != "billion yuan":
                raise InputError(f"{path}: child {child}, item {value_item}: unit must be 'billion yuan', got {v[1]!r}")
            return v[0]
    qv = item(df, child, q, path, required=False)
    pv = item(df, child, p, path, required=False) or item(df, child, "price", path, required=False)
    if qv is None or pv is None:
        return None
    key = (qv[1], pv[1])
    if key not in UNIT_FACTORS:
        raise InputError(f"{path}: child {child}: cannot multiply {qv[1]!r} by {pv[1]!r} (known: {sorted(UNIT_FACTORS)})")
    return qv[0] * pv[0] * UNIT_FACTORS[key]


def output_value(df: pd.DataFrame, child: str, path: Path, parent_go: float) -> float | None:
    """Gross output of a child (billion yuan): ``output_share`` x parent output if the row has a
    value, else quantity x price; None marks the residual child (blank ``output_share``)."""
    sh = df[(df["child"] == child) & (df["item"] == "output_share")]
    if not sh.empty:
        v = sh["value"].iloc[0]
        return None if pd.isna(v) else float(v) * parent_go
    v = value_bn(df, child, path)
    if v is None:
        raise InputError(f"{path}: child {child} has neither an output_share row nor quantity and price rows")
    return v


def _fill_residual(values: dict[str, float | None], total: float, what: str) -> pd.Series:
    """Children's values with the single missing one set to the residual of ``total``.

    If the valued children exceed the total, all valued children are scaled down so that
    the residual child keeps its share at the same scale (reported by the caller).
    """
    missing = [k for k, v in values.items() if v is None]
    if len(missing) != 1:
        raise InputError(f"{what}: exactly one child must be the residual, found {missing}")
    known = sum(v for v in values.values() if v is not None)
    out = pd.Series({k: (v if v is not None else np.nan) for k, v in values.items()}, dtype=float)
    if known >= total:
        raise InputError(f"{what}: valued children add up to {known:.1f} bn yuan, more than the parent's {total:.1f}")
    out[missing[0]] = total - known
    return out


def fuel_values(ceads: pd.DataFrame, props: pd.DataFrame, ef: pd.Series) -> pd.DataFrame:
    """Value of fuel use by CEADs sector (billion yuan) = CO2 / EF x price per TJ."""
    out = pd.DataFrame(0.0, index=ceads.index, columns=FUELS)
    for f in FUELS:
        pr = props[(props["fuel"] == f) & (props["item"] == "price")]
        nc = props[(props["fuel"] == f) & (props["item"] == "ncv")]
        if pr.empty or nc.empty:
            continue
        yuan_per_tj = float(pr["value"].iloc[0]) / float(nc["value"].iloc[0]) * 1e3
        tj = ceads[f] * 1e6 / ef[f]                      # Mt CO2 -> t CO2 / (t CO2 per TJ)
        out[f] = tj * yuan_per_tj / 1e9
    return out


# --------------------------------------------------------------------------- helpers


def _children(sectors65: pd.DataFrame, parent: str) -> list[str]:
    """Children of a 42-sector parent in ``sectors.csv`` order."""
    return list(sectors65.loc[sectors65["io42"] == parent, "code"])


def _user_cols(io: ExtendedIO) -> list[str]:
    """Parent-level columns of the extended table (sectors and final uses)."""
    return list(io.table.columns)


def _imports(io: ExtendedIO, parent: str) -> float:
    """Total imports of a parent commodity (billion yuan)."""
    return float(io.table.loc[f"m:{parent}"].sum())


def _scale_to(values: pd.Series, total: float) -> pd.Series:
    """Scale non-negative values to a total (equal shares if all zero)."""
    s = float(values.sum())
    if s <= 0:
        return pd.Series(total / len(values), index=values.index)
    return values * (total / s)


def ceads_by_io42(ceads: pd.DataFrame, sec_map: pd.DataFrame, io: ExtendedIO, parent: str,
                  values: pd.DataFrame) -> pd.DataFrame:
    """Fuel-use values (columns = fuels) by parent-level user column (sectors, hh_rural, hh_urban).

    CEADs sectors mapped to several io42 sectors are shared out by those sectors' purchases
    of the parent commodity in the NBS table.
    """
    cols = _user_cols(io)
    out = pd.DataFrame(0.0, index=cols, columns=values.columns)
    buy = io.table.loc[f"d:{parent}"] + io.table.loc[f"m:{parent}"]
    for r in sec_map.itertuples():
        members = [m.strip() for m in str(r.io42).split(";")]
        w = buy[members].clip(lower=0.0)
        w = w / w.sum() if w.sum() > 0 else pd.Series(1.0 / len(members), index=members)
        for m in members:
            out.loc[m] += values.loc[r.ceads_sector] * w[m]
    return out


# --------------------------------------------------------------------------- io24 power


def spec_io24(io: ExtendedIO, sectors65: pd.DataFrame, split_dir: Path) -> ChildSpec:
    """Electricity and heat (io24) into five generation technologies, grid, services and heat.

    * Generation children sell only to the grid (EGRD), which sells electricity to every
      user: the grid-operator structure of ORANI-G/TERM-style power modules, so that
      technology substitution happens in one place (the grid's purchases).
    * Their output shares are 2017 generation (TWh) times the on-grid tariff by technology;
      their level is the part of the sector's purchases from itself that is generation
      (``generation_share_of_intra`` x the NBS diagonal cell): the NBS table records power
      bought from generators inside sector 24.
    * HEAT = heat supplied x heat price; ESRV = a share of sector output; EGRD is the residual.
    * Fuel inputs go to the technologies that burn them (``io24_inputs.csv``): no coal, oil or
      gas on hydro, nuclear or new energy.  Value added follows each technology's cost
      structure (``va_share``, ``labour_share_of_va``).
    """
    path = split_dir / "io24.csv"
    kids = _children(sectors65, "24")
    gens, grid, srv, heat = kids[:5], "EGRD", "ESRV", "HEAT"
    df = read_split(path, "24", kids)
    go24 = float(io.gross_output["24"])
    diag = float(io.table.loc["d:24", "24"])
    gen_val = pd.Series({k: item(df, k, "generation", path)[0] * item(df, k, "tariff", path)[0] for k in gens})
    theta = item(df, grid, "generation_share_of_intra", path)[0]
    go = pd.Series(0.0, index=kids)
    go[gens] = theta * diag * gen_val / gen_val.sum()
    go[heat] = value_bn(df, heat, path)
    go[srv] = item(df, srv, "output_share", path)[0] * go24
    go[grid] = go24 - go[gens].sum() - go[heat] - go[srv]
    if go[grid] <= 0:
        raise InputError(f"{path}: the grid (EGRD) residual output is {go[grid]:.1f} bn yuan <= 0")
    im = pd.Series(0.0, index=kids)
    im[grid] = _imports(io, "24")
    cols = _user_cols(io)
    buy = io.table.loc["d:24"]
    hh_share = item(df, heat, "household_use_share", path)[0]
    v = pd.DataFrame(0.0, index=kids, columns=cols)
    firms = [c for c in cols if c not in ("hh_rural", "hh_urban", "gov", "gfcf", "stk", "exp", "24")]
    v.loc[heat, "hh_urban"] = go[heat] * hh_share
    v.loc[heat, firms] = go[heat] * (1 - hh_share) * buy[firms] / buy[firms].sum()
    v.loc[srv] = buy * go[srv] / go24
    v.loc[grid] = (buy - v.loc[heat] - v.loc[srv]).clip(lower=0.0)
    row_w = v
    # column weights: cost structures
    va_avg = float(io.table.loc[[r for r in io.table.index if r.startswith("va:")], "24"].sum()) / go24
    lab_avg = float(io.table.loc["va:lab", "24"]) / (va_avg * go24)
    va = pd.Series({k: (item(df, k, "va_share", path, False) or (va_avg, ""))[0] for k in kids})
    lab = pd.Series({k: (item(df, k, "labour_share_of_va", path, False) or (lab_avg, ""))[0] for k in kids})
    fuel = pd.Series({k: (item(df, k, "fuel_cost_share", path, False) or (0.0, ""))[0] for k in kids})
    other = (1 - va - fuel).clip(lower=0.01)
    rows = list(io.table.index)
    col_w = pd.DataFrame({r: go * other for r in rows})
    col_w["va:lab"] = go * va * lab
    col_w["va:dep"] = go * va * (1 - lab)
    col_w["va:surp"] = go * va * (1 - lab)
    col_w["va:ptax"] = go * va
    _apply_input_alloc(col_w, split_dir / "io24_inputs.csv", "24", kids)
    # the parent's purchases from itself: generation -> grid, the rest spread (assumption)
    block = pd.DataFrame(0.0, index=kids, columns=kids)
    block.loc[gens, grid] = theta * go[gens] / go[gens].sum()
    rest = 1.0 - theta
    block.loc[grid, [heat, srv]] = rest / 4 * go[[heat, srv]] / go[[heat, srv]].sum()
    block.loc[srv, [grid] + gens] = rest / 4 * go[[grid] + gens] / go[[grid] + gens].sum()
    block.loc[grid, gens] = rest / 4 * go[gens] / go[gens].sum()
    block.loc[heat, grid] = rest / 4
    notes = [f"generation valued at {gen_val.sum():.1f} bn yuan at on-grid tariffs; recorded inside io24 at "
             f"{go[gens].sum():.1f} bn (theta={theta} of the diagonal cell {diag:.1f})"]
    return ChildSpec("24", go, im, row_w=row_w, col_w=col_w, block=block, notes=notes)


def _apply_input_alloc(col_w: pd.DataFrame, path: Path, parent: str, kids: list[str]) -> None:
    """Override column weights for fuel inputs from an ``*_inputs.csv`` allocation file."""
    df = read_csv_checked(path, required=["parent", "input", "child", "value", "unit", "source", "note"],
                          numeric=["value"], nonnegative=["value"], dtype={"parent": str, "input": str})
    for i, r in df.iterrows():
        if r["child"] not in kids:
            raise InputError(f"{path}: line {i + 2}, column child: {r['child']!r} is not a child of io{parent}")
        if not str(r["source"]).strip():
            raise InputError(f"{path}: line {i + 2}, column source: empty source")
    for inp, part in df.groupby("input"):
        code = inp.zfill(2)
        tot = part["value"].sum()
        if abs(tot - 1.0) > 1e-6:
            raise InputError(f"{path}: input {code}: shares add up to {tot:.6f}, not 1 (column value)")
        w = pd.Series(0.0, index=kids)
        w[part["child"].to_list()] = part["value"].to_numpy()
        for prefix in ("d", "m"):
            col_w.loc[:, f"{prefix}:{code}"] = w.to_numpy()


# --------------------------------------------------------------------------- io25 gas supply


def spec_io25(io: ExtendedIO, sectors65: pd.DataFrame, split_dir: Path) -> ChildSpec:
    """Gas supply (io25) into gas production/purchase (GPRD), network (GNET) and services (GSRV).

    Output shares from ``io25.csv``; the fuels the sector buys (natural gas, coal, oil
    products) are inputs of GPRD only: the network and services burn none.  Users buy the
    three children in proportion to their output (a city-gas bill is gas plus distribution).
    """
    path = split_dir / "io25.csv"
    kids = _children(sectors65, "25")
    df = read_split(path, "25", kids)
    go25 = float(io.gross_output["25"])
    shares = pd.Series({k: item(df, k, "output_share", path)[0] for k in kids})
    if abs(shares.sum() - 1) > 1e-6:
        raise InputError(f"{path}: output_share rows add up to {shares.sum():.6f}, not 1 (column value)")
    go = shares * go25
    im = _scale_to(go.copy(), _imports(io, "25")) if _imports(io, "25") > 0 else pd.Series(0.0, index=kids)
    col_w = pd.DataFrame({r: go for r in io.table.index})
    fuel_rows = [f"{p}:{c}" for p in ("d", "m") for c in ("02", "03", "11")]
    for r in fuel_rows:
        col_w[r] = 0.0
        col_w.loc[kids[0], r] = 1.0
    return ChildSpec("25", go, im, col_w=col_w)


# --------------------------------------------------------------------------- io03 oil & gas


def spec_io03(io: ExtendedIO, sectors65: pd.DataFrame, split_dir: Path, fv42: pd.DataFrame) -> ChildSpec:
    """Oil and gas extraction (io03) into services/other, conventional and unconventional oil and gas.

    Output = production x price for crude, gas, unconventional oil and gas; OGEX (services and
    other products) is the residual.  Imports are crude oil and natural gas (customs values,
    scaled to the NBS import total).  Users: refining (io11) buys oil; other users buy oil and
    gas in the ratio of their CEADs combustion use; OGEX is sold pro rata.
    """
    path = split_dir / "io03.csv"
    kids = _children(sectors65, "03")
    ogex, crud, ngas, uoil, ugas = kids
    df = read_split(path, "03", kids)
    go03 = float(io.gross_output["03"])
    vals = {k: output_value(df, k, path, go03) for k in kids}
    go = _fill_residual(vals, go03, f"{path} (io03 output)")
    imv = pd.Series({k: (value_bn(df, k, path, "import_quantity", "import_price") or 0.0) for k in kids})
    if imv.sum() <= 0:
        raise InputError(f"{path}: no import_quantity/import_price or import_value rows")
    im = _scale_to(imv, _imports(io, "03"))
    cols = _user_cols(io)
    buy_d, buy_m = io.table.loc["d:03"].clip(lower=0), io.table.loc["m:03"].clip(lower=0)
    oil_frac = pd.Series(0.0, index=cols)
    fo, fg = fv42["Crude Oil"].reindex(cols).fillna(0.0), fv42["Natural Gas"].reindex(cols).fillna(0.0)
    has = (fo + fg) > 0
    oil_frac[has] = fo[has] / (fo + fg)[has]
    for c in ("11", "exp", "stk"):
        oil_frac[c] = 1.0          # refinery feedstock; exports are crude
    oil_go, gas_go = go[[crud, uoil]], go[[ngas, ugas]]

    def weights(buy: pd.Series, oil_sh: pd.Series, gas_sh: pd.Series, o_share: float) -> pd.DataFrame:
        v = pd.DataFrame(0.0, index=kids, columns=cols)
        v.loc[ogex] = buy * o_share
        rest = buy * (1 - o_share)
        for k in (crud, uoil):
            v.loc[k] = rest * oil_frac * oil_sh[k]
        for k in (ngas, ugas):
            v.loc[k] = rest * (1 - oil_frac) * gas_sh[k]
        return v

    row_w = weights(buy_d, oil_go / oil_go.sum(), gas_go / gas_go.sum(), go[ogex] / go03)
    im_oil, im_gas = im[[crud, uoil]], im[[ngas, ugas]]
    row_w_imp = weights(buy_m, _safe_share(im_oil), _safe_share(im_gas), im[ogex] / max(im.sum(), 1e-12))
    return ChildSpec("03", go, im, row_w=row_w, row_w_imp=row_w_imp,
                     notes=[f"import values scaled by {im.sum() / imv.sum():.4f} to the NBS import total"])


def _safe_share(s: pd.Series) -> pd.Series:
    """Shares of a series (equal if all zero)."""
    return s / s.sum() if s.sum() > 0 else pd.Series(1.0 / len(s), index=s.index)


# --------------------------------------------------------------------------- io11 petroleum, coking


FINAL149 = {"FU101": "hh_rural", "FU102": "hh_urban", "FU103": "gov", "FU201": "gfcf", "FU202": "stk", "EX": "exp"}
VA149 = {"VA001": "va:lab", "VA002": "va:ptax", "VA003": "va:dep", "VA004": "va:surp"}
IO11_FUELS = {"GASL": ["Gasoline"], "DISL": ["Diesel Oil"], "KERO": ["Kerosene"], "FOIL": ["Fuel Oil"],
              "LPGS": ["LPG"], "OOIL": ["Refinery Gas", "Other Petroleum Products"],
              "COKE": ["Coke", "Coke Oven Gas", "Other Coking Products"]}
NAPHTHA_USERS = ["12", "11", "exp", "stk"]


def group_uses_149(io149: pd.DataFrame, conc: pd.Series, groups: list[str], cols42: list[str]) -> pd.DataFrame:
    """Sales of 149-sector products ``groups`` to each 42-level column (billion yuan)."""
    sec = [c for c in io149.columns if c in conc.index]
    by42 = io149.loc[groups, sec].T.groupby(conc.loc[sec].to_numpy()).sum().T
    fin = io149.loc[groups, list(FINAL149)].rename(columns=FINAL149)
    return pd.concat([by42, fin], axis=1).reindex(columns=cols42).fillna(0.0)


def group_inputs_149(io149: pd.DataFrame, conc: pd.Series, groups: list[str], rows42: list[str]) -> pd.DataFrame:
    """Purchases by 149-sector ``groups`` of each 42-level row (d: and m: share the competitive row)."""
    rows = [r for r in io149.index if r in conc.index]
    by42 = io149.loc[rows, groups].groupby(conc.loc[rows].to_numpy()).sum()
    out = pd.DataFrame(0.0, index=rows42, columns=groups)
    for r in rows42:
        if r.startswith(("d:", "m:")):
            code = r[2:]
            if code in by42.index:
                out.loc[r] = by42.loc[code].to_numpy()
    for raw, lab in VA149.items():
        if lab in out.index:
            out.loc[lab] = io149.loc[raw, groups].to_numpy()
    return out


def spec_io11(io: ExtendedIO, sectors65: pd.DataFrame, split_dir: Path, io149: pd.DataFrame,
              conc: pd.Series, fv42: pd.DataFrame) -> ChildSpec:
    """Petroleum, coking and nuclear fuel (io11) into seven refinery products and four coal-processing children.

    * Refining (149-code 041) vs coal processing (042): gross output, imports, the split of
      every user's purchases and of every input come from the NBS 149-sector table.
    * Within each group: output = production x price (``io11.csv``), with OOIL (other refined
      products) and CCHM (other coal processing) as residuals; imports by customs values.
    * Within a group, each user's purchases follow its CEADs fuel use valued at 2017 prices
      (gasoline, diesel, kerosene, fuel oil, LPG, refinery gas + other products, coke); naphtha
      goes to chemicals, refining and exports; coal-to-liquids and coal chemicals are sold pro
      rata, coal-to-gas like natural gas.
    """
    path = split_dir / "io11.csv"
    kids = _children(sectors65, "11")
    g041, g042 = kids[:7], kids[7:]
    df = read_split(path, "11", kids)
    cols, rows = _user_cols(io), list(io.table.index)
    go_g = io149.loc[["041", "042"], "GO"]
    im_g = io149.loc[["041", "042"], "IM"]
    go11, im11 = float(io.gross_output["11"]), _imports(io, "11")
    if abs(go_g.sum() - go11) > 1e-6 * go11:
        raise InputError(f"149 table: GO of 041+042 = {go_g.sum():.3f} differs from io11 GO {go11:.3f}")
    go = pd.concat([
        _fill_residual({k: output_value(df, k, path, go11) for k in g041}, float(go_g["041"]), f"{path} (041 refining)"),
        _fill_residual({k: output_value(df, k, path, go11) for k in g042}, float(go_g["042"]), f"{path} (042 coal processing)"),
    ])[kids]
    im = pd.Series(0.0, index=kids)
    for grp, ks in (("041", g041), ("042", g042)):
        v = pd.Series({k: (value_bn(df, k, path, "import_quantity", "import_price") or 0.0) for k in ks})
        im[ks] = _scale_to(v if v.sum() > 0 else go[ks], float(im_g[grp]) * im11 / float(im_g.sum()))
    ex = pd.Series({k: (value_bn(df, k, path, "export_quantity", "export_price") or 0.0) for k in kids})
    # row weights = 149 group share x within-group value estimate
    grp_use = group_uses_149(io149, conc, ["041", "042"], cols).clip(lower=0.0)
    grp_share = grp_use.div(grp_use.sum(axis=0).where(grp_use.sum(axis=0) > 0, 1.0), axis=1)
    buy = (io.table.loc["d:11"] + io.table.loc["m:11"]).clip(lower=0.0)
    within = pd.DataFrame(0.0, index=kids, columns=cols)
    for k, fuels in IO11_FUELS.items():
        within.loc[k] = fv42[fuels].sum(axis=1).reindex(cols).fillna(0.0).to_numpy()
    fuel_ooil = float(within.loc["OOIL"].sum())
    nonfuel_ooil = max(float(go["OOIL"]) - fuel_ooil, 0.0)
    share_buy = buy / buy.sum()
    within.loc["OOIL"] += nonfuel_ooil * share_buy
    nb = buy[NAPHTHA_USERS]
    within.loc["NAPH", NAPHTHA_USERS] = float(go["NAPH"]) * nb / nb.sum()
    within.loc["CTLQ"] = float(go["CTLQ"]) * share_buy
    within.loc["CCHM"] = float(go["CCHM"]) * share_buy
    gas_use = fv42["Natural Gas"].reindex(cols).fillna(0.0)
    within.loc["CTGS"] = float(go["CTGS"]) * (gas_use / gas_use.sum() if gas_use.sum() > 0 else share_buy)
    if ex.sum() > 0:
        within["exp"] = ex * float(buy["exp"]) / ex.sum()
    row_w = pd.DataFrame(0.0, index=kids, columns=cols)
    for grp, ks in (("041", g041), ("042", g042)):
        w = within.loc[ks]
        tot = w.sum(axis=0)
        fallback = go[ks] / go[ks].sum()
        shares = w.div(tot.where(tot > 0, 1.0), axis=1)
        shares.loc[:, tot <= 0] = np.repeat(fallback.to_numpy()[:, None], int((tot <= 0).sum()), axis=1)
        row_w.loc[ks] = shares.mul(grp_share.loc[grp], axis=1).to_numpy()
    row_w_imp = row_w.copy()
    for grp, ks in (("041", g041), ("042", g042)):
        row_w_imp.loc[ks] = row_w.loc[ks].mul(im[ks] / go[ks], axis=0).to_numpy()
    # inventory changes are residuals of mixed sign: spread by output / import shares
    # (and re-exports of imported products by import shares)
    row_w["stk"] = np.nan
    row_w_imp[["stk", "exp"]] = np.nan
    # column weights = 149 group share of each input x within-group output share
    grp_in = group_inputs_149(io149, conc, ["041", "042"], rows).clip(lower=0.0)
    gi = grp_in.div(grp_in.sum(axis=1).where(grp_in.sum(axis=1) > 0, 1.0), axis=0)
    col_w = pd.DataFrame(0.0, index=kids, columns=rows)
    for grp, ks in (("041", g041), ("042", g042)):
        col_w.loc[ks] = np.outer(go[ks] / go[ks].sum(), gi[grp].to_numpy())
    for r in ("d:03", "m:03"):          # crude oil and gas feed refineries, not coal processing
        col_w.loc[g042, r] = 0.0
        col_w.loc[g041, r] = (go[g041] / go[g041].sum()).to_numpy()
    return ChildSpec("11", go, im, row_w=row_w, row_w_imp=row_w_imp, col_w=col_w,
                     notes=["refining (041) vs coal processing (042) from the NBS 149-sector table"])
