"""The default pick, read off a zero-lag curve with the sweep's density in mind, and a slice for fine-tuning.

Why it reads what it reads (benchmarks/suggest_quality.py and docs/suggestion_quality.md):

- The sweep's EMA (beta 0.98) trails the raw loss by ~50 points: four decades at 100 points over 8
  decades, half a decade at 1,000. ``auto`` reads the raw losses through a centred window fixed in decades
  (``reading_curve``), so its features sit where the loss has them, whatever ``num_it``.
- The model trains during the sweep. After ``k`` points per decade it has taken ``sum(lr) ~ lr * k / ln 10``
  of steps, so a longer sweep makes the same progress at a lower rate: the descent moves left by
  ``log10(k_long / k_short)`` decades while the unstable rate (the minimum) stays put. The descent anchor
  is therefore moved right by ``DENSITY * log10(k / K_REF)`` with ``DENSITY = 1``. (On the benchmark's
  design families the descent anchor moved 0.71 decade per decade of points per decade and the minimum
  0.14; the exponent 0.75 that follows from them was tried and not kept: leave-one-family-out had 3 more
  catastrophes, and the project's own digits example moved more with the sweep's length.)
- ``confidence`` is a logistic score fitted on the benchmark's design families (``CONFIDENCE``): how
  likely the rates within 0.3 decade of the pick are to be safe, from three things the curve shows: the
  decades between the two anchors, whether the sweep diverged, and the depth of the fall over its noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from lrwidget.core.smoothing import centred, window_reach
from lrwidget.core.suggest._common import Curve, answer, fraction, positive, prepare
from lrwidget.core.suggest._minimum import _minimum
from lrwidget.core.suggest._slide import _slide_rule_scaled
from lrwidget.core.suggest._steepest import _steepest
from lrwidget.core.suggest._sweep import Sweep, ended_early, partial_caveats, sweep, turned_up, with_caveats
from lrwidget.core.suggestion import SlicePick, Suggestion

LEVEL = 0.8  # the descent anchor: where the loss has made this share of its fall (plateau to minimum)
BLEND = 0.75  # weight of the (density-corrected) descent anchor against the minimum, in log10(lr)
BACKOFF = 1.0  # the blend divided by this is the pick
HALF_WIDTH = 0.5  # decades each side of the centred window the rule reads the loss through
K_REF = 99 / 8  # points per decade of the default sweep (100 points, 1e-7 .. 10), where the factors hold
DENSITY = 1.0  # the descent anchor is moved up by DENSITY * log10(points per decade / K_REF)
PLATEAU_SHARE = 0.2  # the first decades (this share of the range) whose median is the starting level
SKIP_SHARE = 0.1  # the first points are never the minimum (a lucky first batch), as fastai skips them
CLEAR = 3.0  # a fall is clear when it exceeds this many times the noise of the read curve
FLAT = 1.5  # below this many times the noise there is no descent to read at all
FLAT_BACKOFF = 30.0  # ... and the pick is the last lr divided by this (a guess, with a caveat)
# confidence = 1 / (1 + exp(bias + gap * decades between anchors + diverged * [sweep diverged]
#                           + fall * log10(fall / noise))), fitted on the design families
# (benchmarks/quality/confidence.py; `suggest_quality.py score` prints the fit and its check)
CONFIDENCE = {"bias": -1.70, "gap": 0.92, "diverged": 0.44, "fall": -0.57}
FALL_CAP = 3.0  # log10(fall / noise) is capped here (a noiseless curve would give infinity)
PARTIAL_FACTOR = 0.5  # a sweep ended early (stopped by hand, error): the confidence is halved
FLAT_CONFIDENCE = 0.02  # no fall to read


def fall_to_noise(reading: Reading) -> float:
    """log10 of the fall (plateau to minimum) over the read curve's noise, in [0, FALL_CAP]."""
    if not reading.noise > 0:
        return FALL_CAP
    ratio = reading.depth / reading.noise
    return min(max(math.log10(ratio), 0.0), FALL_CAP) if ratio > 0 else 0.0


def score(gap: float, diverged: bool, fall: float) -> float:
    """The calibrated confidence of a pick from its three features (see ``CONFIDENCE``)."""
    c = CONFIDENCE
    z = c["bias"] + c["gap"] * gap + c["diverged"] * float(diverged) + c["fall"] * fall
    return 1.0 / (1.0 + math.exp(min(max(z, -50.0), 50.0)))


def reading_curve(lrs: Any, losses: Any) -> np.ndarray:
    """The curve ``auto`` reads: the losses (raw, for preference) through a centred window of
    ``HALF_WIDTH`` decades each side (running median, then mean). It does not trail the loss."""
    x = np.log10(np.asarray(lrs, dtype=float))
    return centred(x, np.asarray(losses, dtype=float), HALF_WIDTH)


def drawable_reading(lrs: Any, losses: Any) -> np.ndarray:
    """``reading_curve`` as a person should see it: NaN where it would mislead, else the same values.

    - Past the blow-up the read curve is capped (the explosion must not pull the minimum back), so it
      ends in a flat run that looks like a recovered loss: that run is NaN but for its first point.
    - On a curve so short that one window spans more than half its points the reading is one number
      (a flat line matching nothing): all NaN.
    """
    x = np.log10(np.asarray(lrs, dtype=float))
    y = np.asarray(losses, dtype=float)
    read = reading_curve(lrs, losses)
    n = read.size
    if n < 3 or 2 * window_reach(x, HALF_WIDTH) + 1 > n / 2:
        return np.full(n, np.nan)
    finite = np.isfinite(read)
    if not finite.any():
        return read
    last = read[finite][-1]
    flat = np.isclose(read, last, rtol=1e-9, atol=0.0) & finite
    start = n
    while start > 0 and (flat[start - 1] or not finite[start - 1]):
        start -= 1
    i_min = int(np.argmin(np.where(finite, read, np.inf)))
    if n - start >= 2 and start > i_min and np.nanmax(y[start:]) > last:  # a cap, not a real plateau
        read = read.copy()
        read[start + 1 :] = np.nan
    return read


@dataclass(frozen=True)
class Reading:
    """What ``auto`` reads off a curve: the read losses, the descent's features, and its noise."""

    read: np.ndarray
    plateau: float
    i_min: int
    depth: float
    noise: float  # of the read curve (raw scatter / sqrt(points per window))
    per_decade: float

    def level_index(self, share: float) -> int:
        """First point after which the read loss stays below ``plateau - share * depth`` until the minimum."""
        above = np.flatnonzero(self.read[: self.i_min + 1] >= self.plateau - share * self.depth)
        return min(int(above[-1]) + 1 if above.size else 0, self.i_min)

    @property
    def clear(self) -> bool:
        return self.depth > CLEAR * self.noise


def read(curve: Curve, raw: np.ndarray | None) -> Reading:
    """Read ``raw`` (or, without it, the curve's own losses) through the centred window."""
    x = curve.log_lrs
    n = curve.n
    y = curve.losses if raw is None else raw
    r = centred(x, y, HALF_WIDTH)
    per_decade = (n - 1) / float(x[-1] - x[0])
    skip = max(1, int(SKIP_SHARE * n))
    i_min = skip + int(np.argmin(r[skip:]))
    start = r[x <= x[0] + PLATEAU_SHARE * (x[-1] - x[0])]
    plateau = float(np.median(start if start.size >= 3 else r[:3]))
    with np.errstate(all="ignore"):
        depth = plateau - float(r[i_min])
        window = max(1.0, 2 * HALF_WIDTH * per_decade)
        scatter = 1.4826 * float(np.median(np.abs(y[: i_min + 1] - r[: i_min + 1])))
    noise = scatter / math.sqrt(window)
    if not math.isfinite(depth):
        depth = 0.0
    return Reading(r, plateau, i_min, depth, noise, per_decade)


def _members(curve: Curve) -> dict[str, Suggestion]:
    """Published rules whose spread around auto's pick is reported (``spread_decades``)."""
    return {
        "minimum": _minimum(curve, 10.0),
        "steepest": _steepest(curve, 0.1, 0.05),
        "slide_rule_scaled": _slide_rule_scaled(curve, 1.2, 0.3, 1.0),
    }


def auto(
    lrs: Any,
    losses: Any,
    level: float = LEVEL,
    backoff: float = BACKOFF,
    blend: float = BLEND,
    *,
    raw: Any = None,
    stop_reason: str | None = None,
    num_it: int | None = None,
) -> Suggestion:
    """The geometric blend of two anchors, divided by ``backoff``: a point on the descent and the minimum.

    The curve read is ``reading_curve(lrs, raw)`` (``raw``: the unsmoothed losses, which
    ``RangeTestResult.suggest`` passes; without them ``losses`` is read, lag and all). Its starting level
    is the median over the first fifth of the decades swept, its minimum never among the first tenth of
    the points. The descent anchor is where the read loss drops below ``plateau - level * depth`` for
    good, moved up by ``log10(points per decade / 12.4)`` (a longer sweep trains the model more at each
    rate, so its descent comes earlier). ``log10(pick) = blend * descent + (1 - blend) * minimum -
    log10(backoff)``. When the sweep is partial (stopped by hand, or completed while the loss still
    falls: ``stop_reason`` tells which) the minimum is only where measuring stopped: the descent anchor
    is used alone, a caveat says so, and the confidence drops. An answer is always given on 5 points or
    more; when the fall is within the noise, with a caveat and a low confidence.

    ``confidence`` in [0, 1] (``score``): a logistic fit, on the benchmark's design families, of how
    often the rates within 0.3 decade of such a pick were catastrophic, from the decades between the two
    anchors (they disagree where the pick is least sure), whether the sweep diverged, and the fall over
    its noise; halved when the sweep ended early, ``FLAT_CONFIDENCE`` when there is no fall to read.
    """
    method = "auto"
    level = fraction("level", level)
    backoff = positive("backoff", backoff)
    blend = fraction("blend", blend)
    context = sweep(stop_reason, num_it)
    curve = prepare(method, lrs, losses)
    if isinstance(curve, Suggestion):
        return curve
    raw_values = None
    if raw is not None:
        raw_all = np.asarray(raw, dtype=float)
        if raw_all.ndim != 1 or raw_all.size != curve.n_given:
            raise ValueError(
                f"raw must be 1-D with one loss per lr ({curve.n_given}), got shape {raw_all.shape}"
            )
        raw_values = raw_all[: curve.n]
        if not np.all(np.isfinite(raw_values)):  # the raw loss went non-finite before the smoothed one did
            cut = int(np.argmin(np.isfinite(raw_values)))
            raw_values = np.where(np.isfinite(raw_values), raw_values, raw_values[:cut].max(initial=0.0))
    return _auto(curve, raw_values, context, level, backoff, blend)


def _auto(
    curve: Curve, raw: np.ndarray | None, context: Sweep, level: float, backoff: float, blend: float
) -> Suggestion:
    method = "auto"
    params: dict[str, Any] = {"level": level, "backoff": backoff, "blend": blend}
    reading = read(curve, raw)
    x = curve.log_lrs
    caveats = list(partial_caveats(curve, context))
    partial = bool(caveats)
    if not reading.depth > FLAT * reading.noise:
        caveats.append(
            "The loss does not fall clearly during the sweep, so there is no descent to read: the pick "
            f"(the last lr / {FLAT_BACKOFF:g}) is a guess. If the loss only rose, start the sweep at a lower "
            "start_lr; if it stayed flat, sweep to a higher end_lr or use a larger batch."
        )
        lr = float(curve.lrs[-1]) / FLAT_BACKOFF
        suggestion = answer(
            method, curve, lr, confidence=FLAT_CONFIDENCE, flat=True, min_index=reading.i_min, **params
        )
        return with_caveats(suggestion, tuple(caveats))
    i_level = reading.level_index(level)
    descent = float(x[i_level]) + DENSITY * math.log10(reading.per_decade / K_REF)
    minimum = float(x[reading.i_min])
    gap = abs(descent - minimum)
    anchor = descent if partial else blend * descent + (1 - blend) * minimum
    lr = 10.0 ** (anchor - math.log10(backoff))
    diverged = context.stop_reason in ("diverged", "non_finite") or curve.n < curve.n_given
    if context.stop_reason is None and not diverged:
        diverged = turned_up(curve.losses)
    fall = fall_to_noise(reading)
    confidence = score(gap, diverged, fall)
    early = ended_early(curve, context)
    if early:
        confidence *= PARTIAL_FACTOR
    if not reading.clear:
        caveats.append(
            "The loss falls by less than three times its noise: the descent is hard to locate, so this "
            "pick is uncertain. A larger batch or more steps (num_it) give a clearer curve."
        )
    members = _members(curve)
    picks = {name: s.lr for name, s in members.items()}
    lr_in = min(max(lr, float(curve.lrs[0])), float(curve.lrs[-1]))
    logs = [math.log10(lr_in)] + [math.log10(p) for p in picks.values() if p is not None]
    suggestion = answer(
        method,
        curve,
        lr,
        confidence=confidence,
        picks=picks,
        spread_decades=max(logs) - min(logs),
        anchor_gap_decades=gap,
        diverged=diverged,
        fall_to_noise=fall,
        anchor_index=i_level,
        min_index=reading.i_min,
        points_per_decade=reading.per_decade,
        partial=partial,
        ended_early=early,
        read_raw=raw is not None,
        **params,
    )
    return with_caveats(suggestion, tuple(caveats))


def lr_slice(
    lrs: Any,
    losses: Any,
    method: str = "auto",
    *,
    raw: Any = None,
    stop_reason: str | None = None,
    num_it: int | None = None,
) -> SlicePick | None:
    """``(lo, hi)`` for fastai-style ``slice(lo, hi)``, or None when ``method`` gives no rate.

    ``hi`` is ``method``'s pick (auto by default), told what the other suggesters are told about the
    sweep (``raw`` losses for the methods that read them, ``stop_reason``, ``num_it``): the rate for the
    last layers. ``lo`` is ``hi / 10`` (fastai's ratio for ``slice(hi)``), raised to the first swept lr if
    below it. The pair is a ``SlicePick``: it unpacks as ``lo, hi`` and carries ``hi``'s ``confidence`` and
    ``caveats`` (a partial sweep says so here too). On the benchmark's transfer tasks a tenth did better
    than a hundredth on both, but neither beat the best single rate: use the slice as a hedge that keeps a
    pretrained body from too high a rate, not as a gain. None also when that leaves ``lo >= hi``.
    """
    from lrwidget.core.suggest import METHODS, from_sweep

    if method not in METHODS:
        raise ValueError(f"method must be one of {tuple(METHODS)}, got {method!r}")
    top = from_sweep(method, lrs, losses, raw=raw, stop_reason=stop_reason, num_it=num_it)
    return slice_below(top, lrs)


def slice_below(top: Suggestion, lrs: Any) -> SlicePick | None:
    """``(top.lr / 10, top.lr)``, ``lo`` raised to the first swept rate ``lrs[0]`` if below it; None
    without a rate or when that leaves ``lo >= hi``."""
    if top.lr is None:
        return None
    hi = float(top.lr)
    lo = max(hi / 10, float(np.asarray(lrs, dtype=float)[0]))
    return SlicePick(lo, hi, top) if lo < hi else None
