"""Learning-rate suggesters: ``f(lrs, losses, **params) -> Suggestion`` (public as ``lrwidget.suggest``).

All share one contract: invalid input (lengths differ, lrs not 1-D, not positive or not strictly
increasing) raises ValueError; the curve is cut before its first non-finite loss; on what remains
(5 points at least) each answers with an lr inside the swept range, or ``lr=None`` and a reason.
"""

from __future__ import annotations

from collections.abc import Callable

from lrwidget.core.suggest._auto import auto, lr_slice
from lrwidget.core.suggest._common import MIN_POINTS
from lrwidget.core.suggest._minimum import minimum
from lrwidget.core.suggest._slide import rule_gradient, slide_rule, slide_rule_scaled
from lrwidget.core.suggest._steepest import steepest
from lrwidget.core.suggest._valley import valley
from lrwidget.core.suggestion import SlideStep, Suggestion

METHODS: dict[str, Callable[..., Suggestion]] = {
    "slide_rule": slide_rule,
    "slide_rule_scaled": slide_rule_scaled,
    "valley": valley,
    "steepest": steepest,
    "minimum": minimum,
    "auto": auto,
}

__all__ = [
    "METHODS",
    "MIN_POINTS",
    "SlideStep",
    "Suggestion",
    "auto",
    "lr_slice",
    "minimum",
    "rule_gradient",
    "slide_rule",
    "slide_rule_scaled",
    "steepest",
    "valley",
]
