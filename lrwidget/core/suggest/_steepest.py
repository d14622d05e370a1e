"""The rate where the loss falls fastest per decade of learning rate."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from lrwidget.core.formatting import format_lr
from lrwidget.core.suggest._common import Curve, answer, fraction, none, prepare
from lrwidget.core.suggest._sweep import attach, sweep
from lrwidget.core.suggestion import Suggestion


def steepest(
    lrs: Any,
    losses: Any,
    skip_start: float = 0.1,
    skip_end: float = 0.05,
    *,
    stop_reason: str | None = None,
    num_it: int | None = None,
) -> Suggestion:
    """The lr of the most negative slope of the loss against log10(lr).

    The slope is a central difference ``(loss[i+1] - loss[i-1]) / (x[i+1] - x[i-1])`` with
    ``x = log10(lr)``: against lr itself (Lightning's bug) the tiny steps at small lrs make every
    wiggle there look steep. Ignores the first ``skip_start`` fraction of the points (at least the
    first point; the start is flat and noisy) and the last ``skip_end`` fraction (at least the last
    point; the divergence). The defaults (10 % and 5 %) are fastai v1's plot skips at 100 points.
    Uses only loss differences, so adding a constant changes nothing. ``stop_reason`` and ``num_it``
    add a caveat when the curve is partial.
    """
    method = "steepest"
    skip_start = fraction("skip_start", skip_start)
    skip_end = fraction("skip_end", skip_end)
    context = sweep(stop_reason, num_it)
    curve = prepare(method, lrs, losses)
    if isinstance(curve, Suggestion):
        return curve
    return attach(_steepest(curve, skip_start, skip_end), curve, context)


def _steepest(curve: Curve, skip_start: float, skip_end: float) -> Suggestion:
    method = "steepest"
    n = curve.n
    first = max(1, math.floor(skip_start * n))
    last = min(n - 2, n - 1 - math.floor(skip_end * n))  # inclusive
    params: dict[str, Any] = {
        "skip_start": skip_start,
        "skip_end": skip_end,
        "first_index": first,
        "last_index": last,
    }
    if last < first:
        return none(method, "skip_start and skip_end leave no point to judge the slope at", **params)
    x = curve.log_lrs
    y = curve.losses
    with np.errstate(all="ignore"):
        slope = (y[first + 1 : last + 2] - y[first - 1 : last]) / (
            x[first + 1 : last + 2] - x[first - 1 : last]
        )
    slope = np.where(np.isnan(slope), np.inf, slope)
    k = int(np.argmin(slope))
    if not slope[k] < 0:
        return none(
            method,
            f"the loss never falls between lr {format_lr(curve.lrs[first])} and "
            f"{format_lr(curve.lrs[last])}, so there is no descent; start the sweep at a lower start_lr",
            **params,
        )
    index = first + k
    params["slope"] = float(slope[k])
    return answer(method, curve, float(curve.lrs[index]), **params)
