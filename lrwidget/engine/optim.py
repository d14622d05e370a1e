"""The little the sweep needs from an optimizer, for torch optimizers and fastai's alike.

The sweep sets each group's learning rate, steps, and reads the groups' starting rates. torch keeps
hyperparameters in ``param_groups`` (dicts with ``params``); fastai's ``Optimizer`` in ``hypers`` (dicts
without) next to ``param_lists``. Both are mutated in place, so setting ``group["lr"]`` works for both.
"""

from __future__ import annotations

import math
from collections.abc import MutableMapping
from typing import Any

import torch


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
        """Every group's learning rate now; ValueError naming ``optimizer`` unless finite and >= 0."""
        lrs = []
        for i, g in enumerate(self.groups):
            if "lr" not in g:
                raise ValueError(f"optimizer param group {i} has no 'lr' hyperparameter to sweep")
            lr = float(g["lr"])
            if not math.isfinite(lr) or lr < 0:
                raise ValueError(f"optimizer param group {i} has lr={lr}; an lr must be finite and >= 0")
            lrs.append(lr)
        return lrs

    def set_lrs(self, values: list[float]) -> None:
        """Set each group's learning rate (a tensor lr, as capturable optimizers hold, is filled in place)."""
        for g, v in zip(self.groups, values, strict=True):
            lr = g["lr"]
            if isinstance(lr, torch.Tensor):
                lr.fill_(v)
            else:
                g["lr"] = v
