"""AMLC two-stage provincial quota allocation (Lian, Ma, Wang & Dong 2025, PLOS One 20:e0321644).

"Adjusting Measures to Local Conditions": (1) project each province's emissions with a
PSO-tuned least-squares SVM, group the 30 provinces into six types by hierarchical clustering
on development, structure and endowment indicators, and share the cap by a type-specific mix
of equity and efficiency; (2) adjust by marginal abatement cost (MAC): provinces that abate
more cheaply take more of the national cut.  Only the paper's abstract is stored, so the
details below are this module's choices, labelled ASSUMPTION where the paper gives no number.

Stage 1a, projection (:func:`fit_projection`, :func:`project`, :func:`backtest`)
    LS-SVR (:mod:`.lssvm`, RBF kernel) of the one-year CO2 growth ``log co2_t - log co2_{t-1}``
    on features of year t-1: CO2 growth, nominal GDP growth, population growth, energy growth,
    real capital growth (each a log difference), secondary share (fraction) and log carbon
    intensity (t CO2 per 10k yuan).  Hyperparameters (gamma, sigma) by PSO (:mod:`.pso`) on a
    time-series split: fit on the earlier target years, validate on the last ``n_val`` years
    before ``train_end``.  Training targets start in ``train_start`` = 2006 (the energy series
    has 2003-2004 census breaks, SOURCES.md section 2).  Beyond the last CO2 year (2019) the
    projection is recursive with the other drivers' growth held at each province's mean of
    the last five observed years and the secondary share at its last value (ASSUMPTION); with
    ``results`` it is rescaled to the CGE baseline's national CO2 in the year (the shares are
    the LS-SVM's, the level the CGE's).  Backtest (train to 2015, one year ahead 2016-2019, 120
    province-years, seed 0): MAE 12.9 Mt against 14.3 (last value) and 16.0 (5-year linear
    trend); national-sum MAE 132 Mt against 258 and 248.  PSO puts sigma at its upper bound
    (100, a nearly linear kernel): the gain over the naive forecasts is mostly the learned
    mean growth and its link to the lagged drivers, not strong non-linearity.
Stage 1b, types (:func:`cluster_provinces`, :func:`dendrogram_figure`)
    Ward clustering (scipy) of the standardised indicators in :data:`CLUSTER_INDICATORS` into
    ``n_clusters`` = 6 types (the paper's number).
Stage 1c, equity/efficiency mix
    share_i proportional to theta_k pop_i / sum pop + (1 - theta_k) gdp_i / sum gdp (renormalised to sum
    to 1, since theta differs by type), with theta_k (weight on
    equal per capita) falling linearly from ``equity_range[1]`` = 0.7 for the type of lowest mean
    GDP per capita to ``equity_range[0]`` = 0.3 for the richest type (ASSUMPTION: development
    right for poorer types; efficiency = quota in proportion to GDP, i.e. equal carbon intensity).
Stage 2, MAC adjustment
    National cut R = sum(projected) - cap.  Least-cost cut: one common carbon price p* with
    sum_i projected_i f_i(p*) = R, where the province's abatement fraction
    f_i(p) = sum_g w_ig f_g(p) over the groups power / heavy industry / other
    (:data:`SECTOR_GROUPS`).  f_g comes from the CGE: for each policy scenario s in the year the
    point (carbon_price_s, 1 - co2_g,s / co2_g,baseline), through (0, 0), made monotone, linear
    beyond the highest price and capped at 0.99.  A MAC table from a sweep
    (``mac=cge.ssa.mac_curves(...)``) gives the national curve instead; its group curves are
    that curve times each group's relative response in ``results`` (or equal without it).
    w_ig (province i's emission share in group g) comes from the CEADs provincial CO2 by sector
    (``ceads_provincial_co2_by_sector.csv``, 2015-2019, latest year <= the allocation year;
    groups :data:`CEADS_GROUPS`); if that file is absent, a PROXY splits the CGE baseline's
    national group shares by thermal generation (power) and secondary value added (heavy
    industry), capped at 95 % of the province's CO2 (ASSUMPTION: uniform CO2 per TWh thermal
    and per yuan of secondary output across provinces).  Without ``results`` all provinces have the same MAC
    (cut in proportion to projected emissions; noted in the metadata).
    quota = mac_weight (projected - least-cost cut) + (1 - mac_weight) cap share_i, with
    mac_weight = 0.5 (ASSUMPTION); both parts are >= 0 and sum to the cap.

The shared helpers at the top (panel checks, latest indicator year, quota array) are used by
:mod:`.bp` and :mod:`.egs` too.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from sam.errors import InputError

from .data._provinces import PROVINCES
from .lssvm import LSSVR
from .rules import (int_option, unit_option, check_cap, check_year, get_panel, indicators_at, latest,
                      quota_array, years_note)
from .panel import forest_area_filled
from .pso import pso_minimize

# ----------------------------------------------------------------------------- stage 1a: projection

FEATURES = ("dlog_co2", "dlog_gdp", "dlog_population", "dlog_energy", "dlog_capital",
            "secondary_frac", "log_intensity")
GROWTH_DRIVERS = ("gdp", "population", "energy", "capital")


def feature_table(data: xr.Dataset) -> xr.Dataset:
    """Features by (province, year t-1) and the target ``target`` = log co2 growth to year t."""
    lg = {v: np.log(data[v].where(data[v] > 0)) for v in ("co2", *GROWTH_DRIVERS)}
    f = xr.Dataset({f"dlog_{k}": v - v.shift(year=1) for k, v in lg.items()})
    f["secondary_frac"] = data["secondary_share"] / 100.0
    f["log_intensity"] = lg["co2"] - lg["gdp"] + np.log(10.0)        # Mt / bn yuan x 10 = t per 10k yuan
    f["target"] = f["dlog_co2"].shift(year=-1)
    return f


def design(data: xr.Dataset, target_years: Sequence[int]) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Samples (X, y) whose target year is in ``target_years``; rows with gaps dropped; index table."""
    f = feature_table(data)
    feat_years = [y - 1 for y in target_years if (y - 1) in f.year.values]
    sub = f.sel(year=feat_years)
    df = sub[[*FEATURES, "target"]].to_dataframe().reset_index()
    df = df.dropna(subset=[*FEATURES, "target"])
    df["target_year"] = df["year"] + 1
    return df[list(FEATURES)].to_numpy(float), df["target"].to_numpy(float), df[["province", "target_year"]]


@dataclass
class Projector:
    """A fitted LS-SVR on standardised features with its PSO-tuned hyperparameters."""

    model: LSSVR
    mean: np.ndarray
    scale: np.ndarray
    gamma: float
    sigma: float
    validation_rmse: float
    train_years: tuple[int, int]
    n_samples: int

    def predict_growth(self, x: np.ndarray) -> np.ndarray:
        """Predicted log CO2 growth for raw feature rows x."""
        return self.model.predict((np.asarray(x, float) - self.mean) / self.scale)


def _standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column means and standard deviations (1 where constant)."""
    sd = x.std(axis=0)
    return x.mean(axis=0), np.where(sd > 0, sd, 1.0)


def tune(x: np.ndarray, y: np.ndarray, years: np.ndarray, n_val: int = 3, seed: int = 0,
         n_particles: int = 12, n_iter: int = 15) -> tuple[float, float, float]:
    """PSO over (log10 gamma, log10 sigma) minimising the RMSE on the last ``n_val`` target years."""
    cut = np.sort(np.unique(years))[-n_val]
    fit_rows, val_rows = years < cut, years >= cut
    if fit_rows.sum() < 10 or val_rows.sum() < 1:
        raise InputError(f"LS-SVM tuning: too few samples (fit {fit_rows.sum()}, validation {val_rows.sum()})")
    mu, sd = _standardise(x[fit_rows])
    xf, xv = (x[fit_rows] - mu) / sd, (x[val_rows] - mu) / sd

    def rmse(p: np.ndarray) -> float:
        m = LSSVR(gamma=10 ** p[0], sigma=10 ** p[1]).fit(xf, y[fit_rows])
        return float(np.sqrt(np.mean((m.predict(xv) - y[val_rows]) ** 2)))
    res = pso_minimize(rmse, [-2.0, -0.5], [4.0, 2.0], n_particles=n_particles, n_iter=n_iter, seed=seed)
    return 10 ** res.x[0], 10 ** res.x[1], res.fun


def fit_projection(data: xr.Dataset | None = None, train_end: int = 2019, train_start: int = 2006,
                   seed: int = 0, n_particles: int = 12, n_iter: int = 15, n_val: int = 3) -> Projector:
    """PSO-tuned LS-SVR on the target years train_start..train_end of the panel."""
    data = get_panel(data)
    if train_end - train_start < n_val + 3:
        raise InputError(f"LS-SVM: training years {train_start}-{train_end} too short for {n_val} validation years")
    from threadpoolctl import threadpool_limits
    x, y, idx = design(data, range(train_start, train_end + 1))
    yrs = idx["target_year"].to_numpy()
    with threadpool_limits(1):                    # small dense solves: threads only contend
        gamma, sigma, val = tune(x, y, yrs, n_val, seed, n_particles, n_iter)
        mu, sd = _standardise(x)
        model = LSSVR(gamma=gamma, sigma=sigma).fit((x - mu) / sd, y)
    return Projector(model, mu, sd, gamma, sigma, val, (int(yrs.min()), int(yrs.max())), len(y))


def _last_co2_year(data: xr.Dataset) -> int:
    """Last year in which CO2 is known for all 30 provinces."""
    full = data["co2"].notnull().all("province")
    return int(data.year.values[full.values][-1])


def project(data: xr.Dataset, year: int, proj: Projector, drift_years: int = 5) -> np.ndarray:
    """Projected CO2 (Mt) by province in ``year``: one step from year-1, recursive beyond the data."""
    last = _last_co2_year(data)
    f = feature_table(data)
    origin = min(year - 1, last)
    if origin - 1 not in f.year.values or origin < int(f.year.values[0]) + 1:
        raise InputError(f"AMLC projection: year {year} before the panel's feature years")
    row = f[list(FEATURES)].sel(year=origin).to_dataframe()[list(FEATURES)].reindex(PROVINCES)
    bad = row.index[row.isna().any(axis=1)].tolist()
    if bad:
        raise InputError(f"AMLC projection: features of {origin} missing for {bad}")
    x = row.to_numpy(float)
    co2 = data["co2"].sel(year=origin).values.astype(float)
    window = f.sel(year=slice(origin - drift_years + 1, origin))
    drift = {k: window[f"dlog_{k}"].mean("year").values for k in GROWTH_DRIVERS}
    for _ in range(origin + 1, year + 1):
        g = proj.predict_growth(x)
        co2 = co2 * np.exp(g)
        x = x.copy()
        x[:, FEATURES.index("dlog_co2")] = g
        for k in GROWTH_DRIVERS:
            x[:, FEATURES.index(f"dlog_{k}")] = drift[k]
        x[:, FEATURES.index("log_intensity")] += g - drift["gdp"]
    return co2


def backtest(data: xr.Dataset | None = None, train_end: int = 2015, test_years: Sequence[int] = (2016, 2017, 2018, 2019),
             train_start: int = 2006, seed: int = 0, n_particles: int = 12, n_iter: int = 15,
             trend_window: int = 5) -> pd.DataFrame:
    """One-year-ahead out-of-sample errors (Mt CO2) of PSO-LS-SVM vs last value and linear trend.

    Trained on target years <= ``train_end`` only; each test year t is forecast from the
    observed data of t-1 (as the naive baselines are).  The linear trend is an OLS line through
    the province's last ``trend_window`` years, extrapolated one year.
    """
    data = get_panel(data)
    if min(test_years) <= train_end:
        raise InputError(f"backtest: test years {list(test_years)} must come after train_end {train_end}")
    proj = fit_projection(data, train_end, train_start, seed, n_particles, n_iter)
    x, _, idx = design(data, test_years)
    co2 = data["co2"]
    actual = np.array([float(co2.sel(province=p, year=t)) for p, t in idx.itertuples(index=False)])
    prev = np.array([float(co2.sel(province=p, year=t - 1)) for p, t in idx.itertuples(index=False)])
    preds = {"pso_lssvm": prev * np.exp(proj.predict_growth(x)), "last_value": prev,
             "linear_trend": np.array([_trend(co2.sel(province=p), t, trend_window) for p, t in idx.itertuples(index=False)])}
    rows = []
    for name, p in preds.items():
        err = p - actual
        nat = pd.Series(p, index=idx["target_year"].values).groupby(level=0).sum() - \
            pd.Series(actual, index=idx["target_year"].values).groupby(level=0).sum()
        rows.append({"model": name, "mae_mt": float(np.abs(err).mean()), "rmse_mt": float(np.sqrt((err ** 2).mean())),
                     "mape_pct": float(100 * np.abs(err / actual).mean()),
                     "national_mae_mt": float(np.abs(nat).mean()), "n": int(err.size)})
    table = pd.DataFrame(rows).set_index("model")
    table.attrs = {"gamma": proj.gamma, "sigma": proj.sigma, "validation_rmse_log": proj.validation_rmse,
                   "train_target_years": proj.train_years, "test_years": tuple(int(t) for t in test_years),
                   "units": "Mt CO2 (mape in %)", "horizon": "one year ahead"}
    return table


def _trend(series: xr.DataArray, t: int, window: int) -> float:
    """OLS linear trend through the ``window`` years before t, evaluated at t."""
    s = series.sel(year=slice(t - window, t - 1)).dropna("year")
    if s.size < 2:
        return float(series.sel(year=t - 1))
    b = np.polyfit(s.year.values.astype(float), s.values.astype(float), 1)
    return float(np.polyval(b, t))


# ----------------------------------------------------------------------------- stage 1b: types

CLUSTER_INDICATORS = {
    "log_gdp_per_capita": ("development", "log(yuan per person)"),
    "urbanisation": ("development", "%"),
    "secondary_share": ("structure", "% of GDP"),
    "tertiary_share": ("structure", "% of GDP"),
    "carbon_intensity": ("structure", "t CO2 per 10k yuan"),
    "energy_intensity": ("structure", "tce per 10k yuan"),
    "thermal_per_capita": ("endowment", "MWh per person"),
    "forest_per_capita": ("endowment", "m2 per person"),
}


def cluster_indicators(data: xr.Dataset, year: int) -> tuple[pd.DataFrame, str]:
    """The clustering indicators (province x indicator, raw units) and a note on years and proxies."""
    raw, used = indicators_at(data, ["gdp", "population", "urbanisation", "secondary_share", "tertiary_share",
                                     "co2", "energy", "gen_thermal"], year)
    forest, fnote = forest_area_filled(data)
    pop = raw["population"] * 1e4                                  # persons
    t = pd.DataFrame(index=PROVINCES)
    t["log_gdp_per_capita"] = np.log(raw["gdp"] * 1e9 / pop)
    t["urbanisation"] = raw["urbanisation"]
    t["secondary_share"] = raw["secondary_share"]
    t["tertiary_share"] = raw["tertiary_share"]
    t["carbon_intensity"] = raw["co2"] * 1e6 / (raw["gdp"] * 1e5)   # t / 10k yuan
    t["energy_intensity"] = raw["energy"] * 1e6 / (raw["gdp"] * 1e5)
    t["thermal_per_capita"] = raw["gen_thermal"] * 1e6 / pop          # MWh / person
    t["forest_per_capita"] = forest * 1e8 / pop                       # m2 / person
    return t, "; ".join(x for x in (years_note(used, year), fnote) if x)


def cluster_provinces(data: xr.Dataset | None, year: int, n_clusters: int = 6) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Ward clusters 1..n (by province), the linkage matrix and the indicator table."""
    from scipy.cluster.hierarchy import fcluster, linkage
    data = get_panel(data)
    n_clusters = int_option("n_clusters", n_clusters, 2, len(PROVINCES))
    t, note = cluster_indicators(data, year)
    z = (t - t.mean()) / t.std(ddof=0)
    link = linkage(z.to_numpy(float), method="ward")
    labels = fcluster(link, t=n_clusters, criterion="maxclust")
    t.attrs["note"] = note
    return labels.astype(int), link, t


def dendrogram_figure(data: xr.Dataset | None, year: int, n_clusters: int = 6):
    """Matplotlib Figure of the Ward dendrogram of the 30 provinces, cut into ``n_clusters`` types."""
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from scipy.cluster.hierarchy import dendrogram
    labels, link, t = cluster_provinces(data, year, n_clusters)
    fig, ax = plt.subplots(figsize=(11, 4.5))
    thr = (link[-n_clusters, 2] + link[-n_clusters + 1, 2]) / 2
    dendrogram(link, labels=PROVINCES, ax=ax, color_threshold=thr, leaf_rotation=90)
    ax.axhline(thr, color="grey", ls="--", lw=0.8)
    ax.set_ylabel("Ward distance (standardised indicators)")
    ax.set_title(f"Provinces by development, structure and endowment ({year} or latest data): {n_clusters} types")
    fig.tight_layout()
    return fig


def equity_weights(labels: np.ndarray, gdp_per_capita: np.ndarray, equity_range: tuple[float, float]) -> np.ndarray:
    """theta by province: equity weight of its type, linear in the type's GDP-per-capita rank (poorest = high)."""
    lo, hi = (unit_option("equity_range", v) for v in equity_range)
    if lo > hi:
        raise InputError(f"option equity_range = {equity_range!r}: expected (low, high) with low <= high")
    types = np.unique(labels)
    mean = np.array([gdp_per_capita[labels == k].mean() for k in types])
    rank = np.argsort(np.argsort(mean, kind="stable"), kind="stable")
    theta_k = hi - (hi - lo) * rank / max(len(types) - 1, 1)
    return theta_k[np.searchsorted(types, labels)]


# ----------------------------------------------------------------------------- stage 2: MAC

# ASSUMPTION: grouping of the CGE's emitting sectors (codes of cge's 65-sector SAM).
SECTOR_GROUPS = {
    "power": ("ECOA", "EGAS", "EHYD", "ENUC", "ENEW", "EGRD", "ESRV", "HEAT"),
    "heavy_industry": ("METL", "FMET", "NMMP", "CHEM", "CCHM", "COKE", "PAPR", "CTLQ", "CTGS"),
}
GROUPS = ("power", "heavy_industry", "other")
MAX_ABATEMENT = 0.99


def _curve(price: np.ndarray, frac: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Monotone piecewise-linear abatement fraction f(p) through (0, 0), linear beyond, capped."""
    order = np.argsort(price, kind="stable")
    p = np.concatenate([[0.0], np.asarray(price, float)[order]])
    f = np.maximum.accumulate(np.clip(np.concatenate([[0.0], np.asarray(frac, float)[order]]), 0.0, MAX_ABATEMENT))
    keep = np.concatenate([[True], np.diff(p) > 0])
    p, f = p[keep], f[keep]
    slope = (f[-1] - f[-2]) / (p[-1] - p[-2]) if p.size >= 2 else 0.0

    def fun(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, float)
        out = np.interp(x, p, f)
        return np.minimum(np.where(x > p[-1], f[-1] + slope * (x - p[-1]), out), MAX_ABATEMENT)
    return fun


def _group_co2(results: xr.Dataset, scen: str, year: int) -> dict[str, float]:
    """CO2 (Mt) of the three sector groups in one scenario and year (other = total - power - heavy)."""
    d = results.sel(scenario=scen, year=year)
    sec = [str(s) for s in d.sector.values]
    out = {g: float(d.co2_sector.sel(sector=[s for s in codes if s in sec]).sum()) for g, codes in SECTOR_GROUPS.items()}
    out["other"] = float(d.co2) - out["power"] - out["heavy_industry"]
    return out


def cge_points(results: xr.Dataset, year: int, baseline: str) -> pd.DataFrame:
    """Per policy scenario of ``results`` in ``year``: price (yuan/t) and abatement fractions (national, by group)."""
    for v in ("co2", "carbon_price"):
        if v not in results:
            raise InputError(f"results: variable {v!r} missing (need co2, carbon_price, co2_sector)")
    if baseline not in results.scenario.values:
        raise InputError(f"results: baseline scenario {baseline!r} not found ({list(results.scenario.values)})")
    base_tot = float(results.co2.sel(scenario=baseline, year=year))
    base = _group_co2(results, baseline, year) if "co2_sector" in results else None
    rows = []
    for s in results.scenario.values:
        price = float(results.carbon_price.sel(scenario=s, year=year))
        if s == baseline or not np.isfinite(price) or price <= 0:
            continue
        row = {"scenario": str(s), "price": price, "national": 1 - float(results.co2.sel(scenario=s, year=year)) / base_tot}
        if base is not None:
            grp = _group_co2(results, s, year)
            row.update({g: (1 - grp[g] / base[g]) if base[g] > 0 else row["national"] for g in GROUPS})
        rows.append(row)
    return pd.DataFrame(rows)


def group_curves(year: int, results: xr.Dataset | None, mac: xr.Dataset | None, baseline: str
                 ) -> tuple[dict[str, Callable] | None, str]:
    """Abatement-fraction curves by sector group (None = equal MAC) and a note on their source."""
    pts = cge_points(results, year, baseline) if results is not None else pd.DataFrame()
    if mac is not None:
        if "year" not in mac.dims or year not in mac.year.values or "price" not in mac.coords:
            raise InputError(f"mac: expected cge.ssa.mac_curves output with year {year} and a price coordinate")
        m = mac.sel(year=year)
        frac = m.reduction_pct.values / 100.0 if "reduction_pct" in m else None
        if frac is None:
            raise InputError("mac: variable 'reduction_pct' missing (cge.ssa.mac_curves output)")
        ok = np.isfinite(m.price.values) & np.isfinite(frac)
        nat = _curve(m.price.values[ok], frac[ok])
        rho = {g: 1.0 for g in GROUPS}
        if len(pts) and set(GROUPS) <= set(pts.columns):
            live = pts["national"] > 0
            rho = {g: float((pts.loc[live, g] / pts.loc[live, "national"]).mean()) if live.any() else 1.0 for g in GROUPS}
        note = "MAC: national curve from the MAC table (price sweep)" + (
            f"; relative group responses from results {rho}" if len(pts) else "; equal response of all sector groups")
        return {g: (lambda p, r=rho[g]: np.minimum(r * nat(p), MAX_ABATEMENT)) for g in GROUPS}, note
    if results is None:
        return None, "MAC: no results given -> equal MAC for all provinces (cut in proportion to projected emissions)"
    if len(pts) == 0:
        return None, f"MAC: no policy scenario with a carbon price > 0 in {year} -> equal MAC for all provinces"
    cols = GROUPS if set(GROUPS) <= set(pts.columns) else ("national",) * 3
    curves = {g: _curve(pts["price"].to_numpy(), pts[c].to_numpy()) for g, c in zip(GROUPS, cols)}
    return curves, (f"MAC: CGE points (price yuan/t, abatement fraction) of scenarios {list(pts.scenario)} in {year}"
                    + ("" if cols == GROUPS else "; no co2_sector -> national curve for every group"))


# ASSUMPTION: the same grouping for the CEADs provincial sectors (file of the provincial data set).
CEADS_GROUPS = {
    "power": ("Production and Supply of Electric Power, Steam and Hot Water",),
    "heavy_industry": ("Smelting and Pressing of Ferrous Metals", "Smelting and Pressing of Nonferrous Metals",
                       "Nonmetal Mineral Products", "Raw Chemical Materials and Chemical Products",
                       "Petroleum Processing and Coking", "Papermaking and Paper Products", "Chemical Fiber"),
}
CEADS_SECTOR_FILE = "ceads_provincial_co2_by_sector.csv"


def ceads_sector_mix(year: int) -> tuple[np.ndarray, str] | None:
    """w (province x group) from CEADs provincial CO2 by sector (latest year <= ``year``), or None if absent."""
    from .panel import DATA
    path = DATA / CEADS_SECTOR_FILE
    if not path.exists():
        return None
    df = pd.read_csv(path)
    years = sorted(y for y in df["year"].unique() if y <= year)
    if not years:
        return None
    d = df[df["year"] == years[-1]]
    missing = sorted(set(PROVINCES) - set(d["province"]))
    if missing:
        raise InputError(f"{path}: province(s) missing in {years[-1]}: {missing}")
    group = d["ceads_sector"].map({s: g for g, ss in CEADS_GROUPS.items() for s in ss}).fillna("other")
    tab = d.assign(group=group).pivot_table(index="province", columns="group", values="co2_mt_scope1", aggfunc="sum")
    tab = tab.reindex(index=PROVINCES, columns=list(GROUPS)).fillna(0.0).clip(lower=0.0)
    w = tab.to_numpy(float) / tab.to_numpy(float).sum(axis=1, keepdims=True)
    return w, f"sector mix: CEADs provincial CO2 by sector {years[-1]} ({CEADS_SECTOR_FILE})"


def sector_mix(data: xr.Dataset, year: int, results: xr.Dataset | None, baseline: str) -> tuple[np.ndarray, str]:
    """w (province x group): each province's CO2 share in power / heavy industry / other.

    From the CEADs provincial sector file when present; otherwise a PROXY splitting the CGE
    baseline's national group shares by thermal generation and secondary value added.
    """
    got = ceads_sector_mix(year)
    if got is not None:
        return got
    raw, used = indicators_at(data, ["co2", "gen_thermal", "gdp", "secondary_share"], year)
    if results is not None and "co2_sector" in results:
        g = _group_co2(results, baseline, year)
        tot = sum(g.values())
        nat = {k: v / tot for k, v in g.items()}
        src = f"national group shares from the CGE baseline {year}"
    else:
        nat = {"power": 1 / 3, "heavy_industry": 1 / 3, "other": 1 / 3}
        src = "no CGE sector data: national group shares 1/3 each (unused: equal MAC)"
    co2 = raw["co2"].to_numpy()
    sec_va = (raw["gdp"] * raw["secondary_share"]).to_numpy()
    power = nat["power"] * co2.sum() * raw["gen_thermal"].to_numpy() / raw["gen_thermal"].sum()
    heavy = nat["heavy_industry"] * co2.sum() * sec_va / sec_va.sum()
    scale = np.minimum(1.0, 0.95 * co2 / np.maximum(power + heavy, 1e-12))
    power, heavy = power * scale, heavy * scale
    w = np.column_stack([power, heavy, co2 - power - heavy]) / co2[:, None]
    return w, (f"sector mix PROXY: {src}; power by thermal generation, heavy industry by secondary value added; "
               + years_note(used, year))


def least_cost_cut(projected: np.ndarray, cut: float, w: np.ndarray, curves: dict[str, Callable] | None
                   ) -> tuple[np.ndarray, float]:
    """Cut by province (Mt) at one common price (yuan/t; nan when not price-based) summing to ``cut``."""
    total = projected.sum()
    if curves is None or cut <= 0:
        return cut * projected / total, float("nan")

    def achieved(p: float) -> np.ndarray:
        f = np.column_stack([curves[g](np.array([p]))[0] * np.ones(len(projected)) for g in GROUPS])
        return projected * np.minimum((w * f).sum(axis=1), MAX_ABATEMENT)
    hi = 1.0
    while achieved(hi).sum() < cut and hi < 1e9:
        hi *= 2
    if achieved(hi).sum() < cut:                  # beyond every curve: equal fractions
        return cut * projected / total, float("inf")
    lo = 0.0
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if achieved(mid).sum() < cut else (lo, mid)
    r = achieved(hi)
    return r * cut / r.sum(), hi


# ----------------------------------------------------------------------------- allocate

DEFAULTS = {"n_clusters": 6, "mac_weight": 0.5, "equity_range": (0.3, 0.7), "seed": 0, "n_particles": 12,
            "n_iter": 15, "train_start": 2006, "baseline": "baseline"}


def _validated(options: dict) -> dict:
    """Known options with defaults, each checked (unknown names are ignored)."""
    o = {**DEFAULTS, "results": None, "scenario": None, "mac": None,
         **{k: v for k, v in options.items() if k in DEFAULTS or k in ("results", "scenario", "mac")}}
    o["seed"] = int_option("seed", o["seed"], 0, 2 ** 32 - 1)
    o["n_clusters"] = int_option("n_clusters", o["n_clusters"], 2, len(PROVINCES))
    o["n_particles"] = int_option("n_particles", o["n_particles"], 2, 500)
    o["n_iter"] = int_option("n_iter", o["n_iter"], 1, 1000)
    o["train_start"] = int_option("train_start", o["train_start"], 1999, 2012)
    o["mac_weight"] = unit_option("mac_weight", o["mac_weight"])
    try:
        lo, hi = o["equity_range"]
    except (TypeError, ValueError):
        raise InputError(f"option equity_range = {o['equity_range']!r}: expected (low, high) in [0, 1]") from None
    o["equity_range"] = (unit_option("equity_range", lo), unit_option("equity_range", hi))
    if o["equity_range"][0] > o["equity_range"][1]:
        raise InputError(f"option equity_range = {o['equity_range']!r}: expected low <= high")
    if o["results"] is not None and not isinstance(o["results"], xr.Dataset):
        raise InputError("option results: expected the CGE results Dataset (results.nc)")
    if o["mac"] is not None and not isinstance(o["mac"], xr.Dataset):
        raise InputError("option mac: expected a MAC table Dataset (cge.ssa.mac_curves)")
    if not isinstance(o["baseline"], str):
        raise InputError(f"option baseline = {o['baseline']!r}: expected a scenario name")
    return o


def allocate_details(cap: float, year: int, data: xr.Dataset | None = None, **options) -> xr.Dataset:
    """Every intermediate of the AMLC allocation by province (projection, type, mix, MAC cut, quota)."""
    o = _validated(options)
    cap = check_cap(cap)
    data = get_panel(data)
    results, mac, lam = o["results"], o["mac"], o["mac_weight"]
    year = check_year(year, results, o["scenario"])
    if results is not None and o["baseline"] not in results.scenario.values:
        raise InputError(f"results: baseline scenario {o['baseline']!r} not found ({list(results.scenario.values)})")
    proj = fit_projection(data, _last_co2_year(data), o["train_start"], o["seed"], o["n_particles"], o["n_iter"])
    projected = project(data, year, proj)
    notes = [f"projection: PSO-LS-SVR (gamma {proj.gamma:.4g}, sigma {proj.sigma:.4g}) trained on target years "
             f"{proj.train_years[0]}-{proj.train_years[1]}" + (f", recursive beyond {_last_co2_year(data)}"
                                                                if year > _last_co2_year(data) + 1 else "")]
    if results is not None:
        base = float(results.co2.sel(scenario=o["baseline"], year=year))
        notes.append(f"projected emissions rescaled from the panel sum {projected.sum():.1f} Mt to the CGE baseline "
                     f"national CO2 {base:.1f} Mt in {year}")
        projected = projected * base / projected.sum()
    labels, _, ind = cluster_provinces(data, year, o["n_clusters"])
    raw, used = indicators_at(data, ["population", "gdp"], year)
    theta = equity_weights(labels, ind["log_gdp_per_capita"].to_numpy(), o["equity_range"])
    mix = theta * raw["population"].to_numpy() / raw["population"].sum() + (1 - theta) * raw["gdp"].to_numpy() / raw["gdp"].sum()
    mix = mix / mix.sum()                         # theta differs by type, so the mix needs renormalising
    curves, mac_note = group_curves(year, results, mac, o["baseline"])
    w, mix_note = sector_mix(data, year, results, o["baseline"])
    cut = projected.sum() - cap
    r_star, p_star = least_cost_cut(projected, cut, w, curves)
    quota = lam * (projected - r_star) + (1 - lam) * cap * mix
    quota = np.where(quota < 0, 0.0, quota)
    notes += [ind.attrs.get("note", ""), "population/GDP: " + years_note(used, year), mac_note, mix_note]
    if cut <= 0:
        notes.append(f"cap {cap:.1f} Mt >= projected {projected.sum():.1f} Mt: extra allowances in proportion to projection")
    p = {"province": PROVINCES}
    return xr.Dataset({
        "quota": ("province", quota, {"units": "Mt CO2"}),
        "projected": ("province", projected, {"units": "Mt CO2", "long_name": "projected emissions (PSO-LS-SVR)"}),
        "cluster": ("province", labels, {"long_name": "Ward type 1..n"}),
        "equity_weight": ("province", theta, {"units": "1", "long_name": "theta of the province's type"}),
        "mix_share": ("province", mix, {"units": "1", "long_name": "equity/efficiency share of the cap"}),
        "least_cost_cut": ("province", r_star, {"units": "Mt CO2"}),
        "sector_weight": (("province", "group"), w, {"units": "1"}),
    }, coords={**p, "group": list(GROUPS)}, attrs={
        "cap_mt": cap, "year": year, "mac_weight": lam, "equalised_price_yuan_per_t": p_star,
        "lssvm_gamma": proj.gamma, "lssvm_sigma": proj.sigma, "lssvm_validation_rmse_log": proj.validation_rmse,
        "notes": " | ".join(n for n in notes if n)})


def allocate(cap: float, year: int, data: xr.Dataset | None = None, **options) -> xr.DataArray:
    """AMLC quotas (Mt CO2 by province) summing to ``cap``; options in :data:`DEFAULTS`, plus results/scenario/mac."""
    d = allocate_details(cap, year, data, **options)
    attrs = {k: v for k, v in d.attrs.items() if k not in ("cap_mt", "year")}
    attrs["projected_total_mt"] = float(d.projected.sum())
    return quota_array(d.quota.values, float(d.attrs["cap_mt"]), int(d.attrs["year"]), "amlc", attrs)
