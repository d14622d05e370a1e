"""The two bqplot panes: loss against learning rate, and the gradient the slide rule reads.

bqplot only: every number they draw comes from ``axes.py`` (ranges, ticks, arrows, bands), from core
(the gradient, the suggestions) or from the selection (the picks). Both panes share one log lr scale
with explicit min/max and ticks (bqplot's automatic log domain misbehaves). Data updates assign whole
arrays inside ``hold_sync`` (one message per mark). Colours, markers and the rate format come from the
method registry.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import bqplot as bq
import ipywidgets as W
import numpy as np

from lrwidget.widget import axes
from lrwidget.widget.registry import D3_LR_FORMAT, PALETTE, format_lr, method

EMPTY = np.zeros(0, dtype=float)
MAX_WIDTH = "900px"


@contextmanager
def hold_all(*widgets: W.Widget) -> Iterator[None]:
    """``hold_sync`` on several widgets at once: each sends one message when the block ends."""
    with ExitStack() as stack:
        for w in widgets:
            stack.enter_context(w.hold_sync())
        yield


def _arr(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=float).ravel()


def _wire(x: np.ndarray) -> np.ndarray:
    """Curve data as float32 for the browser: half the bytes, ample for drawing (picks map back by index)."""
    return np.asarray(x, dtype=np.float32)


@dataclass(frozen=True)
class Marker:
    """One suggestion to draw: its method and learning rate (None: nothing to draw)."""

    method: str
    lr: float | None


def make_lr_scale(lo: float = 1e-7, hi: float = 10.0) -> bq.LogScale:
    """The shared log learning-rate scale (explicit min/max: bqplot's automatic log domain misbehaves)."""
    return bq.LogScale(min=lo, max=hi)


class _Pane:
    """What both panes share: the lr scale and axis, a y scale with round ticks, a unit scale for marks
    that span the full height, the figure, and the list of every widget the pane made (for close)."""

    def __init__(self, x_scale: bq.LogScale, x_label: str, y_label: str, y_format: str) -> None:
        self.x_scale = x_scale
        self.y_scale = bq.LinearScale(min=0.0, max=1.0)
        self.unit = bq.LinearScale(min=0.0, max=1.0)
        self.sc = {"x": x_scale, "y": self.y_scale}
        self.unit_sc = {"x": x_scale, "y": self.unit}
        self._owned: list[W.Widget] = [self.y_scale, self.unit]
        self._ticked: tuple[float, float] | None = None
        ticks, fmt = axes.log_ticks(x_scale.min, x_scale.max)
        self.x_axis = self.own(
            bq.Axis(scale=x_scale, label=x_label, tick_values=ticks, tick_format=fmt, grid_lines="dashed",
                    label_offset="32px")
        )  # fmt: skip
        self.y_axis = self.own(
            bq.Axis(scale=self.y_scale, side="left", label=y_label, tick_format=y_format, grid_lines="dashed",
                    label_offset="46px")
        )  # fmt: skip

    def own(self, widget: Any) -> Any:
        """Remember ``widget`` as made by this pane (closed with it); returns it."""
        self._owned.append(widget)
        return widget

    def widgets(self) -> list[W.Widget]:
        """Every widget this pane made."""
        return list(self._owned)

    def _make_figure(self, marks: list[bq.Mark], height: str, margin: dict[str, int]) -> bq.Figure:
        return self.own(
            bq.Figure(
                marks=marks, axes=[self.x_axis, self.y_axis], animation_duration=0, fig_margin=margin,
                padding_x=0.0, padding_y=0.0, background_style={"fill": "none"},
                display_toolbar=False,  # pan/zoom would fight the explicit log domain
                layout=W.Layout(width="100%", max_width=MAX_WIDTH, height=height, min_width="320px"),
            )
        )  # fmt: skip

    def set_y_range(
        self, lo: float, hi: float, sticky: bool = False, n_ticks: int = 5
    ) -> tuple[float, float]:
        """Set the y range (``sticky``: keep the current one while the new one fits well inside it)."""
        if sticky:
            lo, hi = axes.stable_range((self.y_scale.min, self.y_scale.max), (lo, hi))
        with self.y_scale.hold_sync():
            self.y_scale.min, self.y_scale.max = float(lo), float(hi)
        if (lo, hi) != self._ticked:
            self._ticked = (lo, hi)
            self.y_axis.tick_values = axes.nice_ticks(lo, hi, n_ticks)
        return lo, hi

    def set_lr_ticks(self, lo: float, hi: float) -> None:
        """The x axis's ticks for a new domain (format first: sent together, a shared axis kept the old)."""
        ticks, fmt = axes.log_ticks(lo, hi)
        self.x_axis.tick_format = fmt
        self.x_axis.tick_values = ticks


def set_lr_range(scale: bq.LogScale, panes: Sequence[_Pane], lo: float, hi: float) -> None:
    """Set the shared learning-rate domain and the matching ticks on every pane that shows it."""
    with scale.hold_sync():
        scale.min, scale.max = float(lo), float(hi)
    for pane in panes:
        pane.set_lr_ticks(lo, hi)


def _key(color: str, text: str, kind: str = "line", width: int = 3, dash: str = "solid") -> str:
    """One legend entry as HTML: a line, a band or a dot in ``color`` and its words."""
    if kind == "band":
        glyph = (
            f"<span style='display:inline-block;width:14px;height:10px;background:{color};opacity:.35'>"
            "</span>"
        )
    elif kind == "dot":
        glyph = f"<span style='color:{color};font-size:14px'>▲</span>"
    else:
        glyph = (
            f"<span style='display:inline-block;width:18px;border-top:{width}px {dash} {color};"
            "vertical-align:middle'></span>"
        )
    return f"<span style='white-space:nowrap;margin-right:10px'>{glyph} {text}</span>"


_GLYPHS = {"diamond": "◆", "triangle-down": "▼", "triangle-up": "▲", "square": "■", "cross": "✚"}


class LossPane(_Pane):
    """Raw loss faint, smoothed loss bold, a marker per suggestion, the pick as a labelled rule, a slice band.

    A click anywhere on the plot picks the nearest measured rate: transparent full-height columns, one
    per measured point, sit above the curves (their tooltip says where a click lands). A click on a
    suggestion marker or its legend chip picks that suggestion; in slice mode a drag sets a slice.
    """

    def __init__(self, x_scale: bq.LogScale, height: str = "310px"):
        super().__init__(x_scale, "learning rate (log scale)", "loss", ".3~g")
        self.lrs = EMPTY
        self.smoothed = EMPTY
        self._pick_cbs: list[Callable[[float], None]] = []
        self._slice_cbs: list[Callable[[tuple[float, float]], None]] = []
        self._syncing_brush = False
        p, sc, unit = PALETTE, self.sc, self.unit_sc
        self.band = self.own(bq.Lines(
            x=EMPTY, y=EMPTY, scales=unit, fill="inside", colors=[p.slice], fill_colors=[p.slice],
            fill_opacities=[p.slice_opacity], stroke_width=0,
        ))  # fmt: skip
        self.band_label = self.own(bq.Label(
            x=EMPTY, y=EMPTY, text=[], scales=unit, colors=[p.slice], default_size=12, font_weight="bold",
            align="middle", y_offset=-6,
        ))  # fmt: skip
        self.raw = self.own(bq.Lines(
            x=EMPTY, y=EMPTY, scales=sc, colors=[p.raw], opacities=[p.raw_opacity], stroke_width=1,
        ))  # fmt: skip
        self.smooth = self.own(bq.Lines(x=EMPTY, y=EMPTY, scales=sc, colors=[p.smoothed], stroke_width=3))
        self.rule = self.own(bq.Lines(x=EMPTY, y=EMPTY, scales=unit, colors=[p.pick], stroke_width=2.5))
        self.rule_label = self.own(bq.Label(
            x=EMPTY, y=EMPTY, text=[], scales=unit, colors=[p.pick], default_size=13, font_weight="bold",
            x_offset=6, align="start",
        ))  # fmt: skip
        self.probe = self.own(bq.Scatter(
            x=EMPTY, y=EMPTY, scales=sc, colors=[p.interval], default_size=70, marker="triangle-up",
            stroke="white", stroke_width=1,
        ))  # fmt: skip
        # where a click would land: a ring on the smoothed curve at the nearest measured rate and a faint
        # rule, moved by the columns' hover events (one small message each time the mouse enters a column)
        self.hover_rule = self.own(bq.Lines(
            x=EMPTY, y=EMPTY, scales=unit, colors=[p.hover], stroke_width=1, line_style="dashed",
            enable_hover=False,
        ))  # fmt: skip
        self.hover_ring = self.own(bq.Scatter(
            x=EMPTY, y=EMPTY, scales=sc, colors=[p.hover], default_size=140, fill=False, stroke_width=2,
            enable_hover=False,
        ))  # fmt: skip
        self.hovered: int | None = None  # the column under the mouse (index into lrs), if any
        self.columns = self.own(bq.Bars(
            x=EMPTY, y=EMPTY, scales=unit, padding=0.0, opacities=[0.0], colors=[p.hover],
            tooltip=self.own(bq.Tooltip(fields=["x"], formats=[D3_LR_FORMAT], labels=["click to pick lr"])),
        ))  # fmt: skip
        self.markers: dict[str, bq.Scatter] = {}
        self.chips: dict[str, W.Button] = {}
        self.key = self.own(W.HTML(
            "<span style='font-size:12px'>"
            + _key(p.smoothed, "smoothed loss")
            + _key(p.raw, "raw loss", width=1)
            + _key(p.pick, "your lr")
            + _key(p.slice, "your slice", kind="band")
            + _key(p.interval, "slide rule's left end", kind="dot")
            + _key(p.hover, "where a click lands", width=1, dash="dashed")
            + "</span>"
        ))  # fmt: skip
        self.legend = self.own(
            W.HBox([self.key], layout=W.Layout(flex_flow="row wrap", align_items="center"))
        )
        self.brush = self.own(bq.interacts.BrushIntervalSelector(scale=x_scale, color=p.slice))
        self.figure = self._make_figure(
            self._marks(), height, {"top": 16, "bottom": 48, "left": 66, "right": 24}
        )
        self.columns.on_element_click(self._on_column_click)
        self.columns.on_hover(self._on_column_hover)
        for line in (self.raw, self.smooth, self.rule, self.band, self.hover_rule):
            # a click that lands on a curve's stroke (not on a column) picks where the hover marker is
            line.on_element_click(self._on_line_click)
        self.brush.observe(self._on_brush, names=["selected", "brushing"])

    def _marks(self) -> list[bq.Mark]:
        # the columns lie over the curves (a click on a line picks too) and under the markers and labels
        return [
            self.band, self.raw, self.smooth, self.rule, self.hover_rule, self.hover_ring, self.probe,
            self.columns, *self.markers.values(),
            self.rule_label, self.band_label,
        ]  # fmt: skip

    def on_pick(self, cb: Callable[[float], None]) -> None:
        """Call ``cb(lr)`` when a person clicks the plot, a suggestion marker or a legend chip."""
        self._pick_cbs.append(cb)

    def on_slice(self, cb: Callable[[tuple[float, float]], None]) -> None:
        """Call ``cb((lo, hi))`` when a person finishes dragging a slice."""
        self._slice_cbs.append(cb)

    def set_mode(self, mode: str) -> None:
        """``"pick"``: clicks pick an lr; ``"slice"``: drags pick a slice (the brush takes the mouse)."""
        if mode not in ("pick", "slice"):
            raise ValueError(f"mode must be 'pick' or 'slice', got {mode!r}")
        self.figure.interaction = self.brush if mode == "slice" else None
        if mode == "slice":
            self.set_hover(None)  # a drag picks a slice: no click target to show

    # ---- data
    def set_curve(self, lrs: Any, losses: Any, smoothed: Any, sticky: bool = False) -> None:
        """Draw the measured curve (whole arrays; non-finite points are left out) and its clipped y range."""
        lrs, losses, smoothed = _arr(lrs), _arr(losses), _arr(smoothed)
        n = min(lrs.size, losses.size, smoothed.size)
        lrs, losses, smoothed = lrs[:n], losses[:n], smoothed[:n]
        self.lrs, self.smoothed = lrs, smoothed
        ok_raw = np.isfinite(losses) & (lrs > 0)
        ok_s = np.isfinite(smoothed) & (lrs > 0)
        lo, hi = axes.loss_y_range(losses, smoothed)
        with hold_all(self.raw, self.smooth, self.columns):
            self.raw.x, self.raw.y = _wire(lrs[ok_raw]), _wire(losses[ok_raw])
            self.smooth.x, self.smooth.y = _wire(lrs[ok_s]), _wire(smoothed[ok_s])
            self.columns.x, self.columns.y = _wire(lrs), np.ones(n, dtype=np.float32)  # clicks map by index
        self.set_y_range(lo, hi, sticky)
        if self.hovered is not None and self.hovered >= n:
            self.set_hover(None)

    def value_at(self, lr: float) -> float:
        """The smoothed loss at ``lr`` (log-interpolated); NaN without data."""
        return axes.interp_log(self.lrs, self.smoothed, lr)

    def set_markers(self, markers: Sequence[Marker], chosen: str) -> None:
        """One Scatter per suggestion method plus a legend chip; ``chosen`` (the recommended) stands out."""
        methods = [m.method for m in markers]
        if methods != list(self.markers):
            self.markers = {name: self.markers.get(name) or self._new_marker(name) for name in methods}
            self.chips = {name: self.chips.get(name) or self._new_chip(name) for name in methods}
            self.figure.marks = self._marks()
            self.legend.children = [self.key, *self.chips.values()]
        for m in markers:
            spec = method(m.method)
            mark = self.markers[m.method]
            y = self.value_at(m.lr) if m.lr is not None else float("nan")
            size = int(spec.size * (1.6 if m.method == chosen else 1.0))
            with mark.hold_sync():
                if m.lr is None or not math.isfinite(y):
                    mark.x, mark.y = EMPTY, EMPTY
                else:
                    mark.x, mark.y = np.array([m.lr]), np.array([y])
                if mark.default_size != size:
                    mark.default_size = size
            chip = self.chips[m.method]
            glyph = _GLYPHS.get(spec.marker, "●")
            with chip.hold_sync():
                chip.description = (
                    f"{glyph} {spec.label} {format_lr(m.lr)}" if m.lr is not None else f"{spec.label}: –"
                )
                chip.disabled = m.lr is None
                chip.tooltip = (
                    f"set lr = {format_lr(m.lr)}" if m.lr is not None else f"{m.method}: no suggestion"
                )
                chip.style.font_weight = "bold" if m.method == chosen else "normal"

    def _new_chip(self, name: str) -> W.Button:
        spec = method(name)
        chip = self.own(W.Button(
            layout=self.own(W.Layout(width="auto", height="26px", margin="2px 4px 2px 0", padding="0 8px")),
            style={"button_color": "transparent", "text_color": spec.color, "font_weight": "normal"},
        ))  # fmt: skip
        self.own(chip.style)
        chip.on_click(lambda _b, name=name: self._chip_clicked(name))
        return chip

    def _chip_clicked(self, name: str) -> None:
        mark = self.markers.get(name)
        if mark is not None and mark.x is not None and len(mark.x):
            self._emit_pick(float(mark.x[0]))

    def _new_marker(self, name: str) -> bq.Scatter:
        spec = method(name)
        mark = self.own(bq.Scatter(
            x=EMPTY, y=EMPTY, scales=self.sc, colors=[spec.color], marker=spec.marker,
            default_size=spec.size, stroke="white", stroke_width=1.5,
            tooltip=self.own(bq.Tooltip(fields=["x"], formats=[D3_LR_FORMAT], labels=[spec.label])),
        ))  # fmt: skip
        mark.on_element_click(self._on_marker_click)
        return mark

    def set_pick(self, lr: float | None, unmeasured: bool = False) -> None:
        """The chosen lr as a vertical rule labelled with its value; dashed and said when not measured."""
        with hold_all(self.rule, self.rule_label):
            if lr is None:
                self.rule.x, self.rule.y = EMPTY, EMPTY
                self.rule_label.x, self.rule_label.y, self.rule_label.text = EMPTY, EMPTY, []
                return
            self.rule.x, self.rule.y = np.array([lr, lr]), np.array([0.0, 1.0])
            self.rule.line_style = "dashed" if unmeasured else "solid"
            right_side = axes.fraction_of(lr, self.x_scale.min, self.x_scale.max) > 0.72
            self.rule_label.align = "end" if right_side else "start"
            self.rule_label.x_offset = -6 if right_side else 6
            self.rule_label.x, self.rule_label.y = np.array([lr]), np.array([0.93])
            note = " (not measured)" if unmeasured else ""
            self.rule_label.text = [f"lr = {format_lr(lr)}{note}"]

    def set_slice(self, lo_hi: tuple[float, float] | None, unmeasured: bool = False) -> None:
        """A chosen slice as a translucent band with its ``slice(lo, hi)`` label (saying so when it reaches
        past what was measured); the brush follows."""
        with hold_all(self.band, self.band_label):
            if lo_hi is None:
                self.band.x, self.band.y = EMPTY, EMPTY
                self.band_label.x, self.band_label.y, self.band_label.text = EMPTY, EMPTY, []
            else:
                lo, hi = lo_hi
                self.band.x, self.band.y = np.array([lo, lo, hi, hi]), np.array([0.0, 1.0, 1.0, 0.0])
                self.band_label.x, self.band_label.y = np.array([math.sqrt(lo * hi)]), np.array([0.02])
                note = " (not all measured)" if unmeasured else ""
                self.band_label.text = [f"slice({format_lr(lo)}, {format_lr(hi)}){note}"]
        self._syncing_brush = True
        try:
            sel = None if lo_hi is None else np.array(lo_hi, dtype=float)
            cur = self.brush.selected
            if (sel is None) != (cur is None) or (sel is not None and not np.allclose(sel, cur)):
                self.brush.selected = sel
        finally:
            self._syncing_brush = False

    def set_hover(self, index: int | None) -> None:
        """Show where a click would land: measured point ``index`` (None hides the marker)."""
        lrs, smoothed = self.lrs, self.smoothed  # this thread's view (a sweep thread may be redrawing)
        if index is not None and not (
            0 <= index < min(lrs.size, smoothed.size) and self.figure.interaction is None
        ):
            index = None
        if index == self.hovered:
            return
        self.hovered = index
        with hold_all(self.hover_rule, self.hover_ring):
            if index is None:
                self.hover_rule.x, self.hover_rule.y = EMPTY, EMPTY
                self.hover_ring.x, self.hover_ring.y = EMPTY, EMPTY
                return
            lr, y = float(lrs[index]), float(smoothed[index])
            self.hover_rule.x, self.hover_rule.y = np.array([lr, lr]), np.array([0.0, 1.0])
            if math.isfinite(y):
                self.hover_ring.x, self.hover_ring.y = np.array([lr]), np.array([y])
            else:
                self.hover_ring.x, self.hover_ring.y = EMPTY, EMPTY

    def set_probe(self, lr: float | None) -> None:
        """The slide rule's left end projected on the loss curve while it moves (None hides it)."""
        with self.probe.hold_sync():
            if lr is None:
                self.probe.x, self.probe.y = EMPTY, EMPTY
            else:
                self.probe.x, self.probe.y = np.array([lr]), np.array([self.value_at(lr)])

    # ---- front-end events
    def _emit_pick(self, lr: float) -> None:
        for cb in list(self._pick_cbs):
            cb(lr)

    def _column_index(self, content: Mapping[str, Any]) -> int | None:
        """The measured point a column event is about: its index, else the nearest to its x."""
        data = content.get("data") or {}
        idx = data.get("index")
        if isinstance(idx, int) and not isinstance(idx, bool) and 0 <= idx < self.lrs.size:
            return idx
        x = data.get("x")
        if isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x):
            return axes.nearest_index(self.lrs, float(x))
        return None

    def _on_column_click(self, _mark: Any, content: Mapping[str, Any]) -> None:
        i = self._column_index(content)
        if i is not None:
            self._emit_pick(float(self.lrs[i]))

    def _on_line_click(self, _mark: Any, _content: Mapping[str, Any]) -> None:
        # bqplot sends a line's click without the mouse position: the column the mouse last entered is
        # the nearest measured rate (the hover marker shows it)
        i = self.hovered
        if i is not None and 0 <= i < self.lrs.size and self.figure.interaction is None:
            self._emit_pick(float(self.lrs[i]))

    def _on_column_hover(self, _mark: Any, content: Mapping[str, Any]) -> None:
        self.set_hover(self._column_index(content))

    def _on_marker_click(self, mark: Any, _content: Mapping[str, Any]) -> None:
        if mark.x is not None and len(mark.x):
            self._emit_pick(float(mark.x[0]))

    def _on_brush(self, _change: Any) -> None:
        if self._syncing_brush or self.brush.brushing:
            return
        sel = self.brush.selected
        if sel is None or len(sel) != 2:
            return
        lo, hi = sorted(float(v) for v in sel)
        if lo > 0 and hi > lo and math.isfinite(hi):
            for cb in list(self._slice_cbs):
                cb((lo, hi))


class GradPane(_Pane):
    """The gradient a slide rule reads (from core) on the same log lr axis, with the rule drawn on it.

    The interval is two vertical lines (left, right) over a light band; dots mark ``g[l]`` and ``g[r]``;
    the band ``g[l] ± threshold`` shows the test (at least a few pixels tall at any loss scale). A value
    above or below the plot is drawn as an arrow at the edge with its true value.
    """

    def __init__(self, x_scale: bq.LogScale, height: str = "210px"):
        super().__init__(x_scale, "", "Δ loss / step", ".2~g")
        self.y_scale.min, self.y_scale.max = -1.0, 1.0
        self.lrs = EMPTY
        self.grad = EMPTY
        p, sc, unit = PALETTE, self.sc, self.unit_sc
        self.zero = self.own(bq.Lines(
            x=np.array([0.0, 1.0]), y=np.zeros(2),
            scales={"x": self.own(bq.LinearScale(min=0.0, max=1.0)), "y": self.y_scale},
            colors=[p.grid], line_style="dashed", stroke_width=1,
        ))  # fmt: skip
        self.span = self.own(bq.Lines(
            x=EMPTY, y=EMPTY, scales=unit, fill="inside", colors=[p.interval], fill_colors=[p.interval],
            fill_opacities=[0.08], stroke_width=0,
        ))  # fmt: skip
        self.tol = self.own(bq.Lines(
            x=EMPTY, y=EMPTY, scales=sc, fill="inside", colors=[p.threshold_band],
            fill_colors=[p.threshold_band], fill_opacities=[0.3], stroke_width=1.5,
        ))  # fmt: skip
        self.line = self.own(bq.Lines(x=EMPTY, y=EMPTY, scales=sc, colors=[p.gradient], stroke_width=2))
        self.edges = self.own(bq.Lines(
            x=EMPTY, y=EMPTY, scales=unit, colors=[p.interval, p.interval], stroke_width=2,
            line_style="solid",
        ))  # fmt: skip
        self.ends = self.own(bq.Scatter(
            x=EMPTY, y=EMPTY, scales=sc, colors=[p.interval], default_size=60, stroke="white", stroke_width=1,
        ))  # fmt: skip
        self.edge_labels = self.own(bq.Label(
            x=EMPTY, y=EMPTY, text=[], scales=unit, default_size=12, colors=[p.interval], font_weight="bold",
            align="middle", y_offset=-11, apply_clip=False,  # in the margin above the plot
        ))  # fmt: skip
        self.picks = self.own(bq.Scatter(
            x=EMPTY, y=EMPTY, scales=sc, colors=[p.grid], default_size=60, stroke="white", stroke_width=1,
        ))  # fmt: skip
        self.arrows = self.own(bq.Scatter(
            x=EMPTY, y=EMPTY, scales=sc, colors=[p.interval], default_size=90, marker="triangle-up",
        ))  # fmt: skip
        self.arrow_labels = self.own(bq.Label(
            x=EMPTY, y=EMPTY, text=[], scales=sc, default_size=11, colors=[p.interval], align="start",
            x_offset=7, y_offset=4,
        ))  # fmt: skip
        self.figure = self._make_figure(
            [self.span, self.tol, self.zero, self.line, self.edges, self.picks, self.ends, self.arrows,
             self.arrow_labels, self.edge_labels],
            height, {"top": 22, "bottom": 30, "left": 66, "right": 24},
        )  # fmt: skip
        self._pinned: dict[str, tuple[list[float], list[float], list[str], list[str]]] = {}

    def set_curve(
        self, lrs: Any, grad: Any, y_range: tuple[float, float], label: str, sticky: bool = False
    ) -> None:
        """Draw the gradient (whole arrays), its y range and axis label."""
        lrs, grad = _arr(lrs), _arr(grad)
        n = min(lrs.size, grad.size)
        self.lrs, self.grad = lrs[:n], grad[:n]
        ok = np.isfinite(self.grad) & (self.lrs > 0)
        with self.line.hold_sync():
            self.line.x, self.line.y = _wire(self.lrs[ok]), _wire(self.grad[ok])
        if self.y_axis.label != label:
            self.y_axis.label = label
        self.set_y_range(*y_range, sticky=sticky, n_ticks=4)

    def _pin(self, key: str, xs: Sequence[float], ys: Sequence[float], colors: Sequence[str]) -> np.ndarray:
        """Pin ``ys`` into the plot; the ones outside become arrows with their value (kept per ``key``)."""
        lo, hi = float(self.y_scale.min), float(self.y_scale.max)
        pinned, side = axes.off_scale(ys, lo, hi)
        out = [i for i, s in enumerate(side) if s != 0]
        self._pinned[key] = (
            [float(xs[i]) for i in out],
            [float(pinned[i]) for i in out],
            [f"{'↑' if side[i] > 0 else '↓'} {float(ys[i]):.3g}" for i in out],
            [colors[i] for i in out],
        )
        xa, ya, ta, ca = ([], [], [], [])
        for x, y, t, c in self._pinned.values():
            xa += x
            ya += y
            ta += t
            ca += c
        with hold_all(self.arrows, self.arrow_labels):
            self.arrows.x, self.arrows.y = np.array(xa, dtype=float), np.array(ya, dtype=float)
            if ca:
                self.arrows.colors = ca
            self.arrows.marker = "triangle-up"
            self.arrow_labels.x, self.arrow_labels.y = np.array(xa, dtype=float), np.array(ya, dtype=float)
            self.arrow_labels.text = ta
        return pinned

    def set_interval(self, left: int | None, right: int | None, threshold: float | None = None) -> None:
        """Draw the slide rule's interval ``[left, right]`` (indices into the curve); None hides it."""
        n = self.lrs.size
        with hold_all(self.span, self.tol, self.edges, self.ends, self.edge_labels):
            if left is None or right is None or not (0 <= left < n and 0 <= right < n):
                for m in (self.span, self.tol, self.edges, self.ends):
                    m.x, m.y = EMPTY, EMPTY
                self.edge_labels.x, self.edge_labels.y, self.edge_labels.text = EMPTY, EMPTY, []
                self._pin("ends", [], [], [])
                return
            xl, xr = float(self.lrs[left]), float(self.lrs[right])
            gl, gr = float(self.grad[left]), float(self.grad[right])
            self.span.x, self.span.y = np.array([xl, xl, xr, xr]), np.array([0.0, 1.0, 1.0, 0.0])
            self.edges.x = np.array([[xl, xl], [xr, xr]])
            self.edges.y = np.array([[0.0, 1.0], [0.0, 1.0]])
            self.edge_labels.x, self.edge_labels.y = np.array([xl, xr]), np.array([1.0, 1.0])
            self.edge_labels.text = ["l", "r"]
            self.ends.x = np.array([xl, xr])
            self.ends.y = self._pin("ends", [xl, xr], [gl, gr], [PALETTE.interval] * 2)
            if threshold is not None and math.isfinite(threshold) and math.isfinite(gl):
                b, t, _exact = axes.visible_band(
                    gl, threshold, float(self.y_scale.min), float(self.y_scale.max)
                )
                self.tol.x, self.tol.y = np.array([xl, xl, xr, xr]), np.array([b, t, t, b])
            else:
                self.tol.x, self.tol.y = EMPTY, EMPTY

    def set_picks(self, markers: Sequence[Marker]) -> None:
        """Every method's pick on the gradient line, in its colour (arrows when off the plot)."""
        xs, ys, cs = [], [], []
        for m in markers:
            if m.lr is None:
                continue
            y = axes.interp_log(self.lrs, self.grad, m.lr)
            if math.isfinite(y):
                xs.append(m.lr)
                ys.append(y)
                cs.append(method(m.method).color)
        pinned = self._pin("picks", xs, ys, cs)
        with self.picks.hold_sync():
            self.picks.x, self.picks.y = np.array(xs, dtype=float), np.asarray(pinned, dtype=float)
            if cs:
                self.picks.colors = cs


__all__ = ["GradPane", "LossPane", "Marker", "hold_all", "make_lr_scale", "set_lr_range"]
