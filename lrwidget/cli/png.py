"""The curve as a PNG file: ``RangeTestResult.plot`` (``lrwidget.plotting``) drawn headless."""

from __future__ import annotations

from pathlib import Path

from lrwidget.core.result import RangeTestResult


def save_png(result: RangeTestResult, path: Path) -> None:
    """Draw ``result`` with every suggestion (auto highlighted) into the PNG file ``path``."""
    import matplotlib

    matplotlib.use("Agg")  # no display needed, none opened
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4.8), dpi=110)
    try:
        result.plot(ax=ax)
        fig.tight_layout()
        fig.savefig(path)
    finally:
        plt.close(fig)
