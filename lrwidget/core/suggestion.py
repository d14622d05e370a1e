"""The answer every suggester gives: a learning rate inside the swept range, or ``None`` and a reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Words for ``Suggestion.confidence``, highest first: a confidence at or above the bound earns the word,
#: below the last bound it is "low". The bounds are the terciles of auto's confidence over the benchmark's
#: 360 curves (docs/suggestion_quality.md): the low third held 29 of the 43 catastrophic picks (10 of 12
#: on the held-out families), the high third 1.
CONFIDENCE_LEVELS: tuple[tuple[str, float], ...] = (("high", 0.90), ("medium", 0.85))


def confidence_word(confidence: float | None) -> str:
    """The word for a confidence in [0, 1] by ``CONFIDENCE_LEVELS``; None or nan: "low"."""
    c = -1.0 if confidence is None else float(confidence)
    for word, bound in CONFIDENCE_LEVELS:
        if c >= bound:  # nan compares False: "low"
            return word
    return "low"


@dataclass(frozen=True)
class SlideStep:
    """One position of the slide rule's interval, in non-negative indices of the curve.

    ``diff`` is ``|g[right] - g[left]|``; ``moves`` is True when ``diff > threshold`` (the
    interval slides on) and False at the position where it stops.
    """

    left: int
    right: int
    diff: float
    threshold: float
    moves: bool


@dataclass(frozen=True)
class Suggestion:
    """A suggested learning rate, or ``lr=None`` with ``reason`` saying why there is none.

    ``index`` is the position in the (cut) curve the pick comes from; ``trace`` is filled by the
    slide rule only: every interval it visited, right to left, the last being where it stopped.
    ``confidence`` in [0, 1] is set by suggesters that can judge themselves (``auto``). ``caveats`` are
    plain sentences a person should read before trusting the pick (e.g. the sweep ended before the loss
    turned up, so the curve may be partial).
    """

    method: str
    lr: float | None
    index: int | None = None
    reason: str = ""
    params: dict[str, Any] = field(default_factory=dict, repr=False)  # long: read them by name
    trace: tuple[SlideStep, ...] = field(default=(), repr=False)
    confidence: float | None = None
    caveats: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when there is a learning rate to use."""
        return self.lr is not None


class SlicePick(tuple[float, float]):
    """``(lo, hi)`` for ``slice(lo, hi)``, a plain pair to unpack or compare, that also carries the
    suggestion ``hi`` came from: its ``confidence`` and ``caveats`` (e.g. the sweep was partial)."""

    suggestion: Suggestion

    def __new__(cls, lo: float, hi: float, suggestion: Suggestion) -> SlicePick:
        pair = super().__new__(cls, (float(lo), float(hi)))
        pair.suggestion = suggestion
        return pair

    @property
    def lo(self) -> float:
        return self[0]

    @property
    def hi(self) -> float:
        return self[1]

    @property
    def confidence(self) -> float | None:
        return self.suggestion.confidence

    @property
    def caveats(self) -> tuple[str, ...]:
        return self.suggestion.caveats
