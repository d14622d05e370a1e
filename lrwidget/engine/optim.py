"""The little the sweep needs from an optimizer, for torch optimizers and fastai's alike.

The sweep sets each group's learning rate, steps, and reads the groups' starting rates. torch keeps
hyperparameters in ``param_groups`` (dicts with ``params``); fastai's ``Optimizer`` in ``hypers`` (dicts
without) next to ``param_lists``. Both are mutated in place, so setting ``group["lr"]`` works for both.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import torch

from lrwidget.core import _checks


class OptimizerView:
    """Uniform access to a torch ``Optimizer`` or a fastai ``Optimizer`` (duck-typed, never imported)."""

    def __init__(self, optimizer: Any) -> None:
        if isinstance(optimizer, torch.optim.Optimizer):
            self.is_torch = True
            self.groups: list[MutableMapping[str, Any]] = list(optimizer.param_groups)
            self.params = [p for g in self.groups for p in g["params"]]
        elif all(hasattr(optimizer, name) for name in ("hypers", "param_lists", "step")):
            self.is_torch = False
            self.groups = list(optimizer.hypers)
            self.params = [p for group in optimizer.param_lists for p in group]
        else:
            kind = type(optimizer).__name__
            raise TypeError(f"optimizer must be a torch.optim.Optimizer (or a fastai Optimizer), got {kind}")
        self.optimizer = optimizer
        if not self.groups or not self.params:
            raise ValueError("optimizer has no parameters to update")

    def base_lrs(self) -> list[float]:
        """Every group's learning rate now; TypeError/ValueError naming the group unless a number >= 0."""
        lrs = []
        for i, g in enumerate(self.groups):
            name = f"optimizer.param_groups[{i}]['lr']"
            if "lr" not in g:
                raise ValueError(f"{name} is missing: the group has no learning rate to sweep")
            lr = g["lr"]
            if isinstance(lr, torch.Tensor) and lr.numel() == 1:
                lr = lr.item()
            if lr is None:
                raise TypeError(f"{name} is None; every group needs a learning rate (a number >= 0)")
            lrs.append(_checks.real(name, lr, low=0.0))
        return lrs

    def set_lrs(self, values: list[float]) -> None:
        """Set each group's learning rate (a tensor lr, as capturable optimizers hold, is filled in place)."""
        for g, v in zip(self.groups, values, strict=True):
            lr = g["lr"]
            if isinstance(lr, torch.Tensor):
                lr.fill_(v)
            else:
                g["lr"] = v
