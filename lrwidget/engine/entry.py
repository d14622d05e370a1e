"""The one entry point: ``prepare_sweep(source, ...)`` checks everything, ``.run()`` sweeps; ``lr_find``.

``source`` is any trainer an adapter knows (``lrwidget.engine.adapters``): a model followed by
optimizer, loss_fn and train_data, an ``lrwidget.Learner``, a fastai ``Learner``, a Lightning
``LightningModule`` or a transformers ``Trainer``. All keywords are checked at ``prepare_sweep`` (before
any training), so the widget can refuse bad input when it is built and run the sweep in its thread.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import torch
from torch import nn

from lrwidget.core import _checks
from lrwidget.core.result import RangeTestResult
from lrwidget.engine import distributed
from lrwidget.engine.adapters import SweepParts, find_adapter
from lrwidget.engine.batches import check_data
from lrwidget.engine.confirm import TRIAL_STEPS, check_confirm
from lrwidget.engine.confirm import confirm as confirm_pick
from lrwidget.engine.hooks import needs_closure
from lrwidget.engine.optim import OptimizerView
from lrwidget.engine.range_test import OnStep, run_sweep
from lrwidget.engine.settings import NAMES, SweepSettings, check_device
from lrwidget.engine.snapshot_store import check_directory

RUN_KEYWORDS = ("on_step", "cancel")


class PreparedSweep:
    """A checked range test, ready to ``run``: ``settings``, ``model``, ``optimizer``, ``kind``.

    Build it with ``prepare_sweep``. ``run`` may be called more than once: every run starts from the
    state the model and optimizer are in, and leaves them as they were.
    """

    def __init__(self, parts: SweepParts, settings: SweepSettings) -> None:
        self.parts = parts
        self.settings = settings
        self.device = _check_parts(parts, settings)

    @property
    def model(self) -> nn.Module:
        return self.parts.model

    @property
    def optimizer(self) -> Any:
        return self.parts.optimizer

    @property
    def kind(self) -> str:
        """Which adapter read the source: plain, learner, fastai, lightning or transformers."""
        return self.parts.kind

    def run(
        self,
        on_step: OnStep | None = None,
        cancel: threading.Event | None = None,
        *,
        settings: SweepSettings | None = None,
        rates: Sequence[float] | None = None,
    ) -> RangeTestResult:
        """Sweep and return the curve; ``on_step(StepEvent)`` after every recorded step (from this thread);
        once ``cancel`` (a ``threading.Event``) is set the sweep stops after the current step.
        ``settings`` and ``rates`` (one per step, instead of the ladder) are for a confirmation trial."""
        _checks.function("on_step", on_step, "(StepEvent) -> None")
        if cancel is not None and not callable(getattr(cancel, "is_set", None)):
            raise TypeError(f"cancel must be a threading.Event (with is_set()), got {type(cancel).__name__}")
        parts = self.parts
        return run_sweep(
            parts.model,
            parts.optimizer,
            parts.step,
            parts.data,
            self.settings if settings is None else settings,
            device=self.device,
            loss_source=parts.loss_source,
            scheduler=parts.scheduler,
            grad_scaler=parts.grad_scaler,
            record={"source": parts.kind},
            on_step=on_step,
            cancel=cancel,
            context=parts.context,
            rates=rates,
        )

    def __repr__(self) -> str:
        return f"PreparedSweep({self.kind}, {self.settings.ladder!r}, device={str(self.device)!r})"


#: lr_find's own keywords (not the sweep's): named when a typo is closest to one of them.
LR_FIND_KEYWORDS = (*RUN_KEYWORDS, "confirm", "confirm_steps")


def prepare_sweep(source: Any, *args: Any, caller: str = "prepare_sweep", **kwargs: Any) -> PreparedSweep:
    """Resolve ``source`` through its adapter and check every keyword; nothing is trained yet.

    ``caller`` names the function the user called in the error for an unknown keyword.

    Keywords: the sweep's settings (``SweepSettings``: start_lr, end_lr, num_it, mode, beta, stop_div,
    div_factor, device, accumulation_steps, amp, before_step, val_data, val_every, val_batches, snapshot,
    snapshot_dir, progress) and the source's own (a plain model: optimizer, loss_fn, train_data,
    step_fn, scheduler, grad_scaler; Lightning: train_dataloaders, datamodule). ``on_step`` and ``cancel``
    belong to ``run``.
    """
    adapter = find_adapter(source)
    misplaced = [k for k in RUN_KEYWORDS if k in kwargs]
    if misplaced:
        raise TypeError(f"{' and '.join(misplaced)} belong to PreparedSweep.run(), not prepare_sweep()")
    confirming = [k for k in ("confirm", "confirm_steps") if k in kwargs]
    if confirming:
        raise TypeError(
            f"{' and '.join(confirming)} {'belongs' if len(confirming) == 1 else 'belong'} to "
            "lrwidget.lr_find(), which trains the trials after its "
            f"sweep; {caller}() only sweeps"
        )
    known = (*NAMES, *adapter.KEYWORDS, *(LR_FIND_KEYWORDS if caller == "lr_find" else ()))
    _checks.keywords(kwargs, known, caller)
    options = {k: kwargs.pop(k) for k in adapter.KEYWORDS if k in kwargs}
    SweepSettings.from_kwargs(**kwargs)  # the user's own values, checked before the adapter does any work
    try:
        parts = adapter.adapt(source, *args, **options)
    except TypeError as exc:  # the adapters write their usage as lr_find(...): name what was called
        if caller != "lr_find" and "lr_find(" in str(exc):
            raise TypeError(str(exc).replace("lr_find(", f"{caller}(")) from None
        raise
    settings = SweepSettings.from_kwargs(**{**parts.defaults, **kwargs})
    return PreparedSweep(parts, settings)


def lr_find(
    source: Any,
    *args: Any,
    on_step: OnStep | None = None,
    cancel: threading.Event | None = None,
    confirm: int = 0,
    confirm_steps: int = TRIAL_STEPS,
    **kwargs: Any,
) -> RangeTestResult:
    """Run the learning-rate range test on ``source`` and return its curve; the model and optimizer end
    bitwise as they began (parameters, buffers, optimizer state, modes, gradients, random generators).

    ``lr_find(model, optimizer, loss_fn, train_data, num_it=100)``, ``lr_find(learner)``,
    ``lr_find(fastai_learner)``, ``lr_find(lightning_module, train_dataloaders=loader)``,
    ``lr_find(hf_trainer)``. Keywords as for ``prepare_sweep``; ``on_step`` and ``cancel`` as for
    ``PreparedSweep.run``. Returns a ``RangeTestResult`` whose ``stop_reason`` is "completed",
    "diverged", "non_finite" or "cancelled"; ``result.lrs`` is the reference group's ladder (the first
    group with a positive lr; the others keep their ratio to it, see ``result.group_lrs``).
    Exceptions from the model, loss, data or ``on_step`` propagate after the restore, with the partial
    curve attached as ``exc.range_test_result``.

    ``confirm=k`` then trains ``k`` short one-cycle trials (``confirm_steps`` steps each, from the same
    start, restored after each) at rates half a decade apart around the curve's pick, and keeps the
    best: ``result.suggest()`` gives it, ``result.confirmation`` says what was tried and what it cost
    (printed unless ``progress=False``). Trials are scored on ``val_data`` when given (for an
    ``lrwidget.Learner``, its ``valid_data`` otherwise), else on their last quarter's training loss.
    ``train_data`` and ``val_data`` must be iterable again (not generators); ``confirm`` is 0 or 2 to 10.
    """
    k, steps = check_confirm(confirm, confirm_steps)
    prepared = prepare_sweep(source, *args, caller="lr_find", **kwargs)
    trial_val = None
    if k:
        trial_val = _trial_val_data(source, prepared)
        _check_replayable("train_data", prepared.parts.data)
        _check_replayable("val_data", trial_val if trial_val is not None else prepared.settings.val_data)
    start = time.process_time()
    result = prepared.run(on_step=on_step, cancel=cancel)
    if k and len(result) and not (cancel is not None and cancel.is_set()):
        sweep_cpu = time.process_time() - start
        try:
            done = confirm_pick(prepared, result, k, steps, cancel=cancel, sweep_cpu_seconds=sweep_cpu,
                                val_data=trial_val)  # fmt: skip
        except BaseException as exc:  # a trial failed (after its restore): the caller keeps the sweep
            with contextlib.suppress(Exception):
                exc.range_test_result = result  # type: ignore[attr-defined]
            raise
        if done is None:
            result.settings["confirmation_cancelled"] = True
        else:
            result.settings["confirmation"] = done.to_dict()
            if prepared.settings.progress and distributed.rank() == 0:
                print(f"lr_find: {done.summary()}")
    return result


def _trial_val_data(source: Any, prepared: PreparedSweep) -> Any:
    """What trials are judged on when no ``val_data`` was given: an ``lrwidget.Learner``'s held-out data."""
    from lrwidget.engine.learner import Learner

    if prepared.settings.val_data is None and isinstance(source, Learner):
        return source.valid_data
    return None


def _check_replayable(name: str, data: Any) -> None:
    """Trials replay the data from its start: a one-shot iterator (a generator) cannot be replayed."""
    if isinstance(data, Iterator):  # never iter(data): a DataLoader would draw from the RNG here
        raise ValueError(
            f"confirm needs {name} that can be iterated again from the start (a list, a tuple or a "
            f"DataLoader), so every trial sees the same batches; got a one-shot {type(data).__name__}"
        )


def _check_parts(parts: SweepParts, settings: SweepSettings) -> torch.device:
    """Check what the adapter produced against the settings; the device batches go to."""
    model = parts.model
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    view = OptimizerView(parts.optimizer)
    params = list(model.parameters())
    if not params:
        raise ValueError("model has no parameters to train")
    if any(nn.parameter.is_lazy(p) for p in params):
        raise ValueError("model has uninitialised lazy parameters; run one forward pass before lr_find")
    if any(p.device.type == "meta" for p in params):
        raise ValueError("model has parameters on the 'meta' device (no data); materialise it first")
    model_ids = {id(p) for p in params}
    if not any(id(p) in model_ids for p in view.params):
        raise ValueError("optimizer holds none of the model's parameters; build it from model.parameters()")
    view.base_lrs()  # TypeError/ValueError naming the group with a bad lr
    check_data(parts.data)
    if parts.scheduler is not None and not hasattr(parts.scheduler, "load_state_dict"):
        kind = type(parts.scheduler).__name__
        raise TypeError(f"scheduler must have state_dict()/load_state_dict(), got {kind}")
    if parts.grad_scaler is not None and not hasattr(parts.grad_scaler, "is_enabled"):
        raise TypeError(f"grad_scaler must be a torch.amp.GradScaler, got {type(parts.grad_scaler).__name__}")
    if needs_closure(parts.optimizer):
        if settings.accumulation_steps > 1:
            raise ValueError(
                "accumulation_steps must be 1 with a closure optimizer (LBFGS re-evaluates one batch)"
            )
        if settings.amp and (
            parts.grad_scaler is not None or _device(parts, settings, params).type == "cuda"
        ):
            raise ValueError("amp with a GradScaler cannot drive a closure optimizer (LBFGS); use amp=False")
    if settings.snapshot == "disk":
        check_directory("snapshot_dir", settings.snapshot_dir)
    device = _device(parts, settings, params)
    check_device(device)
    return device


def _device(parts: SweepParts, settings: SweepSettings, params: Sequence[torch.Tensor]) -> torch.device:
    if settings.device is not None:
        return settings.device
    if parts.device is not None:
        return parts.device
    return params[0].device
