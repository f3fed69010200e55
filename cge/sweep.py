"""``cge sweep SPEC.toml``: scenario sweeps and systematic sensitivity analysis on Dask.

A sweep spec (TOML, validated with pydantic; see ``scenarios/sweeps/``) defines a design over

* the carbon-price path: ``start_price`` (yuan/t CO2, 2017 prices), ``growth`` (yuan per year)
  or ``end_price`` (the 2060 price), ``start_year``;
* revenue ``recycling`` (lump_sum | ptax | gov);
* elasticity groups: a parameter of ``calibration/data/elasticities.csv`` (sigma_kel, sigma_ke,
  sigma_arm, ...); a draw ``u`` in [0, 1] sets every row of that parameter to
  ``low + u (high - low)`` (the file's sourced ranges); absent -> the file's central value.

Designs: ``grid`` (every combination of the listed levels), ``random`` (``n`` draws, seeded),
``oat`` (one at a time: the central point, then each elasticity group at its low and high end)
and ``sobol`` (Saltelli sampling with SALib, ``n`` base samples, for variance-based indices).

Each run is a full recursive-dynamic solve (baseline + policy; the baseline is shared when no
elasticity moves) executed as a Dask task on a local cluster (``--workers N``) or an existing
scheduler (``--scheduler ADDRESS``). The client writes ``<out>/runs/<run>.nc`` atomically as each
run finishes (or ``<run>.failed.json`` with the year, IPOPT status and residuals) and combines
them into ``<out>/sweep.nc``: dimensions ``run``, ``case`` (baseline, policy), ``year``,
``sector``, with the design parameters as coordinates along ``run``. ``--resume`` skips runs that
already have a file, as long as the inputs key in ``design.json`` (template and baseline files,
elasticity file, horizon, data folders, code) is unchanged; otherwise every run is redone. Analyses (bands, tornado, Sobol indices, MAC curves) are derived from
``sweep.nc`` by :mod:`cge.ssa`.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import time
from pathlib import Path
from typing import Literal

import numpy as np
import xarray as xr
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sam.errors import InputError

from .files import read_toml, validated

log = logging.getLogger("cge.sweep")
KEEP = ["carbon_price", "co2", "co2_sector", "co2_household", "gdp", "output", "investment", "consumption",
        "exports", "imports", "employment", "carbon_revenue", "ipopt_iterations"]
PRICE_KEYS = ("start_price", "growth", "end_price", "start_year")
HORIZON_END = 2060
SCHEDULER_TIMEOUT = "10s"     # connecting to --scheduler
LOOPBACK = "127.0.0.1"
# local workers are forked from this process (where fork exists): they start with its imports, its
# calibration and the model it built (e.g. for the baseline), instead of importing and building
# again (8 price points on 2 workers in 21.7 instead of 32.0 s, both under load 2.5); Python may
# print "Exception ignored in _after_fork" from a worker (the parent has Dask's threads): harmless.
# $CGE_SWEEP_WORKER_START=spawn (or LOCAL_WORKER_START = "spawn") restores Dask's default
LOCAL_WORKER_START = os.environ.get("CGE_SWEEP_WORKER_START", "fork")


class SweepFailed(RuntimeError):
    """No run of a sweep succeeded (nothing to combine)."""


class Range(BaseModel):
    """A continuous axis: uniform between ``low`` and ``high``."""

    model_config = ConfigDict(extra="forbid")
    low: float
    high: float

    @model_validator(mode="after")
    def _order(self) -> "Range":
        if self.high < self.low:
            raise ValueError(f"high {self.high} is below low {self.low}")
        return self


Axis = list[float] | Range


class SweepSpec(BaseModel):
    """A sweep design (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    description: str = ""
    design: Literal["grid", "random", "oat", "sobol"] = "grid"
    n: int | None = Field(default=None, ge=1, description="random: draws; sobol: base samples")
    seed: int = 0
    start: int = 2017
    end: int = HORIZON_END
    template: str = "S4"
    elasticity_file: str | None = None
    price: dict[str, Axis] = Field(default_factory=dict)
    recycling: list[Literal["lump_sum", "ptax", "gov"]] | None = None
    elasticities: dict[str, list[float] | Range | Literal["range"]] = Field(default_factory=dict)
    path: str = ""

    @field_validator("price")
    @classmethod
    def _price_keys(cls, v: dict) -> dict:
        bad = [k for k in v if k not in PRICE_KEYS]
        if bad:
            raise ValueError(f"unknown price parameter(s) {bad}; known: {list(PRICE_KEYS)}")
        if "growth" in v and "end_price" in v:
            raise ValueError("give growth or end_price, not both")
        if "start_price" not in v:
            raise ValueError("start_price is required")
        for k, ax in v.items():
            vals = ax if isinstance(ax, list) else [ax.low, ax.high]
            if not vals:
                raise ValueError(f"{k}: empty list")
            if k != "growth" and min(vals) < 0:
                raise ValueError(f"{k}: negative value {min(vals)}")
        return v

    @model_validator(mode="after")
    def _design(self) -> "SweepSpec":
        axes = list(self.price.values()) + [a for a in self.elasticities.values() if a != "range"]
        if self.design == "grid" and (any(isinstance(a, Range) for a in axes) or "range" in self.elasticities.values()):
            raise ValueError("a grid design takes lists of levels, not ranges")
        if self.design in ("random", "sobol") and self.n is None:
            raise ValueError(f"design {self.design} needs n")
        if self.design == "oat" and not self.elasticities:
            raise ValueError("design oat needs elasticity groups")
        for k, a in self.elasticities.items():
            us = a if isinstance(a, list) else ([a.low, a.high] if isinstance(a, Range) else [0, 1])
            if any(u < 0 or u > 1 for u in us):
                raise ValueError(f"elasticities.{k}: quantiles must be in [0, 1]")
        if not 2017 < self.end <= HORIZON_END:
            raise ValueError(f"end {self.end} outside 2018-{HORIZON_END}")
        return self


def load_spec(path: str | Path) -> SweepSpec:
    """Read and validate a sweep spec (a path, or the name of a shipped spec such as
    ``price_grid``); errors name the file and the field."""
    p = Path(path)
    if not p.exists() and not p.suffix:
        from .paths import sweep_dir
        p = sweep_dir() / f"{p.name}.toml"
    if not p.exists():
        raise InputError(f"sweep spec {p}: no such file")
    spec = validated(SweepSpec, read_toml(p), p)
    import calibration
    known = set(calibration.load_elasticities()["parameter"])
    for k in spec.elasticities:
        if k not in known:
            raise InputError(f"{p}: field elasticities.{k}: unknown parameter (known: {sorted(known)})")
    if spec.elasticity_file:
        ef = Path(spec.elasticity_file)
        ef = ef if ef.is_absolute() else (p.parent / ef)
        try:
            calibration.load_elasticities(ef)
        except (InputError, OSError) as exc:
            raise InputError(f"{p}: field elasticity_file: {exc}") from exc
        spec.elasticity_file = str(ef.resolve())
    from .scenarios import load_scenario
    try:
        load_scenario(spec.template)
    except InputError as exc:
        raise InputError(f"{p}: field template: {exc}") from exc
    return spec


# ----------------------------------------------------------------------------- design points


def _levels(ax: Axis, u: float) -> float:
    """Value of a continuous axis at quantile ``u`` (a list axis: the level ``u`` picks)."""
    if isinstance(ax, Range):
        return ax.low + u * (ax.high - ax.low)
    return float(ax[min(int(u * len(ax)), len(ax) - 1)])


def design_points(spec: SweepSpec) -> list[dict]:
    """The design as a list of points: price parameters, recycling and elasticity quantiles (``el_<param>``)."""
    price_axes = dict(spec.price)
    el_axes = {f"el_{k}": (a if a != "range" else Range(low=0.0, high=1.0)) for k, a in spec.elasticities.items()}
    rec = spec.recycling or [None]
    if spec.design == "grid":
        names = list(price_axes) + list(el_axes)
        levels = [price_axes[k] if k in price_axes else el_axes[k] for k in names]
        pts = [dict(zip(names, combo)) for combo in itertools.product(*levels)]
        pts = [{**p, "recycling": r} for p in pts for r in rec]
    elif spec.design == "random":
        rng = np.random.default_rng(spec.seed)
        axes = {**price_axes, **el_axes}
        pts = []
        for _ in range(spec.n):
            p = {k: _levels(a, rng.random()) for k, a in axes.items()}
            p["recycling"] = rec[int(rng.integers(len(rec)))]
            pts.append(p)
    elif spec.design == "oat":
        centre = {k: _levels(a, 0.5) if isinstance(a, Range) else float(a[0]) for k, a in price_axes.items()}
        pts = [{**centre, "recycling": rec[0]}]
        for k in el_axes:
            for u in (0.0, 1.0):
                pts.append({**centre, "recycling": rec[0], k: u})
    else:   # sobol
        from SALib.sample import sobol as sobol_sample
        problem = sobol_problem(spec)
        X = sobol_sample.sample(problem, spec.n, calc_second_order=False, seed=spec.seed)
        pts = [{**dict(zip(problem["names"], map(float, row))), "recycling": rec[0]} for row in X]
        fixed = {k: float(a[0]) for k, a in price_axes.items() if isinstance(a, list)}
        pts = [{**fixed, **p} for p in pts]
    for i, p in enumerate(pts):
        p.setdefault("start_year", 2022)
        if p.get("recycling") is None:
            p.pop("recycling", None)
        p["run"] = run_name(p, spec, i)
    return pts


def sobol_problem(spec: SweepSpec) -> dict:
    """The SALib problem: every continuous axis (price ranges and elasticity groups)."""
    names, bounds = [], []
    for k, a in spec.price.items():
        if isinstance(a, Range):
            names.append(k)
            bounds.append([a.low, a.high])
    for k, a in spec.elasticities.items():
        r = a if isinstance(a, Range) else Range(low=0.0, high=1.0)
        names.append(f"el_{k}")
        bounds.append([r.low, r.high])
    return {"num_vars": len(names), "names": names, "bounds": bounds}


SHORT = {"start_price": "p", "growth": "g", "end_price": "e", "start_year": "y"}


def _num(x: float, digits: int = 2) -> str:
    """A number for a file name: ``12.5`` -> ``12p5``, ``100.0`` -> ``100``, ``-3`` -> ``m3``."""
    s = f"{round(float(x), digits):g}".replace("-", "m").replace(".", "p")
    return s


def run_name(p: dict, spec: "SweepSpec", index: int) -> str:
    """A readable, stable name for a design point, built from its parameters.

    grid: ``p100_g10[_ptax][_sigma_ke0p5]`` (the axes that vary: p start price, g growth, e end
    price, y start year); oat: ``central``, ``sigma_ke-low``, ``sigma_ke-high``; random and sobol:
    ``draw007_p112_g8p4`` (index first, so names stay unique and sort in draw order; with more
    than three axes only ``draw007``, the values being coordinates of sweep.nc)."""
    if spec.design == "oat":
        moved = [k for k in p if k.startswith("el_")]
        return "central" if not moved else f"{moved[0][3:]}-{'low' if p[moved[0]] == 0.0 else 'high'}"
    varying = {k for k, a in spec.price.items() if isinstance(a, Range) or len(a) > 1}
    parts = [f"{SHORT.get(k, k)}{_num(p[k], 0 if k in ('start_price', 'end_price', 'start_year') else 2)}"
             for k in ("start_price", "growth", "end_price", "start_year") if k in p and k in varying]
    if spec.recycling and len(spec.recycling) > 1 and "recycling" in p:
        parts.append(str(p["recycling"]))
    parts += [f"{k[3:]}{_num(v)}" for k, v in p.items() if k.startswith("el_")]
    if spec.design in ("random", "sobol"):
        parts = [f"draw{index:03d}"] + (parts if len(parts) <= 3 else [])   # many axes: see sweep.nc's coordinates
    return "_".join(parts) or f"run{index:03d}"


def point_scenario(p: dict, template: str, end: int = HORIZON_END):
    """The policy :class:`~cge.scenarios.Scenario` of a design point (anchors at the start year and 2060)."""
    from .scenarios import Scenario, load_scenario
    t = load_scenario(template)
    y0, p0 = int(round(p["start_year"])), float(p["start_price"])
    if "end_price" in p:
        p1 = float(p["end_price"])
    else:
        p1 = p0 + float(p.get("growth", 0.0)) * (HORIZON_END - y0)
    if p1 < 0:
        raise InputError(f"run {p['run']}: the price path ends below zero ({p1:g} in {HORIZON_END})")
    anchors = {y0: p0} if y0 == HORIZON_END else {y0: p0, HORIZON_END: p1}
    return Scenario(name=p["run"], description=f"sweep point {p}", kind="policy", carbon_price=anchors,
                    interpolation="linear", start_year=y0, recycling=p.get("recycling", t.recycling),
                    covered=t.covered, closure=t.closure, shocks=t.shocks)


def point_elasticities(p: dict, elasticity_file: str | None = None):
    """The elasticity table of a design point (None when it is the shipped file at its central values)."""
    moved = {k[3:]: float(v) for k, v in p.items() if k.startswith("el_")}
    if not moved and not elasticity_file:
        return None
    import calibration
    el = calibration.load_elasticities(elasticity_file).copy()
    for param, u in moved.items():
        rows = el["parameter"] == param
        lo, hi = el.loc[rows, "low"].fillna(el.loc[rows, "value"]), el.loc[rows, "high"].fillna(el.loc[rows, "value"])
        el.loc[rows, "value"] = lo + u * (hi - lo)
    return el


# ----------------------------------------------------------------------------- one run (a Dask task)


def run_point(p: dict, template: str, start: int, end: int, baseline=None, baseline_x=None,
              elasticity_file: str | None = None) -> xr.Dataset:
    """Solve one design point: its own baseline when elasticities move, then the policy path.

    Returns the kept variables with a ``case`` dimension (baseline, policy); raises on failure
    (the message names the run, year, IPOPT status and worst residuals)."""
    from .dynamics import DynamicRun, ScenarioFailed
    from .scenarios import SCENARIO_DIR, load_scenario
    years = range(start, end + 1)
    el = point_elasticities(p, elasticity_file)
    cal = None
    if el is not None:
        cal = _calibration(el)
    try:
        if el is not None or baseline is None:
            brun = DynamicRun(load_scenario(SCENARIO_DIR / "baseline.toml"), cal=cal, reuse=True)
            bx: dict[int, np.ndarray] = {}
            baseline = brun.run(years, on_year=lambda ds, st: bx.__setitem__(st.year, st.x))
            baseline_x = bx
        prun = DynamicRun(point_scenario(p, template, end), cal=cal, baseline=baseline, baseline_x=baseline_x,
                          reuse=True)
        policy = prun.run(years)
    except ScenarioFailed as exc:
        raise ScenarioFailed(f"run {p['run']}: {exc}") from exc
    keep = [v for v in KEEP if v in policy]
    both = xr.concat([baseline[keep].sel(year=list(years)), policy[keep]], dim="case", coords="minimal",
                     compat="override", join="override")
    both = both.assign_coords(case=["baseline", "policy"])
    both.attrs = {}
    return both


_LAST_CAL: dict = {}     # a worker's last elasticity table (hash) and its calibration


def _calibration(el):
    """The calibration for elasticity table ``el``: the same object as for the worker's previous
    point when the table is the same (so its built model is reused), else calibrated now."""
    import calibration
    import pandas as pd
    key = hashlib.sha256(pd.util.hash_pandas_object(el, index=True).to_numpy().tobytes()).hexdigest()
    if _LAST_CAL.get("key") != key:
        _LAST_CAL.clear()
        _LAST_CAL.update(key=key, cal=calibration.calibrate(elasticities=el))
    return _LAST_CAL["cal"]


def _task(p: dict, template: str, start: int, end: int, baseline=None, baseline_x=None,
          elasticity_file: str | None = None) -> tuple[str, xr.Dataset | str]:
    """Dask task: (run, dataset) on success, (run, error message) on failure (never raises)."""
    import logging as _logging
    _logging.getLogger("cyipopt").setLevel(_logging.WARNING)
    try:
        return p["run"], run_point(p, template, start, end, baseline, baseline_x, elasticity_file)
    except Exception as exc:  # noqa: BLE001 - recorded per run, the sweep goes on
        return p["run"], f"{type(exc).__name__}: {exc}"


# ----------------------------------------------------------------------------- the sweep


def _forget_dead_clients() -> None:
    """Drop clients that are not running from distributed's registry of default clients (a private
    registry: if its layout changes this does nothing)."""
    try:
        from distributed import client as dc
        for key, c in list(dc._global_clients.items()):
            if getattr(c, "status", "") != "running":           # the failed one stays "connecting"
                del dc._global_clients[key]
    except Exception:  # noqa: BLE001 - best effort
        pass


def _client(workers: int, scheduler: str | None):
    """A Dask client: an existing scheduler, or a local cluster of ``workers`` single-threaded processes."""
    from dask.distributed import Client, LocalCluster
    if scheduler:
        import dask
        before = dask.config.get("scheduler", None)
        try:
            return Client(scheduler, timeout=SCHEDULER_TIMEOUT), None
        except (OSError, ValueError, TypeError) as exc:   # TimeoutError is an OSError
            # a client that never connected still set itself as dask's scheduler and the process's
            # default client: every later xarray write in this process would look for it
            dask.config.set(scheduler=before)
            _forget_dead_clients()
            raise InputError(f"--scheduler {scheduler!r}: cannot connect ({type(exc).__name__}: {exc}); "
                             "give the address of a running Dask scheduler, e.g. tcp://host:8786") from exc
    # the scheduler and its dashboard listen on the loopback interface only
    import dask
    import multiprocessing as mp
    method = LOCAL_WORKER_START if LOCAL_WORKER_START in mp.get_all_start_methods() else "spawn"
    if method == "fork":
        _forked_workers_watch(os.getpid())
    try:
        with dask.config.set({"distributed.worker.multiprocessing-method": method}):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host=LOOPBACK,
                                   dashboard_address=f"{LOOPBACK}:0", silence_logs=logging.ERROR)
    except BaseException:
        _forked_workers_watch(None)
        raise
    return Client(cluster), cluster


# Dask ends a worker whose parent dies through a pipe whose write end only the parent should hold.
# Forked workers inherit each other's write ends when their nannies create both pipes before either
# forks; then a SIGKILLed `cge sweep` leaves both workers running, each holding the other's pipe.
# So a worker forked by this process also polls its parent (runner.watch_parent; not PR_SET_PDEATHSIG,
# which follows the forking thread, here a helper thread of Dask's AsyncProcess, not the process).
_WATCHED_PARENT: int | None = None     # the pid whose forked children watch it; None: no watch
_FORK_HOOK = False                      # os.register_at_fork cannot be undone: register once


def _forked_workers_watch(parent: int | None) -> None:
    """Make every child this process forks from now on end when ``parent`` (this process) ends;
    None: stop (after the local cluster closed)."""
    global _WATCHED_PARENT, _FORK_HOOK
    _WATCHED_PARENT = parent
    if parent is not None and not _FORK_HOOK:
        os.register_at_fork(after_in_child=_after_fork_in_child)
        _FORK_HOOK = True


def _after_fork_in_child() -> None:
    """In a freshly forked child: watch the parent if it asked for that (not the child's own children)."""
    global _WATCHED_PARENT
    parent, _WATCHED_PARENT = _WATCHED_PARENT, None
    if parent is not None and parent == os.getppid():
        from .runner import watch_parent
        watch_parent(parent)


def sweep(spec: SweepSpec | str | Path, out: str | Path | None = None, workers: int = 2,
          scheduler: str | None = None, resume: bool = False, end: int | None = None,
          progress: bool = True) -> xr.Dataset:
    """Run every design point of ``spec`` on Dask; write ``<out>/runs/*`` and ``<out>/sweep.nc``; return it."""
    spec = spec if isinstance(spec, SweepSpec) else load_spec(spec)
    end = end or spec.end
    if not spec.start < end <= HORIZON_END:
        raise InputError(f"--end {end}: must be in {spec.start + 1}..{HORIZON_END}")
    if scheduler is None and workers < 1:
        raise InputError(f"--workers {workers}: a local cluster needs at least 1 worker (or give --scheduler)")
    out = Path(out) if out else Path("results") / "sweeps" / spec.name
    from .store import lock
    with lock(out, "cge sweep --out"):
        return _sweep_locked(spec, out, workers, scheduler, resume, end, progress)


def _sweep_locked(spec: SweepSpec, out: Path, workers: int, scheduler: str | None, resume: bool, end: int,
                  progress: bool) -> xr.Dataset:
    """The body of :func:`sweep`, with the output folder's lock held."""
    from .runner import _atomic, write_netcdf
    runs = out / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    pts = design_points(spec)
    key = inputs_key(spec, end)
    if resume and _stored_key(out) not in (None, key):
        log.info("sweep %s: inputs changed since the stored runs (template, elasticities, data or code): "
                 "recomputing every run", spec.name)
        resume = False
    todo = [p for p in pts if not (resume and ((runs / f"{p['run']}.nc").exists() or (runs / f"{p['run']}.failed.json").exists()))]
    client, cluster = _client(workers, scheduler) if todo else (None, None)   # a bad scheduler fails before any change
    try:
        _atomic(out / "design.json", lambda tmp: Path(tmp).write_text(json.dumps(
            {"spec": spec.model_dump(mode="json"), "end": end, "inputs_key": key, "points": pts}, indent=1)))
        _run_todo(client, spec, out, todo, end, progress)
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            try:
                cluster.close()
            finally:
                _forked_workers_watch(None)
    ds = combine(out, pts, spec)
    write_netcdf(ds, out / "sweep.nc")
    return ds


def inputs_key(spec: SweepSpec, end: int) -> str:
    """Hash of what the runs of a sweep depend on besides their design point: the template and
    baseline scenario files, the elasticity file, the horizon, the data folders and the code."""
    from . import store
    from .scenarios import SCENARIO_DIR, load_scenario
    h = hashlib.sha256(f"{store.common_key()}\0{spec.start}\0{end}\0".encode())
    files = [Path(load_scenario(spec.template).path), SCENARIO_DIR / "baseline.toml"]
    files += [Path(spec.elasticity_file)] if spec.elasticity_file else []
    for f in files:
        h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def _stored_key(out: Path) -> str | None:
    """The ``inputs_key`` of an earlier sweep in ``out`` ("" when unreadable or absent from it)."""
    p = Path(out) / "design.json"
    if not p.exists():
        return None
    try:
        return str(json.loads(p.read_text()).get("inputs_key", ""))
    except (ValueError, OSError, AttributeError):
        return ""


def _run_todo(client, spec: SweepSpec, out: Path, todo: list[dict], end: int, progress: bool) -> None:
    """Solve the design points ``todo`` on ``client``, writing each run's file as it finishes."""
    from .runner import _atomic, load_baseline, run_one, write_netcdf
    runs = out / "runs"
    for p in todo:                                   # a rerun replaces any earlier result of its point
        for f in (runs / f"{p['run']}.nc", runs / f"{p['run']}.failed.json"):
            f.unlink(missing_ok=True)
    log.info("sweep %s: %d to do", spec.name, len(todo))
    base = base_x = None
    if any(point_elasticities(p, spec.elasticity_file) is None for p in todo):
        run_one("baseline", spec.start, end, out / "baseline", resume=True, read_back=False)
        base, base_x = load_baseline(out / "baseline", spec.start, end)
    t0 = time.perf_counter()
    if not todo:
        return
    from dask.distributed import as_completed
    fb = client.scatter(base, broadcast=True) if base is not None else None
    fx = client.scatter(base_x, broadcast=True) if base_x is not None else None
    futs = [client.submit(_task, p, spec.template, spec.start, end, fb, fx, spec.elasticity_file,
                          pure=False, key=f"run-{p['run']}")
            for p in todo]
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=len(futs), unit="run", desc=f"sweep {spec.name}", dynamic_ncols=True)
    for fut in as_completed(futs):
        name, res = fut.result()
        if isinstance(res, str):
            _atomic(runs / f"{name}.failed.json", lambda tmp: Path(tmp).write_text(json.dumps({"run": name, "error": res})))
            log.warning("run %s failed: %s", name, res)
        else:
            write_netcdf(res, runs / f"{name}.nc")
        if bar is not None:
            bar.update(1)
            bar.set_postfix_str(f"{name} {'FAILED' if isinstance(res, str) else 'ok'}")
    if bar is not None:
        bar.close()
    log.info("sweep %s: %d runs in %.1f s", spec.name, len(todo), time.perf_counter() - t0)


def combine(out: Path, pts: list[dict], spec: SweepSpec) -> xr.Dataset:
    """Stack the run files into one Dataset with a ``run`` dimension, the design as coordinates,
    and ``status`` / ``error`` per run (failed runs are kept, with NaN results)."""
    runs = Path(out) / "runs"
    parts, status, errors = [], [], []
    template = None
    for p in pts:
        f = runs / f"{p['run']}.nc"
        if f.exists():
            with xr.open_dataset(f) as d:
                d = d.load()
            template = template if template is not None else d
            parts.append(d)
            status.append("ok")
            errors.append("")
        else:
            parts.append(None)
            fj = runs / f"{p['run']}.failed.json"
            status.append("failed" if fj.exists() else "missing")
            errors.append(json.loads(fj.read_text())["error"] if fj.exists() else "")
    if template is None:
        raise SweepFailed(f"sweep {spec.name}: no run succeeded; see {runs}/*.failed.json")
    parts = [d if d is not None else xr.full_like(template, np.nan) for d in parts]
    ds = xr.concat(parts, dim="run", coords="minimal", compat="override", join="outer")
    coords = {"run": [p["run"] for p in pts], "status": ("run", status), "error": ("run", errors)}
    keys = sorted({k for p in pts for k in p if k != "run"})
    for k in keys:
        vals = [p.get(k) for p in pts]
        if all(isinstance(v, str) or v is None for v in vals):
            coords[k] = ("run", [v or "" for v in vals])
        else:
            coords[k] = ("run", np.array([np.nan if v is None else float(v) for v in vals]))
    ds = ds.assign_coords(coords)
    units = {"start_price": "yuan per t CO2, 2017 prices", "end_price": "yuan per t CO2 in 2060, 2017 prices",
             "growth": "yuan per t CO2 per year", "start_year": "year"}
    for k, u in units.items():
        if k in ds.coords:
            ds[k].attrs["units"] = u
    for k in keys:
        if k.startswith("el_"):
            ds[k].attrs.update(units="quantile in [0, 1] of the file's low-high range",
                               long_name=f"elasticity group {k[3:]}")
    ds.attrs = {"title": f"cge sweep {spec.name}", "design": spec.design, "template": spec.template,
                "spec_file": os.path.relpath(spec.path) if spec.path else "",
                "cases": "baseline = the run's own baseline (shared when no elasticity moves); policy = the design point",
                "deviations": "percent deviations are derived (cge.ssa), not stored"}
    if spec.design == "sobol":
        prob = sobol_problem(spec)
        ds.attrs.update(sobol_names=",".join(prob["names"]), sobol_bounds=json.dumps(prob["bounds"]))
    return ds


# ----------------------------------------------------------------------------- CLI


def register(subparsers) -> None:
    """``cge sweep SPEC.toml [--workers N | --scheduler ADDRESS] [--out DIR] [--resume] [--end YEAR]``."""
    p = subparsers.add_parser("sweep", help="run a scenario sweep / sensitivity design on Dask")
    p.add_argument("spec", help="sweep spec: a TOML path, or the name of a shipped spec "
                                "(price_grid, paper_grid, ssa_oat, ssa_random, sobol)")
    p.add_argument("--workers", type=int, default=2, help="local Dask worker processes (default 2)")
    p.add_argument("--scheduler", default=None, help="address of an existing Dask scheduler (tcp://host:8786)")
    p.add_argument("--out", default=None, help="output folder (default results/sweeps/<name>)")
    p.add_argument("--end", type=int, default=None, help="last year (default: the spec's end, 2060)")
    p.add_argument("--resume", action="store_true", help="skip runs that already have a result or failure file (when the inputs are unchanged)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--no-report", action="store_true", help="skip the analysis tables and figures")
    p.set_defaults(handler=_handle)


def _handle(args) -> int:
    import sys
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    import distributed  # noqa: F401  (configures its loggers on import: quieten them afterwards)
    for noisy in ("cyipopt", "distributed", "tornado", "bokeh"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        spec = load_spec(args.spec)
        out = Path(args.out) if args.out else Path("results") / "sweeps" / spec.name
        ds = sweep(spec, out, args.workers, args.scheduler, args.resume, args.end, not args.quiet)
    except SweepFailed as exc:
        print(f"cge sweep: {exc}", file=sys.stderr)
        return 1
    n_ok = int((ds.status == "ok").sum())
    print(f"wrote {out / 'sweep.nc'}: {n_ok} of {ds.sizes['run']} runs ok")
    if not args.no_report:
        from .ssa import report
        from .store import lock
        with lock(out, "cge sweep --out"):
            files = report(ds, out)
        for f in files:
            print(f"  {f}")
    return 0 if n_ok == ds.sizes["run"] else 1
