"""Colours and number formats shared by the panes, the controls and the decision strip.

Colours are mid-tone (Okabe-Ito based) so they read on JupyterLab's light and dark backgrounds alike;
axes and text are left to bqplot's theme-aware CSS variables.
"""

from __future__ import annotations

import math

# one colour per suggestion method, the same on both panes and in the strip
METHOD_COLORS: dict[str, str] = {
    "auto": "#2F8FD8",
    "slide_rule": "#E69F00",
    "slide_rule_scaled": "#CC79A7",
    "valley": "#009E73",
    "steepest": "#56B4E9",
    "minimum": "#D55E00",
    "lr_slice": "#9B8AE6",
}
FALLBACK_COLORS: tuple[str, ...] = ("#F0E442", "#8C8C8C", "#B07AA1", "#76B7B2")

SMOOTHED_COLOR = "#3B82C4"
RAW_COLOR = "#8AA9C9"
PICK_COLOR = "#E0457B"
SLICE_COLOR = "#9B8AE6"
INTERVAL_LEFT_COLOR = "#E69F00"
INTERVAL_RIGHT_COLOR = "#B5651D"
BAND_COLOR = "#E69F00"

METHOD_LABELS: dict[str, str] = {
    "auto": "auto",
    "slide_rule": "slide rule",
    "slide_rule_scaled": "slide rule (scaled)",
    "valley": "valley",
    "steepest": "steepest",
    "minimum": "minimum / 10",
    "lr_slice": "slice",
}


def method_color(method: str) -> str:
    """The colour of ``method``; unknown methods get a stable fallback colour."""
    if method in METHOD_COLORS:
        return METHOD_COLORS[method]
    return FALLBACK_COLORS[sum(map(ord, method)) % len(FALLBACK_COLORS)]


def method_label(method: str) -> str:
    """A short human label for ``method`` (used in legends and the strip)."""
    return METHOD_LABELS.get(method, method.replace("_", " "))


def fmt_lr(lr: float | None) -> str:
    """A learning rate the way people write it: ``3.0e-03``; ``-`` for None."""
    if lr is None or not math.isfinite(lr):
        return "-"
    return f"{lr:.1e}"


def fmt_num(x: float | None, digits: int = 4) -> str:
    """A loss-like number with ``digits`` significant digits; ``-`` for None or NaN."""
    if x is None or not math.isfinite(x):
        return "-" if x is None or math.isnan(x) else ("inf" if x > 0 else "-inf")
    return f"{x:.{digits}g}"


def fmt_seconds(s: float | None) -> str:
    """A duration as ``12 s`` / ``3 min 05 s``; ``-`` when unknown."""
    if s is None or not math.isfinite(s) or s < 0:
        return "-"
    if s < 60:
        return f"{s:.0f} s" if s >= 10 else f"{s:.1f} s"
    m, sec = divmod(round(s), 60)
    return f"{m} min {sec:02d} s"
