"""What both bqplot panes share: the lr scale, a pane's axes and figure, the legend key, wire formats.

bqplot only: every number drawn comes from ``axes.py`` (ranges, ticks, arrows, bands), from core or
from the selection. Both panes share one log lr scale with explicit min/max and ticks (bqplot's
automatic log domain misbehaves). Data updates assign whole arrays inside ``hold_sync``.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import bqplot as bq
import ipywidgets as W
import numpy as np

from lrwidget.widget import axes

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
    reason: str = ""  # why there is no answer (shown on its legend chip)


def _drawn(mark: Any) -> bool:
    """Whether a mark has something on the plot (non-empty x)."""
    return mark.x is not None and len(mark.x) > 0


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
                # the width less ipywidgets' 2 px margins each side (100 % overflowed the widget by 4 px)
                layout=W.Layout(
                    width="calc(100% - 4px)", max_width=MAX_WIDTH, height=height, min_width="320px"
                ),
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


def _key(
    color: str, text: str, kind: str = "line", width: int = 3, dash: str = "solid", title: str = ""
) -> str:
    """One legend entry as HTML: a line, a band or a ring in ``color``, its words, and a tooltip."""
    if kind == "band":
        glyph = (
            f"<span style='display:inline-block;width:14px;height:10px;background:{color};opacity:.35'>"
            "</span>"
        )
    elif kind == "ring":
        glyph = f"<span style='color:{color};font-size:14px'>○</span>"
    else:
        glyph = (
            f"<span style='display:inline-block;width:18px;border-top:{width}px {dash} {color};"
            "vertical-align:middle'></span>"
        )
    tip = f" title='{html.escape(title, quote=True)}'" if title else ""
    return f"<span style='white-space:nowrap;margin-right:10px'{tip}>{glyph} {text}</span>"
