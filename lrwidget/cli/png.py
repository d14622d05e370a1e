"""The curve as a PNG file, drawn headless with matplotlib."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lrwidget.core.result import RangeTestResult


def save_png(result: RangeTestResult, path: Path) -> None:
    """Loss against log lr: raw faint, smoothed bold, one line per suggestion, the diverging tail clipped."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    suggestions = result.suggestions()
    fig, ax = plt.subplots(figsize=(9, 4.8), dpi=110)
    ax.plot(result.lrs, result.losses, color="tab:blue", alpha=0.3, lw=1, label="loss (raw)")
    ax.plot(result.lrs, result.smoothed, color="tab:blue", lw=2.2, label="loss (smoothed)")
    colours = list(plt.get_cmap("tab10")(np.arange(1, 10)))
    for (name, s), colour in zip(suggestions.items(), colours, strict=False):
        if s.lr is not None:
            ax.axvline(s.lr, color=colour, ls="--", lw=1.2, label=f"{name}: {s.lr:.2g}")
    smoothed = result.smoothed[np.isfinite(result.smoothed)]
    raw = result.losses[np.isfinite(result.losses)]
    if smoothed.size:
        start, best = float(smoothed[0]), float(min(smoothed.min(), raw.min()))
        top = start + max(start - best, 0.1 * abs(start))  # clip the tail: the descent stays readable
        ax.set_ylim(best - 0.05 * (top - best), top)
    ax.set_xscale("log")
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("training loss")
    ax.set_title(f"Learning-rate range test — stopped: {result.stop_reason}")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
