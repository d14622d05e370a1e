"""Confirm a pick by training: short one-cycle trainings at a few candidate rates, the best one kept.

A range test reads one sweep's curve; a trial measures. Each trial trains ``steps`` steps of the
one-cycle policy peaking at a candidate, from the state the sweep began in, through the sweep's own
loop (the user's step, AMP, accumulation, ``before_step``) and its bitwise restore, so the model and
optimizer end as they began. A trial scores its validation loss at the end when there is ``val_data``,
else its mean training loss over the last quarter of its steps; one that diverges scores inf.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from lrwidget.core import _checks
from lrwidget.core.confirmation import Confirmation
from lrwidget.core.result import RangeTestResult
from lrwidget.core.schedules import MAX_NUM_IT, one_cycle_rates
from lrwidget.core.suggest._confirm import choose, confirm_center, search

if TYPE_CHECKING:
    from lrwidget.engine.entry import PreparedSweep

__all__ = ["TRIAL_STEPS", "Trial", "check_confirm", "confirm", "run_trial"]

#: Share of a trial's last steps whose mean training loss scores it when there is no validation data.
TAIL = 0.25


TRIAL_STEPS = 100  # steps of one trial (a third of the shortest training the corpus measures)
MAX_TRIALS = 10  # most trials asked for (the walk may add as many again)


@dataclass(frozen=True)
class Trial:
    """One short training: its peak ``lr``, ``score`` (lower is better; inf when it diverged), how it
    ended (``stop_reason`` of the loop), what was scored ("val" or "train") and its CPU seconds."""

    lr: float
    score: float
    stop_reason: str
    measure: str
    cpu_seconds: float


def trial_score(result: RangeTestResult, steps: int) -> tuple[float, str]:
    """What a trial is judged by: the validation loss at its last step, else the mean raw training loss
    of its tail; inf when the trial stopped early (diverged, non-finite loss) or either is not finite."""
    if result.stop_reason != "completed" or len(result) < steps:
        return math.inf, "val" if result.val_losses is not None else "train"
    if result.val_losses is not None:  # evaluated at the last step: a non-finite one there scores inf
        last = float(result.val_losses[-1])
        return (last if math.isfinite(last) else math.inf), "val"
    tail = result.losses[-max(1, math.ceil(TAIL * steps)) :]
    return (float(np.mean(tail)) if np.all(np.isfinite(tail)) else math.inf), "train"


def run_trial(
    prepared: PreparedSweep,
    peak: float,
    steps: int,
    cancel: threading.Event | None = None,
    val_data: Any = None,
) -> Trial:
    """Train ``steps`` one-cycle steps peaking at ``peak`` from the current state, then restore it;
    judged on ``val_data`` (default: the sweep's own, if any)."""
    rates = one_cycle_rates(float(peak), int(steps))
    changes: dict[str, object] = {"num_it": int(steps), "stop_div": True, "progress": False}
    if val_data is not None:
        changes["val_data"] = val_data
    if (val_data if val_data is not None else prepared.settings.val_data) is not None:
        changes["val_every"] = int(steps) - 1  # evaluated at the first and the last step only
    settings = prepared.settings.replace(**changes)
    start = time.process_time()
    result = prepared.run(cancel=cancel, settings=settings, rates=rates.tolist())
    score, measure = trial_score(result, int(steps))
    return Trial(float(peak), score, result.stop_reason, measure, time.process_time() - start)


def check_confirm(confirm: object, confirm_steps: object) -> tuple[int, int]:
    """``(k, steps)`` checked before any work: ``confirm`` trials (0: none, else 2 to 10) of
    ``confirm_steps`` steps (2 to ``MAX_NUM_IT``). TypeError for a non-integer, ValueError out of range."""
    k = _checks.integer("confirm", confirm, low=0, high=MAX_TRIALS)
    if k == 1:
        raise ValueError(
            "confirm=1 would compare nothing (one trial at the curve's own pick): use 0 (no confirmation) "
            "or 2 to 10 trials (3 is usual)"
        )
    steps = _checks.integer("confirm_steps", confirm_steps, low=2, high=MAX_NUM_IT)
    return k, steps


def confirm(
    prepared: PreparedSweep,
    result: RangeTestResult,
    k: int,
    steps: int = TRIAL_STEPS,
    cancel: threading.Event | None = None,
    sweep_cpu_seconds: float = math.nan,
    val_data: Any = None,
) -> Confirmation | None:
    """Train a short trial at each of ``k`` candidates around the sweep's pick (and up to ``k`` more
    while the best lies at an end of those tried: ``core.suggest._confirm.search``); keep the best.

    Returns None when ``cancel`` was set before the trials finished (the sweep's own reading stands).
    """
    k, steps = check_confirm(k, steps)
    ok = np.isfinite(result.losses) & np.isfinite(result.lrs) & (result.lrs > 0)
    if k == 0 or not ok.any():
        return None
    center, method = confirm_center(result.suggest, result.lrs[ok])
    trials: list[Trial] = []

    def train(lr: float) -> float | None:
        if cancel is not None and cancel.is_set():
            return None
        trial = run_trial(prepared, lr, steps, cancel, val_data)
        if trial.stop_reason == "cancelled":
            return None
        trials.append(trial)
        return trial.score

    tried = search(center, k, float(result.lrs[ok].min()), float(result.lrs[ok].max()), train)
    if tried is None:
        return None
    tried.sort()
    candidates = tuple(lr for lr, _ in tried)
    scores = tuple(score for _, score in tried)
    return Confirmation(
        candidates=candidates,
        scores=scores,
        steps=steps,
        measure=trials[0].measure,
        chosen=choose(candidates, scores),
        center=center,
        center_method=method,
        trial_cpu_seconds=sum(t.cpu_seconds for t in trials),
        sweep_cpu_seconds=sweep_cpu_seconds,
    )
