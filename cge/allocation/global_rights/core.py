"""Global carbon emission rights by country: Zhou et al. (2024, iScience 27:109412).

Pipeline (``allocate_global``): the nine indicators of the paper's Table 1 (society, economy,
environment x equity, efficiency, ecology) from the World Bank files in
``../shared/data/raw/global/`` -> min-max normalisation and entropy weights
(:mod:`cge.allocation.entropy`) -> equity, efficiency and ecology indices and the abatement
capacity index ACI = Eq + Ef + El (Equation 9) -> carbon-reduction gravity linkage between
capitals (:mod:`cge.allocation.gravity`, Equation 8) -> alliances by maximum linkage ->
two-stage Shapley value with v(S) = (sum ACI) x (sum CRL) (:mod:`cge.allocation.shapley`,
Equations 10-13) -> each country's share of global rights and the part of it due to each
principle.  ``allocate`` runs the same steps on any indicator table (provinces included).

The indicator definitions, source files and units are data (``data/indicators.csv``);
every departure from the paper is listed in the result's ``deviations`` attribute and in
the README (section "Global emission rights by country").
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from sam.errors import InputError
from sam.readers import read_csv_checked

from ...paths import scenario_data_dir
from ..entropy import entropy_weight_table
from ..gravity import alliances_by_max_linkage, check_distances, distance_matrix_km, gravity_linkage, gravity_mass
from ..shapley import two_stage_shapley

DATA_DIR = Path(__file__).resolve().parent / "data"
PRINCIPLES = ("equity", "efficiency", "ecology")
DIMENSIONS = ("society", "economy", "environment")
INDICATORS = ("POP", "GDP", "COE", "URB", "COP", "CFT", "SRV", "FRT", "FAR")
REQUIRED = (*INDICATORS, "LAB", "lat", "lon")
FIRST_YEAR, LAST_YEAR, CUM_START, WINDOW = 2016, 2020, 1990, 5
EQUITY_BASES = ("cumulative", "table1")
LABOUR_PROXIES = ("gdp_per_employed", "gdp_per_capita_ppp")
PAPER_COUNTRIES = 184
DERIVED_FILE = "wdi_derived_1990_2020.csv"      # shipped copy of the raw series used (data/build_wdi_derived.py)
CAPITALS_FILE = "capitals.csv"


def default_raw_dir() -> Path:
    """The global raw-data folder: ``$CGE_RAW_DIR/global`` or ``../shared/data/raw/global``."""
    from sam.build import default_raw_dir as raw
    return raw() / "global"


def indicator_spec(equity_basis: str = "cumulative", labour_proxy: str = "gdp_per_employed") -> pd.DataFrame:
    """Rows of ``indicators.csv`` for the chosen equity basis and labour proxy, indexed by code."""
    if equity_basis not in EQUITY_BASES:
        raise InputError(f"equity_basis {equity_basis!r}: use one of {EQUITY_BASES}")
    if labour_proxy not in LABOUR_PROXIES:
        raise InputError(f"labour_proxy {labour_proxy!r}: use one of {LABOUR_PROXIES}")
    spec = pd.read_csv(DATA_DIR / "indicators.csv")
    keep = spec.basis.isin(["all", equity_basis, labour_proxy])
    return spec[keep].set_index("code").loc[[*INDICATORS, "LAB"]]


# ----------------------------------------------------------------------------- reading
def _gapminder() -> dict[str, str]:
    df = pd.read_csv(DATA_DIR / "gapminder_codes.csv")
    return dict(zip(df.gapminder, df.iso3))


def read_capitals(raw: Path | None) -> pd.DataFrame:
    """Capital coordinates (decimal degrees) indexed by ISO3; entities without coordinates dropped.
    ``raw`` None: the shipped copy ``data/capitals.csv``."""
    path = DATA_DIR / CAPITALS_FILE if raw is None else raw / "capitals" / "capitals_latlon.csv"
    df = read_csv_checked(path, required=["iso3", "country", "lat", "lon"], numeric=["lat", "lon"],
                          allow_blank=["lat", "lon"])
    return df.dropna(subset=["lat", "lon"]).set_index("iso3")[["country", "lat", "lon"]]


def read_wdi_long(path: Path, known: set[str]) -> pd.DataFrame:
    """A WDI long file (Country Name, Country Code, Year, Value) as countries x years; aggregates dropped."""
    df = read_csv_checked(path, required=["Country Name", "Country Code", "Year", "Value"],
                          numeric=["Year", "Value"])
    df = df[df["Country Code"].isin(known)]
    return df.pivot_table(index="Country Code", columns="Year", values="Value", aggfunc="first").rename(
        columns=int)


def read_transcribed(path: Path, years: Sequence[int], known: set[str]) -> pd.DataFrame:
    """A hand-transcribed wide file (iso3, y<year>...) as countries x years; unknown codes are errors."""
    cols = [f"y{y}" for y in years]
    df = read_csv_checked(path, required=["iso3", *cols], numeric=cols, allow_blank=cols)
    gap = _gapminder()
    codes = df.iso3.str.strip().map(lambda c: gap.get(c, c.upper()))
    bad = ~codes.isin(known)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"{path}: line {i + 2}, field iso3: unknown country code {df.iso3.iloc[i]!r}")
    wide = df[cols].set_axis(codes.to_numpy()).rename(columns=lambda c: int(c[1:]))
    return wide


@dataclass
class Indicators:
    """Indicator table of one year: one row per country (ISO3), with what was done to build it."""

    table: pd.DataFrame            # country, POP..FAR, LAB, lat, lon (NaN where missing)
    year: int
    window: tuple[int, int]
    equity_basis: str
    labour_proxy: str
    spec: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def _window(year: int) -> tuple[int, int]:
    """Averaging window: the five years to ``year``, clipped to the transcribed series (2016-2020)."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InputError(f"year {year} outside {FIRST_YEAR}-{LAST_YEAR}: the transcribed WDI series "
                         f"(CO2, clean cooking, services employment, forest rents) cover {FIRST_YEAR}-{LAST_YEAR}")
    return max(year - WINDOW + 1, FIRST_YEAR), year


def _mean_window(wide: pd.DataFrame, window: tuple[int, int]) -> tuple[pd.Series, pd.Series]:
    """Mean over the window's available years, and the number of years used."""
    cols = [y for y in range(window[0], window[1] + 1) if y in wide.columns]
    sub = wide[cols]
    return sub.mean(axis=1, skipna=True), sub.notna().sum(axis=1)


def _cumulative(wide: pd.DataFrame, year: int) -> tuple[pd.Series, pd.Series]:
    """Sum 1990..year; a missing year is filled with the country's mean of its available years."""
    cols = [y for y in range(CUM_START, year + 1) if y in wide.columns]
    sub = wide[cols]
    n = sub.notna().sum(axis=1)
    total = sub.mean(axis=1, skipna=True) * len(cols)
    return total.where(n > 0), n


CO2_FILE = "wdi_open_numbers_transcribed/en_atm_co2e_kt_1990_2020.csv"


def read_derived() -> pd.DataFrame:
    """The shipped indicator series (iso3, year, one column per raw file), built from the raw files."""
    path = DATA_DIR / DERIVED_FILE
    df = read_csv_checked(path, required=["iso3", "year"], numeric=["year"])
    values = [c for c in df.columns if c not in ("iso3", "year")]
    df[values] = df[values].apply(pd.to_numeric, errors="raise")
    return df


def _source(rel: str, raw: Path | None, known: set[str], cache: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Countries x years of one raw file (``raw`` None: its shipped copy), read once per call of
    :func:`load_indicators`."""
    if rel not in cache:
        if raw is None:
            if "__derived__" not in cache:
                cache["__derived__"] = read_derived()
            d = cache["__derived__"]
            if rel not in d.columns:
                raise InputError(f"{DATA_DIR / DERIVED_FILE}: no column {rel!r} (rebuild with build_wdi_derived.py)")
            cache[rel] = d.pivot_table(index="iso3", columns="year", values=rel, aggfunc="first").rename(
                columns=int).rename_axis(index=None, columns=None)
        elif rel.startswith("wdi_open_numbers_transcribed/"):
            first = CUM_START if rel == CO2_FILE else FIRST_YEAR
            cache[rel] = read_transcribed(raw / rel, range(first, LAST_YEAR + 1), known)
        else:
            cache[rel] = read_wdi_long(raw / rel, known)
    return cache[rel]


def _yearly(code: str, spec: pd.DataFrame, raw: Path, known: set[str], cache: dict) -> pd.DataFrame:
    """Yearly values of one indicator; carbon productivity derived as GDP / (CO2 kt x 1000), US$ per t."""
    if code != "COP":
        return _source(spec.loc[code, "source_file"], raw, known, cache)
    co2 = _source(CO2_FILE, raw, known, cache)
    gdp = _source(spec.loc["GDP", "source_file"], raw, known, cache)
    ratio = gdp.reindex(index=co2.index, columns=co2.columns) / (co2 * 1000.0)
    return ratio.where(np.isfinite(ratio))


def _coverage_note(code: str, cumulative: bool, used: pd.Series, year: int, window: tuple[int, int]) -> str | None:
    """A note naming the countries whose value rests on fewer years than the window or 1990..year."""
    full = year - CUM_START + 1 if cumulative else window[1] - window[0] + 1
    short = used[(used > 0) & (used < full)]
    if short.empty:
        return None
    if cumulative:
        return (f"{code}: years missing in {CUM_START}-{year} filled with the country's mean for "
                + ", ".join(f"{c} ({full - int(k)} yr)" for c, k in short.items()))
    return (f"{code}: mean of the available years for {len(short)} countries "
            f"({', '.join(short.index[:12])}{'...' if len(short) > 12 else ''})")


def load_indicators(year: int, raw_dir: str | Path | None = None, equity_basis: str = "cumulative",
                    labour_proxy: str = "gdp_per_employed") -> Indicators:
    """The indicator table for ``year`` (no country dropped yet): from the shipped copy of the
    series (``raw_dir`` None, the default) or from the raw global files in ``raw_dir``."""
    raw = Path(raw_dir) if raw_dir is not None else None
    if raw is not None and not raw.exists():
        raise InputError(f"{raw}: global raw-data folder not found (pass another raw_dir, or none for the shipped copy)")
    window = _window(year)
    spec = indicator_spec(equity_basis, labour_proxy)
    caps = read_capitals(raw)
    known = set(caps.index) | set(_gapminder().values())
    cache: dict[str, pd.DataFrame] = {}
    countries = sorted(set(_source(spec.loc["POP", "source_file"], raw, known, cache).index) & set(caps.index))
    table = pd.DataFrame(index=pd.Index(countries, name="iso3"))
    if raw is None:
        table["country"] = caps.country.reindex(countries)
    else:
        names = pd.read_csv(raw / spec.loc["POP", "source_file"], usecols=["Country Name", "Country Code"])
        table["country"] = names.drop_duplicates("Country Code").set_index("Country Code")["Country Name"].reindex(
            countries).fillna(caps.country.reindex(countries))
    notes: list[str] = []
    for code, row in spec.iterrows():
        wide = _yearly(code, spec, raw, known, cache)
        cumulative = row.aggregation == "sum_1990"
        value, used = _cumulative(wide, year) if cumulative else _mean_window(wide, window)
        table[code] = value.reindex(countries)
        note = _coverage_note(code, cumulative, used.reindex(countries), year, window)
        if note:
            notes.append(note)
    table["lat"], table["lon"] = caps.lat.reindex(countries), caps.lon.reindex(countries)
    return Indicators(table, year, window, equity_basis, labour_proxy, spec, notes)


def select_countries(ind: Indicators, countries: Sequence[str] | None = None, impute: bool = False,
                     max_imputed: int = 2) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, list[str]]]:
    """Countries kept, countries excluded (with their missing fields) and imputed fields per country."""
    table = ind.table
    if countries is not None:
        wanted = [c.strip().upper() for c in countries]
        unknown = [c for c in wanted if c not in table.index]
        if unknown:
            raise InputError(f"unknown country code(s) {unknown}: not a WDI economy with a capital in "
                             f"capitals/capitals_latlon.csv")
        table = table.loc[list(dict.fromkeys(wanted))]
    missing = table[list(REQUIRED)].isna()
    imputed: dict[str, list[str]] = {}
    if impute:
        med = ind.table[list(INDICATORS) + ["LAB"]].median()
        fixable = missing.drop(columns=["lat", "lon"]).sum(axis=1).between(1, max_imputed) & \
            ~missing[["lat", "lon"]].any(axis=1)
        table = table.copy()
        for iso in fixable[fixable].index:
            cols = missing.columns[missing.loc[iso]].tolist()
            table.loc[iso, cols] = med[cols]
            imputed[iso] = cols
        missing = table[list(REQUIRED)].isna()
    bad = missing.any(axis=1)
    excluded = pd.DataFrame({"country": table.country[bad],
                             "missing": [" ".join(missing.columns[missing.loc[i]]) for i in table.index[bad]]})
    if countries is not None and len(excluded):
        raise InputError("country(ies) without complete indicators: " +
                         "; ".join(f"{i} (missing {m})" for i, m in excluded.missing.items()))
    return table[~bad], excluded, imputed


# ----------------------------------------------------------------------------- the method
def check_indicator_table(table: pd.DataFrame, source: str = "indicator table") -> None:
    """Required columns present, values finite, labour cost > 0; InputError naming the row and field."""
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise InputError(f"{source}: missing indicator column(s) {missing}")
    if len(table) < 2:
        raise InputError(f"{source}: need at least 2 rows, got {len(table)}")
    if table.index.has_duplicates:
        raise InputError(f"{source}: duplicate row(s) {table.index[table.index.duplicated()].tolist()}")
    vals = table[list(REQUIRED)].apply(pd.to_numeric, errors="coerce")
    bad = ~np.isfinite(vals.to_numpy(float))
    if bad.any():
        i, j = map(int, np.argwhere(bad)[0])
        raise InputError(f"{source}: row {table.index[i]}, field {REQUIRED[j]}: "
                         f"not a finite number ({table.iloc[i][REQUIRED[j]]!r})")
    neg = vals.LAB <= 0
    if neg.any():
        raise InputError(f"{source}: row {neg.idxmax()}, field LAB: labour cost must be > 0")


def principle_scores(weighted: pd.DataFrame, spec: pd.DataFrame, by: str) -> pd.DataFrame:
    """Sum of weighted normalised indicators by principle or by dimension (columns in paper order)."""
    groups = PRINCIPLES if by == "principle" else DIMENSIONS
    return pd.DataFrame({g: weighted[[c for c in INDICATORS if spec.loc[c, by] == g]].sum(axis=1)
                         for g in groups})


def allocate(table: pd.DataFrame, n_alliances: int | None = 15, spec: pd.DataFrame | None = None,
             directions: Mapping[str, str] | None = None, source: str = "indicator table",
             merge: str = "average", min_distance_km: float | None = None) -> xr.Dataset:
    """Entropy weights, ACI, gravity linkage, alliances and two-stage Shapley shares for any indicator table.

    ``min_distance_km`` (not in the paper) floors the distance between capitals in Equation 8,
    which otherwise makes very close capitals (Kinshasa-Brazzaville, 7.6 km) dominate.
    """
    check_indicator_table(table, source)
    spec = spec if spec is not None else indicator_spec()
    if n_alliances is not None and not 1 <= n_alliances <= len(table):
        raise InputError(f"n_alliances = {n_alliances} outside 1..{len(table)} (number of countries)")
    ids = [str(i) for i in table.index]
    norm, w = entropy_weight_table(table[list(INDICATORS)].astype(float), directions)
    weighted = norm * w
    prin, dim = principle_scores(weighted, spec, "principle"), principle_scores(weighted, spec, "dimension")
    aci = prin.sum(axis=1).to_numpy()
    try:
        dist = distance_matrix_km(table.lat.to_numpy(float), table.lon.to_numpy(float))
        if min_distance_km is not None:
            if not min_distance_km > 0:
                raise ValueError(f"min_distance_km = {min_distance_km}; must be > 0")
            check_distances(dist, ids)
            dist = np.where(np.eye(len(ids), dtype=bool), 0.0, np.maximum(dist, min_distance_km))
        mass = gravity_mass(*(dim[d].to_numpy() for d in DIMENSIONS))
        crl = gravity_linkage(mass, table.LAB.to_numpy(float), dist, labels=ids)
    except ValueError as exc:
        raise InputError(f"{source}: {exc}") from exc
    labels, natural = alliances_by_max_linkage(crl, n_alliances, merge)
    ts = two_stage_shapley(aci, crl, labels, components=prin.to_numpy())
    rank = np.argsort(-ts.group_share, kind="stable")          # A01 = the largest alliance
    names = np.empty(len(rank), dtype=object)
    names[rank] = [f"A{k + 1:02d}" for k in range(len(rank))]
    ds = _dataset(table, ids, norm, w, prin, dim, aci, mass, dist, crl, labels, names, natural, ts, spec)
    ds.attrs.update({"merge": merge, "min_distance_km": float(min_distance_km or 0.0)})
    return ds


def _var(dims: tuple[str, ...], values, units: str | None, long_name: str) -> tuple:
    """One Dataset variable with its units and long name."""
    attrs = {"long_name": long_name} | ({"units": units} if units else {})
    return dims, values, attrs


def _dataset(table, ids, norm, w, prin, dim, aci, mass, dist, crl, labels, names, natural, ts, spec) -> xr.Dataset:
    """Assemble the labelled result (countries in input order, alliances A01.. by share)."""
    order = np.argsort(names)
    members = [" ".join(np.array(ids)[labels == k]) for k in order]
    group_contrib = np.array([ts.contribution[labels == k].sum(axis=0) for k in order])
    lab_units = str(spec.loc["LAB", "units"])
    country_names = table.country.astype(str).to_numpy() if "country" in table else np.array(ids)
    C, CP, CC, A = ("country",), ("country", "principle"), ("country", "partner"), ("alliance",)
    ds = xr.Dataset(
        {
            "share": _var(C, ts.share, "1", "share of global carbon emission rights (Q_i)"),
            "contribution": _var(CP, ts.contribution, "1", "part of the share due to each principle (sums to share)"),
            "alliance_of": _var(C, names[labels].astype(str), None, "carbon-reduction alliance of the country"),
            "country_name": _var(C, country_names, None, "country name (WDI)"),
            "within_share": _var(C, ts.within_share, "1", "share within own alliance (stage 2)"),
            "shapley_within": _var(C, ts.member_value, "ACI x CRL", "stage-2 Shapley value within own alliance"),
            "aci": _var(C, aci, "1", "abatement capacity index ACI = Eq + Ef + El"),
            "principle_index": _var(CP, prin.to_numpy(), "1", "Eq, Ef, El indices"),
            "dimension_score": _var(("country", "dimension"), dim.to_numpy(), "1", "Sc, Ec, Ev scores"),
            "gravity_mass": _var(C, mass, "1", "(Sc Ec Ev)^(1/3)"),
            "indicator_value": _var(("country", "indicator"), table[list(INDICATORS)].to_numpy(float),
                                    "; ".join(f"{k}: {spec.loc[k, 'units']}" for k in INDICATORS),
                                    "raw indicator values"),
            "normalised": _var(("country", "indicator"), norm.to_numpy(), "1", "min-max normalised indicators"),
            "weight": _var(("indicator",), w.to_numpy(), "1", "entropy weight"),
            "labour_cost": _var(C, table.LAB.to_numpy(float), lab_units,
                                f"labour-cost proxy {spec.loc['LAB', 'series']}"),
            "lat": _var(C, table.lat.to_numpy(float), "degrees_north", "capital latitude"),
            "lon": _var(C, table.lon.to_numpy(float), "degrees_east", "capital longitude"),
            "distance": _var(CC, dist, "km", "great-circle distance between capitals"),
            "crl": _var(CC, crl, f"km-2 ({lab_units})-2", "carbon-reduction linkage CRL_ij (Equation 8)"),
            "alliance_share": _var(A, ts.group_share[order], "1", "alliance share (stage 1)"),
            "alliance_shapley": _var(A, ts.group_value[order], "ACI x CRL", "stage-1 Shapley value"),
            "alliance_contribution": _var(("alliance", "principle"), group_contrib, "1",
                                          "sum of members' principle contributions"),
            "alliance_size": _var(A, np.bincount(labels)[order], "countries", "number of members"),
            "alliance_members": _var(A, np.array(members, dtype=object), None, "ISO3 codes of members"),
        },
        coords={"country": ids, "principle": list(PRINCIPLES), "partner": ids, "dimension": list(DIMENSIONS),
                "indicator": list(INDICATORS), "alliance": names[order].astype(str)},
    )
    ds.attrs.update({"n_alliances": int(len(order)), "n_alliances_natural": int(natural), "n_countries": len(ids)})
    return ds


# ----------------------------------------------------------------------------- deviations
def deviations(ind: Indicators, n_countries: int, excluded: pd.DataFrame, imputed: Mapping[str, list[str]],
               ds: xr.Dataset) -> list[str]:
    """Every departure from the paper's published method for this run, one sentence each."""
    w0, w1 = ind.window
    natural, n_alliances = ds.attrs["n_alliances_natural"], ds.attrs["n_alliances"]
    how = ("merging the two alliances of highest mean cross linkage in turn (average linkage)"
           if ds.attrs.get("merge") == "average" else "joining along the strongest remaining country pair "
           "(single linkage)")
    out = [
        f"countries: {n_countries} with complete indicators and a capital (paper: {PAPER_COUNTRIES}); "
        f"{len(excluded)} excluded, listed in excluded_<year>.csv and the 'excluded' attribute",
        "labour cost (L in Equation 8): WDI has no labour-cost series; proxy "
        f"{ind.spec.loc['LAB', 'series']} ({ind.spec.loc['LAB', 'units']})",
        "carbon productivity (COP, x5): no WDI series; derived each year as GDP (current US$) / CO2 "
        "(EN.ATM.CO2E.KT x 1000 t), then averaged",
        "CO2 data: WDI EN.ATM.CO2E.KT of the ~2023 vintage (Climate Watch/CAIT; excludes LULUCF and "
        "international bunkers); GDP, population, urbanisation, forest area and the labour proxy are the "
        "2026-07 WDI vintage (mixed vintages; the paper's vintage is not stated)",
        "distances: great-circle (haversine, mean Earth radius 6371.0088 km) between capital coordinates "
        "from GeoNames/countryinfo (paper: ArcGIS distances between capitals)",
        "alliances: the paper pairs countries by maximum linkage and reports 15 alliances without a rule "
        f"for fixing the count; here the pairing gives {natural} natural alliances and the requested "
        f"{n_alliances} are reached by {how} when fewer, or by cutting the weakest pairing links when more",
        "stage 1 (alliances as players): v of a coalition of alliances counts all pairs of member countries, "
        "so each alliance brings its internal linkage as a singleton term (the paper states only that the "
        "sums of ACI and CRL of the alliances' countries are used)",
        "sum over i,j in S in Equation 10 taken over unordered pairs i<j (ordered pairs double every v; "
        "shares unchanged); CRL_ii is undefined (D_ii = 0) and left out",
        "principle contributions: the Shapley value is linear in ACI = Eq + Ef + El for a given CRL, so each "
        "country's within-alliance value splits exactly into the three principles; the split is applied to "
        "its share (the paper does not state how it computed contributions)",
        "normalisation: every indicator treated as benefit-type (Equation 2 as printed) unless "
        "'directions' says otherwise; 0 ln 0 = 0 in Equation 4 (no shift)",
    ]
    if (w0, w1) != (ind.year - WINDOW + 1, ind.year):
        out.append(f"averaging window {w0}-{w1} ({w1 - w0 + 1} years; paper: the five years to the reference "
                   f"year, 2016-2020 for 2020); the hand-transcribed series start in {FIRST_YEAR}")
    out.append("source quirks kept: GBR forest rents 0 in 2019-2020; ZWE GDP 2017 in the current WDI vintage "
               "about 2.5 times its neighbouring years (raises ZWE's GDP mean and carbon productivity)")
    if ind.equity_basis == "cumulative":
        out.append(f"POP and COE (x1, x3): cumulative {CUM_START}-{ind.year} population and CO2 as the STAR "
                   "Methods and the fairness principle describe; Table 1 lists population (million) and "
                   "CO2 intensity (kg per PPP $) instead (option equity_basis='table1')")
    else:
        out.append(f"POP and COE (x1, x3): window means of population and CO2 intensity as Table 1 lists "
                   f"them; the STAR Methods describe cumulative {CUM_START}-2020 values (option "
                   "equity_basis='cumulative')")
    if ds.attrs.get("min_distance_km"):
        out.append(f"distance floor: capitals closer than {ds.attrs['min_distance_km']:g} km are treated as that "
                   "far apart in Equation 8 (not in the paper; without it Kinshasa-Brazzaville, 7.6 km, "
                   "dominates all linkages)")
    else:
        close = _closest_pair(ds)
        out.append(f"no distance floor (as the paper): the closest capitals, {close}, carry the largest "
                   "linkage by far, which drives the alliance and country shares (see the README, section 'Global emission rights by country')")
    if imputed:
        out.append("imputation: missing indicators replaced by the cross-country median for " +
                   ", ".join(f"{k} ({' '.join(v)})" for k, v in imputed.items()))
    else:
        out.append("imputation: none; countries with a missing indicator are excluded")
    out.extend(f"data: {n}" for n in ind.notes)
    return out


def _closest_pair(ds: xr.Dataset) -> str:
    """'A-B (d km, CRL x times the next largest)' for the closest pair of capitals."""
    d = ds.distance.values.copy()
    np.fill_diagonal(d, np.inf)
    i, j = np.unravel_index(int(np.argmin(d)), d.shape)
    c = np.sort(np.triu(ds.crl.values, 1), axis=None)[::-1]
    ratio = c[0] / c[1] if c.size > 1 and c[1] > 0 else float("inf")
    return f"{ds.country.values[i]}-{ds.country.values[j]} ({d[i, j]:.1f} km; largest CRL {ratio:.0f} x the next)"


def allocate_global(year: int = 2020, n_alliances: int | None = 15, raw_dir: str | Path | None = None,
                    countries: Sequence[str] | None = None, equity_basis: str = "cumulative",
                    labour_proxy: str = "gdp_per_employed", impute: bool = False,
                    directions: Mapping[str, str] | None = None, merge: str = "average",
                    min_distance_km: float | None = None) -> xr.Dataset:
    """Shares of global carbon emission rights for ``year`` (2016-2020) as an xarray Dataset."""
    ind = load_indicators(year, raw_dir, equity_basis, labour_proxy)
    table, excluded, imputed = select_countries(ind, countries, impute)
    ds = allocate(table, n_alliances, ind.spec, directions, source=f"indicators {year}", merge=merge,
                  min_distance_km=min_distance_km)
    devs = deviations(ind, len(table), excluded, imputed, ds)
    ds.attrs.update({
        "title": "Global carbon emission rights by country (Zhou et al. 2024, iScience 27:109412)",
        "year": int(year), "window": f"{ind.window[0]}-{ind.window[1]}", "equity_basis": equity_basis,
        "labour_proxy": labour_proxy, "impute": int(bool(impute)),
        "directions": ", ".join(f"{k}: {v}" for k, v in (directions or {}).items()) or "all benefit",
        "excluded": "; ".join(f"{i} {r.country} (missing {r.missing})" for i, r in excluded.iterrows()),
        "imputed": "; ".join(f"{k}: {' '.join(v)}" for k, v in imputed.items()),
        "deviations": "\n".join(f"- {d}" for d in devs),
        "sources": "; ".join(f"{k}: {ind.spec.loc[k, 'series']} ({ind.spec.loc[k, 'source_file']})"
                             for k in [*INDICATORS, "LAB"]) + "; capitals: capitals/capitals_latlon.csv "
                   "(see ../shared/data/raw/global/SOURCES.md and cge/allocation/global_rights/data/SOURCES.md)",
    })
    ds["excluded_country"] = ("excluded", excluded.index.to_numpy(dtype=str))
    ds["excluded_missing"] = ("excluded", excluded.missing.to_numpy(dtype=str))
    return ds


# ----------------------------------------------------------------------------- outputs
def rights_table(ds: xr.Dataset) -> pd.DataFrame:
    """One row per country: iso3, country, alliance, share, and each principle's contribution."""
    df = pd.DataFrame({"iso3": ds.country.values, "country": ds.country_name.values,
                       "alliance": ds.alliance_of.values, "share": ds.share.values})
    for p in PRINCIPLES:
        df[p] = ds.contribution.sel(principle=p).values
    return df.sort_values(["share", "iso3"], ascending=[False, True]).reset_index(drop=True)


def alliance_table(ds: xr.Dataset) -> pd.DataFrame:
    """One row per alliance: members, size, share, principle contributions, largest member."""
    rt = rights_table(ds)
    lead = rt.groupby("alliance").first()
    df = pd.DataFrame({"alliance": ds.alliance.values, "n_members": ds.alliance_size.values,
                       "share": ds.alliance_share.values})
    for p in PRINCIPLES:
        df[p] = ds.alliance_contribution.sel(principle=p).values
    df["largest_member"] = lead.loc[df.alliance, "iso3"].to_numpy()
    df["members"] = ds.alliance_members.values
    return df


def _figures(ds: xr.Dataset, n_bars: int = 10) -> dict[str, bytes]:
    """World scatter map of capitals and principle bars of the largest alliances, as PNG bytes."""
    from ...report import _fig
    year = ds.attrs.get("year", "")
    names = list(ds.alliance.values)

    def world(plt):
        fig, ax = plt.subplots(figsize=(11, 5.6))
        cmap = plt.get_cmap("tab20")
        size = 2500 * ds.share.values / ds.share.values.max() + 6        # marker area proportional to share
        for k, a in enumerate(names):
            sel = ds.alliance_of.values == a
            colour = cmap((2 * k) % 20 + (k // 10) % 2)       # strong colours first, then their light pairs
            ax.scatter(ds.lon.values[sel], ds.lat.values[sel], s=size[sel], color=colour, alpha=0.7,
                       edgecolor="k", linewidth=0.3, label=f"{a} ({float(ds.alliance_share.values[k]) * 100:.1f} %)")
        ax.set(xlim=(-180, 180), ylim=(-60, 85))
        top = np.argsort(-ds.share.values)[:12]
        from ...plotting import place_labels
        place_labels(ax, ds.lon.values[top], ds.lat.values[top], [str(ds.country_name.values[i]) for i in top],
                     fontsize=7)
        ax.set(xlim=(-180, 180), ylim=(-60, 85), xlabel="longitude (deg)", ylabel="latitude (deg)",
               title=f"Carbon-reduction alliances and shares of global emission rights, {year} "
                     "(capitals; marker area ~ share)")
        ax.grid(color="0.9", lw=0.5)
        leg = ax.legend(fontsize=6.5, ncol=1, loc="center left", bbox_to_anchor=(1.0, 0.5),
                        title="alliance (share)", title_fontsize=7)
        for h in leg.legend_handles:
            h.set_sizes([30])
        return fig

    def bars(plt):
        top = names[:n_bars]
        con = ds.alliance_contribution.sel(alliance=top).values * 100
        fig, ax = plt.subplots(figsize=(8, 0.45 * len(top) + 1.5))
        left = np.zeros(len(top))
        for j, (p, col) in enumerate(zip(PRINCIPLES, ("#4477aa", "#ee6677", "#228833"))):
            ax.barh(top, con[:, j], left=left, color=col, label=p)
            left += con[:, j]
        ax.invert_yaxis()
        ax.set(xlabel="% of global emission rights",
               title=f"Principle contributions, {len(top)} largest alliances, {year}")
        ax.legend(loc="lower right")
        return fig
    return {f"map_{year}": _fig(world), f"principles_{year}": _fig(bars)}


def write_outputs(ds: xr.Dataset, out: str | Path) -> dict[str, Path]:
    """Write the CSV/Markdown tables, the NetCDF file and the figures, all or none; return the paths."""
    from sam.atomic import commit_many
    out = Path(out)
    year = ds.attrs.get("year", "na")
    rt = rights_table(ds)
    at = alliance_table(ds)
    top = rt.head(20).reset_index(drop=True)
    top.index = pd.RangeIndex(1, len(top) + 1, name="rank")
    excl = pd.DataFrame({"iso3": ds.excluded_country.values, "missing": ds.excluded_missing.values}) \
        if "excluded_country" in ds else pd.DataFrame(columns=["iso3", "missing"])
    texts = {
        f"rights_{year}.csv": rt.to_csv(index=False),
        f"alliances_{year}.csv": at.to_csv(index=False),
        f"alliances_{year}.md": at.drop(columns="members").to_markdown(index=False, floatfmt=".4f") + "\n",
        f"top20_{year}.csv": top.to_csv(),
        f"top20_{year}.md": top.to_markdown(floatfmt=".4f") + "\n",
        f"excluded_{year}.csv": excl.to_csv(index=False),
    }
    files: dict[str, str | bytes | object] = dict(texts)
    files[f"rights_{year}.nc"] = lambda tmp: ds.to_netcdf(tmp)
    for stem, png in _figures(ds).items():
        files[f"{stem}.png"] = png
    commit_many({out / name: content for name, content in files.items()})      # every file or none
    return {name: out / name for name in files}


# ----------------------------------------------------------------------------- national link
def carbon_budget_gt(warming_c: float = 2.0, likelihood_pct: int = 67) -> tuple[float, int, str]:
    """Remaining global CO2 budget (Gt), its start year and source, from ``carbon_budget_ipcc_ar6.csv``."""
    path = DATA_DIR / "carbon_budget_ipcc_ar6.csv"
    df = read_csv_checked(path, required=["warming_c", "likelihood_pct", "budget_gtco2", "from_year", "source"],
                          numeric=["warming_c", "likelihood_pct", "budget_gtco2", "from_year"])
    hit = df[np.isclose(df.warming_c, warming_c) & (df.likelihood_pct == likelihood_pct)]
    if hit.empty:
        opts = ", ".join(f"{w:g}C/{int(p)}%" for w, p in zip(df.warming_c, df.likelihood_pct))
        raise InputError(f"{path}: no budget for {warming_c:g} C at {likelihood_pct} % (available: {opts})")
    r = hit.iloc[0]
    return float(r.budget_gtco2), int(r.from_year), str(r.source)


def baseline_co2_mt(path: str | Path | None = None) -> pd.Series:
    """The model's baseline national CO2 path (Mt) by year, linear between anchors (as cge.drivers)."""
    path = Path(path) if path else scenario_data_dir() / "co2_baseline.csv"
    df = read_csv_checked(path, required=["year", "value"], numeric=["year", "value"])
    years = np.arange(int(df.year.min()), int(df.year.max()) + 1)
    return pd.Series(np.interp(years, df.year, df.value), index=years, name="co2_mt")


def national_cap_path(share: float, budget_gt: float, budget_from: int, start_year: int, end_year: int,
                      baseline_mt: pd.Series) -> tuple[dict[int, float], dict[str, float]]:
    """Cap (Mt) for start..end: share x budget, less baseline use before start, spent at a constant decline rate."""
    if not 0 < share < 1:
        raise InputError(f"share {share} outside (0, 1)")
    if not budget_from <= start_year <= end_year:
        raise InputError(f"start year {start_year} must lie in {budget_from}..{end_year}")
    national = share * budget_gt * 1000.0
    before = range(budget_from, start_year)
    missing = [y for y in [*before, start_year - 1] if y not in baseline_mt.index]
    if missing:
        raise InputError(f"baseline CO2 path has no value for {missing}")
    used = float(baseline_mt.loc[list(before)].sum())
    remaining = national - used
    if remaining <= 0:
        raise InputError(f"national budget {national:.0f} Mt is used up by baseline emissions "
                         f"{budget_from}-{start_year - 1} ({used:.0f} Mt)")
    e0 = float(baseline_mt.loc[start_year - 1])
    rate = e0 / (remaining + e0)
    cap = {y: e0 * (1 - rate) ** (y - start_year + 1) for y in range(start_year, end_year + 1)}
    info = {"national_budget_mt": national, "used_before_start_mt": used, "remaining_mt": remaining,
            "decline_rate": rate, "cap_sum_to_end_mt": sum(cap.values()),
            "tail_after_end_mt": cap[end_year] * (1 - rate) / rate}
    return cap, info


def budget_scenario_toml(ds: xr.Dataset, iso3: str = "CHN", warming_c: float = 2.0, likelihood_pct: int = 67,
                         start_year: int | None = None, end_year: int = 2060, name: str = "global_budget") -> str:
    """Text of a cap-and-trade scenario file: the country's share of the IPCC remaining budget as a yearly cap
    (from the budget's own start year, 2020, unless ``start_year`` says otherwise)."""
    if iso3 not in ds.country.values:
        raise InputError(f"country {iso3!r} not in the allocation")
    share = float(ds.share.sel(country=iso3))
    budget, since, source = carbon_budget_gt(warming_c, likelihood_pct)
    start_year = since if start_year is None else start_year
    cap, info = national_cap_path(share, budget, since, start_year, end_year, baseline_co2_mt())
    lines = [
        f"# Cap-and-trade scenario from the global allocation (cge rights --year {ds.attrs.get('year')} "
        f"--alliances {ds.attrs.get('n_alliances')} --scenario-out ...); regenerate, do not edit by hand.",
        f"# {iso3} share of global emission rights: {share:.6f} (Zhou et al. 2024 method, cge.allocation.global_rights;",
        f"#   equity basis {ds.attrs.get('equity_basis')}, labour proxy {ds.attrs.get('labour_proxy')}, "
        f"window {ds.attrs.get('window')}, {ds.attrs.get('n_countries')} countries).",
        f"# Global budget: {budget:g} GtCO2 from 1 Jan {since} for {warming_c:g} C at {likelihood_pct} % likelihood "
        f"({source}; cge/allocation/global_rights/data/carbon_budget_ipcc_ar6.csv).",
        f"# National budget = share x global = {info['national_budget_mt']:.0f} Mt CO2 from {since}.",
        (f"# ASSUMPTION: emissions {since}-{start_year - 1} follow the model baseline "
         "(scenarios/data/co2_baseline.csv,\n"
         f"#   linear between anchors): {info['used_before_start_mt']:.0f} Mt; remaining {info['remaining_mt']:.0f} Mt."
         if start_year > since else f"# The cap starts in the budget's own first year ({since}); nothing is deducted."),
        f"# ASSUMPTION: the remainder is spent at a constant rate of decline from the {start_year - 1} baseline level",
        f"#   (cap_t = E_{start_year - 1} (1 - r)^(t - {start_year - 1}), r = {info['decline_rate']:.4f}; "
        "smooth-exponential",
        "#   budget sharing as in Raupach et al. 2014, Nat. Clim. Change 4:873), summing to the remainder over an",
        f"#   unbounded horizon: {info['cap_sum_to_end_mt']:.0f} Mt within {start_year}-{end_year}, "
        f"{info['tail_after_end_mt']:.0f} Mt after {end_year}.",
        "# ASSUMPTION: the IPCC budget (all net anthropogenic CO2, incl. land use) is applied to the model's",
        "#   fossil-combustion and process CO2 (CEADs scope 1); China's net land-use CO2 is not deducted.",
        f'name = "{name}"',
        f'description = "{iso3} share ({share * 100:.2f} %) of the IPCC AR6 {warming_c:g} C/{likelihood_pct} % '
        f'budget as a national CO2 cap from {start_year}; carbon price endogenous"',
        'kind = "policy"',
        f"start_year = {start_year}",
        'interpolation = "linear"   # anchors every year, so interpolation does not matter',
        'recycling = "lump_sum"',
        'covered = "all"',
        'closure = "policy_cap"     # national CO2 fixed at the cap, carbon price endogenous',
        "",
        "[cap]   # year = national CO2 cap, Mt",
    ]
    lines += [f"{y} = {v:.6g}" for y, v in cap.items()]
    return "\n".join(lines) + "\n"


def check_scenario_path(path: str | Path) -> Path:
    """``path`` if its stem can be a scenario name (letters, digits, _ or -; not baseline) and it ends in .toml."""
    import re
    path = Path(path)
    if path.suffix != ".toml" or not re.fullmatch(r"[A-Za-z0-9_\-]+", path.stem) or path.stem == "baseline":
        raise InputError(f"--scenario-out {str(path)!r}: the file name is the scenario's name: use letters, digits, "
                         "_ or - and the suffix .toml (not baseline.toml), e.g. global_budget.toml")
    return path


def write_budget_scenario(ds: xr.Dataset, path: str | Path, **kwargs) -> Path:
    """Write :func:`budget_scenario_toml` atomically, only once it loads as a scenario (a file
    that would not load is never left on disk)."""
    import os

    from sam.atomic import stage
    from ...scenarios import load_scenario
    path = check_scenario_path(path)
    tmp = stage(path, budget_scenario_toml(ds, name=path.stem, **kwargs))
    try:
        try:
            load_scenario(tmp)
        except InputError as exc:
            raise InputError(str(exc).replace(tmp, str(path))) from exc
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path

