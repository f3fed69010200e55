"""Recursive dynamics 2017-2060: the year loop, capital accumulation and the wage rule.

Each year is one static equilibrium (the same Pyomo model, re-solved in memory from the
previous year's solution).  Between years:

* capital (:mod:`cge.state`): K(t+1) = (1 - delta_j) K(t) + I_j(t) / capex_j(t) - retired_j(t)
  by sector, where industries outside power generation invest along the MONASH capital-growth
  curves (:mod:`cge.model.investment`): capital growth is a logistic function of the expected
  rate of return (static expectations) relative to the normal return.  In the baseline, real
  investment comes from saving and the trend and normal return that reconcile the curves with it
  are recorded; policy runs hold them at the baseline's, so real investment is the sum of the
  curves (within the year) and foreign saving adjusts.  Installed capital is sector-specific and
  may stand idle; in the policy closures (``options.vintage = "putty_clay"``) old capital keeps
  last year's technique (:class:`~cge.state.OldCapital`, :mod:`cge.model.vintage`);
* power: in the baseline, capacity is planned within the year for the projected mix (IEA) at
  normal returns, with early retirement where the mix falls faster than depreciation; in policy
  runs next year's capacity of each technology is the baseline's times (return it will earn /
  baseline return) ** eta (CHEER supply elasticities for hydro 0.1, nuclear 0.5 and wind/solar
  1.5; ``invest_elasticity`` for coal and gas), never retiring a larger share early than the
  baseline, and this year's investment pays for it first.  The return it will earn is an adaptive
  expectation (``expectation_weight``) of the return at unchanged capacity, corrected by the effect
  of the capacity added, which investors anticipate with the elasticity of the technology's return
  to its own capacity in this year's equilibrium (:func:`return_elasticities`; Muth's cure of the
  cobweb: without it gas power's loop gain was -0.3 to -10, -2 at the median, and a change of
  capacity grew 1e8-fold over 2031-2060 in S5; with it the change decays by the factor 1 - w = 0.75
  a year; see :meth:`DynamicRun._policy_capacity`);
* labour: in the baseline labour supply follows the working-age population; in policy runs
  the lagged real-wage rule (``eq_wrule``) makes employment endogenous within the year and
  carries last year's real-wage deviation forward;
* the baseline (forecast closure) makes ALAB, ESAV, FSW, AELEC and TGEN endogenous to hit the
  GDP path, the IEA outlook's final energy, coal use and generation, and normal returns on the
  planned power capacity; CO2 follows the paper's row and the residual index ARES (reported CO2 over
  physical CO2 at 2017 emission factors) is what the named mechanisms leave; AEEI and the
  capital-cost decline follow sourced paths; policy runs fix them at the baseline values.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import xarray as xr

from sam.errors import InputError

from .api import CAP_PRICE_GUESS, Extractor, Model
from .model.trade import reset_duties
from .model.capital import stock
from .record import Recorder, YearRow
from .drivers import BASE_YEAR, Drivers, load_drivers
from .scenarios import Scenario
from .solve import IPOPT_OPTIONS, SolveError
from .state import K_FLOOR, Capital, OldCapital, YearState

# variable families that scale with the size of the economy (warm start of the next year)
QUANTITY_FAMILIES = {"XP", "Q", "L", "XAT", "XD", "XM", "XE", "C", "YH", "YE", "YG", "GSAV", "G",
                     "TRG", "INV", "FSAV", "LS", "EMI", "CREV", "RGDP", "STK", "KU", "KG", "FXD", "XEN"}


# baseline: start each year from the prediction (GDP growth) corrected by last year's prediction
# error (benchmarks/results.csv: 145 instead of 176 IPOPT iterations 2017-2060). Policy runs predict
# from the baseline's own path already; extrapolating the change of their deviation made three
# years of S4 fall back to the homotopy (272 instead of 195 iterations), so they do not.
EXTRAPOLATE = True



def return_elasticities(model: Model, gen: list[str], sectors: list[str], inv0: pd.Series) -> np.ndarray:
    """Elasticities d ln(RK_i / PINV) / d ln KG_j (generation technologies i, j) of the rates of
    return to installed capacity at the current solution, everything the closure fixes held: the
    implicit-function theorem on the compiled equations (:meth:`~cge.solve.InMemorySolver.sensitivities`,
    one sparse LU).  It is the model's own response within the year: the grid's demand, the other
    technologies' prices and utilisation, idle capacity.  ``PINV`` is the price index of investment
    goods of :meth:`DynamicRun.next_capital`.  NaN when the Jacobian is singular (e.g. no carbon
    revenue, where the recycling share is undetermined)."""
    m = model.m
    kg = [m.KG[t] for t in gen]
    rk = [m.RK[t] for t in gen]
    pa = [m.PA[i] for i in sectors]
    d = model.solver.sensitivities(rk + pa, kg)
    if d is None:
        return np.full((len(gen), len(gen)), np.nan)
    d = d * np.array([v.value for v in kg], dtype=float)[None, :]          # per unit of d ln KG
    x_rk = np.array([v.value for v in rk], dtype=float)
    x_pa = np.array([v.value for v in pa], dtype=float)
    w = inv0.reindex(sectors).to_numpy(float)
    return d[:len(gen)] / x_rk[:, None] - (w @ d[len(gen):])[None, :] / float(w @ x_pa)


class ScenarioFailed(RuntimeError):
    """A year of a scenario failed: the message names scenario, year, IPOPT status and residuals."""


def var_order(m: pyo.ConcreteModel) -> list:
    """Every variable of the model in a fixed order (for saving and restoring a solution)."""
    return list(m.component_data_objects(pyo.Var, sort=True))


def get_x(vs: list) -> np.ndarray:
    """Values of the variables ``vs`` (from :func:`var_order`)."""
    return np.fromiter((v.value for v in vs), dtype=float, count=len(vs))


def set_x(vs: list, x: np.ndarray, free_only: bool = False) -> None:
    """Set the variables ``vs`` (from :func:`var_order`) to ``x``, skipping fixed ones when ``free_only``."""
    vals = np.asarray(x, dtype=float).tolist()
    if free_only:
        for v, val in zip(vs, vals):
            if not v.fixed:
                v.set_value(val, skip_validation=True)
    else:
        for v, val in zip(vs, vals):
            v.set_value(val, skip_validation=True)


_BUILT: dict = {}     # this process's calibration and built models (see reused_model)


def default_calibration():
    """The shipped calibration, computed once per process and per state of the data and code
    (:func:`cge.store.common_key`)."""
    import calibration

    from .store import common_key
    key = common_key()
    if _BUILT.get("key") != key:
        _BUILT.clear()
        _BUILT.update(key=key, cal=calibration.calibrate(), models={})
    return _BUILT["cal"]


def reused_model(cal, closure: str) -> Model:
    """The model this process built for calibration ``cal`` (the same object), in ``closure`` (a
    closure change keeps the compiled NLP: :meth:`~cge.solve.InMemorySolver.refix`) and reset to
    its values as built; built now (and kept) when there is none.  One calibration is kept at a
    time: a sweep point that moves an elasticity rebuilds.  Policy runs forked from the process that
    ran the baseline take its model: nothing is built or compiled in the workers."""
    if _BUILT.get("cal") is not cal:
        _BUILT.clear()
        _BUILT.update(key=None, cal=cal, models={})
    hit = _BUILT["models"].get("model")
    if hit is None:
        model = Model(cal, closure)
        vs = var_order(model.m)
        _BUILT["models"]["model"] = (model, vs, get_x(vs))
        return model
    model, vs, x0 = hit
    model.set_closure(closure)                  # also when unchanged: a run may have fixed or freed a variable
    set_x(vs, x0)
    model.solver.forget_last()
    model.solver.options = {**IPOPT_OPTIONS}    # as a new model's (IPOPT_OPTIONS may have changed)
    return model


class DynamicRun:
    """One scenario's year loop on one model."""

    def __init__(self, scenario: Scenario, cal=None, drivers: Drivers | None = None,
                 baseline: xr.Dataset | None = None, baseline_x: dict[int, np.ndarray] | None = None,
                 reuse: bool = False) -> None:
        """``reuse``: take the calibration and the built model of this process's earlier runs
        (:func:`reused_model`) instead of building them; only for runs that follow each other."""
        import calibration
        self.sc = scenario
        self.cal = cal if cal is not None else (default_calibration() if reuse else calibration.calibrate())
        self.drv = drivers or load_drivers()
        self.params = self.drv.params
        self.cap = Capital.from_calibration(self.cal, self.params, self.drv.plant_delta, self.drv.capex)
        self.is_base = scenario.kind == "baseline"
        if not self.is_base and baseline is None:
            raise ValueError(f"scenario {scenario.name}: a policy run needs the baseline results")
        self.base = baseline
        self.base_x = baseline_x or {}
        closure = scenario.baseline_closure if self.is_base else scenario.policy_closure
        self.model = reused_model(self.cal, closure) if reuse else Model(self.cal, closure)
        self.m = self.model.m
        self.model.keep_factorisation = True    # a year starts from last year's factorisation, which the state carries
        if self.m.WADJ.value != float(self.params["wage_adjustment"]):
            self.m.WADJ.value = float(self.params["wage_adjustment"])
            self.model.solver.invalidate()                  # parameters are compiled into the NLP
        self.model.set_coverage(scenario.covered)          # invalidates the compiled NLP when coverage changes
        self.sectors = list(self.cal.sectors)
        self.old = OldCapital(self.m, self.sectors)                  # putty-clay old capital (policy runs)
        self.techs = list(self.m.GT)
        self._vars = var_order(self.m)
        self._k = [stock(self.m, j) for j in self.sectors]
        self._tgen = [self.m.TGEN[t] for t in self.techs]
        self._qty = np.array([v.parent_component().name in QUANTITY_FAMILIES for v in self._vars])
        gen = [s for s in self.sectors if self.cal.role[s] == "generation"]
        self._gen = gen
        from .model.investment import curve_sectors
        cs = set(curve_sectors(self.m))
        self._curve_pos = np.array([n for n, s in enumerate(self.sectors) if s in cs], dtype=int)
        self.last_trend, self.last_rorn = float(self.m._curve.trend0), float(self.m._curve.net_return)
        grid = [s for s in self.sectors if self.cal.role[s] == "electricity" and s in self.m.I
                and any((g, s) in self.m.F for g in gen)]
        self._grid = grid[0] if grid else None
        eta = self.drv.resource_eta if self.drv.resource_eta is not None else pd.Series(dtype=float)
        self.power_eta = {s: float(e) for s, e in eta.items() if s in self.sectors}
        self.last_retired = np.zeros(len(self.sectors))
        self._charge = np.zeros(len(self.sectors))         # power investment paid this year (policy)
        self._charge_next = np.zeros(len(self.sectors))
        self._expect = np.zeros(0)      # expected return ratio to baseline of each generation technology
        self.x_prev: np.ndarray | None = None
        self._solved: np.ndarray | None = None       # the solution the model's variables hold (x_prev or not)
        self._pred_prev: np.ndarray | None = None     # last year's predicted start (before the correction)
        self._pred: np.ndarray | None = None
        self._last_price = 0.0

    # ------------------------------------------------------------------ exogenous values per year

    def _set_exogenous(self, year: int, k: np.ndarray, wdev_lag: float) -> None:
        """This year's fixed values: drivers (baseline) or baseline technology and the carbon
        price (policy), then the scenario's own shocks."""
        self._set_drivers(year, k, wdev_lag)
        reset_duties(self.m)            # the 2017 duty rates, then this year's shocks (a scale does not compound)
        for shock in self.sc.shocks:
            if shock.active(year):
                comp = getattr(self.m, shock.variable)
                for v in shock.targets(comp):
                    v.set_value(shock.value * float(v.value) if shock.mode == "scale" else shock.value)

    def _set_drivers(self, year: int, k: np.ndarray, wdev_lag: float) -> None:
        m, d = self.m, self.drv
        g = float(d.gdp[year])
        if hasattr(m, "POP"):                            # LES subsistence is fixed per head
            m.POP.set_value(float(d.population[year]) if d.population is not None else 1.0)
        for v, val in zip(self._k, k):
            v.set_value(float(val))
        for name in ("G", "FSAV", "STK"):
            getattr(m, name).set_value(g)
        for h in m.H:
            m.TRG[h].set_value(g)
        if self.is_base:
            m.RGDP.set_value(g)
            if m.EMI.fixed:                              # a closure that follows the paper's CO2 row
                m.EMI.set_value(float(d.co2[year]))
            if m.ARES.fixed:                             # 2017 emission factors (after the outlook: see below)
                m.ARES.set_value(1.0)
            if m.AEEI.fixed:                             # the sourced efficiency trend (ENVISAGE)
                m.AEEI.set_value(float(d.aeei[year]) if d.aeei is not None else 1.0)
            if m.FEN.fixed and m._fen_missing:
                raise InputError(f"calibration/data/energy_content.csv: column commodity: no emission factor for "
                                 f"{m._fen_missing}, so final energy (FEN) cannot follow the outlook")
            if d.energy is not None:                     # the IEA outlook: final energy, coal use, generation
                for var, key in ((m.FEN, "fen"), (m.COALU, "coal"), (m.TWHT, "twh")):
                    if var.fixed:
                        var.set_value(float(d.energy[key][year]))
            if m.PROCT.fixed:                            # process CO2 follows cement output (clinker calcination)
                m.PROCT.set_value(float(d.process[year]) if d.process is not None else 1.0)
            m.LS.set_value(float(d.labour[year]))
            m.LSBASE.set_value(float(d.labour[year]))
            if m.CTAX.fixed:                             # (an endogenous pledge price starts in _warm_start)
                m.CTAX.set_value(0.0)
            # the in-year normal return only closes the curves' equation (recomputed after the solve
            # with this year's generation investment, :meth:`_curve_investment`): start it near last year's
            m.TRENDK.set_value(self.last_trend / m._curve.trend0)
            last_pow = float(self.last_inv[self._gpos()].sum()) if hasattr(self, "last_inv") else m._ipow0
            m.IPOW.set_value(last_pow / m._ipow0 if m._ipow0 > 0 else 0.0)
            for t in m.GA:
                m.RKGAP[t].set_value(1.0)
            if all(m.GSH[t].fixed for t in self.techs):
                share = self.drv.gen_twh_share.loc[year]
                for t in self.techs:
                    m.GSH[t].set_value(float(share[t]))
            self._set_trend_twists(year)
            return
        b = self.base.sel(year=year)
        m.ALAB.set_value(float(b.alab))
        m.AEEI.set_value(float(b.aeei))
        m.FSW.set_value(float(b.fsw))
        m.AELEC.set_value(float(b.aelec))
        for i, val in zip(self.sectors, b.fxd.to_numpy()):
            m.FXD[i].set_value(float(val))
        m.ESAV.set_value(float(b.esav))
        m.ARES.set_value(float(b.ares))
        if "process_trend" in b:
            m.APT.set_value(float(b.process_trend))
        for t in self.techs:
            m.TGEN[t].set_value(float(b.tgen.sel(tech=t)))
        m.WBASE.set_value(float(b.wage))
        m.LSBASE.set_value(float(b.labour_supply))
        m.WDEVLAG.set_value(wdev_lag)
        m.FWAGE.set_value(1.0)
        m.GSAV.set_value(float(b.gov_saving))
        base_price = float(b.carbon_price)              # the baseline's own (the pledge's) price, 0 to 2050
        m.CTAXB.set_value(base_price)                   # ... which users a scenario does not cover still pay
        if "gov_consumption" in b:
            m.G.set_value(float(b.gov_consumption))       # the baseline's budget rule chose it
        if "normal_return" in b:                           # the baseline's normal returns and trend (MONASH policy closure)
            m.NRS.set_value(float(b.normal_return) / m._curve.net_return)
            m.TRENDK.set_value(float(b.trend_k) / m._curve.trend0)
        m.IPOW.set_value(float(self._charge.sum()) / m._ipow0 if m._ipow0 > 0 else 0.0)
        price = self.sc.price(year)
        cap = self.sc.cap_value(year)
        if cap is not None:
            m.EMI.set_value(cap)
            m.CTAX.set_value(base_price + price or self._last_price or CAP_PRICE_GUESS)
        else:
            m.CTAX.set_value(base_price + price)         # the scenario's price comes on top of the baseline's
        if self._vintage_on():
            self.old.set_year(year, k, self.cap.delta, self._at_base, self._base_keys(year))

    # ------------------------------------------------------------------ old (putty-clay) capital

    def _vintage_on(self) -> bool:
        """Policy runs whose closure makes old capital putty-clay (``options.vintage``)."""
        return not self.is_base and hasattr(self.m, "VJ") and self.model.closure.option("vintage") == "putty_clay"

    def _base_keys(self, year: int) -> dict[int, bytes]:
        """Digests of the baseline's solutions of ``year - 1`` and ``year`` (with the model's identity)."""
        import hashlib
        out = {}
        for y in (year - 1, year):
            x = self.base_x.get(y)
            if x is not None:
                out[y] = hashlib.blake2b(np.ascontiguousarray(x).tobytes(), digest_size=16,
                                         key=str(id(self.m)).encode()[:64]).digest()
        return out

    def _at_base(self, year: int, fn):
        """``fn()`` evaluated at the baseline's solution of ``year`` (the current values restored)."""
        cur = get_x(self._vars)
        set_x(self._vars, self.base_x[year])
        try:
            return fn()
        finally:
            set_x(self._vars, cur)

    def _set_trend_twists(self, year: int) -> None:
        """Baseline years whose closure holds the technology twists (after the outlook's horizon):
        each twist continues its trend of the last ten recorded years before the switch
        (log-linear), and the residual ARES keeps its value of the last year before the switch."""
        m = self.m
        first = min((y for y, c in self.sc.closure_from.items() if c == self.model.closure.name), default=None)
        if first is None or not m.ESAV.fixed:
            return
        y1 = first - 1
        y0 = max(y1 - 10, BASE_YEAR)

        def trend(name: str) -> list[float]:
            a, b = self.recorder.value(name, y0), self.recorder.value(name, y1)
            if a is None or b is None:
                raise InputError(f"scenario {self.sc.name}: closure_from {first}: the twists of {y0} and {y1} "
                                 "are needed for their trend; start the run earlier")
            return [float(q) * (float(q) / float(p)) ** ((year - y1) / (y1 - y0))
                    for p, q in zip(np.atleast_1d(a), np.atleast_1d(b))]
        for var, name in ((m.ESAV, "esav"), (m.FSW, "fsw"), (m.AELEC, "aelec"), (m.APT, "process_trend")):
            if var.fixed:
                var.set_value(trend(name)[0])
        for t, val in zip(self.techs, trend("tgen")):
            m.TGEN[t].set_value(val)
        m.ARES.set_value(float(self.recorder.value("ares", y1)))

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
        set_x(self._vars, self._extrapolate(x), free_only=True)
        if self._vintage_on():
            self.old.start()
        if self.is_base and not self.m.CTAX.fixed and not self.m.CTAX.value > 0:
            self.m.CTAX.set_value(self._last_price or CAP_PRICE_GUESS)   # the first year of the pledge's price
        if not self.is_base:
            # the baseline has no carbon revenue, so the deviation rule seeds CREV at 0, where the
            # Jacobian column of the recycling share is zero: start from price x emissions instead
            m = self.m
            if not m.CTAX.fixed and not m.CTAX.value:
                # cap closure: the baseline has no price, so start from last year's price or a guess
                m.CTAX.set_value(self._last_price or CAP_PRICE_GUESS)
            m.CREV.set_value(pyo.value(m.CTAXN) * float(m.EMI.value) / 1000.0)

    def _extrapolate(self, pred: np.ndarray) -> np.ndarray:
        """The start of this year: the prediction ``pred`` corrected by last year's prediction error
        (a ratio for positive quantities, a difference otherwise); ``pred`` itself in a run's first
        solved year.  A starting point only: the solution does not depend on it."""
        last, self._pred = self._pred_prev, pred.copy()
        if not (EXTRAPOLATE and self.is_base) or last is None or last.shape != pred.shape or self.x_prev is None:
            return pred
        ok = self._qty & (last > 0) & (self.x_prev > 0)
        ratio = np.divide(self.x_prev, last, out=np.ones_like(last), where=ok)
        return np.where(ok, pred * ratio, pred + (self.x_prev - last))

    # ------------------------------------------------------------------ one year

    def solve_year(self, year: int, k: np.ndarray, wdev_lag: float) -> tuple[YearRow, YearState]:
        """Solve ``year`` from capital index ``k``; return its results and the state for next year."""
        want = self.sc.closure_for(year) if self.is_base else self.model.closure.name
        in_model = self._solved is not None and self._solved is self.x_prev   # the model still holds it
        if want != self.model.closure.name:             # the baseline's closure of this year (closure_from)
            self.model.set_closure(want)
            in_model = False
        if self.x_prev is not None:
            # a failed solve continues from last year's exogenous values (a homotopy): take them from
            # last year's solution, so that a resumed run takes exactly the same path
            if not in_model:
                set_x(self._vars, self.x_prev)
            self.model.solver.note_fixed()
        if self._vintage_on():                           # last year's technique and use of old capital
            self.old.remember()
        self._set_exogenous(year, k, wdev_lag)
        self._warm_start(year)
        try:
            sol = self.model.solve(None, where=f"scenario {self.sc.name}, year {year}")
        except SolveError as exc:
            raise ScenarioFailed(str(exc)) from exc
        ds = self.record(sol, year)
        self._last_price = float(self.m.CTAX.value)
        x = get_x(self._vars)
        self.x_prev = self._solved = x
        self._pred_prev, self._pred = self._pred, None
        k_next = self.next_capital(year, k)
        self.old.k_used = np.asarray(k, dtype=float).copy()  # this year's stock (next year's old capital)
        ds["power_investment"] = (("sector",), self._power_inv_record(year),
                                  {"units": "billion yuan, 2017 prices", "long_name": "real investment in this year's new generation capacity"})
        ds["retired"] = (("sector",), self.last_retired.copy(),
                         {"units": "index of 2017 capital", "long_name": "capital retired early for next year (planned power capacity)"})
        ds["trend_k"] = ((), self.last_trend, {"units": "fraction per year", "long_name": "trend capital growth of the capital-growth curves (baseline: industries' capital growth this year)"})
        ds["normal_return"] = ((), self.last_rorn, {"units": "fraction per year", "long_name": "normal net rate of return of the capital-growth curves (baseline: reconciles them with investment)"})
        ds["ror"] = (("sector",), self.last_ror.copy(),
                     {"units": "index, 2017 = 1", "long_name": "rate of return per unit of real investment (rental / investment price x capacity per yuan)"})
        wdev = 0.0 if self.is_base else float(pyo.value(self.m.W / self.m.PNUM) / pyo.value(self.m.WBASE) - 1)
        self._charge = self._charge_next
        return ds, YearState(year, x, k_next, wdev, self._charge_next.copy(), self._expect.copy(),
                             self._pred_prev.copy() if self._pred_prev is not None else np.zeros(0),
                             self.old.k_used.copy(),
                             **YearState.factorisation_fields(self.model.solver.factorisation_state()))

    def next_capital(self, year: int, k: np.ndarray) -> np.ndarray:
        """Installed capital index for ``year + 1``.

        This year's real investment pays first for this year's new generation capacity (planned in
        the baseline, chosen last year in policy runs); the rest goes to the other sectors by their
        rates of return.  Policy runs set next year's capacity of each generation technology to the
        baseline's times (return it will earn / baseline return) ** elasticity, anticipating the
        effect of the capacity on the return (:meth:`_policy_capacity`), never retiring a larger
        share of its capacity early than the baseline."""
        m, cal = self.m, self.cal
        inv_real = pyo.value(m.INV) * float(cal.inv0.sum())
        pinv = sum(pyo.value(m.PA[i]) * cal.inv0[i] for i in self.sectors) / float(cal.inv0.sum())
        ror = np.array([pyo.value(m.RK[j]) / pinv for j in self.sectors]) * self.cap.efficiency(year)
        gpos = [self.sectors.index(g) for g in self._gen] if hasattr(m, "_power") else []
        power_inv = np.zeros(len(self.sectors))
        retired = np.zeros(len(self.sectors))
        if self.is_base:
            for pos in gpos:
                power_inv[pos], retired[pos] = self.cap.investment_for(pos, float(self._k[pos].value), k[pos], year)
        else:
            power_inv = self._charge.copy()
        inv = self._curve_investment(inv_real - power_inv.sum(), k, ror)
        inv[gpos] = power_inv[gpos]
        k_next = self.cap.step(k, inv - power_inv, year)       # power capacity is set below
        charge = np.zeros(len(self.sectors))
        if self.is_base:
            k_next[gpos] = [float(self._k[pos].value) for pos in gpos]
        elif gpos:
            k_next[gpos], charge[gpos] = self._policy_capacity(year, k, ror, gpos)
        self._charge_next = charge
        self.last_retired, self.last_ror, self.last_inv = retired, ror, inv
        return k_next

    def _gpos(self) -> list[int]:
        """Positions of the generation technologies among the sectors (none without a power block)."""
        return [self.sectors.index(g) for g in self._gen] if hasattr(self.m, "_power") else []

    def _curve_investment(self, rest: float, k: np.ndarray, ror: np.ndarray) -> np.ndarray:
        """Real investment by industry (bn yuan) on the MONASH capital-growth curves
        (:mod:`cge.model.investment`).  Baseline (forecast closure): the trend is this year's capital
        growth of the industries taken together (investment ``rest`` from saving) and the normal
        return is the one at which the curves add up to ``rest``; both are recorded.  Policy runs:
        the baseline's trend and normal return (fixed in the closure), so investment follows the
        expected return's deviation from the baseline's."""
        m, curve = self.m, self.m._curve
        pos = self._curve_pos
        K = self.cap.k0.to_numpy()[pos] * k[pos]
        if self.is_base:
            trend = max(rest / K.sum() - curve.delta, -curve.delta + 1e-6)
            rorn = curve.normal_return_for(ror[pos], K, trend, rest)
        else:
            trend = curve.trend0 * float(m.TRENDK.value)
            rorn = curve.net_return * float(m.NRS.value)
        inv = np.zeros(len(self.sectors))
        inv[pos] = K * (curve.growth(ror[pos], trend, rorn) + curve.delta)
        self.last_trend, self.last_rorn = trend, rorn
        return inv

    def _policy_capacity(self, year: int, k: np.ndarray, ror: np.ndarray, gpos: list[int]):
        """Next year's generation capacity in a policy run and its investment (charged next year).

        Investors of technology g hold an adaptive expectation ``E`` of its return relative to the
        baseline's were its capacity relative to the baseline's to stay as this year's, ``ln E =
        (1 - w) ln F + w ln ratio`` with ``F`` last year's forecast for this year and ``ratio`` this
        year's return over the baseline's, and anticipate the effect of the capacity they add on the
        return it earns (Muth 1961): next year's capacity ``k'`` satisfies the supply rule at the
        return it will earn,

            k' / kb' = R ** eta,   ln R = ln E - eps (ln(k' / kb') - ln(k / kb)),

        with ``eps`` the elasticity of g's return to its own capacity in this year's equilibrium
        (:func:`return_elasticities`), i.e. in logs ``x' = x + (eta ln E - x) / (1 + eta eps)``,
        ``x = ln(k / kb)``: the capacity moves towards the level the expected return calls for at the
        speed ``1 / (1 + eta eps)``.  ``R`` at the capacity chosen (after the floor below) is next
        year's forecast.  Linearised, one year's change of capacity feeds back on the next with the
        gain ``1 - w (1 + eta eps_true) / (1 + eta eps)``: 1 - w where eps is right, always below 1, and
        above -1 while the true elasticity is below ``2 eps / w + (2 / w - 1) / eta`` (without the
        anticipation, eps = 0, it is the cobweb's ``1 - w (1 + eta eps_true)``: -0.3 to -10 for gas
        power in S5)."""
        nb = year + 1
        if nb not in self.base.year.values:
            return k[gpos], np.zeros(len(gpos))
        kb = (self.base.capital.sel(year=nb) / self.cap.k0).to_numpy()[gpos]
        kb_now = (self.base.capital.sel(year=year) / self.cap.k0).to_numpy()
        b_ror = self.base.ror.sel(year=year).to_numpy()
        b_ret = self.base.retired.sel(year=nb).to_numpy()
        ratio = np.maximum(ror[gpos], 1e-9) / np.maximum(b_ror[gpos], 1e-9)
        forecast = self._expect if self._expect.size == len(gpos) else np.ones(len(gpos))
        w = float(self.params["expectation_weight"])
        eta = np.array([self.power_eta.get(self.sectors[pos], self.cap.elasticity) for pos in gpos])
        e = return_elasticities(self.model, self._gen, self.sectors, self.cal.inv0)
        eps = np.nan_to_num(np.maximum(-np.diag(e), 0.0))     # own elasticity (none where singular)
        x = np.log(np.maximum(k[gpos], K_FLOOR) / np.maximum(kb_now[gpos], K_FLOOR))
        expect = (1 - w) * np.log(forecast) + w * np.log(ratio)            # ln E: adaptive expectations
        want = kb * np.exp(x + (eta * expect - x) / (1 + eta * eps))
        targets, charges = [], []
        for n, pos in enumerate(gpos):
            # early retirement: at most the share of its depreciated capacity the baseline retires
            kept = (1 - self.cap.delta[pos]) * k[pos]
            share = min(1.0, b_ret[pos] / max((1 - self.cap.delta[pos]) * kb_now[pos], 1e-12))
            floor = max(0.0, kept * (1 - share))
            target = max(floor, K_FLOOR, float(want[n]))
            targets.append(target)
            charges.append(self.cap.investment_for(pos, target, k[pos], nb)[0])
        targets = np.array(targets)
        self._expect = np.exp(expect - eps * (np.log(targets / kb) - x))   # R: next year's forecast
        return targets, np.array(charges)

    def record(self, sol, year: int) -> YearRow:
        """This year's results (the static solution's variables plus dynamic ones), as numpy values."""
        m = self.m
        r = self.model.extract()
        ds = sol.values(r)
        v = lambda x: float(x.value)
        kap = Extractor.values(self._k) * self.cap.k0.to_numpy()
        extra = self._power_record() | {
            "co2_household": ((), r["co2_household"], {"units": "Mt CO2", "long_name": "direct CO2 of households (fuel burnt at home and in cars)"}),
            "co2_process": (("sector",), r["co2_process"], {"units": "Mt CO2", "long_name": "process CO2 by activity (cement, lime, steel ...)"}),
            "fossil_use": (("sector",), r["fossil_use"], {"units": "billion yuan, 2017 prices", "long_name": "real use of fossil fuels that emit CO2 when burnt, by activity"}),
            "capital": (("sector",), kap, {"units": "billion yuan, 2017 prices", "long_name": "installed capital stock (efficiency units at 2017 cost)"}),
            "alab": ((), v(m.ALAB), {"units": "index, 2017 = 1", "long_name": "labour-augmenting productivity"}),
            "aeei": ((), v(m.AEEI), {"units": "index, 2017 = 1", "long_name": "energy-augmenting efficiency"}),
            "fsw": ((), v(m.FSW), {"units": "index, 2017 = 1", "long_name": "fuel-switch twist: share parameter of coal in fuel nests and household budgets"}),
            "esav": ((), v(m.ESAV), {"units": "index, 2017 = 1", "long_name": "energy-saving twist: share parameter of energy in end users' capital-energy nests and energy budgets"}),
            "aelec": ((), v(m.AELEC), {"units": "index, 2017 = 1", "long_name": "electrification twist: share parameter of fossil fuels in energy nests and household budgets"}),
            "process_trend": ((), v(m.APT), {"units": "index, 2017 = 1", "long_name": "process-CO2 intensity trend: process CO2 per unit of real output of the process activities (baseline: what the cement path needs)"}),
            "final_energy": ((), v(m.FEN) * m._fen0, {"units": "EJ", "long_name": "final energy of end users (fossil fuels and electricity; heat and non-combustion uses excluded)"}),
            "coal_use": ((), v(m.COALU), {"units": "index, 2017 = 1", "long_name": "domestic use of raw coal (Armington absorption)"}),
            "gas_use": ((), v(m.GASU), {"units": "index, 2017 = 1", "long_name": "domestic use of natural gas (Armington absorption)"}),
            "ares": ((), v(m.ARES), {"units": "index, 2017 = 1", "long_name": "residual CO2 intensity of fossil use (the part of the baseline CO2 path not explained by named mechanisms)"}),
            "tgen": (("tech",), Extractor.values(self._tgen), {"units": "index, 2017 = 1", "long_name": "technology share twist in the grid's generation choice"}),
            "capital_in_use": (("sector",), (Extractor.values([m.KU[j] for j in self.sectors]) + self.old.in_use()) * self.cap.k0.to_numpy(),
                               {"units": "billion yuan, 2017 prices", "long_name": "capital stock in use (installed minus idle; old and new capital)"}),
            "old_output_share": (("sector",), self.old.output_share(),
                                 {"units": "1", "long_name": "share of output made by old (putty-clay) capital at its fixed technique (0 in the baseline)"}),
            "fxd": (("sector",), Extractor.values([m.FXD[j] for j in self.sectors]),
                    {"units": "index, 2017 = 1", "long_name": "world demand shifter for exports (baseline: what its exports need at world price 1)"}),
            "rental": (("sector",), Extractor.values([m.RK[j] for j in self.sectors]) / v(m.PNUM),
                       {"units": "index, 2017 = 1", "long_name": "real rental rate of capital (CPI-deflated)"}),
            "labour_supply": ((), v(m.LS), {"units": "index, 2017 = 1", "long_name": "employment (labour supply in use)"}),
            "recycled_share": ((), v(m.RECYC), {"units": "1", "long_name": "share of carbon revenue returned lump-sum to households"}),
            "gov_saving": ((), v(m.GSAV), {"units": "index of 2017 value", "long_name": "government saving"}),
            "gov_consumption": ((), v(m.G), {"units": "index, 2017 = 1", "long_name": "real government consumption"}),
            "gov_balance_gdp": ((), v(m.GSAV) * float(self.cal.transfers.loc["sav", "gov"]) / (v(m.RGDP) * m._gdp0 * v(m.PNUM)),
                                {"units": "fraction of GDP", "long_name": "government saving (balance) over GDP at consumer prices"}),
            "foreign_saving": ((), v(m.FSAV) * float(self.cal.transfers.loc["sav", "row"]) * v(m.ER),
                               {"units": "billion yuan, current prices", "long_name": "foreign saving (current-account deficit)"}),
            "wage": ((), v(m.W) / v(m.PNUM), {"units": "index, 2017 = 1", "long_name": "real wage (CPI-deflated)"}),
            "solve_seconds": ((), sol.info.seconds, {"units": "s", "long_name": "solver wall time of this year's solve (Newton's method, and IPOPT where it takes over)"}),
            "ipopt_iterations": ((), float(sol.info.iterations), {"units": "1", "long_name": "solver iterations: Newton's residual evaluations, plus IPOPT's iterations where it takes over"}),
        }
        ds.update(extra)
        return YearRow(year, ds, {"sector": list(self.cal.sectors), "tech": list(self.techs), "gen": list(self._gen),
                                  "household": list(self.cal.households)})

    def _power_inv_record(self, year: int) -> np.ndarray:
        """Investment in generation capacity paid this year (by sector; zero elsewhere)."""
        out = np.zeros(len(self.sectors))
        if hasattr(self.m, "_power"):
            for g in self._gen:
                pos = self.sectors.index(g)
                out[pos] = self.last_inv[pos]
        return out

    def _power_record(self) -> dict:
        """Generation (TWh), installed and operating capacity (GW) and full-load hours by technology."""
        m = self.m
        if not self._gen or not hasattr(m, "_power"):
            return {}
        p = self.cal.power
        twh = np.array([pyo.value(m.TWH[g]) for g in self._gen])
        kin = np.array([m.KG[g].value for g in self._gen])
        kuse = np.array([m.KU[g].value for g in self._gen])
        gw = p["gw"].reindex(self._gen).to_numpy(float) * kin
        gw_use = p["gw"].reindex(self._gen).to_numpy(float) * kuse
        dims = ("gen",)
        return {
            "generation": (dims, twh, {"units": "TWh", "long_name": "electricity generation by technology"}),
            "capacity": (dims, gw, {"units": "GW", "long_name": "installed generation capacity (efficiency units of 2017 GW)"}),
            "capacity_in_use": (dims, gw_use, {"units": "GW", "long_name": "operating generation capacity (installed minus idle)"}),
            "full_load_hours": (dims, twh * 1000 / np.maximum(gw_use, 1e-12),
                                {"units": "h per year", "long_name": "full-load hours of operating capacity"}),
            "grid_twh": ((), float(p["twh"].sum()) * float(m.XP[self._grid].value),
                         {"units": "TWh", "long_name": "electricity delivered by the grid (generation bought, physical)"}),
        }

    # ------------------------------------------------------------------ the loop

    def run(self, years: range, state: YearState | None = None, on_year=None,
            history: xr.Dataset | None = None) -> xr.Dataset:
        """Solve every year in ``years`` (from ``state`` when resuming, with the results so far in
        ``history``); ``on_year(row, state)`` after each, while :attr:`recorder` holds every year so far."""
        self.recorder = rec = Recorder(years)
        if history is not None and history.sizes.get("year"):
            rec.add_dataset(history)
        k = np.ones(len(self.sectors))
        wdev = 0.0
        self.model.solver.restore_factorisation(state.factorisation() if state is not None else None)
        if state is not None:
            set_x(self._vars, state.x)
            self.x_prev = state.x.copy()
            pred = np.asarray(state.x_pred, dtype=float)
            self._pred_prev = pred.copy() if pred.size == state.x.size else None
            k, wdev = state.k_next, state.wdev
            charge = np.asarray(state.charge_next, dtype=float)
            self._charge = charge.copy() if charge.size == len(self.sectors) else (
                np.zeros(len(self.sectors)) if self.is_base else self._base_charge(state.year + 1))
            self._expect = np.asarray(state.expect, dtype=float).copy()
            if np.asarray(state.k_now).size == len(self.sectors):      # next year's old capital
                self.old.k_used = np.asarray(state.k_now, dtype=float).copy()
            if history is not None and state.year in history.year.values:   # what the last year left
                last = history.sel(year=state.year)                         # (starts of the curves' inputs)
                if "trend_k" in last:
                    self.last_trend = float(last.trend_k)
                if "power_investment" in last:
                    self.last_inv = last.power_investment.to_numpy().astype(float).copy()
        # the first policy year: the first with a positive price or a cap (a zero price is the baseline:
        # the policy closures' recycled share of no revenue is undetermined), or the first shock
        priced = next((y for y in years if self.sc.price(y) > 0 or self.sc.cap_value(y) is not None), None)
        starts = [priced if self.sc.first_year is not None else None] + [sh.from_year for sh in self.sc.shocks]
        first = min((y for y in starts if y is not None), default=None) if not self.is_base else None
        for year in years:
            if state is not None and year <= state.year:
                continue
            if not self.is_base and (first is None or year < first):
                ds = YearRow.from_dataset(self.base, year)   # no policy yet: the policy run is the baseline
                for name in ("solve_seconds", "ipopt_iterations"):   # ... and no solve of its own
                    dims, val, attrs = ds.values[name]
                    ds[name] = (dims, val * 0.0, attrs)
                self.old.k_used = self._base_k(year)
                st = YearState(year, self.base_x.get(year, np.array([])), self._base_k(year + 1), 0.0, self._base_charge(year + 1),
                               k_now=self.old.k_used.copy())
                self._charge = st.charge_next.copy()
                self._pred_prev = None                       # no prediction error to carry into the first policy year
                if year in self.base_x:
                    self.x_prev = self.base_x[year]
                    set_x(self._vars, self.base_x[year])
                    self.model.solver.note_fixed()          # the first policy year continues from here
                self.model.solver.restore_factorisation(None)   # ... and factorises afresh
            else:
                ds, st = self.solve_year(year, k, wdev)
            k, wdev = st.k_next, st.wdev
            rec.add(ds)
            if on_year is not None:
                on_year(ds, st)
        return rec.dataset()

    def _base_charge(self, year: int) -> np.ndarray:
        """The baseline's investment in generation capacity paid in ``year`` (zeros beyond its horizon)."""
        if year in self.base.year.values and "power_investment" in self.base:
            return self.base.power_investment.sel(year=year).to_numpy().copy()
        return np.zeros(len(self.sectors))

    def _base_k(self, year: int) -> np.ndarray:
        if year in self.base.year.values:
            return (self.base.capital.sel(year=year) / self.cap.k0).fillna(1.0).to_numpy()
        return np.ones(len(self.sectors))
