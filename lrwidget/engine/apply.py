"""``apply_lr``: write a chosen learning rate (or a discriminative slice) into an optimizer."""

from __future__ import annotations

from typing import Any

from lrwidget.engine.learner import LrSpec, spread_lr
from lrwidget.engine.optim import OptimizerView


def apply_lr(optimizer: Any, lr: LrSpec) -> list[float]:
    """Set every param group's learning rate and return the rates set, first group first.

    ``lr`` a number: every group gets it. ``slice(lo, hi)`` (or ``(lo, hi)``): spread geometrically from
    the first group (``lo``) to the last (``hi``), as fastai's ``even_mults``; one group gets ``hi``;
    ``slice(None, hi)``: ``hi / 10`` for every group but the last. Works on torch optimizers and fastai's
    (a tensor lr, as capturable optimizers hold, is filled in place). ``lr=None`` (nothing picked yet)
    is a TypeError that says so.
    """
    view = OptimizerView(optimizer)
    lrs = spread_lr(lr, len(view.groups))
    view.set_lrs(lrs)
    return lrs
