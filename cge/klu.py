"""SuiteSparse KLU through ctypes: the library the ``kvxopt`` wheel ships, with refactorisation.

``kvxopt.klu`` factorises from scratch each time.  Newton's later factorisations within one solve
have the same sparsity and nearly the same values, so KLU's ``klu_refactor`` can keep the first
factorisation's pivot order and skip the pivot search (about 30 % faster at 65 and 147 sectors,
``benchmarks/issue18.csv`` section ``lu``).  :func:`load` checks the library's parameter block
against KLU's documented defaults before use and returns None when the layout differs (then
:class:`cge.solve.SparseLU` uses ``kvxopt.klu``).
"""
from __future__ import annotations

import ctypes
import glob
import os

import numpy as np

_I, _D, _P = ctypes.c_int64, ctypes.c_double, ctypes.c_void_p


class _Common(ctypes.Structure):
    """``klu_l_common`` of KLU 1.3 (SuiteSparse 4.4): parameters, then statistics."""

    _fields_ = [("tol", _D), ("memgrow", _D), ("initmem_amd", _D), ("initmem", _D), ("maxwork", _D),
                ("btf", _I), ("ordering", _I), ("scale", _I), ("user_order", _P), ("user_data", _P),
                ("halt_if_singular", _I), ("status", _I), ("nrealloc", _I), ("structural_rank", _I),
                ("numerical_rank", _I), ("singular_col", _I), ("noffdiag", _I),
                ("flops", _D), ("rcond", _D), ("condest", _D), ("rgrowth", _D), ("work", _D),
                ("memusage", ctypes.c_size_t), ("mempeak", ctypes.c_size_t)]


_LIB: list = []        # [library or None], loaded once


def load():
    """The KLU library shipped with ``kvxopt``, its functions typed; None when absent or of another layout."""
    if _LIB:
        return _LIB[0]
    lib = None
    try:
        import kvxopt
        found = sorted(glob.glob(os.path.join(os.path.dirname(kvxopt.__file__), os.pardir, "kvxopt.libs", "libklu-*.so*")))
        if found:
            lib = ctypes.CDLL(found[0])
            _declare(lib)
            c = _Common()
            lib.klu_l_defaults(ctypes.byref(c))
            if (c.tol, c.memgrow, c.initmem, c.btf, c.ordering, c.scale, c.halt_if_singular) != (0.001, 1.2, 10.0, 1, 0, 2, 1):
                lib = None
    except (ImportError, OSError, AttributeError):
        lib = None
    _LIB.append(lib)
    return lib


def _declare(lib) -> None:
    """Argument and result types of the KLU functions used."""
    ip = np.ctypeslib.ndpointer(np.int64, flags="C")
    dp = np.ctypeslib.ndpointer(np.float64, flags="C")
    com = ctypes.POINTER(_Common)
    lib.klu_l_defaults.argtypes = [com]
    lib.klu_l_analyze.argtypes, lib.klu_l_analyze.restype = [_I, ip, ip, com], _P
    lib.klu_l_factor.argtypes, lib.klu_l_factor.restype = [ip, ip, dp, _P, com], _P
    lib.klu_l_refactor.argtypes, lib.klu_l_refactor.restype = [ip, ip, dp, _P, _P, com], _I
    lib.klu_l_rcond.argtypes, lib.klu_l_rcond.restype = [_P, _P, com], _I
    lib.klu_l_solve.argtypes, lib.klu_l_solve.restype = [_P, _P, _I, _I, dp, com], _I
    lib.klu_l_flops.argtypes, lib.klu_l_flops.restype = [_P, _P, com], _I
    lib.klu_l_free_numeric.argtypes = [ctypes.POINTER(_P), com]
    lib.klu_l_free_symbolic.argtypes = [ctypes.POINTER(_P), com]


class KLU:
    """LU factorisations of one ``n`` x ``n`` sparsity structure (``rows``, ``cols``; no repeats;
    ``order``: their compressed-column order, when the caller has it).

    :meth:`factor` factorises from scratch (KLU's partial pivoting) or, with ``reuse``, refactorises
    with the pivot order of the last factorisation; a refactorisation whose pivots have become small
    (reciprocal condition estimate below ``REUSE_RCOND`` of the last full factorisation's) is
    replaced by a full one."""

    REUSE_RCOND = 1e-3

    def __init__(self, lib, rows, cols, n: int, order=None) -> None:
        rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
        self._lib, self.n = lib, n
        self._order = np.lexsort((rows, cols)) if order is None else order   # compressed-column order
        counts = np.bincount(cols, minlength=n)
        self._Ap = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self._Ai = np.ascontiguousarray(rows[self._order])
        self._c = _Common()
        lib.klu_l_defaults(ctypes.byref(self._c))
        self._sym = lib.klu_l_analyze(n, self._Ap, self._Ai, ctypes.byref(self._c))
        if not self._sym:
            raise ValueError("KLU: the analysis failed (structurally singular)")
        self._num = None
        self._rcond = 0.0
        self.refreshed = True        # whether the last factorisation chose its pivots afresh

    def factor(self, data, reuse: bool = False) -> bool:
        """Factorise with these values (in the order of ``rows``, ``cols``); False when singular."""
        ax = np.ascontiguousarray(np.asarray(data, dtype=float)[self._order])
        lib, c = self._lib, ctypes.byref(self._c)
        if reuse and self._num is not None:
            if lib.klu_l_refactor(self._Ap, self._Ai, ax, self._sym, self._num, c) and lib.klu_l_rcond(self._sym, self._num, c) \
                    and np.isfinite(self._c.rcond) and self._c.rcond >= self.REUSE_RCOND * self._rcond:
                self.refreshed = False
                return True
        self.refreshed = True
        self._free_numeric()
        self._num = lib.klu_l_factor(self._Ap, self._Ai, ax, self._sym, c)
        if not self._num:
            return False
        lib.klu_l_rcond(self._sym, self._num, c)
        self._rcond = float(self._c.rcond)
        return bool(np.isfinite(self._rcond) and self._rcond > 0.0)

    def solve(self, b) -> np.ndarray:
        """x with A x = b, by the last factorisation."""
        x = np.array(b, dtype=float)
        self._lib.klu_l_solve(self._sym, self._num, self.n, 1, x, ctypes.byref(self._c))
        return x

    def flops(self) -> float:
        """Floating-point operations of the last factorisation (KLU's count; a benchmark statistic)."""
        self._lib.klu_l_flops(self._sym, self._num, ctypes.byref(self._c))
        return float(self._c.flops)

    def _free_numeric(self) -> None:
        if self._num:
            self._lib.klu_l_free_numeric(ctypes.byref(_P(self._num)), ctypes.byref(self._c))
        self._num = None

    def __del__(self) -> None:
        try:
            self._free_numeric()
            if self._sym:
                self._lib.klu_l_free_symbolic(ctypes.byref(_P(self._sym)), ctypes.byref(self._c))
                self._sym = None
        except Exception:  # noqa: BLE001  (interpreter shutdown)
            pass
