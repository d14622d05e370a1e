"""Time every suggester at 100, 1,000 and 10,000 points (best of several runs, in ms).

Target: <= 5 ms per suggester at 1,000 points, because the widget re-suggests on every slider move.
Run: ``python benchmarks/bench_suggesters.py [--repeat 7]``. Two curves: a realistic sweep (descent,
then divergence, smoothed as the engine does) and a worst case for the slide rule (a curve whose
gradient keeps changing, so its interval slides across every point and the trace is longest). Each method
is called as ``RangeTestResult.suggest`` calls it (``from_sweep``: the smoothed losses, the stop reason,
and for auto the raw losses it reads through its centred window).
"""

from __future__ import annotations

import argparse
import timeit

import numpy as np

from lrwidget.core.schedules import lr_schedule
from lrwidget.core.smoothing import smooth
from lrwidget.core.suggest import METHODS, from_sweep, lr_slice

SIZES = (100, 1_000, 10_000)
TARGET_MS = 5.0


Curve = tuple[np.ndarray, np.ndarray, np.ndarray]  # lrs, raw, smoothed


def realistic(n: int, seed: int = 0) -> Curve:
    """A sweep from 1e-7 to 10: flat, falls around 1e-3, diverges after 1e-1; noisy raw, then smoothed."""
    rng = np.random.default_rng(seed)
    lrs = lr_schedule(1e-7, 10, n)
    x = np.log10(lrs)
    raw = 0.3 + 2.0 / (1 + np.exp(2.5 * (x + 3))) + 0.2 * np.exp(3.0 * (x + 1.4)) + rng.normal(0, 0.05, n)
    return lrs, raw, smooth(raw)


def worst_slide(n: int) -> Curve:
    """A cubic: every gradient difference is large, so the slide rule visits every interval."""
    i = np.arange(n, dtype=float)
    return lr_schedule(1e-7, 10, n), (i / 10) ** 3, (i / 10) ** 3


def best_ms(name: str, curve: Curve, repeat: int) -> float:
    lrs, raw, smoothed = curve
    if name == "lr_slice":
        call = lambda: lr_slice(lrs, smoothed)  # noqa: E731
    else:
        call = lambda: from_sweep(name, lrs, smoothed, raw=raw, stop_reason="diverged")  # noqa: E731
    timer = timeit.Timer(call)
    number, _ = timer.autorange()
    number = max(1, number // 5)
    return min(timer.repeat(repeat=repeat, number=number)) / number * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="timing runs per cell (best is kept)")
    args = parser.parse_args()
    names = [*METHODS, "lr_slice"]
    for title, make in (("realistic sweep", realistic), ("slide-rule worst case", worst_slide)):
        curves = {n: make(n) for n in SIZES}
        print(f"\n{title}: best of {args.repeat}, ms per call")
        print(f"{'method':<18}" + "".join(f"{n:>10,}" for n in SIZES) + f"   <= {TARGET_MS:g} ms at 1,000")
        for name in names:
            times = [best_ms(name, curves[n], args.repeat) for n in SIZES]
            verdict = "ok" if times[1] <= TARGET_MS else "SLOW"
            print(f"{name:<18}" + "".join(f"{t:>10.3f}" for t in times) + f"   {verdict}")


if __name__ == "__main__":
    main()
