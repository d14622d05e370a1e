"""The default pick (a robust vote of the scale-free methods) and a slice for discriminative fine-tuning."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from lrwidget.core.suggest._common import Curve, answer, none, prepare
from lrwidget.core.suggest._minimum import _minimum
from lrwidget.core.suggest._slide import _slide_rule_scaled
from lrwidget.core.suggest._steepest import _steepest
from lrwidget.core.suggest._valley import _valley
from lrwidget.core.suggestion import Suggestion


def _votes(curve: Curve) -> dict[str, Suggestion]:
    """The methods auto combines, with default parameters. The seed's slide rule is left out: its
    threshold is in loss units and its width in points, so its vote would depend on the loss's scale."""
    return {
        "valley": _valley(curve, 0.5),
        "steepest": _steepest(curve, 0.1, 0.05),
        "slide_rule_scaled": _slide_rule_scaled(curve, 1.2, 0.3, 1.0),
        "minimum": _minimum(curve, 10.0),
    }


def auto(lrs: Any, losses: Any) -> Suggestion:
    """The median, in log10(lr), of the answers of valley, steepest, slide_rule_scaled and minimum.

    A median ignores one wild answer. ``confidence`` is the share of methods that answered times
    ``exp(-spread)``, ``spread`` being the distance in decades between the highest and lowest answer:
    1 when all agree, about 0.37 when they span a decade. A provisional rule, to be tuned on evidence.
    Ignores what its members ignore (see each).
    """
    method = "auto"
    curve = prepare(method, lrs, losses)
    if isinstance(curve, Suggestion):
        return curve
    votes = _votes(curve)
    picks = {name: s.lr for name, s in votes.items()}
    answered = [math.log10(lr) for lr in picks.values() if lr is not None]
    if not answered:
        why = "; ".join(f"{name}: {s.reason}" for name, s in votes.items())
        return none(method, f"no method found a rate ({why})", picks=picks)
    spread = max(answered) - min(answered)
    confidence = len(answered) / len(votes) * math.exp(-spread)
    given = [lr for lr in picks.values() if lr is not None]
    with np.errstate(over="ignore"):  # the median of picks near the float limits may round past them
        lr = float(np.clip(np.power(10.0, np.median(answered)), min(given), max(given)))
    return answer(method, curve, lr, confidence=confidence, picks=picks, spread_decades=spread)


def lr_slice(lrs: Any, losses: Any, method: str = "auto") -> tuple[float, float] | None:
    """``(lo, hi)`` for fastai-style ``slice(lo, hi)``, or None when ``method`` gives no rate.

    ``hi`` is ``method``'s pick (auto by default): the rate for the last layers. ``lo`` is where the
    loss starts to fall (the start of the valley) held between ``hi / 100`` and ``hi / 10`` (``hi / 10``
    when there is no valley), then raised to the first swept lr if below it: the early layers get a
    rate that was still safe in the sweep. None also when that leaves ``lo >= hi``.
    """
    from lrwidget.core.suggest import METHODS

    if method not in METHODS:
        raise ValueError(f"method must be one of {tuple(METHODS)}, got {method!r}")
    top = METHODS[method](lrs, losses)
    if top.lr is None:
        return None
    hi = top.lr
    curve = prepare("valley", lrs, losses)
    lo = hi / 10
    if isinstance(curve, Curve):
        found = _valley(curve, 0.5)
        if found.lr is not None:
            lo = min(max(float(curve.lrs[found.params["start_index"]]), hi / 100), hi / 10)
        lo = max(lo, float(curve.lrs[0]))
    if not lo < hi:
        return None
    return (lo, hi)
