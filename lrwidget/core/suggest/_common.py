"""Shared input handling for the suggesters: validation, the non-finite cut, and answer helpers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np

from lrwidget.core import _checks
from lrwidget.core.formatting import format_lr
from lrwidget.core.suggestion import Suggestion

MIN_POINTS = 5


@dataclass(frozen=True)
class Curve:
    """A validated curve, cut before its first non-finite loss."""

    lrs: np.ndarray
    losses: np.ndarray
    n_given: int  # points before the cut

    @property
    def n(self) -> int:
        return int(self.lrs.size)

    @property
    def log_lrs(self) -> np.ndarray:
        return np.log10(self.lrs)


def _as_1d(name: str, values: Any) -> np.ndarray:
    return _checks.array_1d(name, values)  # the package's one rule: TypeError for non-numbers


def validate(lrs: Any, losses: Any) -> tuple[np.ndarray, np.ndarray]:
    """Check the inputs every suggester shares; ValueError names the problem."""
    lrs_a = _as_1d("lrs", lrs)
    losses_a = _as_1d("losses", losses)
    if lrs_a.size != losses_a.size:
        raise ValueError(
            f"lrs and losses must have the same length, got {lrs_a.size} lrs and {losses_a.size} losses"
        )
    if not np.all(np.isfinite(lrs_a)) or np.any(lrs_a <= 0):
        raise ValueError("lrs must be finite and positive (learning rates are plotted on a log axis)")
    if lrs_a.size > 1 and np.any(np.diff(lrs_a) <= 0):
        first = int(np.flatnonzero(np.diff(lrs_a) <= 0)[0])
        raise ValueError(
            f"lrs must be strictly increasing; lrs[{first + 1}]={lrs_a[first + 1]:g} "
            f"does not exceed lrs[{first}]={lrs_a[first]:g}"
        )
    return lrs_a, losses_a


def prepare(method: str, lrs: Any, losses: Any) -> Curve | Suggestion:
    """Validate, cut before the first non-finite loss, and refuse curves shorter than MIN_POINTS.

    Returns the Curve to work on, or the ``lr=None`` Suggestion to give back as is.
    """
    lrs_a, losses_a = validate(lrs, losses)
    n_given = int(lrs_a.size)
    bad = np.flatnonzero(~np.isfinite(losses_a))
    cut = int(bad[0]) if bad.size else n_given
    if cut < MIN_POINTS:
        if bad.size:
            reason = (
                f"the loss became {losses_a[cut]} at point {cut} (lr={format_lr(lrs_a[cut])}), "
                f"leaving only {cut} usable points; a suggestion needs at least {MIN_POINTS}: "
                "start the sweep at a lower start_lr"
            )
        else:
            reason = (
                f"the curve has only {n_given} points; a suggestion needs at least {MIN_POINTS}: "
                "sweep with a larger num_it"
            )
        return none(method, reason, n_given=n_given, n_used=cut)
    return Curve(lrs_a[:cut].copy(), losses_a[:cut].copy(), n_given)


def none(method: str, reason: str, **params: Any) -> Suggestion:
    """A Suggestion without a learning rate, saying why."""
    return Suggestion(method=method, lr=None, index=None, reason=reason, params=params)


def nearest_index(log_lrs: np.ndarray, lr: float) -> int:
    """Index of the curve point closest to ``lr`` in log space."""
    x = math.log10(lr)
    i = int(np.searchsorted(log_lrs, x))
    if i <= 0:
        return 0
    if i >= log_lrs.size:
        return int(log_lrs.size - 1)
    return i if log_lrs[i] - x < x - log_lrs[i - 1] else i - 1


def clip_into(curve: Curve, lr: float) -> tuple[float, str]:
    """Clip ``lr`` into the swept range; the second value is a note when clipping happened."""
    lo, hi = float(curve.lrs[0]), float(curve.lrs[-1])
    if lr < lo:
        return (
            lo,
            f"{format_lr(lr)} lies below the swept range, so the first lr {format_lr(lo)} is given",
        )
    if lr > hi:
        return (
            hi,
            f"{format_lr(lr)} lies above the swept range, so the last lr {format_lr(hi)} is given",
        )
    return lr, ""


def answer(
    method: str,
    curve: Curve,
    lr: float,
    note: str = "",
    trace: tuple = (),
    confidence: float | None = None,
    **params: Any,
) -> Suggestion:
    """A Suggestion with ``lr`` clipped into the swept range and ``index`` the nearest curve point."""
    if not math.isfinite(lr):  # defensive: no caller should get here
        return none(method, "the computation overflowed on this curve (loss values too large)", **params)
    lr, clip_note = clip_into(curve, float(lr))
    reason = "; ".join(part for part in (note, clip_note) if part)
    if curve.n < curve.n_given:
        params.setdefault("cut_at", curve.n)
    return Suggestion(
        method=method,
        lr=lr,
        index=nearest_index(curve.log_lrs, lr),
        reason=reason,
        params=params,
        trace=trace,
        confidence=confidence,
    )


def positive(name: str, value: Any, *, allow_zero: bool = False) -> float:
    """A finite real parameter > 0 (or >= 0), else ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    ok = math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        raise ValueError(f"{name} must be a finite number {'>=' if allow_zero else '>'} 0, got {value}")
    return value


def fraction(name: str, value: Any) -> float:
    """A real parameter in [0, 1], else ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value}")
    return value


def descent_height(losses: np.ndarray) -> float:
    """How far the loss falls: highest point before the minimum minus the minimum (0: no descent)."""
    i_min = int(np.argmin(losses))
    with np.errstate(all="ignore"):
        height = float(np.max(losses[: i_min + 1]) - losses[i_min])
    return height if math.isfinite(height) else math.inf
