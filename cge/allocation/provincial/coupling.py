"""Provincial quotas coupled to the CGE: ``run(results, scenario, year, rules)``.

From ``results.nc`` (dims scenario, year, sector) for one scenario and year:

* **cap** = the scenario's national CO2 (``co2``, Mt); **price** = its carbon price (yuan/t, 2017 prices);
* **projected emissions by province**: each province's CEADs CO2 by CEADs sector in the base year
  (``data/ceads_provincial_co2_by_sector.csv``) grown by the CGE's CO2 change of the
  same sector group, ``projected_p = sum_g base_p,g x co2_g(scenario, year) / co2_g(scenario, base)``,
  then scaled so that the 30 provinces add up to the national CO2 of the scenario and year.
  Groups: the io42 field of each CEADs sector in ``sam/data/ceads_to_io42.csv`` (the SAM's own map),
  whose SAM sectors come from the io42 column of ``sam/data/sectors.csv``; households = CEADs Urban +
  Rural rows against the CGE's ``co2_household``. Base year = the first year of the results (2017, the
  SAM year) when CEADs has it, else the latest CEADs year. Assumption (labelled): the provincial
  sum exceeds the national inventory by ~8 % (CEADs 2017: 10,171 vs 9,408 Mt), so only provincial
  *shares* are used; the final scaling removes the level gap;
* every method's quota, ``surplus = quota - projected`` (Mt) and ``trade_value = surplus x price / 1000``
  (billion yuan). Because the cap is the scenario's own emissions, surpluses add up to zero.

Outputs (``out``): ``<scenario>_<year>.nc`` and ``.csv`` (atomic), ``<scenario>_<year>_metrics.csv/.md``
and PNG figures. A method that fails is recorded in ``attrs['status']`` and left out; the others go on.
"""
from __future__ import annotations

import inspect
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from sam.errors import InputError

from ...paths import sam_data_dir
from . import panel as provincial
from .rules import check_cap, latest_year, resolve_rules, get_rule, REL_TOL

log = logging.getLogger("cge.allocation")
SAM_DATA = sam_data_dir()
SECTOR_CO2_FILE = "ceads_provincial_co2_by_sector.csv"
HOUSEHOLD_GROUP = "households"
# map labels: ISO 3166-2:CN two-letter province codes (labels only)
ISO = dict(zip(provincial.PROVINCES, "BJ TJ HE SX NM LN JL HL SH JS ZJ AH FJ JX SD HA HB HN GD GX HI CQ SC GZ YN SN GS QH NX XJ".split()))


# ----------------------------------------------------------------------------- inputs from results.nc


def load_results(results: str | Path | xr.Dataset) -> xr.Dataset:
    """results.nc as a Dataset: a Dataset, a file, or a folder holding ``results.nc``."""
    if isinstance(results, xr.Dataset):
        return results
    path = Path(results)
    path = path / "results.nc" if path.is_dir() else path
    if not path.exists():
        raise InputError(f"results file {path} not found; run `cge run` first")
    from ...runner import _read
    return _read(path)


def national(res: xr.Dataset, scenario: str, year: int) -> tuple[float, float]:
    """(cap in Mt CO2, carbon price in yuan/t) of ``scenario`` in ``year``, both checked."""
    for d in ("scenario", "year"):
        if d not in res.dims:
            raise InputError(f"results: dimension {d!r} missing (not a `cge run` results file)")
    for v in ("co2", "carbon_price", "co2_sector", "co2_household"):
        if v not in res:
            raise InputError(f"results: variable {v!r} missing (have {sorted(res.data_vars)})")
    scen = [str(s) for s in res.scenario.values]
    if scenario not in scen:
        raise InputError(f"results: scenario {scenario!r} not found; scenarios in the results: {scen}")
    years = [int(y) for y in res.year.values]
    if int(year) not in years:
        raise InputError(f"results: year {year} outside the results ({min(years)}-{max(years)}) for scenario {scenario!r}")
    sel = res.sel(scenario=scenario, year=int(year))
    cap, price = float(sel.co2), float(sel.carbon_price)
    if not np.isfinite(cap) or cap < 0:
        raise InputError(f"results: national CO2 of {scenario} in {year} is {cap} Mt: the cap must be >= 0")
    if not np.isfinite(price):
        raise InputError(f"results: carbon price of {scenario} in {year} is not a number")
    return check_cap(cap), price


# ----------------------------------------------------------------------------- projected provincial emissions


def sector_groups(sectors: list[str]) -> dict[str, list[str]]:
    """CGE sector group (io42 field of ``ceads_to_io42.csv``) -> its SAM sector codes."""
    m = pd.read_csv(SAM_DATA / "ceads_to_io42.csv", dtype=str)
    sec = pd.read_csv(SAM_DATA / "sectors.csv", dtype=str)
    groups: dict[str, list[str]] = {}
    for field in dict.fromkeys(m["io42"].str.strip()):
        if field.startswith("hh_"):
            continue
        codes = [c for part in field.split(";") for c in sec.loc[sec["io42"] == part.strip(), "code"]]
        missing = [c for c in codes if c not in sectors]
        if missing or not codes:
            raise InputError(f"{SAM_DATA / 'ceads_to_io42.csv'}: io42 {field}: SAM sectors {missing or codes} not in the results")
        groups[field] = codes
    return groups


def provincial_sector_co2(year: int | None = None) -> pd.DataFrame:
    """Province x group base CO2 (Mt) from the derived CEADs file; ``year`` None = all years, long form."""
    path = provincial.DATA / SECTOR_CO2_FILE
    if not path.exists():
        raise InputError(f"{path}: file not found (build it with build_ceads_sector_co2.py)")
    df = pd.read_csv(path, dtype={"io42": str})
    absent = [p for p in provincial.PROVINCES if p not in set(df["province"])]
    if absent:
        raise InputError(f"{path}: province(s) missing: {absent}")
    df["group"] = np.where(df["io42"].str.startswith("hh_"), HOUSEHOLD_GROUP, df["io42"])
    if year is not None:
        df = df[df["year"] == year]
    return df.pivot_table(index="province", columns="group", values="co2_mt_scope1", aggfunc="sum").reindex(provincial.PROVINCES)


def projected_emissions(res: xr.Dataset, scenario: str, year: int) -> xr.DataArray:
    """Provincial CO2 (Mt) of ``scenario`` in ``year``: own sector mix x CGE group growth, scaled to national CO2."""
    cap, _ = national(res, scenario, year)
    first = int(res.year.min())
    years = sorted(pd.read_csv(provincial.DATA / SECTOR_CO2_FILE, usecols=["year"])["year"].unique())
    pbase = first if first in years else int(max(years))
    base = provincial_sector_co2(pbase)
    groups = sector_groups([str(s) for s in res.sector.values])
    s = res.sel(scenario=scenario)
    ratio = {}
    for g, codes in groups.items():
        now, then = float(s.co2_sector.sel(sector=codes, year=year).sum()), float(s.co2_sector.sel(sector=codes, year=first).sum())
        ratio[g] = now / then if then > 0 else 1.0                 # assumption: no CGE CO2 in the group -> no change
    hh0 = float(s.co2_household.sel(year=first))
    ratio[HOUSEHOLD_GROUP] = float(s.co2_household.sel(year=year)) / hh0 if hh0 > 0 else 1.0
    unknown = [g for g in base.columns if g not in ratio]
    if unknown:
        raise InputError(f"{provincial.DATA / SECTOR_CO2_FILE}: io42 groups {unknown} not in sam/data/ceads_to_io42.csv")
    raw = (base.fillna(0.0) * pd.Series(ratio)[base.columns]).sum(axis=1).to_numpy()
    proj = raw * cap / raw.sum() if raw.sum() > 0 else np.zeros_like(raw)
    return xr.DataArray(proj, coords={"province": provincial.PROVINCES}, dims="province", name="projected", attrs={
        "units": "Mt CO2", "province_base_year": pbase, "results_base_year": first,
        "rule": "projected_p = sum_g CEADs_p,g(base) x co2_g(year)/co2_g(results base year), scaled to national CO2",
        "sum_before_scaling_mt": float(raw.sum())})


# ----------------------------------------------------------------------------- the run


def _call(name: str, cap: float, year: int, panel: xr.Dataset, options: dict) -> xr.DataArray:
    """One method's quota, checked against the common interface."""
    q = get_rule(name)(cap, year, panel, **options)
    if not isinstance(q, xr.DataArray) or "province" not in q.dims:
        raise TypeError(f"{name}: allocate must return a DataArray by province, got {type(q).__name__}")
    q = q.reindex(province=provincial.PROVINCES)
    v = q.values.astype(float)
    if not np.all(np.isfinite(v)) or (v < 0).any():
        raise ValueError(f"{name}: missing or negative quota for {[p for p, x in zip(provincial.PROVINCES, v) if not x >= 0]}")
    if abs(v.sum() - cap) > REL_TOL * max(cap, 1e-300):
        raise ValueError(f"{name}: quotas sum to {v.sum()!r} Mt, cap is {cap!r} Mt")
    return q


def _method_attrs(name: str, q: xr.DataArray, ds: xr.Dataset) -> None:
    """A method's metadata into ``ds``: scalars as attrs ``<method>__<key>``, per-province lists as variables."""
    n = len(provincial.PROVINCES)
    for k, v in q.attrs.items():
        if isinstance(v, (list, tuple, np.ndarray)) and len(v) == n and np.issubdtype(np.asarray(v).dtype, np.number):
            ds[f"{name}__{k}"] = ("province", np.asarray(v, dtype=float), {"rule": name})
        elif isinstance(v, (bool, np.bool_)):
            ds.attrs[f"{name}__{k}"] = int(v)
        elif isinstance(v, (int, float, str, np.integer, np.floating)):
            ds.attrs[f"{name}__{k}"] = v
        elif v is not None:
            ds.attrs[f"{name}__{k}"] = str(v)


def run(results: str | Path | xr.Dataset, scenario: str, year: int, rules: str | list[str] = "all", seed: int = 0,
        out: str | Path | None = None, data: xr.Dataset | None = None) -> xr.Dataset:
    """Quotas, projected emissions, surplus (Mt CO2) and trade value (bn yuan) by method and province.

    ``results``: results.nc path, its folder, or the Dataset. ``out``: folder for the files (None:
    nothing written). ``data``: the provincial panel (default :func:`load_panel`). Unknown methods,
    scenario or year raise :class:`InputError`; a method that fails is reported in ``attrs['status']``.
    """
    names = resolve_rules(rules)
    res = load_results(results)
    cap, price = national(res, scenario, int(year))
    panel = provincial.load_panel() if data is None else data
    projected = projected_emissions(res, scenario, int(year))
    options = {"results": res, "scenario": scenario, "price": price, "seed": int(seed)}
    quotas, status = {}, {}
    for m in names:
        try:
            quotas[m] = _call(m, cap, int(year), panel, options)
            status[m] = "ok"
        except InputError:
            raise
        except Exception as exc:  # noqa: BLE001  (one method's failure must not stop the others)
            status[m] = f"failed: {type(exc).__name__}: {exc}"
            log.warning("quota method %s failed: %s", m, exc)
    ds = _assemble(quotas, projected, cap, price, scenario, int(year), panel, status)
    if out is not None:
        write_outputs(ds, Path(out), panel, seed=int(seed))
    return ds


def _assemble(quotas: dict, projected: xr.DataArray, cap: float, price: float, scenario: str, year: int,
              panel: xr.Dataset, status: dict) -> xr.Dataset:
    """The output Dataset (dims rule, province) with units, the cap and price as attributes."""
    ok = list(quotas)
    values = np.array([quotas[m].values for m in ok], dtype=float).reshape(len(ok), len(provincial.PROVINCES))
    q = xr.DataArray(values, dims=("rule", "province"),        # numpy str coords (pandas 3 strings break .sel)
                     coords={"rule": np.array(ok, dtype=str), "province": np.array(provincial.PROVINCES, dtype=str)})
    q.attrs = {"units": "Mt CO2", "long_name": "provincial emission quota"}
    surplus = q - projected
    ds = xr.Dataset({
        "quota": q,
        "projected": projected.broadcast_like(q).transpose("rule", "province"),
        "surplus": surplus.assign_attrs(units="Mt CO2", long_name="quota - projected emissions (> 0: seller)"),
        "trade_value": (surplus * price / 1000.0).assign_attrs(
            units="billion yuan", long_name="value of the surplus (> 0) or deficit (< 0) at the carbon price"),
    })
    ds["projected"].attrs = {**projected.attrs, "long_name": "projected provincial CO2 (same for every method)"}
    yi = latest_year(panel, ["population", "gdp"], year)
    ds["population"] = ("province", panel.population.sel(year=yi).values,
                        {"units": "10k persons", "indicator_year": yi, "source": "provincial panel (SOURCES.md)"})
    ds["gdp"] = ("province", panel.gdp.sel(year=yi).values,
                 {"units": "billion yuan, current prices", "indicator_year": yi, "source": "provincial panel (SOURCES.md)"})
    ds = ds.assign_coords(lat=("province", panel.lat.values), lon=("province", panel.lon.values))
    for m in ok:
        _method_attrs(m, quotas[m], ds)
    failed = [m for m, s in status.items() if s != "ok"]
    ds.attrs.update({
        "title": f"provincial CO2 quotas, {scenario} {year}", "scenario": scenario, "year": year,
        "cap": cap, "cap_units": "Mt CO2 (national CO2 of the scenario and year in results.nc)",
        "price": price, "price_units": "yuan per t CO2, 2017 prices (carbon price in results.nc)",
        "status": "; ".join(f"{m}: {s}" for m, s in status.items()), "rules_failed": ",".join(failed),
        "indicator_note": f"provincial indicators from the latest panel year <= {year} with data (CO2, population "
                          f"and energy end in 2019); labour is a PROXY (population x national labour-force ratio)",
    })
    return ds


# ----------------------------------------------------------------------------- files and figures


def write_outputs(ds: xr.Dataset, out: Path, panel: xr.Dataset | None = None, seed: int = 0) -> dict[str, Path]:
    """NetCDF, CSV, metrics (CSV, Markdown) and figures (SVG + 200 dpi PNG) under ``out``, committed
    together (all or none)."""
    from sam.atomic import commit_many

    from ...report import figure_files
    from .metrics import comparison_table, to_markdown
    stem = f"{ds.attrs['scenario']}_{ds.attrs['year']}"
    paths = {"nc": out / f"{stem}.nc", "csv": out / f"{stem}.csv",
             "metrics_csv": out / f"{stem}_metrics.csv", "metrics_md": out / f"{stem}_metrics.md"}
    table = ds[["quota", "projected", "surplus", "trade_value"]].to_dataframe().reset_index()[
        ["rule", "province", "quota", "projected", "surplus", "trade_value"]]
    table = table.rename(columns={"quota": "quota_mt", "projected": "projected_mt", "surplus": "surplus_mt",
                                  "trade_value": "trade_value_bn_yuan"})
    metrics = comparison_table(ds)
    head = (f"# Provincial quotas: {ds.attrs['scenario']} {ds.attrs['year']}\n\ncap {ds.attrs['cap']:.1f} Mt CO2, "
            f"price {ds.attrs['price']:.2f} yuan/t. Status: {ds.attrs['status']}\n\n")
    files = {paths["nc"]: lambda t: ds.to_netcdf(t), paths["csv"]: lambda t: table.to_csv(t, index=False),
             paths["metrics_csv"]: lambda t: metrics.to_csv(t), paths["metrics_md"]: head + to_markdown(metrics)}
    for name, fig in figures(ds, panel, seed).items():
        rendered = figure_files(fig, out / f"{stem}_{name}")          # SVG and 200 dpi PNG
        svg, png = rendered
        paths[name], paths[f"{name}_svg"] = png, svg
        files.update(rendered)
    import matplotlib.pyplot as plt
    try:
        commit_many(files)
    finally:
        plt.close("all")
    return paths


def figures(ds: xr.Dataset, panel: xr.Dataset | None = None, seed: int = 0) -> dict:
    """matplotlib Figures (Agg): quotas by method, surplus by province, tile map of surplus, AMLC dendrogram."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figs = {}
    provs, meths = [str(p) for p in ds.province.values], [str(m) for m in ds.rule.values]
    if not meths:
        return figs
    x, w = np.arange(len(provs)), 0.8 / len(meths)
    fig, ax = plt.subplots(figsize=(14, 5))
    for k, m in enumerate(meths):
        ax.bar(x + k * w - 0.4 + w / 2, ds.quota.sel({"rule": m}), w, label=m)
    ax.plot(x, ds.projected.isel(rule=0), "k_", ms=10, label="projected")
    ax.set_xticks(x, provs, rotation=70)
    ax.set_ylabel("quota, Mt CO2")
    ax.set_title(f"Quotas by allocation rule, {ds.attrs['scenario']} {ds.attrs['year']} (cap {ds.attrs['cap']:.0f} Mt)")
    ax.legend(ncol=5, fontsize=8)
    figs["quota_by_rule"] = fig
    fig, ax = plt.subplots(figsize=(14, 5))
    for k, m in enumerate(meths):
        ax.bar(x + k * w - 0.4 + w / 2, ds.surplus.sel({"rule": m}), w, label=m)
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xticks(x, provs, rotation=70)
    ax.set_ylabel("surplus (+) / deficit (-), Mt CO2")
    ax.set_title(f"Surplus by province, price {ds.attrs['price']:.1f} yuan/t")
    ax.legend(ncol=5, fontsize=8)
    figs["surplus"] = fig
    figs["map"] = _map_figure(ds, plt)
    dendro = _dendrogram(panel, int(ds.attrs["year"]), seed)
    if dendro is not None:
        figs["dendrogram"] = dendro
    return figs


def _map_figure(ds: xr.Dataset, plt):
    """Small multiples: provincial capitals at lon/lat, coloured by surplus (Mt CO2), one panel per
    rule; province labels placed so that they do not overlap (leader lines where moved)."""
    from ...plotting import place_labels
    meths = [str(m) for m in ds.rule.values]
    ncol = min(3, len(meths))
    nrow = -(-len(meths) // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(5.6 * ncol, 4.6 * nrow), squeeze=False)
    lim = float(np.abs(ds.surplus).max()) or 1.0
    for ax, m in zip(axes.flat, meths):
        sc = ax.scatter(ds.lon, ds.lat, c=ds.surplus.sel({"rule": m}), cmap="RdBu", vmin=-lim, vmax=lim, s=55,
                        marker="o", edgecolor="k", linewidth=0.4, zorder=3)
        ax.set(xlim=(73, 136), ylim=(17, 54))
        ax.set_aspect(1 / np.cos(np.radians(35)))               # degrees of longitude shorter than of latitude
        ax.set_title(m, fontsize=9)
        ax.set_xticks([]), ax.set_yticks([])
    for ax in list(axes.flat)[len(meths):]:
        ax.axis("off")
    fig.colorbar(sc, ax=axes, shrink=0.6, label="surplus, Mt CO2 (blue: seller)")
    fig.suptitle(f"Surplus by province (capitals at longitude/latitude; no province outlines shipped), "
                 f"{ds.attrs['scenario']} {ds.attrs['year']}")
    for ax in list(axes.flat)[:len(meths)]:                     # labels last: the layout is final now
        place_labels(ax, ds.lon.values, ds.lat.values, [str(p) for p in ds.province.values], fontsize=5.5)
    return fig


def _dendrogram(panel: xr.Dataset | None, year: int, seed: int):
    """The AMLC cluster dendrogram if :mod:`cge.allocation.provincial.amlc` exposes ``dendrogram_figure``; else None."""
    try:
        from . import amlc
    except ImportError:
        return None
    fn = getattr(amlc, "dendrogram_figure", None)
    if fn is None:
        return None
    kw = {"data": panel if panel is not None else provincial.load_panel(), "year": year, "seed": seed}
    params = inspect.signature(fn).parameters
    if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
        kw = {k: v for k, v in kw.items() if k in params}
    try:
        return fn(**kw)
    except Exception as exc:  # noqa: BLE001  (a figure must not stop the run)
        log.warning("amlc.dendrogram_figure failed: %s", exc)
        return None
