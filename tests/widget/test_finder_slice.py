"""Slice mode and the strip's limits: the slice starts as core's suggestion, on the panes and the strip
alike, and a pick outside what was measured stays, said to be so."""

from __future__ import annotations

import pytest
from widget_helpers import CurveSource, make_curve

from lrwidget.widget.finder import LRFinderWidget
from lrwidget.widget.testing import front_end_update


@pytest.fixture
def w(curve):
    return LRFinderWidget(curve, autoplay=False)


def test_the_strip_accepts_exactly_what_the_selection_accepts(w):
    """strip.limits is the selection's bounds (the planned range widened a decade), not the ruler: a rate
    the selection holds can always be shown on the strip, and the strip refuses what the selection does."""
    assert w.strip.limits == [pytest.approx(b) for b in w.selection.bounds]
    hi = w.selection.bounds[1]
    w.strip.set_range(1e-5, 1e-2)  # a narrow ruler (as after an early Stop)
    front_end_update(w.strip, lr=hi / 2)  # off the ruler, inside the limits: taken
    assert w.lr == pytest.approx(hi / 2) and w.strip.lr == pytest.approx(hi / 2)
    before = w.lr
    front_end_update(w.strip, lr=hi * 10)  # refused (the strip sends its kept value back)
    assert w.lr == before and w.strip.lr == pytest.approx(before)


def test_the_strip_knows_core_suggested_slice(w):
    """After the sweep the strip holds the slice slice mode starts with: (auto / 10, auto)."""
    auto = w.suggestions["auto"].lr
    assert w.strip.suggested_slice == [pytest.approx(auto / 10), pytest.approx(auto)]
    w.controls.method = "valley"
    valley = w.suggestions["valley"].lr
    assert w.strip.suggested_slice == [pytest.approx(max(valley / 10, 1e-7)), pytest.approx(valley)]


def test_slice_mode_from_the_strip_starts_with_the_suggested_slice_everywhere(w):
    """The strip's slice checkbox (as the browser sends it) starts slice mode with core's slice: the
    selection, the loss pane's band and the strip's two handles hold the same (lo, hi)."""
    auto = w.suggestions["auto"].lr
    front_end_update(w.strip, slice_mode=True)
    assert w.mode == "slice" and w.lr_slice == (pytest.approx(auto / 10), pytest.approx(auto))
    assert w.strip.lr_slice == [pytest.approx(auto / 10), pytest.approx(auto)]
    assert sorted(set(w.loss_pane.band.x)) == [pytest.approx(auto / 10), pytest.approx(auto)]
    assert w.loss_pane.band_label.text[0].startswith("slice(")


def test_slice_mode_before_any_result_holds_no_slice_then_starts_with_the_suggestion(curve):
    """Slice mode chosen before the sweep: nothing is invented (the strip shows no slice of its own), and
    the suggested slice arrives when the sweep ends."""
    w = LRFinderWidget(CurveSource(curve), autoplay=False)
    w.mode = "slice"
    assert w.lr_slice is None and w.strip.lr_slice is None and w.strip.slice_mode is True
    w.start()
    assert w.wait(10) and w.status == "diverged"
    auto = w.suggestions["auto"].lr
    assert w.lr_slice == (pytest.approx(auto / 10), pytest.approx(auto))
    assert w.strip.lr_slice == [pytest.approx(auto / 10), pytest.approx(auto)]


def test_a_new_run_clears_the_old_suggested_slice(curve):
    """While a new sweep runs the strip offers no slice from the old curve."""
    w = LRFinderWidget(CurveSource(curve), autoplay=False)
    w.start()
    assert w.wait(10) and w.strip.suggested_slice is not None
    seen = []
    w.strip.observe(lambda ch: seen.append(ch["new"]), names="suggested_slice")
    w.start()
    assert w.wait(10)
    assert seen[0] is None and seen[-1] is not None


def test_a_slice_past_a_stopped_sweep_stays_and_says_so():
    """Stopped at 40 of 100 steps (measured up to ~1e-3): a slice reaching 3e-2 is kept exactly and the
    band says it is not all measured; the strip holds the same slice."""
    w = LRFinderWidget(CurveSource(make_curve(), stop_at=40), autoplay=False)
    w.lr_slice = (1e-4, 3e-2)
    w.start()
    assert w.wait(10) and w.status == "stopped"
    assert w.lr_slice == (1e-4, 3e-2) and w.value == slice(1e-4, 3e-2)
    assert w.strip.lr_slice == [pytest.approx(1e-4), pytest.approx(3e-2)]
    assert "not all measured" in w.loss_pane.band_label.text[0]
    assert w.x_scale.max >= 3e-2  # kept in view


def test_the_strip_is_told_what_was_measured_so_a_pick_past_it_is_shown_as_such():
    """Stopped at 40 of 100 steps with lr = 0.03 picked: the strip's ruler still reaches 0.03 (the pick is
    kept in view) and its measured range is the stopped sweep's, so the front end shades the rest of the
    ruler and says "not measured by this sweep" (js/ tests check that text)."""
    w = LRFinderWidget(CurveSource(make_curve(), stop_at=40), autoplay=False)
    w.lr = 0.03
    w.start()
    assert w.wait(10) and w.status == "stopped"
    top = float(w.result.lrs.max())
    assert w.strip.measured == [pytest.approx(1e-7), pytest.approx(top)] and top < 0.03
    assert w.strip.max_lr >= 0.03 and w.strip.lr == pytest.approx(0.03) and w.lr == 0.03


def test_in_pick_mode_no_slice_band_is_drawn(w):
    """Back in pick mode (the toggle, the strip's checkbox, a pick) w.value is the lr:
    the band of the slice kept for later is not drawn, so the plot never says the slice is in use.
    Slice mode draws it again."""
    front_end_update(w.strip, slice_mode=True)
    assert len(w.loss_pane.band.x) == 4
    w.mode_toggle.value = "pick"
    assert w.mode == "pick" and w.lr_slice is not None and len(w.loss_pane.band.x) == 0
    assert "your slice" not in w.loss_pane.key.value
    w.lr_slice = (1e-4, 1e-2)  # from Python: a slice is chosen, so slice mode, drawn
    assert w.mode == "slice" and sorted(set(w.loss_pane.band.x)) == [pytest.approx(1e-4), pytest.approx(1e-2)]
    front_end_update(w.strip, slice_mode=False)
    assert len(w.loss_pane.band.x) == 0 and w.value == w.lr
    w.loss_pane.chips["auto"].click()  # a pick: pick mode
    assert len(w.loss_pane.band.x) == 0 and w.lr_slice == (pytest.approx(1e-4), pytest.approx(1e-2))
