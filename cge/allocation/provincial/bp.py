"""BP neural-network provincial quotas, trained on the ETS pilots' caps 2014-2017 (the BP paper).

The paper ("bp-network-provincial-quota", Complexity/Hindawi; see ``shared/papers``) trains a
back-propagation network on the seven ETS pilots' allowance totals 2014-2017 with features in
three groups (enterprise production, household consumption, regional environment), min-max
normalised over the regions of each year, predicts the other provinces and adds them up to a
national total.  Here:

* **Training data**: the documented values of ``cge/allocation/provincial/data/ets_pilot_caps.csv``
  (column ``cap_mt``; never the unverified secondary figures): 12 pilot-years in 4 pilots
  (Guangdong 4, Chongqing 4 of which 2 extrapolated from the published rule, Hubei 3,
  Beijing 1).  That is very few points: the network is small (one hidden layer of 4 logistic
  units, L2 penalty ``alpha`` = 0.1 on a standardised target, ASSUMPTION) and weakly identified.
  **It does not beat the naive baseline**: leave-one-pilot-out mean absolute error of the
  ratio 0.109 against 0.092 for the other pilots' mean ratio (seed 0); with ``alpha`` >= 1 the
  network shrinks to that mean (0.092, no better).  Four pilots cannot identify nine features;
  the BP quotas are shown for comparison with the paper, not as a validated predictor.
* **Target**: the cap / emission ratio, cap_mt / CEADs CO2 of the province and year (1),
  rather than the cap in Mt, so that provinces of any size can be predicted.  Guangdong's cap
  excludes Shenzhen (its own ETS) while CEADs covers the whole province, so its ratio is low.
* **Features** (:data:`FEATURE_GROUPS`, panel indicators; the paper's firm counts, R&D staff,
  freight, gas supply, disposable income are not in the panel): min-max normalised over the
  30 provinces in each year (paper); for years after the data, each indicator's latest year.
* **Allocation**: predicted cap_i = max(ratio_i, 0) x CO2_i (latest CO2 year); the sum of
  those is reported next to the CGE's national emissions; quotas = cap x predicted share.
* **Feature weights**: Garson's algorithm on the fitted weights (sums to 1; also by group).
* **Backtest**: leave-one-pilot-out (all years of one pilot held out) against the naive mean
  ratio of the other pilots.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from sam.errors import InputError

from .rules import (int_option, check_cap, check_year, get_panel, indicators_at, latest, quota_array,
                      years_note)
from .panel import forest_area_filled
from .data._provinces import PROVINCES

FEATURE_GROUPS = {
    "enterprise_production": {"secondary_share": "% of GDP", "energy_intensity": "tce per 10k yuan",
                              "thermal_per_gdp": "MWh per 10k yuan"},
    "household_consumption": {"gdp_per_capita": "yuan per person", "energy_per_capita": "tce per person",
                              "co2_per_capita": "t CO2 per person"},
    "regional_environment": {"urbanisation": "%", "tertiary_share": "% of GDP", "forest_per_capita": "m2 per person"},
}
FEATURES = tuple(f for g in FEATURE_GROUPS.values() for f in g)
GROUP_OF = {f: g for g, fs in FEATURE_GROUPS.items() for f in fs}
RAW = ["gdp", "population", "secondary_share", "tertiary_share", "urbanisation", "energy", "co2", "gen_thermal"]
DEFAULTS = {"hidden": 4, "alpha": 0.1, "seed": 0, "statuses": None}


def features(data: xr.Dataset, year: int) -> tuple[pd.DataFrame, str]:
    """Raw features (province x feature) of ``year`` (or each indicator's latest year) and a note."""
    raw, used = indicators_at(data, RAW, year)
    forest, fnote = forest_area_filled(data)
    pop = raw["population"] * 1e4
    gdp10k = raw["gdp"] * 1e5                                           # 10k yuan
    t = pd.DataFrame(index=PROVINCES)
    t["secondary_share"] = raw["secondary_share"]
    t["energy_intensity"] = raw["energy"] * 1e6 / gdp10k
    t["thermal_per_gdp"] = raw["gen_thermal"] * 1e6 / gdp10k
    t["gdp_per_capita"] = raw["gdp"] * 1e9 / pop
    t["energy_per_capita"] = raw["energy"] * 1e6 / pop
    t["co2_per_capita"] = raw["co2"] * 1e6 / pop
    t["urbanisation"] = raw["urbanisation"]
    t["tertiary_share"] = raw["tertiary_share"]
    t["forest_per_capita"] = forest * 1e8 / pop
    return t[list(FEATURES)], "; ".join(x for x in (years_note(used, year), fnote) if x)


def normalise(t: pd.DataFrame) -> pd.DataFrame:
    """Min-max normalisation over the provinces (constant column -> 0)."""
    span = (t.max() - t.min()).replace(0, np.nan)
    return ((t - t.min()) / span).fillna(0.0)


def pilot_caps(statuses: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Documented pilot caps (pilot, province, year, cap_mt, cap_status), optionally only some statuses."""
    from .panel import DATA
    path = DATA / "ets_pilot_caps.csv"
    if not path.exists():
        raise InputError(f"{path}: file not found")
    df = pd.read_csv(path)
    df = df[df["cap_mt"].notna()][["pilot", "province", "year", "cap_mt", "cap_status"]]
    unknown = sorted(set(df["province"]) - set(PROVINCES))
    if unknown:
        raise InputError(f"{path}: unknown province(s) {unknown}")
    if statuses is not None:
        bad = sorted(set(statuses) - set(pd.read_csv(path)["cap_status"]))
        if bad:
            raise InputError(f"option statuses: unknown cap_status value(s) {bad}")
        df = df[df["cap_status"].isin(statuses)]
    if len(df) < 3:
        raise InputError(f"{path}: only {len(df)} documented cap(s) with statuses {statuses}; need >= 3")
    return df.reset_index(drop=True)


def training_set(data: xr.Dataset, caps: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Normalised features of each pilot-year, its cap/CO2 ratio, and the rows (with CO2)."""
    xs, ys, rows = [], [], []
    for year, grp in caps.groupby("year"):
        t, _ = features(data, int(year))
        z = normalise(t)
        for r in grp.itertuples(index=False):
            co2 = float(data["co2"].sel(province=r.province, year=int(year)))
            if not np.isfinite(co2) or co2 <= 0:
                raise InputError(f"BP training: no CEADs CO2 for {r.province} {year}")
            xs.append(z.loc[r.province].to_numpy(float))
            ys.append(r.cap_mt / co2)
            rows.append({"pilot": r.pilot, "province": r.province, "year": int(year), "cap_mt": r.cap_mt, "co2_mt": co2})
    return np.array(xs), np.array(ys), pd.DataFrame(rows)


@dataclass
class BPModel:
    """A fitted MLPRegressor with its training rows."""

    net: object
    rows: pd.DataFrame
    x: np.ndarray
    y: np.ndarray


def _options(options: dict) -> dict:
    """Validated BP options (unknown names ignored)."""
    o = {**DEFAULTS, **{k: v for k, v in options.items() if k in DEFAULTS}}
    o["hidden"] = int_option("hidden", o["hidden"], 1, 64)
    o["seed"] = int_option("seed", o["seed"], 0, 2 ** 32 - 1)
    try:
        o["alpha"] = float(o["alpha"])
    except (TypeError, ValueError):
        raise InputError(f"option alpha = {o['alpha']!r}: expected a number >= 0") from None
    if not (np.isfinite(o["alpha"]) and o["alpha"] >= 0):
        raise InputError(f"option alpha = {o['alpha']!r}: expected a number >= 0")
    if o["statuses"] is not None:
        o["statuses"] = tuple(o["statuses"])
    return o


class _Net:
    """One-hidden-layer MLPRegressor (logistic hidden units as in the paper, linear output, L-BFGS) on a standardised target."""

    def __init__(self, hidden: int, alpha: float, seed: int) -> None:
        from sklearn.neural_network import MLPRegressor
        self.mlp = MLPRegressor(hidden_layer_sizes=(hidden,), activation="logistic", solver="lbfgs", alpha=alpha,
                                max_iter=5000, tol=1e-10, random_state=seed)
        self.mean, self.scale = 0.0, 1.0

    def fit(self, x: np.ndarray, y: np.ndarray) -> "_Net":
        """Fit on (y - mean) / sd, so that the L2 penalty does not depend on the target's units."""
        import warnings
        from sklearn.exceptions import ConvergenceWarning
        self.mean, sd = float(np.mean(y)), float(np.std(y))
        self.scale = sd if sd > 0 else 1.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.mlp.fit(x, (np.asarray(y) - self.mean) / self.scale)
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predictions in the target's units."""
        return self.mlp.predict(x) * self.scale + self.mean

    @property
    def coefs_(self) -> list[np.ndarray]:
        """Connection weights (input-hidden, hidden-output)."""
        return self.mlp.coefs_


def _net(hidden: int, alpha: float, seed: int) -> _Net:
    """A fresh network with the given size, L2 penalty and seed."""
    return _Net(hidden, alpha, seed)


def fit(data: xr.Dataset | None = None, **options) -> BPModel:
    """Train the network on the documented pilot caps (ratio cap / CO2)."""
    o = _options(options)
    data = get_panel(data)
    x, y, rows = training_set(data, pilot_caps(o["statuses"]))
    net = _net(o["hidden"], o["alpha"], o["seed"]).fit(x, y)
    return BPModel(net, rows, x, y)


def feature_weights(data: xr.Dataset | None = None, model: BPModel | None = None, **options) -> pd.DataFrame:
    """Garson importance of each feature (sums to 1) with its group; ``group_weight`` sums by group."""
    m = model if model is not None else fit(data, **options)
    w_in, w_out = (np.abs(c) for c in m.net.coefs_)              # (features x hidden), (hidden x 1)
    contrib = w_in / w_in.sum(axis=0, keepdims=True) * w_out[:, 0][None, :]
    imp = contrib.sum(axis=1)
    imp = imp / imp.sum()
    df = pd.DataFrame({"group": [GROUP_OF[f] for f in FEATURES], "weight": imp,
                       "units": [FEATURE_GROUPS[GROUP_OF[f]][f] for f in FEATURES]}, index=pd.Index(FEATURES, name="feature"))
    df["group_weight"] = df.groupby("group")["weight"].transform("sum")
    return df


def backtest(data: xr.Dataset | None = None, **options) -> pd.DataFrame:
    """Leave-one-pilot-out errors of BP vs the naive mean cap/CO2 ratio of the other pilots.

    Rows: one per held-out pilot and ``all``; columns: absolute errors of the ratio (1) and of
    the cap (Mt CO2), for ``bp`` and ``naive``.
    """
    o = _options(options)
    data = get_panel(data)
    x, y, rows = training_set(data, pilot_caps(o["statuses"]))
    pilots = rows["pilot"].unique()
    if len(pilots) < 2:
        raise InputError("BP backtest: need at least two pilots")
    pred_bp, pred_nv = np.empty_like(y), np.empty_like(y)
    for p in pilots:
        test = (rows["pilot"] == p).to_numpy()
        net = _net(o["hidden"], o["alpha"], o["seed"]).fit(x[~test], y[~test])
        pred_bp[test] = net.predict(x[test])
        pred_nv[test] = y[~test].mean()
    co2 = rows["co2_mt"].to_numpy()
    out = []
    for name, sel in [*((p, (rows["pilot"] == p).to_numpy()) for p in pilots), ("all", np.ones(len(y), bool))]:
        out.append({"held_out": name, "n": int(sel.sum()),
                    "bp_ratio_mae": float(np.abs(pred_bp[sel] - y[sel]).mean()),
                    "naive_ratio_mae": float(np.abs(pred_nv[sel] - y[sel]).mean()),
                    "bp_cap_mae_mt": float(np.abs((pred_bp[sel] - y[sel]) * co2[sel]).mean()),
                    "naive_cap_mae_mt": float(np.abs((pred_nv[sel] - y[sel]) * co2[sel]).mean())})
    table = pd.DataFrame(out).set_index("held_out")
    table.attrs = {"n_points": int(len(y)), "n_pilots": int(len(pilots)), "units": "ratio: 1; cap: Mt CO2",
                   "beats_naive": bool(table.loc["all", "bp_ratio_mae"] < table.loc["all", "naive_ratio_mae"])}
    return table


def allocate(cap: float, year: int, data: xr.Dataset | None = None, **options) -> xr.DataArray:
    """BP quotas (Mt CO2 by province): predicted cap/CO2 ratios x CO2, rescaled to ``cap``."""
    cap = check_cap(cap)
    results, scen = options.get("results"), options.get("scenario")
    year = check_year(year, results, scen)
    data = get_panel(data)
    m = fit(data, **options)
    t, note = features(data, year)
    ratio = m.net.predict(normalise(t).to_numpy(float))
    clipped = [p for p, r in zip(PROVINCES, ratio) if r < 0]
    co2, co2_year = _latest_co2(data, year)
    pred = np.maximum(ratio, 0.0) * co2
    attrs = {"bp_national_sum_mt": float(pred.sum()), "bp_co2_year": co2_year,
             "training_points": int(len(m.y)), "training_pilots": ", ".join(m.rows["pilot"].unique()),
             "notes": f"trained on {len(m.y)} documented pilot caps (few points: weakly identified); target cap/CO2; "
                      f"sum of predicted caps = ETS-coverage-like total, not national emissions; features: {note}"
                      + (f"; negative predicted ratios set to 0 for {clipped}" if clipped else "")}
    if results is not None and "co2" in results:
        if scen is not None:
            attrs["cge_national_co2_mt"] = float(results.co2.sel(scenario=scen, year=year))
        if "baseline" in results.scenario.values:
            attrs["cge_baseline_co2_mt"] = float(results.co2.sel(scenario="baseline", year=year))
    return quota_array(pred, cap, year, "bp", attrs)


def _latest_co2(data: xr.Dataset, year: int) -> tuple[np.ndarray, int]:
    """CEADs CO2 (Mt) in ``year`` or the latest complete year before it."""
    v, y = latest(data, "co2", year)
    return v, int(y)
