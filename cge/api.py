"""The public model API: ``Model(calibration, closure).solve(carbon_price=...) -> Solution``."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
import xarray as xr

from .model.closure import Closure, apply_closure, check_square, load_closure
from .model import build_model
from .solve import InMemorySolver, SolveInfo, solve

SHOCKS = {"tp": "production tax rate by sector (dict or scalar)", "LS": "labour supply index",
          "K": "capital stock index by sector (dict or scalar)", "PNUM": "numeraire level",
          "ER": "exchange rate (when it is the numeraire)", "EMI": "emission cap, Mt (cap closure)",
          "G": "real government consumption index", "FSAV": "foreign saving index",
          "RECYC": "share of carbon revenue recycled lump-sum to households",
          "tm": "import duty rate by commodity, fraction of the CIF value (dict or scalar)",
          "KS": "supply of mobile capital index (mobile-capital closures)",
          "GSAVSH": "government saving rate index (closures that fix it)"}


@dataclass
class Solution:
    """Values of one solve, in labelled form."""

    model: "Model"
    info: SolveInfo
    carbon_price: float

    def to_xarray(self, r: dict | None = None) -> xr.Dataset:
        """Key results with units: ``co2`` (Mt), ``gdp`` (real, bn yuan 2017), ``output``, ``price``...
        (``r``: the values from :meth:`Model.extract` when the caller already has them)."""
        r = r if r is not None else self.model.extract()
        m = self.model.m
        ds = xr.Dataset(
            {
                "co2": ((), r["co2"], {"units": "Mt CO2", "long_name": "national CO2 emissions"}),
                "co2_sector": (("sector",), r["co2_sector"],
                               {"units": "Mt CO2", "long_name": "CO2 by emitting activity (combustion + process)"}),
                "gdp": ((), r["gdp"], {"units": "billion yuan, 2017 prices", "long_name": "real GDP (expenditure)"}),
                "output": (("sector",), r["output"], {"units": "billion yuan, 2017 prices", "long_name": "real gross output"}),
                "price": (("sector",), r["price"], {"units": "index, 2017 = 1", "long_name": "Armington commodity price"}),
                "investment": ((), r["investment"], {"units": "billion yuan, 2017 prices", "long_name": "real fixed investment"}),
                "consumption": ((), r["consumption"], {"units": "billion yuan, 2017 prices", "long_name": "real household consumption"}),
                "exports": ((), r["exports"], {"units": "billion yuan, 2017 prices", "long_name": "real exports"}),
                "imports": ((), r["imports"], {"units": "billion yuan, 2017 prices", "long_name": "real imports"}),
                "employment": ((), r["employment"], {"units": "index, 2017 = 1", "long_name": "employment (labour demand index)"}),
                "carbon_price": ((), self.carbon_price, {"units": "yuan per t CO2, 2017 prices"}),
                **_general_results(r),
                "carbon_revenue": ((), float(m.CREV.value), {"units": "billion yuan"}),
                "wage": ((), float(m.W.value), {"units": "index"}),
                "exchange_rate": ((), float(m.ER.value), {"units": "index"}),
            },
            coords={"sector": list(self.model.cal.sectors), "household": list(self.model.cal.households)},
        )
        ds.attrs.update(ipopt_iterations=self.info.iterations, solve_seconds=self.info.seconds,
                        closure=self.model.closure.name)
        return ds


# the results a general CGE engine reports: name -> (dims, units, long name); metadata in cge/data/variables.csv
GENERAL = {
    "consumption_sector": (("sector",), "billion yuan, 2017 prices", "real household consumption by commodity (all households)"),
    "consumption_household": (("sector", "household"), "billion yuan, 2017 prices", "real consumption by commodity and household"),
    "gov_demand": (("sector",), "billion yuan, 2017 prices", "real government consumption by commodity"),
    "inv_demand": (("sector",), "billion yuan, 2017 prices", "real fixed investment demand by commodity"),
    "imports_sector": (("sector",), "billion yuan, 2017 prices (CIF)", "real imports by commodity"),
    "exports_sector": (("sector",), "billion yuan, 2017 prices", "real exports by commodity"),
    "price_domestic": (("sector",), "index, 2017 = 1", "price of domestic output sold at home"),
    "price_import": (("sector",), "index, 2017 = 1", "domestic price of imports incl. import duty"),
    "price_export": (("sector",), "index, 2017 = 1", "export price in yuan"),
    "tariff_rate": (("sector",), "fraction of the CIF value", "import duty rate"),
    "tariff_revenue": ((), "billion yuan", "import duty revenue"),
    "utility": (("household",), "index, 2017 = 1", "household utility (Cobb-Douglas index of consumption, 2017 budget shares)"),
    "ev": (("household",), "billion yuan, 2017 prices", "equivalent variation relative to the 2017 benchmark"),
}


def _general_results(r: dict) -> dict:
    """The GENERAL results of an extraction as xarray variable specs."""
    return {k: (dims, r[k], {"units": u, "long_name": ln}) for k, (dims, u, ln) in GENERAL.items()}


class Extractor:
    """Key results as numpy arrays from the model's variables (coefficients gathered once)."""

    def __init__(self, m: pyo.ConcreteModel, cal) -> None:
        S = list(cal.sectors)
        pos = {j: k for k, j in enumerate(S)}
        co2 = cal.co2
        fuel = [(i, j) for (i, j) in m.F if co2.loc[i, j] > 0]
        home = [(i, h) for (i, h) in m.CF if co2.loc[i, h] > 0]
        self.m, self.S = m, S
        self.xp = [m.XP[j] for j in S]
        self.pa = [m.PA[i] for i in S]
        self.xa_fuel = [m.XA[f] for f in fuel]
        self.fuel_coef = np.array([float(co2.loc[i, j]) for (i, j) in fuel])
        self.fuel_user = np.array([pos[j] for (_, j) in fuel])
        self.fuel_z0 = np.array([float(cal.z0.loc[i, j]) for (i, j) in fuel])
        self.c_home = [m.C[f] for f in home]
        self.home_coef = np.array([float(co2.loc[i, h]) for (i, h) in home])
        self.c = [m.C[f] for f in m.CF]
        self.c0 = np.array([float(cal.hh0.loc[i, h]) for (i, h) in m.CF])
        self.xe = [m.XE[i] for i in m.EX]
        self.exp0 = np.array([float(cal.exp0[i]) for i in m.EX])
        self.xm = [m.XM[i] for i in m.IM]
        self.imp0 = np.array([float(cal.imp0[i]) for i in m.IM])
        self.lab = [m.L[j] for j in S]
        self.lab0 = cal.lab0.reindex(S).to_numpy(dtype=float)
        self.xp0 = cal.xp0.reindex(S).to_numpy(dtype=float)
        self.proc0 = cal.process0.reindex(S).to_numpy(dtype=float)
        self.inv0 = float(cal.inv0.sum())
        H = list(cal.households)
        self.H = H
        self.cf_pos = np.array([pos[i] for (i, _) in m.CF], dtype=int)
        self.cf_h = np.array([H.index(h) for (_, h) in m.CF], dtype=int)
        cons0 = cal.hh0.sum(axis=0)
        self.cons0 = np.array([float(cons0[h]) for h in H])
        self.cf_share = np.array([float(cal.hh0.loc[i, h]) / float(cons0[h]) for (i, h) in m.CF])
        self.gov0 = cal.gov0.reindex(S).to_numpy(dtype=float)
        self.inv0v = cal.inv0.reindex(S).to_numpy(dtype=float)
        self.qg = [m.QG[i] for i in S]
        self.qinv = [m.QINV[i] for i in S]
        self.im_pos = np.array([pos[i] for i in m.IM], dtype=int)
        self.ex_pos = np.array([pos[i] for i in m.EX], dtype=int)
        self.pd = [m.PD[i] for i in S]
        self.pm = [m.PM[i] for i in S]
        self.pwe = [m.PWE[i] for i in S]
        self.tm = [m.tm[i] for i in S]
        self.aproc = [m.APROC[j] for j in m.PROCI]
        self.proc_pos = np.array([pos[j] for j in m.PROCI], dtype=int)

    @staticmethod
    def values(vs: list) -> np.ndarray:
        """Current values of a list of variables."""
        return np.fromiter((v.value for v in vs), dtype=float, count=len(vs))

    def __call__(self) -> dict[str, np.ndarray | float]:
        """Real output, prices, CO2 by sector and household, GDP and the expenditure totals."""
        m, val = self.m, self.values
        xp = val(self.xp)
        n = len(self.S)
        c = val(self.c)
        cons = self.c0 * c
        by_hh = np.zeros((n, len(self.H)))
        np.add.at(by_hh, (self.cf_pos, self.cf_h), cons)
        logu = np.bincount(self.cf_h, self.cf_share * np.log(np.maximum(c, 1e-300)), len(self.H))
        util = np.exp(logu)
        ev = lambda v: np.fromiter((pyo.value(x) for x in v), dtype=float, count=len(v))
        imp = np.zeros(n)
        imp[self.im_pos] = self.imp0 * val(self.xm)
        exp = np.zeros(n)
        exp[self.ex_pos] = self.exp0 * val(self.xe)
        er = float(m.ER.value)
        general = {
            "consumption_sector": by_hh.sum(axis=1), "consumption_household": by_hh,
            "gov_demand": self.gov0 * ev(self.qg), "inv_demand": self.inv0v * ev(self.qinv),
            "imports_sector": imp, "exports_sector": exp,
            "price_domestic": val(self.pd), "price_import": ev(self.pm), "price_export": val(self.pwe) * er,
            "tariff_rate": val(self.tm), "tariff_revenue": float(pyo.value(m.TARREV)),
            "utility": util, "ev": self.cons0 * (util - 1.0),
        }
        aproc = np.ones(len(self.S))
        aproc[self.proc_pos] = val(self.aproc)
        ares = float(m.ARES.value)
        xa_fuel = val(self.xa_fuel)
        process = ares * self.proc0 * aproc * xp
        co2_sector = ares * np.bincount(self.fuel_user, self.fuel_coef * xa_fuel, len(self.S)) + process
        return {
            "co2": float(m.EMI.value),
            "co2_sector": co2_sector,
            "co2_household": ares * float(self.home_coef @ val(self.c_home)),
            "co2_process": process,
            "fossil_use": np.bincount(self.fuel_user, self.fuel_z0 * xa_fuel, len(self.S)),
            "gdp": float(m.RGDP.value) * m._gdp0,           # real GDP, expenditure side at 2017 prices (eq_rgdp)
            "output": xp * self.xp0,
            "price": val(self.pa),
            "investment": float(m.INV.value) * self.inv0,
            "consumption": float(self.c0 @ val(self.c)),
            "exports": float(self.exp0 @ val(self.xe)),
            "imports": float(self.imp0 @ val(self.xm)),
            "employment": float(self.lab0 @ val(self.lab)) / float(self.lab0.sum()),
            **general,
        }


class Model:
    """A static CGE model built once from a calibration; re-solved for prices and shocks."""

    def __init__(self, calibration, closure: str | Closure = "standard") -> None:
        self.cal = calibration
        self.closure = closure if isinstance(closure, Closure) else load_closure(closure)
        self.m = build_model(calibration, options=self.closure.structure())
        apply_closure(self.m, self.closure)
        check_square(self.m, self.closure)
        self.solver = InMemorySolver(self.m)
        self._extract: Extractor | None = None

    def set_coverage(self, covered: "list[str] | str" = "all") -> None:
        """Which users pay the carbon price: ``"all"`` or a list of activity codes and households
        (``hh_rural``, ``hh_urban``); uncovered users' CO2 still counts in national emissions."""
        users = list(self.m.U)
        if covered != "all":
            unknown = sorted(set(covered) - set(users))
            if unknown:
                raise KeyError(f"covered: unknown user(s) {unknown}")
        for u in users:
            self.m.cover[u] = 1.0 if covered == "all" or u in covered else 0.0
        self.solver.invalidate()                 # parameters are compiled into the NLP

    def extract(self) -> dict:
        """Key results of the current solution as numpy arrays (see :class:`Extractor`)."""
        if self._extract is None:
            self._extract = Extractor(self.m, self.cal)
        return self._extract()

    def set_closure(self, closure: str | Closure) -> None:
        """Swap the closure (data only) and re-check squareness."""
        new = closure if isinstance(closure, Closure) else load_closure(closure)
        if new.structure() != self.closure.structure():      # other equations: rebuild (values carried over by name)
            old = {v.name: v.value for v in self.m.component_data_objects(pyo.Var)}
            self.m = build_model(self.cal, options=new.structure())
            for v in self.m.component_data_objects(pyo.Var):
                if v.name in old and old[v.name] is not None:
                    v.set_value(old[v.name], skip_validation=True)
            self.solver = InMemorySolver(self.m)
            self._extract = None
        self.closure = new
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
