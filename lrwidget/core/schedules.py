"""Learning-rate ladders for the range test, computed one step at a time.

The ladder REACHES ``end_lr`` at its last step (as torch-lr-finder does; fastai stops one step short):
the curve then spans exactly the range the user asked for, so the plot's x axis, the suggesters'
"inside the swept range" promise and the saved settings all describe the same interval.

``Ladder`` computes each rate on demand, so a sweep's memory does not grow with ``num_it`` before its
first step; ``lr_schedule`` materialises the same values as an array (for plots and tests).
Several parameter groups follow one ladder in the engine: the ladder is the *reference group's* rate
(the first group with a positive lr), and every other group keeps its ratio to it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from lrwidget.core import _checks

MODES: tuple[str, ...] = ("exp", "linear")
# A range test is a few hundred steps; a million is already hours on a GPU. Past this a typo (1e9) would
# only show up as a sweep that never ends.
MAX_NUM_IT = 1_000_000


def validate_range(start_lr: object, end_lr: object, num_it: object, mode: object = "exp") -> None:
    """Raise ValueError (TypeError for a wrong type) naming the parameter when a sweep cannot be built."""
    start = _checks.real("start_lr", start_lr, low=0.0, low_open=True)
    end = _checks.real("end_lr", end_lr)
    if end <= start:
        raise ValueError(f"end_lr must be greater than start_lr ({start:g}), got {end:g}")
    n = _checks.integer("num_it", num_it, high=MAX_NUM_IT)
    if n < 2:
        raise ValueError(f"num_it must be at least 2 (a curve needs two points), got {n}")
    _checks.choice("mode", mode, MODES)


class Ladder:
    """``num_it`` learning rates from ``start_lr`` to ``end_lr`` inclusive, each computed when asked for.

    ``"exp"``: ``lr_i = start_lr * (end_lr / start_lr) ** (i / (num_it - 1))`` (evenly spaced in log lr,
    the usual choice: the interesting region spans decades). ``"linear"``: evenly spaced in lr.
    The first value is exactly ``start_lr`` and the last exactly ``end_lr``. Holds four numbers, whatever
    ``num_it`` is.
    """

    __slots__ = ("end", "mode", "n", "start")

    def __init__(self, start_lr: float, end_lr: float, num_it: int, mode: str = "exp") -> None:
        validate_range(start_lr, end_lr, num_it, mode)
        self.start, self.end, self.n, self.mode = float(start_lr), float(end_lr), int(num_it), mode

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> float:
        n = self.n
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"ladder index {i} out of range for {n} steps")
        if i == 0:
            return self.start
        if i == n - 1:
            return self.end
        t = i / (n - 1)
        if self.mode == "exp":
            return self.start * (self.end / self.start) ** t
        return self.start + (self.end - self.start) * t

    def __iter__(self) -> Iterator[float]:
        return (self[i] for i in range(self.n))

    def __repr__(self) -> str:
        return f"Ladder({self.start:g}, {self.end:g}, num_it={self.n}, mode={self.mode!r})"


def lr_schedule(start_lr: float, end_lr: float, num_it: int, mode: str = "exp") -> np.ndarray:
    """The whole ``Ladder`` as a float array (the very values the sweep sets, bit for bit)."""
    ladder = Ladder(start_lr, end_lr, num_it, mode)
    return np.fromiter(ladder, dtype=float, count=len(ladder))


def one_cycle_rates(
    peak: float,
    steps: int,
    pct_start: float = 0.25,
    div_factor: float = 25.0,
    final_div_factor: float = 1e5,
) -> np.ndarray:
    """The one-cycle policy's rates for ``steps`` steps peaking at ``peak`` (what ``OneCycleLR`` sets with
    cosine annealing): up from ``peak / div_factor`` over ``pct_start`` of the steps, then down to
    ``peak / (div_factor * final_div_factor)``. A short trial at a candidate rate trains like this."""
    if isinstance(peak, bool) or not (isinstance(peak, (int, float)) and math.isfinite(peak) and peak > 0):
        raise ValueError(f"peak must be a positive finite learning rate, got {peak!r}")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 2:
        raise ValueError(f"steps must be an integer >= 2, got {steps!r}")
    if not 0.0 < pct_start < 1.0:
        raise ValueError(f"pct_start must be in (0, 1), got {pct_start!r}")
    initial = peak / div_factor
    final = initial / final_div_factor
    up = max(1.5, pct_start * steps) - 1  # OneCycleLR's phase ends, in steps
    down = steps - 1
    t = np.arange(steps, dtype=float)
    rising = t <= up
    frac_up = np.where(rising, t / up, 0.0)
    frac_down = np.where(rising, 0.0, (t - up) / (down - up))
    cos_up = cosine_between(initial, peak, frac_up)
    cos_down = cosine_between(peak, final, frac_down)
    return np.where(rising, cos_up, cos_down)


def cosine_between(start: float, end: float, fraction: np.ndarray) -> np.ndarray:
    """Cosine annealing from ``start`` to ``end`` as ``fraction`` goes from 0 to 1."""
    return end + (start - end) / 2.0 * (np.cos(np.pi * fraction) + 1.0)
