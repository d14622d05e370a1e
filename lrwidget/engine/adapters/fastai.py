"""A fastai ``Learner``: its model, optimizer (``learn.opt``), ``loss_func`` and ``dls.train``.

fastai is duck-typed (``.model``, ``.dls``, ``.loss_func``, ``.opt_func``) and never imported here, so it
is no dependency. fastai's ``Optimizer`` keeps its learning rates in ``opt.hypers`` and its state in
``opt.state``: the sweep sets the one and the snapshot restores both in place, next to the data loader's
own random generator, so the next ``fit`` shuffles exactly as it would have.

The callbacks that shape fastai's training step take part: ``MixedPrecision`` turns on ``amp``,
``GradientClip`` clips in ``before_step``, ``GradientAccumulation`` becomes ``accumulation_steps`` (when
its ``n_acc`` is a whole number of batches). Any other callback that acts inside the step (on
``before_batch`` ... ``after_step``) is refused by name: the sweep would silently differ from training.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from lrwidget.core.result import RangeTestResult
from lrwidget.engine.adapters.parts import SweepParts

NAME = "fastai"
KEYWORDS: tuple[str, ...] = ()
_FASTAI_ATTRS = ("model", "dls", "loss_func", "opt_func")
_STEP_EVENTS = (
    "before_batch",
    "after_pred",
    "after_loss",
    "before_backward",
    "after_backward",
    "before_step",
    "after_step",
)
# fastai's own callbacks that act in the step but leave it as ours is (CastToTensor: batches are tensors)
_HARMLESS = ("CastToTensor",)


def is_fastai_learner(obj: Any) -> bool:
    """True for an object shaped like a fastai ``Learner`` (checked by attributes, fastai not imported)."""
    return all(hasattr(obj, name) for name in _FASTAI_ATTRS) and isinstance(
        getattr(obj, "model", None), nn.Module
    )


matches = is_fastai_learner


def optimizer_of(learn: Any) -> Any:
    """What the sweep drives: fastai's ``Optimizer``, or the torch one inside an ``OptimWrapper``."""
    if getattr(learn, "opt", None) is None:
        learn.create_opt()
    inner = getattr(learn.opt, "opt", None)
    return inner if isinstance(inner, torch.optim.Optimizer) else learn.opt


def _step_fn(learn: Any) -> Any:
    n_inp = getattr(learn.dls, "n_inp", 1)
    loss_func = learn.loss_func

    def step(model: nn.Module, batch: Any) -> torch.Tensor:
        # fastai's split: the first n_inp items are inputs, the rest targets
        return loss_func(model(*batch[:n_inp]), *batch[n_inp:])

    return step


def _clip(max_norm: float, norm_type: float) -> Any:
    def clip_gradients(model: nn.Module, optimizer: Any) -> None:
        nn.utils.clip_grad_norm_(model.parameters(), max_norm, norm_type)

    return clip_gradients


def callback_settings(learn: Any) -> dict[str, Any]:
    """The sweep settings the learner's step-shaping callbacks imply; ValueError naming any other one."""
    defaults: dict[str, Any] = {}
    for cb in getattr(learn, "cbs", ()):
        kind = type(cb).__name__
        if kind == "MixedPrecision":
            defaults["amp"] = True
        elif kind == "GradientClip":
            defaults["before_step"] = _clip(float(cb.max_norm), float(cb.norm_type))
        elif kind == "GradientAccumulation":
            bs = getattr(learn.dls.train, "bs", None)
            n_acc = getattr(cb, "n_acc", None)
            if not isinstance(bs, int) or not isinstance(n_acc, int) or n_acc % bs:
                raise ValueError(
                    f"fastai callback GradientAccumulation(n_acc={n_acc}) is not a whole number of batches "
                    f"of {bs}; lr_find can accumulate whole batches only: pass accumulation_steps= and "
                    "remove the callback for the sweep"
                )
            defaults["accumulation_steps"] = max(1, math.ceil(n_acc / bs))
        elif kind not in _HARMLESS:
            events = [e for e in _STEP_EVENTS if any(e in vars(c) for c in type(cb).__mro__[:-1])]
            if events and not _is_fastai_base(type(cb), events):
                raise ValueError(
                    f"fastai callback {kind} acts inside the training step ({', '.join(events)}), which "
                    f"lr_find does not run; remove it for the sweep (learn.remove_cb({kind})) or express "
                    "it as before_step=/accumulation_steps=/amp="
                )
    return defaults


def _is_fastai_base(cls: type, events: list[str]) -> bool:
    # events defined only on fastai's Callback base (it declares none itself) do not count
    return all(
        all(c.__module__.startswith("fastai.callback.core") for c in cls.__mro__ if e in vars(c))
        for e in events
    )


def adapt(learn: Any) -> SweepParts:
    """fastai's model, optimizer, loss and training loader, with the settings its callbacks imply."""
    defaults = callback_settings(learn)
    return SweepParts(
        learn.model,
        optimizer_of(learn),
        _step_fn(learn),
        learn.dls.train,
        "learn.loss_func",
        NAME,
        defaults=defaults,
    )


class FastaiLearner:
    """A fastai ``Learner`` behind the learner interface: ``lr_find``, ``fit_one_cycle``, ``validate``."""

    def __init__(self, learn: Any) -> None:
        if not is_fastai_learner(learn):
            raise TypeError(f"learn must be a fastai Learner (with {', '.join(_FASTAI_ATTRS)})")
        self.learn = learn
        self.result: RangeTestResult | None = None

    @property
    def model(self) -> nn.Module:
        return self.learn.model

    @property
    def optimizer(self) -> Any:
        return optimizer_of(self.learn)

    def lr_find(self, **kwargs: Any) -> RangeTestResult:
        """``lrwidget.lr_find`` on the fastai learner (same keywords)."""
        from lrwidget.engine.entry import lr_find

        self.result = lr_find(self.learn, **kwargs)
        return self.result

    def fit_one_cycle(self, epochs: int, lr: Any = None, **kwargs: Any) -> Any:
        """fastai's own ``fit_one_cycle`` (it takes a float or a ``slice`` too)."""
        return self.learn.fit_one_cycle(epochs, lr, **kwargs)

    def validate(self) -> dict[str, float]:
        """fastai's ``validate()`` as a dict: ``loss`` and each metric by name."""
        values = list(self.learn.validate())
        names = ["loss"] + [getattr(m, "name", f"metric_{i}") for i, m in enumerate(self.learn.metrics)]
        return {name: float(v) for name, v in zip(names, values, strict=False)}


def as_learner(obj: Any) -> Any:
    """``obj`` as something with ``.lr_find(...)``: an lrwidget Learner as is, a fastai Learner wrapped."""
    from lrwidget.engine.learner import Learner

    if isinstance(obj, (Learner, FastaiLearner)):
        return obj
    if is_fastai_learner(obj):
        return FastaiLearner(obj)
    raise TypeError(
        f"expected an lrwidget.Learner or a fastai Learner, got {type(obj).__name__}; for a plain model use "
        "lrwidget.Learner(model, optimizer, loss_fn, train_data)"
    )
