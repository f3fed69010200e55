"""Issue 18, the speed changes: each must leave the results as they were.

* the zero-Hessian problem class is used only for a square system with a constant objective and
  solves to the same point as the exact Hessian;
* a model reused across runs of one process (runner, sweep workers) gives bit-identical results
  to a freshly built one;
* the per-year recorder builds the same Dataset as concatenating per-year Datasets;
* Newton's method with either sparse LU (KLU, SuperLU) reaches IPOPT's solution, and the LU
  backends solve a linear system alike and report a singular matrix.
"""
from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest
import xarray as xr

import calibration
import cge
from cge import dynamics, solve
from cge.dynamics import DynamicRun
from cge.record import Recorder, YearRow
from cge.scenarios import Scenario


@pytest.fixture(scope="module")
def cal():
    return calibration.calibrate()


def test_zero_hessian_only_for_square_systems_and_same_solution(cal, monkeypatch):
    model = cge.Model(cal)
    model.solve(0.0)
    assert model.solver.square                        # the standard closure: square, objective 0
    sol = model.solve(80.0)
    zero = np.array([v.value for v in model.solver._vars])
    # the same solve with the exact Hessian (the problem class of main) from the same start
    monkeypatch.setattr(solve, "_zero_hessian", lambda cls: cls)
    model.solve(0.0)
    exact_sol = model.solve(80.0)
    exact = np.array([v.value for v in model.solver._vars])
    np.testing.assert_allclose(zero, exact, rtol=1e-9, atol=1e-10)
    assert sol.info.iterations <= exact_sol.info.iterations + 2
    # a non-square system (one closure variable freed) is not given the zero Hessian
    model.m.G.unfix()
    model.solver.invalidate()
    model.solver._compile()
    assert not model.solver.square
    model.m.G.fix()
    model.solver.invalidate()


def _strip(ds: xr.Dataset) -> xr.Dataset:
    return ds.drop_vars(["solve_seconds"])


def test_reused_model_equals_a_fresh_one(cal):
    """A run on a model that another run used before (reset by reused_model) is bit-identical to a
    run on a newly built model (baseline 2017-2021, then a policy run on the reused models)."""
    years = range(2017, 2022)
    base = Scenario(name="baseline", kind="baseline")
    fresh = DynamicRun(base, cal=cal).run(years)
    dynamics._BUILT.clear()
    first = DynamicRun(base, cal=cal, reuse=True)
    first.run(years)
    again = DynamicRun(base, cal=cal, reuse=True)
    assert again.model is first.model                     # reused, not rebuilt
    ds = again.run(years)
    assert _strip(ds).identical(_strip(fresh))
    pol = Scenario(name="P", kind="policy", carbon_price={2019: 100.0, 2021: 200.0}, interpolation="linear")
    bx: dict = {}
    DynamicRun(base, cal=cal).run(years, on_year=lambda row, st: bx.__setitem__(st.year, st.x))
    p_fresh = DynamicRun(pol, cal=cal, baseline=fresh, baseline_x=bx).run(years)
    p1 = DynamicRun(pol, cal=cal, baseline=fresh, baseline_x=bx, reuse=True)
    assert p1.model is first.model and p1.model.closure.name == "policy"    # the baseline's model, new closure
    assert _strip(p1.run(years)).identical(_strip(p_fresh))
    p2 = DynamicRun(pol, cal=cal, baseline=fresh, baseline_x=bx, reuse=True)
    assert p2.model is p1.model
    assert _strip(p2.run(years)).identical(_strip(p_fresh))
    b2 = DynamicRun(base, cal=cal, reuse=True)                               # and back to the baseline closure
    assert _strip(b2.run(years)).identical(_strip(fresh))
    assert float(p_fresh.co2.sel(year=2021)) < float(fresh.co2.sel(year=2021))    # the policy bites
    dynamics._BUILT.clear()


def test_closure_change_without_recompiling_gives_the_compiled_bounds(cal):
    """refix (a closure change on the compiled NLP) gives the bounds a fresh compilation gives."""
    a = cge.Model(cal, "baseline")
    a.solver._compile()
    a.set_closure("policy")
    b = cge.Model(cal, "policy")
    b.solver._compile()
    assert [v.name for v in a.solver._vars] == [v.name for v in b.solver._vars]
    for f in ("primals_lb", "primals_ub"):
        np.testing.assert_array_equal(getattr(a.solver._nlp, f)(), getattr(b.solver._nlp, f)())
    assert a.solver.square and sorted(v.name for v in a.solver._fixed) == sorted(v.name for v in b.solver._fixed)


def test_recorder_equals_concatenated_rows():
    rows = []
    rec = Recorder(range(2017, 2021))
    rng = np.random.default_rng(0)
    for y in range(2017, 2021):
        vals = {"a": ((), float(rng.random()), {"units": "1"}), "b": (("sector",), rng.random(3), {"units": "x"})}
        row = YearRow(y, vals, {"sector": ["A", "B", "C"]})
        rec.add(row)
        rows.append(xr.Dataset({k: (d, v, a) for k, (d, v, a) in vals.items()},
                               coords={"sector": ["A", "B", "C"]}).expand_dims(year=[y]))
    want = xr.concat(rows, dim="year")
    assert rec.dataset().identical(want)
    assert rec.dataset(2018).identical(want.sel(year=slice(2017, 2018)))
    again = Recorder(range(2017, 2021))
    again.add_dataset(want.sel(year=slice(2017, 2019)))
    again.add(YearRow.from_dataset(want, 2020))
    assert again.dataset().identical(want)


def _solution(model, price: float) -> np.ndarray:
    model.solve(0.0)
    sol = model.solve(price)
    assert sol.info.status.startswith("ok")
    return np.array([v.value for v in model.solver._vars]), sol.info.termination


def test_newton_with_klu_or_superlu_reaches_ipopts_solution(cal, monkeypatch):
    """150 yuan/t from the benchmark: Newton (KLU), Newton (SuperLU) and IPOPT alone give one
    solution (rtol 1e-9): the linear solver changes the path, not the equilibrium."""
    model = cge.Model(cal)
    klu, how = _solution(model, 150.0)
    assert how.startswith("Newton")
    pytest.importorskip("kvxopt")
    assert model.solver._sparse_lu.backend == "klu"
    monkeypatch.setattr(solve, "LU_BACKEND", "superlu")
    model.solver._jac_key = None                        # a new structure object with the other backend
    slu, how = _solution(model, 150.0)
    assert how.startswith("Newton") and model.solver._sparse_lu.backend == "superlu"
    monkeypatch.setattr(solve, "NEWTON", False)
    ipopt, how = _solution(model, 150.0)
    assert not how.startswith("Newton")
    np.testing.assert_allclose(klu, slu, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(klu, ipopt, rtol=1e-9, atol=1e-10)


def test_newton_homotopy_escalates_before_ipopt(cal, monkeypatch):
    """0 -> 500 yuan/t in one static solve: Newton alone and in two steps of the price fail, eight steps
    succeed, so IPOPT is not needed; the solution is IPOPT's (rtol 1e-8), whose failed attempts (a
    homotopy) leave the fixed variables at their values, not at an intermediate step's.  Each solve
    factorises afresh (a kept factorisation changes which steps Newton needs)."""
    model = cge.Model(cal)
    model.keep_factorisation = False
    model.solve(0.0)
    newton, how = _solution(model, 500.0)
    assert how.startswith("Newton"), how
    model.solve(0.0)
    monkeypatch.setattr(solve, "NEWTON_HOMOTOPY_STEPS", (2,))
    ipopt, how = _solution(model, 500.0)
    assert not how.startswith("Newton"), how
    assert float(model.m.CTAX.value) == 500.0
    np.testing.assert_allclose(newton, ipopt, rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("backend", ["klu", "kvxopt", "superlu"])
def test_sparse_lu_solves_and_reports_singular(backend):
    if backend in ("klu", "kvxopt"):
        pytest.importorskip("kvxopt")
    from scipy.sparse import random as sprandom
    rng = np.random.default_rng(7)
    n = 300
    from scipy.sparse import identity
    A = (sprandom(n, n, density=0.01, random_state=rng) + 10 * identity(n)).tocoo()
    lu = solve.SparseLU(A.row, A.col, n, backend=backend)
    assert lu.backend == backend
    assert lu.factor(A.data)
    b = rng.normal(size=n)
    x = lu.solve(b, refine=True)                     # KLU refines once; SuperLU pivots fully
    assert np.max(np.abs(A.tocsr() @ x - b)) < 1e-12 * np.max(np.abs(b)) * n
    data = A.data.copy()
    data[A.row == 5] = 0.0                              # a zero row: singular
    assert not lu.factor(data)


def test_klu_refactorisation_keeps_the_pivot_order_and_solves_the_new_matrix():
    """KLU through ctypes (the library kvxopt ships): a refactorisation with new values solves the new
    matrix as exactly as a fresh factorisation, and one whose pivots have become tiny is redone."""
    pytest.importorskip("kvxopt")
    from scipy.sparse import identity
    from scipy.sparse import random as sprandom

    from cge import klu
    lib = klu.load()
    assert lib is not None                                  # the wheel's library has KLU 1.3's layout
    rng = np.random.default_rng(11)
    n = 400
    A = (sprandom(n, n, density=0.01, random_state=rng) + 5 * identity(n)).tocoo()
    lu = klu.KLU(lib, A.row, A.col, n)
    assert lu.factor(A.data)
    b = rng.normal(size=n)
    data = A.data * (1 + 0.2 * rng.uniform(-1, 1, size=A.data.size))     # same pattern, new values
    rcond = lu._rcond
    assert lu.factor(data, reuse=True) and lu._rcond == rcond  # refactorised: no new pivoting
    assert not lu.refreshed
    M = type(A)((data, (A.row, A.col)), shape=(n, n)).tocsr()
    x = lu.solve(b)
    assert np.max(np.abs(M @ x - b)) < 1e-10 * np.max(np.abs(b))
    diag = A.row == A.col
    weak = data.copy()
    weak[diag] *= 1e-6                                       # the old pivots become tiny: a fresh factorisation
    assert lu.factor(weak, reuse=True) and lu._rcond != rcond and lu.refreshed
    W = type(A)((weak, (A.row, A.col)), shape=(n, n)).tocsr()
    x = lu.solve(b)
    assert np.max(np.abs(W @ x - b)) < 1e-8 * np.max(np.abs(b)) * np.max(np.abs(x))
    zero = data.copy()
    zero[A.row == 5] = 0.0                                   # singular: refused with or without reuse
    assert not lu.factor(zero, reuse=True) or not np.all(np.isfinite(lu.solve(b)))
    assert not lu.factor(zero)


def test_kept_factorisation_saves_factorisations_and_is_restored_bit_for_bit(cal):
    """Static re-solves keep Newton's last factorisation (fewer factorisations, the same solutions to
    1e-9); the state a dynamic year hands on recomputes that factorisation exactly in a new model."""
    prices = (25.0, 50.0, 75.0, 100.0, 125.0)
    runs = {}
    for keep in (False, True):
        model = cge.Model(cal)
        model.keep_factorisation = keep
        model.solve(0.0)
        model.solver.factorizations = 0
        sols = []
        for p in prices:
            model.solve(p)
            sols.append(np.array([v.value for v in model.solver._vars]))
        runs[keep] = (model, model.solver.factorizations, np.array(sols))
    (_, f_fresh, x_fresh), (model, f_kept, x_kept) = runs[False], runs[True]
    assert f_kept < f_fresh, (f_kept, f_fresh)
    np.testing.assert_allclose(x_kept, x_fresh, rtol=1e-9, atol=1e-10)
    st = model.solver.factorisation_state()
    assert st is not None
    b = np.random.default_rng(3).normal(size=st["free"].size)
    other = cge.Model(cal)
    other.solver.restore_factorisation(st)
    assert np.array_equal(other.solver._lu.solve(b), model.solver._lu.solve(b))
    other.solver.restore_factorisation(None)
    assert other.solver.factorisation_state() is None
