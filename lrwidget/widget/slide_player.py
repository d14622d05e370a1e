"""The slide rule in motion: play, pause, single step and speed over a suggestion's trace, with a caption.

Driven by an ``ipywidgets.Play`` (the browser's timer steps ``value``; no kernel thread). Without a
browser the player rests on the last frame, so the panes always show the finished state; when a
browser shows it, ``replay()`` makes the Play jump back to the start and walk to the pick.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as W
import numpy as np

from lrwidget.core.suggestion import SlideStep, Suggestion
from lrwidget.widget.header import fmt_num
from lrwidget.widget.registry import format_lr, method_label

FrameCallback = Callable[[SlideStep | None, int, bool], None]


def pick_of(trace: Sequence[SlideStep]) -> int | None:
    """Index the rule answers: the left end of the last position that moved (None if none moved)."""
    moved = [s for s in trace if s.moves]
    return moved[-1].left if moved else None


def caption_for(
    trace: Sequence[SlideStep], k: int, lrs: np.ndarray, pick_lr: float | None = None, grad_name: str = "g"
) -> str:
    """Say what frame ``k`` of ``trace`` shows: both ends, the test, and why the rule moves on or stops."""
    n = len(trace)
    s = trace[k]
    lr_l, lr_r = float(lrs[s.left]), float(lrs[s.right])
    head = (
        f"<b>step {k + 1} / {n}</b> · left l = {format_lr(lr_l)} (point {s.left}) · "
        f"right r = {format_lr(lr_r)} (point {s.right}) · "
        f"|{grad_name}[r] − {grad_name}[l]| = {fmt_num(s.diff, 3)} "
    )
    last = k == n - 1
    if s.moves:
        test = f"&gt; {fmt_num(s.threshold, 3)}"
        if last:
            why = (
                "→ the ends still disagree but the interval hit the left end of the curve: the last "
                f"remembered l is the pick, {format_lr(pick_lr)} (the threshold may be too low)"
            )
        else:
            why = "→ the right end still sits in the runaway: remember l, slide one point left"
    else:
        test = f"≤ {fmt_num(s.threshold, 3)}"
        if pick_lr is None:
            why = "→ the gradients agree at the first position: the rule never moved, so it has no pick"
        else:
            why = (
                "→ the gradients agree: <b>stop</b>. The pick is the last remembered l, one point to the "
                f"right: <b>{format_lr(pick_lr)}</b>"
            )
    return head + test + " " + why


class SlidePlayer(W.VBox):
    """Play, pause, step and speed over a slide rule's trace; ``on_frame(step, k, final)`` draws frames."""

    def __init__(self, speed: int = 12, **kwargs: Any):
        self.trace: tuple[SlideStep, ...] = ()
        self.lrs = np.zeros(0)
        self.pick_lr: float | None = None
        self.method = "slide_rule"
        self.grad_name = "g"
        self._callbacks: list[FrameCallback] = []
        self._quiet = False
        self.play = W.Play(
            value=0, min=0, max=0, interval=speed_interval(speed), show_repeat=False,
            layout=W.Layout(width="auto"),  # no description: ipywidgets shows a tooltip only without one
            tooltip="play: walk the slide rule's interval right to left across the gradient pane; "
            "pause; stop: back to its first position",
        )  # fmt: skip
        self.back = W.Button(icon="step-backward", tooltip="one step back", layout=W.Layout(width="36px"))
        self.fwd = W.Button(icon="step-forward", tooltip="one step on", layout=W.Layout(width="36px"))
        self.speed = W.IntSlider(
            value=speed, min=1, max=60, description="steps/s", readout=True,
            layout=W.Layout(width="230px"), style={"description_width": "56px"},
            tooltip="how fast the slide rule walks: its positions a second",
        )  # fmt: skip
        self.title = W.HTML("<b>slide rule</b>", layout=W.Layout(margin="0 8px 0 0"))
        self.caption = W.HTML("", layout=W.Layout(min_height="40px", width="calc(100% - 4px)"))
        super().__init__(**kwargs)
        self.children = [
            W.HBox(
                [self.title, self.play, self.back, self.fwd, self.speed],
                layout=W.Layout(align_items="center", flex_flow="row wrap"),
            ),
            self.caption,
        ]
        self.back.on_click(lambda _b: self.step(-1))
        self.fwd.on_click(lambda _b: self.step(+1))
        self.speed.observe(self._on_speed, names="value")
        self.play.observe(self._on_value, names="value")
        self._set_enabled(False)

    @property
    def frames(self) -> int:
        """Number of positions in the trace."""
        return len(self.trace)

    @property
    def frame(self) -> int:
        """The position shown (0 = the rightmost interval)."""
        return int(self.play.value)

    def on_frame(self, cb: FrameCallback) -> None:
        """Call ``cb(step, k, final)`` whenever a frame is shown (step None: nothing to show)."""
        self._callbacks.append(cb)

    def load(
        self,
        suggestion: Suggestion | None,
        lrs: np.ndarray,
        grad_name: str = "g",
        waiting: str = "no curve yet",
    ) -> None:
        """Take a suggestion's trace and rest on its last frame (the finished state).

        ``waiting`` is the caption when there is no suggestion at all.
        """
        self.trace = tuple(suggestion.trace) if suggestion is not None else ()
        self.lrs = np.asarray(lrs, dtype=float)
        self.pick_lr = suggestion.lr if suggestion is not None else None
        self.method = suggestion.method if suggestion is not None else "slide_rule"
        self.grad_name = grad_name
        self.title.value = f"<b>{method_label(self.method)}</b>"
        n = self.frames
        self._quiet = True
        try:
            with self.play.hold_sync():
                self.play.playing = False
                self.play.min = 0
                self.play.max = max(n - 1, 0)
                self.play.value = max(n - 1, 0)
        finally:
            self._quiet = False
        self._set_enabled(n > 0)
        if n == 0:
            reason = suggestion.reason if suggestion is not None else waiting
            self.caption.value = f"<i>no slide to show: {reason}</i>" if reason else ""
            self._emit(None, 0, True)
        else:
            self.show(n - 1)

    def replay(self) -> None:
        """Walk the interval from the right end to the pick (the browser's Play does the stepping)."""
        if self.frames < 2:
            return
        # playing False first, so the front end sees a False -> True change and starts afresh;
        # it restarts from min because value == max
        self.play.playing = False
        self.play.value = self.play.max
        self.play.playing = True

    def pause(self) -> None:
        """Stop the animation where it is."""
        self.play.playing = False

    def step(self, delta: int) -> None:
        """Show the frame ``delta`` positions on (or back), pausing the animation."""
        if not self.frames:
            return
        self.play.playing = False
        self.play.value = min(max(self.frame + delta, 0), self.frames - 1)

    def show(self, k: int) -> None:
        """Draw frame ``k``: caption and the ``on_frame`` callbacks."""
        if not self.frames:
            return
        k = min(max(int(k), 0), self.frames - 1)
        final = k == self.frames - 1
        self.caption.value = caption_for(self.trace, k, self.lrs, self.pick_lr, self.grad_name)
        self._emit(self.trace[k], k, final)

    def _emit(self, step: SlideStep | None, k: int, final: bool) -> None:
        for cb in list(self._callbacks):
            cb(step, k, final)

    def _on_value(self, change: dict[str, Any]) -> None:
        if not self._quiet:
            self.show(change["new"])

    def _on_speed(self, change: dict[str, Any]) -> None:
        self.play.interval = speed_interval(change["new"])

    def _set_enabled(self, on: bool) -> None:
        for w in (self.play, self.back, self.fwd, self.speed):
            w.disabled = not on


def speed_interval(steps_per_s: float) -> int:
    """Milliseconds between frames for a speed in steps per second (at least 10 ms)."""
    if not (isinstance(steps_per_s, (int, float)) and math.isfinite(steps_per_s) and steps_per_s > 0):
        raise ValueError(f"steps_per_s must be a positive number, got {steps_per_s!r}")
    return max(10, round(1000 / steps_per_s))
