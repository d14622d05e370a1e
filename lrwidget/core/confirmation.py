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

    def summary(self) -> str:
        """One line a person reads: what was tried, what won, what it cost."""
        tried = ", ".join(
            f"{format_lr(lr)}: {'diverged' if not math.isfinite(s) else f'{s:.4g}'}"
            for lr, s in zip(self.candidates, self.scores, strict=True)
        )
        won = "every trial diverged" if self.chosen is None else f"confirmed lr {format_lr(self.chosen)}"
        cost = f"{self.trial_cpu_seconds:.1f} s CPU"
        if math.isfinite(self.cost_ratio):
            cost += f", {self.cost_ratio:.1f}x the sweep's"
        return (
            f"{won} by {len(self.candidates)} trials of {self.steps} one-cycle steps ({self.measure} loss: "
            f"{tried}); extra cost {cost}"
        )

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
        return made
