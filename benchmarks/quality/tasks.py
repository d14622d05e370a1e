"""The benchmark's tasks: data, a model built from a seed (same seed, same initial weights), an optimizer.

The held-out tasks were fixed before any result was looked at, by position: every third task of the list
(3, 6, 9, 12, 15). They take no part in designing ``auto``; see docs/suggestion_quality.md.
"""

from __future__ import annotations

import functools
import itertools
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from benchmarks.quality import data
from lrwidget.engine.learner import Learner, param_groups


@dataclass(frozen=True)
class Task:
    """One training problem of the corpus.

    ``model(seed)`` returns a fresh module whose initial weights depend on ``seed`` only; modules with a
    ``body`` and a ``head`` (the transfer tasks) get one optimizer param group per part.
    """

    name: str
    description: str
    data: Callable[[], data.Split]
    model: Callable[[int], nn.Module]
    optimizer: str  # "sgd" (momentum 0.9) | "adam" | "adamw" (weight decay 0.01)
    batch_size: int
    epochs: int
    loss: str = "cross_entropy"  # or "mse"
    holdout: bool = False
    frozen_body: bool = False

    def make_optimizer(self, model: nn.Module) -> torch.optim.Optimizer:
        """The task's optimizer over the trainable parameters (body and head as two groups when present)."""
        if hasattr(model, "body") and hasattr(model, "head"):
            groups = [{"params": list(model.head.parameters())}] if self.frozen_body else None
            groups = groups or param_groups(model.body, model.head)
        else:
            groups = [{"params": list(model.parameters())}]
        if self.optimizer == "sgd":
            return torch.optim.SGD(groups, lr=1e-3, momentum=0.9)
        if self.optimizer == "adam":
            return torch.optim.Adam(groups, lr=1e-3)
        if self.optimizer == "adamw":
            return torch.optim.AdamW(groups, lr=1e-3, weight_decay=0.01)
        raise ValueError(f"optimizer must be 'sgd', 'adam' or 'adamw', got {self.optimizer!r}")

    def loss_fn(self) -> Callable[..., torch.Tensor]:
        """Cross-entropy for classes, mean squared error for the (standardised) regression targets."""
        return nn.functional.mse_loss if self.loss == "mse" else nn.functional.cross_entropy

    def spec(self) -> str:
        """What the cached results depend on (the cache is keyed by it)."""
        return f"{self.name}|{self.optimizer}|{self.batch_size}|{self.epochs}|{self.loss}|{self.frozen_body}"


def _seeded(seed: int, build: Callable[[], nn.Module]) -> nn.Module:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build()


def mlp(sizes: list[int], act: type[nn.Module] = nn.ReLU, dropout: float = 0.0) -> nn.Sequential:
    """Linear layers of ``sizes`` with ``act`` (and dropout) between them."""
    layers: list[nn.Module] = [nn.Flatten()]
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(act())
            if dropout:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


def cnn_body(batch_norm: bool, width: int = 8) -> nn.Sequential:
    """Two 3x3 convolutions (``width``, ``2 * width`` channels, optionally with BatchNorm), max-pool,
    2x2 average pool: ``8 * width`` features."""
    norm = (lambda c: nn.BatchNorm2d(c)) if batch_norm else (lambda c: nn.Identity())
    return nn.Sequential(
        nn.Conv2d(1, width, 3, padding=1),
        norm(width),
        nn.ReLU(),
        nn.Conv2d(width, 2 * width, 3, padding=1),
        norm(2 * width),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.AdaptiveAvgPool2d(2),
        nn.Flatten(),
    )


def body_and_head(body: nn.Module, head: nn.Module) -> nn.Sequential:
    """A model with ``.body`` and ``.head`` attributes, for two param groups."""
    return nn.Sequential(OrderedDict(body=body, head=head))


# -- transfer learning: a body pretrained on digits 0-4, fine-tuned on digits 5-9 -----------------
PRETRAIN_CLASSES = (0, 1, 2, 3, 4)
FINETUNE_CLASSES = (5, 6, 7, 8, 9)
FINETUNE_TRAIN = 300  # few labelled samples: the situation transfer learning is for
FINETUNE_NOISE = 0.4  # and a shifted domain: noisy images (also keeps the best loss well above 0)


@functools.cache
def pretrained_body(kind: str) -> dict[str, torch.Tensor]:
    """State dict of a body ("mlp" or "cnn") trained with Adam on digits 0-4 (fixed seed, cached)."""
    torch.manual_seed(1234)
    split = data.digits(PRETRAIN_CLASSES, image=kind == "cnn", seed=1)
    body = _new_body(kind)
    model = body_and_head(body, nn.Linear(_FEATURES[kind], len(PRETRAIN_CLASSES)))
    train = data.Batches(split.x_train, split.y_train, 64, seed=1234)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    Learner(model, optimizer, nn.functional.cross_entropy, train).fit_one_cycle(6, 3e-3, progress=False)
    return {k: v.clone() for k, v in body.state_dict().items()}


_FEATURES = {"mlp": 64, "cnn": 64}


def _new_body(kind: str) -> nn.Module:
    return nn.Sequential(mlp([64, 128, 64]), nn.ReLU()) if kind == "mlp" else cnn_body(batch_norm=True)


def transfer_model(kind: str, frozen: bool) -> Callable[[int], nn.Module]:
    """Pretrained body (weights fixed), new 5-class head initialised from the seed."""

    def build(seed: int) -> nn.Module:
        body = _new_body(kind)
        body.load_state_dict(pretrained_body(kind))
        if frozen:
            body.requires_grad_(False)
        head = _seeded(seed, lambda: nn.Linear(_FEATURES[kind], len(FINETUNE_CLASSES)))
        return body_and_head(body, head)

    return build


def _transfer_data(kind: str) -> Callable[[], data.Split]:
    return lambda: data.digits(
        FINETUNE_CLASSES, image=kind == "cnn", pixel_noise=FINETUNE_NOISE, n_train=FINETUNE_TRAIN, seed=2
    )


def _m(build: Callable[[], nn.Module]) -> Callable[[int], nn.Module]:
    return lambda seed: _seeded(seed, build)


# The order fixes the held-out tasks (every third); append new tasks at the end.
TASKS: tuple[Task, ...] = (
    Task(
        "digits_mlp_sgd",
        "digits, MLP 64-64-10 with dropout, SGD momentum 0.9",
        lambda: data.digits(),
        _m(lambda: mlp([64, 64, 10], dropout=0.1)),
        "sgd",
        64,
        20,
    ),
    Task(
        "digits_mlp_adam",
        "digits, MLP 64-128-10, Adam",
        lambda: data.digits(),
        _m(lambda: mlp([64, 128, 10])),
        "adam",
        32,
        10,
    ),
    Task(
        "digits_cnn_bn_adamw",
        "digits 8x8 images with pixel noise 0.4, CNN with BatchNorm, AdamW",
        lambda: data.digits(image=True, pixel_noise=0.4),
        _m(lambda: nn.Sequential(cnn_body(batch_norm=True), nn.Dropout(0.25), nn.Linear(64, 10))),
        "adamw",
        64,
        15,
        holdout=True,
    ),
    Task(
        "digits_cnn_sgd",
        "digits 8x8 images, CNN without normalisation, SGD momentum 0.9, batch 128",
        lambda: data.digits(image=True),
        _m(lambda: nn.Sequential(cnn_body(batch_norm=False), nn.Linear(64, 10))),
        "sgd",
        128,
        30,
    ),
    Task(
        "cancer_mlp_adam",
        "breast cancer, MLP 30-32-2, Adam",
        lambda: data.breast_cancer(),
        _m(lambda: mlp([30, 32, 2])),
        "adam",
        32,
        30,
    ),
    Task(
        "cancer_logreg_sgd",
        "breast cancer, logistic regression, SGD momentum 0.9, batch 16",
        lambda: data.breast_cancer(),
        _m(lambda: mlp([30, 2])),
        "sgd",
        16,
        16,
        holdout=True,
    ),
    Task(
        "wine_mlp_sgd",
        "wine (first 4 of 13 features), MLP 4-32-3, SGD momentum 0.9, batch 16",
        lambda: data.wine(),
        _m(lambda: mlp([4, 32, 3])),
        "sgd",
        16,
        50,
    ),
    Task(
        "diabetes_mlp_adam",
        "diabetes regression (standardised target), MLP 10-64-1, MSE, Adam",
        lambda: data.diabetes(),
        _m(lambda: mlp([10, 64, 1])),
        "adam",
        32,
        40,
        loss="mse",
    ),
    Task(
        "synth4_mlp_adamw",
        "make_classification 4 classes, MLP 20-64-64-4, AdamW, batch 128",
        lambda: data.synthetic_classes(),
        _m(lambda: mlp([20, 64, 64, 4])),
        "adamw",
        128,
        24,
        holdout=True,
    ),
    Task(
        "friedman_mlp_sgd",
        "make_friedman1 regression, MLP 10-64-64-1, MSE, SGD momentum 0.9",
        lambda: data.friedman(),
        _m(lambda: mlp([10, 64, 64, 1])),
        "sgd",
        64,
        16,
        loss="mse",
    ),
    Task(
        "imbalanced_mlp_adam",
        "make_classification 2 classes weighted 90/10, MLP 20-32-2, Adam",
        lambda: data.synthetic_classes(classes=2, weights=[0.9, 0.1], seed=3),
        _m(lambda: mlp([20, 32, 2])),
        "adam",
        64,
        12,
    ),
    Task(
        "noisy_digits_mlp_sgd",
        "digits with 30% of training labels random (validation clean), MLP 64-64-10, SGD momentum 0.9",
        lambda: data.digits(label_noise=0.3),
        _m(lambda: mlp([64, 64, 10])),
        "sgd",
        64,
        20,
        holdout=True,
    ),
    Task(
        "transfer_mlp_frozen_adam",
        "MLP body pretrained on digits 0-4, body frozen, new head on 300 noisy samples of 5-9, Adam",
        _transfer_data("mlp"),
        transfer_model("mlp", frozen=True),
        "adam",
        32,
        40,
        frozen_body=True,
    ),
    Task(
        "transfer_mlp_unfrozen_adamw",
        "MLP body pretrained on digits 0-4, all trained (body, head groups) on 300 noisy of 5-9, AdamW",
        _transfer_data("mlp"),
        transfer_model("mlp", frozen=False),
        "adamw",
        32,
        40,
    ),
    Task(
        "transfer_cnn_unfrozen_sgd",
        "CNN+BN body pretrained on digits 0-4, all trained (body, head groups) on 300 noisy of 5-9, SGD",
        _transfer_data("cnn"),
        transfer_model("cnn", frozen=False),
        "sgd",
        32,
        40,
        holdout=True,
    ),
    Task(
        "moons_tanh_adam",
        "make_moons noise 0.3, MLP 2-32-32-32-2 with tanh, Adam, batch 16",
        lambda: data.moons(),
        _m(lambda: mlp([2, 32, 32, 32, 2], act=nn.Tanh)),
        "adam",
        16,
        6,
    ),
)


def by_name(name: str) -> Task:
    """The task called ``name``; ValueError lists the names otherwise."""
    for task in TASKS:
        if task.name == name:
            return task
    raise ValueError(f"task must be one of {[t.name for t in TASKS]}, got {name!r}")
