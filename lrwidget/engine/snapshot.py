"""Capture everything a range test may change and put it back exactly, in place, and never half way.

A sweep trains for real: weights, BatchNorm statistics, optimizer moments, learning rates, the random
generators, train/eval flags all move, and a forward pass may even add buffers or attributes.
``TrainingSnapshot(...)`` copies the tensors (where: ``target``, see ``snapshot_store``) and records the
structure by identity; ``restore`` writes the copies back INTO the objects the user holds (the same
parameter, buffer and optimizer tensors, the same state and param-group dicts) and puts every
non-tensor value back as the very object it was (a module in a param group stays ``is`` that module).

Never half way: on the main thread Ctrl-C is deferred from the capture until the restore has finished
(``interrupts``), and the restore re-runs itself if anything interrupts it, then re-raises.
Gradients are kept by reference, not copied: the sweep sets ``p.grad = None`` before its first step and
never writes into the user's gradient tensors, so handing the original tensors back is exact and free.
With ``target="disk"`` (and ``"cpu"`` for gradients on an accelerator) their values also go to the store
and their memory is released for the sweep (each tensor is emptied and refilled at restore: the same
tensor objects come back), since the sweep needs gradients of its own beside them.
"""

from __future__ import annotations

import copy
import os
import weakref
from collections.abc import Iterable, MutableMapping
from typing import Any

import torch
from torch import nn

from lrwidget.engine import distributed, interrupts
from lrwidget.engine.optim import OptimizerView
from lrwidget.engine.snapshot_data import LoaderIterators, RandomState, data_generators
from lrwidget.engine.snapshot_store import TARGETS, TensorStore, owns_its_storage

__all__ = ["TARGETS", "TrainingSnapshot", "data_generators"]

_RESTORE_ATTEMPTS = 3
_MAX_DEPTH = 8  # how deep containers in a param group are looked into for tensors


class _SavedValue:
    """One value of a state dict or param group. Tensors are copied (and refilled in place); plain
    containers keep their identity and have their items put back; anything else is kept by identity,
    since the sweep only ever *replaces* such values (a float lr, a betas tuple), never mutates them."""

    __slots__ = ("items", "key", "original")

    def __init__(self, value: Any, store: TensorStore, depth: int = 0) -> None:
        self.original = value
        self.key: int | None = None
        self.items: Any = None
        if isinstance(value, torch.Tensor):
            self.key = store.add(value)
        elif depth < _MAX_DEPTH and type(value) in (list, tuple):
            self.items = [_SavedValue(v, store, depth + 1) for v in value]
        elif depth < _MAX_DEPTH and type(value) is dict:
            self.items = {k: _SavedValue(v, store, depth + 1) for k, v in value.items()}

    def put_back(self, store: TensorStore) -> Any:
        """The object to store: the original, its contents restored; a new tensor only if it was resized."""
        original = self.original
        if self.key is not None:
            saved = store.load(self.key)
            if original.shape == saved.shape and original.dtype == saved.dtype:
                with torch.no_grad():
                    original.copy_(saved)
                return original
            # the sweep resized or retyped it in place (unusual): a new tensor with the old value
            return saved.to(original.device, copy=True)
        if isinstance(self.items, dict):
            values = {k: s.put_back(store) for k, s in self.items.items()}
            original.clear()
            original.update(values)
        elif isinstance(self.items, list):
            items = [s.put_back(store) for s in self.items]
            if type(original) is list:
                original[:] = items
            elif any(v is not o for v, o in zip(items, original, strict=True)):
                return tuple(items)
        return original


class _TensorValues:
    """The values of parameters and buffers (unique tensors), written back with ``copy_``."""

    def __init__(self, tensors: Iterable[torch.Tensor], store: TensorStore) -> None:
        seen: set[int] = set()
        self._pairs: list[tuple[torch.Tensor, int]] = []
        for t in tensors:
            if id(t) not in seen:
                seen.add(id(t))
                self._pairs.append((t, store.add(t)))

    def restore(self, store: TensorStore) -> None:
        with torch.no_grad():
            for t, key in self._pairs:
                t.copy_(store.load(key))


class _ModuleLayout:
    """Each module's parameters, buffers, submodules and attributes (by identity), train/eval flags and
    each parameter's grad; whatever a forward pass added, re-assigned or removed is put back."""

    def __init__(self, model: nn.Module, extra_params: Iterable[torch.Tensor]) -> None:
        modules = list(model.modules())
        self._modes = [(m, m.training) for m in modules]
        self._registries: list[tuple[MutableMapping[str, Any], dict[str, Any]]] = []
        self._attributes: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self._sets: list[tuple[set[str], set[str]]] = []
        for m in modules:
            for registry in (m._parameters, m._buffers, m._modules):
                self._registries.append((registry, dict(registry)))
            self._attributes.append((m.__dict__, dict(m.__dict__)))
            names = m.__dict__.get("_non_persistent_buffers_set")
            if isinstance(names, set):
                self._sets.append((names, set(names)))
        params: dict[int, torch.Tensor] = {id(p): p for p in model.parameters()}
        params.update((id(p), p) for p in extra_params)
        self.params = list(params.values())
        self._grads = [(p, p.grad, p.requires_grad) for p in self.params]

    def drop_grads(self) -> None:
        """Unset every parameter's gradient (``restore`` sets the user's back)."""
        for p in self.params:
            p.grad = None

    def restore(self) -> None:
        for registry, items in self._registries:
            if registry.keys() != items.keys() or any(registry[k] is not v for k, v in items.items()):
                registry.clear()  # keep the original order (state_dict follows it)
                registry.update(items)
        for attrs, items in self._attributes:
            for name in [k for k in attrs if k not in items]:
                del attrs[name]
            for name, value in items.items():
                if attrs.get(name, _MISSING) is not value:
                    attrs[name] = value
        for names, kept in self._sets:
            if names != kept:
                names.clear()
                names.update(kept)
        for m, training in self._modes:
            m.training = training
        for p, grad, requires_grad in self._grads:
            p.requires_grad_(requires_grad)
            p.grad = grad


_MISSING = object()


def _storage_uses(t: torch.Tensor) -> int | None:
    """How many holders ``t``'s storage has (torch's own count; None where torch does not expose it)."""
    count = getattr(torch._C, "_storage_Use_Count", None)
    return None if count is None else int(count(t.untyped_storage()._cdata))


_LONE_USES = _storage_uses(torch.empty(1))  # a tensor that shares its storage with nobody


def _shared(t: torch.Tensor) -> bool:
    """True unless ``t`` is known to be the only tensor on its storage."""
    uses = _storage_uses(t)
    return uses is None or _LONE_USES is None or uses > _LONE_USES


class _OffloadedGrads:
    """The user's gradients moved out of memory for the sweep (``"disk"``, or ``"cpu"`` for device
    gradients): values copied to the store, then each tensor pointed at an empty storage (``set_``) and
    unset from its parameter; at restore pointed at a fresh storage of its old shape and strides and
    refilled, so ``p.grad`` is again the very tensor it was, with its values. A tensor read meanwhile is
    merely empty (never freed memory). A gradient that is a view of a larger buffer or shares its
    storage with another tensor (a view the user kept must stay its alias), and every gradient under
    torch.distributed (a reducer may own gradient buckets), stays in memory, kept by reference."""

    def __init__(self, params: Iterable[torch.Tensor], store: TensorStore) -> None:
        self._items: list[tuple[torch.Tensor, torch.Tensor, int]] = []
        self._freed: list[tuple[torch.Tensor, torch.Tensor, int]] = []
        if store.target == "memory" or distributed.is_distributed():
            return
        seen: set[int] = set()
        for p in params:
            g = p.grad
            if g is None or id(g) in seen or not owns_its_storage(g) or g.requires_grad or _shared(g):
                continue
            if store.target == "cpu" and g.device.type == "cpu":
                continue  # a host copy of a host tensor frees nothing
            seen.add(id(g))
            self._items.append((p, g, store.add(g)))

    def release(self) -> None:
        """Free the gradients' memory (their values are in the store)."""
        with torch.no_grad():
            for p, g, key in self._items:
                p.grad = None  # (the layout gives it back at restore)
                g.set_(torch.empty(0, dtype=g.dtype, device=g.device))  # type: ignore[call-overload]
                self._freed.append((p, g, key))

    def refill_unrestored(self, store: TensorStore) -> None:
        """Before the store goes: refill any gradient still emptied (a snapshot closed without a restore),
        and give it back to its parameter if the parameter has none."""
        if not any(g.numel() == 0 and p.numel() != 0 for p, g, _ in self._freed):
            return
        self.restore(store)
        for p, g, _ in self._freed:
            if p.grad is None:
                p.grad = g

    def restore(self, store: TensorStore) -> None:
        with torch.no_grad():
            for _, g, key in self._freed:
                saved = store.load(key)
                if g.shape != saved.shape:
                    fresh = torch.empty_strided(saved.shape, saved.stride(), dtype=g.dtype, device=g.device)
                    g.set_(fresh)  # type: ignore[call-overload]
                g.copy_(saved)


class _OptimizerState:
    """Optimizer state (per parameter) and every group's hyperparameters, restored into the same dicts.

    Works for ``torch.optim.Optimizer`` (``state`` + ``param_groups``) and fastai's ``Optimizer``
    (``state`` + ``hypers``), which both keep a mapping key -> dict and a list of group dicts. Keys (a
    parameter, or anything else an optimizer keys its state by) are kept by identity.
    """

    def __init__(self, optimizer: Any, store: TensorStore) -> None:
        self._optimizer = optimizer
        is_torch = OptimizerView(optimizer).is_torch
        self._groups_attr = "param_groups" if is_torch else "hypers"
        by_reference = {"params"} if is_torch else set()  # torch groups hold the parameters themselves
        self._state = optimizer.state
        self._entries = [(key, _SavedValue(entry, store)) for key, entry in self._state.items()]
        self._groups = getattr(optimizer, self._groups_attr)
        self._group_items = list(self._groups)
        self._group_values = []
        for group in self._group_items:
            kept = {k: (v, list(v)) for k, v in group.items() if k in by_reference}
            saved = {k: _SavedValue(v, store) for k, v in group.items() if k not in by_reference}
            self._group_values.append((group, kept, saved))

    def restore(self, store: TensorStore) -> None:
        opt = self._optimizer
        if opt.state is not self._state:  # e.g. a load_state_dict during the sweep replaced it
            opt.state = self._state
        # build every value first, then swap the dict contents: no half-filled entry is ever visible
        entries = [(key, saved.put_back(store)) for key, saved in self._entries]
        groups = [
            (group, kept, {k: s.put_back(store) for k, s in saved.items()})
            for group, kept, saved in self._group_values
        ]
        self._state.clear()
        self._state.update(entries)
        if getattr(opt, self._groups_attr) is not self._groups:
            setattr(opt, self._groups_attr, self._groups)
        if isinstance(self._groups, list):
            self._groups[:] = self._group_items
        for group, kept, values in groups:
            group.clear()
            for k, (container, items) in kept.items():
                container[:] = items
                group[k] = container
            group.update(values)


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


class TrainingSnapshot:
    """Everything a sweep may change; ``restore()`` puts it all back in place, completely or not at all.

    Parameters
    ----------
    model : the module whose parameters, buffers, structure, modes and gradients are captured.
    optimizer : a ``torch.optim.Optimizer`` or a fastai ``Optimizer`` (state + hyperparameters).
    scheduler : an LR scheduler with ``state_dict``/``load_state_dict``, or None.
    grad_scaler : a ``torch.amp.GradScaler``, or None.
    data : the training data; random generators it owns (a DataLoader's ``generator``, fastai's ``rng``)
        are captured, and a persistent-workers DataLoader's iterator is set aside for the sweep, so the
        next epoch shuffles as it would have without the sweep.
    val_data : the validation data, if any: a persistent-workers DataLoader's iterator is set aside too
        (its generators are the validator's to put back).
    target : where the tensor copies live: ``"memory"`` (beside each tensor, on its device),
        ``"cpu"`` (host memory, for GPU models whose copy does not fit beside them) or ``"disk"``.
    directory : for ``target="disk"``, the folder under which a fresh snapshot folder is made (default:
        the system's temporary folder; it must exist and be writable); the files go when the snapshot is
        closed or collected.
    """

    def __init__(
        self,
        model: nn.Module,
        optimizer: Any,
        *,
        scheduler: Any = None,
        grad_scaler: Any = None,
        data: Any = None,
        val_data: Any = None,
        target: str = "memory",
        directory: str | os.PathLike[str] | None = None,
    ) -> None:
        self._store = TensorStore(target, directory)
        self._hold = interrupts.hold()  # Ctrl-C waits from here until the restore is done
        weakref.finalize(self, self._hold.release, raise_pending=False)
        try:
            self.layout = _ModuleLayout(model, OptimizerView(optimizer).params)
            buffers = [b for b in model.buffers() if b is not None]
            self._values = _TensorValues([*self.layout.params, *buffers], self._store)
            self._optimizer = _OptimizerState(optimizer, self._store)
            self._grads = _OffloadedGrads(self.layout.params, self._store)
            self._scheduler = _SchedulerState(scheduler) if scheduler is not None else None
            self._scaler = _GradScalerState(grad_scaler) if grad_scaler is not None else None
            self._random = RandomState(data_generators(data) if data is not None else ())
            # last: the only step that changes anything
            self._iterators = LoaderIterators(data, val_data)
            self._grads.release()
        except BaseException:
            if hasattr(self, "_grads"):
                self._grads.restore(self._store)
            self._hold.release(raise_pending=False)
            self._store.close()
            raise

    @property
    def target(self) -> str:
        return self._store.target

    @property
    def directory(self) -> str | None:
        """The folder holding the copies (``target="disk"``), else None."""
        folder = self._store.folder
        return None if folder is None else str(folder)

    @property
    def nbytes(self) -> int:
        """Bytes held by the copies (parameters, buffers, optimizer tensors, and the gradients moved
        out of memory): the sweep's memory cost (on disk for ``target="disk"``)."""
        return self._store.nbytes

    def restore(self) -> None:
        """Write every captured value back into the user's objects; may be called again (it writes the
        same state). A Ctrl-C pressed meanwhile is raised once the restore is complete."""
        first_error: BaseException | None = None
        with interrupts.restoring():
            for _ in range(_RESTORE_ATTEMPTS):
                try:
                    self._write_back()
                    break
                except BaseException as exc:  # an async interrupt, say: write it all again
                    first_error = first_error or exc
        self._hold.release(raise_pending=first_error is None)
        if first_error is not None:
            raise first_error

    def _write_back(self) -> None:
        self.layout.drop_grads()  # the sweep's: their memory is free before the user's come back
        self._values.restore(self._store)
        self._grads.restore(self._store)
        self.layout.restore()
        self._optimizer.restore(self._store)
        if self._scheduler is not None:
            self._scheduler.restore()
        if self._scaler is not None:
            self._scaler.restore()
        self._random.restore()
        self._iterators.restore()

    def close(self) -> None:
        """Free the copies (delete the files for ``"disk"``); ``restore`` cannot be called afterwards.
        Gradients moved to the store and not restored yet are refilled first (never lost)."""
        self._grads.refill_unrestored(self._store)
        self._store.close()
