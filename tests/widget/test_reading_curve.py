"""The widget shows the curve auto reads (no lag) beside the smoothed one, and says why they differ."""

from __future__ import annotations

import numpy as np
from widget_helpers import CurveSource, make_curve

from lrwidget.core.suggest import reading_curve
from lrwidget.widget.finder import LRFinderWidget


def test_after_a_sweep_the_loss_pane_draws_what_auto_reads_from_core():
    r = make_curve()
    w = LRFinderWidget(CurveSource(r), autoplay=False)
    w.start()
    assert w.wait(10)
    pane = w.loss_pane
    assert pane.reading in pane.figure.marks
    ok = np.isfinite(r.losses)
    np.testing.assert_allclose(np.asarray(pane.reading.x, dtype=float), r.lrs[ok], rtol=1e-6)
    np.testing.assert_allclose(
        np.asarray(pane.reading.y, dtype=float), reading_curve(r.lrs[ok], r.losses[ok]), rtol=1e-5
    )
    assert "what auto reads" in pane.key.value and "trails" in pane.key.value  # the legend explains the lag
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
