"""What the year loop carries from one year to the next: capital by vintage rule, power capacity.

Capital is putty-clay.  Investment chooses its sector by expected returns (ex ante mobile: the
MONASH capital-growth curves of :mod:`cge.model.investment`);
once installed it is sector-specific (ex post clay) and may stand idle (:mod:`cge.model.capital`).
In the policy closures old capital also keeps its technique (:class:`OldCapital`,
:mod:`cge.model.vintage`): last year's stock after depreciation produces with fixed coefficients.
Stocks are kept in efficiency units, index 2017 = 1 by sector:

    K(t+1) = (1 - delta_j) K(t) + I_j(t) / (K0_j capex_j(t)) - retired_j(t)

* ``delta_j``: depreciation by asset type: 1 / plant lifetime for generation technologies,
  the Penn World Table economy-wide rate for every other sector (``scenarios/data``);
* ``capex_j(t)``: capital cost per unit of capacity (index 2017 = 1): wind and solar follow a
  sourced decline (capital-saving technical change embodied in new vintages), so a yuan invested
  in 2040 adds more GW than one invested in 2017;
* ``retired_j(t)``: early retirement of planned power capacity (the baseline's projected mix);
  policy runs retire the same capacity.

Installed generation capacity is ``GW_j = gw0_j K_j``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# smallest installed capital index (share of the 2017 stock) a sector keeps: a numerical floor, not
# economics (0.01 %: about 0.1 GW of coal power), so that its equations stay above the variables'
# lower bounds (1e-6) when a technology is retired; the capital may stand idle
K_FLOOR = 1e-4


@dataclass
class YearState:
    """What carries from one year to the next (and what --resume restores)."""

    year: int                      # last solved year
    x: np.ndarray                  # every model variable, in model order
    k_next: np.ndarray             # installed capital index (efficiency units) for year + 1
    wdev: float                    # real-wage deviation from baseline in ``year``
    charge_next: np.ndarray = field(default_factory=lambda: np.zeros(0))   # power investment due next year, bn yuan
    expect: np.ndarray = field(default_factory=lambda: np.zeros(0))        # forecast of next year's return ratio to baseline at the capacity chosen, by generation technology
    x_pred: np.ndarray = field(default_factory=lambda: np.zeros(0))        # the predicted start of ``year`` (warm-start extrapolation)
    k_now: np.ndarray = field(default_factory=lambda: np.zeros(0))         # installed capital index of ``year`` (next year's old capital)
    lu_free: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))   # Newton's carried LU factorisation
    lu_mask: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))       # (InMemorySolver.factorisation_state):
    lu_x: np.ndarray = field(default_factory=lambda: np.zeros((2, 0)))                 # free variables, entries, points

    def factorisation(self) -> dict | None:
        """The carried factorisation in the form of ``InMemorySolver.factorisation_state``; None when there is none."""
        if np.asarray(self.lu_free).size == 0:
            return None
        return {"free": self.lu_free, "mask": self.lu_mask, "x_pivot": self.lu_x[0], "x_values": self.lu_x[1]}

    @staticmethod
    def factorisation_fields(lu: dict | None) -> dict:
        """The fields holding ``lu`` (``InMemorySolver.factorisation_state``; none when None)."""
        if not lu:
            return {}
        return {"lu_free": lu["free"], "lu_mask": lu["mask"], "lu_x": np.vstack([lu["x_pivot"], lu["x_values"]])}


@dataclass
class Capital:
    """Base capital stocks, depreciation by asset type and the accumulation rule."""

    k0: pd.Series                  # 2017 capital stock by sector, billion yuan
    delta: np.ndarray              # depreciation rate by sector
    elasticity: float              # return elasticity of coal and gas generation capacity in policy runs
    capex: pd.DataFrame | None = None   # year x sector: capital cost per unit of capacity (2017 = 1)

    @classmethod
    def from_calibration(cls, cal, params: dict, plant_delta: pd.Series | None = None,
                         capex: pd.DataFrame | None = None) -> "Capital":
        """K0_j = capital income / (net return + delta_j) (PWT rates; plant lifetimes for power)."""
        delta = pd.Series(float(params["depreciation"]), index=cal.sectors)
        if plant_delta is not None:
            delta.update(plant_delta.reindex(cal.sectors).dropna())
        k0 = cal.cap0 / (float(params["net_return"]) + delta)
        return cls(k0, delta.to_numpy(float), float(params["invest_elasticity"]), capex)

    def efficiency(self, year: int) -> np.ndarray:
        """Capacity added per unit of real investment in ``year`` (1 / capital cost index)."""
        if self.capex is None or year not in self.capex.index:
            return np.ones(len(self.k0))
        c = self.capex.loc[year].reindex(self.k0.index).fillna(1.0).to_numpy(float)
        return 1.0 / c

    def step(self, k: np.ndarray, inv: np.ndarray, year: int, retired: np.ndarray | None = None) -> np.ndarray:
        """Next year's capital index from this year's investment, its vintage's efficiency and retirements."""
        K0 = self.k0.to_numpy()
        nxt = (1 - self.delta) * k + inv * self.efficiency(year) / np.where(K0 > 0, K0, 1.0)
        if retired is not None:
            nxt = nxt - retired
        return np.where(K0 > 0, np.maximum(nxt, K_FLOOR), 1.0)

    def investment_for(self, pos: int, target: float, k: float, year: int) -> tuple[float, float]:
        """Real investment (bn yuan) that takes sector ``pos`` from ``k`` to ``target`` next year,
        and the capacity retired early when the target is below the depreciated stock."""
        need = target - (1 - self.delta[pos]) * k
        if need >= 0:
            return need * float(self.k0.iloc[pos]) / float(self.efficiency(year)[pos]), 0.0
        return 0.0, -need


_BASE_TECH: dict[bytes, tuple] = {}    # digest of a baseline year's solution -> its technique (OldCapital)


class OldCapital:
    """Old (putty-clay) capital of a policy run across years (:mod:`cge.model.vintage`).

    Each policy year, old capital is last year's installed stock after depreciation (at most 99 %
    of this year's stock), producing with last year's average technique of its activity times the
    baseline's own change of technique from last year to this, so baseline technical change (AEEI,
    twists, labour productivity) reaches old capital too while a policy's change of technique
    spreads only as capital turns over."""

    def __init__(self, m, sectors: list[str]) -> None:
        self.m, self.sectors = m, list(sectors)
        self.k_used: np.ndarray | None = None     # this year's installed stock: next year's old capital
        self.use: np.ndarray | None = None        # last year's use of old capital (share of it in use)
        self.last: tuple | None = None            # last year's technique (see technique)
        self.base_use: np.ndarray | None = None   # the baseline's use of capital this year
        self._base: dict[int, tuple] = {}
        self._vars = None
        if hasattr(m, "VJ"):
            self.pos = np.array([self.sectors.index(j) for j in m.VJ], dtype=int)

    def _values(self, name: str) -> np.ndarray:
        """Current values of the gathered variable family ``name`` (by activity with old capital)."""
        from .api import Extractor
        return Extractor.values(self._vars[name])

    def technique(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Average inputs per unit of output of the activities with old capital at the current
        values: energy inputs by flow, the materials bundle, labour and capital in use (new and old)
        by activity (indices)."""
        m = self.m
        if self._vars is None:
            from .api import FlowValues
            from .model.capital import stock
            vpos = {j: n for n, j in enumerate(m.VJ)}
            self._fv = FlowValues(m, list(m.FV))
            self._fv_j = np.array([vpos[j] for (_, j) in m.FV], dtype=int)
            self._nd_j = np.array([vpos[j] for j in m.VND], dtype=int)
            self._vars = {name: [getattr(m, name)[j] for j in m.VJ] for name in ("XP", "L", "KU", "ko", "XPO", "KO")}
            self._vars["QND"] = [m.QND[j] for j in m.VND]
            self._stock = [stock(m, j) for j in m.VJ]
        v = {name: self._values(name) for name in self._vars}
        xp = np.maximum(v["XP"], 1e-12)
        return (self._fv() / xp[self._fv_j], v["QND"] / xp[self._nd_j], v["L"] / xp,
                (v["KU"] + v["ko"] * v["XPO"]) / xp)

    def _base_technique(self, year: int, at_base, key: bytes | None = None) -> tuple:
        """The baseline's technique of ``year`` and its use of capital; ``at_base(year, fn)`` evaluates
        ``fn`` at the baseline's solution of ``year``.  Cached in the run and, by ``key`` (a digest of
        that solution), in the process: the runs of a sweep or of ``cge run`` share one baseline."""
        if year not in self._base:
            hit = _BASE_TECH.get(key) if key is not None else None
            if hit is None:
                import pyomo.environ as pyo

                def tech():
                    use = self._values("KU") / np.maximum([pyo.value(s) for s in self._stock], 1e-12)
                    return self.technique() + (use,)
                self.technique()                                 # gather the variables once
                hit = at_base(year, tech)
                if key is not None:
                    if len(_BASE_TECH) > 400:
                        _BASE_TECH.clear()
                    _BASE_TECH[key] = hit
            self._base[year] = hit
        return self._base[year]

    def remember(self) -> None:
        """Take last year's technique and use of old capital from the current values (last year's solution)."""
        self.last = self.technique()
        self.use = self._values("ko") * self._values("XPO") / self._values("KO")

    def set_year(self, year: int, k: np.ndarray, delta: np.ndarray, at_base, keys: dict | None = None) -> None:
        """Old capital and its coefficients for ``year`` (installed stock index ``k``, depreciation ``delta``;
        ``keys``: year -> digest of the baseline's solution, for the process-wide cache)."""
        m = self.m
        keys = keys or {}
        b0 = self._base_technique(year - 1, at_base, keys.get(year - 1))
        b1 = self._base_technique(year, at_base, keys.get(year))
        ratio = lambda a, b: np.divide(a, b, out=np.ones_like(a), where=b > 1e-12)
        xo, xnd, lo, ko = (p * ratio(c, d) for p, c, d in zip(self.last, b1[:4], b0[:4]))
        self.base_use = b1[4]
        prev = k if self.k_used is None else self.k_used
        ko_stock = np.minimum((1 - delta[self.pos]) * prev[self.pos], 0.99 * k[self.pos])
        if not hasattr(self, "_data_vars"):
            self._data_vars = ([m.xo[f] for f in m.FV], [m.xnd[j] for j in m.VND], [m.lo[j] for j in m.VJ],
                               [m.ko[j] for j in m.VJ], [m.KO[j] for j in m.VJ])
        for vs, vals in zip(self._data_vars, (xo, xnd, lo, np.maximum(ko, 1e-9), np.maximum(ko_stock, 1e-9))):
            for v, x in zip(vs, vals.tolist()):
                v.set_value(x, skip_validation=True)
        m.VINT.set_value(1.0)

    def start(self) -> None:
        """Start values of old output: a malleable start (the first policy year, from the baseline) is
        turned into old and new capital producing; later years carry last year's use of old capital."""
        from .model.vintage import putty_start, scale_flexible
        m = self.m
        if self.use is None or not (self.use > 1e-12).any():   # no old capital last year: the first policy year
            putty_start(m)
            return
        for n, j in enumerate(m.VJ):
            xp = float(m.XP[j].value)
            full = float(m.KO[j].value) / float(m.ko[j].value)
            xo = min(float(self.use[n]) * full, 0.999 * xp)
            m.XPO[j].set_value(xo)
            # the scale of the profitability condition: old output at the baseline's use of capital, so
            # that a zero price reproduces the baseline exactly
            m.xporef[j].set_value(max(float(self.base_use[n]) * full, 1e-9))
            q = float(m.Q[j, "XP"].value)            # the flexible nests make the rest of the output
            scale_flexible(m, j, (xp - xo) / q if q > 0 else 1.0)

    def in_use(self) -> np.ndarray:
        """Old capital in use by sector (index of the 2017 stock; 0 without putty-clay capital)."""
        out = np.zeros(len(self.sectors))
        if hasattr(self.m, "VJ"):
            out[self.pos] = [float(self.m.ko[j].value) * float(self.m.XPO[j].value) for j in self.m.VJ]
        return out

    def output_share(self) -> np.ndarray:
        """Old capital's share of each sector's output."""
        out = np.zeros(len(self.sectors))
        if hasattr(self.m, "VJ"):
            xp = np.array([float(self.m.XP[j].value) for j in self.m.VJ])
            xo = np.array([float(self.m.XPO[j].value) for j in self.m.VJ])
            out[self.pos] = np.divide(xo, xp, out=np.zeros_like(xp), where=xp > 0)
        return out
