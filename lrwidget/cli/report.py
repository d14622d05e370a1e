"""A range test as text for a terminal: the curve's summary, the suggestions table, the caveats.

Numpy only (no torch): ``lrwidget show`` prints saved results with it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from lrwidget.core.formatting import format_lr
from lrwidget.core.result import RangeTestResult
from lrwidget.core.suggestion import CONFIDENCE_LEVELS, Suggestion, confidence_word

WIDTH = 100
RECOMMENDED = "auto"  # what result.suggest() answers with: the default pick
MARK = "*"

STOPPED = {
    "completed": "reached the last lr without the stop rule firing",
    "diverged": "the smoothed loss passed the stop rule's multiple of its best",
    "non_finite": "the loss became NaN or infinite",
    "cancelled": "stopped by hand before the last lr",
    "error": "an exception ended the sweep",
    "interrupted": "interrupted (Ctrl-C) before the last lr",
}

LEGEND = (
    f"{MARK} the recommendation: auto, the default pick (best of the rules on held-out task families of "
    "the benchmark, docs/suggestion_quality.md).",
    "step: where on the curve the method read its pick (0 = the first of the sweep's steps).",
    "confidence: auto's calibrated 0-1 score ("
    + ", ".join(f"{word} >= {bound:.2f}" for word, bound in CONFIDENCE_LEVELS)
    + ", low below); on the benchmark's held-out task families the low picks held most of the "
    "catastrophic ones: when it says low, look at the plot.",
)


def fmt_lr(lr: float | None) -> str:
    """A learning rate in three significant digits, or '-' for none."""
    return "-" if lr is None else f"{format_lr(lr)}"


def summary_lines(result: RangeTestResult) -> list[str]:
    """A few lines on the curve: points, span, why it stopped, the raw and smoothed loss, the time."""
    n = len(result)
    planned = result.settings.get("num_it", n)
    stop = result.stop_reason
    why = STOPPED.get(stop, "")
    if stop == "diverged" and "div_factor" in result.settings:
        why = f"the smoothed loss passed {result.settings['div_factor']:g} x its best"
    lines = [f"points       {n} of {planned}"]
    if n == 0:
        return [*lines, f"stop reason  {stop}" + (f" ({result.error})" if result.error else "")]
    lines += [
        f"lr range     {fmt_lr(float(result.lrs[0]))} .. {fmt_lr(float(result.lrs[-1]))}",
        f"stop reason  {stop}: {why}" + (f" ({result.error})" if result.error else ""),
    ]
    raw = np.where(np.isfinite(result.losses), result.losses, np.nan)
    if np.isfinite(raw).any():
        low = int(np.nanargmin(raw))
        lines.append(
            f"raw loss     first {raw[0]:.4g}, lowest {raw[low]:.4g} at lr {fmt_lr(float(result.lrs[low]))}, "
            f"last {result.losses[-1]:.4g}"
        )
    finite = np.isfinite(result.smoothed)
    if finite.any():
        best = int(np.flatnonzero(finite)[np.argmin(result.smoothed[finite])])
        lines.append(
            f"best loss    {result.smoothed[best]:.4g} at lr {fmt_lr(float(result.lrs[best]))} "
            "(smoothed: the curve the suggesters read)"
        )
    if result.elapsed is not None:
        lines.append(f"time         {float(np.max(result.elapsed)):.2f} s")
    return lines


def suggestion_table(suggestions: Mapping[str, Suggestion], width: int = WIDTH) -> list[str]:
    """Every suggestion as a row (the recommendation marked), the legend, then the caveats to read."""
    rows = [("", "method", "lr", "step", "confidence", "note")]
    for name, s in suggestions.items():
        confidence = "" if s.confidence is None else f"{s.confidence:.2f} {confidence_word(s.confidence)}"
        note = f"no pick: {s.reason}" if s.lr is None else ""
        step = "-" if s.index is None else str(s.index)
        rows.append((MARK if name == RECOMMENDED else "", name, fmt_lr(s.lr), step, confidence, note))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    indent = sum(widths) + 2 * len(widths)
    lines = []
    for r in rows:
        wrapped = textwrap.wrap(r[5], width=max(30, width - indent)) or [""]
        lines.append("  ".join([*(c.ljust(w) for c, w in zip(r[:5], widths, strict=True)), wrapped[0]]))
        lines.extend(" " * indent + more for more in wrapped[1:])
    lines = [line.rstrip() for line in lines]
    lines.insert(1, "-" * min(width, max(len(line) for line in lines)))
    lines.append("")
    for text in LEGEND:
        lines.extend(textwrap.wrap(text, width=width, subsequent_indent="  "))
    return [*lines, *caveat_lines(suggestions, width)]


def caveat_lines(suggestions: Mapping[str, Suggestion], width: int = WIDTH) -> list[str]:
    """The suggestions' caveats (each sentence once), under a heading; none: no lines."""
    found: dict[str, list[str]] = {}
    for name, s in suggestions.items():
        for caveat in s.caveats:
            found.setdefault(caveat, []).append(name)
    if not found:
        return []
    lines = ["", "Read before trusting a pick:"]
    for caveat, names in found.items():
        who = names[0] if len(names) == 1 else ", ".join(names)
        lines.extend(textwrap.wrap(f"- ({who}) {caveat}", width=width, subsequent_indent="  "))
    return lines


def recommendation_line(result: RangeTestResult) -> str:
    """One line: the rate to train with, or why there is none."""
    pick = result.suggest()
    if pick.lr is None:
        return f"no recommendation: {pick.reason}"
    confidence = "" if pick.confidence is None else f", confidence {pick.confidence:.2f}"
    confirmed = result.confirmation
    if confirmed is not None and confirmed.chosen == pick.lr:
        trials = f"{len(confirmed.candidates)} trials"
        return f"recommended lr {format_lr(pick.lr)} ({pick.method}, confirmed by {trials}{confidence})"
    return f"recommended lr {format_lr(pick.lr)} ({pick.method}{confidence})"


def overview_table(results: Sequence[tuple[Path, RangeTestResult]], width: int = WIDTH) -> list[str]:
    """Several saved results, one line each: points, stop reason, the recommendation and its caveats."""
    rows = [("file", "points", "stopped", "auto lr", "confidence", "caveats")]
    for path, result in results:
        pick = result.suggest()
        confidence = "" if pick.confidence is None else f"{pick.confidence:.2f}"
        rows.append(
            (
                str(path),
                str(len(result)),
                result.stop_reason,
                fmt_lr(pick.lr),
                confidence,
                str(len(pick.caveats)) if pick.lr is not None else f"no pick: {pick.reason}",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = [
        "  ".join([*(c.ljust(w) for c, w in zip(r[:5], widths, strict=True)), r[5]]).rstrip() for r in rows
    ]
    lines.insert(1, "-" * min(width, max(len(line) for line in lines)))
    return lines
