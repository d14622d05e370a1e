"""Scoring learning-rate picks against ground truth (numpy only): regret, catastrophes, failures, LOTO.

Ground truth for one task is the final validation loss of 1cycle training at each max lr of a log grid,
from a few seeds. A pick is scored by interpolating that loss linearly in log10(lr) between the two grid
points around it: ``regret = loss(pick) / best - 1``, ``best`` being the lowest grid value. A run is
*diverged* when its loss is not finite, or when, above the best grid point, it ends no better than the
untrained model (validation loss >= the initial one); it counts at the initial loss. A pick is
*catastrophic* when a grid point it lies at or between diverged, or when its loss is more than twice
the best. A pick below (above) the grid is scored at the first (last) grid point, flagged ``outside``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

WITHIN = 0.05  # "within 5 % of the best"
CATASTROPHE = 1.0  # regret above this (loss > 2 x best) is catastrophic
_EPS = 1e-9  # log10 distance at which a pick sits on a grid point


@dataclass(frozen=True)
class Truth:
    """One task's ground truth on its grid: ``values`` (mean over seeds), ``diverged``, and the best."""

    lrs: np.ndarray
    values: np.ndarray
    diverged: np.ndarray
    best: float
    best_lr: float


@dataclass(frozen=True)
class PickScore:
    """How one pick did: ``regret`` is nan when there was no pick (``failed``)."""

    lr: float | None
    regret: float
    catastrophic: bool
    failed: bool
    outside: bool = False


@dataclass(frozen=True)
class Summary:
    """Figures over many picks. Regrets cover the picks made; ``within`` is a share of ALL picks asked
    for (a failure is not within 5 %)."""

    n: int
    failures: int
    catastrophic: int
    median_regret: float
    mean_regret: float
    within: float
    outside: int


def _values_array(name: str, values: Any) -> np.ndarray:
    """Floats from (nested) lists where None stands for a non-finite value."""
    try:
        array = np.array(values, dtype=object)
        return np.where(array == None, math.nan, array).astype(float)  # noqa: E711 (elementwise)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must hold numbers or None ({exc})") from None


def ground_truth(lrs: Any, val_loss: Any, init_loss: Any) -> Truth:
    """Build a Truth from ``val_loss[seed][grid point]`` (None or nan: not finite) and ``init_loss[seed]``.

    ``lrs`` must be positive and strictly increasing; every seed needs a finite initial loss.
    """
    grid = np.asarray(lrs, dtype=float)
    if grid.ndim != 1 or grid.size < 2 or np.any(grid <= 0) or np.any(np.diff(grid) <= 0):
        raise ValueError("lrs must be a 1-D, positive, strictly increasing grid of at least 2 points")
    runs = _values_array("val_loss", val_loss)
    init = _values_array("init_loss", init_loss)
    if runs.ndim != 2 or runs.shape[1] != grid.size:
        raise ValueError(f"val_loss rows must have one value per grid lr ({grid.size}), got {runs.shape[1]}")
    if init.shape != (runs.shape[0],) or not np.all(np.isfinite(init)):
        raise ValueError(f"init_loss must hold one finite loss per seed ({runs.shape[0]}), got {init}")
    bad = ~np.isfinite(runs)
    filled = np.where(bad, init[:, None], runs)
    best_i = int(np.argmin(filled.mean(axis=0)))
    above = np.arange(grid.size) > best_i
    useless = above[None, :] & (filled >= init[:, None])
    diverged_run = bad | useless
    filled = np.where(diverged_run, init[:, None], filled)
    values = filled.mean(axis=0)
    best_i = int(np.argmin(values))
    return Truth(grid, values, diverged_run.any(axis=0), float(values[best_i]), float(grid[best_i]))


def _bracket(grid_log: np.ndarray, x: float) -> tuple[int, int, float]:
    """Indices of the grid points at or around ``x`` and the weight of the upper one."""
    n = grid_log.size
    if x <= grid_log[0] + _EPS:
        return 0, 0, 0.0
    if x >= grid_log[-1] - _EPS:
        return n - 1, n - 1, 0.0
    hi = int(np.searchsorted(grid_log, x))
    if abs(grid_log[hi] - x) <= _EPS:
        return hi, hi, 0.0
    if abs(grid_log[hi - 1] - x) <= _EPS:
        return hi - 1, hi - 1, 0.0
    lo = hi - 1
    return lo, hi, float((x - grid_log[lo]) / (grid_log[hi] - grid_log[lo]))


def _interpolate(truth: Truth, lr: float) -> tuple[float, bool, bool]:
    """Loss at ``lr``, whether a grid point at or around it diverged, and whether it lies off the grid."""
    grid_log = np.log10(truth.lrs)
    x = math.log10(lr)
    lo, hi, w = _bracket(grid_log, x)
    value = float((1 - w) * truth.values[lo] + w * truth.values[hi])
    outside = bool(x < grid_log[0] - _EPS or x > grid_log[-1] + _EPS)
    return value, bool(truth.diverged[lo] or truth.diverged[hi]), outside


def score_pick(truth: Truth, lr: float | None) -> PickScore:
    """Regret of training at ``lr`` (None: the suggester gave no answer, a failure)."""
    if lr is None:
        return PickScore(None, math.nan, False, True)
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0 or None, got {lr}")
    value, diverged, outside = _interpolate(truth, lr)
    regret = value / truth.best - 1
    return PickScore(float(lr), regret, diverged or regret > CATASTROPHE, False, outside)


def summarize(scores: Sequence[PickScore]) -> Summary:
    """Pool picks into one Summary (regret figures are nan when no pick was made)."""
    if not scores:
        raise ValueError("scores must hold at least one PickScore")
    made = np.array([s.regret for s in scores if not s.failed], dtype=float)
    failures = sum(s.failed for s in scores)
    return Summary(
        n=len(scores),
        failures=failures,
        catastrophic=sum(s.catastrophic for s in scores),
        median_regret=float(np.median(made)) if made.size else math.nan,
        mean_regret=float(np.mean(made)) if made.size else math.nan,
        within=float(np.sum(made <= WITHIN) / len(scores)),
        outside=sum(s.outside for s in scores),
    )


def objective(scores: Sequence[PickScore]) -> tuple[int, float]:
    """What leave-one-task-out minimises: catastrophes and failures first, then mean regret."""
    summary = summarize(scores)
    mean = summary.mean_regret if math.isfinite(summary.mean_regret) else math.inf
    return summary.catastrophic + summary.failures, mean


@dataclass(frozen=True)
class LotoResult:
    """Leave-one-task-out: the candidate chosen without each task, and the pooled held-out picks."""

    chosen: dict[str, str]
    scores: list[PickScore]
    summary: Summary


def leave_one_task_out(
    scores: Mapping[str, Sequence[PickScore]],
    tasks: Sequence[str],
    choose: Callable[[Sequence[PickScore]], Any] = objective,
) -> LotoResult:
    """For each task, pick the candidate (a parameter setting) that ``choose`` ranks lowest on the OTHER
    tasks' curves, and keep its picks on that task. ``scores[candidate][i]`` scores curve ``i``, whose task
    is ``tasks[i]``. Ties go to the first candidate in ``scores``' order."""
    if not scores:
        raise ValueError("scores must hold at least one candidate")
    n = len(tasks)
    for name, row in scores.items():
        if len(row) != n:
            raise ValueError(f"scores[{name!r}] has {len(row)} picks but tasks has {n} curves")
    labels = np.asarray(tasks, dtype=object)
    chosen: dict[str, str] = {}
    held: list[PickScore] = []
    for task in dict.fromkeys(tasks):
        inside = labels == task

        def rank(candidate: str, inside: np.ndarray = inside) -> Any:
            return choose([s for s, i in zip(scores[candidate], inside, strict=True) if not i])

        ranked = min(scores, key=rank)
        chosen[task] = ranked
        held.extend(s for s, i in zip(scores[ranked], inside, strict=True) if i)
    return LotoResult(chosen, held, summarize(held))


def rank_correlation(a: Any, b: Any) -> float:
    """Spearman's rank correlation (average ranks for ties); nan when either side is constant."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.shape != y.shape or x.ndim != 1 or x.size < 2:
        raise ValueError("a and b must be 1-D of the same length (at least 2)")
    rx, ry = _ranks(x), _ranks(y)
    if np.ptp(rx) == 0 or np.ptp(ry) == 0:
        return math.nan
    return float(np.corrcoef(rx, ry)[0, 1])


def _ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(values.size)
    ranks[order] = np.arange(values.size, dtype=float)
    for v in np.unique(values):  # ties share their mean rank
        same = values == v
        ranks[same] = ranks[same].mean()
    return ranks


@dataclass(frozen=True)
class SliceTruth:
    """Ground truth of discriminative training: ``rows[k]`` is the Truth at ``ratios[k] = hi / lo``
    (ratio 1 is the single-rate grid), all on the same grid of ``hi``; ``best`` is the single-rate best."""

    ratios: np.ndarray
    rows: tuple[Truth, ...]
    best: float


def slice_truth(single: Truth, ratios: Sequence[float], rows: Sequence[Truth]) -> SliceTruth:
    """Stack the single-rate Truth (ratio 1) and the slice rows (ratios > 1, increasing)."""
    all_ratios = np.array([1.0, *ratios], dtype=float)
    if np.any(np.diff(all_ratios) <= 0) or len(rows) != len(ratios):
        raise ValueError("ratios must be > 1, increasing, one per row")
    for row in rows:
        if not np.array_equal(row.lrs, single.lrs):
            raise ValueError("every slice row must use the single-rate grid of lrs")
    return SliceTruth(all_ratios, (single, *rows), single.best)


def score_slice(truth: SliceTruth, lo: float, hi: float) -> PickScore:
    """Regret of ``slice(lo, hi)`` against the single-rate best: interpolated linearly in log10(hi) along
    each ratio row, then in log10(hi / lo) between rows (ratios beyond the last row count as the last)."""
    if not (0 < lo <= hi and math.isfinite(hi)):
        raise ValueError(f"need 0 < lo <= hi, got lo={lo}, hi={hi}")
    k0, k1, wr = _bracket(np.log10(truth.ratios), math.log10(hi / lo))
    v0, d0, outside = _interpolate(truth.rows[k0], hi)
    v1, d1, _ = _interpolate(truth.rows[k1], hi)
    regret = ((1 - wr) * v0 + wr * v1) / truth.best - 1
    return PickScore(hi, regret, d0 or d1 or regret > CATASTROPHE, False, outside)
