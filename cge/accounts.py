"""National accounts of one solution: nominal GDP from the expenditure and the income side, factor
incomes, and real gross domestic income (GDP plus the trading gain).

Nominal values are in the model's money: billion yuan at the prices of the solve, whose numeraire
is the consumer price index (``PNUM``, 1 in every year of the shipped closures), so "nominal" here
means CPI-deflated current prices. Real values are at 2017 prices, as ``gdp``.

* GDP at market prices (expenditure) = household consumption at carbon-inclusive purchaser
  prices + government + investment + stocks at Armington prices + exports (world price x exchange
  rate) - imports CIF. It equals, by the model's accounting, factor income (labour + capital
  rents) + indirect taxes (net production taxes, import duties, carbon revenue): the income side
  (:func:`national_accounts` returns both; tests check they agree).
* Real GDI (SNA 2008, 15.188-15.192; Kohli 2004) is nominal GDP deflated by the price of domestic
  absorption (C + G + I + stocks, a Paasche index with 2017 = 1). It differs from real GDP (a
  volume at 2017 prices) by the trading gain ``T = (X - M) / P_A - (X_r - M_r)``: what the prices
  of exports and imports, relative to those of domestic absorption, add to or take from the real
  income that domestic production buys.
"""
from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

NOMINAL = "billion yuan, current prices (numeraire: consumer price index)"
REAL = "billion yuan, 2017 prices"

# name -> (dims, units, long name); units and long names of results.nc in cge/data/variables.csv
ACCOUNTS = {
    "gdp_nominal": ((), NOMINAL, "GDP at market prices, expenditure side (C + G + I + stocks + exports - imports CIF)"),
    "absorption_nominal": ((), NOMINAL, "domestic absorption: household consumption + government + investment + stocks"),
    "absorption_real": ((), REAL, "real domestic absorption (C + G + I + stocks at 2017 prices)"),
    "exports_value": ((), NOMINAL, "exports at export prices in yuan"),
    "imports_value": ((), NOMINAL, "imports at CIF prices in yuan (before import duty)"),
    "labour_income": ((), NOMINAL, "labour income (wage x employment)"),
    "capital_income": (("sector",), NOMINAL, "capital income by activity (rental x capital in use)"),
    "indirect_taxes": ((), NOMINAL, "net indirect taxes: production taxes + import duties + carbon revenue"),
    "trading_gain": ((), REAL, "trading gain: real GDI minus real GDP (export and import prices relative to the absorption price)"),
    "real_gdi": ((), REAL, "real gross domestic income: nominal GDP deflated by the absorption price index"),
}


class Accounts:
    """Coefficients of the accounts gathered once per built model; :meth:`__call__` evaluates them."""

    def __init__(self, m: pyo.ConcreteModel) -> None:
        cal = m._cal
        S = list(cal.sectors)
        self.m, self.S = m, S
        self.cf = list(m.CF)
        self.hh0 = np.array([float(cal.hh0.loc[i, h]) for (i, h) in self.cf])
        self.gov0 = cal.gov0.reindex(S).to_numpy(dtype=float)
        self.inv0 = cal.inv0.reindex(S).to_numpy(dtype=float)
        self.stk0 = cal.stk0.reindex(S).to_numpy(dtype=float)
        self.ex = list(m.EX)
        self.im = list(m.IM)
        self.exp0 = np.array([float(cal.exp0[i]) for i in self.ex])
        self.imp0 = np.array([float(cal.imp0[i]) for i in self.im])
        self.lab0 = float(cal.lab0.sum())
        self.cap0 = cal.cap0.reindex(S).to_numpy(dtype=float)
        self.xp0 = cal.xp0.reindex(S).to_numpy(dtype=float)
        from .fasteval import Compiled
        self._old_pos = np.array([S.index(j) for j in m.VJ] if hasattr(m, "VJ") else [], dtype=int)
        parts = {"c": [m.C[f] for f in self.cf], "pu": [m.PU[f] for f in self.cf], "pa": [m.PA[i] for i in S],
                 "qg": [m.QG[i] for i in S], "qinv": [m.QINV[i] for i in S],
                 "xe": [m.XE[i] for i in self.ex], "pwe": [m.PWE[i] for i in self.ex],
                 "xm": [m.XM[i] for i in self.im], "pwm": [m.PWM[i] for i in self.im],
                 "rk": [m.RK[j] for j in S], "ku": [m.KU[j] for j in S],
                 "tp": [m.TPADJ * m.tp[j] for j in S], "px": [m.PX[j] for j in S], "xp": [m.XP[j] for j in S],
                 "tarrev": [m.TARREV],
                 "oldinc": [m.OLDINC[j] for j in m.VJ] if hasattr(m, "VJ") else []}   # old capital's rent
        self._expr = Compiled([e for es in parts.values() for e in es])    # every value below, evaluated together
        ends = np.cumsum([len(es) for es in parts.values()])
        self._slices = {k: slice(int(b - len(es)), int(b)) for (k, es), b in zip(parts.items(), ends)}

    def __call__(self) -> dict[str, float | np.ndarray]:
        m = self.m
        e = self._expr()
        v = {k: e[sl] for k, sl in self._slices.items()}
        c, pu, pa = v["c"], v["pu"], v["pa"]
        qg, qinv = v["qg"], v["qinv"]
        stk = float(m.STK.value)
        er = float(m.ER.value)
        xe, pwe = v["xe"], v["pwe"]
        xm, pwm = v["xm"], v["pwm"]
        absorb_n = float(pu * c @ self.hh0 + pa @ (qg * self.gov0 + qinv * self.inv0 + stk * self.stk0))
        absorb_r = float(c @ self.hh0 + qg @ self.gov0 + qinv @ self.inv0 + stk * self.stk0.sum())
        exp_n, imp_n = float(er * pwe * xe @ self.exp0), float(er * pwm * xm @ self.imp0)
        exp_r, imp_r = float(xe @ self.exp0), float(xm @ self.imp0)
        gdp_n = absorb_n + exp_n - imp_n
        lab = self.lab0 * float(m.W.value) * float(m.LS.value)
        cap = self.cap0 * v["rk"] * v["ku"]
        if self._old_pos.size:                  # old (putty-clay) capital's rent
            cap[self._old_pos] += v["oldinc"]
        ptax = float(sum(float(t) * float(p) * float(x) * x0 for t, p, x, x0 in zip(v["tp"], v["px"], v["xp"], self.xp0)))
        indirect = ptax + float(v["tarrev"][0]) + float(m.CREV.value)
        pabs = absorb_n / absorb_r
        trading = (exp_n - imp_n) / pabs - (exp_r - imp_r)
        return {"gdp_nominal": gdp_n, "absorption_nominal": absorb_n, "absorption_real": absorb_r,
                "exports_value": exp_n, "imports_value": imp_n, "labour_income": lab, "capital_income": cap,
                "indirect_taxes": indirect, "trading_gain": trading, "real_gdi": absorb_r + exp_r - imp_r + trading,
                "gdp_income_side": lab + float(cap.sum()) + indirect}


def national_accounts(m: pyo.ConcreteModel) -> dict[str, tuple]:
    """The :data:`ACCOUNTS` of the current solution of ``m`` as ``name -> (dims, value, attrs)``
    (coefficients cached on the model)."""
    acc = getattr(m, "_accounts", None)
    if acc is None or acc.m is not m:
        acc = Accounts(m)
        m._accounts = acc
    r = acc()
    return {k: (dims, r[k], {"units": u, "long_name": ln}) for k, (dims, u, ln) in ACCOUNTS.items()}
