"""LRFinderWidget: the range test live in a notebook cell, its suggestions, and a click to accept.

Layout, top to bottom: header (status, progress, current lr and loss, Run / Stop), the loss pane,
the gradient pane with the slide rule in motion, the controls, and the decision strip.

Threads: the sweep runs in a daemon thread (the kernel's main thread stays free for clicks). Steps go
into a buffer; a throttle sends whole arrays at most ``max_rate`` times a second, and once more at
the end. Only traitlets change from those threads.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from typing import Any

import ipywidgets as W
import numpy as np
import traitlets as T

from lrwidget.core.events import StepEvent
from lrwidget.core.result import RangeTestResult
from lrwidget.core.suggestion import Suggestion
from lrwidget.widget import style
from lrwidget.widget.controls import Controls
from lrwidget.widget.panes import (
    GradPane,
    LossPane,
    Marker,
    grad_y_range,
    index_gradient,
    loss_y_range,
    lr_domain,
    make_lr_scale,
    set_lr_range,
)
from lrwidget.widget.slide_player import SlidePlayer
from lrwidget.widget.sources import ReplaySource, RunOutcome, Source, SweepRunner, make_source
from lrwidget.widget.strip import DecisionStrip
from lrwidget.widget.throttle import Throttle

STATUSES = ("idle", "running", "done", "stopped", "diverged", "error")
STATUS_OF_STOP = {
    "completed": "done",
    "diverged": "diverged",
    "non_finite": "diverged",
    "cancelled": "stopped",
    "interrupted": "stopped",
    "error": "error",
}
STATUS_COLORS = {
    "idle": "#8C8C8C",
    "running": "#2F8FD8",
    "done": "#009E73",
    "stopped": "#E69F00",
    "diverged": "#E69F00",
    "error": "#D55E00",
}
RULE_METHODS = ("slide_rule", "slide_rule_scaled")


class LRFinderValueError(T.TraitError, ValueError):
    """A value the widget cannot hold (a TraitError, so traitlets rolls back; a ValueError for callers)."""


def _positive_lr(name: str, value: float) -> float:
    if not (math.isfinite(value) and value > 0):
        raise LRFinderValueError(f"{name} must be a positive finite learning rate or None, got {value!r}")
    return float(value)


def _method_params(method: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The control values each method takes (the seed's knobs go to the seed's rule)."""
    if method == "slide_rule":
        return {k: params[k] for k in ("lr_diff", "loss_threshold", "adjust_value") if k in params}
    if method == "slide_rule_scaled" and "adjust_value" in params:
        return {"adjust_value": params["adjust_value"]}
    return {}


def compute_suggestions(
    lrs: np.ndarray, smoothed: np.ndarray, params: Mapping[str, Any]
) -> dict[str, Suggestion]:
    """Every method's suggestion on the smoothed curve; a method that refuses answers None with why."""
    from lrwidget.core.suggest import METHODS

    out: dict[str, Suggestion] = {}
    for name, fn in METHODS.items():
        try:
            out[name] = fn(lrs, smoothed, **_method_params(name, params))
        except (ValueError, TypeError) as exc:
            out[name] = Suggestion(method=name, lr=None, reason=str(exc))
    return out


def rule_gradient(method: str, lrs: np.ndarray, smoothed: np.ndarray) -> tuple[np.ndarray, str, str]:
    """What a slide rule reads, on the curve cut before its first non-finite value.

    ``slide_rule``: ``np.gradient`` in index space. ``slide_rule_scaled``: loss slope per decade of lr
    divided by the descent height. Returns (values, short name for captions, axis label).
    """
    s = np.asarray(smoothed, dtype=float)
    bad = np.flatnonzero(~np.isfinite(s))
    n = int(bad[0]) if bad.size else s.size
    out = np.full(s.shape, np.nan)
    if method == "slide_rule_scaled" and n >= 2:
        x = np.log10(np.asarray(lrs, dtype=float)[:n])
        cut = s[:n]
        slope = np.empty(n)
        if n > 2:
            slope[1:-1] = (cut[2:] - cut[:-2]) / (x[2:] - x[:-2])
        slope[0] = (cut[1] - cut[0]) / (x[1] - x[0])
        slope[-1] = (cut[-1] - cut[-2]) / (x[-1] - x[-2])
        i_min = int(np.argmin(cut))
        height = float(np.max(cut[: i_min + 1]) - cut[i_min])
        out[:n] = slope / height if height > 0 else np.nan
        return out, "ĝ", "slope / decade / descent"
    out[:n] = index_gradient(s[:n])
    return out, "g", "Δ loss / step (np.gradient)"


class _Buffer:
    """Step events appended by the sweep thread; snapshots taken by the flushing thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self.lrs: list[float] = []
            self.losses: list[float] = []
            self.smoothed: list[float] = []
            self.last: StepEvent | None = None

    def add(self, ev: StepEvent) -> None:
        with self._lock:
            self.lrs.append(float(ev.lr))
            self.losses.append(float(ev.loss))
            self.smoothed.append(float(ev.smoothed))
            self.last = ev

    def snapshot(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, StepEvent | None]:
        with self._lock:
            return (
                np.array(self.lrs, dtype=float),
                np.array(self.losses, dtype=float),
                np.array(self.smoothed, dtype=float),
                self.last,
            )


class LRFinderWidget(W.VBox):
    """Leslie Smith's learning-rate range test as a widget: run it, watch it, pick a rate.

    Parameters
    ----------
    source : lrwidget.Learner, a fastai Learner, a RangeTestResult (or the path of its JSON)
        A learner is swept live (``start()`` or the Run button); a saved result is replayed at once,
        with no training and no torch import.
    max_rate : float
        Most pane updates per second while the sweep runs (default 10).
    autoplay : bool
        Walk the slide rule across the gradient pane after the sweep and after each control change.
    **lr_find_kwargs
        Passed to ``lr_find`` (start_lr, end_lr, num_it, mode, beta, stop_div, div_factor, ...).

    Traits: ``lr``, ``lr_slice``, ``value``, ``mode``, ``status``, ``progress``, ``error`` (observe and
    ``ipywidgets.link`` work); ``result`` and ``suggestions`` (Python only). While a sweep runs,
    observers of ``status`` and ``progress`` are called from the sweep's threads: keep them short.
    """

    lr = T.Float(None, allow_none=True, help="The chosen learning rate: None until someone picks one.")
    lr_slice = T.Tuple(
        T.Float(),
        T.Float(),
        default_value=None,
        allow_none=True,
        help="The chosen (lo, hi) for discriminative learning rates, or None.",
    )
    mode = T.Enum(
        ("pick", "slice"),
        default_value="pick",
        help="'pick': a click on the loss pane sets lr; 'slice': a drag sets lr_slice. Decides value.",
    )
    value = T.Any(
        None,
        help="What to train with: lr, or slice(lo, hi) in slice mode. Assigning a float, a slice, a "
        "(lo, hi) pair or None sets lr / lr_slice.",
    )
    status = T.Enum(STATUSES, default_value="idle", help="idle, running, done, stopped, diverged or error.")
    progress = T.Float(0.0, min=0.0, max=1.0, help="Share of the planned steps done, 0..1.")
    error = T.Unicode("", help="The error message when status is 'error', else ''.")
    result = T.Instance(RangeTestResult, allow_none=True, help="The last RangeTestResult (not synced).")
    suggestions = T.Dict(help="Suggestion by method name for the current result and controls (not synced).")

    def __init__(self, source: Any, *, max_rate: float = 10.0, autoplay: bool = True, **lr_find_kwargs: Any):
        if hasattr(source, "run") and hasattr(source, "live") and not isinstance(source, RangeTestResult):
            if lr_find_kwargs:
                raise TypeError("lr_find keywords go to the source you built, not to the widget")
            self._source: Source = source
        else:
            self._source = make_source(source, **lr_find_kwargs)
        self.max_rate = float(max_rate)
        if not (math.isfinite(self.max_rate) and self.max_rate > 0):
            raise ValueError(f"max_rate must be a positive number of updates per second, got {max_rate!r}")
        self.autoplay = bool(autoplay)
        self._runner = SweepRunner()
        self._buffer = _Buffer()
        self._throttle: Throttle | None = None
        self._syncing = False
        self._strip_busy: set[str] = set()
        self._elapsed: float | None = None
        self._view_lock = threading.RLock()
        self._inline_flush = True  # flush on the sweep's thread when due (see throttle.py); False: daemon
        self.flushes = 0  # how many throttled updates were sent (benchmarks read it)

        settings = self._source.settings()
        self._num_it = int(settings.get("num_it") or 100)
        lrs0 = self._source.result.lrs if isinstance(self._source, ReplaySource) else ()
        lo, hi = lr_domain(lrs0, settings.get("start_lr"), settings.get("end_lr"))
        self.x_scale = make_lr_scale(lo, hi)
        self.loss_pane = LossPane(self.x_scale)
        self.grad_pane = GradPane(self.x_scale)
        self.controls = Controls()
        self.player = SlidePlayer()
        self.strip = DecisionStrip(layout=W.Layout(width="100%", max_width="900px"))
        self.strip.set_range(lo, hi)
        self._build_header()
        self.mode_toggle = W.ToggleButtons(
            options=[("click: pick lr", "pick"), ("drag: pick a slice", "slice")],
            value="pick",
            tooltips=["a click on a point or a marker sets lr", "a drag across the plot sets lr_slice"],
            style={"button_width": "150px"},
        )
        super().__init__(layout=W.Layout(width="100%", max_width="920px", padding="4px"))
        self.children = [
            self.header,
            W.HBox(
                [self.mode_toggle, self.hint], layout=W.Layout(align_items="center", flex_flow="row wrap")
            ),
            self.loss_pane.legend,
            self.loss_pane.figure,
            self.player,
            self.grad_pane.figure,
            self.controls,
            self.strip,
        ]
        self._wire()
        if isinstance(self._source, ReplaySource):
            self._show_result(self._source.result, elapsed=None)

    # ------------------------------------------------------------------ construction helpers
    @classmethod
    def from_model(
        cls,
        model: Any,
        optimizer: Any,
        loss_fn: Any,
        train_data: Any,
        valid_data: Any = None,
        **kwargs: Any,
    ) -> LRFinderWidget:
        """Build an ``lrwidget.Learner`` from the parts and wrap it (kwargs go to the widget / lr_find)."""
        from lrwidget.engine.learner import Learner

        return cls(Learner(model, optimizer, loss_fn, train_data, valid_data), **kwargs)

    def _build_header(self) -> None:
        self.status_html = W.HTML(layout=W.Layout(min_width="100px"))
        self.progress_bar = W.FloatProgress(
            value=0.0, min=0.0, max=1.0, bar_style="info", layout=W.Layout(width="420px", margin="0 12px 0 0")
        )
        self.info = W.HTML(layout=W.Layout(flex="1 1 auto", margin="0 0 0 4px"))
        self.run_button = W.Button(
            description="Run", icon="play", button_style="primary", tooltip="start the range test",
            layout=W.Layout(width="86px"),
        )  # fmt: skip
        self.stop_button = W.Button(
            description="Stop", icon="stop", disabled=True, tooltip="stop the sweep; the model is restored",
            layout=W.Layout(width="86px"),
        )  # fmt: skip
        self.message = W.HTML(layout=W.Layout(width="100%"))
        self.hint = W.HTML(
            "<span style='opacity:.75;font-size:12px;margin-left:8px'>click a point or a marker to choose "
            "lr · drag in slice mode</span>"
        )
        if not self._source.live:
            self.run_button.layout.display = "none"
            self.stop_button.layout.display = "none"
            self.progress_bar.layout.display = "none"
        self.header = W.VBox(
            [
                W.HBox(
                    [self.status_html, self.progress_bar, self.run_button, self.stop_button]
                    if self._source.live
                    else [self.status_html, self.info],
                    layout=W.Layout(align_items="center", flex_flow="row wrap", width="100%"),
                ),
                *([self.info] if self._source.live else []),
                self.message,
            ]
        )
        self._render_header()

    def _wire(self) -> None:
        self.run_button.on_click(lambda _b: self._run_clicked())
        self.stop_button.on_click(lambda _b: self.stop())
        self.loss_pane.on_pick(self._picked)
        self.loss_pane.on_slice(self._sliced)
        self.mode_toggle.observe(lambda ch: setattr(self, "mode", ch["new"]), names="value")
        self.controls.on_change(lambda _p: self.resuggest())
        self.player.on_frame(self._draw_frame)
        self.strip.observe(self._from_strip, names=["lr", "lr_slice", "slice_mode"])

    # ------------------------------------------------------------------ traits
    @T.validate("lr")
    def _valid_lr(self, proposal):
        v = proposal["value"]
        return None if v is None else _positive_lr("lr", v)

    @T.validate("lr_slice")
    def _valid_slice(self, proposal):
        v = proposal["value"]
        if v is None:
            return None
        lo, hi = (_positive_lr("lr_slice", float(x)) for x in v)
        if not lo < hi:
            raise LRFinderValueError(f"lr_slice must be (lo, hi) with lo < hi, got {tuple(v)!r}")
        return (lo, hi)

    @T.validate("value")
    def _valid_value(self, proposal):
        v = proposal["value"]
        if self._syncing:
            return v
        # a person (or a link) assigned value: route it to lr / lr_slice, then recompute
        if v is None:
            self.lr, self.lr_slice = None, None
        elif isinstance(v, slice):
            if v.step is not None or v.start is None or v.stop is None:
                raise LRFinderValueError(f"value must be slice(lo, hi) with both ends and no step, got {v!r}")
            self.lr_slice = (v.start, v.stop)
        elif isinstance(v, (tuple, list)) and len(v) == 2:
            self.lr_slice = (v[0], v[1])
        elif isinstance(v, (int, float, np.floating, np.integer)) and not isinstance(v, bool):
            self.lr = float(v)
            self.mode = "pick"
        else:
            raise LRFinderValueError(
                f"value must be a learning rate, slice(lo, hi), (lo, hi) or None, got {type(v).__name__}"
            )
        return self._current_value()

    @T.observe("value")
    def _value_cleared(self, change) -> None:
        # traitlets skips validators for None (Any allows None): clearing is handled here
        if change["new"] is None and not self._syncing:
            self.lr, self.lr_slice = None, None

    def _current_value(self) -> float | slice | None:
        if self.mode == "slice" and self.lr_slice is not None:
            return slice(*self.lr_slice)
        return self.lr

    @T.observe("lr")
    def _lr_changed(self, change) -> None:
        with self._view_lock:
            self.loss_pane.set_pick(change["new"])
        self._to_strip("lr", change["new"])
        self._sync_value()

    @T.observe("lr_slice")
    def _slice_changed(self, change) -> None:
        new = change["new"]
        if new is not None and self.mode != "slice":
            self.mode = "slice"
        with self._view_lock:
            self.loss_pane.set_slice(new)
        self._to_strip("lr_slice", None if new is None else list(new))
        self._sync_value()

    @T.observe("mode")
    def _mode_changed(self, change) -> None:
        mode = change["new"]
        self.loss_pane.set_mode(mode)
        self.mode_toggle.value = mode
        self._to_strip("slice_mode", mode == "slice")
        self._sync_value()

    @T.observe("status", "error")
    def _status_changed(self, _change) -> None:
        self._render_header()

    def _sync_value(self) -> None:
        self._syncing = True
        try:
            self.value = self._current_value()
        finally:
            self._syncing = False

    # ------------------------------------------------------------------ picks from the views
    def _picked(self, lr: float) -> None:
        self.lr = lr

    def _sliced(self, lo_hi: tuple[float, float]) -> None:
        self.lr_slice = lo_hi

    def _to_strip(self, name: str, value: Any) -> None:
        """Push a change to the strip, unless it came from the strip (per trait: no echo loops)."""
        if name in self._strip_busy:
            return
        self._strip_busy.add(name)
        try:
            setattr(self.strip, name, value)
        finally:
            self._strip_busy.discard(name)

    def _from_strip(self, change) -> None:
        name, new = change["name"], change["new"]
        if name in self._strip_busy:
            return  # our own push, possibly clamped by the strip: the widget keeps its value
        self._strip_busy.add(name)
        try:
            if name == "lr":
                self.lr = new
            elif name == "lr_slice":
                self.lr_slice = None if new is None else tuple(new)
            elif name == "slice_mode":
                self.mode = "slice" if new else "pick"
        finally:
            self._strip_busy.discard(name)

    # ------------------------------------------------------------------ running
    @property
    def running(self) -> bool:
        """True while a sweep is in progress."""
        return self._runner.running

    def start(self) -> None:
        """Run the range test in a background thread (RuntimeError if one is running).

        A replayed result is simply drawn again.
        """
        if isinstance(self._source, ReplaySource):
            self._show_result(self._source.result, elapsed=None)
            return
        if self._runner.running:
            raise RuntimeError("the range test is already running: call stop() or wait() first")
        self._buffer.clear()
        self.error = ""
        self.result = None
        self.suggestions = {}
        self.progress = 0.0
        with self._view_lock:
            self.loss_pane.set_curve([], [], [])
            self.loss_pane.set_markers([])
            self.loss_pane.set_probe(None)
            self.grad_pane.set_curve([], [], (-1.0, 1.0))
            self.grad_pane.set_interval(None, None)
            self.grad_pane.set_picks([])
            self.player.load(
                None, np.zeros(0), waiting="the slide rule walks across the curve once the sweep ends"
            )
        self.strip.suggestions = []
        self.strip.disabled = True
        self.controls_disabled(True)
        self.status = "running"
        self._throttle = Throttle(self._flush, self.max_rate, inline=self._inline_flush).start()
        try:
            self._runner.start(self._source, self._on_step, self._on_done)
        except BaseException:  # lost a race with another start(): leave no throttle thread behind
            throttle, self._throttle = self._throttle, None
            throttle.close(final=False)
            raise

    def stop(self) -> None:
        """Ask the sweep to stop: it ends within one step and the engine restores the model."""
        self._runner.stop()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the sweep to end; True when it has (or nothing runs)."""
        return self._runner.join(timeout)

    def _run_clicked(self) -> None:
        try:
            self.start()
        except Exception as exc:  # a click must not raise into the kernel's log only
            self.error = f"{type(exc).__name__}: {exc}"
            self.status = "error"

    def controls_disabled(self, on: bool) -> None:
        """Grey out the knobs (while the sweep runs there is nothing to re-suggest)."""
        for w in (
            self.controls.w_lr_diff, self.controls.w_loss_threshold, self.controls.w_adjust_value,
            self.controls.w_method,
        ):  # fmt: skip
            w.disabled = on
        self.run_button.disabled = on
        self.stop_button.disabled = not on

    def _on_step(self, ev: StepEvent) -> None:
        """Called by the engine from the sweep's thread: buffer only, never touch the comm here."""
        self._buffer.add(ev)
        throttle = self._throttle
        if throttle is not None:
            throttle.mark()

    def _flush(self) -> None:
        """Send the buffered curve (whole arrays) and the header: called at most max_rate times a second."""
        lrs, losses, smoothed, last = self._buffer.snapshot()
        if last is None:
            return
        with self._view_lock:
            self._draw_curve(lrs, losses, smoothed, live=True)
            self.progress = min(1.0, (last.step + 1) / max(1, last.num_it))
            self._render_header(last)
        self.flushes += 1

    def _draw_curve(
        self, lrs: np.ndarray, losses: np.ndarray, smoothed: np.ndarray, live: bool = False
    ) -> None:
        """Both panes from the curve: the loss (clipped y range) and the gradient the seed's rule reads."""
        y_lo, y_hi = loss_y_range(losses, smoothed)
        self.loss_pane.set_curve(lrs, losses, smoothed, (y_lo, y_hi), sticky=live)
        self._draw_grad("slide_rule", lrs, smoothed, self.controls.loss_threshold, live)

    def _draw_grad(
        self, method: str, lrs: np.ndarray, smoothed: np.ndarray, threshold: float | None, live: bool = False
    ) -> str:
        """The gradient pane for ``method``'s rule; returns the gradient's short name for captions."""
        grad, name, label = rule_gradient(method, lrs, smoothed)
        if self.grad_pane.y_axis.label != label:
            self.grad_pane.y_axis.label = label
        y_top = self.loss_pane.y_scale.max
        self.grad_pane.set_curve(lrs, grad, grad_y_range(grad, smoothed, y_top, threshold), sticky=live)
        return name

    def _on_done(self, outcome: RunOutcome) -> None:
        """The sweep ended (sweep thread): last flush, the result, suggestions, then the status."""
        throttle, self._throttle = self._throttle, None
        if throttle is not None:
            throttle.close(final=False)
        result, error = outcome.result, outcome.error
        if result is None and error is not None:
            lrs, losses, smoothed, _ = self._buffer.snapshot()
            try:
                result = RangeTestResult(
                    lrs, losses, smoothed, stop_reason="error", settings=self._source.settings(), error=error
                )
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
            self.controls_disabled(False)
            if error:
                self.error = error
                self.status = "error"
            else:
                self.error = ""
                self.status = (
                    STATUS_OF_STOP.get(result.stop_reason, "done") if result is not None else "error"
                )
            self._render_header()

    # ------------------------------------------------------------------ results and suggestions
    def _show_result(self, result: RangeTestResult, elapsed: float | None, final_status: bool = True) -> None:
        """Draw a finished curve, its suggestions and the slide rule's walk."""
        self._elapsed = elapsed
        self.result = result
        n = len(result)
        self.progress = 1.0 if result.stop_reason == "completed" else min(1.0, n / max(1, self._num_it))
        if n:
            # a sweep someone stopped (or that failed) is shown over what it measured, not over the plan
            planned = result.stop_reason in ("completed", "diverged", "non_finite")
            lo, hi = lr_domain(
                result.lrs,
                result.settings.get("start_lr") if planned else None,
                result.settings.get("end_lr") if planned else None,
            )
            with self._view_lock:
                set_lr_range(self.x_scale, [self.loss_pane.x_axis, self.grad_pane.x_axis], lo, hi)
                self.strip.set_range(lo, hi)
                self.controls.set_curve_length(n)
        with self._view_lock:
            self._draw_curve(result.lrs, result.losses, result.smoothed)
        self.resuggest()
        if final_status:
            self.error = (result.error or "the sweep failed") if result.stop_reason == "error" else ""
            self.status = STATUS_OF_STOP.get(result.stop_reason, "done")
        self._render_header()

    def resuggest(self) -> None:
        """Recompute every suggestion with the current controls and redraw markers, strip and the walk."""
        r = self.result
        if r is None or len(r) == 0:
            return
        params = self.controls.params()
        sugg = compute_suggestions(r.lrs, r.smoothed, params)
        self.suggestions = sugg
        chosen = params["method"]
        markers = [
            Marker(name, s.lr, f"{style.method_label(name)} {style.fmt_lr(s.lr)}") for name, s in sugg.items()
        ]
        animated = chosen if chosen in RULE_METHODS else "slide_rule"
        rule = sugg.get(animated)
        threshold = None
        if rule is not None:
            threshold = rule.params.get("loss_threshold", rule.params.get("rel_threshold"))
        with self._view_lock:
            gname = self._draw_grad(animated, r.lrs, r.smoothed, threshold)
            self.loss_pane.set_markers(markers)
            self._emphasise(chosen)
            self.grad_pane.set_picks(markers)
            self.player.load(rule, r.lrs, gname)
        best = sugg.get(chosen)
        with self.strip.hold_sync():
            self.strip.suggestions = [
                {
                    "method": name,
                    "lr": s.lr,
                    "label": style.method_label(name),
                    "color": style.method_color(name),
                    "reason": s.reason,
                    "confidence": s.confidence,
                }
                for name, s in sugg.items()
            ]
            self.strip.auto_method = chosen
            conf = best.confidence if best is not None else None
            self.strip.confidence = (
                None if conf is None or not math.isfinite(conf) else min(1.0, max(0.0, conf))
            )
        if self.autoplay:
            self.player.replay()

    def _emphasise(self, method: str) -> None:
        for name, mark in self.loss_pane.markers.items():
            size = 190 if name == method else 90
            if mark.default_size != size:
                mark.default_size = size

    def _draw_frame(self, step, k: int, final: bool) -> None:
        """One frame of the slide rule: the interval on the gradient pane, its left end on the loss pane."""
        with self._view_lock:
            if step is None:
                self.grad_pane.set_interval(None, None)
                self.loss_pane.set_probe(None)
                return
            self.grad_pane.set_interval(step.left, step.right, step.threshold)
            lrs = self.player.lrs
            if final and self.player.pick_lr is not None:
                self.loss_pane.set_probe(self.player.pick_lr)  # the pick lands on the loss curve
            elif 0 <= step.left < lrs.size:
                self.loss_pane.set_probe(float(lrs[step.left]))

    # ------------------------------------------------------------------ header
    def _render_header(self, last: StepEvent | None = None) -> None:
        status = self.status
        color = STATUS_COLORS.get(status, "#8C8C8C")
        label = "replay" if (status == "done" and not self._source.live) else status
        self.status_html.value = (
            f"<span style='display:inline-block;padding:2px 10px;border-radius:10px;background:{color};"
            f"color:white;font-weight:bold'>{label}</span>"
        )
        self.progress_bar.value = self.progress
        self.progress_bar.bar_style = {"error": "danger", "diverged": "warning", "stopped": "warning"}.get(
            status, "success" if status == "done" else "info"
        )
        self.info.value = self._info_text(last)
        note = self.result.error if self.result is not None and status != "error" else None
        if status == "error" and self.error:
            self.message.value = (
                f"<div style='color:#D55E00;font-family:var(--jp-code-font-family,monospace);"
                f"font-size:12px;white-space:pre-wrap'>{_escape(self.error)}</div>"
            )
        elif note:
            self.message.value = f"<div style='color:#E69F00;font-size:12px'>{_escape(note)}</div>"
        else:
            self.message.value = ""

    def _info_text(self, last: StepEvent | None) -> str:
        if self.status == "running" and last is not None:
            done = last.step + 1
            rate = last.elapsed / done if done else float("nan")
            left = rate * (last.num_it - done)
            return (
                f"step <b>{done}</b> / {last.num_it} · {style.fmt_seconds(left)} left · "
                f"lr <b>{style.fmt_lr(last.lr)}</b> · loss <b>{style.fmt_num(last.loss)}</b> "
                f"(smoothed {style.fmt_num(last.smoothed)})"
            )
        if self.status == "running":
            return f"starting… (0 / {self._num_it} steps)"
        r = self.result
        if r is None or len(r) == 0:
            if self.status == "idle":
                return f"ready: {self._num_it} steps, press Run (or call start())"
            return ""
        n = len(r)
        where = f"at lr {style.fmt_lr(float(r.lrs[-1]))} (step {n})"
        took = getattr(self, "_elapsed", None)
        took_s = f" in {style.fmt_seconds(took)}" if took else ""
        why = {
            "completed": f"completed {n} steps{took_s}",
            "diverged": f"stopped early: the loss diverged {where}{took_s}",
            "non_finite": f"stopped early: the loss became non-finite {where}{took_s}",
            "cancelled": f"stopped by you after {n} steps; the model was restored",
            "interrupted": f"interrupted after {n} steps; the model was restored",
            "error": f"failed after {n} steps; the model was restored",
        }.get(r.stop_reason, r.stop_reason)
        best = self.suggestions.get(self.controls.method) if self.suggestions else None
        rec = ""
        if best is not None:
            rec = (
                f" · {style.method_label(best.method)} suggests <b>{style.fmt_lr(best.lr)}</b>"
                if best.lr is not None
                else f" · {style.method_label(best.method)}: no suggestion"
            )
            if best.lr is not None and best.confidence is not None:
                rec += f" ({_confidence_words(best)})"
        return why + rec

    def close(self) -> None:
        """Stop a running sweep and close this widget and every widget it made (frees their comms)."""
        runner = getattr(self, "_runner", None)  # absent when __init__ failed (Widget.__del__ calls close)
        if runner is not None and runner.running:
            runner.stop()
            runner.join(5)
        _close_tree(self, set())

    def __repr__(self) -> str:
        return f"LRFinderWidget(status={self.status!r}, lr={self.lr!r}, lr_slice={self.lr_slice!r})"


def _confidence_words(s: Suggestion) -> str:
    """Confidence as a person reads it: low / medium / high (the benchmark's terciles), and the spread."""
    c = float(s.confidence or 0.0)
    level = "high" if c >= 0.4 else "medium" if c >= 0.22 else "low"
    spread = s.params.get("spread_decades")
    span = f", methods span {spread:.1f} decades" if isinstance(spread, (int, float)) else ""
    return f"{level} confidence {c:.0%}{span}"


def _close_tree(widget: Any, seen: set[int]) -> None:
    """Close ``widget`` and the widgets it holds (box children, figure marks, axes, scales, layouts)."""
    if not isinstance(widget, W.Widget) or id(widget) in seen:
        return
    seen.add(id(widget))
    parts: list[Any] = list(getattr(widget, "children", ()) or ())
    for name in ("marks", "axes"):
        parts += list(getattr(widget, name, ()) or ())
    for name in ("interaction", "scale", "layout", "style", "tooltip"):
        part = getattr(widget, name, None)
        if isinstance(part, W.Widget):
            parts.append(part)
    scales = getattr(widget, "scales", None)
    if isinstance(scales, dict):
        parts += list(scales.values())
    W.Widget.close(widget)
    for part in parts:
        _close_tree(part, seen)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = ["STATUSES", "LRFinderValueError", "LRFinderWidget", "compute_suggestions", "rule_gradient"]
