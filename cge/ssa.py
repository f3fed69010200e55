"""Analyses of a sweep (``sweep.nc`` from :mod:`cge.sweep`): percentile bands, tornado, Sobol
indices and marginal abatement cost (MAC) curves. Everything is derived from the sweep
Dataset; nothing is computed on the side.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

STATS = ["mean", "std", "p05", "p50", "p95"]


def ok_runs(ds: xr.Dataset) -> xr.Dataset:
    """The runs that solved."""
    return ds.isel(run=np.flatnonzero(ds.status.values == "ok"))


def deviation(ds: xr.Dataset, var: str) -> xr.DataArray:
    """Percent deviation of the policy case from the run's own baseline."""
    d = (ds[var].sel(case="policy") / ds[var].sel(case="baseline") - 1) * 100
    return d.assign_attrs(units="% vs baseline", long_name=f"{var}, % deviation from the run's baseline")


def bands(ds: xr.Dataset, year: int | None = None) -> xr.Dataset:
    """Mean, standard deviation and 5/50/95 percentiles across the solved runs: CO2 and GDP
    deviations by year, and gross output deviations by sector in ``year`` (default: the last)."""
    ok = ok_runs(ds)
    year = year or int(ds.year.max())
    out = {"co2_pct": deviation(ok, "co2"), "gdp_pct": deviation(ok, "gdp"),
           f"output_{year}_pct": deviation(ok, "output").sel(year=year, drop=True)}
    res = {}
    for k, d in out.items():
        res[k] = xr.concat([d.mean("run"), d.std("run"), d.quantile(0.05, "run", method="linear").drop_vars("quantile"),
                            d.quantile(0.5, "run").drop_vars("quantile"), d.quantile(0.95, "run").drop_vars("quantile")],
                           dim=pd.Index(STATS, name="stat")).assign_attrs(units="% vs baseline")
    r = xr.Dataset(res)
    r.attrs = {"runs": int(ok.sizes["run"]), "failed": int((ds.status != "ok").sum())}
    return r


def tornado(ds: xr.Dataset, year: int | None = None) -> pd.DataFrame:
    """One-at-a-time effects (an ``oat`` design): for each elasticity group, the CO2 and GDP
    deviation in ``year`` at the low and high end of its range, minus the central run's."""
    year = year or int(ds.year.max())
    groups = [c for c in ds.coords if c.startswith("el_")]
    if not groups:
        raise ValueError("tornado needs a sweep with elasticity groups (design oat)")
    co2, gdp = deviation(ds, "co2").sel(year=year), deviation(ds, "gdp").sel(year=year)
    moved = np.zeros(ds.sizes["run"], dtype=bool)
    for g in groups:
        moved |= ~np.isnan(ds[g].values)
    centre = np.flatnonzero(~moved)
    if len(centre) == 0:
        raise ValueError("tornado needs the central run (no elasticity moved)")
    c = int(centre[0])
    status = ds.status.values if "status" in ds.coords else np.array(["ok"] * ds.sizes["run"])
    rows = []
    for g in groups:
        sel = {}
        for end, u in (("low", 0.0), ("high", 1.0)):
            hit = np.flatnonzero(ds[g].values == u)
            sel[end] = int(hit[0]) if len(hit) else None
        row = {"group": g[3:]}
        for end, i in sel.items():
            row[f"{end}_status"] = "missing" if i is None else str(status[i])
        for name, d in (("co2", co2), ("gdp", gdp)):
            for end, i in sel.items():
                row[f"{name}_{end}"] = float(d.isel(run=i) - d.isel(run=c)) if i is not None else np.nan
            row[f"{name}_swing"] = abs(row[f"{name}_high"] - row[f"{name}_low"])
        rows.append(row)
    df = pd.DataFrame(rows).set_index("group").sort_values("co2_swing", ascending=False, na_position="last")
    df.attrs = {"year": year, "central_co2_pct": float(co2.isel(run=c)), "central_gdp_pct": float(gdp.isel(run=c)),
                "units": "percentage points of the % deviation from baseline, relative to the central run"}
    return df


def sobol_indices(ds: xr.Dataset, year: int | None = None) -> pd.DataFrame:
    """First-order and total Sobol indices (SALib, Saltelli design) of the CO2 and GDP deviation in ``year``."""
    from SALib.analyze import sobol
    names = [c for c in ds.attrs.get("sobol_names", "").split(",") if c]
    if not names:
        raise ValueError("sobol_indices needs a sweep with design sobol")
    if (ds.status != "ok").any():
        raise ValueError(f"{int((ds.status != 'ok').sum())} run(s) failed: Sobol indices need every run of the Saltelli sample")
    bounds = json.loads(ds.attrs["sobol_bounds"])
    problem = {"num_vars": len(names), "names": names, "bounds": bounds}
    year = year or int(ds.year.max())
    rows = []
    for var in ("co2", "gdp"):
        y = deviation(ds, var).sel(year=year).values
        r = sobol.analyze(problem, y, calc_second_order=False, print_to_console=False)
        for k, n in enumerate(names):
            rows.append({"output": f"{var}_pct_{year}", "parameter": n, "S1": r["S1"][k], "S1_conf": r["S1_conf"][k],
                         "ST": r["ST"][k], "ST_conf": r["ST_conf"][k]})
    return pd.DataFrame(rows)


def mac_curves(ds: xr.Dataset, years: tuple[int, ...] = (2030, 2060), by_sector: bool = False) -> xr.Dataset:
    """Marginal abatement cost curves: CO2 reduction vs carbon price in each of ``years``.

    Every solved run gives one point per year (its price that year, its reduction from its
    baseline); points are sorted by price. ``reduction`` in Mt CO2 and percent; ``by_sector``
    adds the reduction by emitting activity (Mt)."""
    ok = ok_runs(ds)
    years = tuple(y for y in years if y in ok.year.values)
    out = []
    for y in years:
        d = ok.sel(year=y)
        price = d.carbon_price.sel(case="policy").values
        order = np.argsort(price, kind="stable")
        red = (d.co2.sel(case="baseline") - d.co2.sel(case="policy")).values
        pct = (1 - d.co2.sel(case="policy") / d.co2.sel(case="baseline")).values * 100
        vars_ = {"reduction_mt": ("point", red[order]), "reduction_pct": ("point", pct[order]),
                 "run": ("point", ok.run.values[order])}
        if by_sector:
            sec = (d.co2_sector.sel(case="baseline") - d.co2_sector.sel(case="policy")).transpose("run", "sector").values
            vars_["reduction_sector_mt"] = (("point", "sector"), sec[order])
        c = xr.Dataset(vars_, coords={"price": ("point", price[order]), "sector": ok.sector.values})
        out.append(c.expand_dims(year=[y]))
    res = xr.concat(out, dim="year", coords="different", compat="equals", join="outer") if out else xr.Dataset()
    if out:
        res.price.attrs["units"] = "yuan per t CO2, 2017 prices"
        res.reduction_mt.attrs["units"] = "Mt CO2"
        res.reduction_pct.attrs["units"] = "% of the baseline's CO2"
    return res


def mac_monotone(mac: xr.Dataset) -> dict[int, bool]:
    """Per year: does the reduction grow (weakly) with the price along the curve?"""
    return {int(y): bool(np.all(np.diff(mac.reduction_mt.sel(year=y).values) >= -1e-9)) for y in mac.year.values}


def mac_at(mac: xr.Dataset, year: int, price: float) -> float:
    """National reduction (Mt CO2) at ``price`` in ``year`` by linear interpolation on the curve."""
    c = mac.sel(year=year)
    return float(np.interp(price, c.price.values, c.reduction_mt.values))


# ----------------------------------------------------------------------------- report


PRICE_KEYS = ("start_price", "growth", "end_price", "start_year")


def is_price_design(ds: xr.Dataset) -> bool:
    """A design over the carbon-price path only (no elasticity group moves) with several prices:
    the only kind whose runs trace a marginal abatement cost curve."""
    if any(c.startswith("el_") for c in ds.coords):
        return False
    return len(np.unique(ds.carbon_price.sel(case="policy").values)) > 2


def analyses(ds: xr.Dataset) -> list[str]:
    """The analyses that fit the sweep's design: ``bands`` (random, sobol), ``sobol`` (sobol),
    ``tornado`` (oat), ``mac`` (price designs, :func:`is_price_design`)."""
    design = ds.attrs.get("design", "")
    out = []
    if design in ("random", "sobol"):
        out.append("bands")
    if design == "sobol":
        out.append("sobol")
    if design == "oat":
        out.append("tornado")
    if is_price_design(ds):
        out.append("mac")
    return out


def _tornado_figure(t: pd.DataFrame, plt):
    """Tornado bars (low and high end vs the central run); a failed end is drawn as a hatched
    grey stub labelled 'failed' at zero, so it does not vanish."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 0.45 * len(t) + 2.2), sharey=True)
    tt = t.iloc[::-1]
    y = np.arange(len(tt))
    for ax, k, lab in ((axes[0], "co2", "CO2"), (axes[1], "gdp", "real GDP")):
        for end, colour, dy in (("low", "tab:blue", -0.2), ("high", "tab:orange", 0.2)):
            vals = tt[f"{k}_{end}"].to_numpy(float)
            ok = np.isfinite(vals)
            ax.barh(y[ok] + dy, vals[ok], height=0.38, color=colour, label=f"{end} end of the range")
            span = np.nanmax(np.abs(t[[f"{k}_low", f"{k}_high"]].to_numpy(float))) if ok.any() else 1.0
            for yi in y[~ok]:
                ax.barh(yi + dy, span * 0.04, left=-span * 0.02, height=0.38, color="lightgrey", hatch="//",
                        edgecolor="grey")
                ax.text(span * 0.05, yi + dy, f"{end}: failed", va="center", fontsize=7, color="dimgrey")
        ax.axvline(0, color="k", lw=0.8)
        ax.set_xlabel(f"{lab} {t.attrs['year']}: percentage points vs the central run")
    axes[0].set_yticks(y, [str(g) for g in tt.index])
    axes[0].legend(loc="lower right", fontsize=8)
    fig.suptitle("One-at-a-time sensitivity (tornado); hatched = the run failed")
    fig.tight_layout()
    return fig


def report(ds: xr.Dataset, out: str | Path) -> list[Path]:
    """Tables and figures for a sweep under ``<out>/analysis/``, only those that fit the design
    (:func:`analyses`): percentile bands, tornado, Sobol indices, MAC curves. Figures as SVG and
    200 dpi PNG."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sam.atomic import commit_many

    from .report import figure_files
    out = Path(out) / "analysis"
    staged: dict[Path, object] = {}                 # committed together at the end (all or none)

    def save_fig(fig, name):
        staged.update(figure_files(fig, out / name))          # SVG and 200 dpi PNG
        plt.close(fig)

    def save_csv(df, name):
        staged[out / name] = df.to_csv()

    def write_netcdf(d, p):
        staged[p] = lambda tmp: d.to_netcdf(tmp)

    if int((ds.status == "ok").sum()) == 0:
        return []
    todo = analyses(ds)
    if "bands" in todo:
        b = bands(ds)
        write_netcdf(b, out / "bands.nc")
        fig, axes = plt.subplots(1, 2, figsize=(11, 4))
        for ax, k, lab in ((axes[0], "co2_pct", "CO2"), (axes[1], "gdp_pct", "real GDP")):
            d = b[k]
            ax.fill_between(d.year, d.sel(stat="p05"), d.sel(stat="p95"), alpha=0.3, label="5-95 %")
            ax.plot(d.year, d.sel(stat="p50"), label="median")
            ax.plot(d.year, d.sel(stat="mean"), ls="--", label="mean")
            ax.set(title=f"{lab} ({b.attrs['runs']} runs)", xlabel="year", ylabel="% vs baseline")
            ax.legend()
        save_fig(fig, "bands")
    if "tornado" in todo:
        t = tornado(ds)
        save_csv(t, "tornado.csv")
        save_fig(_tornado_figure(t, plt), "tornado")
    if "sobol" in todo:
        try:
            save_csv(sobol_indices(ds), "sobol.csv")
        except ValueError as exc:
            staged[out / "sobol_skipped.txt"] = str(exc)
    if "mac" in todo:
        years = tuple(y for y in (2030, 2060) if y in ds.year.values) or (int(ds.year.max()),)
        mac = mac_curves(ds, years=years, by_sector=True)
        if mac.sizes.get("year"):
            write_netcdf(mac, out / "mac.nc")
            for y in mac.year.values:
                c = mac.sel(year=y)
                df = pd.DataFrame({"price_yuan_per_t": c.price.values, "reduction_mt": c.reduction_mt.values,
                                   "reduction_pct": c.reduction_pct.values})
                save_csv(df.set_index("price_yuan_per_t"), f"mac_{int(y)}.csv")
            fig, ax = plt.subplots(figsize=(6, 4))
            for y in mac.year.values:
                c = mac.sel(year=y)
                ax.plot(c.reduction_mt, c.price, marker="o", label=str(int(y)))
            ax.set_xlabel("CO2 reduction vs baseline, Mt CO2")
            ax.set_ylabel("carbon price, yuan/t CO2 (2017 prices)")
            ax.set_title("Marginal abatement cost curves")
            ax.legend()
            save_fig(fig, "mac")
    return commit_many(staged)
