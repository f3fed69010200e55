"""Industrial structure, a labour-force PROXY, and provincial-capital coordinates/distances.

1. industrial_structure.csv  -- derived from the shared provincial panel
   (shared/data/raw/china_provincial/derived/province_panel_1997_2024.csv: NBS/provincial
   bureaus via Wind, Dec-YTD current-price value added, 亿元).  Shares of GDP in percent.
   Note: first-release provincial figures (not the 2018-economic-census revisions).
2. labour_force_proxy.csv  -- PROXY, not an employment statistic.  Provincial employment
   (年末就业人员) was not found in any open machine-readable source.  The proxy applies the
   national labour-force / population ratio (World Bank WDI SL.TLF.TOTL.IN / SP.POP.TOTL,
   shared/data/raw/global/wdi_datasets_repo) to each province's year-end population, i.e. it is
   population rescaled to the national labour force; it carries no provincial information
   beyond population.  Two columns, one per population vintage of the shared panel.
3. capitals.csv / capital_distances_km.csv -- coordinates of the 30 provincial capitals
   (municipalities: the city centre) from the MIT-licensed PyPI package cpca 0.5.5
   (cpca/resources/adcodes.csv, subset copied to raw/cpca_adcodes_provincial_capitals.csv);
   great-circle (haversine, R = 6371.0088 km) distances between all pairs.
"""
from math import asin, cos, radians, sin, sqrt
from pathlib import Path

import pandas as pd

from _provinces import GB_CODE, PROVINCES

HERE = Path(__file__).resolve().parent
SHARED = Path("/work/shared/data/raw")
for cand in (Path(__file__).resolve().parents[i] / "shared" / "data" / "raw" for i in (4, 5)):
    if cand.exists():
        SHARED = cand
        break
PANEL = SHARED / "china_provincial" / "derived" / "province_panel_1997_2024.csv"
WDI = SHARED / "global" / "wdi_datasets_repo"

CAPITAL_EN = {
    "Beijing": "Beijing", "Tianjin": "Tianjin", "Hebei": "Shijiazhuang", "Shanxi": "Taiyuan",
    "Inner Mongolia": "Hohhot", "Liaoning": "Shenyang", "Jilin": "Changchun",
    "Heilongjiang": "Harbin", "Shanghai": "Shanghai", "Jiangsu": "Nanjing",
    "Zhejiang": "Hangzhou", "Anhui": "Hefei", "Fujian": "Fuzhou", "Jiangxi": "Nanchang",
    "Shandong": "Jinan", "Henan": "Zhengzhou", "Hubei": "Wuhan", "Hunan": "Changsha",
    "Guangdong": "Guangzhou", "Guangxi": "Nanning", "Hainan": "Haikou",
    "Chongqing": "Chongqing", "Sichuan": "Chengdu", "Guizhou": "Guiyang", "Yunnan": "Kunming",
    "Shaanxi": "Xi'an", "Gansu": "Lanzhou", "Qinghai": "Xining", "Ningxia": "Yinchuan",
    "Xinjiang": "Urumqi",
}


def industrial_structure() -> pd.DataFrame:
    p = pd.read_csv(PANEL)
    p = p[p["province"].isin(PROVINCES)].copy()
    # The shared panel's Xinjiang sector columns are rotated in every year (its "primary" is
    # the tertiary value, "secondary" the primary, "tertiary" the secondary; e.g. 2017
    # 4999.23 / 1551.84 / 4330.89 vs CSY-2018 primary 1551.84, secondary 4330.89, tertiary
    # 4999.23; industry 3254.18 > panel "secondary" is impossible).  Un-rotate here.
    xj = p["province"] == "Xinjiang"
    prim, sec, ter = (p.loc[xj, c].copy() for c in (
        "gdp_primary_100m_yuan", "gdp_secondary_100m_yuan", "gdp_tertiary_100m_yuan"))
    p.loc[xj, "gdp_primary_100m_yuan"] = sec
    p.loc[xj, "gdp_secondary_100m_yuan"] = ter
    p.loc[xj, "gdp_tertiary_100m_yuan"] = prim
    out = p[["province", "year"]].copy()
    # shares are taken over the sum of the three sectors so that they add to 100; the panel's
    # total GDP differs from that sum by > 0.5 % in 11 province-years (vintage mixing in the
    # Wind export, e.g. Tianjin 2018 total revised down but not its components) -> flagged
    gdp = (p["gdp_primary_100m_yuan"] + p["gdp_secondary_100m_yuan"]
           + p["gdp_tertiary_100m_yuan"])
    out["gdp_bn_yuan_current"] = p["gdp_100m_yuan"] / 10
    out["sector_sum_bn_yuan_current"] = gdp / 10
    out["flag_sector_sum_vs_gdp_gt_0p5pct"] = ((gdp / p["gdp_100m_yuan"] - 1).abs() > 0.005)
    out["primary_share_pct"] = 100 * p["gdp_primary_100m_yuan"] / gdp
    out["secondary_share_pct"] = 100 * p["gdp_secondary_100m_yuan"] / gdp
    out["tertiary_share_pct"] = 100 * p["gdp_tertiary_100m_yuan"] / gdp
    out["industry_share_pct"] = 100 * p["gdp_industry_100m_yuan"] / gdp
    out["tertiary_to_secondary_ratio"] = (p["gdp_tertiary_100m_yuan"]
                                          / p["gdp_secondary_100m_yuan"])
    out = out[out["sector_sum_bn_yuan_current"].notna()]
    return out.sort_values(["province", "year"]).reset_index(drop=True)


def wdi(code: str) -> pd.Series:
    d = pd.read_csv(WDI / f"{code}.csv")
    d = d[d["Country Code"] == "CHN"]
    return d.set_index("Year")["Value"].astype(float)


def labour_proxy() -> pd.DataFrame:
    ratio = wdi("sl.tlf.totl.in") / wdi("sp.pop.totl")
    p = pd.read_csv(PANEL)
    p = p[p["province"].isin(PROVINCES)]
    out = p[["province", "year"]].copy()
    r = out["year"].map(ratio)
    out["national_lf_to_pop_ratio_wdi"] = r
    out["labour_force_proxy_10k_persons_yearbook_pop"] = p["pop_10k_persons_yearbook"] * r
    out["labour_force_proxy_10k_persons_census_revised_pop"] = (
        p["pop_10k_persons_census_revised"] * r)
    keep = out[["labour_force_proxy_10k_persons_yearbook_pop",
                "labour_force_proxy_10k_persons_census_revised_pop"]].notna().any(axis=1)
    return out[keep].sort_values(["province", "year"]).reset_index(drop=True)


def haversine(lat1, lon1, lat2, lon2, r=6371.0088):
    la1, lo1, la2, lo2 = map(radians, (lat1, lon1, lat2, lon2))
    h = sin((la2 - la1) / 2) ** 2 + cos(la1) * cos(la2) * sin((lo2 - lo1) / 2) ** 2
    return 2 * r * asin(sqrt(h))


def capitals() -> tuple[pd.DataFrame, pd.DataFrame]:
    c = pd.read_csv(HERE / "raw" / "cpca_adcodes_provincial_capitals.csv", dtype={"adcode": str})
    c["gb"] = c["adcode"].str[:2].astype(int)
    inv = {v: k for k, v in GB_CODE.items()}
    c["province"] = c["gb"].map(inv)
    c = c[c["province"].notna()]
    out = pd.DataFrame({
        "province": c["province"], "gb_code": c["gb"], "capital": c["province"].map(CAPITAL_EN),
        "capital_zh": c["name"].where(c["name"] != "市辖区", c["province"].map(CAPITAL_EN)),
        "adcode": c["adcode"], "lat": c["latitude"], "lon": c["longitude"],
    }).sort_values("gb_code").reset_index(drop=True)
    assert set(out["province"]) == set(PROVINCES)
    rows = []
    for _, a in out.iterrows():
        for _, b in out.iterrows():
            rows.append({"province_from": a["province"], "province_to": b["province"],
                         "distance_km": haversine(a["lat"], a["lon"], b["lat"], b["lon"])})
    return out, pd.DataFrame(rows)


if __name__ == "__main__":
    s = industrial_structure()
    chk = (s["primary_share_pct"] + s["secondary_share_pct"] + s["tertiary_share_pct"])
    print("sector shares sum: min %.3f max %.3f" % (chk.min(), chk.max()))
    s.to_csv(HERE / "industrial_structure.csv", index=False, float_format="%.4f")
    lab = labour_proxy()
    lab.to_csv(HERE / "labour_force_proxy.csv", index=False, float_format="%.4f")
    cap, dist = capitals()
    cap.to_csv(HERE / "capitals.csv", index=False)
    dist.to_csv(HERE / "capital_distances_km.csv", index=False, float_format="%.2f")
    dd = dist.set_index(["province_from", "province_to"])["distance_km"]
    print("Beijing-Shanghai %.0f km, Xinjiang-Hainan %.0f km, Beijing-Tianjin %.0f km" % (
        dd["Beijing", "Shanghai"], dd["Xinjiang", "Hainan"], dd["Beijing", "Tianjin"]))
    print(len(s), len(lab), len(cap), len(dist))
