"""The user's choice: ``lr``, ``lr_slice``, ``mode`` and ``value``, one HasTraits object every view binds to.

The panes, the decision strip and the finder read and write these traits and nothing else holds a pick,
so redrawing a narrower range can never rewrite it: a pick outside what was measured stays, and the
views show it as such (``unmeasured``). Values are checked here, whoever sets them: a rate must be a
real number (not a bool) inside the planned sweep widened by a margin (``bounds``), a slice needs
``lo < hi``; anything else raises a TraitError naming the trait, and the old value stays.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import traitlets as T

from lrwidget.core import _checks
from lrwidget.core.formatting import format_lr

MODES = ("pick", "slice")


class SelectionValueError(T.TraitError, ValueError):
    """A value the selection cannot hold (a TraitError, so traitlets keeps the old one; a ValueError)."""


class SelectionTypeError(T.TraitError, TypeError):
    """A value of the wrong type for a selection trait (a TraitError and a TypeError)."""


def _rate(name: str, value: Any, bounds: tuple[float, float]) -> float:
    """``value`` as a learning rate inside ``bounds``, or the matching TraitError naming ``name``."""
    try:
        rate = _checks.real(name, value, low=0.0, low_open=True)
    except TypeError as exc:
        raise SelectionTypeError(str(exc)) from None
    except ValueError as exc:
        raise SelectionValueError(str(exc)) from None
    lo, hi = bounds
    if not lo <= rate <= hi:
        raise SelectionValueError(
            f"{name}={format_lr(rate)} is outside the rates this sweep covers; allowed: "
            f"{format_lr(lo)} to {format_lr(hi)} "
            "(the planned start_lr..end_lr widened by a decade on each side)"
        )
    return rate


class Selection(T.HasTraits):
    """What the user chose. ``value`` is what to train with: ``lr``, or ``slice(lo, hi)`` in slice mode.

    Assigning ``value`` routes it: a float sets ``lr`` (and pick mode), ``slice(lo, hi)`` or a
    ``(lo, hi)`` pair sets ``lr_slice`` (and slice mode), None clears both.
    """

    lr = T.Any(None, help="The chosen learning rate, or None until someone picks one.")
    lr_slice = T.Any(None, help="The chosen (lo, hi) for discriminative learning rates, or None.")
    mode = T.Enum(
        MODES, default_value="pick", help="'pick': value is lr; 'slice': value is slice(*lr_slice)."
    )
    value = T.Any(None, help="What to train with: lr, or slice(lo, hi) in slice mode with a slice.")
    bounds = T.Tuple(
        T.Float(), T.Float(), default_value=(1e-8, 100.0), help="(lo, hi): the rates a pick may take."
    )
    measured = T.Any(None, help="(lo, hi) of the measured rates, or None before anything was measured.")

    def __init__(self, bounds: tuple[float, float] = (1e-8, 100.0), **kwargs: Any) -> None:
        super().__init__(bounds=bounds, **kwargs)
        self._routing = False

    # ------------------------------------------------------------------ validation
    @T.validate("bounds")
    def _valid_bounds(self, proposal: T.Bunch) -> tuple[float, float]:
        lo, hi = proposal["value"]
        if not (0 < lo < hi and math.isfinite(hi)):
            raise SelectionValueError(f"bounds must be (lo, hi) with 0 < lo < hi finite, got {(lo, hi)!r}")
        return float(lo), float(hi)

    @T.validate("lr")
    def _valid_lr(self, proposal: T.Bunch) -> float | None:
        v = proposal["value"]  # None reaches here only inside hold_trait_notifications
        return None if v is None else _rate("lr", v, self.bounds)

    @T.validate("lr_slice")
    def _valid_slice(self, proposal: T.Bunch) -> tuple[float, float] | None:
        v = proposal["value"]
        if v is None:
            return None
        if isinstance(v, slice):
            v = (v.start, v.stop)
        if not isinstance(v, (tuple, list)) or len(v) != 2:
            raise SelectionTypeError(
                f"lr_slice must be a (lo, hi) pair or None, got {type(v).__name__} {v!r}"
            )
        lo, hi = (_rate("lr_slice", x, self.bounds) for x in v)
        if not lo < hi:
            turned = f"; did you mean ({format_lr(hi)}, {format_lr(lo)})?" if hi < lo else ""
            raise SelectionValueError(
                f"lr_slice must be (lo, hi) with lo < hi, got ({format_lr(lo)}, {format_lr(hi)}){turned}"
            )
        return lo, hi

    @T.validate("measured")
    def _valid_measured(self, proposal: T.Bunch) -> tuple[float, float] | None:
        if proposal["value"] is None:
            return None
        lo, hi = (float(x) for x in proposal["value"])
        return lo, hi

    @T.validate("value")
    def _valid_value(self, proposal: T.Bunch) -> float | slice | None:
        v = proposal["value"]
        if self._routing or v is None:
            return v
        if isinstance(v, slice):
            if v.step is not None or v.start is None or v.stop is None:
                raise SelectionValueError(
                    f"value must be slice(lo, hi) with both ends and no step, got {v!r}"
                )
            self.set(lr_slice=(v.start, v.stop), mode="slice")
        elif isinstance(v, (tuple, list)):
            self.set(lr_slice=tuple(v), mode="slice")
        elif isinstance(v, Real) and not isinstance(v, bool):
            self.set(lr=v, mode="pick")
        else:
            raise SelectionTypeError(
                "value must be a learning rate, slice(lo, hi), (lo, hi) or None, "
                f"got {type(v).__name__} {v!r}"
            )
        return self.current()

    # ------------------------------------------------------------------ consistency
    def set(self, **changes: Any) -> None:
        """Set several traits at once; observers see the changes only when all are valid."""
        with self.hold_trait_notifications():
            for name, new in changes.items():
                setattr(self, name, new)

    @T.observe("lr", "lr_slice", "mode")
    def _recompute_value(self, change: T.Bunch) -> None:
        if change["name"] == "lr_slice" and change["new"] is not None and self.mode != "slice":
            self.mode = "slice"
            return  # the mode change recomputes value
        self._route(self.current())

    @T.observe("value")
    def _value_cleared(self, change: T.Bunch) -> None:
        # traitlets skips validators for None (Any allows None): clearing is handled here
        if change["new"] is None and not self._routing:
            self.set(lr=None, lr_slice=None)

    def _route(self, value: float | slice | None) -> None:
        self._routing = True
        try:
            self.value = value
        finally:
            self._routing = False

    def current(self) -> float | slice | None:
        """``value`` computed from the other traits (``slice(lo, hi)`` in slice mode with a slice)."""
        if self.mode == "slice" and self.lr_slice is not None:
            return slice(*self.lr_slice)
        return self.lr

    def unmeasured(self, lr: float | None) -> bool:
        """True when ``lr`` lies outside what was measured (after a Stop, say): shown as such, kept."""
        if lr is None or self.measured is None:
            return False
        lo, hi = self.measured
        return not (lo * (1 - 1e-9) <= lr <= hi * (1 + 1e-9))

    def picks(self) -> tuple[float, ...]:
        """Every rate the user holds (lr and the slice's ends): a drawn range must keep them in view."""
        out = [] if self.lr is None else [self.lr]
        return tuple(out + list(self.lr_slice or ()))


__all__ = ["MODES", "Selection", "SelectionTypeError", "SelectionValueError"]
