"""A Lightning ``LightningModule``: ``training_step`` gives the loss, ``configure_optimizers`` the optimizer.

Data comes from ``train_dataloaders=`` (a loader), ``datamodule=`` (its ``train_dataloader()`` after
``setup("fit")``) or the module's own ``train_dataloader()``. The optimizer is the one
``configure_optimizers`` returns (any of its forms: an optimizer, a list, ``(optimizers, schedulers)``,
a dict with ``"optimizer"`` or a list of such dicts); the sweep drives the learning rate itself, so the
schedulers it returns are not stepped. One optimizer only, automatic optimization only: anything else is
refused by name. Lightning is never imported here (the class is recognised by name), so it is no
dependency. No ``Trainer`` runs: ``self.log`` inside ``training_step`` is a no-op (Lightning's warning
about it is silenced), and trainer-side options (``gradient_clip_val``, ``accumulate_grad_batches``,
``precision``) are passed as ``before_step=``, ``accumulation_steps=``, ``amp=``.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Mapping
from typing import Any

import torch
from torch import nn

from lrwidget.engine.adapters.parts import SweepParts

NAME = "lightning"
KEYWORDS: tuple[str, ...] = ("train_dataloaders", "datamodule")
_MODULES = ("lightning", "pytorch_lightning")


def _defined_by_lightning(cls: type, name: str) -> bool:
    """True when ``cls.name`` is Lightning's own default (the user did not override it)."""
    for klass in cls.__mro__:
        if name in vars(klass):
            return klass.__module__.split(".")[0] in _MODULES
    return True


def matches(source: Any) -> bool:
    """True for a ``LightningModule`` (of ``lightning`` or ``pytorch_lightning``)."""
    return isinstance(source, nn.Module) and any(
        c.__name__ == "LightningModule" and c.__module__.split(".")[0] in _MODULES
        for c in type(source).__mro__
    )


def single_optimizer(config: Any) -> torch.optim.Optimizer:
    """The one optimizer in ``configure_optimizers()``'s output; TypeError/ValueError saying why not."""
    if isinstance(config, Mapping):
        if "optimizer" not in config:
            raise ValueError("configure_optimizers() returned a dict without an 'optimizer' key")
        return single_optimizer(config["optimizer"])
    if isinstance(config, torch.optim.Optimizer):
        return config
    if isinstance(config, (list, tuple)):
        if len(config) == 2 and isinstance(config[0], (list, tuple)):  # ([optimizers], [schedulers])
            return single_optimizer(list(config[0]))
        if len(config) != 1:
            raise ValueError(
                f"configure_optimizers() returned {len(config)} optimizers; lr_find sweeps one (for a GAN, "
                "sweep each part as a plain model: lr_find(part, optimizer, loss_fn, train_data))"
            )
        return single_optimizer(config[0])
    raise TypeError(
        "configure_optimizers() must return an optimizer (or a list/dict holding one), "
        f"got {type(config).__name__}"
    )


def _train_data(module: nn.Module, train_dataloaders: Any, datamodule: Any) -> Any:
    if train_dataloaders is not None and datamodule is not None:
        raise ValueError("pass train_dataloaders= or datamodule=, not both")
    if train_dataloaders is not None:
        if not hasattr(train_dataloaders, "__iter__"):
            raise TypeError(f"train_dataloaders must be a DataLoader, got {type(train_dataloaders).__name__}")
        return train_dataloaders
    if datamodule is not None:
        if not callable(getattr(datamodule, "train_dataloader", None)):
            raise TypeError(f"datamodule must be a LightningDataModule, got {type(datamodule).__name__}")
        datamodule.setup("fit")
        return datamodule.train_dataloader()
    if _defined_by_lightning(type(module), "train_dataloader"):
        raise TypeError(
            f"{type(module).__name__} has no train_dataloader(); pass train_dataloaders=<a DataLoader> or "
            "datamodule=<a LightningDataModule>"
        )
    return module.train_dataloader()  # type: ignore[operator]


def _training_loss(module: Any) -> Any:
    batch_index = [0]

    def step(model: nn.Module, batch: Any) -> torch.Tensor:
        out = module.training_step(batch, batch_index[0])
        batch_index[0] += 1
        if isinstance(out, Mapping):
            if "loss" not in out:
                raise ValueError("training_step returned a dict without a 'loss' key")
            out = out["loss"]
        if out is None:
            raise ValueError("training_step returned None (a skipped batch); lr_find needs a loss every step")
        return out

    return step


@contextlib.contextmanager
def _quiet_logging() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"You are trying to `self.log\(\)`")
        yield


def adapt(module: Any, *, train_dataloaders: Any = None, datamodule: Any = None) -> SweepParts:
    """The module, its optimizer, ``training_step`` as the loss, and the training loader."""
    if getattr(module, "automatic_optimization", True) is False:
        raise ValueError(
            f"{type(module).__name__} uses manual optimization (automatic_optimization=False); lr_find needs "
            "training_step to return the loss"
        )
    data = _train_data(module, train_dataloaders, datamodule)
    optimizer = single_optimizer(module.configure_optimizers())
    return SweepParts(
        module, optimizer, _training_loss(module), data, "training_step", NAME, context=_quiet_logging
    )
