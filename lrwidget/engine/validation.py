"""Validation loss during the sweep: a few fixed held-out batches, evaluated every ``val_every`` steps.

The batches are drawn once, at the start, and reused: every evaluation then measures the same samples,
so the validation curve moves with the learning rate and not with which batches were drawn (and a
shuffling loader draws from its generator once, inside the snapshot, which puts it back afterwards).
torch-lr-finder evaluates its whole ``val_loader`` every step; this costs ``val_batches`` forward passes
per evaluated step instead (``benchmarks/bench_engine.py`` reports it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
from torch import nn

from lrwidget.engine.batches import StepFn, to_device
from lrwidget.engine.snapshot_data import RandomState, data_generators


class Validator:
    """Mean loss of ``model`` over the first ``n_batches`` batches of ``data``, in eval mode, no grad."""

    def __init__(
        self,
        model: nn.Module,
        data: Iterable[Any],
        compute_loss: StepFn,
        device: torch.device,
        n_batches: int,
        autocast: Any = None,
    ) -> None:
        self.model, self.compute_loss, self.autocast = model, compute_loss, autocast
        self.batches = []
        drawn = RandomState(data_generators(data))
        try:
            for batch in data:
                self.batches.append(to_device(batch, device))
                if len(self.batches) == n_batches:
                    break
        finally:
            drawn.restore()  # the training run draws the same random numbers as without val_data
        if not self.batches:
            raise ValueError("val_data yielded no batches: it must yield at least one")
        self._modes = [(m, m.training) for m in model.modules()]

    def __call__(self) -> torch.Tensor:
        """The mean loss as a 0-d tensor (read by the caller, with the step's own host read)."""
        self.model.eval()
        try:
            with torch.no_grad():
                total = None
                for batch in self.batches:
                    if self.autocast is None:
                        loss = self.compute_loss(self.model, batch)
                    else:
                        with self.autocast():
                            loss = self.compute_loss(self.model, batch)
                    if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
                        raise TypeError("the loss on val_data must be a one-element tensor")
                    loss = loss.detach().float().reshape(())
                    total = loss if total is None else total + loss
        finally:
            for m, training in self._modes:  # back to the modes of the training step
                m.training = training
        return total / len(self.batches)  # type: ignore[operator,return-value]
