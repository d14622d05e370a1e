"""Adapters: each turns one kind of trainer into what the sweep loop needs (model, optimizer, step, data).

One small module per source, side by side: ``plain`` (a model with optimizer, loss_fn and train_data),
``learner`` (``lrwidget.Learner``), ``fastai``, ``lightning`` and ``transformers`` (neither library is
imported unless such an object is passed). ``find_adapter(source)`` picks the module; its
``adapt(source, *args, **options)`` returns ``SweepParts``.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from lrwidget.engine.adapters import fastai, learner, lightning, plain, transformers
from lrwidget.engine.adapters.fastai import FastaiLearner, as_learner, is_fastai_learner
from lrwidget.engine.adapters.parts import SweepParts

# most specific first: a LightningModule is an nn.Module too
ADAPTERS: tuple[ModuleType, ...] = (learner, fastai, lightning, transformers, plain)
SOURCES = (
    "an nn.Module followed by optimizer, loss_fn and train_data, an lrwidget.Learner, a fastai Learner, "
    "a Lightning LightningModule or a transformers Trainer"
)


def find_adapter(source: Any) -> ModuleType:
    """The adapter module for ``source``; TypeError listing what is accepted when none fits."""
    for adapter in ADAPTERS:
        if adapter.matches(source):
            return adapter
    raise TypeError(f"source must be {SOURCES}; got {type(source).__name__}")


__all__ = ["ADAPTERS", "FastaiLearner", "SweepParts", "as_learner", "find_adapter", "is_fastai_learner"]
