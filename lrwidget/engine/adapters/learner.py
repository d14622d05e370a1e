"""An ``lrwidget.Learner``: its model, optimizer, loss (``loss_fn`` or ``step_fn``), train data, device."""

from __future__ import annotations

from typing import Any

import torch

from lrwidget.engine.adapters.parts import SweepParts
from lrwidget.engine.learner import Learner

NAME = "learner"
KEYWORDS: tuple[str, ...] = ("scheduler", "grad_scaler")


def matches(source: Any) -> bool:
    """True for an ``lrwidget.Learner``."""
    return isinstance(source, Learner)


def adapt(learn: Learner, *, scheduler: Any = None, grad_scaler: Any = None) -> SweepParts:
    """The learner's pieces; its ``device`` (when set) is where batches go unless ``device=`` says else."""
    device = torch.device(learn.device) if learn.device is not None else None
    source = "step_fn" if learn.step_fn is not None else "loss_fn"
    return SweepParts(
        learn.model,
        learn.optimizer,
        learn._compute_loss,
        learn.train_data,
        source,
        NAME,
        scheduler,
        grad_scaler,
        device=device,
    )
