"""The classic rule of thumb: a tenth of the rate at the minimum loss."""

from __future__ import annotations

from typing import Any

import numpy as np

from lrwidget.core.formatting import format_lr
from lrwidget.core.suggest._common import Curve, answer, none, positive, prepare
from lrwidget.core.suggest._sweep import attach, sweep
from lrwidget.core.suggestion import Suggestion


def minimum(
    lrs: Any, losses: Any, factor: float = 10.0, *, stop_reason: str | None = None, num_it: int | None = None
) -> Suggestion:
    """``lr`` at the (first) minimum loss divided by ``factor``, clipped into the swept range.

    Ignores no end of the curve (after the cut before the first non-finite loss). A minimum at the
    first point means the loss never fell: no lr. When the minimum is near the start, the division
    lands below the range and the first lr is given, with a note.
    Adding a constant to the losses does not move the minimum. ``stop_reason`` and ``num_it`` (what
    ``RangeTestResult.suggest`` passes) add a caveat when the curve is partial: see ``_sweep``.
    """
    method = "minimum"
    factor = positive("factor", factor)
    context = sweep(stop_reason, num_it)
    curve = prepare(method, lrs, losses)
    if isinstance(curve, Suggestion):
        return curve
    return attach(_minimum(curve, factor), curve, context)


def _minimum(curve: Curve, factor: float) -> Suggestion:
    i_min = int(np.argmin(curve.losses))
    if i_min == 0:
        return none(
            "minimum",
            f"the loss is lowest at the first lr ({format_lr(curve.lrs[0])}): it never fell during "
            "the sweep; start the sweep at a lower start_lr",
            factor=factor,
            min_index=0,
        )
    return answer(
        "minimum",
        curve,
        float(curve.lrs[i_min]) / factor,
        factor=factor,
        min_index=i_min,
        min_lr=float(curve.lrs[i_min]),
    )
