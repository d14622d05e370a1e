"""Transfer learning in miniature on the bundled digits: a pretrained body, a new head for other classes.

The body (two convolutions, as in ``small_cnn``) learns digits 0-4; a fresh head then learns digits 5-9
from few labelled images. That is the setting of discriminative fine-tuning: first the head alone (body
frozen), then everything, the body at a lower rate than the head. Offline, CPU, seconds.
"""

from __future__ import annotations

import copy

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from lrwidget.engine.learner import Learner
from lrwidget.examples.digits import conv_layers, digits_tensors

PRETRAIN_CLASSES: tuple[int, ...] = (0, 1, 2, 3, 4)
FINETUNE_CLASSES: tuple[int, ...] = (5, 6, 7, 8, 9)
FEATURES = 128  # what conv_body outputs per image


class BodyHead(nn.Module):
    """``head(body(x))``, with the two parts as attributes so each can be frozen or get its own rate."""

    def __init__(self, body: nn.Module, head: nn.Module) -> None:
        super().__init__()
        self.body = body
        self.head = head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


def conv_body(seed: int = 0) -> nn.Sequential:
    """Two 3x3 convolutions with BatchNorm, max-pool and a 2x2 average pool: 128 features per image."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return nn.Sequential(*conv_layers())


def new_head(n_classes: int, seed: int = 0) -> nn.Linear:
    """A freshly initialised linear head over the body's features."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return nn.Linear(FEATURES, n_classes)


def class_loaders(
    classes: tuple[int, ...],
    *,
    batch_size: int = 32,
    n_train: int | None = None,
    seed: int = 0,
) -> tuple[DataLoader, DataLoader]:
    """Train and valid loaders over the digits of ``classes`` only, labels renumbered 0..len(classes)-1.

    ``n_train`` keeps only the first that many training images (the split is already shuffled):
    fine-tuning is for when labelled data are scarce.
    """
    if not classes or len(set(classes)) != len(classes) or not all(0 <= c <= 9 for c in classes):
        raise ValueError(f"classes must be distinct digits 0-9, got {classes!r}")
    if n_train is not None and (isinstance(n_train, bool) or not isinstance(n_train, int) or n_train < 1):
        raise ValueError(f"n_train must be a positive integer or None, got {n_train!r}")
    train, valid = digits_tensors(seed)
    relabel = torch.full((10,), -1, dtype=torch.long)
    relabel[list(classes)] = torch.arange(len(classes))

    def subset(ds: TensorDataset, limit: int | None) -> TensorDataset:
        x, y = ds.tensors
        keep = relabel[y] >= 0
        x, y = x[keep][:limit], relabel[y[keep]][:limit]
        return TensorDataset(x, y)

    generator = torch.Generator().manual_seed(seed)
    return (
        DataLoader(subset(train, n_train), batch_size=batch_size, shuffle=True, generator=generator),
        DataLoader(subset(valid, None), batch_size=256),
    )


def pretrained_body(epochs: int = 5, lr: float = 3e-3, seed: int = 0) -> nn.Sequential:
    """A ``conv_body`` trained (with a temporary head, one-cycle AdamW) on ``PRETRAIN_CLASSES``."""
    body = conv_body(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = BodyHead(body, new_head(len(PRETRAIN_CLASSES), seed))
        train, valid = class_loaders(PRETRAIN_CLASSES, batch_size=64, seed=seed)
        optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
        Learner(model, optimizer, nn.functional.cross_entropy, train, valid).fit_one_cycle(
            epochs, lr, progress=False
        )
    return body


def finetune_model(body: nn.Module, seed: int = 0) -> BodyHead:
    """A copy of ``body`` (the original stays as it is) under a new head for ``FINETUNE_CLASSES``."""
    return BodyHead(copy.deepcopy(body), new_head(len(FINETUNE_CLASSES), seed))
