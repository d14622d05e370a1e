"""Loss smoothing (bias-corrected EMA) and the rule that stops a sweep when the loss diverges."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from lrwidget.core.events import StopReason


def _check_beta(beta: float) -> float:
    beta = float(beta)
    if not (0.0 <= beta < 1.0):
        raise ValueError(f"beta must be in [0, 1), got {beta}")
    return beta


class LossSmoother:
    """Exponential moving average with bias correction, correct from the very first point.

    ``avg_t = beta * avg_{t-1} + (1 - beta) * loss_t`` with ``avg_0 = 0``, reported as
    ``avg_t / (1 - beta**t)`` for t = 1, 2, ... So the first smoothed value equals the first loss
    (no start-up dip towards zero, and no off-by-one in the correction's exponent).
    """

    def __init__(self, beta: float = 0.98) -> None:
        self.beta = _check_beta(beta)
        self.reset()

    def reset(self) -> None:
        """Forget every loss seen so far."""
        self._avg = 0.0
        self._count = 0
        self._value = math.nan

    @property
    def count(self) -> int:
        """How many losses were fed in."""
        return self._count

    @property
    def value(self) -> float:
        """The latest smoothed value (nan before the first update)."""
        return self._value

    def update(self, loss: float) -> float:
        """Feed one raw loss, return the bias-corrected smoothed value."""
        self._count += 1
        self._avg = self.beta * self._avg + (1.0 - self.beta) * float(loss)
        self._value = self._avg / (1.0 - self.beta**self._count)
        return self._value


def smooth(losses: Iterable[float], beta: float = 0.98) -> np.ndarray:
    """Smooth a whole curve the way ``LossSmoother`` does point by point."""
    smoother = LossSmoother(beta)
    values = np.asarray(losses, dtype=float)
    if values.ndim != 1:
        raise ValueError(f"losses must be 1-D, got shape {values.shape}")
    with np.errstate(all="ignore"):
        return np.array([smoother.update(v) for v in values.tolist()], dtype=float)


class StopRule:
    """Decide after each step whether the sweep must stop.

    ``check`` answers ``"non_finite"`` when the raw loss is nan or inf (always, even with
    ``stop_div=False``: nothing after it is meaningful), ``"diverged"`` when ``stop_div`` and the
    smoothed loss exceeds ``div_factor`` times the best smoothed loss so far, else ``None``.
    For a best loss <= 0 (a ratio means nothing there) "diverged" means rising by more than
    ``(div_factor - 1) * |best|`` above it, which is the same test for positive losses.
    """

    def __init__(self, div_factor: float = 4.0, stop_div: bool = True) -> None:
        div_factor = float(div_factor)
        if not (math.isfinite(div_factor) and div_factor > 1.0):
            raise ValueError(f"div_factor must be a finite number > 1, got {div_factor}")
        self.div_factor = div_factor
        self.stop_div = bool(stop_div)
        self.reset()

    def reset(self) -> None:
        """Forget the best loss seen so far."""
        self.best = math.inf

    def check(self, loss: float, smoothed: float) -> StopReason | None:
        """Return why the sweep must stop after this step, or None to go on."""
        if not math.isfinite(loss):
            return "non_finite"
        if not math.isfinite(smoothed):  # a finite loss can still overflow the average
            return "non_finite"
        self.best = min(self.best, smoothed)
        if not self.stop_div:
            return None
        if self.best > 0:
            diverged = smoothed > self.div_factor * self.best
        else:
            diverged = smoothed - self.best > (self.div_factor - 1.0) * abs(self.best)
        return "diverged" if diverged else None


MAX_REACH = 8  # points each side of a window; denser curves are first binned (median per bin)


def centred(log_lrs: np.ndarray, losses: np.ndarray, half_width: float, min_points: int = 3) -> np.ndarray:
    """Zero-phase smoothing in log-lr space: a running median, then a running mean, over a window
    centred on each point, ``half_width`` decades each side (at least ``min_points`` points).

    Unlike the sweep's EMA it does not trail the loss, whatever the number of points per decade. The
    median keeps single bad batches from leaking into their neighbours; before the mean (which removes
    the median's steps) values above the highest point before the minimum are capped there, so the
    explosion at the end of a diverging sweep cannot pull the minimum back. Near the ends the window
    shrinks symmetrically, so no point is pulled towards one side. A curve with more than ``MAX_REACH``
    points per half-width is first cut into bins of consecutive points (each its median, at its mean
    log lr), smoothed at that resolution and interpolated back: the cost stays flat as ``num_it`` grows.
    Uneven spacing (a linear sweep) is smoothed by index with the window of the median spacing.
    """
    x = np.asarray(log_lrs, dtype=float)
    y = np.asarray(losses, dtype=float)
    n = y.size
    if n < 3:
        return y.copy()
    k = window_reach(x, half_width, min_points)
    with np.errstate(all="ignore"):
        if k <= MAX_REACH:
            return _smooth_by_index(y, k)
        size = -(-k // MAX_REACH)
        full = n // size
        bx = x[: full * size].reshape(full, size).mean(axis=1)
        by = np.median(y[: full * size].reshape(full, size), axis=1)
        if full * size < n:
            bx = np.append(bx, x[full * size :].mean())
            by = np.append(by, np.median(y[full * size :]))
        smoothed = _smooth_by_index(by, max(min_points, round(k / size)))
        return np.interp(x, bx, smoothed)


def window_reach(log_lrs: np.ndarray, half_width: float, min_points: int = 3) -> int:
    """Points each side of ``centred``'s window: ``half_width`` decades at the median spacing, at least
    ``min_points``."""
    x = np.asarray(log_lrs, dtype=float)
    step = float(np.median(np.diff(x))) if x.size > 1 else 0.0
    return max(min_points, round(half_width / step)) if step > 0 else min_points


def _smooth_by_index(y: np.ndarray, k: int) -> np.ndarray:
    n = y.size
    idx = np.arange(n)
    reach = np.minimum(np.minimum(idx, n - 1 - idx), k)
    median = _windowed(np.median, y, reach)
    finite = np.isfinite(median)
    if finite.any():
        # after the minimum, nothing above the highest point before it: the blow-up stays where it is
        i_min = int(np.argmin(np.where(finite, median, np.inf)))
        median = np.minimum(median, np.max(median[: i_min + 1]))
    return _windowed(np.mean, median, reach)


def _windowed(statistic: Any, y: np.ndarray, reach: np.ndarray) -> np.ndarray:
    """``statistic`` over ``y[i - reach[i] : i + reach[i] + 1]`` for every ``i`` (one call per width)."""
    out = np.empty_like(y)
    for k in np.unique(reach).tolist():
        at = np.flatnonzero(reach == k)
        if k == 0:
            out[at] = y[at]
            continue
        windows = np.lib.stride_tricks.sliding_window_view(y, 2 * k + 1)  # windows[i] is centred on i + k
        out[at] = statistic(windows[at - k], axis=1)
    return out
