"""``cge run``: the baseline, then the scenarios in parallel processes; keyed, resumable results.

Layout under ``--out`` (default ``results/``):

* ``store/<name>-<key16>/``  one scenario's run, keyed by a hash of everything that determines
  it (see :mod:`cge.store`): ``result.nc`` (checkpointed every ``CHECKPOINT_SECONDS`` seconds of
  solving, at the end and, when a year fails, with the years before it), ``state.npz`` (every
  field of :class:`~cge.dynamics.YearState`, for ``--resume``),
  ``baseline_x.npz`` (the baseline's solution of every year: policy warm starts), ``entry.json``;
* ``results.nc``  every finished scenario of the folder whose key is current (dims scenario,
  year, sector, tech), for the requested horizon;
* ``.cge.lock``   one writer per folder.

The baseline is solved one year past ``--end`` (when the driver data go further) so that the
state a policy run saves at its last year, which needs next year's baseline capital, is the
same whatever the horizon: extending a run with ``--resume`` equals one uninterrupted run.
"""
from __future__ import annotations

import dataclasses
import logging
import multiprocessing as mp
import os
import queue as queue_mod
import signal
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import xarray as xr

from sam.atomic import atomic_write
from sam.errors import InputError

from . import store
from .scenarios import Scenario, load_scenario, resolve

log = logging.getLogger("cge.run")
# results and state are saved when this long has passed since the last save, at the end, and for the
# years before a failed one (each save rewrites result.nc, ~60 ms: every 4th year cost 5 of 31 s);
# $CGE_CHECKPOINT_SECONDS overrides it (0: after every year)
CHECKPOINT_SECONDS = float(os.environ.get("CGE_CHECKPOINT_SECONDS", 20.0))
LAST_YEAR = 2060          # last year of the driver data


# ----------------------------------------------------------------------------- atomic files


def _atomic(path: Path, write) -> None:
    """Write via a temporary file in the same folder, then rename (never half-written; mode 0644 under umask 022)."""
    atomic_write(path, write)


def write_netcdf(ds: xr.Dataset, path: Path) -> None:
    """Atomic NetCDF write."""
    _atomic(path, lambda tmp: ds.to_netcdf(tmp))


def _save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Atomic ``.npz`` write."""
    def w(tmp: str) -> None:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
    _atomic(path, w)


def _load_npz(path: Path) -> dict[str, np.ndarray]:
    """Every array of an ``.npz`` file, or an InputError naming the file."""
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k].copy() for k in z.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise InputError(f"{path}: unreadable checkpoint ({type(exc).__name__}: {exc}); delete the folder "
                         f"{path.parent} or run without --resume") from exc


def _save_state(path: Path, st) -> None:
    """Save every field of a YearState (numbers and arrays), whatever fields it has."""
    _save_npz(path, {f.name: np.asarray(getattr(st, f.name)) for f in dataclasses.fields(st)})


def _load_state(path: Path):
    """The YearState saved by :func:`_save_state`; a field missing from the file takes its
    dataclass default (an InputError names the file when there is none)."""
    from .state import YearState
    z = _load_npz(path)
    kw = {}
    for f in dataclasses.fields(YearState):
        if f.name in z:
            kw[f.name] = z[f.name].item() if z[f.name].ndim == 0 else z[f.name]
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise InputError(f"{path}: checkpoint lacks {f.name!r}; delete the folder {path.parent} "
                             "or run without --resume")
    return YearState(**kw)


def _read(path: Path) -> xr.Dataset:
    """A NetCDF file loaded into memory, or an InputError naming the file."""
    try:
        with xr.open_dataset(path) as ds:
            return ds.load()
    except FileNotFoundError:
        raise
    except (OSError, ValueError, RuntimeError, KeyError) as exc:
        why = " ".join(str(exc).split())[:160]
        raise InputError(f"{path}: not a readable NetCDF file, truncated or of another format "
                         f"({type(exc).__name__}: {why}); rewrite or delete it") from exc


# ----------------------------------------------------------------------------- the run store


def _entry(out: Path, sc: Scenario, start: int) -> store.Entry:
    """The store entry of scenario ``sc`` (keyed by its file, the baseline file, start, data and code)."""
    return store.entry_for(out, sc.name, store.scenario_key(Path(sc.path), _baseline_file(), start), Path(sc.path), start)


def _baseline_file() -> Path:
    """The shipped baseline scenario file (the one every policy run deviates from)."""
    from . import scenarios
    p = scenarios.SCENARIO_DIR / "baseline.toml"
    if not p.is_file():
        raise InputError(f"{p}: the baseline scenario file is missing; every run deviates from it")
    return p


def solve_end(sc: Scenario, end: int) -> int:
    """Last year to solve: the baseline looks one year ahead (see the module docstring)."""
    return min(end + 1, LAST_YEAR) if sc.kind == "baseline" else end


def result_path(out: str | Path, name: str, start: int = 2017) -> Path:
    """Where the current stored result of scenario ``name`` (a name or a file) lives."""
    sc = load_scenario(name)
    return _entry(Path(out), sc, start).result


def load_baseline(out: Path, start: int, end: int) -> tuple[xr.Dataset, dict[int, np.ndarray]]:
    """The current baseline's results and per-year solutions (covering ``end`` + the look-ahead year)."""
    sc = load_scenario("baseline")
    e = _entry(Path(out), sc, start)
    need = solve_end(sc, end)
    if e.last_year is None or e.last_year < need or not e.result.exists():
        raise InputError(f"{out}: no current baseline results to {need} (entry {e.dir}); run the baseline first")
    base = _read(e.result)
    base_x = {int(k[1:]): v for k, v in _load_npz(e.baseline_x).items()}
    return base, base_x


def check_name_free(out: Path, sc: Scenario, start: int) -> None:
    """Refuse a scenario whose name another current file already holds in ``out``."""
    mine = str(Path(sc.path).resolve())
    key = _entry(out, sc, start).key
    for e in store.entries(out):
        if (e.name == sc.name and e.key != key and e.file != mine and e.start == start
                and store.is_current(e, _baseline_file())):
            raise InputError(f"{sc.path}: scenario name {sc.name!r} is already used in {out} by {e.file}; "
                             "give the file another name or use another --out")


# ----------------------------------------------------------------------------- one scenario


def run_one(name: str, start: int, end: int, out: Path, resume: bool, progress=None,
            read_back: bool = True) -> xr.Dataset | None:
    """Run one scenario (a name under ``scenarios/`` or a path to a TOML file) into its store
    entry under ``out``; with ``resume``, reuse a current finished result or continue from its
    last checkpoint. Returns the years ``start``..``end`` as stored (None without ``read_back``:
    callers that only need the stored entry skip reading it back)."""
    from .dynamics import DynamicRun
    sc = load_scenario(name)
    out = Path(out)
    e = _entry(out, sc, start)
    last = solve_end(sc, end)
    if resume and e.last_year is not None and e.last_year >= last:
        log.info("%s: reusing the stored result (key %s, solved to %d): no solve", sc.name, e.key[:12], e.last_year)
        if progress:
            progress(sc.name, end, "done (resumed, no solve)")
        return _read(e.result).sel(year=slice(start, end)) if read_back else None
    if resume and e.last_year is None:
        _say_why_not_reused(out, sc)
    base = base_x = None
    if sc.kind != "baseline":
        base, base_x = load_baseline(out, start, end)
    t_build = time.perf_counter()
    run = DynamicRun(sc, baseline=base, baseline_x=base_x, reuse=True)   # runs of a process follow each other
    timing = {"build_seconds": time.perf_counter() - t_build, "t0": t_build}
    state, history, bx = _restart(e, sc, start) if resume and e.last_year is not None else (None, None, {})
    known = e.last_year if not resume else None        # a fresh rerun overwrites only once it gets this far
    saved = {"at": time.perf_counter(), "state": None, "year": e.last_year if resume else None}

    def save(st) -> None:
        _checkpoint(e, sc, run.recorder.dataset(st.year), st, bx, timing)
        saved.update(at=time.perf_counter(), year=st.year)

    def on_year(row, st) -> None:
        if sc.kind == "baseline":
            bx[f"y{st.year}"] = st.x
        if progress:
            it = int(row["ipopt_iterations"]) if "ipopt_iterations" in row else 0
            progress(sc.name, st.year, f"{it} it")
        saved["state"] = st
        if st.year != last and time.perf_counter() - saved["at"] < CHECKPOINT_SECONDS:
            return                                  # checkpoint every CHECKPOINT_SECONDS and at the end
        if known is not None and st.year < known and st.year != last:
            return                                  # the stored run (same key) already covers this year
        save(st)

    try:
        run.run(range(start, last + 1), state=state, on_year=on_year, history=history)
    except BaseException:
        st = saved["state"]                         # a failed (or interrupted) year: keep the years before it
        if (st is not None and (saved["year"] is None or st.year > saved["year"])
                and not (known is not None and st.year < known)):
            try:
                save(st)
            except Exception:  # noqa: BLE001 - the original error is the one to report
                log.debug("%s: could not checkpoint the years before the failure", sc.name, exc_info=True)
        raise
    return _read(e.result).sel(year=slice(start, end)) if read_back else None


def _say_why_not_reused(out: Path, sc: Scenario) -> None:
    """Log why ``--resume`` recomputes: another key of the same name and file is stored."""
    mine = str(Path(sc.path).resolve())
    old = [x for x in store.entries(out) if x.name == sc.name and x.file == mine]
    if old:
        log.info("%s: inputs changed since the stored run (scenario file, baseline, data or code): recomputing", sc.name)


def _restart(e: store.Entry, sc: Scenario, start: int):
    """(state, results so far, baseline solutions) to continue entry ``e`` from its last checkpoint."""
    state = _load_state(e.state)
    part = _read(e.result).sel(year=slice(start, state.year))
    if state.year != e.last_year or not part.sizes.get("year") or int(part.year.values[-1]) != state.year:
        log.info("%s: checkpoint and stored result disagree: recomputing from %d", sc.name, start)
        return None, None, {}
    bx = {}
    if sc.kind == "baseline":
        bx = {k: v for k, v in _load_npz(e.baseline_x).items() if int(k[1:]) <= state.year}
    log.info("%s: resuming after %d from the stored checkpoint", sc.name, state.year)
    return state, part, bx


def _checkpoint(e: store.Entry, sc: Scenario, ds: xr.Dataset, st, bx: dict, timing: dict) -> None:
    """Write result (``ds``: every year so far), state (and baseline solutions), then ``entry.json`` naming the year."""
    ds = _finish(ds, sc, e)
    ds.attrs.update(build_seconds=timing["build_seconds"], process_seconds=time.perf_counter() - timing["t0"])
    write_netcdf(ds, e.result)
    if sc.kind == "baseline":
        _save_npz(e.baseline_x, bx)
    _save_state(e.state, st)
    e.last_year = st.year
    e.save_meta()


def _finish(ds: xr.Dataset, sc: Scenario, e: store.Entry) -> xr.Dataset:
    import json
    ds.attrs = {"scenario": sc.name, "description": sc.summary(), "note": sc.description,
                "last_year": int(ds.year.values[-1]),
                "closure": "baseline" if sc.kind == "baseline" else sc.policy_closure,
                "scenario_file": os.path.relpath(sc.path) if sc.path else "", "store_key": e.key,
                "settings": json.dumps(sc.settings(), ensure_ascii=False, sort_keys=True)}
    return ds


# ----------------------------------------------------------------------------- pool workers

_QUEUE = None            # the progress queue of a pool worker (set by _init_worker)
PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """Make this process end when ``parent`` does: PR_SET_PDEATHSIG on Linux, and a thread
    that polls ``os.getppid()`` everywhere (also covers a parent that died before the prctl)."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    watch_parent(parent)


def watch_parent(parent: int, every: float = 0.5) -> None:
    """End this process (``os._exit(1)``) within ``every`` seconds of ``parent`` ending: a daemon
    thread polls ``os.getppid()``, which changes when the parent dies and the process is re-parented."""
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(1)
            time.sleep(every)
    threading.Thread(target=watch, daemon=True, name="cge-parent-watch").start()


def _init_worker(q, parent: int) -> None:
    """Pool initializer: progress queue, die with the parent, leave Ctrl-C to the parent."""
    global _QUEUE
    _QUEUE = q
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent(parent)


def _worker(args) -> tuple[str, str | None]:
    """Run one scenario in a pool process: (name, None) or (name, error message)."""
    name, spec, start, end, out, resume = args
    q = _QUEUE

    def progress(n, y, status):
        q.put((n, y, status))
    try:
        run_one(spec, start, end, Path(out), resume, progress, read_back=False)
        return name, None
    except Exception as exc:  # noqa: BLE001 - reported per scenario, others go on
        msg = _failure(exc)
        q.put((name, -1, msg.removeprefix(INPUT_MARK)))
        return name, msg


INPUT_MARK = "input: "     # prefix of a failure caused by bad input or files (exit code 2, not 1)


def _failure(exc: Exception) -> str:
    """A scenario's failure as one message; bad input and file errors carry :data:`INPUT_MARK`."""
    from sam.errors import user_message
    known = user_message(exc)
    if known is not None and known[0] == 2:
        return INPUT_MARK + known[1]
    return f"{type(exc).__name__}: {exc}"


# ----------------------------------------------------------------------------- all scenarios


def run(scenarios: str | list[str] = "all", start: int = 2017, end: int = 2060, out: str | Path = "results",
        jobs: int = 2, resume: bool = False, progress: bool = True) -> xr.Dataset:
    """Run the baseline and the scenarios; write ``<out>/results.nc``; return it as a Dataset.

    Every scenario file is validated before any solve (all errors of a file at once). A failed
    year stops only its scenario (the error names scenario, year, IPOPT status and worst
    residuals); finished scenarios are still combined. Raises :class:`RuntimeError` listing the
    failures at the end, :class:`~cge.store.FolderBusy` when another process writes to ``out``.
    """
    from .drivers import BASE_YEAR
    if start != BASE_YEAR:
        raise InputError(f"--start {start}: runs start from the SAM's base year {BASE_YEAR}")
    if not BASE_YEAR < end <= LAST_YEAR:
        raise InputError(f"--end {end}: must be in {BASE_YEAR + 1}..{LAST_YEAR} (the driver data's range)")
    if jobs < 1:
        raise InputError(f"--jobs {jobs}: must be at least 1")
    files = _validate(resolve(",".join(scenarios) if isinstance(scenarios, list) else scenarios), start, end)
    names = list(files)
    out = Path(out)
    with store.lock(out, "cge run --out"), store.pinned():
        if (out / "state").is_dir():
            log.info("%s: state/ and scenarios/ come from an earlier cge version and are not used (delete them)", out)
        for n in names:
            check_name_free(out, load_scenario(files[n]), start)
        return _run_locked(files, names, start, end, out, jobs, resume, progress)


def _validate(specs: list[str], start: int, end: int) -> dict[str, str]:
    """Load every scenario file (name -> name or path); errors of all files at once, one per line."""
    files: dict[str, str] = {}
    errors: list[str] = []
    for n in specs:
        try:
            sc = load_scenario(n)
        except InputError as exc:
            errors.append(str(exc))
            continue
        if sc.name in files and Path(load_scenario(files[sc.name]).path).resolve() == Path(sc.path).resolve():
            continue                                 # the same file twice (e.g. "baseline" and its path)
        if sc.name in files:
            errors.append(f"{sc.path}: scenario name {sc.name!r} is also the name of {load_scenario(files[sc.name]).path}; "
                          "names must be unique")
            continue
        files[sc.name] = n
    if errors:
        raise InputError("\n".join(errors))
    return files


def _run_locked(files: dict[str, str], names: list[str], start: int, end: int, out: Path, jobs: int,
                resume: bool, progress: bool) -> xr.Dataset:
    """The body of :func:`run`, with the folder's lock held."""
    bar = _Progress(names, end - start + 1, progress)
    failures: dict[str, str] = {}
    t0 = time.perf_counter()
    try:
        run_one("baseline", start, end, out, resume, bar.update, read_back=False)
    except (InputError, OSError):
        bar.close()
        raise
    except Exception as exc:  # noqa: BLE001
        bar.close()
        raise RuntimeError(f"baseline failed, no scenario run: {exc}") from exc
    policies = [n for n in names if n != "baseline"]
    try:
        if policies and jobs > 1:
            failures = _run_pool(files, policies, start, end, out, jobs, resume, bar)
        else:
            for n in policies:
                try:
                    run_one(files[n], start, end, out, resume, bar.update, read_back=False)
                except Exception as exc:  # noqa: BLE001 - reported per scenario, others go on
                    failures[n] = _failure(exc)
    finally:
        bar.close()
    ds = combine(out, start, end)
    log.info("run finished in %.1f s", time.perf_counter() - t0)
    if failures:
        for n, e in failures.items():
            log.error("scenario %s failed: %s", n, e)
        if all(e.startswith(INPUT_MARK) for e in failures.values()):      # bad input or files only: exit 2
            raise InputError("\n".join(f"scenario {n}: {e[len(INPUT_MARK):]}" for n, e in failures.items()))
        raise RuntimeError("failed scenario(s): " + "; ".join(f"{n}: {e.removeprefix(INPUT_MARK)}"
                                                              for n, e in failures.items()))
    return ds


def _run_pool(files: dict[str, str], policies: list[str], start: int, end: int, out: Path, jobs: int,
              resume: bool, bar: "_Progress") -> dict[str, str]:
    """The policy scenarios in ``jobs`` forked processes that die with this one; failures by name.
    A worker that dies (killed) fails its scenario instead of hanging the run; an exception here
    (Ctrl-C, SIGTERM) kills the workers before it propagates."""
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    failures: dict[str, str] = {}
    ex = ProcessPoolExecutor(min(jobs, len(policies)), mp_context=ctx, initializer=_init_worker,
                             initargs=(q, os.getpid()))
    try:
        futs = {ex.submit(_worker, (n, files[n], start, end, str(out), resume)): n for n in policies}
        pending = set(futs)
        while pending:
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            _drain(q, bar)
            for f in done:
                try:
                    err = f.result()[1]
                except BrokenProcessPool:
                    err = "its worker process died (killed?) before the scenario finished; rerun with --resume"
                if err:
                    failures[futs[f]] = err
    except BaseException:
        _kill_workers(ex)
        raise
    finally:
        ex.shutdown(wait=True, cancel_futures=True)
    _drain(q, bar)
    q.close()
    return failures


def _drain(q, bar: "_Progress") -> None:
    """Show every progress message waiting in ``q``."""
    while True:
        try:
            bar.update(*q.get_nowait())
        except queue_mod.Empty:
            return


def _kill_workers(ex) -> None:
    """SIGKILL every worker process of a ProcessPoolExecutor (they hold no lock and write atomically)."""
    for p in list((getattr(ex, "_processes", None) or {}).values()):
        try:
            p.kill()
        except (OSError, ValueError):
            pass


def combine(out: Path, start: int = 2017, end: int | None = None) -> xr.Dataset:
    """Stack every finished, current scenario of ``out`` (years ``start``..``end``) into
    ``<out>/results.nc`` (dimension ``scenario``, baseline first); entries whose file changed,
    or that stop before ``end``, are left out and said so. Every variable gets its units and long
    name, the file the CF global attributes and each scenario's settings (:mod:`cge.metadata`)."""
    import json

    from .metadata import annotate_variables, global_attributes
    out = Path(out)
    chosen: dict[str, store.Entry] = {}
    for e in store.entries(out):
        if e.start != start or e.last_year is None:
            continue
        if not store.is_current(e, _baseline_file()):
            log.debug("%s: stored run %s is stale (its file or inputs changed): not in results.nc", e.name, e.dir)
            continue
        if end is not None and e.last_year < end:
            log.info("%s: stored only to %d: not in results.nc (run it with --end %d --resume)", e.name, e.last_year, end)
            continue
        if e.name not in chosen or e.meta.stat().st_mtime > chosen[e.name].meta.stat().st_mtime:
            chosen[e.name] = e
    if "baseline" not in chosen:
        return xr.Dataset()
    order = ["baseline"] + sorted(n for n in chosen if n != "baseline")
    stop = end if end is not None else min(chosen[n].last_year for n in order)
    parts, settings = [], {}
    for n in order:
        d = _read(chosen[n].result).sel(year=slice(start, stop))
        settings[n] = json.loads(d.attrs["settings"]) if "settings" in d.attrs else {}
        parts.append(d.expand_dims(scenario=[n]))
    ds = xr.concat(parts, dim="scenario", combine_attrs="override")   # variables keep their units
    if "fossil_use" in ds:
        from .decompose import co2_decomposition
        ds["co2_decomposition"] = co2_decomposition(ds)
    from . import gdp_decompose
    if gdp_decompose.applicable(ds):
        ds["gdp_decomposition"] = gdp_decompose.gdp_decomposition(ds)
        ds["gdp_capital_decomposition"] = gdp_decompose.capital_decomposition(ds)
    ds = annotate_variables(ds)
    ds.attrs = global_attributes(settings)
    write_netcdf(ds, out / "results.nc")
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
                   help="reuse stored results whose inputs are unchanged, continue half-finished ones from their "
                        "last checkpoint (default folder: results/)")
    p.add_argument("--scenario-dir", default=None, help=SCENARIO_DIR_HELP)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=_handle)


def _handle(args) -> int:
    import sys
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("cyipopt").setLevel(logging.WARNING)
    if args.scenario_dir:
        if not Path(args.scenario_dir).is_dir():
            raise InputError(f"--scenario-dir {args.scenario_dir}: not a folder")
        os.environ["CGE_SCENARIO_DIR"] = str(Path(args.scenario_dir).resolve())   # pool workers inherit it
    out, note = default_out(args.out, args.resume)
    if note:
        print(f"cge run: {note}", file=sys.stderr)
    try:
        ds = run(args.scenarios, args.start, args.end, out, args.jobs, args.resume, not args.quiet)
    except RuntimeError as exc:
        print(f"cge run: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {out / 'results.nc'}: scenarios {list(ds.scenario.values)}, years {int(ds.year.min())}-{int(ds.year.max())}")
    return 0
