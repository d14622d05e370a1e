"""The bqplot panes: readable ranges and ticks, and clicks/drags handled as the front end sends them."""

from __future__ import annotations

import numpy as np
import pytest
from widget_helpers import make_curve

from lrwidget.widget import panes
from lrwidget.widget.testing import click_point, front_end_custom, front_end_update


def test_log_ticks_are_decades_over_the_default_sweep():
    """1e-7..10 gets one tick per decade, formatted like 1e-7 ... 1e+1."""
    ticks, fmt = panes.log_ticks(1e-7, 10.0)
    assert np.allclose(ticks, 10.0 ** np.arange(-7, 2))
    assert fmt == ".0e"


def test_log_ticks_thin_out_wide_ranges_and_fill_narrow_ones():
    """Over 15 decades at most 10 ticks; within one decade 1-2-5 steps; a tiny range still gets ticks."""
    wide, _ = panes.log_ticks(1e-12, 1e3)
    assert 3 <= len(wide) <= 10 and np.all(np.diff(np.log10(wide)) > 0)
    narrow, _ = panes.log_ticks(1e-3, 9e-3)
    assert list(narrow) == pytest.approx([1e-3, 2e-3, 5e-3])
    tiny, fmt = panes.log_ticks(1e-3, 1.2e-3)
    assert len(tiny) >= 3 and len(set(tiny)) == len(tiny) and fmt == ".2e"
    assert tiny.min() >= 1e-3 * 0.999 and tiny.max() <= 1.2e-3 * 1.001


def test_log_ticks_reject_bad_ranges():
    """A non-positive or reversed range is a ValueError naming lo and hi."""
    with pytest.raises(ValueError, match="lo"):
        panes.log_ticks(0.0, 1.0)
    with pytest.raises(ValueError, match="hi"):
        panes.log_ticks(1.0, 0.5)


def test_nice_ticks_are_round_and_inside():
    """Linear ticks are multiples of a 1/2/2.5/5 step and lie within the range."""
    for lo, hi in [(0.214, 3.67), (-0.27, 1.9), (-0.0123, 0.151), (1.0, 1.001)]:
        t = panes.nice_ticks(lo, hi, 5)
        assert len(t) >= 3 and t.min() >= lo - 1e-12 and t.max() <= hi + 1e-12
        step = np.diff(t)
        assert np.allclose(step, step[0])
        mant = step[0] / 10 ** np.floor(np.log10(step[0]))
        assert any(np.isclose(mant, m) for m in (1, 2, 2.5, 5))


def test_loss_range_clips_the_divergent_tail():
    """A tail that explodes to 1e6 is clipped near the start: the descent fills most of the height."""
    r = make_curve()
    losses = r.losses.copy()
    losses[-3:] = [1e3, 1e5, 1e6]
    from lrwidget.core.smoothing import smooth

    s = smooth(losses)
    lo, hi = panes.loss_y_range(losses, s)
    start, best = s[0], np.nanmin(s)
    assert hi < 3 * start
    assert (start - best) / (hi - lo) > 0.25  # the descent is readable, not a flat line
    assert lo <= best


def test_loss_range_handles_flat_short_and_non_finite_curves():
    """Flat, empty and inf-ending curves still give a finite, non-empty range."""
    for losses in (np.ones(20), np.array([]), np.array([1.0, 0.9, np.inf]), np.array([2.0])):
        lo, hi = panes.loss_y_range(losses, losses)
        assert np.isfinite(lo) and np.isfinite(hi) and hi > lo


def test_grad_range_keeps_the_threshold_band_and_drops_the_runaway():
    """The gradient pane shows ±threshold around zero and is not stretched by the tail's gradient."""
    r = make_curve()
    g = panes.index_gradient(r.smoothed)
    lo, hi = panes.grad_y_range(g, r.smoothed, None, 0.05)
    assert lo < -0.05 and hi > 0.1
    assert hi < np.nanmax(g) / 5


def test_loss_pane_click_on_a_measured_point_picks_its_lr():
    """An element_click on the smoothed points (bqplot's message) calls on_pick with that point's lr."""
    r = make_curve()
    pane = panes.LossPane(panes.make_lr_scale())
    pane.set_curve(r.lrs, r.losses, r.smoothed)
    got = []
    pane.on_pick(got.append)
    click_point(pane.points, 42)
    assert got == [pytest.approx(r.lrs[42])]


def test_loss_pane_click_maps_indices_past_non_finite_points():
    """Points left out of the drawing (inf) do not shift the index -> lr mapping."""
    lrs = np.geomspace(1e-5, 1e-1, 10)
    sm = np.linspace(2, 1, 10)
    sm[3] = np.inf
    pane = panes.LossPane(panes.make_lr_scale(1e-5, 1e-1))
    pane.set_curve(lrs, sm, sm)
    got = []
    pane.on_pick(got.append)
    click_point(pane.points, 3)  # the 4th drawn point is the 5th measured one
    assert got == [pytest.approx(lrs[4])]


def test_loss_pane_click_without_index_snaps_to_nearest_measured_lr():
    """A click carrying only x snaps to the closest measured learning rate (log distance)."""
    r = make_curve()
    pane = panes.LossPane(panes.make_lr_scale())
    pane.set_curve(r.lrs, r.losses, r.smoothed)
    got = []
    pane.on_pick(got.append)
    front_end_custom(pane.points, {"event": "element_click", "data": {"x": float(r.lrs[10]) * 1.05}})
    assert got == [pytest.approx(r.lrs[10])]


def test_suggestion_marker_and_legend_chip_pick_the_suggestion():
    """A click on a method's marker, or on its legend chip, picks exactly that method's lr."""
    r = make_curve()
    pane = panes.LossPane(panes.make_lr_scale())
    pane.set_curve(r.lrs, r.losses, r.smoothed)
    pane.set_markers([panes.Marker("valley", 3e-4), panes.Marker("minimum", None)])
    got = []
    pane.on_pick(got.append)
    front_end_custom(
        pane.markers["valley"], {"event": "element_click", "data": {"x": 3e-4, "y": 1.0, "index": 0}}
    )
    pane.chips["valley"].click()
    assert got == [3e-4, 3e-4]
    assert pane.chips["minimum"].disabled and len(pane.markers["minimum"].x) == 0
    assert set(pane.markers) == {"valley", "minimum"}
    assert all(m in pane.figure.marks for m in pane.markers.values())


def test_brush_sets_a_slice_only_when_the_drag_ends():
    """While brushing nothing is reported; on release the sorted (lo, hi) is."""
    pane = panes.LossPane(panes.make_lr_scale())
    got = []
    pane.on_slice(got.append)
    front_end_update(pane.brush, brushing=True)
    front_end_update(pane.brush, selected=np.array([1e-3, 1e-5]))
    assert got == []
    front_end_update(pane.brush, brushing=False)
    assert got == [(pytest.approx(1e-5), pytest.approx(1e-3))]


def test_mode_switches_the_figure_interaction():
    """Slice mode puts the brush on the figure; pick mode removes it so clicks reach the points."""
    pane = panes.LossPane(panes.make_lr_scale())
    pane.set_mode("slice")
    assert pane.figure.interaction is pane.brush
    pane.set_mode("pick")
    assert pane.figure.interaction is None
    with pytest.raises(ValueError, match="mode"):
        pane.set_mode("zoom")


def test_pick_rule_and_slice_band_are_drawn_and_cleared():
    """The pick draws a full-height rule with its value as text; the slice a band with its label."""
    pane = panes.LossPane(panes.make_lr_scale())
    pane.set_pick(3e-3)
    assert list(pane.rule.x) == [3e-3, 3e-3] and pane.rule_label.text == ["lr = 3.0e-03"]
    pane.set_slice((1e-5, 1e-3))
    assert pane.band.x.min() == 1e-5 and pane.band.x.max() == 1e-3
    assert "slice(1.0e-05, 1.0e-03)" in pane.band_label.text[0]
    assert list(pane.brush.selected) == [1e-5, 1e-3]
    pane.set_pick(None)
    pane.set_slice(None)
    assert len(pane.rule.x) == 0 and len(pane.band.x) == 0 and pane.brush.selected is None


def test_grad_pane_interval_and_threshold_band():
    """The interval draws both edges, both end dots and the g[l] ± threshold band."""
    r = make_curve()
    g = panes.index_gradient(r.smoothed)
    pane = panes.GradPane(panes.make_lr_scale())
    pane.set_curve(r.lrs, g, panes.grad_y_range(g, r.smoothed, None, 0.05))
    pane.set_interval(60, 75, 0.05)
    assert list(pane.ends.x) == [r.lrs[60], r.lrs[75]]
    assert pane.tol.y.max() == pytest.approx(g[60] + 0.05) and pane.tol.y.min() == pytest.approx(g[60] - 0.05)
    pane.set_interval(None, None)
    assert len(pane.ends.x) == 0 and len(pane.tol.x) == 0


def test_set_lr_range_updates_scale_and_ticks():
    """Moving the shared lr domain moves both axes' decade ticks with it."""
    scale = panes.make_lr_scale()
    loss, grad = panes.LossPane(scale), panes.GradPane(scale)
    panes.set_lr_range(scale, [loss.x_axis, grad.x_axis], 1e-5, 1.0)
    assert (scale.min, scale.max) == (1e-5, 1.0)
    assert np.allclose(loss.x_axis.tick_values, 10.0 ** np.arange(-5, 1))
    assert np.allclose(grad.x_axis.tick_values, loss.x_axis.tick_values)
