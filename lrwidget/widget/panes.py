"""The two bqplot panes: loss against learning rate, and the gradient the slide rule reads.

Both share one log learning-rate scale with explicit min/max and decade ticks (bqplot's automatic log
domain misbehaves). The loss pane clips the diverging tail so the descent stays readable. Every data
update assigns whole arrays inside ``hold_sync`` (one message per mark).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import bqplot as bq
import ipywidgets as W
import numpy as np

from lrwidget.widget import style

EMPTY = np.zeros(0, dtype=float)
FIG_WIDTH = "100%"
MAX_WIDTH = "900px"


# --------------------------------------------------------------------------- pure helpers (tested alone)


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
    best = None
    for step in (m * mag for m in (0.5, 1, 2, 2.5, 5, 10, 20)):
        count = math.floor(hi / step + 1e-9) - math.ceil(lo / step - 1e-9) + 1
        key = (abs(count - n), -count)
        if best is None or key < best[0]:
            best = (key, step)
    step = best[1]
    first = math.ceil(lo / step - 1e-9) * step
    ticks = np.arange(first, hi + step * 1e-9, step)
    return np.round(ticks / step) * step  # no 0.30000000000000004


def lr_domain(lrs: np.ndarray | Sequence[float], start_lr: float | None = None, end_lr: float | None = None):
    """The x domain for the learning-rate axis: the planned sweep range if known, else the data's."""
    lo = start_lr
    hi = end_lr
    arr = np.asarray(lrs, dtype=float)
    arr = arr[np.isfinite(arr) & (arr > 0)]
    if lo is None or not (lo > 0):
        lo = float(arr.min()) if arr.size else 1e-7
    if hi is None or not (hi > 0):
        hi = float(arr.max()) if arr.size else 10.0
    if arr.size:
        lo, hi = min(lo, float(arr.min())), max(hi, float(arr.max()))
    if hi <= lo:
        lo, hi = lo / 1.5, lo * 1.5
    return float(lo), float(hi)


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
    # spread of the raw loss before the minimum: the diverging tail must not widen the range
    pre = r[: max(best_i + 1, min(r.size, 20))]
    r_lo, r_hi = (float(v) for v in np.percentile(pre, [2, 98]))
    descent = start - best
    scale = max(descent, 0.5 * (r_hi - r_lo), 1e-3 * abs(start), 1e-12)
    # the raw noise before the minimum stays in view; the tail after it is what gets clipped
    top = min(max(float(s.max()), float(r.max())), max(start + clip * scale, r_hi))
    top = max(top, start)
    bottom = min(best, r_lo)
    if top - bottom < 1e-12:
        top, bottom = top + 0.5 * scale, bottom - 0.5 * scale
    pad = 0.05 * (top - bottom)
    return bottom - pad, top + pad


def stable_range(old: tuple[float, float] | None, new: tuple[float, float], keep: float = 0.6):
    """Keep ``old`` while ``new`` fits inside it and spans at least ``keep`` of it (a calm live axis).

    Growing data then moves the axis only when it must, and sends no scale message otherwise.
    """
    if old is None or not all(math.isfinite(v) for v in old):
        return new
    (o_lo, o_hi), (n_lo, n_hi) = old, new
    if n_lo >= o_lo and n_hi <= o_hi and (n_hi - n_lo) >= keep * (o_hi - o_lo):
        return old
    return new


def index_gradient(smoothed: np.ndarray) -> np.ndarray:
    """``np.gradient`` in index space (what the slide rule reads); NaN where there are < 2 points."""
    s = np.asarray(smoothed, dtype=float)
    if s.size < 2:
        return np.full(s.shape, np.nan)
    return np.gradient(s)


def grad_y_range(
    grad: np.ndarray, smoothed: np.ndarray, y_top: float | None = None, threshold: float | None = None
) -> tuple[float, float]:
    """A y range for the gradient pane that shows where the slide rule decides.

    The runaway gradient of the diverging tail is left to run off the top: the range covers the
    gradient up to the loss minimum (and while the loss stays below ``y_top``, the loss pane's top),
    widened to a few thresholds either side of zero so the ``g[l] ± threshold`` band reads clearly.
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


@contextmanager
def hold_all(*widgets: W.Widget) -> Iterator[None]:
    """``hold_sync`` on several widgets at once: each sends one message when the block ends."""
    with ExitStack() as stack:
        for w in widgets:
            stack.enter_context(w.hold_sync())
        yield


def _arr(x) -> np.ndarray:
    return np.asarray(x, dtype=float).ravel()


def _wire(x: np.ndarray) -> np.ndarray:
    """Curve data as float32 for the browser: half the bytes, ample for drawing (picks map back by index)."""
    return np.asarray(x, dtype=np.float32)


@dataclass
class Marker:
    """One suggestion to draw: its method, learning rate (None: nothing to draw) and label."""

    method: str
    lr: float | None
    label: str = ""


def _interp_log(lrs: np.ndarray, ys: np.ndarray, lr: float) -> float:
    """The curve's value at ``lr``, interpolated in log learning rate over finite points."""
    ok = np.isfinite(lrs) & np.isfinite(ys) & (lrs > 0)
    if not ok.any():
        return float("nan")
    x, y = np.log10(lrs[ok]), ys[ok]
    order = np.argsort(x)
    return float(np.interp(math.log10(lr), x[order], y[order]))


def make_lr_scale(lo: float = 1e-7, hi: float = 10.0) -> bq.LogScale:
    """The shared log learning-rate scale (explicit min/max: bqplot's automatic log domain misbehaves)."""
    return bq.LogScale(min=lo, max=hi)


def _lr_axis(scale: bq.LogScale, label: str | None) -> bq.Axis:
    ticks, fmt = log_ticks(scale.min, scale.max)
    return bq.Axis(
        scale=scale,
        label=label or "",
        tick_values=ticks,
        tick_format=fmt,
        grid_lines="dashed",
        label_offset="32px",
    )


def set_lr_range(scale: bq.LogScale, axes: Sequence[bq.Axis], lo: float, hi: float) -> None:
    """Set the shared learning-rate domain and the matching decade ticks on every axis that shows it."""
    ticks, fmt = log_ticks(lo, hi)
    with hold_all(scale):
        scale.min, scale.max = float(lo), float(hi)
    for ax in axes:
        # two messages, format first: in one, a pane that shares the scale sometimes kept the old format
        ax.tick_format = fmt
        ax.tick_values = ticks


def _figure(marks, axes, height: str, margin: dict, **kw) -> bq.Figure:
    return bq.Figure(
        marks=marks,
        axes=axes,
        animation_duration=0,
        fig_margin=margin,
        padding_x=0.0,
        padding_y=0.0,
        background_style={"fill": "none"},
        display_toolbar=False,  # pan/zoom would fight the explicit log domain
        layout=W.Layout(width=FIG_WIDTH, max_width=MAX_WIDTH, height=height, min_width="320px"),
        **kw,
    )


# --------------------------------------------------------------------------- the loss pane


class LossPane:
    """Raw loss faint, smoothed loss bold, a marker per suggestion, the pick as a labelled rule, a slice band.

    A click on a measured point (``points``, an almost invisible Scatter on the smoothed curve) or on a
    suggestion marker calls ``on_pick(lr)``; a drag in slice mode (``BrushIntervalSelector`` on the
    log scale) calls ``on_slice((lo, hi))``.
    """

    def __init__(self, x_scale: bq.LogScale, height: str = "310px"):
        self.x_scale = x_scale
        self.y_scale = bq.LinearScale(min=0.0, max=1.0)
        self.unit = bq.LinearScale(min=0.0, max=1.0)  # for rules and bands spanning the full height
        sc = {"x": x_scale, "y": self.y_scale}
        unit = {"x": x_scale, "y": self.unit}
        self._ticked: tuple[float, float] | None = None
        self.lrs = EMPTY
        self.losses = EMPTY
        self.smoothed = EMPTY
        self._point_index = np.zeros(0, dtype=int)
        self._pick_cbs: list[Callable[[float], None]] = []
        self._slice_cbs: list[Callable[[tuple[float, float]], None]] = []
        self._syncing_brush = False

        self.band = bq.Lines(
            x=EMPTY, y=EMPTY, scales=unit, fill="inside", colors=[style.SLICE_COLOR],
            fill_colors=[style.SLICE_COLOR], fill_opacities=[0.18], stroke_width=0,
        )  # fmt: skip
        self.band_label = bq.Label(
            x=EMPTY, y=EMPTY, text=[], scales=unit, colors=[style.SLICE_COLOR], default_size=12,
            font_weight="bold", align="middle", y_offset=-6,
        )  # fmt: skip
        self.raw = bq.Lines(
            x=EMPTY, y=EMPTY, scales=sc, colors=[style.RAW_COLOR], opacities=[0.55], stroke_width=1,
            labels=["raw loss"], display_legend=False,
        )  # fmt: skip
        self.smooth = bq.Lines(
            x=EMPTY, y=EMPTY, scales=sc, colors=[style.SMOOTHED_COLOR], stroke_width=3,
            labels=["smoothed loss"], display_legend=False,
        )  # fmt: skip
        self.points = bq.Scatter(
            x=EMPTY, y=EMPTY, scales=sc, colors=[style.SMOOTHED_COLOR], default_size=40,
            opacities=[0.12], hovered_style={"opacity": 1.0, "stroke": style.PICK_COLOR},
            tooltip=bq.Tooltip(fields=["x", "y"], formats=[".2e", ".4g"], labels=["lr", "loss"]),
        )  # fmt: skip
        self.rule = bq.Lines(
            x=EMPTY, y=EMPTY, scales=unit, colors=[style.PICK_COLOR], stroke_width=2.5,
        )  # fmt: skip
        self.rule_label = bq.Label(
            x=EMPTY, y=EMPTY, text=[], scales=unit, colors=[style.PICK_COLOR], default_size=13,
            font_weight="bold", x_offset=6, align="start",
        )  # fmt: skip
        self.probe = bq.Scatter(
            x=EMPTY, y=EMPTY, scales=sc, colors=[style.INTERVAL_LEFT_COLOR], default_size=140,
            marker="circle", fill=False, stroke=style.INTERVAL_LEFT_COLOR, stroke_width=3,
        )  # fmt: skip
        self.markers: dict[str, bq.Scatter] = {}
        self.chips: dict[str, W.Button] = {}
        self.key = W.HTML(
            f"<span style='font-size:12px;white-space:nowrap'>"
            f"<span style='display:inline-block;width:18px;border-top:3px solid {style.SMOOTHED_COLOR};"
            f"vertical-align:middle'></span> smoothed &nbsp;"
            f"<span style='display:inline-block;width:18px;border-top:1px solid {style.RAW_COLOR};"
            f"vertical-align:middle'></span> raw &nbsp;</span>"
        )
        self.legend = W.HBox([self.key], layout=W.Layout(flex_flow="row wrap", align_items="center"))

        self.x_axis = _lr_axis(x_scale, "learning rate (log scale)")
        self.y_axis = bq.Axis(
            scale=self.y_scale, side="left", label="loss", tick_format=".3~g",
            grid_lines="dashed", label_offset="46px",
        )  # fmt: skip
        self.brush = bq.interacts.BrushIntervalSelector(scale=x_scale, color=style.SLICE_COLOR)
        self.figure = _figure(
            self._marks(), [self.x_axis, self.y_axis], height,
            {"top": 16, "bottom": 48, "left": 66, "right": 24},
        )  # fmt: skip
        self.points.on_element_click(self._on_point_click)
        self.brush.observe(self._on_brush, names=["selected", "brushing"])

    # ---- marks and layout
    def _marks(self) -> list[bq.Mark]:
        return [
            self.band, self.raw, self.smooth, self.rule, self.probe, self.points, *self.markers.values(),
            self.rule_label, self.band_label,
        ]  # fmt: skip

    def on_pick(self, cb: Callable[[float], None]) -> None:
        """Call ``cb(lr)`` when a person clicks a measured point or a suggestion marker."""
        self._pick_cbs.append(cb)

    def on_slice(self, cb: Callable[[tuple[float, float]], None]) -> None:
        """Call ``cb((lo, hi))`` when a person finishes dragging a slice."""
        self._slice_cbs.append(cb)

    def set_mode(self, mode: str) -> None:
        """``"pick"``: clicks pick an lr; ``"slice"``: drags pick a slice (the brush takes the mouse)."""
        if mode not in ("pick", "slice"):
            raise ValueError(f"mode must be 'pick' or 'slice', got {mode!r}")
        self.figure.interaction = self.brush if mode == "slice" else None

    # ---- data
    def set_curve(
        self, lrs, losses, smoothed, y_range: tuple[float, float] | None = None, sticky: bool = False
    ) -> None:
        """Draw the measured curve (whole arrays; non-finite points are left out of the drawing).

        ``sticky`` (live updates) keeps the current y range while the new one fits well inside it.
        """
        lrs, losses, smoothed = _arr(lrs), _arr(losses), _arr(smoothed)
        n = min(lrs.size, losses.size, smoothed.size)
        lrs, losses, smoothed = lrs[:n], losses[:n], smoothed[:n]
        self.lrs, self.losses, self.smoothed = lrs, losses, smoothed
        ok_raw = np.isfinite(losses) & (lrs > 0)
        ok_s = np.isfinite(smoothed) & (lrs > 0)
        self._point_index = np.nonzero(ok_s)[0]
        lo, hi = y_range if y_range is not None else loss_y_range(losses, smoothed)
        if sticky:
            lo, hi = stable_range((self.y_scale.min, self.y_scale.max), (lo, hi))
        with hold_all(self.raw, self.smooth, self.points, self.y_scale):
            x_s, y_s = _wire(lrs[ok_s]), _wire(smoothed[ok_s])
            self.raw.x, self.raw.y = _wire(lrs[ok_raw]), _wire(losses[ok_raw])
            self.smooth.x, self.smooth.y = x_s, y_s
            self.points.x, self.points.y = x_s, y_s
            self.y_scale.min, self.y_scale.max = float(lo), float(hi)
        if (lo, hi) != self._ticked:
            self._ticked = (lo, hi)
            self.y_axis.tick_values = nice_ticks(lo, hi, 5)

    def value_at(self, lr: float) -> float:
        """The smoothed loss at ``lr`` (log-interpolated); NaN without data."""
        return _interp_log(self.lrs, self.smoothed, lr)

    def set_markers(self, markers: Sequence[Marker]) -> None:
        """One Scatter per suggestion method (its own colour) plus a legend chip; both clickable to pick."""
        methods = [m.method for m in markers]
        if methods != list(self.markers):
            self.markers = {name: self.markers.get(name) or self._new_marker(name) for name in methods}
            self.chips = {name: self.chips.get(name) or self._new_chip(name) for name in methods}
            self.figure.marks = self._marks()
            self.legend.children = [self.key, *self.chips.values()]
        for m in markers:
            mark = self.markers[m.method]
            y = self.value_at(m.lr) if m.lr is not None else float("nan")
            with mark.hold_sync():
                if m.lr is None or not math.isfinite(y):
                    mark.x, mark.y = EMPTY, EMPTY
                else:
                    mark.x, mark.y = np.array([m.lr]), np.array([y])
            chip = self.chips[m.method]
            label = m.label or style.method_label(m.method)
            with chip.hold_sync():
                chip.description = f"● {label}" if m.lr is not None else f"○ {label}"
                chip.disabled = m.lr is None
                chip.tooltip = (
                    f"set lr = {style.fmt_lr(m.lr)}" if m.lr is not None else f"{m.method}: no suggestion"
                )

    def _new_chip(self, method: str) -> W.Button:
        chip = W.Button(
            layout=W.Layout(width="auto", height="26px", margin="2px 4px 2px 0", padding="0 8px"),
            style={"button_color": style.method_color(method), "text_color": "#111", "font_weight": "bold"},
        )  # fmt: skip
        chip.on_click(lambda _b, method=method: self._chip_clicked(method))
        return chip

    def _chip_clicked(self, method: str) -> None:
        mark = self.markers.get(method)
        if mark is not None and mark.x is not None and len(mark.x):
            self._emit_pick(float(mark.x[0]))

    def _new_marker(self, method: str) -> bq.Scatter:
        color = style.method_color(method)
        mark = bq.Scatter(
            x=EMPTY, y=EMPTY, scales={"x": self.x_scale, "y": self.y_scale}, colors=[color],
            marker="diamond" if method == "auto" else "circle", default_size=110, stroke="white",
            stroke_width=1.0,
            tooltip=bq.Tooltip(fields=["x"], formats=[".2e"], labels=[style.method_label(method)]),
        )  # fmt: skip
        mark.on_element_click(self._on_marker_click)
        return mark

    def set_pick(self, lr: float | None) -> None:
        """The chosen lr as a vertical rule labelled with its value (or nothing)."""
        with hold_all(self.rule, self.rule_label):
            if lr is None:
                self.rule.x, self.rule.y = EMPTY, EMPTY
                self.rule_label.x, self.rule_label.y, self.rule_label.text = EMPTY, EMPTY, []
                return
            self.rule.x, self.rule.y = np.array([lr, lr]), np.array([0.0, 1.0])
            right_side = self._frac(lr) > 0.72
            self.rule_label.align = "end" if right_side else "start"
            self.rule_label.x_offset = -6 if right_side else 6
            self.rule_label.x, self.rule_label.y = np.array([lr]), np.array([0.93])
            self.rule_label.text = [f"lr = {style.fmt_lr(lr)}"]

    def set_slice(self, lo_hi: tuple[float, float] | None) -> None:
        """A chosen slice as a translucent band with its ``slice(lo, hi)`` label."""
        with hold_all(self.band, self.band_label):
            if lo_hi is None:
                self.band.x, self.band.y = EMPTY, EMPTY
                self.band_label.x, self.band_label.y, self.band_label.text = EMPTY, EMPTY, []
            else:
                lo, hi = lo_hi
                self.band.x = np.array([lo, lo, hi, hi])
                self.band.y = np.array([0.0, 1.0, 1.0, 0.0])
                mid = math.sqrt(lo * hi)
                self.band_label.x, self.band_label.y = np.array([mid]), np.array([0.02])
                self.band_label.text = [f"slice({style.fmt_lr(lo)}, {style.fmt_lr(hi)})"]
        self._syncing_brush = True
        try:
            sel = None if lo_hi is None else np.array(lo_hi, dtype=float)
            cur = self.brush.selected
            if (sel is None) != (cur is None) or (sel is not None and not np.allclose(sel, cur)):
                self.brush.selected = sel
        finally:
            self._syncing_brush = False

    def set_probe(self, lr: float | None) -> None:
        """The slide rule's left end projected on the loss curve while it moves (None hides it)."""
        with self.probe.hold_sync():
            if lr is None:
                self.probe.x, self.probe.y = EMPTY, EMPTY
            else:
                self.probe.x, self.probe.y = np.array([lr]), np.array([self.value_at(lr)])

    def _frac(self, lr: float) -> float:
        lo, hi = self.x_scale.min or 1e-7, self.x_scale.max or 10.0
        try:
            return (math.log10(lr) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
        except ValueError:
            return 0.0

    # ---- front-end events
    def _emit_pick(self, lr: float) -> None:
        for cb in list(self._pick_cbs):
            cb(lr)

    def _on_point_click(self, _mark, content: Mapping) -> None:
        data = content.get("data") or {}
        idx = data.get("index")
        lr = None
        if isinstance(idx, int) and 0 <= idx < self._point_index.size:
            lr = float(self.lrs[self._point_index[idx]])
        elif data.get("x") is not None and self.lrs.size:
            x = float(data["x"])  # snap to the nearest measured lr
            lr = float(self.lrs[int(np.argmin(np.abs(np.log(self.lrs) - math.log(x))))])
        if lr is not None and lr > 0:
            self._emit_pick(lr)

    def _on_marker_click(self, mark, content: Mapping) -> None:
        if mark.x is not None and len(mark.x):
            self._emit_pick(float(mark.x[0]))

    def _on_brush(self, change) -> None:
        if self._syncing_brush or self.brush.brushing:
            return
        sel = self.brush.selected
        if sel is None or len(sel) != 2:
            return
        lo, hi = sorted(float(v) for v in sel)
        if lo > 0 and hi > lo and math.isfinite(hi):
            for cb in list(self._slice_cbs):
                cb((lo, hi))


# --------------------------------------------------------------------------- the gradient pane


class GradPane:
    """The index-space gradient of the smoothed loss on the same log lr axis, with the slide rule drawn on it.

    The interval is two vertical lines (left, right) over a light band; dots mark ``g[l]`` and ``g[r]``;
    a horizontal band ``g[l] ± threshold`` shows the test: the rule stops when ``g[r]`` falls inside it.
    """

    def __init__(self, x_scale: bq.LogScale, height: str = "210px"):
        self.x_scale = x_scale
        self.y_scale = bq.LinearScale(min=-1.0, max=1.0)
        self.unit = bq.LinearScale(min=0.0, max=1.0)
        sc = {"x": x_scale, "y": self.y_scale}
        unit = {"x": x_scale, "y": self.unit}
        self._ticked: tuple[float, float] | None = None
        self.lrs = EMPTY
        self.grad = EMPTY

        self.zero = bq.Lines(
            x=np.array([0.0, 1.0]), y=np.zeros(2),
            scales={"x": bq.LinearScale(min=0.0, max=1.0), "y": self.y_scale},
            colors=["#888888"], line_style="dashed", stroke_width=1,
        )  # fmt: skip
        self.span = bq.Lines(
            x=EMPTY, y=EMPTY, scales=unit, fill="inside", colors=[style.BAND_COLOR],
            fill_colors=[style.BAND_COLOR], fill_opacities=[0.10], stroke_width=0,
        )  # fmt: skip
        self.tol = bq.Lines(
            x=EMPTY, y=EMPTY, scales=sc, fill="inside", colors=[style.BAND_COLOR],
            fill_colors=[style.BAND_COLOR], fill_opacities=[0.28], stroke_width=0,
        )  # fmt: skip
        self.line = bq.Lines(x=EMPTY, y=EMPTY, scales=sc, colors=[style.SMOOTHED_COLOR], stroke_width=2)
        self.edges = bq.Lines(
            x=EMPTY, y=EMPTY, scales=unit, colors=[style.INTERVAL_LEFT_COLOR, style.INTERVAL_RIGHT_COLOR],
            stroke_width=2.5,
        )  # fmt: skip
        self.ends = bq.Scatter(
            x=EMPTY, y=EMPTY, scales=sc, colors=[style.INTERVAL_LEFT_COLOR, style.INTERVAL_RIGHT_COLOR],
            default_size=70, stroke="white", stroke_width=1,
        )  # fmt: skip
        self.edge_labels = bq.Label(
            x=EMPTY, y=EMPTY, text=[], scales=unit, default_size=12,
            colors=[style.INTERVAL_LEFT_COLOR, style.INTERVAL_RIGHT_COLOR],
            font_weight="bold", align="middle", y_offset=-11,
            apply_clip=False,  # in the margin above the plot (clipped to the plot they never showed)
        )  # fmt: skip
        self.picks = bq.Scatter(
            x=EMPTY, y=EMPTY, scales=sc, colors=[style.METHOD_COLORS["auto"]], default_size=70,
            stroke="white", stroke_width=1,
        )  # fmt: skip
        self.x_axis = _lr_axis(x_scale, None)
        self.y_axis = bq.Axis(
            scale=self.y_scale, side="left", label="Δ loss / step", tick_format=".2~g",
            grid_lines="dashed", label_offset="46px",
        )  # fmt: skip
        self.figure = _figure(
            [self.span, self.tol, self.zero, self.line, self.edges, self.picks, self.ends, self.edge_labels],
            [self.x_axis, self.y_axis], height, {"top": 22, "bottom": 30, "left": 66, "right": 24},
        )  # fmt: skip

    def set_curve(self, lrs, grad, y_range: tuple[float, float], sticky: bool = False) -> None:
        """Draw the gradient (whole arrays) and its clipped y range (``sticky``: see LossPane.set_curve)."""
        lrs, grad = _arr(lrs), _arr(grad)
        n = min(lrs.size, grad.size)
        lrs, grad = lrs[:n], grad[:n]
        self.lrs, self.grad = lrs, grad
        ok = np.isfinite(grad) & (lrs > 0)
        lo, hi = y_range
        if sticky:
            lo, hi = stable_range((self.y_scale.min, self.y_scale.max), (lo, hi))
        with hold_all(self.line, self.y_scale):
            self.line.x, self.line.y = _wire(lrs[ok]), _wire(grad[ok])
            self.y_scale.min, self.y_scale.max = float(lo), float(hi)
        if (lo, hi) != self._ticked:
            self._ticked = (lo, hi)
            self.y_axis.tick_values = nice_ticks(lo, hi, 4)

    def set_interval(self, left: int | None, right: int | None, threshold: float | None = None) -> None:
        """Draw the slide rule's interval ``[left, right]`` (indices into the curve); None hides it."""
        n = self.lrs.size
        marks = (self.span, self.tol, self.edges, self.ends, self.edge_labels)
        with hold_all(*marks):
            if left is None or right is None or not (0 <= left < n and 0 <= right < n):
                for m in (self.span, self.tol, self.edges, self.ends):
                    m.x, m.y = EMPTY, EMPTY
                self.edge_labels.x, self.edge_labels.y, self.edge_labels.text = EMPTY, EMPTY, []
                return
            xl, xr = float(self.lrs[left]), float(self.lrs[right])
            gl, gr = float(self.grad[left]), float(self.grad[right])
            self.span.x, self.span.y = np.array([xl, xl, xr, xr]), np.array([0.0, 1.0, 1.0, 0.0])
            self.edges.x = np.array([[xl, xl], [xr, xr]])
            self.edges.y = np.array([[0.0, 1.0], [0.0, 1.0]])
            self.edge_labels.x, self.edge_labels.y = np.array([xl, xr]), np.array([1.0, 1.0])
            self.edge_labels.text = ["l", "r"]
            lo, hi = self.y_scale.min, self.y_scale.max
            self.ends.x = np.array([xl, xr])
            self.ends.y = np.clip(np.array([gl, gr]), lo, hi)
            if threshold is not None and math.isfinite(threshold) and math.isfinite(gl):
                self.tol.x = np.array([xl, xl, xr, xr])
                self.tol.y = np.array([gl - threshold, gl + threshold, gl + threshold, gl - threshold])
            else:
                self.tol.x, self.tol.y = EMPTY, EMPTY

    def set_picks(self, markers: Sequence[Marker]) -> None:
        """Every method's pick on the gradient line, in its colour."""
        xs, ys, cs = [], [], []
        for m in markers:
            if m.lr is None:
                continue
            y = _interp_log(self.lrs, self.grad, m.lr)
            if not math.isfinite(y):
                continue
            xs.append(m.lr)
            ys.append(min(max(y, self.y_scale.min), self.y_scale.max))
            cs.append(style.method_color(m.method))
        with self.picks.hold_sync():
            self.picks.x, self.picks.y = np.array(xs, dtype=float), np.array(ys, dtype=float)
            if cs:
                self.picks.colors = cs
