"""Leslie Smith's learning-rate range test over a PyTorch model: ``lr_find``.

The sweep raises the learning rate step by step along ``lrwidget.core.schedules.lr_schedule`` and records
the loss of every optimizer step. Everything it changes is captured first (``TrainingSnapshot``) and put
back in ``finally``, whatever ends it: the ladder's end, divergence, a non-finite loss, ``cancel``, an
exception from the model, loss or data, or KeyboardInterrupt.

Recording convention (as fastai): the step whose loss makes the stop rule fire IS recorded, so the curve
ends with the point that shows the divergence (or the first non-finite loss).
"""

from __future__ import annotations

import contextlib
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
import torch
from torch import nn

from lrwidget.core.events import StepEvent
from lrwidget.core.result import RangeTestResult
from lrwidget.core.schedules import lr_schedule, validate_range
from lrwidget.core.smoothing import LossSmoother, StopRule
from lrwidget.engine import distributed
from lrwidget.engine.batches import StepFn, check_data, check_loss, cycle, make_loss_fn, to_device
from lrwidget.engine.guard import exclusive
from lrwidget.engine.optim import OptimizerView
from lrwidget.engine.snapshot import TrainingSnapshot

OnStep = Callable[[StepEvent], Any]


def lr_find(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[..., torch.Tensor] | None,
    train_data: Iterable[Any],
    *,
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    num_it: int = 100,
    mode: str = "exp",
    beta: float = 0.98,
    stop_div: bool = True,
    div_factor: float = 4.0,
    device: str | torch.device | None = None,
    accumulation_steps: int = 1,
    amp: bool = False,
    step_fn: StepFn | None = None,
    scheduler: Any = None,
    grad_scaler: Any = None,
    on_step: OnStep | None = None,
    cancel: threading.Event | None = None,
    progress: bool = True,
) -> RangeTestResult:
    """Run the learning-rate range test and return its curve; the model and optimizer end as they began.

    Parameters
    ----------
    model : the ``nn.Module`` to train; it is never moved (batches are moved to ``device``).
    optimizer : a ``torch.optim.Optimizer`` over (some of) the model's parameters. All its param groups
        follow one ladder, their ratios kept: group ``g`` gets ``lr_i * lr_g / lr_ref`` where ``lr_ref`` is
        the starting lr of the first group with a positive lr (group 0 normally; all 1 if every lr is 0).
    loss_fn : ``loss_fn(model(*inputs), target)`` for ``(inputs..., target)`` batches or dicts with keys
        ``x``/``y``, ``input``/``target`` or ``inputs``/``targets``. May be None when ``step_fn`` is given.
    train_data : any re-iterable of batches (a DataLoader, a list), cycled when shorter than the sweep.
    start_lr, end_lr, num_it, mode : the ladder (``num_it`` optimizer steps, ``end_lr`` reached).
    beta : smoothing of the recorded loss (bias-corrected EMA). stop_div, div_factor : stop when the
        smoothed loss exceeds ``div_factor`` x its best; a non-finite loss always stops the sweep.
    device : where batches go; default the device of the model's first parameter.
    accumulation_steps : micro-batches per optimizer step; the lr advances per optimizer step and the
        recorded loss is the mean over the micro-batches.
    amp : autocast (float16 + a GradScaler on CUDA; bfloat16 on CPU, no scaler).
    step_fn : ``step_fn(model, batch) -> loss tensor`` replaces the batch convention (e.g. for models that
        return an output with ``.loss``).
    scheduler, grad_scaler : captured and restored too (the sweep drives the lr itself); with ``amp`` on
        CUDA, ``grad_scaler`` is the scaler used (a fresh one when None).
    on_step : called with a ``StepEvent`` after every recorded step, from the sweep's thread.
    cancel : a ``threading.Event``; once set the sweep stops after the current step ("cancelled").
    progress : show a tqdm progress bar.

    Returns a ``RangeTestResult`` whose ``stop_reason`` is "completed", "diverged", "non_finite" or
    "cancelled". Exceptions from the model, loss, data or ``on_step`` propagate after the restore, with
    the partial curve attached as ``exc.range_test_result``.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    source = "step_fn" if step_fn is not None else "loss_fn"
    return run_range_test(
        model,
        optimizer,
        make_loss_fn(loss_fn, step_fn),
        train_data,
        loss_source=source,
        start_lr=start_lr,
        end_lr=end_lr,
        num_it=num_it,
        mode=mode,
        beta=beta,
        stop_div=stop_div,
        div_factor=div_factor,
        device=device,
        accumulation_steps=accumulation_steps,
        amp=amp,
        scheduler=scheduler,
        grad_scaler=grad_scaler,
        on_step=on_step,
        cancel=cancel,
        progress=progress,
    )


def _check_model(model: nn.Module, view: OptimizerView) -> None:
    params = list(model.parameters())
    if not params:
        raise ValueError("model has no parameters to train")
    if any(nn.parameter.is_lazy(p) for p in params):
        raise ValueError("model has uninitialised lazy parameters; run one forward pass before lr_find")
    model_ids = {id(p) for p in params}
    if not any(id(p) in model_ids for p in view.params):
        raise ValueError("optimizer holds none of the model's parameters; build it from model.parameters()")


def _check_options(
    accumulation_steps: int, on_step: Any, cancel: Any, scheduler: Any, grad_scaler: Any
) -> None:
    if isinstance(accumulation_steps, bool) or not isinstance(accumulation_steps, int):
        raise TypeError(f"accumulation_steps must be an integer, got {type(accumulation_steps).__name__}")
    if accumulation_steps < 1:
        raise ValueError(f"accumulation_steps must be >= 1, got {accumulation_steps}")
    if on_step is not None and not callable(on_step):
        raise TypeError(f"on_step must be callable (StepEvent) -> None, got {type(on_step).__name__}")
    if cancel is not None and not callable(getattr(cancel, "is_set", None)):
        raise TypeError(f"cancel must be a threading.Event (with is_set()), got {type(cancel).__name__}")
    if scheduler is not None and not hasattr(scheduler, "load_state_dict"):
        raise TypeError(f"scheduler must have state_dict()/load_state_dict(), got {type(scheduler).__name__}")
    if grad_scaler is not None and not hasattr(grad_scaler, "is_enabled"):
        raise TypeError(f"grad_scaler must be a torch.amp.GradScaler, got {type(grad_scaler).__name__}")


def _resolve_device(device: Any, model: nn.Module) -> torch.device:
    if device is None:
        return next(model.parameters()).device
    try:
        return torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device must name a torch device ('cpu', 'cuda:0'), not {device!r}") from exc


def _amp_setup(
    amp: bool, device: torch.device, view: OptimizerView, grad_scaler: Any
) -> tuple[Callable[[], Any] | None, Any]:
    """The autocast context factory (None: no autocast) and the GradScaler to use (None: no scaling)."""
    if not amp:
        return None, None
    if device.type == "cuda":
        scaler = grad_scaler if grad_scaler is not None else torch.amp.GradScaler("cuda")
        if scaler.is_enabled() and not view.is_torch:
            raise ValueError("amp on CUDA needs a torch optimizer for its GradScaler; use amp=False here")
        used = scaler if scaler.is_enabled() else None
        return (lambda: torch.autocast("cuda", dtype=torch.float16)), used
    return (lambda: torch.autocast(device.type, dtype=torch.bfloat16)), None


def _group_ratios(base_lrs: list[float]) -> list[float]:
    reference = next((lr for lr in base_lrs if lr > 0), None)
    return [1.0] * len(base_lrs) if reference is None else [lr / reference for lr in base_lrs]


class _Recorder:
    """The curve so far, as Python lists (cheap to append on the hot path)."""

    def __init__(self, ratios: list[float]) -> None:
        self.ratios = ratios
        self.lrs: list[float] = []
        self.losses: list[float] = []
        self.smoothed: list[float] = []
        self.elapsed: list[float] = []

    def result(self, stop_reason: str, settings: dict[str, Any], error: str | None = None) -> RangeTestResult:
        # every group's lr, bit for bit as the sweep set it (lr * ratio, the same float product)
        group = np.asarray(self.lrs, dtype=float)[:, None] * np.asarray(self.ratios, dtype=float)[None, :]
        return RangeTestResult(
            self.lrs,
            self.losses,
            self.smoothed,
            stop_reason=stop_reason,
            settings=settings,
            group_lrs=group,
            elapsed=self.elapsed,
            error=error,
        )


def _progress_bar(enabled: bool, total: int) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="lr_find", unit="step", leave=False)


class _TrainStep:
    """One optimizer step at a given learning rate: set every group's lr, drop the gradients of ``params``
    (the model's and the optimizer's), forward/backward over ``accumulation_steps`` micro-batches (each
    gradient scaled by 1/accumulation_steps, so the step uses the mean gradient), step. Returns the mean
    loss as a tensor: no host read here."""

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
        accumulation_steps: int,
        autocast: Callable[[], Any] | None,
        scaler: Any,
    ) -> None:
        self.model, self.view, self.ratios, self.batches = model, view, ratios, batches
        self.params = params
        self.compute_loss, self.loss_source, self.device = compute_loss, loss_source, device
        self.accumulation_steps, self.autocast, self.scaler = accumulation_steps, autocast, scaler
        self.tensor_lrs = any(isinstance(g["lr"], torch.Tensor) for g in view.groups)
        self.setters = list(zip(view.groups, ratios, strict=True))

    def __call__(self, lr: float) -> torch.Tensor:
        if self.tensor_lrs:
            self.view.set_lrs([lr * r for r in self.ratios])
        else:
            for group, ratio in self.setters:
                group["lr"] = lr * ratio
        for p in self.params:  # zero_grad(set_to_none=True) without its per-call profiler overhead
            p.grad = None
        loss = self._forward_backward()
        if self.scaler is not None:
            self.scaler.step(self.view.optimizer)
            self.scaler.update()
        else:
            self.view.optimizer.step()
        return loss

    def _forward_backward(self) -> torch.Tensor:
        n, scaler, total = self.accumulation_steps, self.scaler, None
        for _ in range(n):
            batch = to_device(next(self.batches), self.device)
            if self.autocast is None:
                loss = self.compute_loss(self.model, batch)
            else:
                with self.autocast():
                    loss = self.compute_loss(self.model, batch)
            check_loss(loss, self.loss_source)
            if n == 1:  # the common case: no division, no extra tensors
                (scaler.scale(loss) if scaler is not None else loss).backward()
                return loss
            loss = loss / n
            (scaler.scale(loss) if scaler is not None else loss).backward()
            total = loss.detach() if total is None else total + loss.detach()
        return total  # type: ignore[return-value]


def run_range_test(
    model: nn.Module,
    optimizer: Any,
    compute_loss: StepFn,
    train_data: Iterable[Any],
    *,
    loss_source: str = "loss_fn",
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    num_it: int = 100,
    mode: str = "exp",
    beta: float = 0.98,
    stop_div: bool = True,
    div_factor: float = 4.0,
    device: str | torch.device | None = None,
    accumulation_steps: int = 1,
    amp: bool = False,
    scheduler: Any = None,
    grad_scaler: Any = None,
    on_step: OnStep | None = None,
    cancel: threading.Event | None = None,
    progress: bool = True,
) -> RangeTestResult:
    """The sweep behind ``lr_find``, for any optimizer ``OptimizerView`` accepts (fastai's too)."""
    view = OptimizerView(optimizer)
    _check_model(model, view)
    validate_range(start_lr, end_lr, num_it, mode)
    smoother = LossSmoother(beta)
    rule = StopRule(div_factor, stop_div)
    _check_options(accumulation_steps, on_step, cancel, scheduler, grad_scaler)
    check_data(train_data)
    target_device = _resolve_device(device, model)
    autocast, scaler = _amp_setup(bool(amp), target_device, view, grad_scaler)
    base_lrs = view.base_lrs()
    ratios = _group_ratios(base_lrs)
    ladder = lr_schedule(start_lr, end_lr, num_it, mode).tolist()
    is_distributed = distributed.is_distributed()
    settings = {
        "start_lr": float(start_lr),
        "end_lr": float(end_lr),
        "num_it": int(num_it),
        "mode": mode,
        "beta": float(beta),
        "div_factor": float(div_factor),
        "stop_div": bool(stop_div),
        "accumulation_steps": accumulation_steps,
        "amp": bool(amp),
        "device": str(target_device),
        "base_lrs": base_lrs,
        "world_size": distributed.world_size(),
    }

    with exclusive(model=model, optimizer=optimizer):
        snapshot = TrainingSnapshot(
            model, optimizer, scheduler=scheduler, grad_scaler=grad_scaler, data=train_data
        )
        record = _Recorder(ratios)
        bar = _progress_bar(progress and distributed.rank() == 0, num_it)
        stop = "completed"
        try:
            model.train()
            train_step = _TrainStep(
                model,
                view,
                params=snapshot.layout.params,
                ratios=ratios,
                batches=cycle(train_data),
                compute_loss=compute_loss,
                loss_source=loss_source,
                device=target_device,
                accumulation_steps=accumulation_steps,
                autocast=autocast,
                scaler=scaler,
            )
            start, shown = time.perf_counter(), -1.0
            if cancel is not None and cancel.is_set() and not is_distributed:
                stop = "cancelled"
                ladder = []
            for step, lr in enumerate(ladder):
                loss = train_step(lr)
                # the one host read per step: the stop rule needs the value. Distributed, a cancel on any
                # rank travels in the same collective, so all ranks stop at the same step.
                if is_distributed:
                    wants_cancel = cancel is not None and cancel.is_set()
                    value, cancelled = distributed.mean_loss_and_any(loss, wants_cancel)
                else:
                    value, cancelled = loss.item(), False
                smoothed = smoother.update(value)
                elapsed = time.perf_counter() - start
                record.lrs.append(lr)
                record.losses.append(value)
                record.smoothed.append(smoothed)
                record.elapsed.append(elapsed)
                reason = rule.check(value, smoothed)
                if on_step is not None:
                    on_step(StepEvent(step, num_it, lr, value, smoothed, elapsed))
                if bar is not None:
                    if elapsed >= shown + 0.1:  # formatting the postfix every step would cost more than tqdm
                        bar.set_postfix_str(f"lr={lr:.2e} loss={value:.4g}", refresh=False)
                        shown = elapsed
                    bar.update(1)
                if not is_distributed:  # read after on_step, which may have set it
                    cancelled = cancel is not None and cancel.is_set()
                if reason is None and cancelled:
                    reason = "cancelled"
                if reason is not None:
                    stop = reason
                    break
        except BaseException as exc:
            _attach_partial(exc, record, settings)
            raise
        finally:
            if bar is not None:
                bar.close()
            snapshot.restore()

    error = None
    if stop == "non_finite" and len(record.losses) == 1:
        error = (
            f"the loss was {record.losses[0]} at the first step (lr={record.lrs[0]:.3g}): "
            "the model, data or loss produce non-finite values before any learning-rate effect"
        )
        warnings.warn(error, RuntimeWarning, stacklevel=3)
    return record.result(stop, settings, error)


def _attach_partial(exc: BaseException, record: _Recorder, settings: dict[str, Any]) -> None:
    """Give a propagating exception the curve recorded so far (never masking the exception itself)."""
    reason = "interrupted" if isinstance(exc, KeyboardInterrupt) else "error"
    with contextlib.suppress(Exception):
        exc.range_test_result = record.result(reason, settings, f"{type(exc).__name__}: {exc}")  # type: ignore[attr-defined]
