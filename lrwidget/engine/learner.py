"""``Learner``: the least a notebook needs to act on the chosen rate: find it, train with it, check it.

``fit_one_cycle`` uses ``torch.optim.lr_scheduler.OneCycleLR`` with fastai's defaults (25 % warm-up,
``div_factor=25``, ``final_div_factor=1e5``, momentum cycled 0.95 -> 0.85 -> 0.95 when the optimizer has
one). A ``slice(lo, hi)`` (or ``(lo, hi)``) spreads the peak rates geometrically over the param groups,
first group lowest, as fastai does; ``param_groups`` builds such groups from model parts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from numbers import Real
from typing import Any

import torch
from torch import nn

from lrwidget.core.result import RangeTestResult
from lrwidget.engine.batches import (
    StepFn,
    batch_size,
    check_data,
    check_loss,
    make_loss_fn,
    split_batch,
    to_device,
)
from lrwidget.engine.guard import exclusive, shared

LrSpec = float | slice | tuple[float, float]


def param_groups(*parts: nn.Module | Iterable[torch.Tensor]) -> list[dict[str, Any]]:
    """One optimizer param group per part (a module or an iterable of parameters), in order.

    For discriminative rates: ``AdamW(param_groups(model.body, model.head), lr=1e-3)`` then
    ``fit_one_cycle(n, slice(1e-5, 1e-3))`` gives the body the lowest rate and the head the highest.
    """
    if not parts:
        raise ValueError("param_groups needs at least one part (a module or an iterable of parameters)")
    seen: set[int] = set()
    groups = []
    for i, part in enumerate(parts):
        params = list(part.parameters()) if isinstance(part, nn.Module) else list(part)
        if not params:
            raise ValueError(f"parts[{i}] has no parameters")
        if any(id(p) in seen for p in params):
            raise ValueError(f"parts[{i}] shares parameters with an earlier part; each must appear once")
        seen.update(id(p) for p in params)
        groups.append({"params": params})
    return groups


def spread_lr(lr: LrSpec, n_groups: int) -> list[float]:
    """Peak learning rate per param group: a number for all, or ``slice(lo, hi)``/``(lo, hi)`` spread
    geometrically from the first group (lo) to the last (hi); one group gets hi; ``slice(None, hi)``
    gives hi/10 to all groups but the last (fastai's rule)."""
    if lr is None:
        raise TypeError(
            "lr is None: nothing was picked yet (a widget's value stays None until you click or drag); "
            "pass a number, a slice(lo, hi), or the suggestion, e.g. result.suggest().lr"
        )
    if isinstance(lr, slice):
        if lr.step is not None:
            raise ValueError(f"lr slice takes no step, got {lr!r}")
        lo, hi = lr.start, lr.stop
    elif isinstance(lr, (tuple, list)):
        if len(lr) != 2:
            raise ValueError(f"lr as a sequence must be (lo, hi), got {len(lr)} values")
        lo, hi = lr
    else:
        lo, hi = None, lr
        if isinstance(lr, bool) or not isinstance(lr, Real):
            raise TypeError(
                f"lr must be a number, a slice(lo, hi) or a (lo, hi) tuple, got {type(lr).__name__}"
            )
        if not (math.isfinite(lr) and lr > 0):
            raise ValueError(f"lr must be a finite number > 0, got {lr}")
        return [float(lr)] * n_groups
    for name, value in (("hi", hi), ("lo", lo)):
        if value is None and name == "lo":
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, Real)
            or not (math.isfinite(float(value)) and float(value) > 0)
        ):
            raise ValueError(f"lr's {name} must be a finite number > 0, got {value!r}")
    if lo is None:
        return [hi / 10] * (n_groups - 1) + [float(hi)]
    if lo > hi:
        raise ValueError(f"lr's lo must be <= hi, got slice({lo}, {hi})")
    if n_groups == 1:
        return [float(hi)]
    return [lo * (hi / lo) ** (i / (n_groups - 1)) for i in range(n_groups)]


def _cycles_momentum(optimizer: torch.optim.Optimizer) -> bool:
    defaults = optimizer.defaults
    return "betas" in defaults or defaults.get("momentum", 0) > 0


class Learner:
    """A model, its optimizer, loss and data, bundled for ``lr_find``, ``fit_one_cycle`` and ``validate``.

    Parameters
    ----------
    model, optimizer, loss_fn, train_data : as for ``lrwidget.lr_find`` (batches ``(inputs..., target)``
        or dicts; ``step_fn(model, batch) -> loss`` for anything else, then ``loss_fn`` may be None).
    valid_data : batches for ``validate`` (optional).
    device : where batches go (default: the device of the model's first parameter).
    """

    def __init__(
        self,
        model: nn.Module,
        optimizer: torch.optim.Optimizer,
        loss_fn: Callable[..., torch.Tensor] | None,
        train_data: Iterable[Any],
        valid_data: Iterable[Any] | None = None,
        *,
        step_fn: StepFn | None = None,
        device: str | torch.device | None = None,
    ) -> None:
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
        check_data(train_data)
        if valid_data is not None:
            check_data(valid_data, "valid_data")
        self._compute_loss = make_loss_fn(loss_fn, step_fn)
        self.model = model
        self.optimizer = optimizer
        self.loss_fn = loss_fn
        self.step_fn = step_fn
        self.train_data = train_data
        self.valid_data = valid_data
        self.device = device
        self.result: RangeTestResult | None = None  # the latest lr_find result

    def _device(self) -> torch.device:
        if self.device is not None:
            return torch.device(self.device)
        return next(self.model.parameters()).device

    def lr_find(self, **kwargs: Any) -> RangeTestResult:
        """``lrwidget.lr_find`` on this learner (same keyword arguments); model and optimizer are restored."""
        from lrwidget.engine.entry import lr_find  # the entry imports the adapters, which import Learner

        self.result = lr_find(self, **kwargs)
        return self.result

    def fit_one_cycle(
        self,
        epochs: int,
        lr: LrSpec,
        *,
        pct_start: float = 0.25,
        div_factor: float = 25.0,
        final_div_factor: float = 1e5,
        progress: bool = True,
    ) -> list[dict[str, float]]:
        """Train ``epochs`` epochs with the one-cycle policy peaking at ``lr``; one dict per epoch
        (``epoch``, ``train_loss``, and ``validate()``'s figures when there is ``valid_data``)."""
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
        max_lrs = spread_lr(lr, len(self.optimizer.param_groups))
        try:
            steps = len(self.train_data)  # type: ignore[arg-type]
        except TypeError:
            raise ValueError("train_data must have a length (batches per epoch) for fit_one_cycle") from None
        if not 0.0 < pct_start < 1.0:
            raise ValueError(f"pct_start must be in (0, 1), got {pct_start!r}")
        total = epochs * steps
        if total < 2:
            raise ValueError(f"fit_one_cycle needs at least 2 steps, got epochs * len(train_data) = {total}")
        # OneCycleLR divides by its warm-up length in steps: keep at least 1.5 steps of warm-up on tiny runs.
        pct_start = max(pct_start, 1.5 / total)
        # the schedule writes the groups' lrs as it is built: it is part of the guarded job
        with exclusive("fit_one_cycle", model=self.model, optimizer=self.optimizer):
            return self._one_cycle(epochs, steps, max_lrs, pct_start, div_factor, final_div_factor, progress)

    def _one_cycle(
        self,
        epochs: int,
        steps: int,
        max_lrs: list[float],
        pct_start: float,
        div_factor: float,
        final_div_factor: float,
        progress: bool,
    ) -> list[dict[str, float]]:
        schedule = torch.optim.lr_scheduler.OneCycleLR(
            self.optimizer,
            max_lr=max_lrs,
            epochs=epochs,
            steps_per_epoch=steps,
            pct_start=pct_start,
            div_factor=div_factor,
            final_div_factor=final_div_factor,
            cycle_momentum=_cycles_momentum(self.optimizer),
        )
        device = self._device()
        history: list[dict[str, float]] = []
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=epochs * steps, desc="fit_one_cycle", unit="step", leave=False)
        try:
            for epoch in range(epochs):
                self.model.train()
                losses = []
                for done, batch in enumerate(self.train_data):
                    if done == steps:  # a loader longer than its len(): keep to the schedule
                        break
                    self.optimizer.zero_grad(set_to_none=True)
                    loss = self._compute_loss(self.model, to_device(batch, device))
                    check_loss(loss, "step_fn" if self.step_fn is not None else "loss_fn")
                    loss.backward()
                    self.optimizer.step()
                    schedule.step()
                    losses.append(loss.detach())
                    if bar is not None:
                        bar.update(1)
                row = {"epoch": epoch, "train_loss": torch.stack(losses).float().mean().item()}
                if self.valid_data is not None:
                    row.update(self.validate())
                history.append(row)
        finally:
            if bar is not None:
                bar.close()
        return history

    def validate(self, data: Iterable[Any] | None = None) -> dict[str, float]:
        """Mean loss over ``data`` (default ``valid_data``), in eval mode without gradients; plus
        ``accuracy`` when outputs are ``(N, classes)`` scores and targets integer class labels."""
        name = "valid_data" if data is None else "data"
        data = self.valid_data if data is None else data
        if data is None:
            raise ValueError("valid_data is None: pass valid_data to Learner or data to validate()")
        check_data(data, name)
        # eval mode on a model another thread is sweeping would corrupt its curve: guarded (it may nest
        # inside this thread's own fit)
        with shared("validate", model=self.model):
            return self._evaluate(data)

    def _evaluate(self, data: Iterable[Any]) -> dict[str, float]:
        device = self._device()
        modes = [(m, m.training) for m in self.model.modules()]
        total, seen, correct, classification = 0.0, 0, 0, True
        self.model.eval()
        try:
            with torch.no_grad():
                for raw in data:
                    batch = to_device(raw, device)
                    if self.step_fn is not None:
                        loss, n = self.step_fn(self.model, batch), batch_size(batch)
                        classification = False
                    else:
                        inputs, target = split_batch(batch)
                        out = self.model(*inputs)
                        loss, n = self.loss_fn(out, target), batch_size(target)  # type: ignore[misc]
                        if classification and _is_classification(out, target):
                            correct += int((out.argmax(dim=1) == target).sum())
                        else:
                            classification = False
                    total += float(loss) * n
                    seen += n
        finally:
            for m, training in modes:
                m.training = training
        if seen == 0:
            raise ValueError("validation data yielded no batches")
        metrics = {"loss": total / seen}
        if classification:
            metrics["accuracy"] = correct / seen
        return metrics


def _is_classification(out: Any, target: Any) -> bool:
    return (
        isinstance(out, torch.Tensor)
        and isinstance(target, torch.Tensor)
        and out.ndim == 2
        and target.ndim == 1
        and not target.is_floating_point()
        and not target.is_complex()
        and target.dtype != torch.bool
        and out.shape[0] == target.shape[0]
    )
