"""The one sweep loop: ``run_sweep(model, optimizer, step, data, settings)`` -> ``RangeTestResult``.

Every source (a plain model, a Learner, fastai, Lightning, transformers) reaches this loop through its
adapter and ``lrwidget.engine.entry``. The learning rate climbs the ``settings.ladder`` (the reference
group's rate: the first group with a positive lr; every other group keeps its ratio to it) and the
loss of every optimizer step is recorded. Everything the sweep changes is captured first
(``TrainingSnapshot``) and put back in ``finally``, whatever ends it: the ladder's end, divergence, a
non-finite loss, ``cancel``, an exception from the model, loss or data, or KeyboardInterrupt.

Recording convention (as fastai): the step whose loss makes the stop rule fire IS recorded, so the curve
ends with the point that shows the divergence (or the first non-finite loss). A step the GradScaler
skips (inf/NaN gradients) is not recorded and the ladder does not advance.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from lrwidget.core.events import StepEvent
from lrwidget.core.formatting import format_lr
from lrwidget.core.result import RangeTestResult
from lrwidget.core.schedules import Ladder
from lrwidget.core.smoothing import LossSmoother, StopRule
from lrwidget.engine import distributed
from lrwidget.engine.batches import StepFn, cycle
from lrwidget.engine.guard import exclusive
from lrwidget.engine.hooks import OptimizerStep, StepOutcome
from lrwidget.engine.optim import OptimizerView
from lrwidget.engine.settings import SweepSettings
from lrwidget.engine.snapshot import TrainingSnapshot
from lrwidget.engine.validation import Validator

OnStep = Callable[[StepEvent], Any]
# a GradScaler halves its scale on every skipped step: 30 halvings in a row is not overflow any more
MAX_SKIPPED_IN_A_ROW = 30


def reference_ratios(base_lrs: list[float]) -> list[float]:
    """Each group's lr over the reference group's (the first positive one); all 1 when every lr is 0."""
    reference = next((lr for lr in base_lrs if lr > 0), None)
    return [1.0] * len(base_lrs) if reference is None else [lr / reference for lr in base_lrs]


def amp_setup(
    amp: bool, device: torch.device, view: OptimizerView, grad_scaler: Any
) -> tuple[Callable[[], Any] | None, Any]:
    """The autocast context factory (None: no autocast) and the GradScaler to use (None: no scaling).

    CUDA: float16 with a GradScaler (``grad_scaler`` or a fresh one). CPU: bfloat16, no scaler, unless
    a ``grad_scaler`` is passed: then float16 and that scaler, as torch's CPU GradScaler allows.
    """
    if not amp:
        return None, None
    if device.type == "cuda" or grad_scaler is not None:
        scaler = grad_scaler if grad_scaler is not None else torch.amp.GradScaler("cuda")
        if scaler.is_enabled() and not view.is_torch:
            raise ValueError("amp with a GradScaler needs a torch optimizer; use amp=False here")
        used = scaler if scaler.is_enabled() else None
        return (lambda: torch.autocast(device.type, dtype=torch.float16)), used
    return (lambda: torch.autocast(device.type, dtype=torch.bfloat16)), None


class _Recorder:
    """The curve so far, as Python lists (cheap to append on the hot path)."""

    def __init__(self, ratios: list[float], validating: bool) -> None:
        self.ratios = ratios
        self.lrs: list[float] = []
        self.losses: list[float] = []
        self.smoothed: list[float] = []
        self.elapsed: list[float] = []
        self.val_losses: list[float] | None = [] if validating else None

    def result(self, stop_reason: str, settings: dict[str, Any], error: str | None = None) -> RangeTestResult:
        # every group's lr, bit for bit as the sweep set it (lr * ratio, the same float product)
        lrs = np.asarray(self.lrs, dtype=float).reshape(-1, 1)
        group = lrs * np.asarray(self.ratios, dtype=float)[None, :]
        val = self.val_losses
        if val is not None and len(val) > len(self.lrs):  # interrupted between the step and its record
            val = val[: len(self.lrs)]
        return RangeTestResult(
            self.lrs,
            self.losses,
            self.smoothed,
            stop_reason=stop_reason,
            settings=settings,
            group_lrs=group,
            elapsed=self.elapsed,
            error=error,
            val_losses=val,
        )


def _progress_bar(enabled: bool, total: int) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="lr_find", unit="step", leave=False)


def run_sweep(
    model: nn.Module,
    optimizer: Any,
    step: StepFn,
    data: Iterable[Any],
    settings: SweepSettings,
    *,
    device: torch.device,
    loss_source: str = "loss_fn",
    scheduler: Any = None,
    grad_scaler: Any = None,
    record: dict[str, Any] | None = None,
    on_step: OnStep | None = None,
    cancel: threading.Event | None = None,
    context: Callable[[], contextlib.AbstractContextManager[Any]] | None = None,
    rates: Sequence[float] | None = None,
) -> RangeTestResult:
    """Run the range test on checked inputs (``lrwidget.engine.entry`` checks them) and return its curve.

    ``step(model, batch) -> loss tensor`` is the loss of one micro-batch; ``data`` is cycled; ``device``
    is where batches go; ``record`` adds entries to ``result.settings``;
    ``context()`` is entered around the sweep; ``rates`` (one per step) replace ``settings.ladder``
    (a confirmation trial trains on a one-cycle schedule through the same loop and restore).
    Exceptions from the model, loss, data or ``on_step`` propagate after the restore, the partial curve
    attached as ``exc.range_test_result``.
    """
    view = OptimizerView(optimizer)
    smoother = LossSmoother(settings.beta)
    rule = StopRule(settings.div_factor, settings.stop_div)
    autocast, scaler = amp_setup(settings.amp, device, view, grad_scaler)
    base_lrs = view.base_lrs()
    ratios = reference_ratios(base_lrs)
    ladder: Ladder | list[float] = settings.ladder if rates is None else [float(r) for r in rates]
    num_it = len(ladder)
    is_distributed = distributed.is_distributed()
    recorded = {
        **settings.to_dict(),
        "device": str(device),
        "base_lrs": base_lrs,
        "world_size": distributed.world_size(),
        **(record or {}),
    }

    with exclusive(model=model, optimizer=optimizer), (context or contextlib.nullcontext)():
        snapshot = TrainingSnapshot(
            model,
            optimizer,
            scheduler=scheduler,
            grad_scaler=grad_scaler,
            data=data,
            val_data=settings.val_data,
            target=settings.snapshot,
            directory=settings.snapshot_dir,
        )
        curve = _Recorder(ratios, settings.val_data is not None)
        bar = _progress_bar(settings.progress and distributed.rank() == 0, num_it)
        stop = "completed"
        try:
            model.train()
            train_step = OptimizerStep(
                model,
                view,
                params=snapshot.layout.params,
                ratios=ratios,
                batches=cycle(data),
                compute_loss=step,
                loss_source=loss_source,
                device=device,
                accumulation_steps=settings.accumulation_steps,
                autocast=autocast,
                scaler=scaler,
                before_step=settings.before_step,
            )
            validate = None
            if settings.val_data is not None:
                validate = Validator(model, settings.val_data, step, device, settings.val_batches, autocast)
            start, shown, skipped = time.perf_counter(), -1.0, 0
            index = 0
            if cancel is not None and cancel.is_set() and not is_distributed:
                stop, index = "cancelled", num_it
            while index < num_it:
                lr = ladder[index]
                outcome = train_step(lr)
                # the one host read per step: the stop rule needs the value (and, under a GradScaler,
                # whether it skipped the step: read in the same transfer). Distributed, a cancel on any
                # rank travels in the same collective, so all ranks stop at the same step.
                if outcome.found_inf is not None:
                    value, found_inf = _loss_and_flag(outcome)
                    if found_inf and math.isfinite(value):  # a non-finite loss is recorded: it stops
                        skipped += 1
                        if skipped >= MAX_SKIPPED_IN_A_ROW:
                            stop = "non_finite"
                            break
                        continue
                    skipped = 0
                if is_distributed:
                    wants_cancel = cancel is not None and cancel.is_set()
                    value, cancelled = distributed.mean_loss_and_any(outcome.loss, wants_cancel)
                elif outcome.found_inf is None:
                    value, cancelled = outcome.loss.item(), False
                else:
                    cancelled = False
                if validate is not None and curve.val_losses is not None:
                    evaluated = index % settings.val_every == 0
                    curve.val_losses.append(validate().item() if evaluated else math.nan)
                smoothed = smoother.update(value)
                elapsed = time.perf_counter() - start
                curve.lrs.append(lr)
                curve.losses.append(value)
                curve.smoothed.append(smoothed)
                curve.elapsed.append(elapsed)
                reason = rule.check(value, smoothed)
                if on_step is not None:
                    on_step(StepEvent(index, num_it, lr, value, smoothed, elapsed))
                if bar is not None:
                    if elapsed >= shown + 0.1:  # formatting the postfix every step would cost more than tqdm
                        bar.set_postfix_str(f"lr={format_lr(lr)} loss={value:.4g}", refresh=False)
                        shown = elapsed
                    bar.update(1)
                if not is_distributed:  # read after on_step, which may have set it
                    cancelled = cancel is not None and cancel.is_set()
                if reason is None and cancelled:
                    reason = "cancelled"
                index += 1
                if reason is not None:
                    stop = reason
                    break
        except BaseException as exc:
            _attach_partial(exc, curve, recorded)
            raise
        finally:
            try:
                snapshot.restore()  # first: nothing may run between the sweep's end and the restore
            finally:
                snapshot.close()  # the copies (or files) go even when the restore re-raises
                if bar is not None:
                    bar.close()

    return _finish(curve, stop, recorded, skipped)


def _loss_and_flag(outcome: StepOutcome) -> tuple[float, bool]:
    """The loss and whether the GradScaler found inf/NaN gradients (and so skipped the step), in one read."""
    loss = outcome.loss.detach().float().reshape(())
    found = outcome.found_inf.to(loss.device).float().reshape(())  # type: ignore[union-attr]
    value, flag = torch.stack([loss, found]).tolist()
    return value, flag > 0


def _finish(curve: _Recorder, stop: str, recorded: dict[str, Any], skipped: int) -> RangeTestResult:
    error = None
    if stop == "non_finite" and skipped >= MAX_SKIPPED_IN_A_ROW:
        error = (
            f"the GradScaler skipped {skipped} steps in a row (inf/NaN gradients at every scale): the "
            "gradients are not finite even unscaled"
        )
        warnings.warn(error, RuntimeWarning, stacklevel=4)
    elif stop == "non_finite" and len(curve.losses) == 1:
        error = (
            f"the loss was {curve.losses[0]} at the first step (lr={format_lr(curve.lrs[0])}): "
            "the model, data or loss produce non-finite values before any learning-rate effect"
        )
        warnings.warn(error, RuntimeWarning, stacklevel=4)
    return curve.result(stop, recorded, error)


def _attach_partial(exc: BaseException, curve: _Recorder, settings: dict[str, Any]) -> None:
    """Give a propagating exception the curve recorded so far (never masking the exception itself)."""
    reason = "interrupted" if isinstance(exc, KeyboardInterrupt) else "error"
    with contextlib.suppress(Exception):
        exc.range_test_result = curve.result(reason, settings, f"{type(exc).__name__}: {exc}")  # type: ignore[attr-defined]


def __getattr__(name: str) -> Any:
    # ``lrwidget.engine.range_test.lr_find`` predates the entry module; keep the old import working
    if name == "lr_find":
        from lrwidget.engine.entry import lr_find

        return lr_find
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
