"""Benchmark of issue 18 (performance): writes ``benchmarks/issue18.csv``.

Sections (``--only`` runs some of them; rows of the others already in the CSV are kept):

* ``full``    ``cge run --scenarios all`` 2017-2060 with ``--jobs 1`` and ``--jobs 2`` in the same
  benchmark: wall time, solves, iterations (Newton's residual evaluations or IPOPT's), peak RSS
  of the largest process; and the peak RSS of one process running S1 to 2025 and to 2060;
* ``solve``   time per solve split into the solver's own work (``ipopt_ms``: IPOPT with MUMPS, or
  Newton's sparse LU and steps), NLP callbacks (constraints, Jacobian, Hessian through PyNumero
  and the ASL) and Python (warm start, recording, capital rule), for the baseline 2017-2060 and
  S4, with each solver option of issue 18 switched off in turn (the rows that justify it; IPOPT's
  own options measured with Newton off, where IPOPT solves every year);
* ``sweep``   runs per minute of an 8-point price grid (full runs 2017-2060, shared baseline)
  with 1 and 2 Dask workers;
* ``scaling`` a static warm re-solve (carbon price 25 -> 50 -> ... -> 150 yuan/t) on SAMs of 35,
  65, 106 and 147 sectors: the shipped 65-sector SAM with non-energy sectors merged (35) or split
  (106, 147) in fixed proportions (balanced; CO2 accounts merged or split alike); each solve
  starting from the last one's factorisation (``keep_factorisation``, what static and dynamic
  solves do) and, in the rows "factorised afresh", from a factorisation at its own start;
* ``lu``      Newton's sparse LU at 100 yuan/t on the same SAMs: one factorisation and one solve of
  the Jacobian of the free variables with KLU and with SuperLU.

``--src DIR`` runs the ``full`` (``--jobs 2`` only), ``solve`` and ``scaling`` sections on another source tree (e.g. a
``git archive`` of main) through PYTHONPATH and labels the rows ``--label``.  Every row records
the 1-minute load average at its start: rows measured with other work on the machine say so.
Usage: .venv/bin/python benchmarks/bench_issue18.py [--only full,solve,sweep,scaling] [--src DIR --label main]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench_sweep import SPEC   # the same eight-point price grid as the sweep benchmark (same folder)

HERE = Path(__file__).resolve().parent
CSV = HERE / "issue18.csv"
FIELDS = ["section", "code", "case", "metric", "value", "unit", "load_1min", "note"]


def load() -> float:
    return round(os.getloadavg()[0], 2)


def row(section, code, case, metric, value, unit, note="", ld=None) -> dict:
    return {"section": section, "code": code, "case": case, "metric": metric,
            "value": round(float(value), 4), "unit": unit, "load_1min": load() if ld is None else ld, "note": note}


# ----------------------------------------------------------------------------- full run

def full(code: str, jobs_list=(1, 2)) -> list[dict]:
    import xarray as xr
    rows = []
    for jobs in jobs_list:
        with tempfile.TemporaryDirectory() as tmp:
            ld = load()
            t0 = time.perf_counter()
            ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            before = ru0.ru_maxrss
            subprocess.run([sys.executable, "-m", "cge", "run", "--scenarios", "all", "--jobs", str(jobs),
                            "--out", tmp, "--quiet"], check=True, capture_output=True)
            wall = time.perf_counter() - t0
            ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            peak = ru1.ru_maxrss / 1024
            cpu = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
            with xr.open_dataset(Path(tmp) / "results.nc") as ds:
                solves = int((ds.ipopt_iterations > 0).sum())
                iters = float(ds.ipopt_iterations.sum())
                ipopt = float(ds.solve_seconds.sum())
        case = f"cge run --scenarios all --jobs {jobs}"
        rows += [row("full", code, case, "wall", wall, "s", ld=ld),
                 row("full", code, case, "cpu_seconds", cpu, "s", "user + system of every process (less sensitive to load)", ld=ld),
                 row("full", code, case, "solves", solves, "1", ld=ld),
                 row("full", code, case, "ipopt_iterations_per_solve", iters / max(solves, 1), "1", ld=ld),
                 row("full", code, case, "solve_seconds_per_solve", ipopt / max(solves, 1) * 1000, "ms",
                     "IPOPT incl. callbacks, summed over processes", ld=ld),
                 row("full", code, case, "peak_rss_largest_process", peak, "MiB",
                     "max over child processes so far" if before else "", ld=ld)]
        print(rows[-6:], flush=True)
    for end in (2025, 2060):          # peak memory of one process against the horizon
        with tempfile.TemporaryDirectory() as tmp:
            ld = load()
            probe = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True); "
                     "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
            out = subprocess.run([sys.executable, "-c", probe, sys.executable, "-m", "cge", "run", "--scenarios", "S1",
                                  "--end", str(end), "--jobs", "1", "--out", tmp, "--quiet"],
                                 check=True, capture_output=True, text=True)
        rows.append(row("full", code, f"cge run --scenarios S1 --end {end} --jobs 1", "peak_rss", int(out.stdout.split()[-1]) / 1024,
                        "MiB", "one process: baseline then S1", ld=ld))
        print(rows[-1], flush=True)
    return rows


# ----------------------------------------------------------------------------- per-solve split

class _Timer:
    """Time spent in the NLP callbacks: those of the problem class IPOPT calls, or PyNumero's
    constraint and Jacobian evaluations Newton's method calls (the outermost call only)."""

    NLP_METHODS = ("evaluate_constraints", "evaluate_jacobian")

    def __init__(self) -> None:
        self.seconds = 0.0
        self.depth = 0

    def _timed(self, orig):
        timer = self

        def f(obj, *a, **k):
            timer.depth += 1
            t = time.perf_counter()
            try:
                return orig(obj, *a, **k)
            finally:
                timer.depth -= 1
                if timer.depth == 0:
                    timer.seconds += time.perf_counter() - t
        return f

    def wrap(self, cls):
        names = ("objective", "gradient", "constraints", "jacobian", "hessian", "jacobianstructure", "hessianstructure")
        return type(f"Timed{cls.__name__}", (cls,), {n: self._timed(getattr(cls, n)) for n in names})

    def patch_nlp(self):
        """Time PyNumero's evaluations (Newton's callbacks); returns a function that undoes it."""
        from pyomo.contrib.pynumero.interfaces.pyomo_nlp import PyomoNLP
        saved = {n: PyomoNLP.__dict__.get(n) for n in self.NLP_METHODS}
        for n in self.NLP_METHODS:
            setattr(PyomoNLP, n, self._timed(getattr(PyomoNLP, n)))

        def undo():
            for n, f in saved.items():
                if f is None:
                    delattr(PyomoNLP, n)
                else:
                    setattr(PyomoNLP, n, f)
        return undo


def split_run(scenario: str, end: int, variant: dict, base=None, bx=None):
    """(per-solve dict, dataset) of one run with the solver options of ``variant``."""
    from cge import dynamics, solve
    from cge.dynamics import DynamicRun
    from cge.scenarios import load_scenario
    timer = _Timer()
    orig_unscaled = solve._unscaled
    saved = {k: getattr(solve, k) for k in ("SQUARE_OPTIONS", "_zero_hessian", "NEWTON", "NEWTON_HOMOTOPY_STEPS")
             if hasattr(solve, k)}
    saved_ext = getattr(dynamics, "EXTRAPOLATE", None)
    undo = timer.patch_nlp() if hasattr(solve, "NEWTON") else (lambda: None)
    try:
        if variant.get("no_newton") and hasattr(solve, "NEWTON"):
            solve.NEWTON = False
        if "newton_homotopy" in variant and hasattr(solve, "NEWTON_HOMOTOPY_STEPS"):
            solve.NEWTON_HOMOTOPY_STEPS = variant["newton_homotopy"]
        if hasattr(solve, "SQUARE_OPTIONS"):
            solve.SQUARE_OPTIONS = {**{k: v for k, v in solve.SQUARE_OPTIONS.items() if k not in variant.get("drop", ())},
                                    **variant.get("add", {})}
        if variant.get("exact_hessian") and hasattr(solve, "_zero_hessian"):
            solve._zero_hessian = lambda cls: cls
        if saved_ext is not None and variant.get("no_extrapolation"):
            dynamics.EXTRAPOLATE = False
        if hasattr(solve, "_zero_hessian"):
            zh = solve._zero_hessian
            solve._zero_hessian = lambda cls: timer.wrap(zh(cls))
        else:
            solve._unscaled = lambda cls: timer.wrap(orig_unscaled(cls))
        run = DynamicRun(load_scenario(scenario), baseline=base, baseline_x=bx)
        if variant.get("fresh_factorisation"):
            run.model.keep_factorisation = False
        bxs: dict = {}
        t0 = time.perf_counter()
        ds = run.run(range(2017, end + 1), on_year=lambda r, st: bxs.__setitem__(st.year, st.x))
        wall = time.perf_counter() - t0
    finally:
        undo()
        solve._unscaled = orig_unscaled
        for k, v in saved.items():
            setattr(solve, k, v)
        if saved_ext is not None:
            dynamics.EXTRAPOLATE = saved_ext
    solved = ds.ipopt_iterations.values > 0
    n = int(solved.sum())
    ipopt_total = float(ds.solve_seconds.sum())
    out = {"solves": n, "iterations": float(ds.ipopt_iterations.sum()) / n,
           "wall_ms": wall / n * 1000, "ipopt_ms": (ipopt_total - timer.seconds) / n * 1000,
           "callbacks_ms": timer.seconds / n * 1000, "python_ms": (wall - ipopt_total) / n * 1000}
    return out, ds, bxs


VARIANTS = {   # name -> what is switched off (the rows that justify each option)
    "all options": {},
    "IPOPT only": {"no_newton": True},                     # Newton's method off: every solve by IPOPT
    "no Newton homotopy": {"newton_homotopy": ()},           # a failed Newton solve goes straight to IPOPT
    "no extrapolated start": {"no_extrapolation": True},
    "factorised afresh each year": {"fresh_factorisation": True},   # keep_factorisation off
    # IPOPT's options, measured where IPOPT solves every year
    "IPOPT only: exact Hessian": {"no_newton": True, "exact_hessian": True},
    "IPOPT only: MUMPS scaling on": {"no_newton": True, "drop": ("mumps_scaling",)},
    "IPOPT only: bound push 1e-8": {"no_newton": True, "add": {"bound_push": 1e-8, "bound_frac": 1e-8}},
}


def solve_split(code: str, end: int, variants: list[str]) -> list[dict]:
    rows = []
    base = bx = None
    for scen in ("baseline", "S4"):
        for name in variants:
            ld = load()
            case = f"{scen} 2017-{end}, {name}"
            try:
                res, ds, bxs = split_run(scen, end, VARIANTS[name], base, bx)
            except Exception as exc:  # noqa: BLE001 - an option that makes a year fail is a finding too
                why = " ".join(str(exc).split())[:160]
                rows.append(row("solve", code, case, "failed", 1, "1", why, ld=ld))
                print(case, "FAILED", why, flush=True)
                continue
            if scen == "baseline" and name == variants[0]:
                keep = (ds, bxs)
            rows += [row("solve", code, case, k, v, "ms" if k.endswith("_ms") else "1", ld=ld) for k, v in res.items()]
            print(case, res, flush=True)
        base, bx = keep
    return rows


# ----------------------------------------------------------------------------- sweeps



def sweeps(code: str) -> list[dict]:
    import logging
    from cge import runner
    from cge import sweep as sw
    logging.getLogger("distributed").setLevel(logging.ERROR)
    rows = []
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            (out / "spec.toml").write_text(SPEC)
            runner.run_one("baseline", 2017, 2060, out / "o" / "baseline", resume=False)   # shared, not timed
            ld = load()
            t0 = time.perf_counter()
            ds = sw.sweep(out / "spec.toml", out / "o", workers=workers, resume=True, progress=False)
            secs = time.perf_counter() - t0
            assert (ds.status == "ok").all()
        case = f"8-point price grid 2017-2060, {workers} Dask worker(s)"
        rows += [row("sweep", code, case, "runs_per_minute", ds.sizes["run"] / secs * 60, "1/min",
                     "incl. cluster start-up", ld=ld),
                 row("sweep", code, case, "wall", secs, "s", ld=ld)]
        print(rows[-2:], flush=True)
    return rows


# ----------------------------------------------------------------------------- scaling

def resized_sam(n_target: int):
    """(SAM, CO2, process CO2, sector groups, consumption categories or None for the shipped ones)
    with about ``n_target`` sectors: non-energy sectors
    merged in SAM order (fewer) or each split into equal-valued parts (more); energy sectors kept."""
    import numpy as np
    import pandas as pd

    import calibration as C
    import sam as samlib
    S = samlib.load_sam()
    co2, proc = samlib.load_co2(), samlib.load_process_co2()
    groups = C.load_sector_groups()
    sectors = samlib.sectors_of(S)
    role = C.core.load_roles(sectors)
    plain = [s for s in sectors if role[s] == ""]
    n_energy = len(sectors) - len(plain)
    want = n_target - n_energy
    if want <= len(plain):            # merge: consecutive groups of plain sectors
        parts = np.array_split(np.arange(len(plain)), want)
        to = {s: plain[p[0]] for p in parts for s in (plain[k] for k in p)}
        amap = {acc: acc for acc in S.index}
        for s, t in to.items():
            amap[f"a_{s}"], amap[f"c_{s}"] = f"a_{t}", f"c_{t}"
        S2 = S.groupby(lambda r: amap[r]).sum().T.groupby(lambda r: amap[r]).sum().T
        order = [a for a in S.index if amap[a] == a]
        S2 = S2.loc[order, order]
        smap = {s: to.get(s, s) for s in sectors}
        co2b = co2.T.groupby(lambda c: smap.get(c, c)).sum().T        # rows: fuels (energy, kept)
        keep = [s for s in sectors if smap[s] == s]
        co2b = co2b[keep + [c for c in co2.columns if c not in sectors]]
        return S2, co2b, proc.groupby(lambda r: smap[r]).sum().loc[keep], groups, None
    # split: plain sector s into k parts with equal shares (the first keeps the code)
    k_of = {s: 1 for s in plain}
    extra = want - len(plain)
    for i in range(extra):
        k_of[plain[i % len(plain)]] += 1
    count = iter(range(1000))
    names = {s: [s] + [f"Z{next(count):03d}" for _ in range(k_of[s] - 1)] for s in plain}
    acc = list(S.index)
    w: dict[str, list[tuple[str, float]]] = {a: [(a, 1.0)] for a in acc}
    for s, parts in names.items():
        share = 1.0 / len(parts)
        w[f"a_{s}"] = [(f"a_{p}", share) for p in parts]
        w[f"c_{s}"] = [(f"c_{p}", share) for p in parts]
    new = [x for a in acc for x, _ in w[a]]
    M = pd.DataFrame(0.0, index=new, columns=acc)       # new account x old account weights
    for a in acc:
        for x, f in w[a]:
            M.loc[x, a] = f
    S2 = pd.DataFrame(M.to_numpy() @ S.to_numpy() @ M.to_numpy().T, index=new, columns=new)
    for s, parts in names.items():                      # each part makes only its own commodity
        if len(parts) > 1:
            v = float(S.loc[f"a_{s}", f"c_{s}"])
            for p in parts:
                for q in parts:
                    S2.loc[f"a_{p}", f"c_{q}"] = v / len(parts) if p == q else 0.0
    sec2 = [x[2:] for x in new if x.startswith("a_")]
    Ms = pd.DataFrame(0.0, index=sec2, columns=sectors)
    for s in sectors:
        for p in names.get(s, [s]):
            Ms.loc[p, s] = 1.0 / len(names.get(s, [s]))
    hh = [c for c in co2.columns if c not in sectors]
    co2f = co2[sectors].to_numpy() @ Ms.to_numpy().T                  # rows: fuels (energy, not split)
    co2b = pd.DataFrame(np.hstack([co2f, co2[hh].to_numpy()]), index=co2.index, columns=sec2 + hh)
    procb = pd.Series(Ms.to_numpy() @ proc.reindex(sectors).fillna(0.0).to_numpy(), index=sec2)
    g2 = pd.concat([groups, pd.Series({p: groups[s] for s, parts in names.items() for p in parts[1:]})])
    g2.attrs = groups.attrs
    cats = C.load_consumption_categories()               # a part consumes in its sector's category
    c2 = pd.concat([cats, pd.Series({p: cats[s] for s, parts in names.items() for p in parts[1:] if s in cats.index})])
    c2.attrs = cats.attrs
    return S2, co2b, procb, g2, c2


def scaling(code: str, sizes=(35, 65, 106, 147)) -> list[dict]:
    import statistics

    import calibration as C
    import cge
    rows = []
    for n, keep in [(n, keep) for n in sizes for keep in (True, False)]:
        S, co2, proc, groups, cats = resized_sam(n)
        cal = C.calibrate(S, None, co2, proc, groups, categories=cats)
        ld = load()
        model = cge.Model(cal)
        model.keep_factorisation = keep
        model.solve(0.0)
        walls, ipopt, iters = [], [], []
        parts, undo = _split_newton()
        try:
            for price in (25, 50, 75, 100, 125, 150):
                t = time.perf_counter()
                sol = model.solve(float(price))
                walls.append(time.perf_counter() - t)
                ipopt.append(sol.info.seconds)
                iters.append(sol.info.iterations)
        finally:
            undo()
        free = sum(1 for v in model.solver._vars if not v.fixed)
        case = f"{len(cal.sectors)} sectors, static warm re-solve" + ("" if keep else ", factorised afresh")
        new = [row("scaling", code, case, "solve_wall_median", statistics.median(walls) * 1000, "ms", ld=ld),
               row("scaling", code, case, "solve_ipopt_median", statistics.median(ipopt) * 1000, "ms", ld=ld),
               row("scaling", code, case, "iterations_mean", statistics.mean(iters), "1", ld=ld),
               row("scaling", code, case, "free_variables", free, "1", ld=ld)]
        spent = 0.0
        for name, (secs, calls) in parts.items():           # mean per solve of the six
            spent += secs
            new += [row("scaling", code, case, f"{name}_ms_per_solve", secs / 6 * 1000, "ms", f"{calls / 6:.1f} calls", ld=ld)]
        new.append(row("scaling", code, case, "other_ms_per_solve", (sum(walls) - spent) / 6 * 1000, "ms",
                       "Python: start values, bounds, writing the solution back, Newton's loop", ld=ld))
        rows += new
        print(new, flush=True)
    return rows


def _split_newton():
    """Time Newton's parts (factorisations with their Jacobian, residual evaluations, LU solves):
    ({part: [seconds, calls]}, a function that undoes the patches)."""
    from pyomo.contrib.pynumero.interfaces.pyomo_nlp import PyomoNLP

    from cge import solve as S_
    parts = {"factor": [0.0, 0], "jacobian": [0.0, 0], "residual": [0.0, 0], "lu_solve": [0.0, 0]}
    saved = [(S_.SparseLU, "factor", "factor"), (S_.SparseLU, "solve", "lu_solve"),
             (PyomoNLP, "evaluate_constraints", "residual"), (PyomoNLP, "evaluate_jacobian", "jacobian")]
    originals = [(cls, name, cls.__dict__.get(name)) for cls, name, _ in saved]

    def timed(orig, part):
        def f(*a, **k):
            t = time.perf_counter()
            try:
                return orig(*a, **k)
            finally:
                parts[part][0] += time.perf_counter() - t
                parts[part][1] += 1
        return f
    for cls, name, part in saved:
        setattr(cls, name, timed(getattr(cls, name), part))

    def undo():
        for cls, name, f in originals:
            if f is None:
                delattr(cls, name)
            else:
                setattr(cls, name, f)
    return parts, undo


def lu(code: str, sizes=(35, 65, 106, 147)) -> list[dict]:
    """Newton's LU at the benchmark solution plus 100 yuan/t: one factorisation (median of 5) and one
    solve with KLU (through cge.klu, and its refactorisation; through kvxopt.klu) and with SuperLU,
    by number of sectors."""
    import statistics

    import calibration as C
    import cge
    from cge import solve as S_
    rows = []
    for n in sizes:
        S, co2, proc, groups, cats = resized_sam(n)
        cal = C.calibrate(S, None, co2, proc, groups, categories=cats)
        model = cge.Model(cal)
        model.solve(0.0)
        model.solve(100.0)
        sv = model.solver
        nlp = sv._nlp
        data = nlp.evaluate_jacobian().data[sv._jac_keep][sv._lu_mask]     # Newton factorises the nonzeros
        rc = sv._sparse_lu._rc
        nfree = sv._sparse_lu.n
        case = f"{len(cal.sectors)} sectors, {nfree} free variables, {data.size} Jacobian entries"
        ld = load()
        if sv._sparse_lu.backend == "klu":                   # KLU's operation count at this point
            k = S_.SparseLU(*rc, nfree, backend="klu")
            k.factor(data)
            rows.append(row("lu", code, case, "factor_flops_klu", k._klu.flops(), "1", "KLU's count", ld=ld))
        for backend in ("klu", "kvxopt", "superlu"):
            lu_ = S_.SparseLU(*rc, nfree, backend=backend)
            times = []
            for _ in range(5):
                t = time.perf_counter()
                lu_.factor(data)
                times.append(time.perf_counter() - t)
            if lu_.backend == "klu":                     # Newton's later factorisations in a solve
                again = []
                for _ in range(5):
                    t = time.perf_counter()
                    lu_.factor(data, reuse=True)
                    again.append(time.perf_counter() - t)
                rows.append(row("lu", code, case, "refactor_median_klu", statistics.median(again) * 1000, "ms",
                                "klu_refactor: the first factorisation's pivot order", ld=ld))
            b = np.ones(nfree)
            t = time.perf_counter()
            x = lu_.solve(b)
            ts = time.perf_counter() - t
            res = float(np.max(np.abs(np.bincount(rc[0], weights=data * x[rc[1]], minlength=nfree) - b)))
            rows += [row("lu", code, case, f"factor_median_{lu_.backend}", statistics.median(times) * 1000, "ms", ld=ld),
                     row("lu", code, case, f"solve_{lu_.backend}", ts * 1000, "ms", f"residual {res:.1e}", ld=ld)]
        print(rows[-4:], flush=True)
    return rows


# ----------------------------------------------------------------------------- main

def write(rows: list[dict], sections: set[str], code: str) -> None:
    old = []
    if CSV.exists():
        with open(CSV, newline="") as f:
            old = [r for r in csv.DictReader(f) if not (r["section"] in sections and r["code"] == code)]
    with open(CSV, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        w.writeheader()
        for r in old + rows:
            w.writerow(r)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="full,solve,sweep,scaling")
    ap.add_argument("--src", default=None, help="another source tree (PYTHONPATH) for full, solve and scaling")
    ap.add_argument("--label", default="issue18")
    ap.add_argument("--end", type=int, default=2060)
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    sections = set(a.only.split(","))
    if a.src:
        env = {**os.environ, "PYTHONPATH": str(Path(a.src).resolve())}
        out = subprocess.run([sys.executable, __file__, "--only", a.only, "--label", a.label, "--end", str(a.end),
                              "--variants", "all options", "--json"], env=env, check=True, capture_output=True, text=True,
                             cwd=a.src)
        rows = [json.loads(x) for x in out.stdout.splitlines() if x.startswith("{")]
        write(rows, sections, a.label)
        return
    import cge  # noqa: F401  (sets PYOMO_CONFIG_DIR)
    rows = []
    variants = a.variants.split(",")
    steps = {"full": lambda: full(a.label, (2,) if a.json else (1, 2)), "solve": lambda: solve_split(a.label, a.end, variants),
             "sweep": lambda: sweeps(a.label), "scaling": lambda: scaling(a.label), "lu": lambda: lu(a.label)}
    for name, step in steps.items():
        if name not in sections:
            continue
        new = step()
        rows += new
        if not a.json:
            write(new, {name}, a.label)          # each section as soon as it is measured
    if a.json:
        for r in rows:
            print(json.dumps(r))


if __name__ == "__main__":
    main()
