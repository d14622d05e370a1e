"""fastai's "valley" idea: the longest run of falling loss, and a rate part-way down it."""

from __future__ import annotations

import math
from bisect import bisect_left
from typing import Any

from lrwidget.core.suggest._common import Curve, answer, fraction, none, prepare
from lrwidget.core.suggestion import Suggestion


def longest_descent(losses: list[float]) -> tuple[int, int, int]:
    """``(start, end, length)`` of the longest strictly decreasing subsequence (first one to reach it).

    Patience sorting in O(n log n) with back-links, so ``start`` is the subsequence's true first
    point (not ``end - length``, which assumes the descent has no bumps).
    """
    tails: list[float] = []  # tails[k]: smallest -loss ending a decreasing run of length k + 1
    tail_at: list[int] = []
    parent = [-1] * len(losses)
    best_len, best_end = 0, -1
    for i, loss in enumerate(losses):
        key = -loss
        k = bisect_left(tails, key)
        if k == len(tails):
            tails.append(key)
            tail_at.append(i)
        else:
            tails[k] = key
            tail_at[k] = i
        parent[i] = tail_at[k - 1] if k else -1
        if k + 1 > best_len:
            best_len, best_end = k + 1, i
    start = best_end
    while parent[start] >= 0:
        start = parent[start]
    return start, best_end, best_len


def valley(lrs: Any, losses: Any, position: float = 0.5) -> Suggestion:
    """The rate ``position`` of the way (in points) from the start to the end of the longest valley.

    The valley is the longest strictly decreasing subsequence of the loss: it begins where the
    descent starts and ends at its bottom (the first such subsequence to reach the greatest length).
    0.5 puts the pick halfway down (halves round up), near fastai's choice.
    Ignores no end of the curve: a rising start or a diverging tail simply is not part of any descent.
    Only the order of the losses matters, so shifting or scaling them changes nothing.
    """
    method = "valley"
    position = fraction("position", position)
    curve = prepare(method, lrs, losses)
    if isinstance(curve, Suggestion):
        return curve
    return _valley(curve, position)


def _valley(curve: Curve, position: float) -> Suggestion:
    method = "valley"
    start, end, length = longest_descent(curve.losses.tolist())
    params = {"position": position, "start_index": start, "end_index": end, "length": length}
    if length < 2:
        return none(method, "the loss never decreases, so there is no valley to pick from", **params)
    index = start + math.floor(position * (end - start) + 0.5)  # halves round up
    return answer(method, curve, float(curve.lrs[index]), **params)
