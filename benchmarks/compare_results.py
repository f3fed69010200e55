"""Compare two ``results.nc`` files variable by variable (the acceptance check of a speed change).

Prints, for every data variable of the reference, the maximum relative difference

    |new - ref| / max(|ref|, floor),   floor = 1e-9 x max |ref| of that variable

(the floor keeps exact zeros and round-off around them from dominating) and exits 1 when one
exceeds ``--rtol`` (default 1e-8).  Timing and solver diagnostics (``solve_seconds``,
``ipopt_iterations``) are reported but not compared.
``--noise TIGHT.nc``: a third file, the reference code solved to a tighter IPOPT tolerance; a
table by scenario then shows new vs ref, TIGHT vs ref (the reference's own solver noise) and new
vs TIGHT for co2, gdp, output and the worst variable.
Usage: .venv/bin/python benchmarks/compare_results.py REF.nc NEW.nc [--rtol 1e-8] [--noise TIGHT.nc]
"""
from __future__ import annotations

import argparse
import sys

import numpy as np
import xarray as xr

NOT_COMPARED = ("solve_seconds", "ipopt_iterations")
FLOOR = 1e-6        # of a variable's largest magnitude, below which differences are compared absolutely


def differences(ref: xr.Dataset, new: xr.Dataset) -> dict[str, float]:
    """Maximum relative difference of every numeric data variable of ``ref`` (inf when missing or misshaped)."""
    out = {}
    for name, a in ref.data_vars.items():
        if not np.issubdtype(a.dtype, np.number):
            continue
        if name not in new:
            out[name] = float("inf")
            continue
        b = new[name]
        if a.dims != b.dims or a.shape != b.shape:
            out[name] = float("inf")
            continue
        x, y = a.to_numpy().astype(float), b.to_numpy().astype(float)
        nan = np.isnan(x) | np.isnan(y)
        if (np.isnan(x) != np.isnan(y)).any():
            out[name] = float("inf")
            continue
        x, y = x[~nan], y[~nan]
        if x.size == 0:
            out[name] = 0.0
            continue
        floor = max(FLOOR * float(np.abs(x).max()), 1e-300)
        out[name] = float((np.abs(y - x) / np.maximum(np.abs(x), floor)).max())
    return out


def by_scenario(ref: xr.Dataset, new: xr.Dataset, tight: xr.Dataset) -> None:
    """Per scenario: new-ref, tight-ref and new-tight on co2, gdp, output and the worst variable."""
    print(f"{'scenario':10s} {'pair':10s} {'co2':>9s} {'gdp':>9s} {'output':>9s}  worst")
    for sc in ref.scenario.values:
        pick = lambda d: d.sel(scenario=sc)
        for name, a, b in (("new-ref", ref, new), ("tight-ref", ref, tight), ("new-tight", tight, new)):
            d = {k: v for k, v in differences(pick(a), pick(b)).items() if k not in NOT_COMPARED}
            w = max(d, key=d.get)
            print(f"{sc:10s} {name:10s} {d['co2']:9.2g} {d['gdp']:9.2g} {d['output']:9.2g}  {w} {d[w]:.2g}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("ref")
    ap.add_argument("new")
    ap.add_argument("--rtol", type=float, default=1e-8)
    ap.add_argument("--noise", default=None)
    a = ap.parse_args()
    with xr.open_dataset(a.ref) as r, xr.open_dataset(a.new) as n:
        r, n = r.load(), n.load()
    for c in ("scenario", "year", "sector"):
        if c in r.coords and (c not in n.coords or list(r[c].values) != list(n[c].values)):
            print(f"coordinate {c} differs")
            return 1
    d = differences(r, n)
    worst = 0.0
    for name, v in sorted(d.items(), key=lambda t: -t[1]):
        skip = name in NOT_COMPARED
        if not skip:
            worst = max(worst, v)
        print(f"{name:28s} {v:10.3g}{'  (not compared: timing/diagnostics)' if skip else ''}")
    if "ipopt_iterations" in r and "ipopt_iterations" in n:
        print(f"IPOPT iterations: ref {float(r.ipopt_iterations.sum()):.0f}, new {float(n.ipopt_iterations.sum()):.0f}")
    print(f"max relative difference (compared variables): {worst:.3g} (rtol {a.rtol:g})")
    if a.noise:
        with xr.open_dataset(a.noise) as t:
            by_scenario(r, n, t.load())
    return 0 if worst <= a.rtol else 1


if __name__ == "__main__":
    sys.exit(main())
