"""The public model API: ``Model(calibration, closure).solve(carbon_price=...) -> Solution``."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
import xarray as xr

from .closure import Closure, apply_closure, check_square, load_closure
from .model import build_model
from .solve import InMemorySolver, SolveInfo, solve

SHOCKS = {"tp": "production tax rate by sector (dict or scalar)", "LS": "labour supply index",
          "K": "capital stock index by sector (dict or scalar)", "PNUM": "numeraire level",
          "ER": "exchange rate (when it is the numeraire)", "EMI": "emission cap, Mt (cap closure)",
          "G": "real government consumption index", "FSAV": "foreign saving index",
          "RECYC": "share of carbon revenue recycled lump-sum to households"}


@dataclass
class Solution:
    """Values of one solve, in labelled form."""

    model: "Model"
    info: SolveInfo
    carbon_price: float

    def to_xarray(self) -> xr.Dataset:
        """Key results with units: ``co2`` (Mt), ``gdp`` (real, bn yuan 2017), ``output``, ``price``..."""
        m, cal = self.model.m, self.model.cal
        S = list(cal.sectors)
        v = lambda x: float(pyo.value(x))
        output = np.array([v(m.XP[j]) * cal.xp0[j] for j in S])
        price = np.array([v(m.PA[i]) for i in S])
        gdp = v(m.RGDP) * m._gdp0          # real GDP, expenditure side at 2017 prices (eq_rgdp)
        a = v(m.ACO2)
        co2_sec = {j: a * (sum(cal.co2.loc[i, j] * v(m.XA[i, j]) for i in S if (i, j) in m.F and cal.co2.loc[i, j] > 0)
                           + cal.process0[j] * v(m.XP[j])) for j in S}
        ds = xr.Dataset(
            {
                "co2": ((), v(m.EMI), {"units": "Mt CO2", "long_name": "national CO2 emissions"}),
                "co2_sector": (("sector",), np.array([co2_sec[j] for j in S]),
                               {"units": "Mt CO2", "long_name": "CO2 by emitting activity (combustion + process)"}),
                "gdp": ((), gdp, {"units": "billion yuan, 2017 prices", "long_name": "real GDP (expenditure)"}),
                "output": (("sector",), output, {"units": "billion yuan, 2017 prices", "long_name": "real gross output"}),
                "price": (("sector",), price, {"units": "index, 2017 = 1", "long_name": "Armington commodity price"}),
                "investment": ((), v(m.INV) * float(cal.inv0.sum()), {"units": "billion yuan, 2017 prices", "long_name": "real fixed investment"}),
                "consumption": ((), sum(v(m.C[i, h]) * cal.hh0.loc[i, h] for (i, h) in m.CF),
                                {"units": "billion yuan, 2017 prices", "long_name": "real household consumption"}),
                "exports": ((), sum(v(m.XE[i]) * cal.exp0[i] for i in m.EX), {"units": "billion yuan, 2017 prices", "long_name": "real exports"}),
                "imports": ((), sum(v(m.XM[i]) * cal.imp0[i] for i in m.IM), {"units": "billion yuan, 2017 prices", "long_name": "real imports"}),
                "employment": ((), sum(v(m.L[j]) * cal.lab0[j] for j in S) / float(cal.lab0.sum()),
                               {"units": "index, 2017 = 1", "long_name": "employment (labour demand index)"}),
                "carbon_price": ((), self.carbon_price, {"units": "yuan per t CO2, 2017 prices"}),
                "carbon_revenue": ((), v(m.CREV), {"units": "billion yuan"}),
                "wage": ((), v(m.W), {"units": "index"}),
                "exchange_rate": ((), v(m.ER), {"units": "index"}),
            },
            coords={"sector": S},
        )
        ds.attrs.update(ipopt_iterations=self.info.iterations, solve_seconds=self.info.seconds,
                        closure=self.model.closure.name)
        return ds


class Model:
    """A static CGE model built once from a calibration; re-solved for prices and shocks."""

    def __init__(self, calibration, closure: str | Closure = "standard") -> None:
        self.cal = calibration
        self.m = build_model(calibration)
        self.closure = closure if isinstance(closure, Closure) else load_closure(closure)
        apply_closure(self.m, self.closure)
        check_square(self.m, self.closure)
        self.solver = InMemorySolver(self.m)

    def set_closure(self, closure: str | Closure) -> None:
        """Swap the closure (data only) and re-check squareness."""
        self.closure = closure if isinstance(closure, Closure) else load_closure(closure)
        apply_closure(self.m, self.closure)
        check_square(self.m, self.closure)
        self.solver.invalidate()

    def _shock(self, name: str, value) -> None:
        """Set a parameter or a fixed variable (scalar or by-index dict)."""
        comp = getattr(self.m, name)
        items = value.items() if isinstance(value, dict) else ([(None, value)] if not comp.is_indexed()
                                                                else [(k, value) for k in comp])
        for k, x in items:
            tgt = comp if k is None else comp[k]
            if hasattr(tgt, "fix"):
                tgt.set_value(x)
            else:
                tgt.value = x
                self.solver.invalidate()      # parameters are compiled into the NLP

    def solve(self, carbon_price: float | None = None, where: str = "static solve", **shocks) -> Solution:
        """Solve at a carbon price (yuan/t CO2, 2017 prices) with optional shocks (see ``SHOCKS``)."""
        unknown = [k for k in shocks if k not in SHOCKS]
        if unknown:
            raise KeyError(f"unknown shock(s) {unknown}; known: {sorted(SHOCKS)}")
        if carbon_price is not None:
            self.m.CTAX.set_value(float(carbon_price))
        for k, x in shocks.items():
            self._shock(k, x)
        info = self.solver.solve(where=where)
        return Solution(self, info, float(pyo.value(self.m.CTAX)))
