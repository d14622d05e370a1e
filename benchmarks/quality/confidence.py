"""Fit and check auto's confidence: a logistic score of how risky the rates around its pick are (numpy only).

The target of the fit is not the single pick's catastrophe (43 events in 360 curves, too few and too
sensitive to where the pick lands) but its *risk*: the share of rates within ``RISK_WIDTH`` decades of
the pick that are catastrophic on the task's ground truth. The features are the ones ``auto`` puts in its
``params``: ``anchor_gap_decades``, ``diverged`` and ``fall_to_noise``. The fit is made on the design
families; leave-one-family-out refits it without each family and scores that family with it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from benchmarks.quality import evaluation as ev
from lrwidget.core.suggestion import Suggestion

RISK_WIDTH = 0.3  # decades each side of the pick whose catastrophes make its risk
FEATURES = ("gap", "diverged", "fall")
L2 = 1.0  # ridge on the standardised coefficients


def features(s: Suggestion) -> tuple[float, float, float] | None:
    """auto's confidence features, or None for a pick with no descent to read (flat)."""
    p = s.params
    if p.get("flat") or "anchor_gap_decades" not in p:
        return None
    return float(p["anchor_gap_decades"]), float(bool(p["diverged"])), float(p["fall_to_noise"])


def risk(truth: ev.Truth, lr: float, width: float = RISK_WIDTH, points: int = 61) -> float:
    """Share of the rates within ``width`` decades of ``lr`` whose pick would be catastrophic."""
    x = math.log10(lr)
    return float(
        np.mean([ev.score_pick(truth, 10**v).catastrophic for v in np.linspace(x - width, x + width, points)])
    )


@dataclass(frozen=True)
class Fit:
    """Logistic coefficients in the features' own units: ``risk ~ 1 / (1 + exp(-(bias + w . f)))``."""

    bias: float
    weights: dict[str, float]

    def confidence(self, f: tuple[float, float, float] | None) -> float:
        """1 - fitted risk (0 for a flat pick), the same formula as ``lrwidget.core.suggest._auto.score``."""
        if f is None:
            return 0.0
        z = self.bias + sum(self.weights[k] * v for k, v in zip(FEATURES, f, strict=True))
        return 1.0 / (1.0 + math.exp(min(max(z, -50.0), 50.0)))


def fit(rows: Sequence[tuple[float, float, float]], targets: Sequence[float], l2: float = L2) -> Fit:
    """Ridge-penalised logistic regression (Newton steps) of ``targets`` in [0, 1] on ``rows``."""
    x = np.asarray(rows, dtype=float)
    y = np.asarray(targets, dtype=float)
    if x.ndim != 2 or x.shape[0] != y.size or x.shape[0] < 3:
        raise ValueError("rows must be (n, 3) with one target each, n >= 3")
    mu, sd = x.mean(axis=0), x.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    z = np.c_[np.ones(len(x)), (x - mu) / sd]
    w = np.zeros(z.shape[1])
    penalty = l2 * np.diag(np.r_[0.0, np.ones(z.shape[1] - 1)])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-z @ w))
        grad = z.T @ (p - y) + penalty @ w
        hess = (z * (p * (1 - p))[:, None]).T @ z + penalty
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-10:
            break
    raw = w[1:] / sd
    return Fit(float(w[0] - raw @ mu), dict(zip(FEATURES, raw.tolist(), strict=True)))


def thirds(conf: np.ndarray, catastrophic: np.ndarray) -> list[np.ndarray]:
    """Indices of the low, middle and high thirds by confidence (stable order)."""
    return np.array_split(np.argsort(conf, kind="mergesort"), 3)
