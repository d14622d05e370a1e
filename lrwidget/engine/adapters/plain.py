"""A plain PyTorch model: ``lr_find(model, optimizer, loss_fn, train_data)``.

Batches ``(inputs..., target)`` give ``loss_fn(model(*inputs), target)``; dicts with ``x``/``y``,
``input``/``target`` or ``inputs``/``targets`` too; ``step_fn(model, batch) -> loss`` replaces the
convention (then ``loss_fn`` may be None), e.g. ``step_fn=lambda m, b: m(**b).loss``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import nn

from lrwidget.engine.adapters.parts import SweepParts
from lrwidget.engine.batches import StepFn, check_data, make_loss_fn

NAME = "plain"
KEYWORDS: tuple[str, ...] = ("optimizer", "loss_fn", "train_data", "step_fn", "scheduler", "grad_scaler")


def matches(source: Any) -> bool:
    """True for any ``nn.Module`` (checked after the trainers that are modules too)."""
    return isinstance(source, nn.Module)


def adapt(
    model: nn.Module,
    optimizer: Any = None,
    loss_fn: Callable[..., torch.Tensor] | None = None,
    train_data: Iterable[Any] | None = None,
    *,
    step_fn: StepFn | None = None,
    scheduler: Any = None,
    grad_scaler: Any = None,
) -> SweepParts:
    """The model as given, its optimizer, the loss from ``loss_fn`` or ``step_fn``, ``train_data``."""
    if optimizer is None:
        raise TypeError("lr_find(model, ...) needs optimizer: lr_find(model, optimizer, loss_fn, train_data)")
    if train_data is None:
        raise TypeError(
            "lr_find(model, ...) needs train_data: lr_find(model, optimizer, loss_fn, train_data)"
        )
    check_data(train_data)
    step = make_loss_fn(loss_fn, step_fn)
    source = "step_fn" if step_fn is not None else "loss_fn"
    return SweepParts(model, optimizer, step, train_data, source, NAME, scheduler, grad_scaler)
