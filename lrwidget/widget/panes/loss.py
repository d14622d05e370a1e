"""The loss pane: raw and smoothed loss, a marker per suggestion, the pick, the slice band, click to pick."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import bqplot as bq
import ipywidgets as W
import numpy as np

from lrwidget.widget import axes
from lrwidget.widget.panes._base import EMPTY, Marker, _arr, _drawn, _key, _Pane, _wire, hold_all
from lrwidget.widget.registry import D3_LR_FORMAT, PALETTE, READING_LABEL, format_lr, method

#: The loss pane's CSS class: the widget's style sheet highlights the click column under the mouse by it.
PANE_CLASS = "lrw-loss-pane"
#: A method with no answer is written in the theme's own text colour (readable in light and dark).
NO_ANSWER_COLOR = "var(--jp-ui-font-color1, #333333)"

_GLYPHS = {"diamond": "◆", "triangle-down": "▼", "triangle-up": "▲", "square": "■", "cross": "✚"}


#: The reading line's tooltip: why it and the smoothed loss differ.
READING_TITLE = (
    "auto reads the raw loss through a window centred on each point, so it does not lag; the smoothed "
    "loss is a running average that trails it."
)


class LossPane(_Pane):
    """Raw loss faint, smoothed loss bold, a marker per suggestion, the pick as a labelled rule, a slice band.

    A click anywhere on the plot picks the nearest measured rate: transparent full-height columns, one
    per measured point up to ``axes.MAX_COLUMNS`` (then spread evenly), sit above the curves; the one
    under the mouse is highlighted by the browser. A click on a suggestion marker or its legend chip picks
    that suggestion; in slice mode a drag sets a slice. The legend lists only what is drawn.
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
        self.reading = self.own(bq.Lines(
            x=EMPTY, y=EMPTY, scales=sc, colors=[method("auto").color], stroke_width=2, line_style="dashed",
        ))  # fmt: skip
        self.rule = self.own(bq.Lines(x=EMPTY, y=EMPTY, scales=unit, colors=[p.pick], stroke_width=2.5))
        self.rule_label = self.own(bq.Label(
            x=EMPTY, y=EMPTY, text=[], scales=unit, colors=[p.pick], default_size=13, font_weight="bold",
            x_offset=6, align="start",
        ))  # fmt: skip
        self.probe = self.own(bq.Scatter(
            x=EMPTY, y=EMPTY, scales=sc, colors=[p.interval], default_size=110, marker="circle", fill=False,
            stroke_width=2.5,
        ))  # fmt: skip
        # where a click would land: the browser highlights the column under the mouse (CSS :hover on the
        # pane's class, in the widget's style sheet), so nothing is left drawn once the mouse leaves; the
        # kernel only notes the column entered last (a click on a line's stroke picks there)
        self.hovered: int | None = None  # the column under the mouse (index into lrs), if any
        self.column_points = np.zeros(0, dtype=np.int64)  # the measured point each click column stands on
        # bqplot leaves about a pixel between bars, where a click fell through to the background (a
        # reviewer's 1 click in 5): a stroke of the bar's own colour, 2 px, covers the seam
        self.columns = self.own(bq.Bars(
            x=EMPTY, y=EMPTY, scales=unit, padding=0.0, opacities=[0.0], colors=[p.hover], stroke=p.hover,
            stroke_width=2.0,
        ))  # fmt: skip
        self.markers: dict[str, bq.Scatter] = {}
        self.chips: dict[str, W.Button] = {}
        self.reading_title = READING_TITLE
        self.key = self.own(W.HTML())
        self.legend = self.own(
            W.HBox([self.key], layout=W.Layout(flex_flow="row wrap", align_items="center"))
        )
        self.brush = self.own(bq.interacts.BrushIntervalSelector(scale=x_scale, color=p.slice))
        self.figure = self._make_figure(
            self._marks(), height, {"top": 16, "bottom": 48, "left": 66, "right": 24}
        )
        self.figure.add_class(PANE_CLASS)
        self._render_key()
        self.columns.on_element_click(self._on_column_click)
        self.columns.on_hover(self._on_column_hover)
        for line in (self.raw, self.smooth, self.rule, self.band):
            # a click that lands on a curve's stroke (not on a column) picks where the hover marker is
            line.on_element_click(self._on_line_click)
        self.brush.observe(self._on_brush, names=["selected", "brushing"])

    def _marks(self) -> list[bq.Mark]:
        # the columns lie over the curves (a click on a line picks too) and under the markers and labels
        return [
            self.band, self.raw, self.smooth, self.reading, self.rule, self.probe, self.columns,
            *self.markers.values(),
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
            self.set_hover(None)  # a drag picks a slice: no click target
        self._render_key()

    # ---- the legend: only what is drawn now
    def key_entries(self) -> list[str]:
        """The legend's entries as HTML, for the marks on the plot now (in drawing order)."""
        p = PALETTE
        entries = [_key(p.smoothed, "smoothed loss"), _key(p.raw, "raw loss", width=1)]
        if _drawn(self.reading):
            entries.append(_key(
                method("auto").color, READING_LABEL, width=2, dash="dashed", title=self.reading_title
            ))  # fmt: skip
        if _drawn(self.rule):
            entries.append(_key(p.pick, "your lr", dash=self.rule.line_style))
        if _drawn(self.band):
            entries.append(_key(p.slice, "your slice", kind="band"))
        if _drawn(self.probe):
            entries.append(_key(p.interval, "slide rule's left end", kind="ring"))
        if self.figure.interaction is None and self.lrs.size:
            entries.append(_key(
                p.hover, "where a click lands", kind="band",
                title="a click anywhere on the plot picks the measured lr under the highlighted column",
            ))  # fmt: skip
        return entries

    def _render_key(self) -> None:
        value = "<span style='font-size:12px'>" + "".join(self.key_entries()) + "</span>"
        if self.key.value != value:
            self.key.value = value

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
            cols = axes.column_points(n)
            self.column_points = cols  # column j stands on measured point cols[j]
            self.columns.x, self.columns.y = _wire(lrs[cols]), np.ones(cols.size, dtype=np.float32)
        self.set_y_range(lo, hi, sticky)
        if self.hovered is not None and self.hovered >= n:
            self.set_hover(None)
        self._render_key()

    def set_reading(self, lrs: Any, read: Any, title: str = READING_TITLE) -> None:
        """Draw the curve auto reads (core's, NaN where it is not drawn; empty arrays hide it), its legend
        entry's tooltip ``title``."""
        lrs, read = _arr(lrs), _arr(read)
        ok = np.isfinite(read) & (lrs > 0) if lrs.size == read.size else np.zeros(0, dtype=bool)
        with self.reading.hold_sync():
            self.reading.x, self.reading.y = (_wire(lrs[ok]), _wire(read[ok])) if ok.any() else (EMPTY, EMPTY)
        self.reading_title = title
        self._render_key()

    def reading_at(self, lr: float) -> float:
        """The drawn reading curve at ``lr`` (log-interpolated); NaN where it is not drawn."""
        x, y = _arr(self.reading.x), _arr(self.reading.y)
        if x.size == 0 or not (x[0] <= lr <= x[-1]):
            return float("nan")
        return axes.interp_log(x, y, lr)

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
            y = float("nan")
            if m.lr is not None and m.method == "auto":
                y = self.reading_at(m.lr)  # auto's pick sits on the curve it read, when that is drawn
            if m.lr is not None and not math.isfinite(y):
                y = self.value_at(m.lr)
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
            answered = m.lr is not None
            with chip.hold_sync():
                # no answer: said in words, in the theme's readable text colour, its reason on hover (a
                # disabled button is drawn at 60 % opacity, too faint to read)
                chip.description = (
                    f"{glyph} {spec.label} {format_lr(m.lr)}" if answered else f"{spec.label}: no answer"
                )
                chip.tooltip = (
                    f"set lr = {format_lr(m.lr)}" if answered
                    else f"{spec.label} has no answer: {m.reason}" if m.reason
                    else f"{spec.label} has no answer"
                )  # fmt: skip
                chip.style.text_color = spec.color if answered else NO_ANSWER_COLOR
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
                self._render_key()
                return
            self.rule.x, self.rule.y = np.array([lr, lr]), np.array([0.0, 1.0])
            self.rule.line_style = "dashed" if unmeasured else "solid"
            right_side = axes.fraction_of(lr, self.x_scale.min, self.x_scale.max) > 0.72
            self.rule_label.align = "end" if right_side else "start"
            self.rule_label.x_offset = -6 if right_side else 6
            self.rule_label.x, self.rule_label.y = np.array([lr]), np.array([0.93])
            note = " (not measured)" if unmeasured else ""
            self.rule_label.text = [f"lr = {format_lr(lr)}{note}"]
        self._render_key()

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
        self._render_key()
        self._syncing_brush = True
        try:
            sel = None if lo_hi is None else np.array(lo_hi, dtype=float)
            cur = self.brush.selected
            if (sel is None) != (cur is None) or (sel is not None and not np.allclose(sel, cur)):
                self.brush.selected = sel
        finally:
            self._syncing_brush = False

    def set_hover(self, index: int | None) -> None:
        """Note measured point ``index`` as the one under the mouse (None: none). Nothing is drawn: the
        browser highlights the column itself."""
        if index is not None and not (
            0 <= index < min(self.lrs.size, self.smoothed.size) and self.figure.interaction is None
        ):
            index = None
        self.hovered = index

    def set_probe(self, lr: float | None) -> None:
        """The slide rule's left end projected on the loss curve while it moves (None hides it)."""
        with self.probe.hold_sync():
            if lr is None:
                self.probe.x, self.probe.y = EMPTY, EMPTY
            else:
                self.probe.x, self.probe.y = np.array([lr]), np.array([self.value_at(lr)])
        self._render_key()

    # ---- front-end events
    def _emit_pick(self, lr: float) -> None:
        for cb in list(self._pick_cbs):
            cb(lr)

    def _column_index(self, content: Mapping[str, Any]) -> int | None:
        """The measured point a column event is about: its index, else the nearest to its x."""
        data = content.get("data") or {}
        idx, cols = data.get("index"), self.column_points
        if isinstance(idx, int) and not isinstance(idx, bool) and 0 <= idx < cols.size:
            i = int(cols[idx])
            return i if i < self.lrs.size else None
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
