"""Per-year results of a run in preallocated numpy arrays (no xarray object per year).

A run records each solved year as a :class:`YearRow` (variable -> dims, values, attributes)
into a :class:`Recorder`, which writes it into one array per variable, allocated for the whole
horizon at the variable's first appearance.  :meth:`Recorder.dataset` builds the Dataset of the
years recorded so far in one step: a checkpoint costs the same in 2060 as in 2020 (no
concatenation of every earlier year).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import xarray as xr


@dataclass
class YearRow:
    """One year's results: ``values[name] = (dims, value, attrs)`` (dims without ``year``)."""

    year: int
    values: dict[str, tuple] = field(default_factory=dict)
    coords: dict[str, list] = field(default_factory=dict)

    def __getitem__(self, name: str):
        return self.values[name][1]

    def __contains__(self, name: str) -> bool:
        return name in self.values

    def __setitem__(self, name: str, item: tuple) -> None:
        self.values[name] = item

    @classmethod
    def from_dataset(cls, ds: xr.Dataset, year: int) -> "YearRow":
        """The row of ``year`` of a Dataset with a ``year`` dimension (e.g. the stored baseline)."""
        one = ds.sel(year=year)
        coords = {c: list(ds[c].values) for c in ds.coords if c != "year" and ds[c].ndim == 1
                  and ds[c].dims == (c,)}
        return cls(int(year), {k: (v.dims, v.to_numpy(), dict(v.attrs)) for k, v in one.data_vars.items()}, coords)


class Recorder:
    """Results of the years of a run, one preallocated array per variable (first axis: year)."""

    def __init__(self, years) -> None:
        self.years = [int(y) for y in years]
        self.pos = {y: k for k, y in enumerate(self.years)}
        self.filled = np.zeros(len(self.years), dtype=bool)
        self.vars: dict[str, tuple[tuple, dict, np.ndarray]] = {}
        self.coords: dict[str, list] = {}

    def add(self, row: YearRow) -> None:
        """Write one year's values into the arrays (allocating a variable's array at its first year)."""
        k = self.pos[row.year]
        for c, vals in row.coords.items():
            self.coords.setdefault(c, list(vals))
        for name, (dims, value, attrs) in row.values.items():
            value = np.asarray(value)
            if name not in self.vars:
                arr = np.full((len(self.years),) + value.shape, np.nan, dtype=np.result_type(value.dtype, float))
                self.vars[name] = (tuple(dims), dict(attrs), arr)
            self.vars[name][2][k] = value
        self.filled[k] = True

    def value(self, name: str, year: int) -> np.ndarray | None:
        """The recorded value of ``name`` in ``year`` (None when not recorded)."""
        k = self.pos.get(int(year))
        if k is None or not self.filled[k] or name not in self.vars:
            return None
        return self.vars[name][2][k].copy()

    def add_dataset(self, ds: xr.Dataset) -> None:
        """Write every year of a Dataset with a ``year`` dimension (e.g. a stored checkpoint)."""
        for y in ds.year.values:
            if int(y) in self.pos:
                self.add(YearRow.from_dataset(ds, int(y)))

    def dataset(self, last: int | None = None) -> xr.Dataset:
        """The recorded years up to ``last`` (default: every recorded year) as one Dataset."""
        n = len(self.years) if last is None else self.pos[last] + 1
        idx = np.flatnonzero(self.filled[:n])
        if idx.size == 0:
            return xr.Dataset()
        sl = slice(int(idx[0]), int(idx[-1]) + 1)
        if not self.filled[sl].all():
            missing = [self.years[k] for k in range(sl.start, sl.stop) if not self.filled[k]]
            raise RuntimeError(f"recorder: years {missing} are missing between recorded years")
        data = {name: (("year",) + dims, arr[sl].copy(), attrs) for name, (dims, attrs, arr) in self.vars.items()}
        coords = {"year": self.years[sl], **self.coords}
        return xr.Dataset(data, coords=coords)
