"""The slide rule's knobs and the method choice; any change re-suggests at once (``on_change``)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import ipywidgets as W
import traitlets as T

from lrwidget.widget.registry import method_label

DEFAULT_METHODS: tuple[str, ...] = (
    "auto",
    "slide_rule",
    "slide_rule_scaled",
    "valley",
    "steepest",
    "minimum",
)


def _within_a_step(new: float, old: float, rel: float = 1.2e-3) -> bool:
    """True when a slider value differs from ``old`` by less than the slider's own snapping."""
    return old > 0 and abs(new - old) <= rel * old


class Controls(W.VBox):
    """``lr_diff``, ``loss_threshold``, ``adjust_value`` (the seed's slide rule) and the recommended method.

    The traits mirror the widgets (``link``), so code and people change the same values; each
    change calls every ``on_change`` callback with ``params()``.
    """

    lr_diff = T.Int(15, help="Slide rule: interval width in points (the seed's lr_diff).")
    loss_threshold = T.Float(0.05, help="Slide rule: stop when |g[r] - g[l]| <= this (loss units).")
    adjust_value = T.Float(1.0, help="Multiplier applied to the slide rules' pick.")
    method = T.Unicode("auto", help="The method whose pick is recommended (highlighted, animated if a rule).")

    def __init__(self, methods: tuple[str, ...] = DEFAULT_METHODS, **kwargs: Any):
        self._callbacks: list[Callable[[dict[str, Any]], None]] = []
        style_ = {"description_width": "110px"}
        lay = W.Layout(width="290px")
        self.w_lr_diff = W.IntSlider(
            value=15, min=1, max=99, description="lr_diff", style=style_, layout=lay,
            tooltip="interval width in points",
        )  # fmt: skip
        # five decades need room, and a typed value beats a drag: a wide log slider and a number box
        self.w_loss_threshold = W.FloatLogSlider(
            value=0.05, base=10, min=-5, max=1, step=0.001, description="loss_threshold", style=style_,
            layout=W.Layout(width="330px"), readout=False, tooltip="in loss units (log scale)",
        )  # fmt: skip
        self.w_loss_threshold_text = W.FloatText(
            value=0.05, step=0.01, layout=W.Layout(width="90px"), tooltip="type a loss_threshold"
        )
        self.w_adjust_value = W.FloatSlider(
            value=1.0, min=0.1, max=3.0, step=0.05, description="adjust_value", style=style_, layout=lay,
            readout_format=".2f",
            tooltip="multiplies the two slide rules' picks only; auto and the classic rules ignore it",
        )  # fmt: skip
        self.w_method = W.Dropdown(
            options=[(method_label(m), m) for m in methods],
            value="auto" if "auto" in methods else methods[0], description="recommend", style=style_,
            layout=lay,
        )  # fmt: skip
        self.help = W.HTML(
            "<span style='opacity:.75;font-size:12px'>slide rule: lr_diff in points, loss_threshold in "
            "loss units (both change with num_it and the loss's scale); adjust_value multiplies the slide "
            "rules' picks</span>"
        )
        super().__init__(**kwargs)
        self.method = self.w_method.value
        self._syncing = False
        self._pairs = {
            "lr_diff": self.w_lr_diff,
            "loss_threshold": self.w_loss_threshold,
            "loss_threshold_text": self.w_loss_threshold_text,
            "adjust_value": self.w_adjust_value,
            "method": self.w_method,
        }
        for name, widget in self._pairs.items():
            trait = name.removesuffix("_text")
            widget.observe(lambda ch, trait=trait: self._from_widget(trait, ch["new"]), names="value")
        self.children = [
            W.HBox([self.w_method, self.w_lr_diff], layout=W.Layout(flex_flow="row wrap")),
            W.HBox(
                [self.w_loss_threshold, self.w_loss_threshold_text, self.w_adjust_value],
                layout=W.Layout(flex_flow="row wrap", align_items="center"),
            ),
            self.help,
        ]
        self.observe(self._changed, names=["lr_diff", "loss_threshold", "adjust_value", "method"])

    @T.validate("lr_diff")
    def _check_lr_diff(self, proposal: dict[str, Any]) -> Any:
        v = proposal["value"]
        if v < 1:
            raise T.TraitError(f"lr_diff must be an integer >= 1, got {v}")
        return v

    @T.validate("loss_threshold")
    def _check_threshold(self, proposal: dict[str, Any]) -> Any:
        v = proposal["value"]
        if not (math.isfinite(v) and v >= 0):
            raise T.TraitError(f"loss_threshold must be a finite number >= 0, got {v}")
        return v

    @T.validate("adjust_value")
    def _check_adjust(self, proposal: dict[str, Any]) -> Any:
        v = proposal["value"]
        if not (math.isfinite(v) and v > 0):
            raise T.TraitError(f"adjust_value must be a finite number > 0, got {v}")
        return v

    @T.validate("method")
    def _check_method(self, proposal: dict[str, Any]) -> Any:
        v = proposal["value"]
        allowed = [value for _, value in self.w_method.options]
        if v not in allowed:
            raise T.TraitError(f"method must be one of {allowed}, got {v!r}")
        return v

    def _from_widget(self, name: str, value: Any) -> None:
        if self._syncing:
            return
        if name == "loss_threshold" and value is not None and _within_a_step(value, self.loss_threshold):
            # the log slider snaps 0.05 to its grid (0.0500035) when drawn: keep the exact value
            return
        try:
            setattr(self, name, value)
        except T.TraitError:  # a typed value the knob refuses: show the value it keeps
            self._to_widget(name, getattr(self, name))

    def _to_widget(self, name: str, value: Any) -> None:
        """Show a value set from code, widening a slider's range when it falls outside."""
        w = self._pairs[name]
        self._syncing = True
        try:
            if name == "loss_threshold" and value > 0:
                e = math.log10(value)
                w.min, w.max = min(w.min, math.floor(e)), max(w.max, math.ceil(e))
            elif name in ("lr_diff", "adjust_value"):
                w.min, w.max = min(w.min, value), max(w.max, value)
            w.value = value
            if name == "loss_threshold":
                self.w_loss_threshold_text.value = value
        finally:
            self._syncing = False

    def set_curve_length(self, n: int) -> None:
        """Bound lr_diff by the curve length (the interval must fit)."""
        self.w_lr_diff.max = max(2, n - 1, self.lr_diff)

    def on_change(self, cb: Callable[[dict[str, Any]], None]) -> None:
        """Call ``cb(params)`` after every change of a knob or of the method."""
        self._callbacks.append(cb)

    def params(self) -> dict[str, Any]:
        """The current values: ``method`` and the slide rule's three parameters."""
        return {
            "method": self.method,
            "lr_diff": int(self.lr_diff),
            "loss_threshold": float(self.loss_threshold),
            "adjust_value": float(self.adjust_value),
        }

    def _changed(self, change: dict[str, Any]) -> None:
        self._to_widget(change["name"], change["new"])
        p = self.params()
        for cb in list(self._callbacks):
            cb(p)
