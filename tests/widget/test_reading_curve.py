"""The widget shows the curve auto reads (no lag) beside the smoothed one, and says why they differ."""

from __future__ import annotations

import numpy as np
from widget_helpers import CurveSource, make_curve

from lrwidget.core.suggest import drawable_reading, reading_curve
from lrwidget.widget.finder import LRFinderWidget


def test_after_a_sweep_the_loss_pane_draws_what_auto_reads_from_core():
    r = make_curve()
    w = LRFinderWidget(CurveSource(r), autoplay=False)
    w.start()
    assert w.wait(10)
    pane = w.loss_pane
    assert pane.reading in pane.figure.marks
    ok = np.isfinite(r.losses)
    read = drawable_reading(r.lrs[ok], r.losses[ok])
    drawn = np.isfinite(read)
    np.testing.assert_allclose(np.asarray(pane.reading.x, dtype=float), r.lrs[ok][drawn], rtol=1e-6)
    np.testing.assert_allclose(np.asarray(pane.reading.y, dtype=float), read[drawn], rtol=1e-5)
    assert "what auto reads" in pane.key.value and "trails" in pane.key.value  # the legend explains the lag
    assert f"{len(r)}-step sweep" in pane.key.value  # the lag said for this sweep, not for 100 steps
    w.close()


def test_the_reading_is_shown_only_while_auto_is_recommended_and_cleared_by_a_new_run():
    w = LRFinderWidget(CurveSource(make_curve()), autoplay=False)
    w.start()
    assert w.wait(10) and len(w.loss_pane.reading.x) > 0
    w.controls.method = "valley"
    assert len(w.loss_pane.reading.x) == 0
    w.controls.method = "auto"
    assert len(w.loss_pane.reading.x) > 0
    w.start()  # a new sweep: the old reading goes with the old curve
    w.wait(10)
    assert len(w.loss_pane.reading.x) > 0 and w.status in ("done", "diverged")
    w.close()


def test_the_reading_stops_at_the_blow_up_instead_of_going_flat():
    """core caps the explosion (so it cannot pull the minimum back): drawn, that cap was a flat line
    past divergence, as if the loss had recovered. The drawn line ends where the cap begins."""
    r = make_curve()
    ok = np.isfinite(r.losses)
    full = reading_curve(r.lrs[ok], r.losses[ok])
    tail = np.isclose(full, full[-1], rtol=1e-9)
    assert tail[-5:].all(), "the fixture's curve should end in the capped run"
    w = LRFinderWidget(CurveSource(r), autoplay=False)
    w.start()
    assert w.wait(10)
    x = np.asarray(w.loss_pane.reading.x, dtype=float)
    y = np.asarray(w.loss_pane.reading.y, dtype=float)
    assert np.isclose(y, full[-1], rtol=1e-9).sum() <= 1, "the capped run is still drawn"
    assert x[-1] < r.lrs[ok][-1]
    w.close()


def test_no_reading_on_a_curve_too_short_to_read_and_no_legend_entry_without_the_line():
    """num_it=5: one window spans the whole curve, so the reading is one number (a flat line matching
    nothing): nothing is drawn and the legend does not list it."""
    r = make_curve()
    idx = np.linspace(0, len(r) - 1, 5).round().astype(int)
    short = type(r)(r.lrs[idx], r.losses[idx], stop_reason="completed", settings={"num_it": 5})
    w = LRFinderWidget(CurveSource(short), autoplay=False)
    w.start()
    assert w.wait(10)
    assert len(w.loss_pane.reading.x) == 0
    assert "what auto reads" not in w.loss_pane.key.value
    w.close()
