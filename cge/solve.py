"""Solving the square system with IPOPT through Pyomo's PyNumero ``cyipopt`` interface."""
from __future__ import annotations

import time
from dataclasses import dataclass

import pyomo.environ as pyo

from ._env import point_pyomo_at_asl

point_pyomo_at_asl()      # Pyomo may have been imported before cge: make the ASL library visible

# second attempt when the first one fails (from the same start): adaptive barrier, 5x the iterations
FALLBACK_OPTIONS = {"mu_strategy": "adaptive"}
FALLBACK_ITER_FACTOR = 5
HOMOTOPY_STEPS = (2, 4, 8, 16)    # after a failure: continue in 2, 4, 8, then 16 equal steps of the exogenous values
                                  # (16: a first policy year at 3,000 yuan/t idles most old capital at once)

IPOPT_OPTIONS = {            # every IPOPT option in one place
    "tol": 1e-10,
    "constr_viol_tol": 1e-10,
    "max_iter": 60,              # a warm-started year takes 3-6 iterations; beyond this, continue in half steps, then fall back
    "mu_strategy": "monotone",   # Newton-like from a warm start; faster and steadier than adaptive here

    "print_level": 0,
    "nlp_scaling_method": "none",
}


class SolveError(RuntimeError):
    """A solve failed: the message names where, the IPOPT status and the worst residuals."""


@dataclass
class SolveInfo:
    """What the last solve did."""

    status: str
    termination: str
    iterations: int
    seconds: float
    max_residual: float


def residuals(m: pyo.ConcreteModel, n: int = 5) -> list[tuple[str, float]]:
    """The ``n`` largest absolute equation residuals, with the equation names."""
    out = []
    for c in m.component_data_objects(pyo.Constraint, active=True):
        body = pyo.value(c.body, exception=False)
        if body is None:
            out.append((c.name, float("inf")))
            continue
        lo, up = c.lower, c.upper
        r = 0.0
        if up is not None:
            r = max(r, body - pyo.value(up))
        if lo is not None:
            r = max(r, pyo.value(lo) - body)
        out.append((c.name, abs(r)))
    out.sort(key=lambda t: -t[1])
    return out[:n]


def solve(m: pyo.ConcreteModel, where: str = "", options: dict | None = None, tol: float = 1e-8) -> SolveInfo:
    """Solve with cyipopt; raise :class:`SolveError` (status + worst residuals) on failure."""
    point_pyomo_at_asl()
    solver = pyo.SolverFactory("cyipopt")
    for k, v in {**IPOPT_OPTIONS, **(options or {})}.items():
        solver.config.options[k] = v
    iters = [0]

    def count(*args, **kwargs):  # IPOPT intermediate callback: (nlp, alg_mod, iter_count, ...)
        iters[0] = int(args[2]) if len(args) > 2 else iters[0]
        return True
    solver.config.intermediate_callback = count
    t0 = time.perf_counter()
    try:
        res = solver.solve(m, tee=False, load_solutions=False)
    except Exception as exc:  # noqa: BLE001 - re-raised with context
        raise SolveError(f"{where}: IPOPT failed to run: {exc}") from exc
    secs = time.perf_counter() - t0
    term = str(res.solver.termination_condition)
    status = str(res.solver.status)
    try:
        m.solutions.load_from(res)
    except Exception:  # noqa: BLE001
        pass
    iters = iters[0]
    worst = residuals(m)
    maxr = worst[0][1] if worst else 0.0
    if term not in ("optimal", "locallyOptimal") or maxr > tol:
        det = "; ".join(f"{n}: {r:.3g}" for n, r in worst)
        raise SolveError(f"{where}: IPOPT status {status}/{term}, max residual {maxr:.3g}; worst: {det}")
    return SolveInfo(status, term, iters, secs, maxr)


_UNSCALED: dict = {}
_ZERO_HESSIAN: dict = {}

# the solver's extra options for a square system with a constant objective (see InMemorySolver):
# no MUMPS scaling (the equations are normalised to 1 at the benchmark; benchmarks/issue18.csv:
# S4 196 instead of 233 ms per solve).  A bound push of 1e-8 (bound_push, bound_frac) was measured
# too and left out: S4 5.0 instead of 4.0 iterations per solve, the baseline unchanged.
SQUARE_OPTIONS = {"mumps_scaling": 0}

# a square system is first solved by Newton's method on the equations (sparse LU of the Jacobian
# of the free variables, the step cut to stay 1 % inside the bounds as IPOPT's fraction to the
# boundary, and halved while it does not reduce the worst residual; the factorisation is reused for
# later steps, and by the next solve with keep_factorisation, while each step at least halves the
# worst residual); IPOPT, with its fallbacks,
# takes over when Newton fails.  IPOPT on a square system with a constant objective takes the same
# primal step (the Jacobian block decides it) but spends its extra iterations driving the barrier
# parameter down; Newton, once the worst residual is below NEWTON_TOL, keeps stepping while a step
# halves it (down to rounding), so its solution is at least as exact (benchmarks/issue18.csv, rows
# "IPOPT only").  NEWTON = False restores IPOPT for every solve.
NEWTON = True
NEWTON_TOL = 1e-10          # worst absolute residual (IPOPT's constr_viol_tol)
NEWTON_MAX_ITER = 60        # residual evaluations (steps and step cuts); also at most IPOPT's max_iter
NEWTON_TAU = 0.99           # fraction to the boundary (IPOPT's tau_min)
NEWTON_MIN_STEP = 1e-2      # a shorter step (blocked by a bound) hands the solve to IPOPT
NEWTON_HOMOTOPY_STEPS = (2, 8)   # when Newton fails: in this many equal steps of the fixed values, the next
                                 # count when that fails too, then IPOPT (first policy years: 0.2 instead of
                                 # 0.65 s by IPOPT; a first year at 600 yuan/t needs the 8 steps)
NEWTON_CONTRACTION = 0.5    # a step on an older factorisation must at least halve the worst residual
NEWTON_STALL = 20           # residual evaluations without a tenfold gain after which Newton gives up
REFINE = False              # KLU: no iterative refinement of Newton's step (its relative error, 1e-8 to 1e-6,
                            # only slows Newton's convergence by that factor; scaling rows klu / klu-norefine)
LU_BACKEND = "klu"          # Newton's sparse LU: "klu" (kvxopt's library through cge.klu, with refactorisation),
                            # "kvxopt" (its klu module) or "superlu"; each falls back to the next when missing


class SparseLU:
    """LU factorisation of the Newton Jacobian of one fixed sparsity structure (``rows``, ``cols``,
    ``n`` x ``n``): KLU (SuiteSparse, the library of ``kvxopt``) when installed, else SciPy's SuperLU.

    KLU permutes the matrix to block triangular form and orders each block by AMD, and its symbolic
    analysis is done once per structure; on the model's Jacobians it factorises 7-14 times faster
    than SuperLU with COLAMD, whose fill grows fast with the number of sectors
    (``benchmarks/issue18.csv``, section ``lu``).  Through :mod:`cge.klu` a factorisation with
    ``reuse`` keeps the last one's pivot order (``klu_refactor``); without it (``kvxopt.klu``) each
    factorisation starts afresh.  KLU's partial pivoting is a threshold one (0.001): a solved step
    has a relative error of 1e-8 to 1e-6, against 1e-10 with SuperLU, which only changes Newton's
    convergence by that factor; ``refine`` adds one step of iterative refinement (to 1e-10 or less)."""

    def __init__(self, rows, cols, n: int, backend: str | None = None) -> None:
        import numpy as np
        self.n = n
        self.backend = backend or LU_BACKEND
        self._rc = (rows, cols)
        self.points = None           # (primal values at the pivot order's factorisation, at the values'), set by the solver
        order = np.lexsort((rows, cols))                             # compressed-column order
        r, c = np.asarray(rows)[order], np.asarray(cols)[order]
        if ((np.diff(r) == 0) & (np.diff(c) == 0)).any():           # repeated entries: SuperLU
            self.backend = "superlu"
        if self.backend == "klu":
            from . import klu as klu_
            lib = klu_.load()
            if lib is not None:
                try:
                    self._klu = klu_.KLU(lib, rows, cols, n, order)
                except ValueError:
                    self.backend = "superlu"
            else:
                self.backend = "kvxopt"
        if self.backend == "kvxopt":
            try:
                import kvxopt
                from kvxopt import klu
            except ImportError:
                self.backend = "superlu"
            else:
                self._order = order
                self._A = kvxopt.spmatrix(np.ones(order.size), r.astype(int), c.astype(int), size=(n, n))
                self._klum, self._matrix = klu, kvxopt.matrix
                self._Fs = klu.symbolic(self._A)

    def factor(self, data, reuse: bool = False) -> bool:
        """Factorise the matrix with these values (in the order of ``rows``, ``cols``); False when
        singular.  ``reuse``: KLU may keep the last factorisation's pivot order."""
        self._data = data
        try:
            if self.backend == "klu":
                return self._klu.factor(data, reuse)
            if self.backend == "kvxopt":
                self._A.V = self._matrix(data[self._order])
                self._Fn = self._klum.numeric(self._A, self._Fs)
            else:
                from scipy.sparse import csc_matrix
                from scipy.sparse.linalg import splu
                self._lu = splu(csc_matrix((data, self._rc), shape=(self.n, self.n)))
        except (RuntimeError, ArithmeticError, ValueError):
            return False
        return True

    @property
    def refreshed(self) -> bool:
        """Whether the last factorisation chose its pivots afresh (not a KLU refactorisation)."""
        return self._klu.refreshed if self.backend == "klu" else True

    def solve(self, b, refine: bool = REFINE):
        """x with J x = b (KLU: with one step of iterative refinement if ``refine``)."""
        import numpy as np
        if self.backend == "superlu":
            return self._lu.solve(b)
        x = self._klu_solve(b)
        if not refine:
            return x
        rows, cols = self._rc
        jx = np.bincount(rows, weights=self._data * x[cols], minlength=self.n)
        return x + self._klu_solve(b - jx)                   # one step of iterative refinement

    def _klu_solve(self, b):
        import numpy as np
        if self.backend == "klu":
            return self._klu.solve(b)
        B = self._matrix(np.ascontiguousarray(b, dtype=float))
        self._klum.solve(self._A, self._Fs, self._Fn, B)
        return np.array(B, dtype=float).ravel()


def _unscaled(cls):
    """``cls`` (PyNumero's CyIpoptNLP) without the per-solve scaling-suffix lookup: the model
    carries no scaling suffixes and IPOPT runs with ``nlp_scaling_method none``."""
    if cls not in _UNSCALED:
        _UNSCALED[cls] = type("UnscaledCyIpoptNLP", (cls,), {"scaling_factors": lambda self: (None, None, None)})
    return _UNSCALED[cls]


def _zero_hessian(cls):
    """``cls`` (an unscaled CyIpoptNLP) with an empty Lagrangian Hessian, for a square system with a
    constant objective: at a solution the multipliers are zero (the Jacobian is square and
    nonsingular and the objective's gradient is zero), so IPOPT's step is Newton's on the
    equations with or without the constraints' second derivatives; the Hessian is neither
    evaluated nor factorised."""
    if cls not in _ZERO_HESSIAN:
        import numpy as np

        class _NoHessian:                       # the NLP, seen without a Hessian by CyIpoptNLP.__init__
            def __init__(self, nlp):
                self._nlp = nlp

            def __getattr__(self, name):
                if name == "evaluate_hessian_lag":
                    raise AttributeError(name)
                return getattr(self._nlp, name)

        def __init__(self, nlp, **kwargs):
            cls.__init__(self, _NoHessian(nlp), **kwargs)
            self._nlp = nlp

        _ZERO_HESSIAN[cls] = type("ZeroHessianCyIpoptNLP", (cls,), {
            "__init__": __init__,
            "hessianstructure": lambda self: (np.zeros(0, dtype=int), np.zeros(0, dtype=int)),
            "hessian": lambda self, x, y, obj_factor: np.zeros(0)})
    return _ZERO_HESSIAN[cls]


def is_square(nlp, m: pyo.ConcreteModel) -> bool:
    """Whether the compiled NLP is a square system (free variables = equations, all equalities)
    with a constant objective."""
    import numpy as np
    from pyomo.core.expr.visitor import polynomial_degree
    objs = list(m.component_data_objects(pyo.Objective, active=True))
    const = all(polynomial_degree(o.expr) == 0 for o in objs)
    free = int(np.sum(nlp.primals_lb() != nlp.primals_ub()))
    eq = bool(np.all(nlp.constraints_lb() == nlp.constraints_ub()))
    return const and eq and free == nlp.n_constraints()


def _in_steps(attempt, x0, last, target, n: int):
    """Continuation: ``attempt(x, fixed_values)`` in ``n`` equal steps of the fixed values from ``last``
    to ``target``, each from the previous step's solution; the last step's result, or None."""
    x, step = x0, None
    for k in range(1, n + 1):
        step = attempt(x, last + k / n * (target - last))
        if step is None:
            return None
        x = step[0]
    return step


class InMemorySolver:
    """Repeated solves of one model without rewriting the NL file (PyNumero + cyipopt).

    The closure's fixed variables become variables with equal lower and upper bounds
    (IPOPT's ``fixed_variable_treatment make_parameter``), so a new carbon price or shock is a
    change of bounds in memory; each solve starts from the previous solution (warm start).
    Mutable parameters are compiled into the NLP: call :meth:`invalidate` after changing one.
    """

    keep_factorisation = False
    """A solve starts from the last solve's LU factorisation (Newton's chord matrix) when the free
    variables are the same, as it starts from the last solution, and refactorises, with that
    factorisation's pivot order, at its first step that does not halve the worst residual (147
    sectors: a static re-solve in 36 instead of 50 ms; ``benchmarks/issue18.csv``, section
    ``scaling``).  Off, each solve factorises at its own start.  :class:`cge.Model` turns it on; the
    dynamic runs carry the factorisation in their state (:meth:`factorisation_state`,
    :meth:`restore_factorisation`), so that a resumed run takes exactly the same path."""

    def __init__(self, m: pyo.ConcreteModel, options: dict | None = None) -> None:
        self.m = m
        self.options = {**IPOPT_OPTIONS, **(options or {})}
        self._nlp = None
        self._last_fixed = None        # fixed values of the last successful solve by variable (homotopy start)

    def forget_last(self) -> None:
        """Forget the last solution's fixed values (a new run on the same model starts afresh)."""
        self._last_fixed = None

    def refix(self) -> None:
        """Take a new closure without recompiling: the compiled NLP holds every variable of the
        equations, fixed or free, so only the bounds change (a free variable's own bounds, lb = ub
        = value for a fixed one).  Forgets the compiled NLP when there is none yet."""
        if self._nlp is None:
            return
        import numpy as np
        nlp = self._nlp
        for arr, bound, none in ((nlp.primals_lb(), "lb", -np.inf), (nlp.primals_ub(), "ub", np.inf)):
            arr.flags.writeable = True
            arr[:] = [none if getattr(v, bound) is None else getattr(v, bound) for v in self._vars]
            arr.flags.writeable = False
        self._fixed = [v for v in self._vars if v.fixed]
        self._fixed_idx = nlp.get_primal_indices(self._fixed)
        self._pin(np.array([v.value for v in self._fixed], dtype=float))
        self.square = is_square(nlp, self.m)
        self._last_fixed = None

    def invalidate(self) -> None:
        """Forget the compiled NLP (after a parameter or closure change)."""
        self._nlp = None

    def _compile(self) -> None:
        from pyomo.contrib.pynumero.interfaces.pyomo_nlp import PyomoNLP
        fixed = [v for v in self.m.component_data_objects(pyo.Var) if v.fixed]
        saved = [(v, v.lb, v.ub) for v in fixed]
        for v in fixed:
            val = v.value
            v.unfix()
            v.setlb(val)
            v.setub(val)
        try:
            point_pyomo_at_asl()
            self._nlp = PyomoNLP(self.m)
            self._jac_key = self._lu = None              # Newton's Jacobian structure and factorisation
            self._lu_cache = {}                          # (keyed by the NLP's id, which a new NLP may take over)
        finally:
            for v, lb, ub in saved:
                v.setlb(lb)
                v.setub(ub)
                v.fix()
        from pyomo.common.collections import ComponentSet
        present = ComponentSet(self._nlp.get_pyomo_variables())
        self._fixed = [v for v in fixed if v in present]       # a fixed variable may appear in no equation
        self._fixed_idx = self._nlp.get_primal_indices(self._fixed)
        self._names = self._nlp.constraint_names()
        self._vars = self._nlp.get_pyomo_variables()
        self.square = is_square(self._nlp, self.m)       # fixed variables have lb == ub here

    def solve(self, where: str = "", tol: float = 1e-8) -> SolveInfo:
        """Solve from the current variable values.  When IPOPT fails, continue in 2, 4, 8, then 16 equal
        steps of the fixed values (from those of the last solution: a homotopy), and when that fails too,
        try once more from the same start with ``FALLBACK_OPTIONS``, then with the first barrier and
        ``FALLBACK_ITER_FACTOR`` times the iterations (a year with a large change, e.g. a technology
        leaving the mix under a very elastic choice, needs about 100); raise :class:`SolveError`
        (every status and the worst residuals) when all fail."""
        import numpy as np
        if self._nlp is None:
            self._compile()
        target = np.array([v.value for v in self._fixed], dtype=float)
        x0 = np.array([v.value if v.value is not None else 0.0 for v in self._vars], dtype=float)
        fails: list[str] = []
        total = [0, 0.0]
        ok = None
        last = self._switch_aware(self._last_fixed_values(target), target)
        if self.square and NEWTON:
            ok = self._newton(x0, target, tol, total)
            for n in NEWTON_HOMOTOPY_STEPS if ok is None and last is not None else ():
                ok = _in_steps(lambda x, f: self._newton(x, f, tol, total), x0, last, target, n)
                if ok is not None:
                    break
        if ok is None:
            ok = self._run(x0, target, self.options, where, tol, fails, total)
        if ok is None and last is not None:
            for n in HOMOTOPY_STEPS:                     # continuation: n equal steps of the fixed values
                ok = _in_steps(lambda x, f: self._run(x, f, self.options, where, tol, fails, total), x0, last, target, n)
                if ok is not None:
                    break
        if ok is None:
            fb = {**self.options, **FALLBACK_OPTIONS, "max_iter": FALLBACK_ITER_FACTOR * self.options["max_iter"]}
            ok = self._run(x0, target, fb, where, tol, fails, total)
        if ok is None:                                   # last: the first attempt's barrier, 5x the iterations
            long = {**self.options, "max_iter": FALLBACK_ITER_FACTOR * self.options["max_iter"]}
            ok = self._run(x0, target, long, where, tol, fails, total)
        if ok is None:
            raise SolveError(f"{where}: " + " | then ".join(fails))
        x, msg, maxr = ok
        self._write_free(x)                              # the fixed ones hold their values already
        self._last_fixed = (self._fixed, target.copy())
        return SolveInfo("ok" if not fails else "ok (after a failed attempt)", msg, total[0], total[1], maxr)

    def sensitivities(self, of: list, to: list):
        """``d of / d to`` at the current solution (Pyomo variables ``of``; fixed variables ``to``),
        every other fixed variable held: the implicit-function theorem on the compiled equations,
        ``dx = -J^-1 (dF/dz) dz`` with ``J`` the Jacobian of the free variables (one sparse LU,
        :class:`SparseLU`).  A fixed variable of ``of`` does not move unless it is in ``to``.  None
        when the Jacobian is singular (e.g. a policy closure with no carbon revenue, where the
        recycled share is undetermined)."""
        import numpy as np
        if self._nlp is None:
            self._compile()
        nlp = self._nlp
        x = np.array([v.value for v in self._vars], dtype=float)
        self._pin(x[self._fixed_idx])
        nlp.set_primals(x)
        free = np.flatnonzero(nlp.primals_lb() != nlp.primals_ub())
        self._free_structure(free)                      # the LU of Newton's solves, at this point
        jac = nlp.evaluate_jacobian()
        try:
            if not self._factor_nonzeros(jac.data[self._jac_keep], free.size):
                return None
        except ArithmeticError:
            return None
        lu, jac = self._sparse_lu, jac.tocsc()
        zi = nlp.get_primal_indices(list(to))
        rhs = jac[:, zi].toarray()
        d = np.zeros((len(x), len(zi)))
        d[free] = -np.column_stack([lu.solve(rhs[:, c], refine=True) for c in range(len(zi))])
        d[zi, np.arange(len(zi))] = 1.0
        if not np.all(np.isfinite(d)):
            return None
        return d[nlp.get_primal_indices(list(of))]

    def _pin(self, fixed_vals) -> None:
        """Hold the fixed variables at ``fixed_vals`` in the compiled NLP (as equal bounds)."""
        for arr in (self._nlp.primals_lb(), self._nlp.primals_ub()):
            arr.flags.writeable = True
            arr[self._fixed_idx] = fixed_vals
            arr.flags.writeable = False

    def note_fixed(self) -> None:
        """Take the current values of the fixed variables as the last solution's (the start of the
        homotopy of the next solve), e.g. after loading a solution computed elsewhere."""
        import numpy as np
        if self._nlp is None:
            self._compile()
        self._last_fixed = (self._fixed, np.array([v.value for v in self._fixed], dtype=float))

    def _last_fixed_values(self, target):
        """The fixed variables' values at the last solution, in the order of ``self._fixed`` (a variable
        fixed now but not then takes its value in ``target``); None before any solution."""
        import numpy as np
        if self._last_fixed is None:
            return None
        ref, vals = self._last_fixed
        if ref is self._fixed:
            return vals
        by_id = {id(v): t for v, t in zip(ref, vals.tolist())}
        return np.array([by_id.get(id(v), t) for v, t in zip(self._fixed, target)], dtype=float)

    def _switch_aware(self, last, target):
        """The homotopy's start without a structural switch that flipped since the last solution (e.g.
        ``VINT`` in a policy run's first year, whose last solution is the malleable baseline's): the
        switch and the data of its block (the model's ``_switch_data``) start at their new values, and
        only the other exogenous values move in steps."""
        import numpy as np
        if last is None:
            return None
        blocks = getattr(self.m, "_switch_data", {})
        if not blocks:
            return last
        pos = getattr(self, "_fixed_pos_cache", None)
        if pos is None or pos[0] is not self._fixed:
            pos = (self._fixed, {id(v): k for k, v in enumerate(self._fixed)})
            self._fixed_pos_cache = pos
        where = pos[1]
        last = last.copy()
        for name, names in blocks.items():
            k = where.get(id(getattr(self.m, name)))
            if k is None or last[k] == target[k]:
                continue
            idx = [k] + [where[id(v)] for n in names for v in getattr(self.m, n).values() if id(v) in where]
            last[idx] = target[idx]
        return last

    def _free_pos(self) -> list[int]:
        """Positions in ``self._vars`` of the variables the closure leaves free (cached per fixed set)."""
        if getattr(self, "_free_for", None) is not self._fixed:
            fixed = set(int(i) for i in self._fixed_idx)
            self._free_list = [k for k in range(len(self._vars)) if k not in fixed]
            self._free_for = self._fixed
        return self._free_list

    def _write_free(self, x) -> None:
        """Set the model's free variables to their values in ``x`` (the order of the compiled NLP)."""
        xs = x.tolist()
        for k in self._free_pos():
            self._vars[k].set_value(xs[k], skip_validation=True)

    def _run(self, x0, fixed_vals, options: dict, where: str, tol: float, fails: list, total: list):
        """One attempt with the fixed variables at ``fixed_vals``: (x, message, max residual) or
        None (the failure is appended to ``fails``; the last iterate is left in the model)."""
        import numpy as np
        nlp = self._nlp
        self._pin(fixed_vals)
        x0 = x0.copy()
        x0[self._fixed_idx] = fixed_vals
        x, status, msg, it, secs = self._attempt(x0, options, where)
        total[0] += it
        total[1] += secs
        nlp.set_primals(x)
        g = nlp.evaluate_constraints() - nlp.constraints_ub()
        order = np.argsort(-np.abs(g))[:5]
        worst = [(self._names[j], float(abs(g[j]))) for j in order]
        maxr = worst[0][1] if worst else 0.0
        if status in (0, 1, 6) and maxr <= tol:       # 6: "feasible point for square problem found" (solved)
            return x, msg, maxr
        det = "; ".join(f"{n}: {r:.3g}" for n, r in worst)
        fails.append(f"IPOPT status {status} ({msg}) with mu_strategy {options.get('mu_strategy')}, "
                     f"max residual {maxr:.3g}; worst: {det}")
        self._write_free(x)                                # leave the last iterate for inspection; the fixed
        return None                                        # variables keep their values (not a homotopy step's)

    def _newton(self, x0, fixed_vals, tol: float, total: list):
        """See :meth:`_newton_steps`; its steps and time count in ``total`` whether it converges or not."""
        t0, counts = time.perf_counter(), [0, 0]
        try:
            return self._newton_steps(x0, fixed_vals, tol, counts)
        finally:
            total[0] += counts[0]
            total[1] += time.perf_counter() - t0
            self.factorizations = getattr(self, "factorizations", 0) + counts[1]

    def _newton_steps(self, x0, fixed_vals, tol: float, counts: list):
        """Newton's method on the square system from ``x0`` with the fixed variables at
        ``fixed_vals``, reusing the LU factorisation of the Jacobian at an earlier iterate while it
        reduces the worst residual at least by ``NEWTON_CONTRACTION`` per step and refactorising
        otherwise: (x, message, max residual), or None when it does not converge (IPOPT then
        starts from ``x0``)."""
        import numpy as np
        from pyomo.contrib.pynumero.exceptions import PyNumeroEvaluationError
        nlp = self._nlp                                  # counts: residual evaluations, factorisations
        self._pin(fixed_vals)
        lb, ub = nlp.primals_lb(), nlp.primals_ub()
        free = np.flatnonzero(lb != ub)
        x = x0.copy()
        x[self._fixed_idx] = fixed_vals
        flb, fub = lb[free], ub[free]
        xf = x[free]
        inside = np.minimum(np.maximum(xf, flb), fub)         # a start on or beyond a bound: just inside
        with np.errstate(invalid="ignore"):
            mid = np.where(np.isfinite(flb) & np.isfinite(fub), (flb + fub) / 2, inside)
        span = 1e-8 * np.maximum(1.0, np.abs(inside))
        xf = np.where(np.isfinite(flb) & (inside - flb < span), np.minimum(flb + span, mid), inside)
        xf = np.where(np.isfinite(fub) & (fub - xf < span), np.maximum(fub - span, mid), xf)
        x[free] = xf
        rhs = nlp.constraints_ub()
        self._free_structure(free)

        def resid(xx):
            nlp.set_primals(xx)
            try:
                g = nlp.evaluate_constraints() - rhs
            except (PyNumeroEvaluationError, ArithmeticError, ValueError):
                return None
            return g if np.all(np.isfinite(g)) else None

        def factor(xx):
            nlp.set_primals(xx)
            try:                                         # later factorisations of this solve keep the first's pivot order
                ok = self._factor_nonzeros(nlp.evaluate_jacobian().data[self._jac_keep], free.size,
                                           reuse=self._lu if counts[1] or kept else None)
            except (PyNumeroEvaluationError, ArithmeticError, ValueError):
                ok = False
            self._lu = self._sparse_lu if ok else None   # singular Jacobian: IPOPT takes over
            counts[1] += 1
            return ok

        def worst(g):
            return float(np.max(np.abs(g))) if g.size else 0.0

        g = resid(x)
        if g is None or g.size != free.size:
            return None
        r = worst(g)
        if not (self.keep_factorisation and self._lu is not None and self._lu is self._sparse_lu):
            self._lu = None                              # factorise at this solve's start (see keep_factorisation)
        kept = self._lu is not None
        fresh = False                                    # fresh: LU at x
        limit = min(NEWTON_MAX_ITER, int(self.options.get("max_iter", NEWTON_MAX_ITER)))
        best = [(0, r)]                                  # (evaluations, worst residual) at each tenfold gain
        while counts[0] < limit and r > 0.0:
            if r > NEWTON_TOL and counts[0] - best[-1][0] > NEWTON_STALL:
                return None                              # no tenfold gain in NEWTON_STALL evaluations: a homotopy or IPOPT does better
            if self._lu is None:
                if not factor(x):
                    return None
                fresh = True
            dx = -self._lu.solve(g)
            if not np.all(np.isfinite(dx)):
                if fresh or not factor(x):
                    return None
                fresh = True
                continue
            if r <= NEWTON_TOL:                          # converged: polish while a full step halves the residual
                xn = x.copy()
                xn[free] += dx
                gn = resid(xn)
                counts[0] += 1
                if gn is None or worst(gn) > 0.5 * r:
                    break
                x, g, r, fresh = xn, gn, worst(gn), False
                continue
            xf = x[free]
            with np.errstate(divide="ignore", invalid="ignore"):
                lo = np.where(dx < 0, -NEWTON_TAU * (xf - flb) / dx, np.inf)
                hi = np.where(dx > 0, NEWTON_TAU * (fub - xf) / dx, np.inf)
            alpha = min(1.0, float(np.min(lo, initial=np.inf)), float(np.min(hi, initial=np.inf)))
            if alpha < NEWTON_MIN_STEP:                  # a bound blocks the step: IPOPT's barrier does better
                if fresh or not factor(x):
                    return None
                fresh = True
                continue
            need = NEWTON_CONTRACTION if not fresh else 1.0
            for _ in range(30 if fresh else 1):          # backtracking (fresh Jacobian) on the worst residual
                xn = x.copy()
                xn[free] = xf + alpha * dx
                gn = resid(xn)
                counts[0] += 1
                if gn is not None:
                    rn = worst(gn)
                    if rn <= need * (1 - 1e-4 * alpha) * r or (rn <= NEWTON_TOL and rn <= r):
                        break
                alpha *= 0.5
            else:
                if fresh:
                    return None
                if not factor(x):                        # an old factorisation that no longer does: refactorise here
                    return None
                fresh = True
                continue
            x, g, r = xn, gn, rn
            fresh = False
            if r <= 0.1 * best[-1][1]:
                best.append((counts[0], r))
        if r > NEWTON_TOL or r > tol:
            nlp.set_primals(x)
            return None
        nlp.set_primals(x)
        return x, "Newton: converged", r

    def _free_structure(self, free) -> None:
        """The Jacobian's entries in the columns of the free variables ``free`` (its structure is fixed
        by the compiled NLP): ``_jac_keep`` selects them from the Jacobian's values, ``_jac_rc`` are
        their rows and columns among the free variables (kept while the free set stays)."""
        import numpy as np
        nlp = self._nlp
        key = (id(nlp), free.tobytes())
        if getattr(self, "_jac_key", None) == key:
            return
        jac = nlp.evaluate_jacobian()
        pos = np.full(nlp.n_primals(), -1)
        pos[free] = np.arange(free.size)
        col = pos[jac.col]
        keep = col >= 0
        self._jac_key, self._jac_keep, self._lu, self._free_idx = key, keep, None, free.copy()
        self._jac_rc, self._lu_mask = (jac.row[keep], col[keep]), None

    def _switched_entries(self):
        """Entries of the free Jacobian (order of ``self._jac_rc``) in the rows of equation families
        whose terms a switch variable at 0 multiplies (the model's ``_switched``: family -> switch,
        e.g. old capital's ``eq_vo``, ``eq_rko`` under ``VINT``)."""
        import numpy as np
        off = tuple(sorted(f for f, sw in getattr(self.m, "_switched", {}).items() if not sw.value))
        if getattr(self, "_switched_for", None) != (id(self._jac_rc), off):
            rows = np.array([n.split("[")[0] in off for n in self._names], dtype=bool)
            self._switched_mask = rows[self._jac_rc[0]]
            self._switched_for = (id(self._jac_rc), off)
        return self._switched_mask

    def _factor_nonzeros(self, data, n: int, reuse=None) -> bool:
        """Factorise the free Jacobian with values ``data`` (in the order of ``self._jac_rc``) without
        the zero entries of switched equations: a term multiplied by a switch at 0 (old capital's
        equations in a malleable closure, ``VINT``) is structurally there but zero, and factorising it
        costs fill (at 147 sectors KLU took 82 instead of 13 ms).  The pattern depends only on the
        switches (other zeros stay in: a pattern that moved with every iterate would need a symbolic
        analysis each time); one LU structure per pattern is kept."""
        return self._factor_pattern((data != 0.0) | ~self._switched_entries(), data, n, reuse)

    def _factor_pattern(self, nz, data, n: int, reuse=None) -> bool:
        """Factorise the entries ``nz`` of the free Jacobian (values ``data``); the LU object keeps
        where its pivot order and its values were computed (``points``: the NLP's primal values then),
        which :meth:`factorisation_state` hands on."""
        import numpy as np
        if self._lu_mask is None or not np.array_equal(nz, self._lu_mask):
            key = np.packbits(nz).tobytes()
            cache = self._lu_cache                        # (emptied at each compile)
            ck = (self._jac_key, key, LU_BACKEND)
            if ck not in cache:
                if len(cache) > 16:
                    cache.clear()
                rows, cols = self._jac_rc
                cache[ck] = SparseLU(rows[nz], cols[nz], n)
            self._lu_mask, self._sparse_lu = nz, cache[ck]
        lu = self._sparse_lu
        ok = lu.factor(data[nz], reuse=lu is reuse)
        x = self._nlp.get_primals().copy()
        lu.points = (x, x) if lu.refreshed or lu.points is None else (lu.points[0], x)
        return ok

    def factorisation_state(self) -> dict | None:
        """What the next solve's first step would use (with ``keep_factorisation``): the free
        variables, the Jacobian entries factorised and the primal values at which the pivot order
        and the values were computed; None when it would factorise afresh."""
        lu = self._lu
        if lu is None or lu is not self._sparse_lu or lu.points is None or self._nlp is None:
            return None
        return {"free": self._free_idx.copy(), "mask": self._lu_mask.copy(),
                "x_pivot": lu.points[0].copy(), "x_values": lu.points[1].copy()}

    def restore_factorisation(self, state: dict | None) -> None:
        """Recompute the factorisation of :meth:`factorisation_state` (the same pivots and values,
        bit for bit: a resumed run takes the same path); None forgets the last factorisation."""
        import numpy as np
        self._lu = None
        if state is None:
            return
        if self._nlp is None:
            self._compile()
        nlp, free = self._nlp, np.asarray(state["free"], dtype=np.int64)
        if free.size == 0 or free.max() >= nlp.n_primals():
            return
        self._free_structure(free)
        mask = np.asarray(state["mask"], dtype=bool)
        if mask.size != self._jac_keep.sum():
            return
        points = [state["x_pivot"]]                     # the pivot order's factorisation, then (when it was
        if not np.array_equal(state["x_values"], state["x_pivot"]):   # refactorised) the values'
            points.append(state["x_values"])
        saved = nlp.get_primals().copy()
        try:
            ok = False
            for k, x in enumerate(points):
                nlp.set_primals(np.asarray(x, dtype=float))
                ok = self._factor_pattern(mask, nlp.evaluate_jacobian().data[self._jac_keep], free.size,
                                          reuse=self._sparse_lu if k else None)
            self._lu = self._sparse_lu if ok else None
        finally:
            nlp.set_primals(saved)

    def _attempt(self, x0, options: dict, where: str):
        """One IPOPT run from ``x0``: (x, status, message, iterations, seconds)."""
        from pyomo.contrib.pynumero.interfaces.cyipopt_interface import CyIpoptNLP
        from pyomo.contrib.pynumero.algorithms.solvers.cyipopt_solver import CyIpoptSolver
        iters = [0]

        def count(*args, **kwargs):
            iters[0] = int(args[2]) if len(args) > 2 else iters[0]
            return True
        t0 = time.perf_counter()
        self._nlp.set_obj_factor(1.0)        # a failed attempt may leave IPOPT's restoration factor 0 here
        cls = _unscaled(CyIpoptNLP)
        if self.square:
            cls = _zero_hessian(cls)
            options = {**SQUARE_OPTIONS, **options}
        problem = cls(self._nlp, intermediate_callback=count)
        try:
            x, info = CyIpoptSolver(problem, options=dict(options)).solve(x0=x0)
        except Exception as exc:  # noqa: BLE001
            raise SolveError(f"{where}: IPOPT failed to run: {exc}") from exc
        msg = info.get("status_msg", b"")
        msg = msg.decode() if isinstance(msg, bytes) else str(msg)
        return x, info.get("status", -99), msg, iters[0], time.perf_counter() - t0
