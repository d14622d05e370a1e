"""The decision strip: an anywidget log learning-rate ruler to pick, nudge and accept a learning rate.

The front end is ``js/decision_strip.js`` with its style sheet ``js/decision_strip.css`` (shipped in the
wheel as ``lrwidget/static/``). Colours and labels come from :mod:`lrwidget.widget.registry` through the
``registry`` trait, so Python and JS never hold two palettes. Python owns the truth: every trait is
validated here, whichever side changed it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from numbers import Real
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import traitlets
from traitlets import Bool, Dict, Float, List, TraitError, Unicode, default, observe, validate

from lrwidget.core import _checks
from lrwidget.widget import registry
from lrwidget.widget.registry import format_lr

__all__ = ["DecisionStrip", "StripTypeError", "StripValueError", "load_css", "load_esm"]

_HERE = Path(__file__).resolve().parent
STATIC_DIR = _HERE.parent / "static"  # installed wheel (hatch force-include)
REPO_DIR = _HERE.parents[1] / "js"  # editable install / source checkout
STATIC_ESM = STATIC_DIR / "decision_strip.js"
REPO_ESM = REPO_DIR / "decision_strip.js"
STATIC_CSS = STATIC_DIR / "decision_strip.css"
REPO_CSS = REPO_DIR / "decision_strip.css"

#: Relative slack for a rate that left the browser a rounding step past an end (clamped, not refused).
ROUNDING = 1e-9


class StripValueError(TraitError, ValueError):
    """A value the strip cannot hold (a TraitError, so traitlets rolls back; a ValueError for callers)."""


class StripTypeError(TraitError, TypeError):
    """A value of the wrong type for a strip trait."""


def _fallback_esm(paths: Iterable[Path]) -> str:
    """An ES module that only says the real one is missing, so the widget still displays something."""
    message = "lrwidget: decision_strip.js was not found (looked in " + ", ".join(map(str, paths)) + ")."
    return (
        "function render({ el }) {\n"
        "  const p = document.createElement('p');\n"
        "  p.style.color = 'var(--jp-error-color1, #c62828)';\n"
        f"  p.textContent = {json.dumps(message)};\n"
        "  el.appendChild(p);\n"
        "}\n"
        "export default { render };\n"
    )


def load_esm(candidates: Iterable[Path] = (STATIC_ESM, REPO_ESM)) -> Path | str:
    """The strip's ES module: the first existing file of ``candidates``, else an inline error module."""
    paths = list(candidates)
    for path in paths:
        if path.is_file():
            return path
    return _fallback_esm(paths)


def load_css(candidates: Iterable[Path] = (STATIC_CSS, REPO_CSS)) -> Path | str:
    """The strip's style sheet: the first existing file of ``candidates``, else none (it still works)."""
    for path in candidates:
        if path.is_file():
            return path
    return ""


def _checked(name: str, value: object) -> float:
    """``value`` as a positive finite float, with the validation module's messages, as TraitErrors."""
    try:
        return _checks.real(name, value, low=0.0, low_open=True)
    except TypeError as exc:
        raise StripTypeError(str(exc)) from None
    except ValueError as exc:
        raise StripValueError(str(exc)) from None


class Rate(Float):
    """A learning-rate Float that refuses ``True``/``False`` (traitlets' Float turns ``True`` into 1.0)
    and takes any real number (numpy scalars included)."""

    def __init__(self, *args: Any, what: str | None = None, **kwargs: Any) -> None:
        self.what = what
        super().__init__(*args, **kwargs)

    def validate(self, obj: Any, value: Any) -> Any:
        if isinstance(value, (bool, np.bool_)):
            raise StripTypeError(
                f"{self.what or self.name} must be a learning rate (a positive number), got bool {value!r}"
            )
        if isinstance(value, Real) and not isinstance(value, float):
            value = float(value)
        return super().validate(obj, value)


def _optional_float(name: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
        raise StripTypeError(f"{name} must be a number or None, got {type(value).__name__}")
    return float(value)


def normalize_suggestion(item: Any, index: int = 0) -> dict[str, Any]:
    """One suggestion as the dict the front end draws: method, lr, label, color, reason, confidence.

    ``item`` is a mapping with at least ``method`` and ``lr``, or an object with those attributes
    (``lrwidget.Suggestion``). ``lr`` None means the method had no answer (``reason`` says why). Label and
    colour default to the registry's for the method.
    """
    if isinstance(item, Mapping):
        get = item.get
    elif hasattr(item, "method") and hasattr(item, "lr"):

        def get(key: str, default: Any = None) -> Any:
            return getattr(item, key, default)

    else:
        raise StripTypeError(
            f"suggestions[{index}] must be a dict with 'method' and 'lr' or a Suggestion, "
            f"got {type(item).__name__}"
        )
    method = get("method")
    if not isinstance(method, str) or not method:
        raise StripValueError(f"suggestions[{index}]['method'] must be a non-empty string, got {method!r}")
    lr = _optional_float(f"suggestions[{index}]['lr']", get("lr"))
    if lr is not None:
        lr = _checked(f"suggestions[{index}]['lr']", lr)
    confidence = _optional_float(f"suggestions[{index}]['confidence']", get("confidence"))
    if confidence is not None and not math.isfinite(confidence):
        confidence = None
    return {
        "method": method,
        "lr": lr,
        "label": str(get("label") or registry.method_label(method)),
        "color": str(get("color") or registry.method_color(method)),
        "reason": str(get("reason") or ""),
        "confidence": confidence,
    }


def _pair(name: str, value: Any) -> list[float] | None:
    """A ``[lo, hi]`` pair of positive rates, sorted (None stays None)."""
    if value is None:
        return None
    ends = list(value)
    if len(ends) != 2:
        raise StripValueError(f"{name} must be a pair (lo, hi) of learning rates, got {len(ends)} values")
    lo, hi = sorted(_checked(name, v) for v in ends)
    return [lo, hi]


def rate_pair(what: str, help: str) -> Any:
    """A trait holding ``[lo, hi]`` (two rates, each checked as ``Rate``) or None."""
    # None allowed: traitlets types List as list only, hence Any at the use
    return List(Rate(what=what), default_value=None, allow_none=True, minlen=2, maxlen=2, help=help)


class DecisionStrip(anywidget.AnyWidget):
    """A log learning-rate ruler for choosing the learning rate of a range test.

    The suggestions are labelled ticks; a click on one accepts it. A handle holds the tentative pick
    (drag it, or focus the ruler and use the arrow keys: 0.1 decade a press, 1 with Shift); Enter or
    Accept sets ``lr``, Escape puts the handle back on ``lr``. In slice mode two more handles set
    ``lr_slice`` for discriminative learning rates; it starts from ``suggested_slice`` (core's
    ``lr_slice`` suggestion) when there is one. A snippet (``lr=3.2e-3`` / ``slice(1e-5, 3.2e-3)``) can be
    copied.

    ``lr``, ``tentative`` and ``lr_slice`` must lie inside ``limits`` (default: the ruler,
    ``[min_lr, max_lr]``); anything else, ``True`` included, is refused with an error naming the trait.
    Moving the ruler never rewrites a pick: one left outside it is drawn as an arrow at the ruler's end
    with its value. ``measured`` (what the sweep measured) shades the rest of the ruler, and a pick
    outside it is said to be not measured. The finder sets ``limits`` to the rates a pick may take,
    the ruler to the drawn range (what was measured, widened to keep every pick in view) and
    ``measured``.
    """

    _esm = load_esm()
    _css = load_css()

    min_lr = Float(1e-7, help="Lower end of the ruler: the first learning rate of the sweep.").tag(sync=True)
    max_lr = Float(10.0, help="Upper end of the ruler: the last learning rate of the sweep.").tag(sync=True)
    limits: Any = rate_pair(
        "limits",
        "[lo, hi]: the rates lr, tentative and lr_slice may take; None means the ruler's range.",
    )
    suggestions: List[Any] = List(
        help="Suggestions drawn as ticks: dicts {method, lr, label, color, reason, confidence}; "
        "lr None means no answer (listed with its reason). Suggestion objects are accepted too."
    ).tag(sync=True)
    registry = Dict(
        help="The method registry and palette (lrwidget.widget.registry.registry_json()) the view draws with."
    ).tag(sync=True)
    lr = Rate(None, allow_none=True, help="The accepted learning rate (None until one is accepted).").tag(
        sync=True
    )
    tentative = Rate(
        None, allow_none=True, help="Where the pick handle is: the rate Enter or Accept would accept."
    ).tag(sync=True)
    lr_slice: Any = rate_pair(
        "lr_slice",
        "The chosen slice [lo, hi] for discriminative learning rates, or None.",
    ).tag(sync=True)
    suggested_slice: Any = rate_pair(
        "suggested_slice",
        "The slice [lo, hi] slice mode starts with (core's lr_slice suggestion), or None.",
    ).tag(sync=True)
    measured: Any = rate_pair(
        "measured",
        "[lo, hi] of the rates the sweep measured (None: unknown); the ruler shades the rest and a "
        "pick outside it is said to be not measured.",
    ).tag(sync=True)
    slice_mode = Bool(False, help="Show the two slice handles; the snippet then shows slice(lo, hi).").tag(
        sync=True
    )
    auto_method = Unicode("auto", help="Method whose tick is highlighted (the default pick).").tag(sync=True)
    confidence = Float(
        None, allow_none=True, help="Confidence in [0, 1] of the highlighted suggestion, shown by its tick."
    ).tag(sync=True)
    disabled = Bool(False, help="Ignore pointer and keys (for example while the sweep runs).").tag(sync=True)

    @default("registry")
    def _default_registry(self) -> dict[str, Any]:
        return registry.registry_json()

    # ---- validation ---------------------------------------------------------------------------
    @validate("min_lr")
    def _valid_min_lr(self, proposal: traitlets.Bunch) -> float:
        value = _positive_lr("min_lr", proposal.value)
        if value >= self.max_lr:
            raise StripValueError(f"min_lr must be below max_lr={self.max_lr!r}, got {value!r}")
        return value

    @validate("max_lr")
    def _valid_max_lr(self, proposal: traitlets.Bunch) -> float:
        value = _positive_lr("max_lr", proposal.value)
        if value <= self.min_lr:
            raise StripValueError(f"max_lr must be above min_lr={self.min_lr!r}, got {value!r}")
        return value

    @validate("limits")
    def _valid_limits(self, proposal: traitlets.Bunch) -> list[float] | None:
        pair = _pair("limits", proposal.value)
        if pair is not None and not pair[0] < pair[1]:
            raise StripValueError(f"limits must have lo < hi, got {pair}")
        return pair

    def allowed(self) -> tuple[float, float]:
        """``(lo, hi)``: the range a pick may take (``limits``, else the ruler's)."""
        if self.limits is not None:
            return self.limits[0], self.limits[1]
        return self.min_lr, self.max_lr

    def _inside(self, name: str, value: float) -> float:
        """``value`` if inside the allowed range (a rounding step past an end is put on it), else an error."""
        lo, hi = self.allowed()
        if value < lo * (1 - ROUNDING) or value > hi * (1 + ROUNDING):
            where = "limits" if self.limits is not None else "ruler [min_lr, max_lr]"
            raise StripValueError(
                f"{name} must be inside the strip's {where} [{format_lr(lo)}, {format_lr(hi)}], "
                f"got {format_lr(value)}"
            )
        return min(hi, max(lo, value))

    @validate("lr")
    def _valid_lr(self, proposal: traitlets.Bunch) -> float | None:
        if proposal.value is None:
            return None
        return self._inside("lr", _checked("lr", proposal.value))

    @validate("tentative")
    def _valid_tentative(self, proposal: traitlets.Bunch) -> float | None:
        if proposal.value is None:
            return None
        return self._inside("tentative", _checked("tentative", proposal.value))

    @validate("lr_slice")
    def _valid_lr_slice(self, proposal: traitlets.Bunch) -> list[float] | None:
        pair = _pair("lr_slice", proposal.value)
        return None if pair is None else [self._inside("lr_slice", v) for v in pair]

    @validate("suggested_slice")
    def _valid_suggested_slice(self, proposal: traitlets.Bunch) -> list[float] | None:
        return _pair("suggested_slice", proposal.value)

    @validate("measured")
    def _valid_measured(self, proposal: traitlets.Bunch) -> list[float] | None:
        return _pair("measured", proposal.value)

    @validate("confidence")
    def _valid_confidence(self, proposal: traitlets.Bunch) -> float | None:
        value = proposal.value
        if value is not None and not 0.0 <= value <= 1.0:
            raise StripValueError(f"confidence must be in [0, 1] or None, got {value!r}")
        return value

    @validate("suggestions")
    def _valid_suggestions(self, proposal: traitlets.Bunch) -> list[dict[str, Any]]:
        return [normalize_suggestion(item, i) for i, item in enumerate(proposal.value)]

    # ---- consistency between traits ------------------------------------------------------------
    @observe("lr")
    def _handle_follows_lr(self, change: traitlets.Bunch) -> None:
        self.tentative = change.new

    @observe("slice_mode")
    def _start_with_the_suggested_slice(self, change: traitlets.Bunch) -> None:
        if change.new and self.lr_slice is None:
            self.lr_slice = self.initial_slice()

    def initial_slice(self) -> list[float] | None:
        """The slice mode's first slice: ``suggested_slice`` if allowed, else a decade ending at ``lr``."""
        lo, hi = self.allowed()
        suggested = self.suggested_slice
        if suggested is not None and lo <= suggested[0] < suggested[1] <= hi:
            return list(suggested)
        top = self.lr if self.lr is not None else math.sqrt(self.min_lr * self.max_lr)
        return [max(lo, top / 10), top]

    def set_state(self, sync_data: dict[str, Any]) -> None:
        """Apply a front end's update; if it is refused, send the kept values back before raising, so the
        view never goes on showing a value the kernel does not hold."""
        try:
            super().set_state(sync_data)
        except TraitError:
            self.send_state([key for key in sync_data if key in self.keys])
            raise

    # ---- conveniences --------------------------------------------------------------------------
    @property
    def value(self) -> float | slice | None:
        """What to train with: ``slice(lo, hi)`` in slice mode with a slice, else ``lr``."""
        if self.slice_mode and self.lr_slice is not None:
            return slice(*self.lr_slice)
        return self.lr

    def accept(self, lr: float | None = None) -> float | None:
        """Accept ``lr`` (default: the tentative pick), as Enter does; returns the accepted rate."""
        self.lr = self.tentative if lr is None else lr
        return self.lr

    def set_range(self, min_lr: float, max_lr: float) -> None:
        """Move the ruler to ``[min_lr, max_lr]`` in one step (the picks stay as they are)."""
        with self.hold_trait_notifications():
            self.min_lr = min_lr
            self.max_lr = max_lr

    def __repr__(self) -> str:
        return f"DecisionStrip(lr={self.lr!r}, range=[{self.min_lr:g}, {self.max_lr:g}])"


def _positive_lr(name: str, value: float) -> float:
    if not math.isfinite(value) or value <= 0:
        raise StripValueError(f"{name} must be a positive finite learning rate, got {value!r}")
    return float(value)
