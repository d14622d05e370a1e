"""``as_learner``: accept an ``lrwidget.Learner`` or a fastai ``Learner`` wherever a learner is expected.

fastai is duck-typed (``.model``, ``.dls``, ``.loss_func``, ``.opt_func``) and never imported here, so it
is no dependency. The sweep runs our own loop over fastai's pieces: ``learn.model``, ``learn.dls.train``,
``learn.loss_func`` and ``learn.opt`` (created with ``learn.create_opt()`` when missing). fastai's
``Optimizer`` keeps its learning rates in ``opt.hypers`` and its state in ``opt.state``: the sweep sets
the one and the snapshot restores both in place, next to the data loader's own random generator, so the
next ``fit`` shuffles exactly as it would have. fastai callbacks (mixed precision, for one) do not run.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from lrwidget.core.result import RangeTestResult
from lrwidget.engine.learner import Learner
from lrwidget.engine.range_test import run_range_test

_FASTAI_ATTRS = ("model", "dls", "loss_func", "opt_func")


def is_fastai_learner(obj: Any) -> bool:
    """True for an object shaped like a fastai ``Learner`` (checked by attributes, fastai not imported)."""
    return all(hasattr(obj, name) for name in _FASTAI_ATTRS) and isinstance(
        getattr(obj, "model", None), nn.Module
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
        """What the sweep drives: fastai's ``Optimizer``, or the torch one inside an ``OptimWrapper``."""
        learn = self.learn
        if getattr(learn, "opt", None) is None:
            learn.create_opt()
        inner = getattr(learn.opt, "opt", None)
        return inner if isinstance(inner, torch.optim.Optimizer) else learn.opt

    def _step_fn(self) -> Any:
        n_inp = getattr(self.learn.dls, "n_inp", 1)
        loss_func = self.learn.loss_func

        def step(model: nn.Module, batch: Any) -> torch.Tensor:
            # fastai's split: the first n_inp items are inputs, the rest targets
            return loss_func(model(*batch[:n_inp]), *batch[n_inp:])

        return step

    def lr_find(self, **kwargs: Any) -> RangeTestResult:
        """Run the range test on the fastai learner's model, optimizer, loss and training data."""
        step_fn = kwargs.pop("step_fn", None) or self._step_fn()
        self.result = run_range_test(
            self.learn.model,
            self.optimizer,
            step_fn,
            self.learn.dls.train,
            loss_source="learn.loss_func",
            **kwargs,
        )
        return self.result

    def fit_one_cycle(self, epochs: int, lr: Any = None, **kwargs: Any) -> Any:
        """fastai's own ``fit_one_cycle`` (it takes a float or a ``slice`` too)."""
        return self.learn.fit_one_cycle(epochs, lr, **kwargs)

    def validate(self) -> dict[str, float]:
        """fastai's ``validate()`` as a dict: ``loss`` and each metric by name."""
        values = list(self.learn.validate())
        names = ["loss"] + [getattr(m, "name", f"metric_{i}") for i, m in enumerate(self.learn.metrics)]
        return {name: float(v) for name, v in zip(names, values, strict=False)}


def as_learner(obj: Any) -> Learner | FastaiLearner:
    """``obj`` as something with ``.lr_find(...)``: an lrwidget Learner as is, a fastai Learner wrapped."""
    if isinstance(obj, (Learner, FastaiLearner)):
        return obj
    if is_fastai_learner(obj):
        return FastaiLearner(obj)
    raise TypeError(
        f"expected an lrwidget.Learner or a fastai Learner, got {type(obj).__name__}; for a plain model use "
        "lrwidget.Learner(model, optimizer, loss_fn, train_data)"
    )
