"""Learning-rate ladders for the range test, and how several parameter groups follow one ladder.

The ladder REACHES ``end_lr`` at its last step (as torch-lr-finder does; fastai stops one step short):
the curve then spans exactly the range the user asked for, so the plot's x axis, the suggesters'
"inside the swept range" promise and the saved settings all describe the same interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Integral, Real

import numpy as np

MODES: tuple[str, ...] = ("exp", "linear")


def _finite_real(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def validate_range(start_lr: float, end_lr: float, num_it: int, mode: str = "exp") -> None:
    """Raise ValueError (TypeError for a wrong type) naming the parameter when a sweep cannot be built."""
    start = _finite_real("start_lr", start_lr)
    end = _finite_real("end_lr", end_lr)
    if start <= 0:
        raise ValueError(f"start_lr must be > 0, got {start_lr}")
    if end <= start:
        raise ValueError(f"end_lr must be greater than start_lr ({start_lr}), got {end_lr}")
    if isinstance(num_it, bool) or not isinstance(num_it, Integral):
        raise TypeError(f"num_it must be an integer, got {type(num_it).__name__}")
    if num_it < 2:
        raise ValueError(f"num_it must be at least 2 (a curve needs two points), got {num_it}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")


def lr_schedule(start_lr: float, end_lr: float, num_it: int, mode: str = "exp") -> np.ndarray:
    """Return ``num_it`` learning rates from ``start_lr`` to ``end_lr`` inclusive.

    ``"exp"``: ``lr_i = start_lr * (end_lr / start_lr) ** (i / (num_it - 1))`` (evenly spaced in log lr,
    the usual choice: the interesting region spans decades). ``"linear"``: evenly spaced in lr.
    The first value is exactly ``start_lr`` and the last exactly ``end_lr``.
    """
    validate_range(start_lr, end_lr, num_it, mode)
    start, end, n = float(start_lr), float(end_lr), int(num_it)
    steps = np.arange(n) / (n - 1)
    lrs = start * (end / start) ** steps if mode == "exp" else start + (end - start) * steps
    lrs[0], lrs[-1] = start, end  # exact ends, whatever the rounding in between
    return lrs


def group_ratios(base_lrs: Sequence[float]) -> np.ndarray:
    """Each parameter group's starting lr divided by the first group's (so group 0's ratio is 1).

    Zero is allowed for a group (a frozen group stays at 0); the first group's lr must be > 0.
    """
    base = np.asarray(base_lrs, dtype=float)
    if base.ndim != 1 or base.size == 0:
        raise ValueError(f"base_lrs must be a non-empty 1-D sequence, got shape {base.shape}")
    if not np.all(np.isfinite(base)) or np.any(base < 0):
        raise ValueError(f"base_lrs must be finite and >= 0, got {base.tolist()}")
    if base[0] <= 0:
        raise ValueError(f"base_lrs[0] (the first group's lr) must be > 0, got {base[0]}")
    return base / base[0]


def group_schedule(base_lrs: Sequence[float], lrs: np.ndarray) -> np.ndarray:
    """Learning rates of every parameter group at every step, shape ``(len(lrs), n_groups)``.

    One common ladder drives all groups: group ``g`` gets ``lrs[i] * base_lrs[g] / base_lrs[0]``, so the
    first group follows the ladder exactly and the ratios between groups (discriminative rates)
    stay as the user set them in the optimizer.
    """
    ladder = np.asarray(lrs, dtype=float)
    if ladder.ndim != 1:
        raise ValueError(f"lrs must be 1-D, got shape {ladder.shape}")
    return ladder[:, None] * group_ratios(base_lrs)[None, :]
