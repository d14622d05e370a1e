"""Axis arithmetic for the panes, without bqplot: ticks, x domains, y ranges, off-scale values, bands.

Every function here is pure (numbers in, numbers out) so it is tested alone; the panes (``panes/``) only draw.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

#: A pick may lie this many decades outside the planned sweep before it is refused (see selection.py).
PICK_MARGIN_DECADES = 1.0
#: Most click columns the loss pane draws: about two pixels each on a 900 px pane. More are SVG rects
#: the browser redraws every live frame for nothing a hand can aim at (3,000 of them halved the frames).
MAX_COLUMNS = 400


def log_ticks(lo: float, hi: float, max_ticks: int = 10) -> tuple[np.ndarray, str]:
    """Tick values and a d3 format for a log axis over ``[lo, hi]``: decades when there are enough.

    Returns powers of ten (every k-th decade so at most ``max_ticks``); over less than two decades,
    1-2-5 steps; over a tiny range, a few geometric steps. The format reads ``1e-7`` ... ``1e+1``.
    """
    if not (lo > 0 and hi > lo and math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"log_ticks needs 0 < lo < hi finite, got lo={lo!r}, hi={hi!r}")
    eps = 1e-9
    d0, d1 = math.ceil(math.log10(lo) - eps), math.floor(math.log10(hi) + eps)
    decades = np.arange(d0, d1 + 1)
    if len(decades) >= 3:
        k = max(1, math.ceil(len(decades) / max_ticks))
        return 10.0 ** decades[::k].astype(float), ".0e"
    cands = np.array(
        [m * 10.0**d for d in range(d0 - 1, d1 + 1) for m in (1, 2, 5)] + [10.0 ** (d1 + 1)], dtype=float
    )
    inside = cands[(cands >= lo * (1 - eps)) & (cands <= hi * (1 + eps))]
    if len(inside) >= 3:
        return inside, ".0e"
    vals = np.unique([float(f"{v:.3g}") for v in np.geomspace(lo, hi, 4)])
    return vals, ".2e"


def nice_ticks(lo: float, hi: float, n: int = 5) -> np.ndarray:
    """Round tick values (1, 2, 2.5, 5 x 10^k steps) inside ``[lo, hi]``, about ``n`` of them."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return np.zeros(0)
    mag = 10.0 ** math.floor(math.log10((hi - lo) / max(1, n)))
    best: tuple[tuple[int, int], float] | None = None
    for step in (m * mag for m in (0.5, 1, 2, 2.5, 5, 10, 20)):
        count = math.floor(hi / step + 1e-9) - math.ceil(lo / step - 1e-9) + 1
        key = (abs(count - n), -count)
        if best is None or key < best[0]:
            best = (key, step)
    assert best is not None
    step = best[1]
    first = math.ceil(lo / step - 1e-9) * step
    ticks = np.arange(first, hi + step * 1e-9, step)
    return np.round(ticks / step) * step  # no 0.30000000000000004


def lr_domain(
    lrs: np.ndarray | Sequence[float],
    start_lr: float | None = None,
    end_lr: float | None = None,
    include: Iterable[float | None] = (),
) -> tuple[float, float]:
    """The x domain of the learning-rate axis: the planned range if given, else the data's, widened to
    hold every rate in ``include`` (the user's picks: a pick outside what was measured stays in view)."""
    arr = np.asarray(lrs, dtype=float)
    arr = arr[np.isfinite(arr) & (arr > 0)]
    lo = start_lr if start_lr is not None and start_lr > 0 else (float(arr.min()) if arr.size else 1e-7)
    hi = end_lr if end_lr is not None and end_lr > 0 else (float(arr.max()) if arr.size else 10.0)
    extra = [float(v) for v in include if v is not None and math.isfinite(v) and v > 0]
    data = [float(arr.min()), float(arr.max())] if arr.size else []
    for v in [*data, *extra]:
        lo, hi = min(lo, float(v)), max(hi, float(v))
    if extra:  # a little room so a pick at the edge is not drawn on the frame
        lo, hi = min(lo, min(extra) / 1.15), max(hi, max(extra) * 1.15)
    if hi <= lo:
        lo, hi = lo / 1.5, lo * 1.5
    return float(lo), float(hi)


def pick_bounds(
    start_lr: float, end_lr: float, margin_decades: float = PICK_MARGIN_DECADES
) -> tuple[float, float]:
    """The rates a pick may take: the planned sweep widened by ``margin_decades`` on each side."""
    f = 10.0**margin_decades
    return float(start_lr) / f, float(end_lr) * f


def loss_y_range(losses: np.ndarray, smoothed: np.ndarray, clip: float = 1.0) -> tuple[float, float]:
    """A y range that shows the descent: the diverging tail is clipped, never a flat line under a spike.

    The top is the starting smoothed loss plus ``clip`` times the descent (start - best), and never above
    what the data reach; the bottom takes the best smoothed value and most raw points. Flat curves fall
    back to the raw loss's robust spread (2nd to 98th percentile).
    """
    s = np.asarray(smoothed, dtype=float)
    r = np.asarray(losses, dtype=float)
    s = s[np.isfinite(s)]
    r = r[np.isfinite(r)]
    if s.size == 0 and r.size == 0:
        return 0.0, 1.0
    if s.size == 0:
        s = r
    if r.size == 0:
        r = s
    head = s[: max(1, min(10, s.size // 20))]
    start = float(np.median(head))
    best_i = int(np.argmin(s))
    best = float(s[best_i])
    pre = r[: max(best_i + 1, min(r.size, 20))]  # the diverging tail must not widen the range
    r_lo, r_hi = (float(v) for v in np.percentile(pre, [2, 98]))
    descent = start - best
    scale = max(descent, 0.5 * (r_hi - r_lo), 1e-3 * abs(start), 1e-12)
    top = min(max(float(s.max()), float(r.max())), max(start + clip * scale, r_hi))
    top = max(top, start)
    bottom = min(best, r_lo)
    if top - bottom < 1e-12:
        top, bottom = top + 0.5 * scale, bottom - 0.5 * scale
    pad = 0.05 * (top - bottom)
    return bottom - pad, top + pad


def stable_range(
    old: tuple[float, float] | None, new: tuple[float, float], keep: float = 0.6
) -> tuple[float, float]:
    """Keep ``old`` while ``new`` fits inside it and spans at least ``keep`` of it (a calm live axis)."""
    if old is None or not all(v is not None and math.isfinite(v) for v in old):
        return new
    (o_lo, o_hi), (n_lo, n_hi) = old, new
    if n_lo >= o_lo and n_hi <= o_hi and (n_hi - n_lo) >= keep * (o_hi - o_lo):
        return old
    return new


def grad_y_range(
    grad: np.ndarray, smoothed: np.ndarray, threshold: float | None = None
) -> tuple[float, float]:
    """A y range for the gradient pane that shows where the slide rule decides.

    The runaway gradient after the loss minimum is left to run off the top (drawn as arrows); the range
    covers the gradient up to the minimum (robust 1st..99th percentile), widened to a few thresholds
    either side of zero so the ``g[l] ± threshold`` band reads clearly.
    """
    g = np.asarray(grad, dtype=float)
    s = np.asarray(smoothed, dtype=float)
    n = min(g.size, s.size)
    g, s = g[:n], s[:n]
    finite_s = np.isfinite(s)
    keep = np.isfinite(g)
    if finite_s.any():
        i_min = int(np.flatnonzero(finite_s)[np.argmin(s[finite_s])])
        keep[i_min + 1 :] = False
    vals = g[keep]
    if vals.size == 0:
        vals = np.array([0.0])
    if vals.size > 10:
        lo, hi = (float(v) for v in np.percentile(vals, [1, 99]))
    else:
        lo, hi = float(vals.min()), float(vals.max())
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    if threshold is not None and math.isfinite(threshold) and threshold > 0:
        lo, hi = min(lo, -1.5 * threshold), max(hi, 3.0 * threshold)
    else:
        span = hi - lo
        lo, hi = lo - 0.25 * span, hi + 0.75 * span  # room to see the rise begin
    if hi - lo < 1e-12:
        lo, hi = lo - 1.0, hi + 1.0
    pad = 0.06 * (hi - lo)
    return float(lo - pad), float(hi + pad)


def off_scale(values: np.ndarray | Sequence[float], lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """Values pinned into ``[lo, hi]`` and a sign per value: +1 above the top, -1 below, 0 inside.

    A pane draws the pinned ones as arrows with their true value, never as if they were at the edge.
    """
    v = np.asarray(values, dtype=float)
    side = np.where(v > hi, 1, np.where(v < lo, -1, 0))
    return np.clip(v, lo, hi), side


def visible_band(
    center: float, half_width: float, lo: float, hi: float, min_frac: float = 0.025
) -> tuple[float, float, bool]:
    """The ``center ± half_width`` band as drawn: at least ``min_frac`` of the axis tall so it shows at
    any loss scale. Returns (bottom, top, exact): ``exact`` False when it was widened for visibility."""
    span = hi - lo
    half = max(half_width, 0.0)
    if not (math.isfinite(center) and math.isfinite(span) and span > 0):
        return center - half, center + half, True
    least = 0.5 * min_frac * span
    if half >= least:
        return center - half, center + half, True
    return center - least, center + least, False


def fraction_of(lr: float, lo: float, hi: float) -> float:
    """Where ``lr`` sits on a log axis over ``[lo, hi]``: 0 at lo, 1 at hi (outside: below 0 or above 1)."""
    if not (lr > 0 and lo > 0 and hi > lo):
        return 0.0
    return (math.log10(lr) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))


def column_points(n: int, max_columns: int = MAX_COLUMNS) -> np.ndarray:
    """Indices of the measured points that get a click column: all ``n`` when they fit, else
    ``max_columns`` spread evenly in index (evenly in log lr on an exponential sweep), both ends kept."""
    if n <= max_columns:
        return np.arange(max(0, n))
    return np.unique(np.round(np.linspace(0, n - 1, max_columns)).astype(np.int64))


def nearest_index(lrs: np.ndarray, lr: float) -> int | None:
    """Index of the measured rate nearest ``lr`` in log space (None when nothing was measured)."""
    arr = np.asarray(lrs, dtype=float)
    ok = np.flatnonzero(np.isfinite(arr) & (arr > 0))
    if ok.size == 0 or not (lr > 0 and math.isfinite(lr)):
        return None
    return int(ok[np.argmin(np.abs(np.log(arr[ok]) - math.log(lr)))])


def interp_log(lrs: np.ndarray, ys: np.ndarray, lr: float) -> float:
    """The curve's value at ``lr``, interpolated in log learning rate over finite points (NaN without)."""
    lrs, ys = np.asarray(lrs, dtype=float), np.asarray(ys, dtype=float)
    n = min(lrs.size, ys.size)
    lrs, ys = lrs[:n], ys[:n]
    ok = np.isfinite(lrs) & np.isfinite(ys) & (lrs > 0)
    if not ok.any() or not (lr > 0):
        return float("nan")
    x, y = np.log10(lrs[ok]), ys[ok]
    order = np.argsort(x)
    return float(np.interp(math.log10(lr), x[order], y[order]))
