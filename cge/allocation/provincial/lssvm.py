"""Least-squares support vector regression (LS-SVR, Suykens & Vandewalle 1999) with an RBF kernel.

The LS-SVM replaces the SVM's inequality constraints by equalities and a squared loss, so
training is one linear system (the dual, Suykens et al. 2002, *Least Squares Support Vector
Machines*, eq. 3.11):

    [ 0   1^T           ] [ b     ]   [ 0 ]
    [ 1   K + I / gamma ] [ alpha ] = [ y ],     K_ij = exp(-||x_i - x_j||^2 / (2 sigma^2)),

and the prediction is ``f(x) = sum_i alpha_i k(x, x_i) + b``.  ``gamma`` (> 0) is the
regularisation weight (large = fit closely), ``sigma`` (> 0) the kernel width in the units of
the (standardised) features.  Used by :mod:`cge.allocation.provincial.amlc` with hyperparameters tuned by
:func:`cge.allocation.provincial.pso.pso_minimize`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import linalg


def rbf_kernel(x: np.ndarray, z: np.ndarray, sigma: float) -> np.ndarray:
    """RBF (Gaussian) kernel matrix exp(-||x_i - z_j||^2 / (2 sigma^2))."""
    sq = (x * x).sum(axis=1)[:, None] + (z * z).sum(axis=1)[None, :] - 2.0 * x @ z.T
    return np.exp(-np.maximum(sq, 0.0) / (2.0 * sigma * sigma))


def _as_2d(x: np.ndarray, name: str) -> np.ndarray:
    """A finite 2-D float array (a 1-D input is one feature), or ValueError."""
    a = np.asarray(x, dtype=float)
    a = a[:, None] if a.ndim == 1 else a
    if a.ndim != 2 or a.shape[0] == 0:
        raise ValueError(f"{name}: expected a non-empty 2-D array (samples x features), got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{name}: contains non-finite values")
    return a


@dataclass
class LSSVR:
    """LS-SVM regression with an RBF kernel; ``fit`` solves the dual linear system."""

    gamma: float = 10.0
    sigma: float = 1.0
    alpha: np.ndarray = field(default=None, repr=False)   # dual coefficients, one per training sample
    bias: float = 0.0
    x_train: np.ndarray = field(default=None, repr=False)

    def __post_init__(self) -> None:
        """Validate the hyperparameters."""
        for name in ("gamma", "sigma"):
            v = float(getattr(self, name))
            if not (np.isfinite(v) and v > 0):
                raise ValueError(f"LS-SVR: {name} = {v}; must be a finite number > 0")

    def fit(self, x: np.ndarray, y: np.ndarray) -> "LSSVR":
        """Solve the dual system for (bias, alpha) on samples x (n x p) and targets y (n)."""
        x = _as_2d(x, "x")
        y = np.asarray(y, dtype=float).ravel()
        if y.shape != (x.shape[0],) or not np.isfinite(y).all():
            raise ValueError(f"y: expected {x.shape[0]} finite targets, got shape {y.shape}")
        n = x.shape[0]
        a = np.empty((n + 1, n + 1))
        a[0, 0], a[0, 1:], a[1:, 0] = 0.0, 1.0, 1.0
        a[1:, 1:] = rbf_kernel(x, x, self.sigma) + np.eye(n) / self.gamma
        sol = linalg.solve(a, np.concatenate([[0.0], y]), assume_a="sym")
        self.bias, self.alpha, self.x_train = float(sol[0]), sol[1:], x
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        """f(x) = K(x, x_train) alpha + bias."""
        if self.alpha is None:
            raise RuntimeError("LS-SVR: call fit() before predict()")
        x = _as_2d(x, "x")
        if x.shape[1] != self.x_train.shape[1]:
            raise ValueError(f"x: {x.shape[1]} features, model trained on {self.x_train.shape[1]}")
        return rbf_kernel(x, self.x_train, self.sigma) @ self.alpha + self.bias
