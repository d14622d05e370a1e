"""Learning-rate suggesters: ``f(lrs, losses, **params) -> Suggestion`` (public as ``lrwidget.suggest``).

All share one contract: invalid input (lengths differ, lrs not 1-D, not positive or not strictly
increasing) raises ValueError; the curve is cut before its first non-finite loss; on what remains
(5 points at least) each answers with an lr inside the swept range, or ``lr=None`` and a reason.
Each also takes ``stop_reason`` and ``num_it`` (keywords) and then adds ``caveats`` when the curve is
partial; ``auto`` also takes the raw losses (``raw``). ``from_sweep`` passes each what it reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lrwidget.core.suggest._auto import auto, drawable_reading, lr_slice, reading_curve
from lrwidget.core.suggest._common import MIN_POINTS
from lrwidget.core.suggest._confirm import TRIAL_GRID_PER_DECADE
from lrwidget.core.suggest._minimum import minimum
from lrwidget.core.suggest._slide import rule_gradient, slide_rule, slide_rule_scaled
from lrwidget.core.suggest._steepest import steepest
from lrwidget.core.suggest._sweep import turned_up
from lrwidget.core.suggest._valley import valley
from lrwidget.core.suggestion import CONFIDENCE_LEVELS, SlicePick, SlideStep, Suggestion, confidence_word

METHODS: dict[str, Callable[..., Suggestion]] = {
    "slide_rule": slide_rule,
    "slide_rule_scaled": slide_rule_scaled,
    "valley": valley,
    "steepest": steepest,
    "minimum": minimum,
    "auto": auto,
}

#: Methods that read the raw losses as well as the smoothed ones.
READS_RAW = frozenset({"auto"})


def from_sweep(
    method: str,
    lrs: Any,
    smoothed: Any,
    *,
    raw: Any = None,
    stop_reason: str | None = None,
    num_it: int | None = None,
    **params: Any,
) -> Suggestion:
    """``METHODS[method]`` on a sweep's curve, told what it may know about the sweep: the smoothed losses
    (as fastai's suggesters see them), the raw ones for the methods in ``READS_RAW``, why the sweep stopped
    and how many steps were planned (for the partial-curve caveats)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {tuple(METHODS)}, got {method!r}")
    context: dict[str, Any] = {"stop_reason": stop_reason, "num_it": num_it}
    if method in READS_RAW and raw is not None:
        context["raw"] = raw
    return METHODS[method](lrs, smoothed, **params, **context)


__all__ = [
    "CONFIDENCE_LEVELS",
    "METHODS",
    "MIN_POINTS",
    "READS_RAW",
    "TRIAL_GRID_PER_DECADE",
    "SlicePick",
    "SlideStep",
    "Suggestion",
    "auto",
    "confidence_word",
    "drawable_reading",
    "from_sweep",
    "lr_slice",
    "minimum",
    "reading_curve",
    "rule_gradient",
    "slide_rule",
    "slide_rule_scaled",
    "steepest",
    "turned_up",
    "valley",
]
