"""``cge export --format iamc``: results.nc, provincial quotas or global rights as an IAMC table
(``.xlsx`` with sheet ``data``, or ``.csv``) that pyam and the IAMC databases read."""
from __future__ import annotations

from pathlib import Path

FORMATS = ("iamc",)


def register(subparsers) -> None:
    """``cge export --format iamc [--results FILE] [--out FILE.xlsx|.csv] [--model NAME]``."""
    p = subparsers.add_parser(
        "export", help="export results.nc, quotas or rights to the IAMC format (pyam, IPCC AR6 database)",
        description="Write an IAMC table (model, scenario, region, variable, unit, one column per year) with "
                    "variable names of the IAMC common definitions where they exist. The input kind is "
                    "recognised from the file: results.nc (cge run), <scenario>_<year>.nc (cge quota, regions "
                    "China|<province>, one scenario per rule) or rights_<year>.nc (cge rights, regions = countries).")
    p.add_argument("--format", choices=FORMATS, default="iamc", help="output format (only iamc for now)")
    p.add_argument("--results", default="results/results.nc",
                   help="NetCDF to export: results.nc (default results/results.nc), a quota or a rights file")
    p.add_argument("--out", default=None,
                   help="output file, .xlsx or .csv (default: <input folder>/<input name>_iamc.xlsx)")
    p.add_argument("--model", default=None, help="model name written in the 'model' column")
    p.set_defaults(handler=_handle)


def export(results: str | Path, out: str | Path | None = None, model: str | None = None) -> Path:
    """Export one NetCDF file (results, quota or rights) to an IAMC file; return its path."""
    from sam.errors import InputError

    from .iamc import MODEL, check_iamc, iamc_frame, quota_frame, rights_frame, write_iamc
    src = Path(results)
    if src.is_dir():
        src = src / "results.nc"
    if not src.exists():
        raise InputError(f"{src}: no such file (run `cge run` first, or pass --results)")
    from .runner import _read
    ds = _read(src)                        # an unreadable file: InputError naming it
    if "rule" in ds.dims:
        df = quota_frame(ds, model or "cge allocation")
    elif "country" in ds.dims:
        df = rights_frame(ds, model or "cge allocation")
    elif "scenario" in ds.dims:
        df = iamc_frame(ds, model or MODEL)
    else:
        raise InputError(f"{src}: not a cge results, quota or rights file (no scenario, rule or country dimension)")
    check_iamc(df)
    return write_iamc(df, Path(out) if out else src.with_name(f"{src.stem}_iamc.xlsx"))


def _handle(args) -> int:
    """Bad input raises; :func:`cge.cli.main` prints it as one line, exit code 2."""
    import os
    path = export(args.results, args.out, args.model)
    print(f"wrote {os.path.relpath(path)}")
    return 0
