"""LRFinderWidget: the range test live in a notebook cell, its suggestions, and a click to accept.

Composition and wiring only. The parts: ``selection`` (the user's pick, which every view binds to),
a ``LiveSession`` (the sweep's thread, its buffer and frame throttle), the two ``panes``, ``controls``,
the slide-rule ``player``, the decision ``strip`` and the ``header`` (a pure function of the state).
Layout, top to bottom: header (status, progress, Run / Stop / Save PNG, two rows: the current step or the
ending, and the suggestion), the mode, the loss pane, its legend, the caveats, the slide-rule player, the
gradient pane, the controls, the decision strip. Nothing above the loss pane changes height.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from typing import Any

import ipywidgets as W
import numpy as np
import traitlets as T

from lrwidget.core.events import StepEvent
from lrwidget.core.result import RangeTestResult
from lrwidget.core.suggestion import SlideStep
from lrwidget.widget import axes, header
from lrwidget.widget.advice import (
    auto_reading,
    compute_suggestions,
    reading_title,
    rule_view,
    suggested_slice,
)
from lrwidget.widget.controls import Controls
from lrwidget.widget.export import SavePngButton, StaticImage
from lrwidget.widget.live import Frame, LiveSession, RunOutcome
from lrwidget.widget.panes import GradPane, LossPane, Marker, make_lr_scale, set_lr_range
from lrwidget.widget.registry import method
from lrwidget.widget.selection import Selection
from lrwidget.widget.slide_player import SlidePlayer
from lrwidget.widget.sources import ReplaySource, Source, is_source, make_source
from lrwidget.widget.strip import DecisionStrip
from lrwidget.widget.tree import reachable

STATUSES = ("idle", "running", "done", "stopped", "diverged", "error")
STATUS_OF_STOP = {
    "completed": "done",
    "diverged": "diverged",
    "non_finite": "diverged",
    "cancelled": "stopped",
    "interrupted": "stopped",
    "error": "error",
}
PICK_TRAITS = ("lr", "lr_slice", "mode", "value")
MIN_RATE = 8.0  # frames a second sent at least (the target is 5 on screen; the margin absorbs a busy machine)


class LRFinderWidget(StaticImage, W.VBox):
    """Leslie Smith's learning-rate range test as a widget: run it, watch it, pick a rate.

    Parameters
    ----------
    source : a model (then optimizer, loss_fn, train_data), an lrwidget.Learner, a fastai Learner, ...,
        or a RangeTestResult (or the path of its JSON). A trainer is swept live (``start()`` or Run); a
        saved result is replayed at once, with no training and no torch import.
    max_rate : float
        Most frames per second sent while the sweep runs (default 10). At least ``MIN_RATE`` (8) are sent
        whatever a frame costs, so that 5 a second reach the screen with the jitter of a busy machine.
    autoplay : bool
        Walk the slide rule across the gradient pane after the sweep and after each control change.
    **kwargs
        The sweep's settings (start_lr, end_lr, num_it, mode, beta, stop_div, ...), all checked now:
        an unknown keyword raises TypeError naming the closest valid one.

    Traits ``lr``, ``lr_slice``, ``mode``, ``value`` mirror ``selection`` (checked there: a rate outside
    the sweep's range, a bool or a string raises a TraitError naming the trait); ``status``,
    ``progress``, ``error``; ``result`` and ``suggestions`` (Python only). ``observe`` and
    ``ipywidgets.link`` work. While a sweep runs, observers of ``status`` and ``progress`` are called
    from the sweep's thread: keep them short.
    """

    lr = T.Any(None, help="The chosen learning rate: None until someone picks one.")
    lr_slice = T.Any(None, help="The chosen (lo, hi) for discriminative learning rates, or None.")
    mode = T.Enum(
        ("pick", "slice"),
        default_value="pick",
        help="'pick': a click sets lr; 'slice': a drag sets lr_slice.",
    )
    value = T.Any(None, help="What to train with: lr, or slice(lo, hi) in slice mode.")
    status = T.Enum(STATUSES, default_value="idle", help="idle, running, done, stopped, diverged or error.")
    progress = T.Float(0.0, min=0.0, max=1.0, help="Share of the planned steps done, 0..1.")
    error = T.Unicode("", help="The error message when status is 'error', else ''.")
    result = T.Instance(RangeTestResult, allow_none=True, help="The last RangeTestResult (not synced).")
    suggestions = T.Dict(help="Suggestion by method name for the current result and controls (not synced).")

    def __init__(self, source: Any, *args: Any, max_rate: float = 10.0, autoplay: bool = True, **kwargs: Any):
        if not (isinstance(max_rate, (int, float)) and not isinstance(max_rate, bool) and max_rate > 0
                and math.isfinite(max_rate)):  # fmt: skip
            raise ValueError(f"max_rate must be a positive number of frames per second, got {max_rate!r}")
        if is_source(source):
            if args or kwargs:
                raise TypeError("sweep arguments go to the source you built, not to the widget")
            self._source: Source = source
        else:
            self._source = make_source(source, *args, **kwargs)
        self.autoplay = bool(autoplay)
        self._view_lock = threading.RLock()
        self._mirroring = False
        self._strip_quiet = 0
        self._last: StepEvent | None = None
        self._elapsed: float | None = None
        settings = self._source.settings()
        lrs0 = self._source.result.lrs if isinstance(self._source, ReplaySource) else np.zeros(0)
        self._num_it = int(settings.get("num_it") or len(lrs0) or 1)  # a replay without it: its own length
        self._planned = (settings.get("start_lr"), settings.get("end_lr"))
        lo, hi = axes.lr_domain(lrs0, *self._planned)
        self.selection = Selection(bounds=axes.pick_bounds(lo, hi))
        self.session = LiveSession(self._source, self._on_frame, self._on_end, max_rate=max_rate,
                                   min_rate=min(MIN_RATE, float(max_rate)))  # fmt: skip
        self.x_scale = make_lr_scale(lo, hi)
        self.loss_pane = LossPane(self.x_scale)
        self.grad_pane = GradPane(self.x_scale)
        self.controls = Controls()
        self.player = SlidePlayer()
        self.strip = DecisionStrip(layout=W.Layout(width="100%", max_width="900px"))
        self.strip.set_range(lo, hi)
        self.strip.limits = list(self.selection.bounds)  # the strip accepts what the selection accepts
        self._build_header()
        self.mode_toggle = W.ToggleButtons(
            options=[("click: pick lr", "pick"), ("drag: pick a slice", "slice")], value="pick",
            tooltips=["a click anywhere on the loss pane picks the nearest measured lr",
                      "a drag across the loss pane picks a slice"],
            style={"button_width": "140px"},
        )  # fmt: skip
        super().__init__(layout=W.Layout(width="100%", max_width="920px", padding="4px"))
        self.add_class("lrw-finder")  # the strip's style sheet keeps its padding inside its width
        self.children = [
            self.header,
            self.mode_toggle,
            self.loss_pane.figure,
            self.loss_pane.legend,
            self.message,
            self.player,
            self.grad_pane.figure,
            self.controls,
            self.strip,
        ]
        self._wire()
        if isinstance(self._source, ReplaySource):
            self._show_result(self._source.result, elapsed=None)

    @classmethod
    def from_model(
        cls, model: Any, optimizer: Any, loss_fn: Any, train_data: Any, **kwargs: Any
    ) -> LRFinderWidget:
        """The widget over a plain model and its parts (kwargs go to the widget and the sweep)."""
        return cls(model, optimizer, loss_fn, train_data, **kwargs)

    def _build_header(self) -> None:
        live = self._source.live
        self.status_html = W.HTML()
        self.progress_bar = W.FloatProgress(
            value=0.0,
            min=0.0,
            max=1.0,
            layout=W.Layout(flex="1 1 160px", min_width="80px", max_width="420px"),
        )
        self.run_button = W.Button(
            description="Run", icon="play", button_style="primary", tooltip="start the range test",
            layout=W.Layout(width="80px", flex="0 0 auto"),
        )  # fmt: skip
        self.stop_button = W.Button(
            description="Stop", icon="stop", disabled=True,
            tooltip="stop the sweep; the model is restored and your pick kept",
            layout=W.Layout(width="80px", flex="0 0 auto"),
        )  # fmt: skip
        self.save_button = SavePngButton(self.static_png, layout=W.Layout(flex="0 0 auto"))
        if not live:  # a replay has nothing to run
            for w in (self.run_button, self.stop_button, self.progress_bar):
                w.layout.display = "none"
        # the info rows' height is kept whatever they say; the caveats (any length) go under the loss
        # pane: the pane a person clicks never moves while a sweep starts, runs and ends
        self.info = W.HTML(layout=W.Layout(min_height=f"{header.ROW_PX * header.INFO_ROWS}px"))
        self.info.add_class("lrw-info")
        self.message = W.HTML()  # stretched by its box: 100 % plus the margins overflowed
        self.message.add_class("lrw-message")
        row = (
            [self.status_html, self.progress_bar, self.run_button, self.stop_button, self.save_button]
            if live
            else [self.status_html, self.save_button]
        )
        self.header = W.VBox([
            W.HBox(row, layout=W.Layout(align_items="center", flex_flow="row nowrap", width="100%")),
            self.info,
        ])  # fmt: skip
        self._render_header()

    def _wire(self) -> None:
        self.run_button.on_click(lambda _b: self._run_clicked())
        self.stop_button.on_click(lambda _b: self.stop())
        self.loss_pane.on_pick(self._picked)
        self.loss_pane.on_slice(self._sliced)
        self.mode_toggle.observe(self._toggle_mode, names="value")
        self.controls.on_change(lambda _p: self.resuggest())
        self.player.on_frame(self._draw_slide_frame)
        self.strip.observe(self._from_strip, names=["lr", "lr_slice", "slice_mode"])
        self.selection.observe(self._selection_changed, names=list(PICK_TRAITS))

    # ------------------------------------------------------------------ the pick: the selection is the truth
    def __setattr__(self, name: str, value: Any) -> None:
        if name not in PICK_TRAITS:
            super().__setattr__(name, value)
            return
        try:
            super().__setattr__(name, value)
        except T.TraitError as exc:
            # the same error, raised here: its traceback is the user's line, not ~90 lines of traitlets
            raise type(exc)(*exc.args) from None

    @T.validate("lr", "lr_slice", "mode", "value")
    def _through_selection(self, proposal: T.Bunch) -> Any:
        name = proposal["trait"].name
        if self._mirroring:
            return proposal["value"]
        setattr(self.selection, name, proposal["value"])  # raises a TraitError naming the trait
        return getattr(self.selection, name)

    @T.observe("lr", "lr_slice", "value")
    def _cleared(self, change: T.Bunch) -> None:
        # traitlets skips validators for None: a cleared pick is handed to the selection here
        if change["new"] is None and not self._mirroring:
            setattr(self.selection, change["name"], None)

    def _selection_changed(self, change: T.Bunch) -> None:
        name, new = change["name"], change["new"]
        self._mirroring = True
        try:
            setattr(self, name, new)
        finally:
            self._mirroring = False
        if name == "lr":
            self._fit_domain()
            with self._view_lock:
                self.loss_pane.set_pick(new, self.selection.unmeasured(new))
            self._to_strip("lr", new)
        elif name == "lr_slice":
            self._fit_domain()
            with self._view_lock:
                self._draw_slice()
            self._to_strip("lr_slice", None if new is None else list(new))
        elif name == "mode":
            self.loss_pane.set_mode(new)
            self._draw_slice()
            self.mode_toggle.value = new
            self._to_strip("slice_mode", new == "slice")
            if new == "slice" and self.selection.lr_slice is None:
                self._start_slice()
            self._push_all_to_strip()  # the strip never holds a slice of its own making
        if self.result is not None and name != "value":
            self.schedule_static_image_refresh()  # a saved notebook shows the choice too

    def _draw_slice(self) -> None:
        """The slice band in slice mode (in pick mode ``value`` is the lr: no band says otherwise), said to
        be not measured when an end lies outside what was measured."""
        lo_hi = self.selection.lr_slice if self.selection.mode == "slice" else None
        with self._view_lock:
            self.loss_pane.set_slice(lo_hi, lo_hi is not None and any(map(self.selection.unmeasured, lo_hi)))

    def _toggle_mode(self, change: T.Bunch) -> None:
        self.selection.mode = change["new"]

    def _suggested_slice(self) -> tuple[float, float] | None:
        """Core's slice for the recommended method's suggestion (None before a result or without one)."""
        r = self.result
        if r is None or len(r) == 0:
            return None
        return suggested_slice(self.suggestions.get(self.controls.method), r.lrs)

    def _start_slice(self) -> None:
        """Slice mode starts with core's suggested slice for the recommended method (if there is one);
        entered before the sweep has one, it starts when the sweep ends."""
        lo_hi = self._suggested_slice()
        if lo_hi is not None:
            self.selection.lr_slice = lo_hi

    def _picked(self, lr: float) -> None:
        self.selection.set(lr=lr, mode="pick")

    def _sliced(self, lo_hi: tuple[float, float]) -> None:
        self.selection.lr_slice = lo_hi

    def _to_strip(self, name: str, value: Any) -> None:
        """Show a selection value on the strip (its echo is not taken back as a pick)."""
        self._strip_quiet += 1
        try:
            setattr(self.strip, name, value)
        finally:
            self._strip_quiet -= 1

    def _push_all_to_strip(self) -> None:
        sel = self.selection
        with self.strip.hold_sync():
            self._to_strip("slice_mode", sel.mode == "slice")
            self._to_strip("lr", sel.lr)
            self._to_strip("lr_slice", None if sel.lr_slice is None else list(sel.lr_slice))

    def _from_strip(self, change: T.Bunch) -> None:
        if self._strip_quiet:
            return  # our own push, or the strip re-clamping for a range we set: never a pick
        name, new = change["name"], change["new"]
        try:
            if name == "lr":
                self.selection.set(lr=new, mode="pick")
            elif name == "lr_slice":
                self.selection.lr_slice = None if new is None else tuple(new)
            else:
                self.selection.mode = "slice" if new else "pick"
        except T.TraitError:
            self._push_all_to_strip()  # the strip shows what the selection holds

    def _fit_domain(self, lrs: np.ndarray | None = None, planned: bool | None = None) -> None:
        """The drawn lr range: what was measured (or planned), widened to keep every pick in view."""
        r = self.result
        if lrs is None:
            lrs = r.lrs if r is not None and len(r) else np.zeros(0)
        if planned is None:
            planned = r is None or len(r) == 0 or r.stop_reason in ("completed", "diverged", "non_finite")
        start, end = self._planned if planned else (None, None)
        lo, hi = axes.lr_domain(lrs, start, end, include=self.selection.picks())
        if (lo, hi) == (self.x_scale.min, self.x_scale.max):
            return
        with self._view_lock:
            set_lr_range(self.x_scale, [self.loss_pane, self.grad_pane], lo, hi)
        self._strip_quiet += 1
        try:
            self.strip.set_range(lo, hi)
        finally:
            self._strip_quiet -= 1
        self._push_all_to_strip()

    # ------------------------------------------------------------------ running
    @property
    def running(self) -> bool:
        """True while a sweep is in progress."""
        return self.session.running

    def start(self) -> None:
        """Run the range test in a background thread (RuntimeError if one is running).

        A replayed result is simply drawn again. The user's pick is kept, whatever the new sweep measures.
        """
        if isinstance(self._source, ReplaySource):
            self._show_result(self._source.result, elapsed=None)
            return
        self.session.settle()  # Run clicked as the last sweep's ending was still drawing: wait for it
        if self.session.running:
            raise RuntimeError("the range test is already running: call stop() or wait() first")
        self.error = ""
        self.result = None
        self.suggestions = {}
        self.progress = 0.0
        self._last = None
        with self._view_lock:
            self.loss_pane.set_curve([], [], [])
            self.loss_pane.set_markers([], "auto")
            self.loss_pane.set_reading([], [])
            self.loss_pane.set_probe(None)
            self.grad_pane.set_curve([], [], (-1.0, 1.0), self.grad_pane.y_axis.label)
            self.grad_pane.set_interval(None, None)
            self.grad_pane.set_picks([])
            self.player.load(
                None, np.zeros(0), waiting="the slide rule walks across the curve once the sweep ends"
            )
        with self.strip.hold_sync():
            self.strip.suggestions = []
            self.strip.suggested_slice = None
            self.strip.disabled = True
        self._controls_disabled(True)
        self.status = "running"
        self.session.start()

    def stop(self) -> None:
        """Ask the sweep to stop: it ends within one step, the engine restores the model, the pick stays."""
        self.session.stop()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the sweep to end; True when it has (or nothing runs)."""
        return self.session.join(timeout)

    @property
    def flushes(self) -> int:
        """Frames sent while the sweep ran (benchmarks and tests read it)."""
        return self.session.frames

    def _run_clicked(self) -> None:
        try:
            self.start()
        except Exception as exc:  # a click must not raise into the kernel's log only
            self.error = f"{type(exc).__name__}: {exc}"
            self.status = "error"

    def _controls_disabled(self, on: bool) -> None:
        c = self.controls
        for w in (c.w_lr_diff, c.w_loss_threshold, c.w_loss_threshold_text, c.w_adjust_value, c.w_method,
                  self.run_button):  # fmt: skip
            w.disabled = on
        self.stop_button.disabled = not on

    def _on_frame(self, frame: Frame) -> None:
        """One live frame (sweep or throttle thread): both panes and the header."""
        with self._view_lock:
            self._last = frame.last
            self._draw_curve(frame.lrs, frame.losses, frame.smoothed, live=True)
            if frame.last is not None:
                self.progress = min(1.0, (frame.last.step + 1) / max(1, frame.last.num_it))
            self._render_header()

    def _draw_curve(
        self, lrs: np.ndarray, losses: np.ndarray, smoothed: np.ndarray, live: bool = False
    ) -> None:
        self.loss_pane.set_curve(lrs, losses, smoothed, sticky=live)
        self._draw_gradient("slide_rule", lrs, smoothed, self.controls.loss_threshold, live)

    def _draw_gradient(self, name: str, lrs: np.ndarray, smoothed: np.ndarray, threshold: float | None,
                       live: bool = False, rule: Any = None) -> str:  # fmt: skip
        view = rule_view(name, lrs, smoothed, rule)
        thr = view.threshold if rule is not None else threshold
        y = axes.grad_y_range(view.gradient, smoothed, thr)
        self.grad_pane.set_curve(lrs, view.gradient, y, view.label, sticky=live)
        return view.short

    def _on_end(self, outcome: RunOutcome, frame: Frame) -> None:
        """The sweep ended (its thread): the result, suggestions, then the status, in that order."""
        result, error = outcome.result, outcome.error
        if result is None and error is not None:
            try:
                result = RangeTestResult(frame.lrs, frame.losses, frame.smoothed, stop_reason="error",
                                         settings=self._source.settings(), error=error)  # fmt: skip
            except Exception:  # never lose the error to a second one
                result = None
        elif result is not None and error is None and result.stop_reason == "error":
            error = result.error or "the sweep failed"
        try:
            if result is not None:
                self._show_result(result, elapsed=outcome.elapsed, final_status=False)
        except Exception as exc:  # drawing failed: report it, keep the result
            error = error or f"{type(exc).__name__}: {exc}"
        finally:
            self.strip.disabled = False
            self._controls_disabled(False)
            self.error = error or ""
            self.status = (
                "error" if error or result is None else STATUS_OF_STOP.get(result.stop_reason, "done")
            )
            self._render_header()
            self.schedule_static_image_refresh()

    # ------------------------------------------------------------------ results and suggestions
    def _show_result(self, result: RangeTestResult, elapsed: float | None, final_status: bool = True) -> None:
        """Draw a finished curve over what it measured (picks outside stay, shown so), then suggest."""
        self._elapsed = elapsed
        self.result = result
        n = len(result)
        self.progress = 1.0 if result.stop_reason == "completed" else min(1.0, n / max(1, self._num_it))
        if n:
            lrs = result.lrs[np.isfinite(result.lrs) & (result.lrs > 0)]
            if lrs.size:
                self.selection.measured = (float(lrs.min()), float(lrs.max()))
                self.strip.measured = list(self.selection.measured)
            self._fit_domain(result.lrs)
            self.controls.set_curve_length(n)
        with self._view_lock:
            self._draw_curve(result.lrs, result.losses, result.smoothed)
            self._draw_slice()
            self.loss_pane.set_pick(self.selection.lr, self.selection.unmeasured(self.selection.lr))
        self.resuggest()
        if final_status:
            self.error = (result.error or "the sweep failed") if result.stop_reason == "error" else ""
            self.status = STATUS_OF_STOP.get(result.stop_reason, "done")
        self._render_header()

    def resuggest(self) -> None:
        """Recompute every suggestion with the current controls; redraw markers, strip, walk and header."""
        r = self.result
        if r is None or len(r) == 0:
            return
        params = self.controls.params()
        sugg = compute_suggestions(r.lrs, r.smoothed, params, r.losses, r.stop_reason, self._num_it)
        self.suggestions = sugg
        chosen = params["method"]
        markers = [Marker(name, s.lr, s.reason if s.lr is None else "") for name, s in sugg.items()]
        animated = chosen if chosen in ("slide_rule", "slide_rule_scaled") else "slide_rule"
        rule = sugg.get(animated)
        with self._view_lock:
            short = self._draw_gradient(animated, r.lrs, r.smoothed, None, rule=rule)
            reading = auto_reading(r.lrs, r.losses) if chosen == "auto" else ([], [])
            self.loss_pane.set_reading(*reading, title=reading_title(r.lrs, r.settings.get("beta")))
            self.loss_pane.set_markers(markers, chosen)  # after the reading: auto's marker sits on it
            self.grad_pane.set_picks(markers)
            self.player.load(rule, r.lrs, short)
        best = sugg.get(chosen)
        with self.strip.hold_sync():
            self.strip.suggestions = [
                {"method": name, "lr": s.lr, "label": method(name).label, "color": method(name).color,
                 "reason": s.reason, "confidence": s.confidence}
                for name, s in sugg.items()
            ]  # fmt: skip
            self.strip.auto_method = chosen
            sliced = self._suggested_slice()
            self.strip.suggested_slice = None if sliced is None else list(sliced)
            conf = best.confidence if best is not None else None
            self.strip.confidence = (
                None if conf is None or not math.isfinite(conf) else min(1.0, max(0.0, conf))
            )
        self._render_header()
        if self.selection.mode == "slice" and self.selection.lr_slice is None:
            self._start_slice()  # slice mode chosen before there was a suggestion
        if self.autoplay:
            self.player.replay()

    def _draw_slide_frame(self, step: SlideStep | None, k: int, final: bool) -> None:
        """One frame of the slide rule: the interval on the gradient pane, its left end on the loss pane."""
        with self._view_lock:
            if step is None:
                self.grad_pane.set_interval(None, None)
                self.loss_pane.set_probe(None)
                return
            self.grad_pane.set_interval(step.left, step.right, step.threshold)
            lrs = self.player.lrs
            if final:
                self.loss_pane.set_probe(None)  # the walk is over: the rule's own marker shows its pick
            elif 0 <= step.left < lrs.size:
                self.loss_pane.set_probe(float(lrs[step.left]))

    # ------------------------------------------------------------------ header
    def header_state(self) -> header.HeaderState:
        """The state the header shows (what ``header.render`` reads)."""
        r = self.result
        best = self.suggestions.get(self.controls.method) if self.suggestions else None
        return header.HeaderState(
            status=self.status, live=self._source.live, num_it=self._num_it, progress=self.progress,
            last=self._last, stop_reason=None if r is None else r.stop_reason,
            points=0 if r is None else len(r),
            elapsed=self._elapsed, error=self.error,
            note=(r.error or "") if r is not None and self.status != "error" else "", recommended=best,
            shared_caveats=header.shared_caveats(best, self.suggestions or {}),
            **header.ending_facts(r),
        )  # fmt: skip

    def _render_header(self) -> None:
        view = header.render(self.header_state())
        with self._view_lock:
            self.status_html.value = view.badge
            self.info.value = view.info
            self.message.value = view.message
            with self.progress_bar.hold_sync():
                self.progress_bar.value = view.progress
                self.progress_bar.bar_style = view.bar_style

    @T.observe("status", "error")
    def _status_changed(self, _change: T.Bunch) -> None:
        if hasattr(self, "info"):
            self._render_header()

    # ------------------------------------------------------------------ closing
    def made_widgets(self) -> Iterator[W.Widget]:
        """Every widget this one made: its tree (children, marks, axes, scales, layouts, styles...) and the
        parts a pane holds off the tree (the brush in pick mode, say)."""
        roots: list[Any] = [
            self,
            *(getattr(self, n, None) for n in ("run_button", "stop_button", "progress_bar")),
            *self.static_widgets(),
        ]
        for pane in (getattr(self, "loss_pane", None), getattr(self, "grad_pane", None)):
            if pane is not None:
                roots += pane.widgets()
        yield from reachable(roots)

    def close(self) -> None:
        """Stop the sweep and wait for it (even through a long step), then close every widget it made."""
        session = getattr(self, "session", None)  # absent when __init__ failed (Widget.__del__ calls close)
        if session is not None:
            session.close()
        made = list(self.made_widgets())
        for w in made:
            if w is not self:
                w.close()
        super().close()

    def __repr__(self) -> str:
        return f"LRFinderWidget(status={self.status!r}, lr={self.lr!r}, lr_slice={self.lr_slice!r})"


__all__ = ["STATUSES", "LRFinderWidget"]
