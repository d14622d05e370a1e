"""Small data sets that ship with scikit-learn or are generated locally, as tensors, and a seeded loader.

Everything here is deterministic: splits use ``numpy.random.RandomState(seed)``, features are standardised
with the training split's statistics, and ``Batches`` shuffles with its own ``torch.Generator``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class Split:
    """Train and validation tensors of one task."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_valid: torch.Tensor
    y_valid: torch.Tensor


class Batches:
    """Re-iterable mini-batches over tensors, reshuffled every pass by a seeded generator.

    Cheaper than a DataLoader over a TensorDataset (one index per batch, no per-sample collation),
    which matters when the whole corpus has to build on one shared CPU core.
    """

    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch_size: int, seed: int) -> None:
        self.x, self.y, self.batch_size = x, y, batch_size
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return (len(self.y) + self.batch_size - 1) // self.batch_size

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        order = torch.randperm(len(self.y), generator=self.generator)
        for start in range(0, len(order), self.batch_size):
            index = order[start : start + self.batch_size]
            yield self.x[index], self.y[index]


def _split(
    x: np.ndarray,
    y: np.ndarray,
    valid_fraction: float,
    seed: int,
    *,
    regression: bool = False,
    standardize: bool = True,
) -> Split:
    order = np.random.RandomState(seed).permutation(len(y))
    n_valid = round(len(y) * valid_fraction)
    valid, train = order[:n_valid], order[n_valid:]
    x = x.astype(np.float32)
    if standardize:
        mean, std = x[train].mean(axis=0), x[train].std(axis=0) + 1e-6
        x = (x - mean) / std
    if regression:
        y = y.astype(np.float32)
        y = ((y - y[train].mean()) / y[train].std()).reshape(-1, 1)
        target = torch.tensor(y, dtype=torch.float32)
    else:
        target = torch.tensor(y, dtype=torch.long)
    features = torch.tensor(x, dtype=torch.float32)
    t_train, t_valid = torch.from_numpy(train), torch.from_numpy(valid)
    return Split(features[t_train], target[t_train], features[t_valid], target[t_valid])


def digits(
    classes: tuple[int, ...] | None = None,
    *,
    image: bool = False,
    label_noise: float = 0.0,
    pixel_noise: float = 0.0,
    n_train: int | None = None,
    seed: int = 0,
) -> Split:
    """scikit-learn's 8x8 digits scaled to [0, 1] (flat 64 features, or ``(1, 8, 8)`` images).

    ``classes`` keeps those digits only, relabelled 0..k-1 in the given order; ``label_noise`` replaces
    that share of the TRAINING labels by uniformly random ones (validation stays clean);
    ``pixel_noise`` adds fixed Gaussian noise of that standard deviation to every image (train and
    valid: a harder domain, so the best validation loss stays well above 0); ``n_train`` keeps that
    many training samples.
    """
    from sklearn.datasets import load_digits

    data = load_digits()
    x, y = data.images.reshape(len(data.target), -1) / 16.0, data.target
    if pixel_noise > 0:
        x = x + pixel_noise * np.random.RandomState(seed + 2).standard_normal(x.shape)
    if classes is not None:
        keep = np.isin(y, classes)
        relabel = {c: i for i, c in enumerate(classes)}
        x, y = x[keep], np.array([relabel[c] for c in y[keep]])
    split = _split(x, y, 0.25, seed, standardize=False)
    x_train, y_train = split.x_train, split.y_train
    if n_train is not None:
        x_train, y_train = x_train[:n_train], y_train[:n_train]
    if label_noise > 0:
        rng = np.random.RandomState(seed + 1)
        flip = torch.from_numpy(rng.rand(len(y_train)) < label_noise)
        random_labels = torch.from_numpy(rng.randint(0, int(y.max()) + 1, len(y_train)))
        y_train = torch.where(flip, random_labels, y_train)
    x_valid = split.x_valid
    if image:
        x_train, x_valid = x_train.reshape(-1, 1, 8, 8), x_valid.reshape(-1, 1, 8, 8)
    return Split(x_train, y_train, x_valid, split.y_valid)


def breast_cancer(seed: int = 0) -> Split:
    """Wisconsin breast cancer: 569 samples, 30 features, 2 classes."""
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    return _split(data.data, data.target, 0.3, seed)


def wine(features: int = 4, seed: int = 0) -> Split:
    """Wine: 178 samples, 3 classes, the first ``features`` of its 13 features (all 13 separate the
    classes almost perfectly, and a best validation loss near 0 makes loss ratios meaningless)."""
    from sklearn.datasets import load_wine

    data = load_wine()
    return _split(data.data[:, :features], data.target, 0.3, seed)


def diabetes(seed: int = 0) -> Split:
    """Diabetes progression: 442 samples, 10 features, a standardised regression target."""
    from sklearn.datasets import load_diabetes

    data = load_diabetes()
    return _split(data.data, data.target, 0.25, seed, regression=True)


def synthetic_classes(
    n: int = 3000, classes: int = 4, weights: list[float] | None = None, seed: int = 0
) -> Split:
    """``make_classification``: 20 features (8 informative), some label flips, optional class weights."""
    from sklearn.datasets import make_classification

    x, y = make_classification(
        n_samples=n,
        n_features=20,
        n_informative=8,
        n_redundant=4,
        n_classes=classes,
        n_clusters_per_class=2,
        weights=weights,
        flip_y=0.03,
        class_sep=0.9,
        random_state=seed,
    )
    return _split(x, y, 0.25, seed)


def friedman(n: int = 2000, seed: int = 0) -> Split:
    """``make_friedman1`` regression: 10 features (5 used, non-linearly), Gaussian noise."""
    from sklearn.datasets import make_friedman1

    x, y = make_friedman1(n_samples=n, n_features=10, noise=1.0, random_state=seed)
    return _split(x, y, 0.25, seed, regression=True)


def moons(n: int = 1500, seed: int = 0) -> Split:
    """``make_moons`` with noise 0.3: two interleaved half circles, 2 features."""
    from sklearn.datasets import make_moons

    x, y = make_moons(n_samples=n, noise=0.3, random_state=seed)
    return _split(x, y, 0.3, seed)
