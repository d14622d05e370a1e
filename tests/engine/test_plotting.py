"""result.plot(): headless matplotlib, the curve and every suggestion, auto highlighted, a legend."""

from __future__ import annotations

import numpy as np
import pytest
import torch.nn.functional as F

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from matplotlib.axes import Axes  # noqa: E402

from lrwidget.core.result import RangeTestResult  # noqa: E402
from lrwidget.core.schedules import lr_schedule  # noqa: E402
from lrwidget.core.suggest import drawable_reading  # noqa: E402
from lrwidget.engine.entry import lr_find  # noqa: E402
from lrwidget.widget.registry import format_lr  # noqa: E402


def synthetic(n=100):
    lrs = lr_schedule(1e-6, 10.0, n)
    x = np.log10(lrs)
    losses = 2.3 - 1.8 / (1 + np.exp(-(x + 2.5) * 3)) + np.where(x > -0.5, (x + 0.5) ** 2 * 8, 0)
    return RangeTestResult(lrs, losses, stop_reason="diverged", settings={"num_it": n, "beta": 0.98})


def test_plot_returns_axes_with_curve_suggestions_and_legend(tmp_path):
    """Raw and smoothed lines, one rule + marker per answering method, auto first and largest, a log x
    axis, the tail clipped, and a PNG that saves."""
    result = synthetic()
    ax = result.plot()
    assert isinstance(ax, Axes) and ax.get_xscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:3] == ["loss (raw)", "loss (smoothed)", "what auto reads (a loss curve)"]
    reading = next(line for line in ax.get_lines() if line.get_label() == "what auto reads (a loss curve)")
    drawn = drawable_reading(result.lrs, result.losses)
    np.testing.assert_allclose(reading.get_ydata(), drawn[np.isfinite(drawn)], rtol=1e-9)
    assert reading.get_ydata().size < len(result)  # not along the capped blow-up (it looked like a recovery)
    answered = {m: s for m, s in result.suggestions().items() if s.lr is not None}
    marks = labels[3:]
    assert len(marks) == len(answered) and marks[0].startswith("★ ")
    auto = answered["auto"]
    assert format_lr(auto.lr) in marks[0]  # rates written as everywhere else (2.7e-2)
    auto_mark = next(line for line in ax.get_lines() if line.get_label() == marks[0])
    expected = np.interp(np.log(auto.lr), np.log(reading.get_xdata()), reading.get_ydata())
    assert auto_mark.get_ydata()[0] == pytest.approx(expected)  # on the curve it read, as in the widget
    sizes = [line.get_markersize() for line in ax.get_lines() if line.get_label() in marks]
    assert sizes[0] == max(sizes) and sizes[0] > min(sizes)
    top = ax.get_ylim()[1]
    assert top < result.losses.max()  # the diverging tail is clipped
    ax.figure.savefig(tmp_path / "curve.png")
    assert (tmp_path / "curve.png").stat().st_size > 5000


def test_methods_and_skips(tmp_path):
    """methods= picks which suggestions are drawn; skip_start/skip_end trim the drawn curve."""
    import matplotlib.pyplot as plt

    result = synthetic()
    _, ax = plt.subplots()
    assert result.plot(ax=ax, methods="valley", skip_start=10, skip_end=5) is ax
    lines = ax.get_lines()
    assert len(lines[0].get_xdata()) == 85
    assert [t.get_text() for t in ax.get_legend().get_texts()][2].startswith("valley") or len(lines) == 3
    with pytest.raises(ValueError, match=r"methods\[0\] must be one of"):
        result.plot(methods=["nope"])
    with pytest.raises(ValueError, match="skip_start \\+ skip_end must leave a point"):
        result.plot(skip_start=60, skip_end=40)
    with pytest.raises(TypeError, match="skip_start must be an integer"):
        result.plot(skip_start=1.5)
    plt.close("all")


def test_plot_a_real_sweep_with_validation(model, optimizer, train_loader, loaders):
    """A real sweep with val_data draws the validation curve too; suggestions can read it."""
    result = lr_find(
        model,
        optimizer,
        F.cross_entropy,
        train_loader,
        num_it=30,
        val_data=loaders[1],
        val_every=2,
        val_batches=1,
        progress=False,
    )
    ax = result.plot(methods=())
    assert "validation loss" in [t.get_text() for t in ax.get_legend().get_texts()]
    val = result.suggest("minimum", curve="val")
    assert val.lr is None or result.lrs[0] <= val.lr <= result.lrs[-1]
    with pytest.raises(ValueError, match="curve must be one of"):
        result.suggest(curve="test")
    with pytest.raises(ValueError, match="needs validation losses"):
        synthetic().suggest(curve="val")


def test_plot_draws_the_users_pick_and_slice_in_the_pick_colour():
    """A chosen rate is a bold rule labelled with the rate as the widget writes it; a slice is a band."""
    from matplotlib.colors import to_hex

    from lrwidget.widget.registry import PALETTE

    result = synthetic()
    ax = result.plot(methods=(), pick=3e-3)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "your pick: 3e-3" in labels
    rule = next(line for line in ax.get_lines() if line.get_label() == "your pick: 3e-3")
    assert to_hex(rule.get_color()) == PALETTE.pick.lower() and list(rule.get_xdata()) == [3e-3, 3e-3]
    ax = result.plot(methods=(), pick=(1e-4, 1e-2))
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "your slice: slice(1e-4, 1e-2)" in labels


@pytest.mark.parametrize("bad", [0.0, -1e-3, float("nan"), (1e-2, 1e-4), "1e-3", (1e-3,)])
def test_plot_refuses_a_pick_that_is_no_rate_or_slice(bad):
    with pytest.raises((TypeError, ValueError), match="pick"):
        synthetic().plot(pick=bad)
