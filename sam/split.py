"""Split parent sectors of an extended IO table into children and restore balance.

The method (documented in ``sam/REPORT.md``):

1. **Prior.**  Every cell of the child-level table starts from its parent cell times a
   *row weight* (the share of child ``r`` in what column ``c`` buys of the parent commodity)
   times a *column weight* (the share of child ``c`` in what the parent sector buys of row
   ``r``).  Both default to the children's output shares; data files override them (fuel use
   by user from CEADs, fuel inputs by generation technology, cost structures).  Where a parent
   buys from itself, an explicit child-by-child block may replace the product (the power
   grid buys all generation).
2. **Balance.**  Iterative proportional fitting (a multi-margin RAS) rescales the free cells so
   that, at the same time, (a) the children's cells add up to every parent cell of the NBS
   table, (b) each child's domestic row adds up to its gross output, (c) each child's import
   row adds up to its imports, and (d) each child's column adds up to its gross output.
   Negative cells (inventory draw-downs, production subsidies) are held at their prior.
   RAS keeps zeros at zero and signs unchanged, and changes every cell by the smallest
   multiplicative factors that meet the margins (it is the minimum cross-entropy solution
   for these constraints, Bacharach 1970; Golan, Judge and Robinson 1994).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import BalanceError, InputError
from .io_table import ExtendedIO


@dataclass
class ChildSpec:
    """How one parent sector splits into its children.

    go:        gross output target by child (billion yuan), sums to the parent's.
    im:        import target by child (billion yuan), sums to the parent's imports.
    row_w:     children x parent-level columns: weight of each child in what the column buys
               (domestic rows); columns not given use ``go`` shares.
    row_w_imp: the same for import rows; columns not given use ``im`` shares.
    col_w:     children x parent-level rows (``d:02``, ``m:02``, ``va:lab``...): weight of each
               child in the parent's purchases of that row; rows not given use ``go`` shares.
    block:     optional children x children prior for the parent's purchases from itself.
    notes:     free-text lines for the report.
    """

    parent: str
    go: pd.Series
    im: pd.Series
    row_w: pd.DataFrame = field(default_factory=pd.DataFrame)
    row_w_imp: pd.DataFrame = field(default_factory=pd.DataFrame)
    col_w: pd.DataFrame = field(default_factory=pd.DataFrame)
    block: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def children(self) -> list[str]:
        """Children codes in order."""
        return list(self.go.index)


def _normalise(w: pd.Series, default: pd.Series, what: str) -> pd.Series:
    """Normalise weights to sum 1; fall back to ``default`` when all are zero."""
    tot = float(w.sum())
    if tot <= 0:
        tot_d = float(default.sum())
        if tot_d <= 0:
            return pd.Series(1.0 / len(w), index=w.index)
        return default / tot_d
    if (w < 0).any():
        raise InputError(f"negative split weight in {what}: {w[w < 0].to_dict()}")
    return w / tot


def _weights(spec_w: pd.DataFrame, default: pd.Series, keys: list[str], what: str) -> pd.DataFrame:
    """children x keys matrix of normalised weights (spec where given, default elsewhere)."""
    out = pd.DataFrame(index=default.index, columns=keys, dtype=float)
    for k in keys:
        if not spec_w.empty and k in spec_w.columns and spec_w[k].notna().any():
            w = spec_w[k].reindex(default.index).fillna(0.0).astype(float)
        else:
            w = default.copy()
        out[k] = _normalise(w, default, f"{what} [{k}]").to_numpy()
    return out


def child_labels(sectors65: pd.DataFrame) -> tuple[list[str], list[str], dict[str, str]]:
    """Row and column labels of the child-level table and the child -> parent map."""
    codes = list(sectors65["code"])
    parent = dict(zip(sectors65["code"], sectors65["io42"]))
    return codes, list(dict.fromkeys(parent.values())), parent


def split_table(io: ExtendedIO, sectors65: pd.DataFrame, specs: dict[str, ChildSpec],
                finals: list[str], tol: float = 1e-13, max_iter: int = 20000) -> tuple[ExtendedIO, dict]:
    """Split the parents named in ``specs`` and balance; returns the child-level table and diagnostics."""
    T42 = io.table
    codes65 = list(sectors65["code"])
    par = dict(zip(sectors65["code"], sectors65["io42"]))
    va_rows = [r for r in T42.index if r.startswith("va:")]
    rows65 = [f"d:{c}" for c in codes65] + [f"m:{c}" for c in codes65] + va_rows
    cols65 = codes65 + finals
    R42 = [f"d:{par[c]}" for c in codes65] + [f"m:{par[c]}" for c in codes65] + va_rows
    C42 = [par[c] for c in codes65] + finals
    rows42, cols42 = list(T42.index), list(T42.columns)
    ri = np.array([rows42.index(r) for r in R42])
    ci = np.array([cols42.index(c) for c in C42])
    n_r, n_c = len(rows65), len(cols65)

    # weights: W_row[r65, c42] and W_col[c65, r42]; 1 for unsplit sectors
    W_row = np.ones((n_r, len(cols42)))
    W_col = np.ones((n_c, len(rows42)))
    for p, spec in specs.items():
        kids = spec.children
        if abs(spec.go.sum() - io.gross_output[p]) > 1e-6 * max(1.0, io.gross_output[p]):
            raise BalanceError(f"split of {p}: children's output {spec.go.sum():.6f} != parent's {io.gross_output[p]:.6f}")
        im_p = float(T42.loc[f"m:{p}"].sum())
        if abs(spec.im.sum() - im_p) > 1e-6 * max(1.0, im_p):
            raise BalanceError(f"split of {p}: children's imports {spec.im.sum():.6f} != parent's {im_p:.6f}")
        wr = _weights(spec.row_w, spec.go, cols42, f"row weights of {p}")
        wm = _weights(spec.row_w_imp, spec.im, cols42, f"import row weights of {p}")
        wc = _weights(spec.col_w, spec.go, rows42, f"column weights of {p}")
        for k in kids:
            W_row[rows65.index(f"d:{k}"), :] = wr.loc[k].to_numpy()
            W_row[rows65.index(f"m:{k}"), :] = wm.loc[k].to_numpy()
            W_col[cols65.index(k), :] = wc.loc[k].to_numpy()
    base = T42.to_numpy()[np.ix_(ri, ci)]
    X = base * W_row[:, ci] * W_col[:, ri].T
    # explicit diagonal blocks
    for p, spec in specs.items():
        if spec.block is None:
            continue
        kids = spec.children
        b = spec.block.reindex(index=kids, columns=kids).fillna(0.0).to_numpy(dtype=float)
        if b.sum() <= 0 or (b < 0).any():
            raise InputError(f"block prior of {p} must be non-negative with a positive sum")
        rr = [rows65.index(f"d:{k}") for k in kids]
        cc = [cols65.index(k) for k in kids]
        X[np.ix_(rr, cc)] = T42.loc[f"d:{p}", p] * b / b.sum()

    split_parents = set(specs)
    row_split = np.array([par.get(r[2:], None) in split_parents if not r.startswith("va:") else False for r in rows65])
    col_split = np.array([par.get(c, None) in split_parents for c in cols65])
    adjustable = (row_split[:, None] | col_split[None, :]) & (X > 0)
    fixed = ~adjustable

    # constraint families: (group index per cell or -1, target per group)
    fams: list[tuple[str, np.ndarray, np.ndarray, list[str]]] = []
    # (a) aggregation to parent cells
    agg_id = np.full((n_r, n_c), -1)
    cell_key = ri[:, None] * len(cols42) + ci[None, :]
    involved = row_split[:, None] | col_split[None, :]
    keys = np.unique(cell_key[involved])
    lookup = {int(k): g for g, k in enumerate(keys)}
    agg_id[involved] = [lookup[int(k)] for k in cell_key[involved]]
    flatT = T42.to_numpy().ravel()
    fams.append(("parent cell", agg_id, flatT[keys], [f"{rows42[k // len(cols42)]}|{cols42[k % len(cols42)]}" for k in keys]))
    # (b)(c) child rows, (d) child columns
    kids_all = [k for s in specs.values() for k in s.children]
    go = pd.concat([s.go for s in specs.values()])
    im = pd.concat([s.im for s in specs.values()])
    row_id = np.full((n_r, n_c), -1)
    row_t, row_n = [], []
    for g, k in enumerate(kids_all):
        row_id[rows65.index(f"d:{k}"), :] = 2 * g
        row_id[rows65.index(f"m:{k}"), :] = 2 * g + 1
        row_t += [go[k], im[k]]
        row_n += [f"row d:{k}", f"row m:{k}"]
    fams.append(("child row", row_id, np.array(row_t), row_n))
    col_id = np.full((n_r, n_c), -1)
    for g, k in enumerate(kids_all):
        col_id[:, cols65.index(k)] = g
    fams.append(("child column", col_id, go[kids_all].to_numpy(), [f"column {k}" for k in kids_all]))

    x = X.ravel().copy()
    fx = fixed.ravel()
    it, worst = 0, np.inf
    for it in range(1, max_iter + 1):
        for name, gid, target, labels in fams:
            g = gid.ravel()
            m_free = (g >= 0) & ~fx
            m_fix = (g >= 0) & fx
            s_free = np.bincount(g[m_free], weights=x[m_free], minlength=len(target))
            s_fix = np.bincount(g[m_fix], weights=x[m_fix], minlength=len(target))
            need = target - s_fix
            bad = (s_free <= 0) & (np.abs(need) > 1e-9 * np.maximum(1.0, np.abs(target)))
            if bad.any():
                j = int(np.flatnonzero(bad)[0])
                raise BalanceError(f"split cannot be balanced: {name} {labels[j]} needs {need[j]:.6g} but has no free cell")
            f = np.where(s_free > 0, need / np.where(s_free > 0, s_free, 1.0), 1.0)
            if (f < 0).any():
                j = int(np.flatnonzero(f < 0)[0])
                raise BalanceError(f"split cannot be balanced: {name} {labels[j]}: fixed cells exceed the target")
            x[m_free] *= f[g[m_free]]
        worst, where = 0.0, ""
        for name, gid, target, labels in fams:
            g = gid.ravel()
            s = np.bincount(g[g >= 0], weights=x[g >= 0], minlength=len(target))
            err = np.abs(s - target) / np.maximum(1.0, np.abs(target))
            j = int(np.argmax(err))
            if err[j] > worst:
                worst, where = float(err[j]), f"{name} {labels[j]} (sum {s[j]:.4f} vs target {target[j]:.4f})"
        if worst < tol:
            break
    else:
        raise BalanceError(f"RAS did not converge in {max_iter} iterations: worst relative error {worst:.3g} at {where}")
    Xb = x.reshape(n_r, n_c)
    out = pd.DataFrame(Xb, index=rows65, columns=cols65)
    prior = pd.DataFrame(X, index=rows65, columns=cols65)
    return ExtendedIO(out, codes65), {"prior": prior, "iterations": it, "worst": worst,
                                      "adjustable": int(adjustable.sum())}
