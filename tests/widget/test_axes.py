"""Axis arithmetic without bqplot: ticks, domains that keep picks in view, y ranges, arrows and bands."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from widget_helpers import make_curve

from lrwidget.core.suggest import rule_gradient
from lrwidget.widget import axes


def test_log_ticks_are_decades_over_the_default_sweep():
    """1e-7..10 gets one tick per decade, formatted like 1e-7 ... 1e+1."""
    ticks, fmt = axes.log_ticks(1e-7, 10.0)
    assert np.allclose(ticks, 10.0 ** np.arange(-7, 2))
    assert fmt == ".0e"


def test_log_ticks_thin_out_wide_ranges_and_fill_narrow_ones():
    """Over 15 decades at most 10 ticks; within one decade 1-2-5 steps; a tiny range still gets ticks."""
    wide, _ = axes.log_ticks(1e-12, 1e3)
    assert 3 <= len(wide) <= 10 and np.all(np.diff(np.log10(wide)) > 0)
    narrow, _ = axes.log_ticks(1e-3, 9e-3)
    assert list(narrow) == pytest.approx([1e-3, 2e-3, 5e-3])
    tiny, fmt = axes.log_ticks(1e-3, 1.2e-3)
    assert len(tiny) >= 3 and len(set(tiny)) == len(tiny) and fmt == ".2e"
    assert tiny.min() >= 1e-3 * 0.999 and tiny.max() <= 1.2e-3 * 1.001


def test_log_ticks_reject_bad_ranges():
    """A non-positive or reversed range is a ValueError naming lo and hi."""
    with pytest.raises(ValueError, match="lo"):
        axes.log_ticks(0.0, 1.0)
    with pytest.raises(ValueError, match="hi"):
        axes.log_ticks(1.0, 0.5)


def test_nice_ticks_are_round_and_inside():
    """Linear ticks are multiples of a 1/2/2.5/5 step and lie within the range."""
    for lo, hi in [(0.214, 3.67), (-0.27, 1.9), (-0.0123, 0.151), (1.0, 1.001)]:
        t = axes.nice_ticks(lo, hi, 5)
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
    lo, hi = axes.loss_y_range(losses, s)
    start, best = s[0], np.nanmin(s)
    assert hi < 3 * start
    assert (start - best) / (hi - lo) > 0.25  # the descent is readable, not a flat line
    assert lo <= best


def test_loss_range_handles_flat_short_and_non_finite_curves():
    """Flat, empty and inf-ending curves still give a finite, non-empty range."""
    for losses in (np.ones(20), np.array([]), np.array([1.0, 0.9, np.inf]), np.array([2.0])):
        lo, hi = axes.loss_y_range(losses, losses)
        assert np.isfinite(lo) and np.isfinite(hi) and hi > lo


def test_grad_range_keeps_the_threshold_band_and_drops_the_runaway():
    """The gradient pane shows ±threshold around zero and is not stretched by the tail's gradient."""
    r = make_curve()
    g = rule_gradient("slide_rule", r.lrs, r.smoothed)
    lo, hi = axes.grad_y_range(g, r.smoothed, 0.05)
    assert lo < -0.05 and hi > 0.1
    assert hi < np.nanmax(g) / 5


def test_lr_domain_is_the_plan_or_the_data_and_keeps_every_pick_in_view():
    """Planned range when given, else the data's; a pick outside both widens the domain to show it."""
    lrs = np.geomspace(1e-6, 1e-3, 20)
    assert axes.lr_domain(lrs, 1e-7, 10.0) == (1e-7, 10.0)
    assert axes.lr_domain(lrs) == (pytest.approx(1e-6), pytest.approx(1e-3))
    lo, hi = axes.lr_domain(lrs, include=[3e-2, None])
    assert lo == pytest.approx(1e-6) and hi > 3e-2
    assert axes.lr_domain([], None, None) == (1e-7, 10.0)


def test_pick_bounds_widen_the_plan_by_a_decade():
    """Picks may lie a decade beyond the planned sweep on either side, no further."""
    assert axes.pick_bounds(1e-7, 10.0) == (pytest.approx(1e-8), pytest.approx(100.0))


def test_off_scale_pins_values_and_says_which_side():
    """Values past the top or bottom are pinned to the edge with a +1 / -1 side; inside ones are kept."""
    pinned, side = axes.off_scale([0.5, 1.08, -3.0], -1.0, 0.16)
    assert list(pinned) == [0.16, 0.16, -1.0] and list(side) == [1, 1, -1]
    pinned, side = axes.off_scale([0.1], -1.0, 0.16)
    assert list(pinned) == [0.1] and list(side) == [0]


@given(
    center=st.floats(-1e3, 1e3),
    half=st.floats(0.0, 1e3),
    lo=st.floats(-1e4, 0.0),
    span=st.floats(1e-6, 1e6),
)
def test_visible_band_is_never_thinner_than_its_share_and_exact_when_it_can_be(center, half, lo, span):
    """At any loss scale the ±threshold band is drawn at least 2.5 % of the axis tall, else exactly."""
    hi = lo + span
    b, t, exact = axes.visible_band(center, half, lo, hi)
    assert t - b >= min(2 * half, 0.025 * span) * (1 - 1e-9)
    if exact:
        assert (b, t) == (pytest.approx(center - half), pytest.approx(center + half))
    else:
        assert t - b == pytest.approx(0.025 * span) and 2 * half < 0.025 * span
    assert (b + t) / 2 == pytest.approx(center, abs=1e-9 * max(1.0, abs(center), span))


def test_fraction_and_nearest_index_in_log_space():
    """fraction_of is 0..1 across a log axis; nearest_index snaps to the closest measured rate."""
    assert axes.fraction_of(1e-3, 1e-7, 10.0) == pytest.approx(0.5)
    lrs = np.geomspace(1e-5, 1e-1, 5)
    assert axes.nearest_index(lrs, 1.2e-3) == 2
    assert axes.nearest_index(np.zeros(0), 1e-3) is None


def test_interp_log_reads_the_curve_between_points():
    """The curve's value at a rate between two points is interpolated in log lr."""
    lrs = np.array([1e-4, 1e-2])
    assert axes.interp_log(lrs, np.array([2.0, 1.0]), 1e-3) == pytest.approx(1.5)
    assert math.isnan(axes.interp_log(np.zeros(0), np.zeros(0), 1e-3))
