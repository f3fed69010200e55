"""Solving the square system with IPOPT through Pyomo's PyNumero ``cyipopt`` interface."""
from __future__ import annotations

import time
from dataclasses import dataclass

import pyomo.environ as pyo

IPOPT_OPTIONS = {            # every IPOPT option in one place
    "tol": 1e-10,
    "constr_viol_tol": 1e-10,
    "max_iter": 200,
    "mu_strategy": "adaptive",
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
