"""The header as a pure function of the widget's state: ``render(HeaderState) -> HeaderView`` (HTML strings).

Being pure, it cannot fall out of step with the state: it says what the status, the last step, the
result and the recommended suggestion say, and nothing else. The last step is part of the state, so a
re-render at the end of a long sweep never flashes back to "starting…".
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lrwidget.core.events import StepEvent
from lrwidget.core.result import RangeTestResult
from lrwidget.core.suggest import turned_up  # core's notion of "the loss turned up"
from lrwidget.core.suggestion import Suggestion, confidence_word
from lrwidget.widget.registry import PALETTE, format_lr, method_label


@dataclass(frozen=True)
class HeaderState:
    """Everything the header shows."""

    status: str = "idle"  # idle, running, done, stopped, diverged, error
    live: bool = True  # False: a replayed result (no Run button)
    num_it: int = 100
    progress: float = 0.0
    last: StepEvent | None = None  # the last step drawn while running
    stop_reason: str | None = None
    points: int = 0
    elapsed: float | None = None
    error: str = ""
    note: str = ""  # the result's own error text (a failed step after which it was kept)
    recommended: Suggestion | None = None
    caveats: tuple[str, ...] = field(default=())  # any the state adds, after the suggestion's
    shared_caveats: tuple[str, ...] = field(default=())  # those every method carries: about the sweep
    turned_up: bool = False  # core's verdict: the loss rose again after its minimum
    best_loss: float | None = None  # the smoothed curve's minimum and last value
    last_loss: float | None = None
    stop_div: bool | None = None  # whether the stop rule was on (None: unknown)
    div_factor: float | None = None  # the stop rule: the smoothed loss above this x its best


@dataclass(frozen=True)
class HeaderView:
    """The header's parts: the badge, the info line, a message under it, the progress bar's style."""

    badge: str
    info: str
    message: str
    bar_style: str
    progress: float


def shared_caveats(best: Suggestion | None, suggestions: Mapping[str, Suggestion]) -> tuple[str, ...]:
    """The recommended suggestion's caveats that every method carries: about the sweep, not the pick."""
    if best is None:
        return ()
    return tuple(c for c in best.caveats if all(c in s.caveats for s in suggestions.values()))


def ending_facts(result: RangeTestResult | None) -> dict[str, Any]:
    """What the header says about a completed sweep's ending (HeaderState fields): whether the loss
    turned up (core's rule, on the smoothed curve), its best and last value, and the stop rule."""
    if result is None or len(result) == 0 or result.stop_reason != "completed":
        return {}
    smoothed = result.smoothed[np.isfinite(result.smoothed)]
    if smoothed.size == 0:
        return {}
    div, stop_div = result.settings.get("div_factor"), result.settings.get("stop_div")
    return {
        "turned_up": bool(turned_up(smoothed)),
        "best_loss": float(smoothed.min()),
        "last_loss": float(smoothed[-1]),
        "stop_div": stop_div if isinstance(stop_div, bool) else None,
        "div_factor": float(div) if isinstance(div, (int, float)) and not isinstance(div, bool) else None,
    }


def status_color(status: str) -> str:
    """Badge colour (the registry's): a diverged sweep is the normal ending, drawn as done; a stop is
    neutral."""
    return PALETTE.status(status)


def bar_style(status: str) -> str:
    """The progress bar's ipywidgets style for ``status``."""
    return {"error": "danger", "done": "success", "diverged": "success", "running": "info"}.get(status, "")


def fmt_num(x: float | None, digits: int = 4) -> str:
    """A loss-like number with ``digits`` significant digits; ``-`` for None or NaN."""
    if x is None or math.isnan(x):
        return "-"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.{digits}g}"


def fmt_seconds(s: float | None) -> str:
    """A duration as ``12 s`` / ``3 min 05 s``; ``-`` when unknown."""
    if s is None or not math.isfinite(s) or s < 0:
        return "-"
    if s < 60:
        return f"{s:.0f} s" if s >= 10 else f"{s:.1f} s"
    m, sec = divmod(round(s), 60)
    return f"{m} min {sec:02d} s"


ENDED_EARLY = ("cancelled", "interrupted", "error")
LEVELS = ("low", "medium", "high")


def confidence_words(s: Suggestion, most: str = "high") -> str:
    """Confidence as a person reads it: low / medium / high (core's calibrated words, at most ``most``),
    then auto's score (0-1, not a percentage: it is a calibrated rank), whether the word was capped, and
    the methods' spread."""
    c = float(s.confidence or 0.0)
    word = confidence_word(c)  # core's calibrated words (the benchmark's terciles), written once there
    level = LEVELS[min(LEVELS.index(word), LEVELS.index(most))]
    capped = ", capped for a partial curve" if level != word else ""
    spread = s.params.get("spread_decades")
    span = f", methods span {spread:.1f} decades" if isinstance(spread, (int, float)) else ""
    return f"{level} confidence: score {c:.2f}{capped}{span}"


def most_confidence(state: HeaderState) -> str:
    """The highest word the state allows: 'low' for a sweep that ended early (the pick is provisional),
    'medium' for one whose curve core calls partial (its caveats every method shares), else 'high'."""
    if state.stop_reason in ENDED_EARLY:
        return "low"
    return "medium" if state.shared_caveats else "high"


def _running(state: HeaderState) -> str:
    ev = state.last
    if ev is None:
        return f"starting… (0 / {state.num_it} steps)"
    done = ev.step + 1
    left = ev.elapsed / done * (ev.num_it - done) if done else float("nan")
    return (
        f"step <b>{done}</b> / {ev.num_it} · {fmt_seconds(left)} left · lr <b>{format_lr(ev.lr)}</b> · "
        f"loss <b>{fmt_num(ev.loss)}</b> (smoothed {fmt_num(ev.smoothed)})"
    )


def _turned_up(state: HeaderState) -> str:
    """What a completed sweep whose loss turned up did, in words (empty when it did not turn up)."""
    if not state.turned_up:
        return ""
    rise = ""
    if state.best_loss is not None and state.last_loss is not None:
        rise = f" ({fmt_num(state.best_loss, 3)} → {fmt_num(state.last_loss, 3)})"
    rule = ""
    if state.stop_div is False:
        rule = " (stop_div was off)"
    elif state.stop_div and state.div_factor is not None:
        rule = f"; it did not reach the stop rule ({state.div_factor:g}× its best)"
    return f"; the loss turned up{rise}, as a range test should end{rule}"


def _ending(state: HeaderState) -> str:
    n = state.points
    took = f" in {fmt_seconds(state.elapsed)}" if state.elapsed else ""
    return {
        "completed": f"completed all {n} steps{took}{_turned_up(state)}",
        "diverged": f"done: the loss diverged at step {n}{took}, as a range test should end",
        "non_finite": f"done: the loss became non-finite at step {n}{took}",
        "cancelled": f"stopped by you after {n} of {state.num_it} steps; the model was restored",
        "interrupted": f"interrupted after {n} of {state.num_it} steps; the model was restored",
        "error": f"failed after {n} steps; the model was restored",
    }.get(state.stop_reason or "", state.stop_reason or "")


def _recommendation(state: HeaderState) -> str:
    s = state.recommended
    if s is None:
        return ""
    label = html.escape(method_label(s.method))
    if s.lr is None:
        return f" · {label}: no answer (its reason is on its legend chip)"
    text = f" · {label} suggests <b>{format_lr(s.lr)}</b>"
    if s.confidence is not None and math.isfinite(s.confidence):
        text += f" ({confidence_words(s, most_confidence(state))})"
    return text


#: The info line's two rows (what happens or happened; what is suggested). The widget reserves their
#: height, so the loss pane below never moves as a sweep starts, runs and ends.
INFO_ROWS = 2


ROW_PX = 20  # each row's height (an empty one keeps it too)


_TAG = re.compile(r"<[^>]+>")


def _rows(first: str, second: str = "") -> str:
    """The two rows, each one line high whatever the width: a row too long for it ends in an ellipsis
    and shows in full on hover (its ``title``)."""
    style = (
        f"line-height:{ROW_PX}px;height:{ROW_PX}px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis"
    )
    return "".join(
        f"<div class='lrw-info-row' style='{style}' "
        f"title='{html.escape(html.unescape(_TAG.sub('', row)), quote=True)}'>{row}</div>"
        for row in (first, second)
    )


def _info(state: HeaderState) -> str:
    if state.status == "running":
        return _rows(_running(state))
    if state.stop_reason is None or state.points == 0:
        if state.status == "idle":
            return _rows(f"ready: {state.num_it} steps, press Run (or call start())")
        return _rows("")
    return _rows(_ending(state), _recommendation(state).removeprefix(" · "))


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def _sentences(text: str) -> list[str]:
    """``text`` cut into sentences (a sentence ends with . ! or ? before a capital letter)."""
    return [t.strip() for t in _SENTENCE_END.split(text) if t.strip()]


def _notes(state: HeaderState) -> tuple[list[str], list[str]]:
    """The caveats under the info line, most important first, each sentence once: ``(facts, advice)``.

    A caveat's first sentence says what is wrong (a fact); the sentences after it say what to do (advice).
    Facts come in this order: the recommended pick's own caveats (core's, e.g. "no descent to read: the
    pick is a guess"), then those every method shares (about the sweep, e.g. "stopped before the loss
    turned up"), then any the state adds. The advice of all of them is gathered once, after the facts.
    """
    rec = state.recommended
    own = rec.caveats if rec is not None else ()
    ordered = (
        *(c for c in own if c not in state.shared_caveats),
        *(c for c in own if c in state.shared_caveats),
        *state.shared_caveats,
        *state.caveats,
    )
    facts: list[str] = []
    advice: list[str] = []
    for caveat in dict.fromkeys(c for c in ordered if c):
        first, *rest = _sentences(caveat) or [caveat]
        if first not in facts:
            facts.append(first)
        advice.extend(t for t in rest if t not in advice and t not in facts)
    return facts, advice


def _note_html(facts: list[str], advice: list[str], note: str) -> str:
    """The caveats as compact lines: one per fact, then one line of what to do."""
    style = "font-size:12px;opacity:.85"
    lines = [f"<div class='lrw-caveat' style='{style}'>⚠ {html.escape(t)}</div>" for t in facts]
    if advice:
        lines.append(
            f"<div class='lrw-advice' style='{style};padding-left:1.2em'>"
            f"→ {html.escape(' '.join(advice))}</div>"
        )
    if note:
        lines.append(f"<div class='lrw-caveat' style='{style}'>⚠ {html.escape(note)}</div>")
    return "".join(lines)


def render(state: HeaderState) -> HeaderView:
    """The header for ``state`` (HTML strings; every user-supplied text escaped)."""
    label = "replay" if (state.status in ("done", "diverged") and not state.live) else state.status
    badge = (
        f"<span style='display:inline-block;padding:2px 10px;border-radius:10px;"
        f"background:{status_color(state.status)};color:white;font-weight:bold'>{html.escape(label)}</span>"
    )
    if state.status == "error" and state.error:
        message = (
            f"<div style='color:{PALETTE.status_error};font-family:var(--jp-code-font-family,monospace);"
            f"font-size:12px;white-space:pre-wrap'>{html.escape(state.error)}</div>"
        )
    else:
        message = _note_html(*_notes(state), state.note)
    progress = min(1.0, max(0.0, state.progress))
    return HeaderView(badge, _info(state), message, bar_style(state.status), progress)


__all__ = [
    "INFO_ROWS",
    "ROW_PX",
    "HeaderState",
    "HeaderView",
    "confidence_words",
    "ending_facts",
    "fmt_num",
    "fmt_seconds",
    "render",
    "shared_caveats",
]
