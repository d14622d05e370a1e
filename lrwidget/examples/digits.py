"""scikit-learn's bundled 8x8 digits as DataLoaders, and two small models for it: offline and fast.

1,797 images ship inside scikit-learn, so the demo and the tests need no download. Images come as
``(N, 1, 8, 8)`` float tensors scaled to [0, 1]; both models accept that shape (the MLP flattens).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

N_CLASSES = 10


def digits_tensors(seed: int = 0, valid_fraction: float = 0.2) -> tuple[TensorDataset, TensorDataset]:
    """The digits split into a train and a valid ``TensorDataset`` by a seeded shuffle."""
    if not 0.0 < valid_fraction < 1.0:
        raise ValueError(f"valid_fraction must be in (0, 1), got {valid_fraction}")
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            'the digits example needs scikit-learn (the "demo" extra): '
            'from a clone of lrwidget, pip install -e ".[demo]"'
        ) from exc
    data = load_digits()
    x = torch.tensor(data.images / 16.0, dtype=torch.float32).unsqueeze(1)
    y = torch.tensor(data.target, dtype=torch.long)
    order = torch.from_numpy(np.random.RandomState(seed).permutation(len(y)))
    n_valid = round(len(y) * valid_fraction)
    valid, train = order[:n_valid], order[n_valid:]
    return TensorDataset(x[train], y[train]), TensorDataset(x[valid], y[valid])


def digits_loaders(
    batch_size: int = 64, seed: int = 0, valid_fraction: float = 0.2, shuffle: bool = True
) -> tuple[DataLoader, DataLoader]:
    """``(train_loader, valid_loader)`` over the digits; the train loader shuffles with its own seeded
    generator, so runs are repeatable whatever else draws from torch's global generator."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    train, valid = digits_tensors(seed, valid_fraction)
    generator = torch.Generator().manual_seed(seed)
    train_loader = DataLoader(train, batch_size=batch_size, shuffle=shuffle, generator=generator)
    valid_loader = DataLoader(valid, batch_size=256)
    return train_loader, valid_loader


def small_cnn(seed: int | None = 0, dropout: float = 0.25) -> nn.Module:
    """Two 3x3 convolutions with BatchNorm, max-pool, dropout and a linear head (~6k parameters)."""
    with torch.random.fork_rng(devices=[], enabled=seed is not None):
        if seed is not None:
            torch.manual_seed(seed)
        return nn.Sequential(*conv_layers(), nn.Dropout(dropout), nn.Linear(32 * 2 * 2, N_CLASSES))


def conv_layers() -> list[nn.Module]:
    """The convolutional part of ``small_cnn``: two 3x3 convolutions with BatchNorm, max-pool, a 2x2
    average pool and a flatten (128 features per 8x8 image). Initialised from the global generator."""
    return [
        nn.Conv2d(1, 16, 3, padding=1),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.AdaptiveAvgPool2d(2),
        nn.Flatten(),
    ]


def small_mlp(seed: int | None = 0, hidden: int = 64, dropout: float = 0.1) -> nn.Module:
    """Flatten, one hidden ReLU layer with dropout, a linear head (~5k parameters at hidden=64)."""
    with torch.random.fork_rng(devices=[], enabled=seed is not None):
        if seed is not None:
            torch.manual_seed(seed)
        return nn.Sequential(
            nn.Flatten(),
            nn.Linear(64, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, N_CLASSES),
        )
