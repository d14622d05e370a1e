"""Capture everything a range test may change, in memory, and put it back exactly and in place.

A sweep trains for real: weights, BatchNorm statistics, optimizer moments, learning rates, the random
generators and train/eval flags all move. ``TrainingSnapshot(...)`` copies them (a CPU copy for GPU
tensors, never a file) and ``restore`` writes the copies back INTO the objects the user holds: the same
parameter and buffer tensors, the same optimizer state dicts and tensors, the same param-group dicts.
So every reference the user kept stays valid, and the restored values are bitwise the captured ones.

Gradients are kept by reference, not copied: the sweep sets ``p.grad = None`` before its first step and
never writes into the user's gradient tensors, so handing the original tensors back is exact and free.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterable, MutableMapping
from typing import Any

import numpy as np
import torch
from torch import nn

from lrwidget.engine.optim import OptimizerView

# attribute names under which data loaders keep their own random generators (torch: ``generator``;
# fastai's DataLoader: ``rng``, a ``random.Random`` it replaces on every pass)
_GENERATOR_ATTRS = ("generator", "rng")
_DATA_CHILDREN = ("sampler", "batch_sampler")


def _copy_tensor(t: torch.Tensor) -> torch.Tensor:
    """A detached copy on the CPU (the device copy would double GPU memory)."""
    return t.detach().to("cpu", copy=True)


def _tensor_bytes(t: torch.Tensor) -> int:
    return t.numel() * t.element_size()


class _SavedValue:
    """One value of a state dict or param group: the original object and a copy to write back."""

    __slots__ = ("copy", "original")

    def __init__(self, value: Any) -> None:
        self.original = value
        self.copy = _copy_tensor(value) if isinstance(value, torch.Tensor) else copy.deepcopy(value)

    @property
    def nbytes(self) -> int:
        return _tensor_bytes(self.copy) if isinstance(self.copy, torch.Tensor) else 0

    def put_back(self) -> Any:
        """Return the object to store: the original tensor refilled in place, or a fresh deep copy."""
        original, saved = self.original, self.copy
        if not isinstance(original, torch.Tensor):
            return copy.deepcopy(saved)
        if original.shape == saved.shape and original.dtype == saved.dtype:
            with torch.no_grad():
                original.copy_(saved)
            return original
        # the sweep resized or retyped it in place (unusual): fall back to a new tensor with the old value
        return saved.to(original.device, copy=True)


class _TensorValues:
    """The values of parameters and buffers (unique tensors), written back with ``copy_``."""

    def __init__(self, tensors: Iterable[torch.Tensor]) -> None:
        seen: set[int] = set()
        self._pairs: list[tuple[torch.Tensor, torch.Tensor]] = []
        for t in tensors:
            if id(t) not in seen:
                seen.add(id(t))
                self._pairs.append((t, _copy_tensor(t)))

    @property
    def nbytes(self) -> int:
        return sum(_tensor_bytes(saved) for _, saved in self._pairs)

    def restore(self) -> None:
        with torch.no_grad():
            for t, saved in self._pairs:
                t.copy_(saved)


class _ModuleLayout:
    """Which tensor sits in which module slot, each module's train/eval flag, each parameter's grad."""

    def __init__(self, model: nn.Module, extra_params: Iterable[torch.Tensor]) -> None:
        self._modes = [(m, m.training) for m in model.modules()]
        self._slots: list[tuple[MutableMapping[str, Any], str, Any]] = []
        for m in model.modules():
            for registry in (m._parameters, m._buffers):
                self._slots.extend((registry, name, t) for name, t in registry.items())
        params: dict[int, torch.Tensor] = {id(p): p for p in model.parameters()}
        params.update((id(p), p) for p in extra_params)
        self.params = list(params.values())
        self._grads = [(p, p.grad, p.requires_grad) for p in self.params]

    def restore(self) -> None:
        for registry, name, t in self._slots:
            if registry.get(name) is not t:  # a forward pass re-assigned the attribute
                registry[name] = t
        for m, training in self._modes:
            m.training = training
        for p, grad, requires_grad in self._grads:
            p.requires_grad_(requires_grad)
            p.grad = grad


class _OptimizerState:
    """Optimizer state (per parameter) and every group's hyperparameters, restored into the same dicts.

    Works for ``torch.optim.Optimizer`` (``state`` + ``param_groups``) and fastai's ``Optimizer``
    (``state`` + ``hypers``), which both keep a mapping parameter -> dict and a list of group dicts.
    """

    def __init__(self, optimizer: Any) -> None:
        self._optimizer = optimizer
        is_torch = OptimizerView(optimizer).is_torch
        self._groups_attr = "param_groups" if is_torch else "hypers"
        by_reference = {"params"} if is_torch else set()  # torch groups hold the parameters themselves
        self._state = optimizer.state
        self._entries = [
            (key, entry, {k: _SavedValue(v) for k, v in entry.items()}) for key, entry in self._state.items()
        ]
        self._groups = getattr(optimizer, self._groups_attr)
        self._group_items = list(self._groups)
        self._group_values = []
        for group in self._group_items:
            kept = {k: (v, list(v)) for k, v in group.items() if k in by_reference}
            saved = {k: _SavedValue(v) for k, v in group.items() if k not in by_reference}
            self._group_values.append((group, kept, saved))

    @property
    def nbytes(self) -> int:
        entries = sum(s.nbytes for _, _, saved in self._entries for s in saved.values())
        groups = sum(s.nbytes for _, _, saved in self._group_values for s in saved.values())
        return entries + groups

    def restore(self) -> None:
        opt = self._optimizer
        if opt.state is not self._state:  # e.g. a load_state_dict during the sweep replaced it
            opt.state = self._state
        self._state.clear()
        for key, entry, saved in self._entries:
            entry.clear()
            entry.update((k, s.put_back()) for k, s in saved.items())
            self._state[key] = entry
        if getattr(opt, self._groups_attr) is not self._groups:
            setattr(opt, self._groups_attr, self._groups)
        if isinstance(self._groups, list):
            self._groups[:] = self._group_items
        for group, kept, saved in self._group_values:
            group.clear()
            for k, (container, items) in kept.items():
                container[:] = items
                group[k] = container
            group.update((k, s.put_back()) for k, s in saved.items())


class _SchedulerState:
    """An LR scheduler's ``state_dict`` (plain numbers and lists), deep-copied."""

    def __init__(self, scheduler: Any) -> None:
        self._scheduler = scheduler
        self._state = copy.deepcopy(scheduler.state_dict())

    def restore(self) -> None:
        self._scheduler.load_state_dict(copy.deepcopy(self._state))


class _GradScalerState:
    """A GradScaler's scale, growth tracker and per-optimizer bookkeeping (nothing when disabled)."""

    def __init__(self, scaler: Any) -> None:
        self._scaler = scaler
        self._enabled = bool(scaler.is_enabled())
        self._state = copy.deepcopy(scaler.state_dict()) if self._enabled else {}
        self._lazy = getattr(scaler, "_scale", None) is None  # not initialised before its first use
        per_optimizer = getattr(scaler, "_per_optimizer_states", None)
        self._per_optimizer = per_optimizer
        self._per_optimizer_items = dict(per_optimizer) if per_optimizer is not None else {}

    def restore(self) -> None:
        scaler = self._scaler
        if self._enabled:
            scaler.load_state_dict(copy.deepcopy(self._state))
            if self._lazy:
                scaler._scale = None
                scaler._growth_tracker = None
        if self._per_optimizer is not None:
            self._per_optimizer.clear()
            self._per_optimizer.update(self._per_optimizer_items)
            scaler._per_optimizer_states = self._per_optimizer


def _generator_state(gen: Any) -> Any:
    if isinstance(gen, torch.Generator):
        return gen.get_state()
    if isinstance(gen, random.Random):
        return gen.getstate()
    if isinstance(gen, np.random.RandomState):
        return gen.get_state()
    if isinstance(gen, np.random.Generator):
        return copy.deepcopy(gen.bit_generator.state)
    raise TypeError(f"not a random generator: {type(gen).__name__}")


def _set_generator_state(gen: Any, state: Any) -> None:
    if isinstance(gen, torch.Generator):
        gen.set_state(state)
    elif isinstance(gen, random.Random):
        gen.setstate(state)
    elif isinstance(gen, np.random.RandomState):
        gen.set_state(state)
    else:
        gen.bit_generator.state = copy.deepcopy(state)


def data_generators(data: Any) -> list[tuple[Any, str, Any]]:
    """``(owner, attribute, generator)`` for the random generators a data loader and its samplers own."""
    owners, found, seen = [data], [], set()
    for name in _DATA_CHILDREN:
        child = getattr(data, name, None)
        if child is not None:
            owners.append(child)
            inner = getattr(child, "sampler", None)
            if inner is not None:
                owners.append(inner)
    kinds = (torch.Generator, random.Random, np.random.RandomState, np.random.Generator)
    for owner in owners:
        for attr in _GENERATOR_ATTRS:
            gen = getattr(owner, attr, None)
            if isinstance(gen, kinds) and (id(owner), attr) not in seen:
                seen.add((id(owner), attr))
                found.append((owner, attr, gen))
    return found


class _RandomState:
    """Python ``random``, NumPy's global generator, torch CPU and CUDA (all devices), and data generators."""

    def __init__(self, generators: Iterable[tuple[Any, str, Any]] = ()) -> None:
        self._python = random.getstate()
        self._numpy = np.random.get_state()
        self._torch = torch.get_rng_state()
        # CUDA's generators exist once CUDA is initialised; before that nothing can have drawn from them
        cuda_live = torch.cuda.is_available() and torch.cuda.is_initialized()
        self._cuda = torch.cuda.get_rng_state_all() if cuda_live else None
        self._generators = [(owner, attr, gen, _generator_state(gen)) for owner, attr, gen in generators]

    def restore(self) -> None:
        random.setstate(self._python)
        np.random.set_state(self._numpy)
        torch.set_rng_state(self._torch)
        if self._cuda is not None:
            torch.cuda.set_rng_state_all(self._cuda)
        for owner, attr, gen, state in self._generators:
            setattr(owner, attr, gen)
            _set_generator_state(gen, state)


class TrainingSnapshot:
    """Everything a sweep may change, held in memory; ``restore()`` puts it all back in place.

    Parameters
    ----------
    model : the module whose parameters, buffers, modes and gradients are captured.
    optimizer : a ``torch.optim.Optimizer`` or a fastai ``Optimizer`` (state + hyperparameters).
    scheduler : an LR scheduler with ``state_dict``/``load_state_dict``, or None.
    grad_scaler : a ``torch.amp.GradScaler``, or None.
    data : the training data; random generators it owns (a DataLoader's ``generator``, fastai's ``rng``)
        are captured too, so the next epoch shuffles as it would have without the sweep.
    """

    def __init__(
        self,
        model: nn.Module,
        optimizer: Any,
        *,
        scheduler: Any = None,
        grad_scaler: Any = None,
        data: Any = None,
    ) -> None:
        self.layout = _ModuleLayout(model, OptimizerView(optimizer).params)
        buffers = [b for b in model.buffers() if b is not None]
        self._values = _TensorValues([*self.layout.params, *buffers])
        self._optimizer = _OptimizerState(optimizer)
        self._scheduler = _SchedulerState(scheduler) if scheduler is not None else None
        self._scaler = _GradScalerState(grad_scaler) if grad_scaler is not None else None
        self._random = _RandomState(data_generators(data) if data is not None else ())

    @property
    def nbytes(self) -> int:
        """Bytes held by the copies (parameters, buffers, optimizer tensors): the sweep's memory cost."""
        return self._values.nbytes + self._optimizer.nbytes

    def restore(self) -> None:
        """Write every captured value back into the user's objects (idempotent)."""
        self._values.restore()
        self.layout.restore()
        self._optimizer.restore()
        if self._scheduler is not None:
            self._scheduler.restore()
        if self._scaler is not None:
            self._scaler.restore()
        self._random.restore()
