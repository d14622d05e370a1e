"""The interval slide rule (seed 002), faithful, and a scale-free variant.

An interval of fixed width slides from the right end of the curve (where the loss diverges) to
the left. While the loss gradients at its two ends differ by more than a threshold, the right end
still sits in the divergence: the rule remembers the left end's lr and moves one point left. When
they agree, the last remembered left end is the answer: the rate one interval-width before the
loss starts to run away. Both versions are vectorised (all differences at once, then the first
stopping position) and give exactly what the step-by-step loop gives.
"""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np

from lrwidget.core.formatting import format_lr
from lrwidget.core.suggest._common import Curve, answer, descent_height, none, positive, prepare, validate
from lrwidget.core.suggest._sweep import attach, sweep
from lrwidget.core.suggestion import SlideStep, Suggestion


def _trace(left: np.ndarray, right: np.ndarray, diff: np.ndarray, threshold: float, stop: int) -> tuple:
    """SlideSteps for positions 0..stop (stop included when it exists: the position that did not move)."""
    end = min(stop + 1, left.size)
    moves = diff[:end] > threshold
    return tuple(
        SlideStep(int(lo), int(hi), float(d), threshold, bool(m))
        for lo, hi, d, m in zip(
            left[:end].tolist(), right[:end].tolist(), diff[:end].tolist(), moves.tolist(), strict=True
        )
    )


def _slide(
    method: str,
    curve: Curve,
    left: np.ndarray,
    right: np.ndarray,
    diff: np.ndarray,
    threshold: float,
    adjust_value: float,
    never_ran: str,
    params: dict[str, Any],
) -> Suggestion:
    """Shared ending: find where the slide stops, answer the last remembered left bound."""
    held = np.flatnonzero(~(diff > threshold))  # nan compares False, so it stops the slide, as in the seed
    stop = int(held[0]) if held.size else left.size
    trace = _trace(left, right, diff, threshold, stop)
    if stop == 0:
        return Suggestion(method=method, lr=None, reason=never_ran, params=params, trace=trace)
    chosen = int(left[stop - 1])
    note = ""
    if stop == left.size:
        params["stopped"] = "left_end"
        note = (
            "the interval reached the left end of the curve before the gradients at its ends agreed "
            "within the threshold, so (as in the seed) the first lr is given; the threshold may be too low"
        )
    else:
        params["stopped"] = "threshold"
    params["left_index"] = chosen
    return answer(method, curve, float(curve.lrs[chosen]) * adjust_value, note, trace=trace, **params)


def interval_diffs(losses: np.ndarray, lr_diff: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every interval the seed's rule can visit, right to left: ``(left, right, |g[right] - g[left]|)``
    with ``g = np.gradient(losses)`` in index space and ``right - left == lr_diff`` (``lr_diff < n``)."""
    n = losses.size
    with np.errstate(all="ignore"):
        g = np.gradient(losses)
        right = np.arange(n - 1, lr_diff - 1, -1)
        left = right - lr_diff
        diff = np.abs(g[right] - g[left])
    return left, right, diff


def slide_rule(
    lrs: Any,
    losses: Any,
    lr_diff: int = 15,
    loss_threshold: float = 0.05,
    adjust_value: float = 1.0,
    *,
    stop_reason: str | None = None,
    num_it: int | None = None,
) -> Suggestion:
    """The seed's interval slide rule, exactly: ``lr_diff`` in points, ``loss_threshold`` in loss units.

    ``g = np.gradient(losses)`` (index space); the interval is ``(right - lr_diff, right)`` with ``right``
    starting at the last point. Ignores nothing at either end: the divergent tail is where it starts.
    Where the seed's loop never runs (its code then crashes) the answer is ``None`` with a reason.
    The trace lists every interval visited and, when the threshold stopped it, that final position.
    ``stop_reason`` and ``num_it`` only add a caveat when the curve is partial (the rule is unchanged).
    """
    method = "slide_rule"
    if isinstance(lr_diff, bool) or not isinstance(lr_diff, Integral) or lr_diff < 1:
        raise ValueError(
            f"lr_diff must be an integer >= 1 (points between the interval's ends), got {lr_diff!r}"
        )
    lr_diff = int(lr_diff)
    threshold = positive("loss_threshold", loss_threshold, allow_zero=True)
    adjust_value = positive("adjust_value", adjust_value)
    params: dict[str, Any] = {"lr_diff": lr_diff, "loss_threshold": threshold, "adjust_value": adjust_value}
    context = sweep(stop_reason, num_it)
    curve = prepare(method, lrs, losses)
    if isinstance(curve, Suggestion):
        return curve
    return attach(_slide_rule(curve, lr_diff, threshold, adjust_value, params), curve, context)


#: Why the first position can already agree, said without guessing which case this curve is.
_WHY_NEVER_RAN = (
    "That happens when the curve ends flat (it did not diverge: sweep to a higher end_lr) or when both "
    "ends lie on the same steep rise (it diverged over more than the interval's width):"
)


def _slide_rule(
    curve: Curve, lr_diff: int, threshold: float, adjust_value: float, params: dict[str, Any]
) -> Suggestion:
    method = "slide_rule"
    n = curve.n
    if lr_diff >= n:
        return none(
            method,
            f"lr_diff={lr_diff} points is not shorter than the curve ({n} points), so the interval "
            "cannot slide; lower lr_diff or sweep with more steps (num_it)",
            **params,
        )
    left, right, diff = interval_diffs(curve.losses, lr_diff)
    never_ran = (
        f"at its first position, at the end of the curve, the loss gradient at the interval's two ends "
        f"(lr {format_lr(curve.lrs[left[0]])} and {format_lr(curve.lrs[right[0]])}) already agrees within "
        f"loss_threshold={threshold:g} (they differ by {float(diff[0]):.3g}), so the interval never slides "
        f"and the rule has no pick. {_WHY_NEVER_RAN} lower loss_threshold, or change lr_diff"
    )
    if np.isnan(diff[0]):
        never_ran = "the loss gradients overflow on this curve (loss values too large to compare)"
    return _slide(method, curve, left, right, diff, threshold, adjust_value, never_ran, params)


def slide_rule_scaled(
    lrs: Any,
    losses: Any,
    width_decades: float = 1.2,
    rel_threshold: float = 0.3,
    adjust_value: float = 1.0,
    *,
    stop_reason: str | None = None,
    num_it: int | None = None,
) -> Suggestion:
    """The slide rule made independent of the loss's units and of the number of points.

    The gradient is taken against log10(lr) (loss per decade) and divided by the descent height (the
    highest loss before the minimum minus the minimum), so ``rel_threshold`` is in "descent heights
    per decade"; the interval is ``width_decades`` wide in log10(lr) instead of a count of points.
    The defaults match the seed's (15 points, 0.05) on fastai's default sweep (100 points over
    1e-7..10, so 1.2 decades) for a loss that falls by about 2. Ignores nothing at either end.
    ``stop_reason`` and ``num_it`` add a caveat when the curve is partial.
    """
    method = "slide_rule_scaled"
    width = positive("width_decades", width_decades)
    threshold = positive("rel_threshold", rel_threshold, allow_zero=True)
    adjust_value = positive("adjust_value", adjust_value)
    context = sweep(stop_reason, num_it)
    curve = prepare(method, lrs, losses)
    if isinstance(curve, Suggestion):
        return curve
    return attach(_slide_rule_scaled(curve, width, threshold, adjust_value), curve, context)


def _slide_rule_scaled(curve: Curve, width: float, threshold: float, adjust_value: float) -> Suggestion:
    method = "slide_rule_scaled"
    params: dict[str, Any] = {
        "width_decades": width,
        "rel_threshold": threshold,
        "adjust_value": adjust_value,
    }
    height = descent_height(curve.losses)
    if height <= 0:
        return none(
            method,
            "the loss never falls below its starting value, so there is no descent to measure against; "
            "start the sweep at a lower start_lr",
            **params,
        )
    x = curve.log_lrs
    span = float(x[-1] - x[0])
    if span <= width:
        return none(
            method,
            f"width_decades={width:g} is not narrower than the swept range ({span:.2f} decades), so the "
            "interval cannot slide; lower width_decades or sweep a wider range",
            **params,
        )
    with np.errstate(all="ignore"):
        g = _slope_per_decade(curve.losses, x) / height
        right = np.arange(curve.n - 1, -1, -1)
        left = np.searchsorted(x, x[right] - width, side="right") - 1
        valid = left >= 0
        right, left = right[valid], left[valid]
        diff = np.abs(g[right] - g[left])
    params["descent_height"] = height
    never_ran = (
        f"at its first position, at the end of the curve, the loss slope at the interval's two ends "
        f"(lr {format_lr(curve.lrs[left[0]])} and {format_lr(curve.lrs[right[0]])}) already agrees within "
        f"rel_threshold={threshold:g} (they differ by {float(diff[0]):.3g}), so the interval never slides "
        f"and the rule has no pick. {_WHY_NEVER_RAN} lower rel_threshold, or change width_decades"
    )
    return _slide(method, curve, left, right, diff, threshold, adjust_value, never_ran, params)


def _slope_per_decade(losses: np.ndarray, x: np.ndarray) -> np.ndarray:
    """d loss / d log10(lr): central differences inside, one-sided at the two ends."""
    slope = np.empty_like(losses)
    slope[1:-1] = (losses[2:] - losses[:-2]) / (x[2:] - x[:-2])
    slope[0] = (losses[1] - losses[0]) / (x[1] - x[0])
    slope[-1] = (losses[-1] - losses[-2]) / (x[-1] - x[-2])
    return slope


def rule_gradient(method: str, lrs: Any, losses: Any) -> np.ndarray:
    """The gradient the named slide rule compares, one value per point, so a plot shows what the rule reads.

    ``slide_rule``: ``np.gradient(losses)`` in index space; ``slide_rule_scaled``: the loss slope per decade
    of lr divided by the descent height. Computed on the curve cut before its first non-finite loss
    (NaN from there on, and everywhere when fewer than 2 points remain or there is no descent).
    """
    if method not in ("slide_rule", "slide_rule_scaled"):
        raise ValueError(f"method must be 'slide_rule' or 'slide_rule_scaled', got {method!r}")
    lrs_a, losses_a = validate(lrs, losses)
    out = np.full(losses_a.shape, np.nan)
    bad = np.flatnonzero(~np.isfinite(losses_a))
    cut = int(bad[0]) if bad.size else losses_a.size
    if cut < 2:
        return out
    head = losses_a[:cut]
    with np.errstate(all="ignore"):
        if method == "slide_rule":
            out[:cut] = np.gradient(head)
        else:
            height = descent_height(head)
            if height > 0:
                out[:cut] = _slope_per_decade(head, np.log10(lrs_a[:cut])) / height
    return out
