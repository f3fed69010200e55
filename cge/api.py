"""The public model API: ``Model(calibration, closure).solve(carbon_price=...) -> Solution``."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
import xarray as xr

from .accounts import national_accounts
from .model.closure import Closure, apply_closure, check_square, load_closure
from .model import build_model
from .solve import InMemorySolver, SolveInfo, solve

CAP_PRICE_GUESS = 50.0   # yuan/t CO2: starting point of an endogenous (cap) price at a zero start; not a result

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
        ds = xr.Dataset(self.values(r), coords={"sector": list(self.model.cal.sectors),
                                                "household": list(self.model.cal.households)})
        ds.attrs.update(ipopt_iterations=self.info.iterations, solve_seconds=self.info.seconds,
                        closure=self.model.closure.name)
        return ds

    def values(self, r: dict | None = None) -> dict[str, tuple]:
        """The variables of :meth:`to_xarray` as ``name -> (dims, value, attrs)`` (no Dataset built)."""
        r = r if r is not None else self.model.extract()
        m = self.model.m
        return {
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
                **national_accounts(m),
                "carbon_revenue": ((), float(m.CREV.value), {"units": "billion yuan"}),
                "wage": ((), float(m.W.value), {"units": "index"}),
                "exchange_rate": ((), float(m.ER.value), {"units": "index"}),
            }


def _lookup(df):
    """``f(row, column)``: a DataFrame's value as a float, 0 for a label it lacks (no ``.loc`` per call)."""
    a = df.to_numpy(dtype=float)
    r = {k: n for n, k in enumerate(df.index)}
    c = {k: n for n, k in enumerate(df.columns)}
    return lambda i, j: float(a[r[i], c[j]]) if i in r and j in c else 0.0


class FlowValues:
    """Intermediate demands ``XA`` (an Expression family) evaluated in numpy for a list of flows.

    Mirrors :func:`cge.model.production.add_production`'s CES demand
    ``XA = twist x Q_parent (P_parent / PU)**sigma`` and the power block's logit
    ``XA = Q_GEN x (TWh_total / TWh0_t) x s0_t TGEN_t PU**(-sigma) / sum_k s0_k TGEN_k PU_k**(-sigma)``,
    with ``PU = PA + (cover x CTAX + (1 - cover) x CTAXB) x PNUM x coef / 1000``; coefficients are gathered once,
    values read from the variables at each call (tests check it against Pyomo's own evaluation)."""

    def __init__(self, m: pyo.ConcreteModel, flows: list[tuple[str, str]]) -> None:
        from .model.base import parent
        cal = m._cal
        coef = cal.co2coef
        self.m, self.flows = m, list(flows)
        users = list(m.U)
        upos = {u: k for k, u in enumerate(users)}
        ipos = {i: k for k, i in enumerate(m.I)}
        self.users = users
        self.pa = [m.PA[i] for i in m.I]
        nests = list(m.N)
        npos = {n: k for k, n in enumerate(nests)}
        self.q = [m.Q[n] for n in nests]
        self.p = [m.P[n] for n in nests]
        logit = getattr(m, "_logit_nests", set())
        n = len(self.flows)
        self.i_pa = np.array([ipos[i] for i, _ in self.flows], dtype=int)
        self.u_pos = np.array([upos[j] for _, j in self.flows], dtype=int)
        cf = _lookup(coef)
        self.c = np.array([cf(i, j) for i, j in self.flows]) / 1000.0
        self.nest = np.zeros(n, dtype=int)
        self.sigma = np.zeros(n)
        self.kind = np.zeros(n, dtype=int)      # 0 no twist, 1 twisted (f / norm), 2 the others (1 / norm)
        self.theta = np.zeros(n)
        self.is_logit = np.zeros(n, dtype=bool)
        pars = [parent(m, j, f"c:{i}") for i, j in self.flows]
        for k, ((i, j), par) in enumerate(zip(self.flows, pars)):
            self.nest[k] = npos[(j, par)]
            self.sigma[k] = m._trees[j][par].sigma
            if (j, par) in logit:
                self.is_logit[k] = True
                continue
            tw = m._twists.get((j, par))
            if tw is not None:
                down, theta = tw
                if par != "NEL":   # only fuel nests twist commodities (FSW); energy and KE twists move sub-nests
                    raise RuntimeError(f"FlowValues mirrors fuel-nest twists only; {i} of {j} is twisted in nest {par}")
                self.kind[k] = 1 if f"c:{i}" in down else 2
                self.theta[k] = theta
        self.logit = None
        if self.is_logit.any():
            pw = m._power
            gen, grid = pw["gen"], pw["grid"]
            self.logit = dict(
                pa=np.array([ipos[t] for t in gen], dtype=int), u=upos[grid],
                c=np.array([cf(t, grid) for t in gen]) / 1000.0,
                s0=np.array([float(pw["s0"][t]) for t in gen]), sigma=float(pw["sigma"]),
                tgen=[m.TGEN[t] if t in m.GT else None for t in gen], q=npos[(grid, "GEN")],
                scale=np.array([float(pw["twh0"].sum()) / float(pw["twh0"][t]) for t in gen]),
                where={t: g for g, t in enumerate(gen)})
            self.logit_pos = np.array([self.logit["where"][i] for (i, _), lg in zip(self.flows, self.is_logit) if lg],
                                      dtype=int)
        fv = set(m.FV) if hasattr(m, "FV") else set()
        vnd = set(m.VND) if hasattr(m, "VND") else set()
        mat = {k for k, ((_, j), par) in enumerate(zip(self.flows, pars)) if j in vnd and par == "ND"}
        old = [k for k, f in enumerate(self.flows) if f in fv or k in mat]   # flows with old (putty-clay) capital
        self.old_pos = np.array(old, dtype=int)
        self.old_xo = [m.xnd[self.flows[k][1]] if k in mat else m.xo[self.flows[k]] for k in old]
        self.old_xpo = [m.XPO[self.flows[k][1]] for k in old]

    def __call__(self) -> np.ndarray:
        """Current values of ``XA`` for the flows, in their order."""
        m, val = self.m, Extractor.values
        pa = val(self.pa)
        cover = np.array([pyo.value(m.cover[u]) for u in self.users])
        tax = (cover * float(m.CTAX.value) + (1 - cover) * float(m.CTAXB.value)) * float(m.PNUM.value)   # by user
        q, p = val(self.q), val(self.p)
        pu = pa[self.i_pa] + tax[self.u_pos] * self.c
        ps = p[self.nest]
        xa = q[self.nest] * np.where(self.sigma == 0.0, 1.0, (ps / pu) ** self.sigma)
        f = float(m.FSW.value)
        norm = self.theta * f + 1 - self.theta
        tw = np.where(self.kind == 1, f / norm, np.where(self.kind == 2, 1 / norm, 1.0))
        xa = xa * tw
        if self.logit is not None:
            lg = self.logit
            pug = pa[lg["pa"]] + tax[lg["u"]] * lg["c"]
            tg = np.array([1.0 if v is None else float(v.value) for v in lg["tgen"]])
            w = lg["s0"] * tg * pug ** (-lg["sigma"])
            gen = q[lg["q"]] * lg["scale"] * w / w.sum()
            xa[self.is_logit] = gen[self.logit_pos]
        if self.old_pos.size:
            xa[self.old_pos] += val(self.old_xo) * val(self.old_xpo)
        return xa


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
    "utility": (("household",), "index, 2017 = 1", "household utility, money-metric (LES: supernumerary spending at 2017 prices over 2017's; Cobb-Douglas: index of consumption)"),
    "ev": (("household",), "billion yuan, 2017 prices", "equivalent variation relative to the 2017 benchmark: e(p2017, U) - e(p2017, U2017) with this year's preferences"),
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
        c = _lookup(co2)
        fuel = [(i, j) for (i, j) in m.F if c(i, j) > 0]
        home = [(i, h) for (i, h) in m.CF if c(i, h) > 0]
        self.m, self.S = m, S
        self.xp = [m.XP[j] for j in S]
        self.pa = [m.PA[i] for i in S]
        self.xa_fuel = FlowValues(m, fuel)
        self.fuel_coef = np.array([c(i, j) for (i, j) in fuel])
        self.fuel_user = np.array([pos[j] for (_, j) in fuel])
        z0 = _lookup(cal.z0)
        self.fuel_z0 = np.array([z0(i, j) for (i, j) in fuel])
        self.c_home = [m.C[f] for f in home]
        self.home_coef = np.array([c(i, h) for (i, h) in home])
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
        from .fasteval import Compiled
        parts = {"util": [m.UTIL[h] for h in H], "qg": self.qg, "qinv": self.qinv, "pm": self.pm,
                 "tarrev": [m.TARREV], "ev": [m.EVH[h] for h in H]}
        self._expr = Compiled([e for es in parts.values() for e in es])    # the expressions, evaluated together
        ends = np.cumsum([len(es) for es in parts.values()])
        self._expr_slices = {k: slice(int(b - len(es)), int(b)) for (k, es), b in zip(parts.items(), ends)}

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
        e = self._expr()
        ev = {k: e[sl] for k, sl in self._expr_slices.items()}
        util = ev["util"]
        imp = np.zeros(n)
        imp[self.im_pos] = self.imp0 * val(self.xm)
        exp = np.zeros(n)
        exp[self.ex_pos] = self.exp0 * val(self.xe)
        er = float(m.ER.value)
        general = {
            "consumption_sector": by_hh.sum(axis=1), "consumption_household": by_hh,
            "gov_demand": self.gov0 * ev["qg"], "inv_demand": self.inv0v * ev["qinv"],
            "imports_sector": imp, "exports_sector": exp,
            "price_domestic": val(self.pd), "price_import": ev["pm"], "price_export": val(self.pwe) * er,
            "tariff_rate": val(self.tm), "tariff_revenue": float(ev["tarrev"][0]),
            "utility": util, "ev": ev["ev"],
        }
        aproc = np.ones(len(self.S))
        aproc[self.proc_pos] = val(self.aproc)
        aproc *= float(m.APT.value)
        ares = float(m.ARES.value)
        xa_fuel = self.xa_fuel()
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
        self.keep_factorisation = True          # a re-solve starts from the last LU factorisation (InMemorySolver)

    def set_coverage(self, covered: "list[str] | str" = "all") -> None:
        """Which users pay the carbon price: ``"all"`` or a list of activity codes and households
        (``hh_rural``, ``hh_urban``); uncovered users' CO2 still counts in national emissions."""
        users = list(self.m.U)
        if covered != "all":
            unknown = sorted(set(covered) - set(users))
            if unknown:
                raise KeyError(f"covered: unknown user(s) {unknown}")
        new = {u: 1.0 if covered == "all" or u in covered else 0.0 for u in users}
        if any(pyo.value(self.m.cover[u]) != c for u, c in new.items()):
            for u, c in new.items():
                self.m.cover[u] = c
            self.solver.invalidate()             # parameters are compiled into the NLP

    def extract(self) -> dict:
        """Key results of the current solution as numpy arrays (see :class:`Extractor`)."""
        if self._extract is None:
            self._extract = Extractor(self.m, self.cal)
        return self._extract()

    def set_closure(self, closure: str | Closure) -> None:
        """Swap the closure (data only) and re-check squareness. A closure with other equations
        (its ``structure``) rebuilds the model, values carried over by name; otherwise the compiled
        NLP is kept (only bounds change). After a structural change of your own (equations activated
        or deactivated, a mutable parameter set) call ``self.solver.invalidate()``."""
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
        self.solver.refix()                      # new bounds of the compiled NLP, no recompilation

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
        if not self.m.CTAX.fixed and not self.m.CTAX.value:
            # an endogenous price (cap closure) starting at exactly zero is a degenerate start
            # (no carbon revenue to move): start from the same guess as the dynamic runs
            self.m.CTAX.set_value(CAP_PRICE_GUESS)
        self.solver.keep_factorisation = self.keep_factorisation
        info = self.solver.solve(where=where)
        return Solution(self, info, float(pyo.value(self.m.CTAX)))
