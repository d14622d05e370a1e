"""The default pick (a point on the loss's descent, backed off) and a slice for discriminative fine-tuning.

``auto`` was chosen on the suggestion-quality benchmark (benchmarks/suggest_quality.py and
docs/suggestion_quality.md): among the published rules, their combinations and a few anchors, this
family had the lowest mean regret of 1cycle training on the design tasks; it was checked once on
held-out tasks, then its two factors were refitted on all tasks and judged by leave-one-task-out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from lrwidget.core.suggest._common import Curve, answer, fraction, none, positive, prepare
from lrwidget.core.suggest._minimum import _minimum
from lrwidget.core.suggest._slide import _slide_rule_scaled
from lrwidget.core.suggest._steepest import _steepest
from lrwidget.core.suggestion import Suggestion

LEVEL = 0.7  # how far down the descent the anchor sits (share of the fall from plateau to minimum)
BACKOFF = 3.5  # the anchor divided by this is the pick
PLATEAU_SHARE = 0.2  # the first points whose median is the starting level
SKIP_SHARE = 0.1  # the first points are never the minimum (a lucky first batch), as fastai skips them
START_LEVEL = 0.2  # where the descent counts as begun, for its width (confidence)
NOISE_FACTOR = 3.0  # a fall must exceed this many times the plateau's noise to count as a descent


@dataclass(frozen=True)
class Descent:
    """Where the loss falls: its starting level, its minimum, and indices of points along the way."""

    plateau: float
    i_min: int
    depth: float

    def level_index(self, losses: np.ndarray, share: float) -> int:
        """First point after which the loss stays below ``plateau - share * depth`` until the minimum."""
        above = np.flatnonzero(losses[: self.i_min + 1] >= self.plateau - share * self.depth)
        return min(int(above[-1]) + 1 if above.size else 0, self.i_min)


def descent(curve: Curve) -> Descent | None:
    """The curve's descent, or None when the loss never falls clearly below its starting level.

    "Clearly": by more than ``NOISE_FACTOR`` times the plateau's noise (scaled median absolute
    deviation of its points), so a flat, noisy curve (a sweep stopped before the descent) has none.
    """
    n = curve.n
    skip = max(1, int(SKIP_SHARE * n))
    i_min = skip + int(np.argmin(curve.losses[skip:]))
    with np.errstate(all="ignore"):
        start = curve.losses[: max(3, int(PLATEAU_SHARE * n))]
        plateau = float(np.median(start))
        noise = 1.4826 * float(np.median(np.abs(start - plateau)))
        depth = plateau - float(curve.losses[i_min])
    if not (math.isfinite(depth) and depth > 0 and depth > NOISE_FACTOR * noise):
        return None
    return Descent(plateau, i_min, depth)


def _members(curve: Curve) -> dict[str, Suggestion]:
    """The published rules whose agreement with auto's pick feeds its confidence (default parameters;
    valley is left out: it undershoots on long flat starts, so it would disagree on nearly every curve)."""
    return {
        "minimum": _minimum(curve, 10.0),
        "steepest": _steepest(curve, 0.1, 0.05),
        "slide_rule_scaled": _slide_rule_scaled(curve, 1.2, 0.3, 1.0),
    }


def auto(lrs: Any, losses: Any, level: float = LEVEL, backoff: float = BACKOFF) -> Suggestion:
    """The rate at which the loss has made ``level`` (70 %) of its fall, divided by ``backoff`` (3.5).

    The fall runs from the starting level (median of the first 20 % of points) to the minimum (never
    among the first 10 % of points); the anchor is where the loss drops below ``plateau - level *
    depth`` for good before the minimum. A long, gentle descent moves the anchor (and the pick) to
    lower rates than a short, steep one, which is what 1cycle training rewarded on the benchmark.

    ``confidence`` in [0, 1] is ``answered * exp(-spread / 2) * exp(-max(0, width - 1))``: ``spread``
    is the distance in decades between the highest and lowest of auto's pick and those of minimum,
    steepest and slide_rule_scaled, ``answered`` the share of those three that answered, and ``width``
    the decades from where the descent begins (a fifth of the fall made) to the minimum. On the
    benchmark, picks with higher confidence had lower regret. No lr when the loss never falls below
    its starting level by more than three times the noise of its first points. The factors were
    fitted to sweeps of about 100 points of an EMA-smoothed loss (beta 0.98); other settings may
    shift the best ``backoff``.
    """
    method = "auto"
    level = fraction("level", level)
    backoff = positive("backoff", backoff)
    curve = prepare(method, lrs, losses)
    if isinstance(curve, Suggestion):
        return curve
    return _auto(curve, level, backoff)


def _auto(curve: Curve, level: float, backoff: float) -> Suggestion:
    method = "auto"
    params: dict[str, Any] = {"level": level, "backoff": backoff}
    found = descent(curve)
    if found is None:
        return none(
            method,
            "the loss never falls clearly below its starting level (by more than its noise), so there "
            "is no descent to pick from yet; sweep to a higher end_lr (or let the sweep finish)",
            **params,
        )
    i_level = found.level_index(curve.losses, level)
    lr = float(curve.lrs[i_level]) / backoff
    members = _members(curve)
    picks = {name: s.lr for name, s in members.items()}
    lr_in = min(max(lr, float(curve.lrs[0])), float(curve.lrs[-1]))
    logs = [math.log10(lr_in)] + [math.log10(p) for p in picks.values() if p is not None]
    spread = max(logs) - min(logs)
    answered = sum(p is not None for p in picks.values()) / len(picks)
    i_start = found.level_index(curve.losses, START_LEVEL)
    width = float(curve.log_lrs[found.i_min] - curve.log_lrs[i_start])
    confidence = answered * math.exp(-spread / 2) * math.exp(-max(0.0, width - 1.0))
    return answer(
        method,
        curve,
        lr,
        confidence=confidence,
        picks=picks,
        spread_decades=spread,
        descent_decades=width,
        anchor_index=i_level,
        min_index=found.i_min,
        **params,
    )


def lr_slice(lrs: Any, losses: Any, method: str = "auto") -> tuple[float, float] | None:
    """``(lo, hi)`` for fastai-style ``slice(lo, hi)``, or None when ``method`` gives no rate.

    ``hi`` is ``method``'s pick (auto by default): the rate for the last layers. ``lo`` is ``hi / 10``
    (fastai's ratio for ``slice(hi)``), raised to the first swept lr if below it. On the benchmark's
    transfer tasks a tenth did better than a hundredth on both, but neither beat the best single rate:
    use the slice as a hedge that keeps a pretrained body from too high a rate, not as a gain.
    None also when that leaves ``lo >= hi``.
    """
    from lrwidget.core.suggest import METHODS

    if method not in METHODS:
        raise ValueError(f"method must be one of {tuple(METHODS)}, got {method!r}")
    top = METHODS[method](lrs, losses)
    if top.lr is None:
        return None
    hi = top.lr
    lo = max(hi / 10, float(np.asarray(lrs, dtype=float)[0]))
    if not lo < hi:
        return None
    return (lo, hi)
