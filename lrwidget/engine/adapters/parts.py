"""``SweepParts``: what every adapter hands the sweep loop."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from lrwidget.engine.batches import StepFn


@dataclass
class SweepParts:
    """A trainer seen by the sweep.

    model, optimizer : trained for real, restored afterwards (a torch or a fastai optimizer).
    step : ``step(model, batch) -> loss tensor`` for one micro-batch.
    data : the training batches (cycled).
    loss_source : how errors name the loss (``loss_fn``, ``training_step``, ...).
    kind : the adapter's name, recorded in ``result.settings['source']``.
    scheduler, grad_scaler : the user's, captured and restored too (None: none).
    defaults : settings the trainer implies (its accumulation, clipping, mixed precision, device);
        the user's keywords override them.
    device : where batches go when ``device=`` is not given (None: the model's first parameter's).
    context : a context manager factory entered around the whole sweep (None: none), e.g. to silence a
        trainer's "not attached" warnings.
    """

    model: nn.Module
    optimizer: Any
    step: StepFn
    data: Iterable[Any]
    loss_source: str
    kind: str
    scheduler: Any = None
    grad_scaler: Any = None
    defaults: dict[str, Any] = field(default_factory=dict)
    device: torch.device | None = None
    context: Callable[[], AbstractContextManager[Any]] | None = None
