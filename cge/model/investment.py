"""Investment block: industry capital growth by expected rates of return (MONASH capital-growth curves).

Dixon and Rimmer (2002, ch. 4; MONASH equation list, copsmodels.com/ftp/monbook1/m1-ch4t.pdf):
each industry's capital growth ``G_j = K_j(t+1)/K_j(t) - 1`` is an inverse-logistic function of its
expected rate of return ``EROR_j`` relative to the normal rate ``RORN``::

    EROR_j - RORN = (1/C) [ln((G_j - Kmin)/(Kmax - G_j)) - ln((T - Kmin)/(Kmax - T))]

bounded by ``Kmin = -delta`` (no gross investment) and ``Kmax = T + DIFF``, equal to the trend ``T``
at the normal return, with slope ``dG/dEROR = SMURF`` there, i.e. ``C = SMURF (Kmax - Kmin) /
((T - Kmin)(Kmax - T))``.  Expectations are static (MONASH's simplest option): the expected net
return is this year's rental over this year's price of capital goods minus depreciation,
``EROR_j = (net_return + delta) RK_j / PINV - delta`` (``RK`` is an index, the 2017 gross rate is
``net_return + delta`` because ``K0 = capital income / (net_return + delta)``).

Real investment is the sum over industries, ``INV inv0 = IPOW ipow0 + sum_j K0_j K_j (G_j + delta)``;
generation technologies (``KG``) are outside the curves, their investment ``IPOW`` is set by the
year loop (:mod:`cge.dynamics`).  The equation determines ``NRS``, the normal return as an index of
its benchmark value: free in the baseline and the static closures (investment from saving, the
normal return whatever reconciles the curves with it: MONASH's forecast closure), fixed at the
baseline's value in the policy closures (investment from the curves, foreign saving free).
``TRENDK`` (the trend as an index of the benchmark trend) and ``IPOW`` are data of the year loop.

Benchmark: ``T0 = inv0 / sum K0 - delta`` (every activity's capital grows at the SAM's own rate) and
``RORN0 = net_return``, so every industry earns its normal return and grows at trend at the benchmark.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo

from sam.errors import InputError


@dataclass(frozen=True)
class GrowthCurve:
    """The MONASH capital-growth curve, one for every industry outside power generation."""

    delta: float        # depreciation rate (Kmin = -delta)
    net_return: float   # benchmark net rate of return (= normal return RORN0)
    diff: float         # Kmax - T
    smurf: float        # dG/dEROR at the trend
    trend0: float       # benchmark trend capital growth

    @classmethod
    def from_params(cls, params: dict, trend0: float) -> "GrowthCurve":
        """From ``scenarios/data/dynamics.csv`` (``depreciation``, ``net_return``,
        ``k_growth_max_minus_trend``, ``k_growth_smurf``) and the benchmark trend."""
        c = cls(float(params["depreciation"]), float(params["net_return"]),
                float(params["k_growth_max_minus_trend"]), float(params["k_growth_smurf"]), float(trend0))
        if not -c.delta < c.trend0 < c.trend0 + c.diff or c.smurf <= 0:
            raise InputError(f"investment curve: trend {c.trend0:.4f} must lie between -depreciation "
                             f"{-c.delta:.4f} and the maximum (diff {c.diff} > 0), slope {c.smurf} > 0")
        return c

    def shape(self, trend):
        """(Kmin, Kmax, A, C) for trend ``trend`` (a number or a Pyomo expression)."""
        kmin, kmax = -self.delta, trend + self.diff
        a = (trend - kmin) / (kmax - trend)
        c = self.smurf * (kmax - kmin) / ((trend - kmin) * (kmax - trend))
        return kmin, kmax, a, c

    def eror(self, ror):
        """Expected net rate of return from the gross return index (rental / price of capital)."""
        return (self.net_return + self.delta) * ror - self.delta

    def growth(self, ror, trend, rorn, exp=np.exp):
        """Capital growth K(t+1)/K(t) - 1 at gross return index ``ror``, trend ``trend`` and normal return ``rorn``."""
        kmin, kmax, a, c = self.shape(trend)
        x = c * (self.eror(ror) - rorn)
        if exp is np.exp:
            x = np.clip(x, -600.0, 600.0)          # numpy: saturate instead of overflowing
        z = a * exp(x)
        return kmin + (kmax - kmin) * z / (1 + z)

    def normal_return_for(self, ror: np.ndarray, k0: np.ndarray, trend: float, invest: float) -> float:
        """The normal return at which the curves' investment ``sum k0 (G + delta)`` equals ``invest``
        (bn yuan; the forecast closure's shift), clipped to the curves' range."""
        from scipy.optimize import brentq
        kmin, kmax, _, _ = self.shape(trend)
        lo, hi = float((k0 * (kmin + self.delta)).sum()), float((k0 * (kmax + self.delta)).sum())
        target = min(max(invest, lo + 1e-9 * (hi - lo)), hi - 1e-9 * (hi - lo))
        f = lambda r: float((k0 * (self.growth(ror, trend, r) + self.delta)).sum()) - target
        return brentq(f, -5.0, 5.0, xtol=1e-14)


def curve_sectors(m) -> list[str]:
    """Activities with a capital-growth curve: capital income in the SAM, not a generation technology."""
    cal = m._cal
    return [j for j in cal.sectors if float(cal.cap0[j]) > 0 and j not in m.KG]


def add_investment(m) -> None:
    """Capital-growth curves, the normal-return index NRS that reconciles them with real investment."""
    from ..drivers import load_params
    cal, reg = m._cal, m._reg
    params = load_params()
    delta, net = float(params["depreciation"]), float(params["net_return"])
    k0 = {j: float(cal.cap0[j]) / (net + delta) for j in cal.sectors}     # as cge.state.Capital (uniform delta)
    inv0 = float(cal.inv0.sum())
    ktot = sum(k0.values())
    if inv0 <= 0 or ktot <= 0:
        raise InputError("SAM: investment (column 'sav') or capital income is zero: no capital-growth curves")
    curve = GrowthCurve.from_params(params, inv0 / ktot - delta)
    m._curve = curve
    sec = curve_sectors(m)
    gen = [j for j in cal.sectors if j in m.KG]
    ipow0 = sum(k0[g] for g in gen) * (curve.trend0 + delta)
    m._ipow0, m._k0 = ipow0, k0
    m.NRS = pyo.Var(initialize=1.0, doc="normal rate of return (index of the benchmark net return; MONASH forecast shift)")
    m.TRENDK = pyo.Var(initialize=1.0, doc="trend capital growth (index of the benchmark trend; year-loop data)")
    m.IPOW = pyo.Var(initialize=1.0, doc="real investment in generation capacity (index of its benchmark value; year-loop data)")
    for v in (m.TRENDK, m.IPOW):
        v.fix()
    m._always_fixed = tuple(getattr(m, "_always_fixed", ())) + ("TRENDK", "IPOW")

    def eq_nrs(mm):
        """Real investment = generation capacity + the sum of industries' investment on their capital-growth curves."""
        trend = curve.trend0 * m.TRENDK
        rorn = curve.net_return * m.NRS
        inds = sum(k0[j] / inv0 * m.K[j] * (curve.growth(m.RK[j] / m.PINV, trend, rorn, exp=pyo.exp) + delta)
                   for j in sec)
        return m.INV == ipow0 / inv0 * m.IPOW + inds
    m.eq_nrs = pyo.Constraint(rule=eq_nrs, doc="investment by expected rates of return (normal return)")
    reg.add("investment", "eq_nrs", "NRS")
