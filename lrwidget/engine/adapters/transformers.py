"""A transformers ``Trainer``: its model, ``create_optimizer()``, ``get_train_dataloader()``, its loss.

The loss is ``trainer.compute_loss(model, batch)`` (the model output's ``.loss``, or the trainer's own
rule: label smoothing, a subclass's override). The trainer's ``TrainingArguments`` shape the step as
in ``train()``: ``gradient_accumulation_steps`` becomes ``accumulation_steps``, ``max_grad_norm`` a
clipping ``before_step``, ``fp16``/``bf16`` ``amp`` (each can be overridden by keyword). The trainer is
left as it was: an optimizer ``create_optimizer()`` had to build is not kept on it. transformers is
never imported here, so it is no dependency.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from lrwidget.engine.adapters.parts import SweepParts

NAME = "transformers"
KEYWORDS: tuple[str, ...] = ()


def matches(source: Any) -> bool:
    """True for a ``transformers.Trainer`` (or a subclass), recognised by its class, not imported."""
    return any(
        c.__name__ == "Trainer" and c.__module__.split(".")[0] == "transformers" for c in type(source).__mro__
    )


def _clip(max_norm: float) -> Any:
    def clip_gradients(model: nn.Module, optimizer: Any) -> None:
        nn.utils.clip_grad_norm_(model.parameters(), max_norm)

    return clip_gradients


def step_settings(args: Any) -> dict[str, Any]:
    """The sweep settings a ``TrainingArguments`` implies."""
    defaults: dict[str, Any] = {}
    accumulation = getattr(args, "gradient_accumulation_steps", 1)
    if isinstance(accumulation, int) and accumulation > 1:
        defaults["accumulation_steps"] = accumulation
    max_norm = getattr(args, "max_grad_norm", None)
    if isinstance(max_norm, (int, float)) and max_norm > 0:
        defaults["before_step"] = _clip(float(max_norm))
    if getattr(args, "fp16", False) or getattr(args, "bf16", False):
        defaults["amp"] = True
    return defaults


def adapt(trainer: Any) -> SweepParts:
    """The trainer's model, optimizer, loss and training loader, with the settings its arguments imply."""
    kept = trainer.optimizer
    try:
        optimizer = trainer.create_optimizer()
    finally:
        trainer.optimizer = kept  # train() builds its own, as it would have without the sweep

    def step(model: nn.Module, batch: Any) -> torch.Tensor:
        return trainer.compute_loss(model, batch)

    return SweepParts(
        trainer.model,
        optimizer,
        step,
        trainer.get_train_dataloader(),
        "trainer.compute_loss",
        NAME,
        defaults=step_settings(trainer.args),
    )
