"""What a confirmation did: the candidate rates, each short trial's score, the pick, and what it cost.

``lr_find(..., confirm=k)`` records it in ``result.settings["confirmation"]`` (so it is saved and loaded
with the result as plain JSON); ``result.confirmation`` reads it back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lrwidget.core.formatting import format_lr

__all__ = ["Confirmation"]


@dataclass(frozen=True)
class Confirmation:
    """``candidates`` (lowest first) and their trials' ``scores`` (inf: it diverged), measured on
    ``measure`` ("val" or "train") after ``steps`` one-cycle steps each; ``chosen`` is the best candidate
    (None when all diverged); ``center`` is the rate they were centred on and ``center_method`` whose pick
    it was; ``trial_cpu_seconds`` and ``sweep_cpu_seconds`` are what the trials and the sweep cost."""

    candidates: tuple[float, ...]
    scores: tuple[float, ...]
    steps: int
    measure: str
    chosen: float | None
    center: float
    center_method: str
    trial_cpu_seconds: float
    sweep_cpu_seconds: float

    @property
    def cost_ratio(self) -> float:
        """The trials' CPU time over the sweep's (nan when the sweep's is not known)."""
        return self.trial_cpu_seconds / self.sweep_cpu_seconds if self.sweep_cpu_seconds > 0 else math.nan

    @property
    def edge(self) -> str | None:
        """ "lowest" or "highest" when the best trial is at that end of those tried (the walk's budget ran
        out, or the sweep's range ended there): a better rate may lie beyond. None otherwise."""
        finite = [i for i, s in enumerate(self.scores) if math.isfinite(s)]
        if self.chosen is None or len(self.candidates) < 2 or not finite:
            return None
        best = self.candidates.index(self.chosen)
        if best == 0:
            return "lowest"
        return "highest" if best == len(self.candidates) - 1 else None

    def edge_caveat(self) -> str:
        """The sentence for :attr:`edge` (empty when the best lies inside what was tried)."""
        if self.edge is None:
            return ""
        beyond = "lower" if self.edge == "lowest" else "higher"
        return (
            f"The best trial is the {self.edge} rate tried ({format_lr(self.chosen)}): a {beyond} rate, not "
            f"tried, may be better still."
        )

    def summary(self) -> str:
        """One line a person reads: what was tried, what won, what it cost."""
        tried = ", ".join(
            f"{format_lr(lr)}: {'diverged' if not math.isfinite(s) else f'{s:.4g}'}"
            for lr, s in zip(self.candidates, self.scores, strict=True)
        )
        n = len(self.candidates)
        how = f"{n} trials of {self.steps} one-cycle steps ({self.measure} loss: {tried})"
        cost = f"{self.trial_cpu_seconds:.1f} s CPU"
        if math.isfinite(self.cost_ratio):
            cost += f", {self.cost_ratio:.1f}x the sweep's"
        if self.chosen is None:
            return f"every one of {how} diverged; the curve's pick stands; extra cost {cost}"
        return f"confirmed lr {format_lr(self.chosen)}, the best of {how}; extra cost {cost}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "candidates": list(self.candidates),
            "scores": [s if math.isfinite(s) else None for s in self.scores],
            "steps": self.steps,
            "measure": self.measure,
            "chosen": self.chosen,
            "center": self.center,
            "center_method": self.center_method,
            "trial_cpu_seconds": self.trial_cpu_seconds,
            "sweep_cpu_seconds": self.sweep_cpu_seconds,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Confirmation:
        """Read what ``to_dict`` wrote; ValueError naming what is missing or wrong."""
        try:
            candidates = tuple(float(x) for x in data["candidates"])
            scores = tuple(math.inf if s is None else float(s) for s in data["scores"])
            chosen = data["chosen"]
            made = cls(
                candidates,
                scores,
                int(data["steps"]),
                str(data["measure"]),
                None if chosen is None else float(chosen),
                float(data["center"]),
                str(data["center_method"]),
                float(data["trial_cpu_seconds"]),
                float(data["sweep_cpu_seconds"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"settings['confirmation'] is not a confirmation record ({exc!r})") from None
        if len(made.candidates) != len(made.scores):
            raise ValueError("settings['confirmation'] has a different number of candidates and scores")
        if made.chosen is not None and made.chosen not in made.candidates:
            raise ValueError(f"settings['confirmation']: chosen {made.chosen!r} is not one of its candidates")
        return made
