"""Data for the broad corpus: text that ships with Python, generated sequences, unscaled targets.

Deterministic like ``data.py``: every array comes from a fixed ``numpy.random.RandomState`` or from the
interpreter's own standard-library source files (fixed by the Python version the build runs on).
"""

from __future__ import annotations

import inspect

import numpy as np
import torch

from benchmarks.quality.data import Split, _split

VOCAB = 96  # printable ASCII 32..126 and "\n" (index 95); anything else maps to "?"
SEQ_LEN = 24


def _encode(text: str) -> np.ndarray:
    codes = np.frombuffer(text.encode("ascii", "replace"), dtype=np.uint8).astype(np.int64)
    out = np.where((codes >= 32) & (codes < 127), codes - 32, ord("?") - 32)
    return np.where(codes == 10, 95, out)


def stdlib_text(
    train_modules: tuple[str, ...] = ("textwrap", "string", "shlex"), valid: str = "glob"
) -> tuple:
    """Character codes of standard-library modules' source: training text and validation text."""
    import importlib

    def source(name: str) -> str:
        return inspect.getsource(importlib.import_module(name))

    return _encode("".join(source(m) for m in train_modules)), _encode(source(valid))


def _windows(codes: np.ndarray, n: int, length: int, rng: np.random.RandomState) -> np.ndarray:
    starts = rng.randint(0, codes.size - length - 1, n)
    return np.stack([codes[s : s + length + 1] for s in starts])


def char_sequences(n_train: int = 1200, n_valid: int = 256, seed: int = 0) -> Split:
    """Next-character prediction: inputs ``(N, SEQ_LEN)`` codes, targets the same shifted by one."""
    train_codes, valid_codes = stdlib_text()
    rng = np.random.RandomState(seed)
    tr, va = _windows(train_codes, n_train, SEQ_LEN, rng), _windows(valid_codes, n_valid, SEQ_LEN, rng)
    t = torch.from_numpy
    return Split(t(tr[:, :-1]), t(tr[:, 1:]), t(va[:, :-1]), t(va[:, 1:]))


def char_ngrams(context: int = 6, n_train: int = 3000, n_valid: int = 600, seed: int = 0) -> Split:
    """The character after ``context`` characters: inputs ``(N, context)`` codes, one class target."""
    train_codes, valid_codes = stdlib_text()
    rng = np.random.RandomState(seed)
    tr, va = _windows(train_codes, n_train, context, rng), _windows(valid_codes, n_valid, context, rng)
    t = torch.from_numpy
    return Split(t(tr[:, :-1]), t(tr[:, -1]), t(va[:, :-1]), t(va[:, -1]))


def sort_task(n_train: int = 2000, n_valid: int = 400, length: int = 8, seed: int = 0) -> Split:
    """Sequences of ``length`` digits 0-9; the target at each position is the sorted sequence's digit."""
    rng = np.random.RandomState(seed)
    x = rng.randint(0, 10, (n_train + n_valid, length))
    y = np.sort(x, axis=1)
    t = torch.from_numpy
    return Split(t(x[:n_train]), t(y[:n_train]), t(x[n_train:]), t(y[n_train:]))


def majority_task(n_train: int = 2000, n_valid: int = 400, length: int = 16, seed: int = 0) -> Split:
    """Sequences of ``length`` tokens from 4; the target is the most frequent (ties: the lowest)."""
    rng = np.random.RandomState(seed)
    x = rng.choice(4, (n_train + n_valid, length), p=[0.3, 0.27, 0.23, 0.2])
    y = np.array([np.bincount(row, minlength=4).argmax() for row in x])
    t = torch.from_numpy
    return Split(t(x[:n_train]), t(y[:n_train]), t(x[n_train:]), t(y[n_train:]))


def weighted_sum_task(n_train: int = 2000, n_valid: int = 400, length: int = 10, seed: int = 0) -> Split:
    """Sequences of (value, key) pairs; the target is the sum of the values whose key is 1 (regression)."""
    rng = np.random.RandomState(seed)
    values = rng.randn(n_train + n_valid, length).astype(np.float32)
    keys = (rng.rand(n_train + n_valid, length) < 0.3).astype(np.float32)
    x = np.stack([values, keys], axis=2)
    y = (values * keys).sum(axis=1, keepdims=True).astype(np.float32)
    t = torch.from_numpy
    return Split(t(x[:n_train]), t(y[:n_train]), t(x[n_train:]), t(y[n_train:]))


def digit_rows(seed: int = 0) -> Split:
    """scikit-learn digits as 8 tokens (rows) of 8 pixel features in [0, 1]."""
    from benchmarks.quality import data

    split = data.digits(seed=seed)
    return Split(
        split.x_train.reshape(-1, 8, 8), split.y_train, split.x_valid.reshape(-1, 8, 8), split.y_valid
    )


def autoencode(split: Split, noise: float = 0.0, seed: int = 0) -> Split:
    """Inputs as targets (optionally the inputs corrupted by fixed Gaussian noise, targets clean)."""
    rng = np.random.RandomState(seed + 5)

    def noisy(x: torch.Tensor) -> torch.Tensor:
        if noise <= 0:
            return x
        return x + torch.from_numpy((noise * rng.standard_normal(tuple(x.shape))).astype(np.float32))

    return Split(noisy(split.x_train), split.x_train, noisy(split.x_valid), split.x_valid)


def raw_regression(name: str, scale: float = 1.0, seed: int = 0) -> Split:
    """A regression whose target keeps its units (times ``scale``): losses far from 1.

    ``diabetes`` (target 25-346), ``friedman`` (make_friedman1, about 5-28), ``linear``
    (make_regression, noise 10), ``digits_value`` (the digit's value from UNstandardised pixels 0-16).
    """
    from sklearn import datasets

    if name == "diabetes":
        x, y = datasets.load_diabetes(return_X_y=True)
        standardize = True
    elif name == "friedman":
        x, y = datasets.make_friedman1(n_samples=2000, n_features=10, noise=1.0, random_state=seed)
        standardize = True
    elif name == "linear":
        x, y = datasets.make_regression(n_samples=2000, n_features=20, noise=10.0, random_state=seed)
        standardize = True
    elif name == "digits_value":
        x, y = datasets.load_digits(return_X_y=True)
        standardize = False
    else:
        raise ValueError(f"name must be diabetes, friedman, linear or digits_value, got {name!r}")
    split = _split(x, y, 0.25, seed, standardize=standardize)
    y_all = np.asarray(y, dtype=np.float32) * scale
    order = np.random.RandomState(seed).permutation(len(y))
    n_valid = round(len(y) * 0.25)
    t = torch.from_numpy
    y_valid, y_train = y_all[order[:n_valid]], y_all[order[n_valid:]]
    return Split(split.x_train, t(y_train).reshape(-1, 1), split.x_valid, t(y_valid).reshape(-1, 1))


def subsample_class(split: Split, cls: int, keep: float, seed: int = 0) -> Split:
    """Keep only ``keep`` of the TRAINING samples of class ``cls`` (validation as is): an imbalance."""
    rng = np.random.RandomState(seed + 7)
    y = split.y_train.numpy()
    mask = (y != cls) | (rng.rand(len(y)) < keep)
    index = torch.from_numpy(np.flatnonzero(mask))
    return Split(split.x_train[index], split.y_train[index], split.x_valid, split.y_valid)


def one_vs_rest(split: Split, cls: int) -> Split:
    """Binary labels: 1 for ``cls``, 0 for every other class."""
    return Split(split.x_train, (split.y_train == cls).long(), split.x_valid, (split.y_valid == cls).long())
