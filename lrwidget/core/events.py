"""What the engine reports after every step, and why a sweep ended. Torch-free, so the widget can use it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

StopReason = Literal["completed", "diverged", "non_finite", "cancelled", "error", "interrupted"]
STOP_REASONS: tuple[str, ...] = ("completed", "diverged", "non_finite", "cancelled", "error", "interrupted")


@dataclass(frozen=True)
class StepEvent:
    """One optimizer step of the sweep: sent to ``on_step`` from the sweep's thread."""

    step: int  # 0-based index of the step just recorded
    num_it: int  # steps planned
    lr: float  # learning rate of the first parameter group at this step
    loss: float  # raw loss of this step (mean over micro-batches / ranks)
    smoothed: float  # bias-corrected exponential moving average up to this step
    elapsed: float  # seconds since the sweep started
