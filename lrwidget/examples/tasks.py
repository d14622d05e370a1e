"""A few small, offline training tasks for running the range test unattended over many models.

Each ``Task`` builds a fresh ``lrwidget.Learner`` from a seed (same seed, same initial weights and the same
batch order), so a notebook can loop over them, and train any of them again at the rate it found. The data
ship with scikit-learn (digits, breast cancer, wine) or are drawn from a seeded generator (regression),
so nothing is downloaded. Tabular features are standardised with the training split's mean and spread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from lrwidget.engine.learner import Learner
from lrwidget.examples.digits import digits_loaders, small_cnn, small_mlp

Loaders = tuple[DataLoader, DataLoader]


@dataclass(frozen=True)
class Task:
    """A named problem: ``learner(seed)`` returns a new ``Learner`` (model, AdamW, loss, train and valid).

    ``metric`` is what ``Learner.validate()`` reports that says how well it trained: ``"accuracy"``
    for the classifiers, ``"loss"`` (mean squared error) for the regression.
    """

    name: str
    description: str
    build: Callable[[int], Learner]
    metric: str = "accuracy"

    def learner(self, seed: int = 0) -> Learner:
        """A fresh learner whose weights and batch order depend on ``seed`` only; torch's global generator
        is seeded too, so dropout draws repeat and the same seed gives the same run."""
        torch.manual_seed(seed)
        return self.build(seed)


def _seeded_model(seed: int, build: Callable[[], nn.Module]) -> nn.Module:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build()


def _mlp(n_in: int, hidden: int, n_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, n_out))


def table_loaders(
    x: np.ndarray,
    y: np.ndarray,
    *,
    batch_size: int,
    seed: int = 0,
    valid_fraction: float = 0.2,
    regression: bool = False,
) -> Loaders:
    """``(train_loader, valid_loader)`` over a feature table, split by a seeded shuffle and standardised
    with the training split's statistics (so no information leaks from the validation rows)."""
    if not 0.0 < valid_fraction < 1.0:
        raise ValueError(f"valid_fraction must be in (0, 1), got {valid_fraction}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    x = np.asarray(x, dtype=np.float32)
    y = np.asarray(y)
    if x.ndim != 2 or len(x) != len(y):
        raise ValueError(f"x must be (rows, features) with one target per row, got {x.shape} and {y.shape}")
    order = np.random.RandomState(seed).permutation(len(y))
    n_valid = round(len(y) * valid_fraction)
    valid, train = order[:n_valid], order[n_valid:]
    mean, std = x[train].mean(axis=0), x[train].std(axis=0) + 1e-8
    x = (x - mean) / std
    if regression:
        target = torch.tensor(y, dtype=torch.float32).unsqueeze(1)
    else:
        target = torch.tensor(y, dtype=torch.long)
    features = torch.from_numpy(x)
    generator = torch.Generator().manual_seed(seed)
    train_ds = TensorDataset(features[train], target[train])
    valid_ds = TensorDataset(features[valid], target[valid])
    return (
        DataLoader(train_ds, batch_size=batch_size, shuffle=True, generator=generator),
        DataLoader(valid_ds, batch_size=256),
    )


def _learner(model: nn.Module, loss_fn: Callable[..., torch.Tensor], loaders: Loaders) -> Learner:
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    return Learner(model, optimizer, loss_fn, *loaders)


def _digits_mlp(seed: int) -> Learner:
    return _learner(small_mlp(seed=seed), nn.functional.cross_entropy, digits_loaders(64, seed=seed))


def _digits_cnn(seed: int) -> Learner:
    return _learner(small_cnn(seed=seed), nn.functional.cross_entropy, digits_loaders(64, seed=seed))


def _sklearn_table(loader_name: str, hidden: int, batch_size: int) -> Callable[[int], Learner]:
    def build(seed: int) -> Learner:
        from sklearn import datasets  # bundled with scikit-learn: offline

        data = getattr(datasets, loader_name)()
        n_in, n_out = data.data.shape[1], int(data.target.max()) + 1
        model = _seeded_model(seed, lambda: _mlp(n_in, hidden, n_out))
        loaders = table_loaders(data.data, data.target, batch_size=batch_size, seed=seed)
        return _learner(model, nn.functional.cross_entropy, loaders)

    return build


def regression_data(
    n: int = 1000, features: int = 8, noise: float = 0.2, scale: float = 10.0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A smooth non-linear target ``scale * (x @ w + 0.5 sin(3 x0) + noise)``, from a seeded generator.

    ``scale`` sets the loss's units: at 10 the first mean squared errors are over a hundred, where the
    seed's slide rule (its threshold is in loss units, tuned for losses near 1) loses its footing.
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features))
    w = rng.normal(size=features) / np.sqrt(features)
    y = scale * (x @ w + 0.5 * np.sin(3 * x[:, 0]) + noise * rng.normal(size=n))
    return x.astype(np.float32), y.astype(np.float32)


def _regression(seed: int) -> Learner:
    x, y = regression_data(seed=0)  # the data stay fixed; the seed picks weights and batch order
    model = _seeded_model(seed, lambda: _mlp(x.shape[1], 64, 1))
    loaders = table_loaders(x, y, batch_size=64, seed=seed, regression=True)
    return _learner(model, nn.functional.mse_loss, loaders)


_ALL = (
    Task("digits_mlp", "8x8 digits, MLP 64-64-10 with dropout", _digits_mlp),
    Task("digits_cnn", "8x8 digits, small CNN with BatchNorm", _digits_cnn),
    Task(
        "breast_cancer",
        "breast cancer (30 features, 2 classes), MLP 30-32-2",
        _sklearn_table("load_breast_cancer", 32, 32),
    ),
    Task("wine", "wine (13 features, 3 classes, 178 rows), MLP 13-16-3", _sklearn_table("load_wine", 16, 16)),
    Task("regression", "synthetic regression (8 features, targets x10), MLP 8-64-1", _regression, "loss"),
)
#: Every task by name, in a fixed order.
TASKS: dict[str, Task] = {task.name: task for task in _ALL}
