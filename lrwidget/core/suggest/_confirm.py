"""Candidates for a confirmation: the few rates ``lr_find(..., confirm=k)`` trains short trials at.

Candidates lie on a fixed grid (``TRIAL_GRID_PER_DECADE`` rates a decade, ``10 ** (i / 4)``), so two sweeps
that suggest nearly the same rate (a 50-step and a 1,000-step sweep of one task, say) try the same rates
and confirm the same pick.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

from lrwidget.core.suggestion import Suggestion

TRIAL_GRID_PER_DECADE = 4

#: Grid steps between two candidates: 2 steps of a quarter decade, half a decade apart.
SPACING = 2


def grid_rate(index: int) -> float:
    """Rate ``index`` of the trial grid: ``10 ** (index / TRIAL_GRID_PER_DECADE)``."""
    return float(10.0 ** (index / TRIAL_GRID_PER_DECADE))


def grid_index(lr: float) -> int:
    """The trial-grid index nearest ``lr`` (in log space)."""
    return round(math.log10(lr) * TRIAL_GRID_PER_DECADE)


def confirm_candidates(center: float, k: int, lo: float, hi: float) -> tuple[float, ...]:
    """``k`` trial-grid rates half a decade apart around ``center``, kept within ``[lo, hi]`` (the rates
    the sweep measured: above its top the loss was already diverging). The window is centred on
    ``center`` when it fits and slides inward at an end; fewer than ``k`` when the range is too short.
    Returned lowest first."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive integer (how many trials), got {k!r}")
    for name, value in (("center", center), ("lo", lo), ("hi", hi)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a positive finite learning rate, got {value!r}")
    if hi < lo:
        raise ValueError(f"hi must not be below lo, got lo={lo!r}, hi={hi!r}")
    first, last = (
        math.ceil(math.log10(lo) * TRIAL_GRID_PER_DECADE - 1e-9),
        math.floor(math.log10(hi) * TRIAL_GRID_PER_DECADE + 1e-9),
    )
    if last < first:
        return (float(min(max(center, lo), hi)),)
    room = (last - first) // SPACING + 1
    n = min(k, room)
    c = min(max(grid_index(center), first), last)
    span = SPACING * (n - 1)
    fits = [c - SPACING * j for j in range(n) if first <= c - SPACING * j and c - SPACING * j + span <= last]
    centred = c - SPACING * ((n - 1) // 2)
    # a window through the centre itself, as centred as the range allows; else slid inside the range
    slid = max(first, min(centred, last - span))
    start = min(fits, key=lambda s: abs(s - centred)) if fits else slid
    return tuple(grid_rate(start + SPACING * j) for j in range(n))


def choose(candidates: Sequence[float], scores: Sequence[float]) -> float | None:
    """The candidate with the lowest finite score (None when every trial diverged)."""
    finite = [(s, lr) for lr, s in zip(candidates, scores, strict=True) if math.isfinite(s)]
    return min(finite)[1] if finite else None


#: Whose pick the candidates are centred on: the first of these that answers.
CENTER_METHODS = ("auto", "valley", "steepest", "minimum")


def confirm_center(suggest: Callable[[str], Suggestion], lrs: Sequence[float]) -> tuple[float, str]:
    """The rate the trials are centred on and whose it is: the first method of ``CENTER_METHODS`` that
    answers (``suggest(method)``), else the geometric middle of the measured rates ("middle").
    Raises ValueError when nothing positive was measured."""
    for method in CENTER_METHODS:
        pick = suggest(method)
        if pick.lr is not None:
            return float(pick.lr), method
    measured = [float(x) for x in lrs if math.isfinite(x) and x > 0]
    if not measured:
        raise ValueError("the sweep measured no positive learning rate: nothing to confirm")
    return math.sqrt(min(measured) * max(measured)), "middle"


def next_candidate(tried: Mapping[float, float], lo: float, hi: float) -> float | None:
    """The rate to try next, or None: where the best score so far lies at an end of what was tried, one
    step (half a decade) past that end, while it stays within ``[lo, hi]``. Below when the lowest rate is
    the best or every trial diverged; above when the highest is the best and did not diverge. This walks
    the trials to a minimum instead of keeping an end of the window."""
    if not tried:
        return None
    rates = sorted(tried)
    best = choose(rates, [tried[r] for r in rates])
    first, last = grid_index(rates[0]), grid_index(rates[-1])
    if best is None or (best == rates[0] and len(rates) > 1):
        below = first - SPACING
        return grid_rate(below) if grid_rate(below) >= lo * (1 - 1e-9) else None
    if best == rates[-1] and len(rates) > 1:
        above = last + SPACING
        return grid_rate(above) if grid_rate(above) <= hi * (1 + 1e-9) else None
    return None


def search(
    center: float, k: int, lo: float, hi: float, trial: Callable[[float], float | None]
) -> list[tuple[float, float]] | None:
    """Every ``(rate, score)`` a confirmation tries, in the order tried: ``k`` candidates around
    ``center`` (:func:`confirm_candidates`), then up to ``k`` more while :func:`next_candidate` walks
    on. ``trial(rate)`` trains and scores one (None: stop now, the search returns None)."""
    tried: dict[float, float] = {}
    order: list[tuple[float, float]] = []
    plan = list(confirm_candidates(center, k, lo, hi))
    extra = 0
    while plan:
        rate = plan.pop(0)
        score = trial(rate)
        if score is None:
            return None
        tried[rate] = score
        order.append((rate, score))
        if not plan and extra < k:
            step = next_candidate(tried, lo, hi)
            if step is not None and step not in tried:
                plan.append(step)
                extra += 1
    return order
