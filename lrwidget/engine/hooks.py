"""One optimizer step of the sweep, with the user's hooks: accumulation, AMP, ``before_step``, closures.

Order inside a step: set every group's lr, drop the gradients, forward/backward over the micro-batches,
``scaler.unscale_`` (under a GradScaler), ``before_step(model, optimizer)``, ``optimizer.step()``.
So ``before_step`` sees true (unscaled) gradients: ``clip_grad_norm_`` there clips what the step uses.

Closure optimizers (``torch.optim.LBFGS``, whose ``step`` needs a closure) get one: it re-evaluates the
same micro-batch, backward and ``before_step`` included, each time the optimizer calls it.

A step the GradScaler skips (inf/NaN gradients under float16) changed no weight: ``StepOutcome.skipped``
says so, and the loop neither records it nor advances the ladder.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from lrwidget.engine.batches import StepFn, check_loss, to_device
from lrwidget.engine.optim import OptimizerView

BeforeStep = Callable[[nn.Module, Any], Any]


def needs_closure(optimizer: Any) -> bool:
    """True when ``optimizer.step`` has a ``closure`` parameter without a default (LBFGS).
    Read once per step function (``inspect.signature`` costs more than a whole tiny training step)."""
    step = optimizer.step
    function = getattr(step, "__func__", None)  # a bound method: the class's function, cacheable
    if function is None:
        return _needs_closure(step)
    known = _CLOSURE.get(function)
    if known is None:
        known = _CLOSURE[function] = _needs_closure(step)
    return known


_CLOSURE: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()


def _needs_closure(step: Any) -> bool:
    try:
        parameters = inspect.signature(step).parameters
    except (TypeError, ValueError):
        return False
    closure = parameters.get("closure")
    return closure is not None and closure.default is inspect.Parameter.empty


@dataclass
class StepOutcome:
    """The step's mean loss (a tensor: not read here) and, under a GradScaler, its found-inf flag."""

    loss: torch.Tensor
    found_inf: torch.Tensor | None = None


class OptimizerStep:
    """Callable ``step(lr) -> StepOutcome``: one optimizer step at learning rate ``lr`` (reference group).

    ``ratios`` keep every group at its starting proportion to the reference group. ``params`` are the
    gradients to drop before each step (the model's and the optimizer's).
    """

    def __init__(
        self,
        model: nn.Module,
        view: OptimizerView,
        params: list[torch.Tensor],
        ratios: list[float],
        batches: Iterator[Any],
        compute_loss: StepFn,
        loss_source: str,
        device: torch.device,
        accumulation_steps: int = 1,
        autocast: Callable[[], Any] | None = None,
        scaler: Any = None,
        before_step: BeforeStep | None = None,
    ) -> None:
        self.model, self.view, self.ratios, self.batches = model, view, ratios, batches
        self.params = params
        self.compute_loss, self.loss_source, self.device = compute_loss, loss_source, device
        self.accumulation_steps, self.autocast, self.scaler = accumulation_steps, autocast, scaler
        self.before_step = before_step
        self.closure = needs_closure(view.optimizer)
        if self.closure and accumulation_steps > 1:
            raise ValueError(
                "accumulation_steps must be 1 with a closure optimizer (LBFGS re-evaluates one batch)"
            )
        if self.closure and scaler is not None:
            raise ValueError("a GradScaler cannot drive a closure optimizer (LBFGS); use amp=False")
        self.tensor_lrs = any(isinstance(g["lr"], torch.Tensor) for g in view.groups)
        self.setters = list(zip(view.groups, ratios, strict=True))

    def set_lr(self, lr: float) -> None:
        """Every group's lr: ``lr`` times its ratio (a tensor lr is filled in place)."""
        if self.tensor_lrs:
            self.view.set_lrs([lr * r for r in self.ratios])
        else:
            for group, ratio in self.setters:
                group["lr"] = lr * ratio

    def __call__(self, lr: float) -> StepOutcome:
        self.set_lr(lr)
        if self.closure:
            return self._closure_step()
        self._drop_grads()
        loss = self._forward_backward()
        scaler = self.scaler
        if scaler is None:
            if self.before_step is not None:
                self.before_step(self.model, self.view.optimizer)
            self.view.optimizer.step()
            return StepOutcome(loss)
        optimizer = self.view.optimizer
        scaler.unscale_(optimizer)
        if self.before_step is not None:
            self.before_step(self.model, optimizer)
        found = scaler._per_optimizer_states[id(optimizer)]["found_inf_per_device"]
        found_inf = sum(found.values()) if found else None
        scaler.step(optimizer)
        scaler.update()
        return StepOutcome(loss, found_inf)

    def _drop_grads(self) -> None:
        for p in self.params:  # zero_grad(set_to_none=True) without its per-call profiler overhead
            p.grad = None

    def _loss(self, batch: Any) -> torch.Tensor:
        if self.autocast is None:
            loss = self.compute_loss(self.model, batch)
        else:
            with self.autocast():
                loss = self.compute_loss(self.model, batch)
        check_loss(loss, self.loss_source)
        return loss

    def _forward_backward(self) -> torch.Tensor:
        n, scaler, total = self.accumulation_steps, self.scaler, None
        for _ in range(n):
            loss = self._loss(to_device(next(self.batches), self.device))
            if n == 1:  # the common case: no division, no extra tensors
                (scaler.scale(loss) if scaler is not None else loss).backward()
                return loss
            loss = loss / n
            (scaler.scale(loss) if scaler is not None else loss).backward()
            total = loss.detach() if total is None else total + loss.detach()
        return total  # type: ignore[return-value]

    def _closure_step(self) -> StepOutcome:
        batch = to_device(next(self.batches), self.device)
        first: list[torch.Tensor] = []

        def closure() -> torch.Tensor:
            self._drop_grads()
            loss = self._loss(batch)
            loss.backward()
            if self.before_step is not None:
                self.before_step(self.model, self.view.optimizer)
            if not first:
                first.append(loss.detach())
            return loss

        self.view.optimizer.step(closure)
        return StepOutcome(first[0])
