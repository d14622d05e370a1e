"""Other libraries' rules, reimplemented from their published behaviour so the benchmark can compare.

Not in ``METHODS`` (the widget does not offer them); same contract as the public suggesters:
``f(lrs, losses, **params) -> Suggestion``, an lr inside the swept range or ``None`` with a reason.
"""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np

from lrwidget.core.suggest._common import answer, none, positive, prepare
from lrwidget.core.suggest._slide import interval_diffs
from lrwidget.core.suggestion import Suggestion


def _count(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def fastai_slide(
    lrs: Any, losses: Any, lr_diff: int = 15, thresh: float = 0.005, adjust_value: float = 1.0
) -> Suggestion:
    """fastai's ``slide`` suggester: the seed's interval slide rule with ``thresh=0.005``.

    ``g = np.gradient(losses)``; an interval ``lr_diff`` points wide slides left from the last point
    while ``|g[right] - g[left]| > thresh``. Unlike the seed, the answer starts as the first interval's
    left end, so a slide that never moves still answers ``lrs[-1 - lr_diff]``. No lr only when the curve
    is not longer than ``lr_diff`` (fastai raises there).
    """
    method = "fastai_slide"
    lr_diff = _count("lr_diff", lr_diff, 1)
    thresh = positive("thresh", thresh, allow_zero=True)
    adjust_value = positive("adjust_value", adjust_value)
    params: dict[str, Any] = {"lr_diff": lr_diff, "thresh": thresh, "adjust_value": adjust_value}
    curve = prepare(method, lrs, losses)
    if isinstance(curve, Suggestion):
        return curve
    n = curve.n
    if lr_diff >= n:
        return none(method, f"lr_diff={lr_diff} points is not shorter than the curve ({n} points)", **params)
    left, _right, diff = interval_diffs(curve.losses, lr_diff)
    moves = diff > thresh  # nan compares False: it stops, as in fastai
    held = np.flatnonzero(~moves)
    stop = int(held[0]) if held.size else left.size
    chosen = int(left[max(stop - 1, 0)])
    params["left_index"] = chosen
    return answer(method, curve, float(curve.lrs[chosen]) * adjust_value, **params)


def steepest_gradient(lrs: Any, losses: Any, skip_start: int = 10, skip_end: int = 5) -> Suggestion:
    """torch-lr-finder's (and older Lightning's) pick: the lowest ``np.gradient`` of the loss against the
    point index, after dropping ``skip_start`` points at the start and ``skip_end`` at the end.

    On an exponential sweep the index is proportional to log10(lr), so this is the steepest descent per
    decade, like ``steepest``; the two differ in what they skip (points here, fractions there) and in
    the one-sided differences at the ends of the kept range.
    """
    method = "steepest_gradient"
    skip_start = _count("skip_start", skip_start, 0)
    skip_end = _count("skip_end", skip_end, 0)
    params: dict[str, Any] = {"skip_start": skip_start, "skip_end": skip_end}
    curve = prepare(method, lrs, losses)
    if isinstance(curve, Suggestion):
        return curve
    kept = curve.losses[skip_start : curve.n - skip_end]
    if kept.size < 2:
        return none(
            method,
            f"skipping {skip_start} + {skip_end} points leaves fewer than 2 of the curve's {curve.n}",
            **params,
        )
    with np.errstate(all="ignore"):
        g = np.gradient(kept)
    g = np.where(np.isnan(g), np.inf, g)
    k = int(np.argmin(g))
    if not g[k] < 0:
        return none(method, "the loss never falls in the kept part of the curve: no descent", **params)
    index = skip_start + k
    params["gradient"] = float(g[k])
    return answer(method, curve, float(curve.lrs[index]), **params)


def previous_auto(lrs: Any, losses: Any, level: float = 0.7, backoff: float = 3.5) -> Suggestion:
    """lrwidget's default until issue 10, for comparison: on the curve as given (the lagging EMA), the rate
    where the loss has made ``level`` of its fall from the median of the first 20 % of points to the
    minimum (never among the first 10 %), divided by ``backoff``; no lr when the fall is within 3x the
    scaled MAD of those first points."""
    method = "previous_auto"
    curve = prepare(method, lrs, losses)
    if isinstance(curve, Suggestion):
        return curve
    y, n = curve.losses, curve.n
    skip = max(1, int(0.1 * n))
    i_min = skip + int(np.argmin(y[skip:]))
    start = y[: max(3, int(0.2 * n))]
    with np.errstate(all="ignore"):
        plateau = float(np.median(start))
        noise = 1.4826 * float(np.median(np.abs(start - plateau)))
        depth = plateau - float(y[i_min])
    if not (np.isfinite(depth) and depth > 0 and depth > 3.0 * noise):
        return none(method, "the loss never falls clearly below its starting level")
    above = np.flatnonzero(y[: i_min + 1] >= plateau - level * depth)
    i_level = min(int(above[-1]) + 1 if above.size else 0, i_min)
    return answer(method, curve, float(curve.lrs[i_level]) / backoff, anchor_index=i_level)


BASELINES = {
    "fastai_slide": fastai_slide,
    "steepest_gradient": steepest_gradient,
    "previous_auto": previous_auto,
}
