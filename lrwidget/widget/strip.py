"""The decision strip: an anywidget log learning-rate ruler to pick, nudge and accept a learning rate.

The front end is ``js/decision_strip.js`` (shipped in the wheel as ``lrwidget/static/decision_strip.js``).
Python owns the truth: every trait is validated here, whichever side changed it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import anywidget
import traitlets
from traitlets import Bool, Float, List, TraitError, Unicode, observe, validate

__all__ = ["METHOD_COLORS", "DecisionStrip", "load_esm"]

_HERE = Path(__file__).resolve().parent
STATIC_ESM = _HERE.parent / "static" / "decision_strip.js"  # installed wheel (hatch force-include)
REPO_ESM = _HERE.parents[1] / "js" / "decision_strip.js"  # editable install / source checkout

#: One colour per suggestion method; the loss pane can use the same ones so both views agree.
METHOD_COLORS: dict[str, str] = {
    "auto": "#e4572e",
    "slide_rule": "#2f7ed8",
    "slide_rule_scaled": "#17a2b8",
    "valley": "#2ca02c",
    "steepest": "#9467bd",
    "minimum": "#d4a017",
}
_PALETTE = ("#2f7ed8", "#e4572e", "#2ca02c", "#9467bd", "#d4a017", "#17a2b8", "#8c564b")


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


def _positive_lr(name: str, value: float) -> float:
    if not math.isfinite(value) or value <= 0:
        raise StripValueError(f"{name} must be a positive finite learning rate, got {value!r}")
    return float(value)


def _optional_float(name: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            value = float(value)  # numpy scalars
        except (TypeError, ValueError):
            raise StripTypeError(f"{name} must be a number or None, got {type(value).__name__}") from None
    return float(value)


def normalize_suggestion(item: Any, index: int = 0) -> dict[str, Any]:
    """One suggestion as the dict the front end draws: method, lr, label, color, reason, confidence.

    ``item`` is a mapping with at least ``method`` and ``lr``, or an object with those attributes
    (``lrwidget.Suggestion``). ``lr`` None means the method had no answer (``reason`` says why).
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
        lr = _positive_lr(f"suggestions[{index}]['lr']", lr)
    confidence = _optional_float(f"suggestions[{index}]['confidence']", get("confidence"))
    if confidence is not None and not math.isfinite(confidence):
        confidence = None
    color = get("color") or METHOD_COLORS.get(method) or _PALETTE[index % len(_PALETTE)]
    return {
        "method": method,
        "lr": lr,
        "label": str(get("label") or method),
        "color": str(color),
        "reason": str(get("reason") or ""),
        "confidence": confidence,
    }


class DecisionStrip(anywidget.AnyWidget):
    """A log learning-rate ruler for choosing the learning rate of a range test.

    The suggestions are labelled ticks; a click on one accepts it. A handle holds the tentative pick
    (drag it, or focus the ruler and use the arrow keys: 0.1 decade a press, 1 with Shift); Enter or
    Accept sets ``lr``, Escape puts the handle back on ``lr``. In slice mode two more handles set
    ``lr_slice`` for discriminative learning rates. A snippet (``lr=3.2e-3`` / ``slice(1e-5, 3.2e-3)``)
    can be copied.

    Traits ``lr``, ``tentative`` and ``lr_slice`` are kept inside ``[min_lr, max_lr]`` (values outside
    are clamped, as ``FloatSlider`` clamps); ``lr_slice`` is sorted. Change ``min_lr`` and ``max_lr``
    together under ``hold_trait_notifications()`` (or with :meth:`set_range`) when moving the range
    past its old bounds.
    """

    _esm = load_esm()

    min_lr = Float(1e-7, help="Lower end of the ruler: the first learning rate of the sweep.").tag(sync=True)
    max_lr = Float(10.0, help="Upper end of the ruler: the last learning rate of the sweep.").tag(sync=True)
    suggestions = List(
        help="Suggestions drawn as ticks: dicts {method, lr, label, color, reason, confidence}; "
        "lr None means no answer (listed with its reason). Suggestion objects are accepted too."
    ).tag(sync=True)
    lr = Float(None, allow_none=True, help="The accepted learning rate (None until one is accepted).").tag(
        sync=True
    )
    tentative = Float(
        None, allow_none=True, help="Where the pick handle is: the rate Enter or Accept would accept."
    ).tag(sync=True)
    lr_slice = List(
        Float(),
        default_value=None,
        allow_none=True,
        minlen=2,
        maxlen=2,
        help="The chosen slice [lo, hi] for discriminative learning rates, or None.",
    ).tag(sync=True)
    slice_mode = Bool(False, help="Show the two slice handles; the snippet then shows slice(lo, hi).").tag(
        sync=True
    )
    auto_method = Unicode("auto", help="Method whose tick is highlighted (the default pick).").tag(sync=True)
    confidence = Float(
        None, allow_none=True, help="Confidence in [0, 1] of the highlighted suggestion, shown by its tick."
    ).tag(sync=True)
    disabled = Bool(False, help="Ignore pointer and keys (for example while the sweep runs).").tag(sync=True)

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

    def _clamp(self, name: str, value: float | None) -> float | None:
        if value is None:
            return None
        return min(self.max_lr, max(self.min_lr, _positive_lr(name, value)))

    @validate("lr")
    def _valid_lr(self, proposal: traitlets.Bunch) -> float | None:
        return self._clamp("lr", proposal.value)

    @validate("tentative")
    def _valid_tentative(self, proposal: traitlets.Bunch) -> float | None:
        return self._clamp("tentative", proposal.value)

    @validate("lr_slice")
    def _valid_lr_slice(self, proposal: traitlets.Bunch) -> list[float] | None:
        if proposal.value is None:
            return None
        lo, hi = sorted(self._clamp("lr_slice", v) for v in proposal.value)
        return [lo, hi]

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
    @observe("min_lr", "max_lr")
    def _reclamp(self, change: traitlets.Bunch) -> None:
        with self.hold_sync():
            self.lr = self.lr
            self.tentative = self.tentative
            self.lr_slice = self.lr_slice

    @observe("lr")
    def _handle_follows_lr(self, change: traitlets.Bunch) -> None:
        self.tentative = change.new

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
        """Move the ruler to ``[min_lr, max_lr]`` in one step (picks are clamped into it)."""
        with self.hold_trait_notifications():
            self.min_lr = min_lr
            self.max_lr = max_lr

    def __repr__(self) -> str:
        return f"DecisionStrip(lr={self.lr!r}, range=[{self.min_lr:g}, {self.max_lr:g}])"
