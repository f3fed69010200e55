"""What the year loop carries from one year to the next: capital by vintage rule, power capacity.

Capital is putty-clay.  Investment chooses its sector by expected returns (ex ante mobile: the
MONASH capital-growth curves of :mod:`cge.model.investment`);
once installed it is sector-specific (ex post clay) and may stand idle (:mod:`cge.model.capital`).
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
