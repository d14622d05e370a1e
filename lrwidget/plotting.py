"""A range test drawn headless with matplotlib: ``plot_result(result)`` (also ``result.plot()``).

The raw loss faint, the smoothed loss bold, the validation loss dashed where it was evaluated, each
suggestion a vertical rule and a marker in its own colour and style, ``auto``'s the most visible, all
named in the legend with their rates. The diverging tail is clipped (the y range stops at twice the
starting loss), so the descent stays readable. matplotlib is imported only here, when a plot is asked
for; colours and marks follow the widget's registry so a saved figure and the widget agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from lrwidget.core import _checks
from lrwidget.core.formatting import format_lr
from lrwidget.widget.registry import PALETTE, READING_LABEL  # imports core only: no widget library

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from lrwidget.core.result import RangeTestResult

_MARKERS = {
    "circle": "o",
    "square": "s",
    "diamond": "D",
    "triangle-up": "^",
    "triangle-down": "v",
    "cross": "X",
    "plus": "P",
    "star": "*",
    "arrow": ">",
    "rectangle": "s",
    "ellipse": "o",
}
_DASHES = {"solid": "-", "dashed": "--", "dotted": ":", "dash_dotted": "-."}
_FALLBACK = ("#D6287E", "#1B9E77", "#D95F02", "#7570B3", "#66A61E", "#E6AB02", "#A6761D", "#666666")


def _style(method: str, index: int) -> dict[str, Any]:
    """Label, colour, marker and dash of a method: the widget registry's, or a fallback cycle."""
    try:
        from lrwidget.widget.registry import method as registry_method

        spec = registry_method(method)
        return {
            "label": spec.label,
            "color": spec.color,
            "marker": _MARKERS.get(spec.marker, "o"),
            "dash": _DASHES.get(spec.dash, "--"),
        }
    except Exception:  # the registry is optional here: any failure falls back to a plain style
        dashes = ("-", "--", ":", "-.")
        markers = ("o", "s", "^", "v", "P", "X", "*")
        return {
            "label": method,
            "color": _FALLBACK[index % len(_FALLBACK)],
            "marker": markers[index % len(markers)],
            "dash": dashes[index % len(dashes)],
        }


def _methods(methods: str | Iterable[str] | None) -> list[str]:
    from lrwidget.core.suggest import METHODS

    if methods is None:
        names = list(METHODS)
    elif isinstance(methods, str):
        names = [methods]
    else:
        names = list(methods)
    for i, name in enumerate(names):
        _checks.choice(f"methods[{i}]", name, tuple(METHODS))
    return sorted(names, key=lambda n: n != "auto")  # auto first: it leads the legend


def _y_range(raw: np.ndarray, smoothed: np.ndarray) -> tuple[float, float] | None:
    values = np.concatenate([raw[np.isfinite(raw)], smoothed[np.isfinite(smoothed)]])
    if values.size == 0:
        return None
    lo, hi = float(values.min()), float(values.max())
    start = smoothed[np.isfinite(smoothed)][0] if np.isfinite(smoothed).any() else hi
    if start > lo:
        hi = min(hi, start + (start - lo))  # the tail above twice the fall is clipped
    pad = 0.05 * (hi - lo) if hi > lo else max(abs(hi) * 0.05, 1e-12)
    return lo - pad, hi + pad


def _plot_reading(ax: Any, result: RangeTestResult, shown: slice) -> tuple[np.ndarray, np.ndarray]:
    """The curve auto reads (core's ``drawable_reading`` of the raw losses: no lag, not past the capped
    blow-up), dashed in auto's colour; returns what was drawn ``(lrs, read)`` (empty: nothing)."""
    from lrwidget.core.suggest import drawable_reading

    lrs, raw = result.lrs, result.losses
    ok = np.isfinite(raw) & np.isfinite(lrs) & (lrs > 0)
    if ok.sum() < 2:
        return np.zeros(0), np.zeros(0)
    read = np.full(lrs.size, np.nan)
    read[ok] = drawable_reading(lrs[ok], raw[ok])
    keep = np.isfinite(read[shown])
    if not keep.any():
        return np.zeros(0), np.zeros(0)
    color = _style("auto", 0)["color"]
    x, y = lrs[shown][keep], read[shown][keep]
    ax.plot(x, y, color=color, linestyle="--", linewidth=1.5, label=READING_LABEL)
    return x, y


def _marker_y(lr: float, on: tuple[np.ndarray, np.ndarray] | None, result: RangeTestResult) -> float:
    """Where a marker at ``lr`` sits: on the curve ``on`` where it is drawn there, else on the smoothed."""
    x, y = on if on is not None else (np.zeros(0), np.zeros(0))
    if x.size and x[0] <= lr <= x[-1]:
        return float(np.interp(np.log(lr), np.log(x), y))
    return float(np.interp(np.log(lr), np.log(result.lrs), result.smoothed))


def plot_result(
    result: RangeTestResult,
    ax: Axes | None = None,
    methods: str | Iterable[str] | None = None,
    skip_start: int = 0,
    skip_end: int = 0,
    pick: float | tuple[float, float] | None = None,
) -> Axes:
    """Draw ``result`` on ``ax`` (a new figure's when None) and return the Axes.

    methods : the suggestions to mark: None for every method, a name, or several names; ``()`` for none.
        Suggestions are computed on the whole curve, then drawn on what is shown.
    skip_start, skip_end : points left out at the start and the end (as torch-lr-finder's ``plot``).
    pick : the rate chosen (a bold rule) or a slice ``(lo, hi)`` (a band), drawn over the suggestions.
    """
    n = len(result)
    skip_start = _checks.integer("skip_start", skip_start, low=0)
    skip_end = _checks.integer("skip_end", skip_end, low=0)
    if skip_start + skip_end >= n and n > 0:
        raise ValueError(
            f"skip_start + skip_end must leave a point of the {n}, got {skip_start} + {skip_end}"
        )
    names = _methods(methods)
    pick = _checked_pick(pick)
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7.5, 4.2))
    shown = slice(skip_start, n - skip_end)
    lrs, raw, smoothed = result.lrs[shown], result.losses[shown], result.smoothed[shown]
    palette = _palette()
    ax.plot(lrs, raw, color=palette["raw"], alpha=0.45, linewidth=1.0, label="loss (raw)")
    ax.plot(lrs, smoothed, color=palette["smoothed"], linewidth=2.2, label="loss (smoothed)")
    reading = _plot_reading(ax, result, shown) if "auto" in names else None
    val = getattr(result, "val_losses", None)
    if val is not None:
        val = np.asarray(val)[shown]
        seen = np.isfinite(val)
        if seen.any():
            ax.plot(
                lrs[seen],
                val[seen],
                color=palette["val_loss"],
                linestyle="--",
                linewidth=1.6,
                marker="." if seen.sum() < 60 else None,
                label="validation loss",
            )
    for i, name in enumerate(names):
        suggestion = result.suggest(name)
        if suggestion.lr is None:
            continue
        style = _style(name, i)
        is_auto = name == "auto"
        text = f"{style['label']}: {format_lr(suggestion.lr)}"
        ax.axvline(
            suggestion.lr,
            color=style["color"],
            linestyle=style["dash"],
            linewidth=2.4 if is_auto else 1.1,
            alpha=1.0 if is_auto else 0.8,
            zorder=4 if is_auto else 3,
        )
        # auto's marker sits on the curve it read (as in the widget); the others on the smoothed loss
        y = _marker_y(suggestion.lr, reading if is_auto else None, result)
        ax.plot(
            [suggestion.lr],
            [y],
            linestyle="none",
            marker=style["marker"],
            color=style["color"],
            markersize=11 if is_auto else 7,
            markeredgecolor="white" if is_auto else style["color"],
            zorder=6 if is_auto else 5,
            label=("★ " if is_auto else "") + text,
        )
    _draw_pick(ax, pick, palette)
    ax.set_xscale("log")
    bounds = _y_range(raw, smoothed)
    if bounds is not None:
        ax.set_ylim(*bounds)
    ax.set_xlabel("learning rate")
    ax.set_ylabel("loss")
    ax.set_title(f"Learning-rate range test ({n} steps, {result.stop_reason})")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="best", fontsize="small", framealpha=0.85)
    return ax


def _checked_pick(pick: Any) -> float | tuple[float, float] | None:
    """``pick`` as a positive finite rate, an ordered pair of them, or None; else a ValueError."""
    if pick is None:
        return None
    if isinstance(pick, tuple | list) and len(pick) == 2:
        lo = _checks.real("pick[0]", pick[0], low=0.0, low_open=True)
        hi = _checks.real("pick[1]", pick[1], low=0.0, low_open=True)
        if not lo < hi:
            raise ValueError(f"pick as a slice must be (lo, hi) with lo < hi, got {tuple(pick)!r}")
        return (lo, hi)
    try:
        return _checks.real("pick", pick, low=0.0, low_open=True)
    except (TypeError, ValueError):
        raise ValueError(f"pick must be a positive rate, a (lo, hi) slice or None, got {pick!r}") from None


def _draw_pick(ax: Axes, pick: float | tuple[float, float] | None, palette: dict[str, str]) -> None:
    if pick is None:
        return
    if isinstance(pick, tuple):
        lo, hi = pick
        label = f"your slice: slice({format_lr(lo)}, {format_lr(hi)})"
        ax.axvspan(lo, hi, color=palette["pick"], alpha=0.18, zorder=1, label=label)
        return
    ax.axvline(pick, color=palette["pick"], linewidth=2.6, zorder=7, label=f"your pick: {format_lr(pick)}")


def _palette() -> dict[str, str]:
    """The registry's colours for the lines and the pick (the palette is written once, there)."""
    return {k: getattr(PALETTE, k) for k in ("raw", "smoothed", "val_loss", "pick")}


__all__ = ["plot_result"]
