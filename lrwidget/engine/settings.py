"""``SweepSettings``: every parameter of a range test in one frozen object, each default written once.

``SweepSettings.from_kwargs(**kw)`` is the one place user keywords become settings: every value is
checked by ``lrwidget.core._checks`` (a wrong type is a TypeError, a wrong value a ValueError, both
naming the parameter; strings are never parsed as numbers) and an unknown keyword is refused with the
closest valid one (``num_iter`` -> "did you mean 'num_it'?"). Everything is checked before any work, so
the widget can fail at construction instead of in its thread.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from lrwidget.core import _checks
from lrwidget.core.schedules import MODES, Ladder, validate_range
from lrwidget.engine.batches import check_data

SNAPSHOT_TARGETS: tuple[str, ...] = ("memory", "cpu", "disk")
BeforeStep = Callable[[nn.Module, Any], Any]


@dataclass(frozen=True)
class SweepSettings:
    """The sweep's parameters.

    start_lr, end_lr, num_it, mode : the ladder (``num_it`` optimizer steps; ``end_lr`` is reached).
    beta : smoothing of the recorded loss (bias-corrected EMA), in [0, 1).
    stop_div, div_factor : stop once the smoothed loss exceeds ``div_factor`` x its best (a non-finite
        loss always stops the sweep).
    device : where batches go; None: the device of the model's first parameter.
    accumulation_steps : micro-batches per optimizer step (the lr advances per optimizer step).
    amp : autocast (float16 + a GradScaler on CUDA, bfloat16 on CPU).
    before_step : ``before_step(model, optimizer)`` after backward (after unscaling under AMP) and before
        ``optimizer.step()``: gradient clipping, say.
    val_data, val_every, val_batches : a held-out loader evaluated every ``val_every`` steps on its first
        ``val_batches`` batches, recorded as ``result.val_losses``.
    snapshot, snapshot_dir : where the copy restored afterwards lives: "memory" (default), "cpu" (GPU
        models) or "disk" (a fresh folder under ``snapshot_dir``, default the system's temporary one).
    progress : a tqdm progress bar.
    """

    start_lr: float = 1e-7
    end_lr: float = 10.0
    num_it: int = 100
    mode: str = "exp"
    beta: float = 0.98
    stop_div: bool = True
    div_factor: float = 4.0
    device: torch.device | None = None
    accumulation_steps: int = 1
    amp: bool = False
    before_step: BeforeStep | None = field(default=None, compare=False)
    val_data: Iterable[Any] | None = field(default=None, compare=False)
    val_every: int = 1
    val_batches: int = 4
    snapshot: str = "memory"
    snapshot_dir: str | None = None
    progress: bool = True

    def __post_init__(self) -> None:
        validate_range(self.start_lr, self.end_lr, self.num_it, self.mode)
        _checks.real("beta", self.beta, low=0.0, high=1.0, high_open=True)
        _checks.boolean("stop_div", self.stop_div)
        _checks.real("div_factor", self.div_factor, low=1.0, low_open=True)
        check_device(self.device)
        _checks.integer("accumulation_steps", self.accumulation_steps, low=1)
        _checks.boolean("amp", self.amp)
        _checks.function("before_step", self.before_step, "(model, optimizer) -> None")
        if self.val_data is not None:
            check_data(self.val_data, "val_data")
        _checks.integer("val_every", self.val_every, low=1)
        _checks.integer("val_batches", self.val_batches, low=1)
        _checks.choice("snapshot", self.snapshot, SNAPSHOT_TARGETS)
        if self.snapshot_dir is not None and not isinstance(self.snapshot_dir, (str, os.PathLike)):
            raise TypeError(f"snapshot_dir must be a directory path, got {type(self.snapshot_dir).__name__}")
        if self.snapshot != "disk" and self.snapshot_dir is not None:
            raise ValueError(
                f"snapshot_dir is only used with snapshot='disk', not snapshot={self.snapshot!r}"
            )
        _checks.boolean("progress", self.progress)
        # normal forms, so equal settings compare equal and to_dict() is plain JSON
        for name in ("start_lr", "end_lr", "beta", "div_factor"):
            object.__setattr__(self, name, float(getattr(self, name)))
        for name in ("stop_div", "amp", "progress"):
            object.__setattr__(self, name, bool(getattr(self, name)))
        if self.device is not None:
            object.__setattr__(self, "device", torch.device(self.device))
        if self.snapshot_dir is not None:
            object.__setattr__(self, "snapshot_dir", os.fspath(self.snapshot_dir))

    @classmethod
    def from_kwargs(cls, **kwargs: Any) -> SweepSettings:
        """Settings from user keywords: unknown ones refused (closest valid named), every value checked."""
        _checks.keywords(kwargs, NAMES, "lr_find")
        return cls(**kwargs)

    @property
    def ladder(self) -> Ladder:
        """The reference group's learning rate at each step, computed on demand."""
        return Ladder(self.start_lr, self.end_lr, self.num_it, self.mode)

    def replace(self, **changes: Any) -> SweepSettings:
        """A copy with ``changes`` applied (checked like ``from_kwargs``)."""
        _checks.keywords(changes, NAMES, "SweepSettings.replace")
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-able settings (numbers, strings, bools) as ``result.settings`` records them."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in ("before_step", "val_data"):
                continue
            out[f.name] = str(value) if isinstance(value, torch.device) else value
        out["before_step"] = _qualname(self.before_step)
        out["val_data"] = self.val_data is not None
        return out


NAMES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(SweepSettings))
DEFAULTS: Mapping[str, Any] = {
    f.name: f.default for f in dataclasses.fields(SweepSettings) if f.default is not dataclasses.MISSING
}
__all__ = ["DEFAULTS", "MODES", "NAMES", "SNAPSHOT_TARGETS", "SweepSettings", "check_device"]


def check_device(device: object) -> None:
    """TypeError/ValueError naming ``device`` unless it is None or a device the sweep can run on here."""
    if device is None:
        return
    if not isinstance(device, (str, torch.device)):
        raise TypeError(f"device must be a torch device or its name ('cpu', 'cuda:0'), got {device!r}")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device must name a torch device ('cpu', 'cuda:0'), not {device!r}") from exc
    if dev.type == "meta":
        raise ValueError("device='meta' holds no data, so nothing can be trained on it; use 'cpu' or 'cuda'")
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device={device!r} but CUDA is not available here (torch.cuda.is_available())")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(f"device={device!r} but only {torch.cuda.device_count()} CUDA device(s) exist")
    elif dev.type == "mps" and not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
        raise ValueError(f"device={device!r} but MPS is not available here")


def _qualname(fn: Any) -> str | None:
    if fn is None:
        return None
    return str(getattr(fn, "__qualname__", None) or type(fn).__name__)
