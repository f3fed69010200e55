"""Provincial physical capital stock (perpetual inventory, Zhang, Wu & Zhang 2004 method).

Input : raw/chncapitalstock_asset.csv  (data set ``asset`` of the CRAN package CHNCapitalStock
        0.1.1 by Pu Chen, repo common2016/CapitalStock; regenerated from raw/chncapitalstock_asset.rda
        when the ``rdata`` package is importable)
Output: capital_stock.csv

Method (identical to CHNCapitalStock::CompK(method = "ZJ")):
    K_1952 = I_1952 / 0.1                          (1952 yuan)
    K_t    = (1 - 0.096) K_{t-1} + I_t / P_t       (P_t: fixed-asset-investment price index, 1952 = 1)
    Chongqing starts in 1996 with K_1996 = 1090 * 313 / 850 (Sichuan 1995 stock split by the
    1995 GFCF ratio, as in the package); Sichuan before 1997 includes Chongqing.
The 2017-price series is K_t(1952 yuan) * P_2017 of the same province (an exact rebasing; the
package's own ``bt`` option leaves the 1952 initial stock unrebased, a difference < 0.01 %
after 1990).
Run: python build_capital_stock.py  (from this folder or anywhere)
"""
from pathlib import Path

import numpy as np
import pandas as pd

from _provinces import PINYIN, PROVINCES

HERE = Path(__file__).resolve().parent
RAW = HERE / "raw"
DELTA = 0.096


def load_asset() -> pd.DataFrame:
    csv = RAW / "chncapitalstock_asset.csv"
    try:  # regenerate the CSV from the .rda when possible
        import rdata  # type: ignore

        d = rdata.read_rda(str(RAW / "chncapitalstock_asset.rda"))["asset"]
        d["yr"] = d["yr"].astype(int)
        d.to_csv(csv, index=False)
    except ImportError:
        pass
    return pd.read_csv(csv)


def pim(g: pd.DataFrame) -> pd.DataFrame:
    g = g.sort_values("yr").reset_index(drop=True)
    real_inv = g["invest"] / g["InvestPrice"]
    k = np.empty(len(g))
    if g["prv"].iat[0] == "chongqing":
        k[0] = 1090 * 313 / 850
    else:
        k[0] = g["invest"].iat[0] / 0.1
    for i in range(1, len(g)):
        k[i] = k[i - 1] * (1 - DELTA) + real_inv.iat[i]
    g["K1952"] = k
    return g


def build() -> pd.DataFrame:
    a = load_asset()
    a = a[a["prv"] != "xizang"].copy()
    out = pd.concat([pim(g.copy()) for _, g in a.groupby("prv")], ignore_index=True)
    p2017 = out.loc[out["yr"] == 2017].set_index("prv")["InvestPrice"]
    out["K2017"] = out["K1952"] * out["prv"].map(p2017)
    out["province"] = out["prv"].map(PINYIN)
    out = out.rename(columns={"yr": "year"})
    res = pd.DataFrame({
        "province": out["province"],
        "year": out["year"].astype(int),
        # 1 亿元 = 0.1 bn yuan
        "capital_stock_bn_yuan_2017": out["K2017"] / 10.0,
        "capital_stock_bn_yuan_1952": out["K1952"] / 10.0,
        "gfcf_bn_yuan_current": out["invest"] / 10.0,
        "invest_price_index_2017eq1": out["InvestPrice"] / out["prv"].map(p2017),
        "data_quality": np.where(out["year"] <= 2017, "official_gfcf_and_fai_price_index",
                                 np.where(out["year"] <= 2019,
                                          "gfcf_extrapolated_by_fai_growth",
                                          "gfcf_extrapolated_by_fai_growth_price_by_rpi")),
    })
    res = res[res["year"] >= 1978].sort_values(["province", "year"]).reset_index(drop=True)
    assert set(res["province"]) == set(PROVINCES)
    return res


def checks(res: pd.DataFrame) -> None:
    a = load_asset()
    bj = pim(a[a.prv == "beijing"].copy())
    cq = pim(a[a.prv == "chongqing"].copy())
    # package tests (tests/testthat/test-provinces.R): Beijing 1952 = 7.9, Chongqing 1997 = 434.2679
    assert abs(bj.loc[bj.yr == 1952, "K1952"].iat[0] - 7.9) < 0.01
    assert abs(cq.loc[cq.yr == 1997, "K1952"].iat[0] - 434.2679) < 0.01
    # package test with bt = 2000 (initial stock not rebased): Beijing 2000 = 7066.979
    p = bj["InvestPrice"] / bj.loc[bj.yr == 2000, "InvestPrice"].iat[0]
    k = bj["invest"].iat[0] / 0.1
    for i in range(1, len(bj)):
        k = k * (1 - DELTA) + bj["invest"].iat[i] / p.iat[i]
        if bj["yr"].iat[i] == 2000:
            break
    assert abs(k - 7066.979) < 0.01, k
    print("package test values reproduced (Beijing 1952, Chongqing 1997, Beijing 2000 @2000 prices)")


if __name__ == "__main__":
    res = build()
    checks(res)
    res.to_csv(HERE / "capital_stock.csv", index=False, float_format="%.4f")
    print(res[res.year == 2017].sort_values("capital_stock_bn_yuan_2017").tail(5))
    print("rows", len(res), "years", res.year.min(), res.year.max())
