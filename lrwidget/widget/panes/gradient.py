"""The gradient pane: the slope the slide rule reads, its threshold band, the interval, off-scale arrows."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import bqplot as bq
import numpy as np

from lrwidget.widget import axes
from lrwidget.widget.panes._base import EMPTY, Marker, _arr, _Pane, _wire, hold_all
from lrwidget.widget.registry import PALETTE, method


class GradPane(_Pane):
    """The gradient a slide rule reads (from core) on the same log lr axis, with the rule drawn on it.

    The interval is two vertical lines (left, right) over a light band; dots mark ``g[l]`` and ``g[r]``;
    the band ``g[l] ± threshold`` shows the test (at least a few pixels tall at any loss scale). A value
    above or below the plot is drawn as an arrow at the edge with its true value.
    """

    def __init__(self, x_scale: bq.LogScale, height: str = "210px"):
        super().__init__(x_scale, "", "loss gradient g", ".2~g")
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
