"""``cge run``: the baseline, then the scenarios in parallel processes; atomic, resumable results.

Layout under ``--out`` (default ``results/``):

* ``scenarios/<name>.nc``  one scenario's results (dims year, sector, tech), rewritten atomically
  every ``CHECKPOINT_YEARS`` solved years and at the end; attribute ``complete = 1`` once its last year is done;
* ``state/<name>.npz``    what the next year needs (solution vector, capital, wage deviation),
  so ``--resume`` restarts a half-finished scenario from its last saved year;
* ``state/baseline_x.npz`` the baseline's solution vector of every year (warm starts of policy runs);
* ``results.nc``          every finished scenario combined (dims scenario, year, sector, tech).
"""
from __future__ import annotations

import logging
import multiprocessing as mp
import os
import queue as queue_mod
import tempfile
import time
from pathlib import Path

import numpy as np
import xarray as xr

from sam.errors import InputError

from .scenarios import Scenario, load_scenario, resolve

log = logging.getLogger("cge.run")
CHECKPOINT_YEARS = 4      # results and state are saved every this many years and at the end


# ----------------------------------------------------------------------------- atomic files


def _atomic(path: Path, write) -> None:
    """Write via a temporary file in the same folder, then rename (never half-written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_netcdf(ds: xr.Dataset, path: Path) -> None:
    """Atomic NetCDF write."""
    _atomic(path, lambda tmp: ds.to_netcdf(tmp))


def _save_state(path: Path, st, extra: dict | None = None) -> None:
    def w(tmp):
        with open(tmp, "wb") as f:
            np.savez(f, year=st.year, x=st.x, k_next=st.k_next, wdev=st.wdev, **(extra or {}))
    _atomic(path, w)


def _load_state(path: Path):
    from .dynamics import YearState
    with np.load(path) as z:
        return YearState(int(z["year"]), z["x"].copy(), z["k_next"].copy(), float(z["wdev"]))


def _read(path: Path) -> xr.Dataset:
    with xr.open_dataset(path) as ds:
        return ds.load()


# ----------------------------------------------------------------------------- one scenario


def run_one(name: str, start: int, end: int, out: Path, resume: bool, progress=None) -> xr.Dataset:
    """Run one scenario (a name under ``scenarios/`` or a path to a TOML file; baseline or
    policy) with its files under ``out``, named by the scenario's ``name``; resumable."""
    from .dynamics import DynamicRun
    sc = load_scenario(name)
    name = sc.name
    out = Path(out)
    nc, stf = out / "scenarios" / f"{name}.nc", out / "state" / f"{name}.npz"
    years = range(start, end + 1)
    if resume and nc.exists():
        done = _read(nc)
        if done.attrs.get("complete") == 1 and list(done.year.values) == list(years):
            if progress:
                progress(name, end, "done (resumed, no solve)")
            return done
    base = base_x = None
    if sc.kind != "baseline":
        bnc = out / "scenarios" / "baseline.nc"
        if not bnc.exists():
            raise InputError(f"scenario {name}: no baseline results at {bnc}; run the baseline first")
        base = _read(bnc)
        if not set(years) <= set(int(y) for y in base.year.values):
            raise InputError(f"scenario {name}: the baseline in {bnc} does not cover {start}-{end}")
        with np.load(out / "state" / "baseline_x.npz") as z:
            base_x = {int(k[1:]): z[k].copy() for k in z.files}
    t_build = time.perf_counter()
    run = DynamicRun(sc, baseline=base, baseline_x=base_x)
    timing = {"build_seconds": time.perf_counter() - t_build, "t0": t_build}
    state, rows = None, []
    if resume and nc.exists() and stf.exists():
        state = _load_state(stf)
        part = _read(nc).sel(year=slice(start, state.year))
        rows = [part.sel(year=[y]) for y in part.year.values]
        if not rows or int(part.year.values[-1]) != state.year:
            state, rows = None, []                        # inconsistent: start over
    bx: dict[str, np.ndarray] = {}
    if sc.kind == "baseline" and state is not None and (out / "state" / "baseline_x.npz").exists():
        with np.load(out / "state" / "baseline_x.npz") as z:
            bx = {k: z[k].copy() for k in z.files if int(k[1:]) <= state.year}

    def on_year(ds_year: xr.Dataset, st) -> None:
        rows.append(ds_year)
        if sc.kind == "baseline":
            bx[f"y{st.year}"] = st.x
        if progress:
            it = int(ds_year.ipopt_iterations.values[0]) if "ipopt_iterations" in ds_year else 0
            progress(name, st.year, f"{it} it")
        if st.year != end and (st.year - start) % CHECKPOINT_YEARS:
            return                                  # checkpoint every few years and at the end
        ds = _finish(xr.concat(rows, dim="year"), sc, complete=st.year == end)
        ds.attrs.update(build_seconds=timing["build_seconds"], process_seconds=time.perf_counter() - timing["t0"])
        write_netcdf(ds, nc)
        if sc.kind == "baseline":
            def w(tmp):
                with open(tmp, "wb") as f:
                    np.savez(f, **bx)
            _atomic(out / "state" / "baseline_x.npz", w)
        _save_state(stf, st)

    run.run(years, state=state, on_year=on_year)
    return _read(nc)


def _finish(ds: xr.Dataset, sc: Scenario, complete: bool) -> xr.Dataset:
    import json
    ds.attrs = {"scenario": sc.name, "description": sc.summary(), "note": sc.description, "complete": int(complete),
                "closure": "baseline" if sc.kind == "baseline" else sc.policy_closure,
                "scenario_file": os.path.relpath(sc.path) if sc.path else "",
                "settings": json.dumps(sc.settings(), ensure_ascii=False, sort_keys=True)}
    return ds


def _worker(args) -> tuple[str, str | None]:
    """Run one scenario in a pool process: (name, None) or (name, error message)."""
    name, spec, start, end, out, resume, q = args

    def progress(n, y, status):
        q.put((n, y, status))
    try:
        run_one(spec, start, end, Path(out), resume, progress)
        return name, None
    except Exception as exc:  # noqa: BLE001 - reported per scenario, others go on
        msg = f"{type(exc).__name__}: {exc}"
        q.put((name, -1, msg))
        return name, msg


# ----------------------------------------------------------------------------- all scenarios


def run(scenarios: str | list[str] = "all", start: int = 2017, end: int = 2060, out: str | Path = "results",
        jobs: int = 2, resume: bool = False, progress: bool = True) -> xr.Dataset:
    """Run the baseline and the scenarios; write ``<out>/results.nc``; return it as a Dataset.

    Scenario files are validated before any solve. A failed year stops only its scenario
    (the error names scenario, year, IPOPT status and worst residuals); finished scenarios
    are still combined. Raises :class:`RuntimeError` listing the failures at the end.
    """
    from .drivers import BASE_YEAR
    specs = resolve(",".join(scenarios) if isinstance(scenarios, list) else scenarios)
    files = {load_scenario(n).name: n for n in specs}     # fail early on a bad file; name -> name or path
    names = list(files)
    if start != BASE_YEAR:
        raise InputError(f"--start {start}: runs start from the SAM's base year {BASE_YEAR}")
    if not BASE_YEAR < end <= 2060:
        raise InputError(f"--end {end}: must be in {BASE_YEAR + 1}..2060 (the driver data's range)")
    out = Path(out)
    bar = _Progress(names, end - start + 1, progress)
    failures: dict[str, str] = {}
    t0 = time.perf_counter()
    try:
        run_one("baseline", start, end, out, resume, bar.update)
    except Exception as exc:  # noqa: BLE001
        bar.close()
        raise RuntimeError(f"baseline failed, no scenario run: {exc}") from exc
    policies = [n for n in names if n != "baseline"]
    if policies and jobs > 1:
        ctx = mp.get_context("fork")
        with ctx.Manager() as mgr:
            q = mgr.Queue()
            with ctx.Pool(min(jobs, len(policies))) as pool:
                res = pool.map_async(_worker, [(n, files[n], start, end, str(out), resume, q) for n in policies])
                while not res.ready():
                    try:
                        bar.update(*q.get(timeout=0.2))
                    except queue_mod.Empty:
                        pass
                while not q.empty():
                    bar.update(*q.get())
                for name, err in res.get():
                    if err:
                        failures[name] = err
    else:
        for n in policies:
            try:
                run_one(files[n], start, end, out, resume, bar.update)
            except Exception as exc:  # noqa: BLE001
                failures[n] = f"{type(exc).__name__}: {exc}"
    bar.close()
    ds = combine(out, [n for n in names if n not in failures])
    log.info("run finished in %.1f s", time.perf_counter() - t0)
    if failures:
        for n, e in failures.items():
            log.error("scenario %s failed: %s", n, e)
        raise RuntimeError("failed scenario(s): " + "; ".join(f"{n}: {e}" for n, e in failures.items()))
    return ds


def combine(out: Path, names: list[str]) -> xr.Dataset:
    """Stack the finished scenarios into ``<out>/results.nc`` (dimension ``scenario``), with units
    and long names on every variable and the CF global attributes (:mod:`cge.metadata`)."""
    import json

    from .metadata import annotate_variables, global_attributes
    parts, settings = [], {}
    for n in names:
        p = Path(out) / "scenarios" / f"{n}.nc"
        if p.exists():
            d = _read(p)
            if d.attrs.get("complete") == 1:
                settings[n] = json.loads(d.attrs["settings"]) if "settings" in d.attrs else {}
                parts.append(d.expand_dims(scenario=[n]))
    if not parts:
        return xr.Dataset()
    ds = xr.concat(parts, dim="scenario", combine_attrs="override")   # variables keep their units
    ds = annotate_variables(ds)
    ds.attrs = global_attributes(settings)
    write_netcdf(ds, Path(out) / "results.nc")
    return ds


class _Progress:
    """One tqdm bar over all scenario-years, with the current scenario, year and status."""

    def __init__(self, names: list[str], nyears: int, enabled: bool) -> None:
        self.bar = None
        if enabled:
            from tqdm import tqdm
            self.bar = tqdm(total=len(names) * nyears, unit="year", desc="cge run", dynamic_ncols=True)
        self.seen: set[tuple[str, int]] = set()

    def update(self, name: str, year: int, status: str) -> None:
        if self.bar is None:
            return
        if year < 0:
            self.bar.write(f"{name}: FAILED {status}")
            return
        if (name, year) not in self.seen:
            self.seen.add((name, year))
            self.bar.update(1)
        self.bar.set_postfix_str(f"{name} {year} {status}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def default_out(out: str | Path | None, resume: bool = False, base: Path | None = None) -> tuple[Path, str | None]:
    """The output folder of ``cge run`` and a note saying why, if it is not the one asked for.

    ``out`` given: that folder (the user chose it). Not given: ``results/`` if it is absent or
    empty, or with ``--resume``; else a new folder ``results-<n>`` beside it, so an earlier
    run's results (and the tables and report made from them) are never overwritten silently."""
    if out is not None:
        return Path(out), None
    base = base or Path("results")
    if resume or not base.exists() or (base.is_dir() and not any(base.iterdir())):
        return base, None
    n = 2
    while (base.parent / f"{base.name}-{n}").exists():
        n += 1
    new = base.parent / f"{base.name}-{n}"
    return new, f"{base}/ already holds results; writing to {new}/ instead (use --out {base} to overwrite)"


def register(subparsers) -> None:
    """``cge run [--scenarios ...] [--start --end] [--out] [--jobs] [--resume] [--scenario-dir]``."""
    from .scenarios import SCENARIO_DIR_HELP
    p = subparsers.add_parser(
        "run", help="run the baseline and carbon-price scenarios year by year",
        description="Solve the baseline, then the scenarios (in parallel processes), one year after the other, "
                    "and write <out>/results.nc with units and long names on every variable.")
    p.add_argument("--scenarios", default="all",
                   help="'all' (the shipped S1-S6 and your own) or a comma-separated list of names or TOML paths; "
                        "the baseline always runs first")
    p.add_argument("--start", type=int, default=2017,
                   help="first year; must be the SAM's base year 2017 (the only start the calibration supports)")
    p.add_argument("--end", type=int, default=2060, help="last year solved, 2018-2060 (default 2060)")
    p.add_argument("--out", default=None,
                   help="output folder; default results/ when it is absent or empty, else a new results-<n>/ "
                        "(the command says which)")
    p.add_argument("--jobs", type=int, default=2, help="parallel processes for the policy scenarios (default 2)")
    p.add_argument("--resume", action="store_true",
                   help="skip finished scenarios, restart half-finished ones from their last checkpoint "
                        "(default folder: results/)")
    p.add_argument("--scenario-dir", default=None, help=SCENARIO_DIR_HELP)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=_handle)


def _handle(args) -> int:
    import sys
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("cyipopt").setLevel(logging.WARNING)
    if args.scenario_dir:
        if not Path(args.scenario_dir).is_dir():
            print(f"cge run: --scenario-dir {args.scenario_dir}: not a folder", file=sys.stderr)
            return 2
        os.environ["CGE_SCENARIO_DIR"] = str(Path(args.scenario_dir).resolve())   # pool workers inherit it
    out, note = default_out(args.out, args.resume)
    if note:
        print(f"cge run: {note}", file=sys.stderr)
    try:
        ds = run(args.scenarios, args.start, args.end, out, args.jobs, args.resume, not args.quiet)
    except InputError as exc:
        print(f"cge run: {exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:
        print(f"cge run: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {out / 'results.nc'}: scenarios {list(ds.scenario.values)}, years {int(ds.year.min())}-{int(ds.year.max())}")
    return 0
