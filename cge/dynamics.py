"""Recursive dynamics 2017-2060: the year loop, capital accumulation and the wage rule.

Each year is one static equilibrium (the same Pyomo model, re-solved in memory from the
previous year's solution).  Between years:

* capital: K(t+1) = (1 - delta) K(t) + I(t) by sector, where aggregate real investment from
  the solution is allocated across sectors in proportion to capital times the sector's
  rate of return relative to the economy average, raised to ``invest_elasticity``
  (MONASH-style allocation by expected rates of return; equal returns -> equal growth);
* labour: in the baseline labour supply follows the working-age population; in policy runs
  the lagged real-wage rule (``eq_wrule``) makes employment endogenous within the year and
  carries last year's real-wage deviation forward;
* the baseline (forecast closure) makes ALAB, ACO2 and AGEN endogenous to hit the GDP, CO2
  and power-mix paths; policy runs fix them at the baseline values.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import xarray as xr

from .api import Extractor, Model
from .drivers import BASE_YEAR, Drivers, load_drivers
from .scenarios import Scenario
from .solve import SolveError

# variable families that scale with the size of the economy (warm start of the next year)
QUANTITY_FAMILIES = {"XP", "Q", "XA", "L", "XAT", "XD", "XM", "XE", "C", "YH", "YE", "YG", "GSAV", "G",
                     "TRG", "INV", "FSAV", "LS", "EMI", "CREV", "RGDP", "STK"}


CAP_PRICE_GUESS = 50.0   # yuan/t CO2: first-year starting point of an endogenous (cap) price; not a result


class ScenarioFailed(RuntimeError):
    """A year of a scenario failed: the message names scenario, year, IPOPT status and residuals."""


@dataclass
class Capital:
    """Base capital stocks and the accumulation/allocation rule."""

    k0: pd.Series                  # 2017 capital stock by sector, billion yuan
    delta: float
    elasticity: float

    @classmethod
    def from_calibration(cls, cal, params: dict) -> "Capital":
        """K0 = capital income / (net return + depreciation) (PWT rates, see scenarios/data/dynamics.csv)."""
        gross = float(params["net_return"]) + float(params["depreciation"])
        return cls(cal.cap0 / gross, float(params["depreciation"]), float(params["invest_elasticity"]))

    def weights(self, k: np.ndarray, ror: np.ndarray) -> np.ndarray:
        """Allocation weights: capital x (return / capital-weighted average return) ** elasticity."""
        K = self.k0.to_numpy() * k
        has = K > 0
        avg = float((K[has] * ror[has]).sum() / K[has].sum())
        return np.where(has, K * np.power(np.maximum(ror, 1e-9) / avg, self.elasticity), 0.0)

    def allocate(self, inv_real: float, k: np.ndarray, ror: np.ndarray, fixed_inv: dict[int, float],
                 bias: np.ndarray | None = None) -> np.ndarray:
        """Real investment by sector (bn yuan): ``fixed_inv`` (position -> amount) first, the rest
        by the return weights times the baseline's allocation ``bias`` (1 when None)."""
        w = self.weights(k, ror) * (1.0 if bias is None else bias)
        inv = np.zeros_like(w)
        free = np.ones_like(w, dtype=bool)
        for pos, amount in fixed_inv.items():
            inv[pos] = amount
            free[pos] = False
            w[pos] = 0.0
        rest = inv_real - inv.sum()
        inv[free] = rest * w[free] / w[free].sum()
        return inv

    def step(self, k: np.ndarray, inv: np.ndarray) -> np.ndarray:
        """Next year's capital index: (1 - delta) k + I / K0 (sectors without capital stay at 1)."""
        K0 = self.k0.to_numpy()
        return np.where(K0 > 0, (1 - self.delta) * k + inv / np.where(K0 > 0, K0, 1.0), 1.0)


@dataclass
class YearState:
    """What carries from one year to the next (and what --resume restores)."""

    year: int                      # last solved year
    x: np.ndarray                  # every model variable, in model order
    k_next: np.ndarray             # capital index for year + 1
    wdev: float                    # real-wage deviation from baseline in ``year``


def var_order(m: pyo.ConcreteModel) -> list:
    """Every variable of the model in a fixed order (for saving and restoring a solution)."""
    return list(m.component_data_objects(pyo.Var, sort=True))


def get_x(vs: list) -> np.ndarray:
    """Values of the variables ``vs`` (from :func:`var_order`)."""
    return np.fromiter((v.value for v in vs), dtype=float, count=len(vs))


def set_x(vs: list, x: np.ndarray, free_only: bool = False) -> None:
    """Set the variables ``vs`` (from :func:`var_order`) to ``x``, skipping fixed ones when ``free_only``."""
    for v, val in zip(vs, x):
        if not (free_only and v.fixed):
            v.set_value(float(val), skip_validation=True)


class DynamicRun:
    """One scenario's year loop on one model."""

    def __init__(self, scenario: Scenario, cal=None, drivers: Drivers | None = None,
                 baseline: xr.Dataset | None = None, baseline_x: dict[int, np.ndarray] | None = None) -> None:
        import calibration
        self.sc = scenario
        self.cal = cal if cal is not None else calibration.calibrate()
        self.drv = drivers or load_drivers()
        self.params = self.drv.params
        self.cap = Capital.from_calibration(self.cal, self.params)
        self.is_base = scenario.kind == "baseline"
        if not self.is_base and baseline is None:
            raise ValueError(f"scenario {scenario.name}: a policy run needs the baseline results")
        self.base = baseline
        self.base_x = baseline_x or {}
        closure = "baseline" if self.is_base else scenario.policy_closure
        self.model = Model(self.cal, closure)
        self.m = self.model.m
        self.m.WADJ.value = float(self.params["wage_adjustment"])
        self.model.set_coverage(scenario.covered)          # also invalidates the compiled NLP
        self.sectors = list(self.cal.sectors)
        self.techs = list(self.m.GT)
        self._vars = var_order(self.m)
        self._k = [self.m.K[j] for j in self.sectors]
        self._agen = [self.m.AGEN[t] for t in self.techs]
        self._qty = np.array([v.parent_component().name in QUANTITY_FAMILIES for v in self._vars])
        gen = [s for s in self.sectors if self.cal.role[s] == "generation"]
        self._gen = gen
        grid = [s for s in self.sectors if self.cal.role[s] == "electricity" and s in self.m.I
                and any((g, s) in self.m.F for g in gen)]
        self._grid = grid[0] if grid else None
        self._grid_prev: float | None = None
        self.planned = [s for s in self.params.get("planned_capital", []) if s in self.sectors]
        self.x_prev: np.ndarray | None = None
        self._last_price = 0.0

    # ------------------------------------------------------------------ exogenous values per year

    def _set_exogenous(self, year: int, k: np.ndarray, wdev_lag: float) -> None:
        """This year's fixed values: drivers (baseline) or baseline technology and the carbon
        price (policy), then the scenario's own shocks."""
        self._set_drivers(year, k, wdev_lag)
        for shock in self.sc.shocks:
            if shock.active(year):
                comp = getattr(self.m, shock.variable)
                for v in (comp.values() if comp.is_indexed() else [comp]):
                    v.set_value(shock.value * float(v.value) if shock.mode == "scale" else shock.value)

    def _set_drivers(self, year: int, k: np.ndarray, wdev_lag: float) -> None:
        m, d = self.m, self.drv
        g = float(d.gdp[year])
        for j, val in zip(self.sectors, k):
            m.K[j].set_value(float(val))
        for name in ("G", "FSAV", "STK"):
            getattr(m, name).set_value(g)
        for h in m.H:
            m.TRG[h].set_value(g)
        if self.is_base:
            m.RGDP.set_value(g)
            m.EMI.set_value(float(d.co2[year]))
            m.LS.set_value(float(d.labour[year]))
            m.LSBASE.set_value(float(d.labour[year]))
            m.CTAX.set_value(0.0)
            share = self._gen_share(year)
            for t in self.techs:
                m.GSH[t].set_value(float(share[t]))
            return
        b = self.base.sel(year=year)
        m.ALAB.set_value(float(b.alab))
        m.AEEI.set_value(float(b.aeei))
        m.ACO2.set_value(float(b.aco2))
        for t in self.techs:
            m.AGEN[t].set_value(float(b.agen.sel(tech=t)))
        m.WBASE.set_value(float(b.wage))
        m.LSBASE.set_value(float(b.labour_supply))
        m.WDEVLAG.set_value(wdev_lag)
        m.FWAGE.set_value(1.0)
        m.GSAV.set_value(float(b.gov_saving))
        price = self.sc.price(year)
        cap = self.sc.cap_value(year)
        if cap is not None:
            m.EMI.set_value(cap)
            m.CTAX.set_value(float(b.carbon_price) if price == 0 else price)
        else:
            m.CTAX.set_value(price)

    def _gen_share(self, year: int) -> pd.Series:
        """Projected generation shares at 2017 prices (TWh shares x 2017 unit values)."""
        d = self.drv
        share = d.gen_twh_share.loc[year] * self.cal.xp0[self._gen] / d.gen_twh_share.loc[BASE_YEAR]
        return share / share.sum()

    def _warm_start(self, year: int) -> None:
        """Seed year t: last year's solution, quantities scaled by baseline growth (policy runs
        carry last year's deviation from baseline onto this year's baseline solution)."""
        if self.x_prev is None:
            return
        x = self.x_prev.copy()
        if not self.is_base and year in self.base_x and (year - 1) in self.base_x:
            b0, b1 = self.base_x[year - 1], self.base_x[year]
            ok = np.abs(b0) > 1e-12
            x = np.where(ok, b1 * np.divide(self.x_prev, b0, out=np.ones_like(b0), where=ok), b1)
        else:
            ratio = float(self.drv.gdp[year] / self.drv.gdp[year - 1])
            x = np.where(self._qty, x * ratio, x)
        set_x(self._vars, x, free_only=True)
        if not self.is_base:
            # the baseline has no carbon revenue, so the deviation rule seeds CREV at 0, where the
            # Jacobian column of the recycling share is zero: start from price x emissions instead
            m = self.m
            if not m.CTAX.fixed and not m.CTAX.value:
                # cap closure: the baseline has no price, so start from last year's price or a guess
                m.CTAX.set_value(self._last_price or CAP_PRICE_GUESS)
            m.CREV.set_value(pyo.value(m.CTAXN) * float(m.EMI.value) / 1000.0)

    # ------------------------------------------------------------------ one year

    def solve_year(self, year: int, k: np.ndarray, wdev_lag: float) -> tuple[xr.Dataset, YearState]:
        """Solve ``year`` from capital index ``k``; return its results and the state for next year."""
        self._set_exogenous(year, k, wdev_lag)
        self._warm_start(year)
        try:
            sol = self.model.solve(None, where=f"scenario {self.sc.name}, year {year}")
        except SolveError as exc:
            raise ScenarioFailed(str(exc)) from exc
        ds = self.record(sol, year)
        self._last_price = float(self.m.CTAX.value)
        x = get_x(self._vars)
        self.x_prev = x
        k_next = self.next_capital(year, k)
        if self.is_base:
            ds["inv_bias"] = (("year", "sector"), self.last_bias[None, :],
                              {"units": "1", "long_name": "baseline investment allocation relative to the return rule"})
        wdev = 0.0 if self.is_base else float(pyo.value(self.m.W / self.m.PNUM) / pyo.value(self.m.WBASE) - 1)
        return ds, YearState(year, x, k_next, wdev)

    def next_capital(self, year: int, k: np.ndarray) -> np.ndarray:
        """Capital index for ``year + 1`` from this year's investment and returns."""
        m, cal = self.m, self.cal
        inv_real = pyo.value(m.INV) * float(cal.inv0.sum())
        pinv = sum(pyo.value(m.PA[i]) * cal.inv0[i] for i in self.sectors) / float(cal.inv0.sum())
        ror = np.array([pyo.value(m.RK[j]) / pinv for j in self.sectors])
        fixed: dict[int, float] = {}
        if self.is_base and (year + 1) in self.drv.gdp.index:
            # baseline power capacity follows the projected mix: capital of each generation
            # technology grows with its projected share times this year's growth of generation
            grid = pyo.value(m.XP[self._grid]) if self._grid else 1.0
            growth = grid / self._grid_prev if self._grid_prev else 1.0
            self._grid_prev = grid
            now, nxt = self._gen_share(year), self._gen_share(year + 1)
            for s in self._gen:
                pos = self.sectors.index(s)
                target = k[pos] * nxt[s] / now[s] * growth
                fixed[pos] = float(self.cap.k0[s]) * (target - (1 - self.cap.delta) * k[pos])
        if not self.is_base and self.planned and (year + 1) in self.base.year.values:
            nb = self.base.capital.sel(year=year + 1)
            for s in self.planned:
                pos = self.sectors.index(s)
                fixed[pos] = float(nb.sel(sector=s)) - (1 - self.cap.delta) * k[pos] * float(self.cap.k0[s])
        bias = None
        if not self.is_base and "inv_bias" in self.base and year in self.base.year.values:
            bias = self.base.inv_bias.sel(year=year).to_numpy()
        inv = self.cap.allocate(inv_real, k, ror, fixed, bias)
        if self.is_base:
            # the baseline's deviation from the pure return rule (capacity planning of power),
            # kept by the policy runs so that they reproduce baseline investment at baseline returns
            w = self.cap.weights(k, ror)
            rule = inv_real * w / w.sum()
            self.last_bias = np.where(rule > 0, inv / np.where(rule > 0, rule, 1.0), 1.0)
        return self.cap.step(k, inv)

    def record(self, sol, year: int) -> xr.Dataset:
        """This year's results (the static solution's variables plus dynamic ones)."""
        m = self.m
        r = self.model.extract()
        ds = sol.to_xarray(r)
        v = lambda x: float(x.value)
        kap = Extractor.values(self._k) * self.cap.k0.to_numpy()
        extra = {
            "co2_household": ((), r["co2_household"], {"units": "Mt CO2", "long_name": "direct CO2 of households (fuel burnt at home and in cars)"}),
            "capital": (("sector",), kap, {"units": "billion yuan, 2017 prices", "long_name": "capital stock in use"}),
            "alab": ((), v(m.ALAB), {"units": "index, 2017 = 1", "long_name": "labour-augmenting productivity"}),
            "aeei": ((), v(m.AEEI), {"units": "index, 2017 = 1", "long_name": "energy-augmenting efficiency"}),
            "aco2": ((), v(m.ACO2), {"units": "index, 2017 = 1", "long_name": "CO2 intensity of fossil use and processes"}),
            "agen": (("tech",), Extractor.values(self._agen), {"units": "index, 2017 = 1", "long_name": "generation-technology shifter"}),
            "labour_supply": ((), v(m.LS), {"units": "index, 2017 = 1", "long_name": "employment (labour supply in use)"}),
            "recycled_share": ((), v(m.RECYC), {"units": "1", "long_name": "share of carbon revenue returned lump-sum to households"}),
            "gov_saving": ((), v(m.GSAV), {"units": "index of 2017 value", "long_name": "government saving"}),
            "wage": ((), v(m.W) / v(m.PNUM), {"units": "index, 2017 = 1", "long_name": "real wage (CPI-deflated)"}),
            "solve_seconds": ((), sol.info.seconds, {"units": "s", "long_name": "IPOPT wall time of this year's solve"}),
            "ipopt_iterations": ((), float(sol.info.iterations), {"units": "1", "long_name": "IPOPT iterations"}),
        }
        ds = ds.assign({k: xr.Variable(*val) for k, val in extra.items()})
        ds = ds.assign_coords(tech=self.techs).expand_dims(year=[year])
        ds.attrs = {}
        return ds

    # ------------------------------------------------------------------ the loop

    def run(self, years: range, state: YearState | None = None, on_year=None) -> xr.Dataset:
        """Solve every year in ``years`` (from ``state`` when resuming); ``on_year(ds_year, state)`` after each."""
        rows: list[xr.Dataset] = []
        k = np.ones(len(self.sectors))
        wdev = 0.0
        if state is not None:
            set_x(self._vars, state.x)
            self.x_prev = state.x.copy()
            k, wdev = state.k_next, state.wdev
            if self._grid:
                self._grid_prev = float(pyo.value(self.m.XP[self._grid]))
        starts = [self.sc.first_year] + [sh.from_year for sh in self.sc.shocks]
        first = min((y for y in starts if y is not None), default=None) if not self.is_base else None
        for year in years:
            if state is not None and year <= state.year:
                continue
            if not self.is_base and (first is None or year < first):
                ds = self.base.sel(year=[year]).copy()   # no policy yet: the policy run is the baseline
                ds["solve_seconds"] = ds.solve_seconds * 0.0  # ... and no solve of its own
                ds["ipopt_iterations"] = ds.ipopt_iterations * 0.0
                st = YearState(year, self.base_x.get(year, np.array([])), self._base_k(year + 1), 0.0)
                if year in self.base_x:
                    self.x_prev = self.base_x[year]
                    set_x(self._vars, self.base_x[year], free_only=True)
            else:
                ds, st = self.solve_year(year, k, wdev)
            k, wdev = st.k_next, st.wdev
            rows.append(ds)
            if on_year is not None:
                on_year(ds, st)
        return xr.concat(rows, dim="year") if rows else xr.Dataset()

    def _base_k(self, year: int) -> np.ndarray:
        if year in self.base.year.values:
            return (self.base.capital.sel(year=year) / self.cap.k0).fillna(1.0).to_numpy()
        return np.ones(len(self.sectors))
