"""What a suggester may be told about the sweep behind a curve, and the caveats when the curve is partial.

A curve alone cannot say whether the sweep stopped by hand before the loss turned up, or reached its last
rate while the loss was still falling: in both cases the minimum of the curve is only where the
measuring stopped. ``RangeTestResult.suggest`` passes ``stop_reason`` and ``num_it``; a suggester called on
bare arrays judges from the curve's shape alone.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from lrwidget.core import _checks
from lrwidget.core.events import STOP_REASONS
from lrwidget.core.formatting import format_lr
from lrwidget.core.suggest._common import Curve
from lrwidget.core.suggestion import Suggestion

ENDED_EARLY = ("cancelled", "error", "interrupted")  # stopped by something other than the loss
TURN_UP = 0.25  # the loss "turned up" when it rose after its minimum by this share of its fall
REAL_FALL = 0.05  # ... and that fall was at least this share of the starting loss (not a noisy flat)


@dataclass(frozen=True)
class Sweep:
    """The sweep's outcome, when known: why it stopped, and how many steps were planned."""

    stop_reason: str | None = None
    num_it: int | None = None


def sweep(stop_reason: Any = None, num_it: Any = None) -> Sweep:
    """Validated sweep context (both optional)."""
    reason = None if stop_reason is None else _checks.choice("stop_reason", stop_reason, STOP_REASONS)
    planned = None if num_it is None else _checks.integer("num_it", num_it, low=0)
    return Sweep(reason, planned or None)


def turned_up(losses: np.ndarray) -> bool:
    """Whether the loss rises again after its minimum (ignoring the first tenth of the points) by at least
    ``TURN_UP`` of the fall before it, the fall being at least ``REAL_FALL`` of the first loss: the sign
    that the curve reached the unstable rates."""
    n = losses.size
    skip = max(1, n // 10)
    if n <= skip + 1:
        return False
    i_min = skip + int(np.argmin(losses[skip:]))
    with np.errstate(all="ignore"):
        fall = float(np.max(losses[: i_min + 1]) - losses[i_min])
        rise = float(np.max(losses[i_min:]) - losses[i_min])
    return fall > REAL_FALL * abs(float(losses[0])) and rise >= TURN_UP * fall


def is_partial(curve: Curve, context: Sweep) -> bool:
    """True when the curve probably ends before the unstable rates (see ``partial_caveats``)."""
    return bool(partial_caveats(curve, context))


def partial_caveats(curve: Curve, context: Sweep) -> tuple[str, ...]:
    """Plain sentences saying the curve is partial, or ``()`` when it reached the unstable rates.

    A sweep that diverged (or whose loss became non-finite) is complete; so is any curve whose loss turned
    up. Otherwise: stopped by hand, error or interrupt ("the curve is partial"), completed ("the best rate
    may lie above the range"), or, with no stop reason given, fewer points than ``num_it`` planned.
    """
    reason = context.stop_reason
    if reason in ("diverged", "non_finite") or curve.n < curve.n_given or turned_up(curve.losses):
        return ()
    last = f"{format_lr(curve.lrs[-1])}"
    if reason in ENDED_EARLY:
        how = "was stopped by hand" if reason == "cancelled" else f"ended early ({reason})"
        return (
            f"The sweep {how} at lr {last}, before the loss turned up: the curve is partial, so the pick "
            "is read from the part that was measured and the best rate may be higher. Sweep again to the "
            "end to confirm it.",
        )
    if reason == "completed":
        return (
            f"The sweep reached its last lr ({last}) without the loss turning up: the best rate may lie at "
            "or above the end of the range. Sweep to a higher end_lr to see the whole curve.",
        )
    if context.num_it is not None and curve.n_given < context.num_it:
        return (
            f"The curve has {curve.n_given} of the {context.num_it} planned points and the loss had not "
            "turned up: the curve is partial and the best rate may be higher.",
        )
    return (
        "The loss does not turn up by the end of the curve: if the sweep stopped early, the best rate may "
        "lie above the range.",
    )


def ended_early(curve: Curve, context: Sweep) -> bool:
    """True when the sweep ended before its last planned lr for a reason other than the loss (stopped by
    hand, an error, an interrupt, or fewer points than ``num_it``) and the loss had not turned up."""
    if not is_partial(curve, context):
        return False
    if context.stop_reason in ENDED_EARLY:
        return True
    return context.stop_reason is None and context.num_it is not None and curve.n_given < context.num_it


def attach(suggestion: Suggestion, curve: Curve, context: Sweep) -> Suggestion:
    """``suggestion`` with the partial-curve caveats of ``curve`` under ``context`` added."""
    return with_caveats(suggestion, partial_caveats(curve, context))


def with_caveats(suggestion: Suggestion, caveats: tuple[str, ...]) -> Suggestion:
    """``suggestion`` with ``caveats`` added after its own (each sentence once)."""
    merged = tuple(dict.fromkeys((*suggestion.caveats, *caveats)))
    return suggestion if merged == suggestion.caveats else dataclasses.replace(suggestion, caveats=merged)
