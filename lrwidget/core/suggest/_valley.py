"""fastai's "valley": a rate part-way down the longest run of falling loss, exactly as fastai picks it."""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

from lrwidget.core.suggest._common import Curve, answer, none, prepare
from lrwidget.core.suggest._sweep import attach, sweep
from lrwidget.core.suggestion import Suggestion


def longest_descent(losses: list[float]) -> tuple[int, int]:
    """``(end, length)`` of the longest strictly decreasing subsequence of ``losses``.

    ``end`` is the first point at which a decreasing subsequence reaches the greatest length (fastai's
    tie-break: its loop only moves the end on a strictly longer run). Patience sorting, O(n log n):
    ``tails[k]`` holds the largest loss that ends a decreasing subsequence of length ``k + 1``.
    """
    tails: list[float] = []  # stored negated, so the list is increasing and bisect applies
    best_len, best_end = 0, -1
    for i, loss in enumerate(losses):
        k = bisect_left(tails, -loss)
        if k == len(tails):
            tails.append(-loss)
        else:
            tails[k] = -loss
        if k + 1 > best_len:
            best_len, best_end = k + 1, i
    return best_end, best_len


def fastai_valley_index(end: int, length: int) -> int:
    """fastai's pick on a valley ending at ``end``: start ``end - length`` plus a third and a sixth of it.

    fastai estimates the valley's start as ``end - length`` (one point before the earliest place a run of
    ``length`` points could start, and later than the true start when the run has bumps), then adds
    ``int(sections) + int(sections / 2)`` with ``sections = (end - start) / 3``: about halfway down.
    The float arithmetic is fastai's, so the truncations match it exactly.
    """
    start = end - length
    sections = (end - start) / 3
    return start + int(sections) + int(sections / 2)


def valley(lrs: Any, losses: Any, *, stop_reason: str | None = None, num_it: int | None = None) -> Suggestion:
    """fastai's ``valley`` suggestion: the same point on the same losses.

    The valley ends at the first point where the longest strictly decreasing subsequence of the loss
    reaches its greatest length ``L``; fastai puts its start ``L`` points earlier and picks
    ``start + int(L / 3) + int(L / 6)``, about halfway down. When the decreasing run has bumps its true
    start lies earlier than fastai's estimate, so the pick is later (higher) than the true midpoint.

    Differences from fastai, both at the edges of the contract: no lr when the loss never decreases, or
    when fastai's index is -1 (a two-point valley at the very start; fastai then wraps round to the
    LAST lr). fastai's ``lr_find`` also drops the first ``num_it // 10`` and the last 5 points before
    calling it; this function sees the whole curve it is given (cut before a non-finite loss).
    Only the order of the losses matters, so shifting or scaling them changes nothing. ``stop_reason``
    and ``num_it`` add a caveat when the curve is partial.
    """
    method = "valley"
    context = sweep(stop_reason, num_it)
    curve = prepare(method, lrs, losses)
    if isinstance(curve, Suggestion):
        return curve
    return attach(_valley(curve), curve, context)


def _valley(curve: Curve) -> Suggestion:
    method = "valley"
    end, length = longest_descent(curve.losses.tolist())
    index = fastai_valley_index(end, length)
    params: dict[str, Any] = {"start_index": end - length, "end_index": end, "length": length}
    if length < 2:
        return none(method, "the loss never decreases, so there is no valley to pick from", **params)
    if index < 0:
        return none(
            method,
            "the longest fall is two points at the very start of the curve; fastai's formula gives index -1 "
            "there (it answers the last lr), which is no suggestion: start the sweep at a lower start_lr",
            **params,
        )
    return answer(method, curve, float(curve.lrs[index]), **params)
