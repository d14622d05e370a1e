"""One training job at a time per model and optimizer, and nothing from another thread meanwhile.

``exclusive("lr_find", model=..., optimizer=...)`` marks the objects as trained by one job (a sweep, a
fit): any other job on them, in any thread, is refused with RuntimeError. ``shared("validate", ...)``
is for jobs that only read the model but switch its modes (validate, predict): they may nest inside a
job of their own thread (fit_one_cycle validates every epoch) and are refused while another thread
trains it.

While a job holds a model, a check before its forward (a guarded ``forward`` on the instance, or a
forward pre-hook when the model has hooks already) and one process-wide optimizer step pre-hook (for
its optimizer and any other torch optimizer stepping its parameters) refuse calls from another
thread: a notebook cell that runs ``model(x)`` or its own training loop while the widget sweeps gets a
clear error instead of a corrupted curve. The same hooks are the sweep's safe points for Ctrl-C
(``interrupts.checkpoint``).
What no hook can see: writes straight into the tensors (``p.data``, ``torch.no_grad(): p.mul_()``),
calls to a submodule rather than the model itself, and loading a state dict.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn
from torch.optim.optimizer import register_optimizer_step_pre_hook

from lrwidget.engine import interrupts

_lock = threading.Lock()


class _Job:
    """Who holds one object: the thread, what it runs, how many nested claims, and the hooks it set."""

    __slots__ = ("count", "handles", "label", "obj", "thread", "trains")

    def __init__(self, obj: Any, label: str, trains: bool) -> None:
        self.obj, self.label, self.trains = obj, label, trains
        self.thread = threading.get_ident()
        self.count = 1
        self.handles: list[Any] = []


_jobs: dict[int, _Job] = {}
_watched_params: dict[int, _Job] = {}  # id(parameter) -> the job holding its model
_global_hook: list[Any] = []  # the process-wide optimizer hook, while any job holds anything


def is_busy(obj: Any) -> bool:
    """True while lr_find, a fit or a validation is running on ``obj`` (a model or an optimizer)."""
    with _lock:
        return id(obj) in _jobs


def _refusal(job: _Job, name: str, what: str) -> RuntimeError:
    where = " in another thread" if job.thread != threading.get_ident() else ""
    return RuntimeError(
        f"{job.label} is already running on this {name}{where}; {what} now would change the weights or "
        "modes it is measuring and corrupt its curve. Wait for it to finish (widget.wait()), or stop it "
        "first (widget.stop() / its cancel event)"
    )


def _forward_check(job: _Job) -> Any:
    """The check before the model's forward: refuse another thread; a safe point for a deferred Ctrl-C.
    A closure over the job's thread (it runs at every forward pass: no attribute or partial lookups)."""
    owner, state, get_ident = job.thread, interrupts._state, threading.get_ident

    def check_forward(module: nn.Module, args: Any) -> None:
        if get_ident() != owner:
            raise _refusal(job, "model", "calling the model")
        if state.requests:
            interrupts.checkpoint()

    return check_forward


def _check_any_optimizer(optimizer: Any, args: Any, kwargs: Any) -> None:
    """Process-wide step pre-hook, while any job holds anything: a held optimizer stepped from another
    thread, or any optimizer stepping parameters of a model held by another thread, is refused; the
    held optimizer's own step is a safe point for a deferred Ctrl-C. One hook for both (not one on the
    optimizer too): it runs at every optimizer step."""
    me = threading.get_ident()
    job = _jobs.get(id(optimizer))
    if job is not None and job.obj is optimizer:
        if job.thread != me:
            raise _refusal(job, "optimizer", "stepping the optimizer")
        if interrupts._state.requests:
            interrupts.checkpoint()
    for group in optimizer.param_groups:
        params = group["params"]
        job = _watched_params.get(id(params[0])) if params else None
        if job is not None and job.thread != me:
            raise _refusal(job, "model", "stepping an optimizer over its parameters")


class _GuardedForward:
    """The model's own ``forward``, checked first, set on the instance while the job holds it.

    Any forward hook puts ``nn.Module.__call__`` on its slow path (~10 us a call on a tiny model, 3 % of
    its training step); an instance ``forward`` costs one Python call. Used only when the model has no
    hooks (so nothing else would run before the check) and no instance ``forward`` of its own;
    ``remove()`` deletes it again, leaving ``vars(model)`` as it was."""

    def __init__(self, model: nn.Module, check: Any) -> None:
        original = model.forward

        @functools.wraps(original)
        def forward(*args: Any, **kwargs: Any) -> Any:
            check(model, args)
            return original(*args, **kwargs)

        self._model, self._forward = model, forward
        model.__dict__["forward"] = forward

    def remove(self) -> None:
        if self._model.__dict__.get("forward") is self._forward:
            del self._model.__dict__["forward"]


def _hookless(model: nn.Module) -> bool:
    """True when the model's ``__call__`` takes its fast path and ``forward`` is its class's."""
    return (
        not (
            model._forward_pre_hooks
            or model._forward_hooks
            or model._backward_pre_hooks
            or model._backward_hooks
        )
        and "forward" not in vars(model)
        and not isinstance(model, torch.jit.ScriptModule)
    )


def _install_hooks(job: _Job) -> None:
    obj = job.obj
    if not _global_hook:
        _global_hook.append(register_optimizer_step_pre_hook(_check_any_optimizer))
    if isinstance(obj, nn.Module):
        check = _forward_check(job)
        if _hookless(obj):
            job.handles.append(_GuardedForward(obj, check))
        else:  # on the slow path already: a pre-hook, first of all, costs nothing more
            with contextlib.suppress(RuntimeError, AttributeError, TypeError):  # TorchScript: no hooks
                job.handles.append(obj.register_forward_pre_hook(check, prepend=True))
        for p in obj.parameters():
            _watched_params[id(p)] = job


def _remove_hooks(job: _Job) -> None:
    for handle in job.handles:
        handle.remove()
    job.handles.clear()
    if isinstance(job.obj, nn.Module):
        for p in job.obj.parameters():
            if _watched_params.get(id(p)) is job:
                del _watched_params[id(p)]


def _acquire(label: str, trains: bool, objects: dict[str, Any]) -> list[_Job]:
    me = threading.get_ident()
    for name, obj in objects.items():
        job = _jobs.get(id(obj))
        if job is not None and (trains or job.thread != me):
            raise _refusal(job, name, f"starting {label}")
    claimed = []
    for obj in objects.values():
        job = _jobs.get(id(obj))
        if job is None:
            job = _jobs[id(obj)] = _Job(obj, label, trains)
            _install_hooks(job)
        else:
            job.count += 1
        claimed.append(job)
    return claimed


def _release(claimed: list[_Job]) -> None:
    for job in claimed:
        job.count -= 1
        if job.count == 0:
            _remove_hooks(job)
            del _jobs[id(job.obj)]
    if not _jobs and _global_hook:
        _global_hook.pop().remove()


@contextmanager
def _claim(label: str, trains: bool, objects: dict[str, Any]) -> Iterator[None]:
    hold = interrupts.hold()  # before the first mark: a Ctrl-C now cannot leave a mark behind
    try:
        with _lock:
            claimed = _acquire(label, trains, objects)
    except BaseException:
        hold.release(raise_pending=False)
        raise
    try:
        yield
    finally:
        with _lock:
            _release(claimed)
        hold.release()


def exclusive(label: str = "lr_find", /, **objects: Any) -> Any:
    """Context: ``objects`` (by name, for messages) are trained by ``label`` and nothing else meanwhile;
    RuntimeError if any of them is held already (by any job, in any thread)."""
    return _claim(label, True, objects)


def shared(label: str = "validate", /, **objects: Any) -> Any:
    """Context for a job that only reads ``objects`` (switching modes): it nests inside a job of its own
    thread and is refused (RuntimeError) while another thread holds them."""
    return _claim(label, False, objects)
