"""Every suggester on small synthetic curves whose answers were worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lrwidget.core.suggest import (
    METHODS,
    minimum,
    slide_rule,
    slide_rule_scaled,
    steepest,
    valley,
)
from lrwidget.core.suggestion import SlideStep

DECADES10 = 10.0 ** np.arange(-6, 4)  # 1e-6 .. 1e3, one point per decade


# -- slide rule (seed 002) ----------------------------------------------------------------------
# losses 0,0,0,0,0,0,1,3,6,10 -> np.gradient (index space) = 0,0,0,0,0,0.5,1.5,2.5,3.5,4
SLIDE_LOSSES = [0, 0, 0, 0, 0, 0, 1, 3, 6, 10]


def test_slide_rule_pinned_answer_and_trace():
    """Width 3, threshold 0.5: the interval moves four times and stops at (2, 5), so lrs[3] is chosen."""
    s = slide_rule(DECADES10, SLIDE_LOSSES, lr_diff=3, loss_threshold=0.5)
    assert s.lr == DECADES10[3] and s.index == 3 and s.method == "slide_rule"
    assert s.trace == (
        SlideStep(6, 9, 2.5, 0.5, True),
        SlideStep(5, 8, 3.0, 0.5, True),
        SlideStep(4, 7, 2.5, 0.5, True),
        SlideStep(3, 6, 1.5, 0.5, True),
        SlideStep(2, 5, 0.5, 0.5, False),
    )
    assert s.params["stopped"] == "threshold" and s.reason == ""


def test_slide_rule_adjust_value_multiplies_and_is_clipped():
    """adjust_value scales the answer; pushed outside the swept range it is clipped and says so."""
    assert slide_rule(DECADES10, SLIDE_LOSSES, 3, 0.5, adjust_value=2.0).lr == pytest.approx(2 * DECADES10[3])
    low = slide_rule(DECADES10, SLIDE_LOSSES, 3, 0.5, adjust_value=1e-9)
    assert low.lr == DECADES10[0] and "below the swept range" in low.reason


def test_slide_rule_never_moving_gives_reason():
    """On a straight line the first interval already agrees: no lr, a reason, one non-moving step."""
    s = slide_rule(DECADES10, np.arange(10.0), lr_diff=3, loss_threshold=0.05)
    assert s.lr is None and "did not diverge" in s.reason and "loss_threshold" in s.reason
    assert s.trace == (SlideStep(6, 9, 0.0, 0.05, False),)


def test_slide_rule_too_wide_gives_reason():
    """lr_diff as long as the curve cannot slide (the seed asserts): no lr, reason names lr_diff."""
    s = slide_rule(DECADES10, SLIDE_LOSSES, lr_diff=10)
    assert s.lr is None and "lr_diff=10" in s.reason and s.trace == ()


def test_slide_rule_running_off_the_left_end():
    """On i**2 every gradient difference exceeds 0.5: the interval slides off and lrs[0] is given."""
    # gradient of 0,1,4,9,16,25 = 1,2,4,6,8,9; width 2 -> diffs 3,4,4,3 all > 0.5
    lrs = DECADES10[:6]
    s = slide_rule(lrs, [0, 1, 4, 9, 16, 25], lr_diff=2, loss_threshold=0.5)
    assert s.lr == lrs[0] and s.params["stopped"] == "left_end" and "left end" in s.reason
    assert [(t.left, t.right, t.diff, t.moves) for t in s.trace] == [
        (3, 5, 3.0, True),
        (2, 4, 4.0, True),
        (1, 3, 4.0, True),
        (0, 2, 3.0, True),
    ]


# -- scale-free slide rule ---------------------------------------------------------------------
# losses 10,9,8,7,6,5,4,5,8,13 one decade apart: slope per decade -1 (x6), 0, 2, 4, 5;
# descent height 10 - 4 = 6, so rel_threshold 0.2 is 1.2 loss per decade.
SCALED_LOSSES = np.array([10, 9, 8, 7, 6, 5, 4, 5, 8, 13], dtype=float)


def test_slide_rule_scaled_pinned():
    """Width 2 decades, threshold 0.2: intervals (7,9) (6,8) (5,7) move and (4,6) stops: lrs[5]."""
    s = slide_rule_scaled(DECADES10, SCALED_LOSSES, width_decades=2.0, rel_threshold=0.2)
    assert s.lr == DECADES10[5] and s.params["descent_height"] == 6.0
    assert [(t.left, t.right, t.moves) for t in s.trace] == [
        (7, 9, True),
        (6, 8, True),
        (5, 7, True),
        (4, 6, False),
    ]
    assert [t.diff for t in s.trace] == pytest.approx([0.5, 4 / 6, 0.5, 1 / 6])


def test_slide_rule_scaled_ignores_loss_units():
    """Multiplying the losses by 1000 and shifting them changes nothing."""
    a = slide_rule_scaled(DECADES10, SCALED_LOSSES, 2.0, 0.2)
    b = slide_rule_scaled(DECADES10, 1000 * SCALED_LOSSES - 77, 2.0, 0.2)
    assert a.lr == b.lr


def test_slide_rule_scaled_ignores_point_density():
    """The same curve sampled at 100 and at 1,000 points gives answers within 0.05 decade."""

    def curve(n):
        lrs = np.geomspace(1e-7, 10, n)
        x = np.log10(lrs)
        return lrs, 0.3 + 2 / (1 + np.exp(2.5 * (x + 3))) + 0.2 * np.exp(3 * (x + 1.4))

    sparse, dense = slide_rule_scaled(*curve(100)), slide_rule_scaled(*curve(1000))
    assert abs(math.log10(sparse.lr) - math.log10(dense.lr)) < 0.05


def test_slide_rule_scaled_reasons():
    """A rising curve has no descent; too wide an interval cannot slide; both say why."""
    rising = slide_rule_scaled(DECADES10, np.arange(10.0))
    assert rising.lr is None and "never falls" in rising.reason
    wide = slide_rule_scaled(DECADES10, SCALED_LOSSES, width_decades=9.5)
    assert wide.lr is None and "width_decades" in wide.reason


# -- valley ------------------------------------------------------------------------------------
def test_valley_pinned_with_a_bump():
    """Longest fall 9,8,7,6,5,4 (L=6) ends at point 7; fastai's start 7-6=1, pick 1+int(2)+int(1) = 4."""
    losses = [9, 8, 8.5, 7, 6, 6.5, 5, 4, 10, 11, 12]
    s = valley(np.geomspace(1e-5, 1.0, 11), losses)
    assert (s.params["start_index"], s.params["end_index"], s.params["length"]) == (1, 7, 6)
    assert s.index == 4 and s.lr == pytest.approx(1e-3)


def test_valley_starts_at_end_minus_length_not_at_the_true_start():
    """Fall 10,3,2,1,0.5 (L=5) truly starts at point 0 but ends at 11: fastai's start 6, pick 6+1+0 = 7."""
    losses = [10, 3, 3, 3, 3, 3, 3, 3, 3, 2, 1, 0.5, 6]
    s = valley(np.geomspace(1e-6, 1.0, 13), losses)
    assert (s.params["start_index"], s.params["end_index"], s.params["length"]) == (6, 11, 5)
    assert s.index == 7


def test_valley_truncates_like_fastai():
    """L=8 ending at point 8: start 0, pick 0 + int(8/3) + int(8/6) = 3 (not the midpoint 4)."""
    losses = [0, 9, 8, 7, 6, 5, 4, 3, 2, 10]
    s = valley(DECADES10, losses)
    assert (s.params["start_index"], s.params["length"]) == (0, 8)
    assert s.index == 3 and s.lr == DECADES10[3]


def test_valley_ties_go_to_the_first_run_to_reach_the_length():
    """Falls 5,4,3 and 9,8,7 both have length 3; the first ends at point 2: start -1, pick -1+1+0 = 0."""
    s = valley(DECADES10[:8], [5, 4, 3, 6, 9, 8, 7, 10])
    assert s.params["end_index"] == 2 and s.index == 0


def test_valley_two_point_fall_at_the_start_has_none():
    """fastai's index is -1 here (it would answer the last lr): no lr, and the reason says why."""
    s = valley(DECADES10[:5], [2, 1, 3, 4, 5])
    assert s.lr is None and "index -1" in s.reason


def test_valley_flat_curve_has_none():
    """A curve that never falls has no valley."""
    s = valley(DECADES10, np.ones(10))
    assert s.lr is None and "never decreases" in s.reason


# -- steepest ----------------------------------------------------------------------------------
def test_steepest_pinned():
    """The biggest fall per decade is across point 3 (from 5 at point 2 to 2 at point 4)."""
    losses = [5, 5, 5, 4, 2, 1.5, 1.4, 1.3, 1.3, 1.3]
    # (y[i+1] - y[i-1]) / 2 decades: i=2 -1/2, i=3 -3/2, i=4 -2.5/2, i=5 -0.6/2
    s = steepest(DECADES10, losses)
    assert s.lr == DECADES10[3] and s.params["slope"] == pytest.approx(-1.5)


def test_steepest_uses_log_lr_not_lr():
    """A fall centred at lr 0.3 in log space is found at 0.3 on a linear ladder (against lr: 0.22)."""
    lrs = np.linspace(0.01, 1.0, 100)
    x = np.log10(lrs)
    losses = 2 - 2 / (1 + np.exp(-6 * (x - math.log10(0.3))))  # steepest per decade at lr 0.3
    assert steepest(lrs, losses).lr == pytest.approx(0.3)
    slope_against_lr = np.gradient(losses, lrs)  # the mistake: small lrs look steep
    assert lrs[10 + np.argmin(slope_against_lr[10:95])] == pytest.approx(0.22)


def test_steepest_ignores_the_first_tenth_and_last_point():
    """A cliff in the first 10% of points is skipped; the later, gentler fall is chosen."""
    lrs = np.geomspace(1e-6, 1.0, 20)
    losses = np.r_[[10.0, 3.0], np.linspace(3.0, 2.0, 18)]  # cliff between points 0 and 1
    s = steepest(lrs, losses)
    assert s.params["first_index"] == 2 and s.index >= 2
    assert steepest(lrs, losses, skip_start=0.0).index == 1


def test_steepest_rising_curve_has_none():
    """A curve that only rises has no steepest descent."""
    s = steepest(DECADES10, np.arange(10.0))
    assert s.lr is None and "never falls" in s.reason


# -- minimum -----------------------------------------------------------------------------------
def test_minimum_pinned():
    """Minimum at point 6 (lr 1) gives 1 / 10 = 0.1, which is point 5."""
    s = minimum(DECADES10, [(i - 6) ** 2 for i in range(10)])
    assert s.lr == pytest.approx(0.1) and s.index == 5 and s.params["min_index"] == 6


def test_minimum_first_of_ties_and_clipping():
    """Ties pick the first minimum; a tenth of a rate near the start is clipped to lrs[0] with a note."""
    assert minimum(DECADES10, [3, 2, 1, 5, 1, 6, 7, 8, 9, 9]).params["min_index"] == 2
    lrs = np.geomspace(1e-3, 1.0, 31)  # 0.1 decade per point
    s = minimum(lrs, [5.0, 4.0, 3.0, *range(4, 32)])
    assert s.lr == lrs[0] and s.params["min_index"] == 2 and "below the swept range" in s.reason


def test_minimum_at_the_first_point_has_none():
    """A loss lowest at the first lr never fell: no lr, and the reason says to start lower."""
    s = minimum(DECADES10, np.arange(10.0))
    assert s.lr is None and "start_lr" in s.reason


# -- the registry (auto and lr_slice: test_suggest_auto.py) ----------------------------------------
def test_methods_registry_names():
    """METHODS holds exactly the six documented names."""
    assert list(METHODS) == ["slide_rule", "slide_rule_scaled", "valley", "steepest", "minimum", "auto"]


def test_slide_rule_that_never_moves_on_a_curve_that_turned_up_does_not_deny_it():
    """A loss that falls, then rises along one straight steep line for longer than the interval: the
    first interval's two gradients agree, so no pick. The reason says what was measured (the two ends'
    difference) and both possible causes; it no longer claims the loss did not turn up, which the header
    (and the plot) contradicted."""
    n = 100
    lrs = np.logspace(-7, 1, n)
    losses = np.concatenate([np.linspace(2.0, 1.0, 60), 1.0 + 0.2 * np.arange(1, 41)])
    s = slide_rule(lrs, losses, lr_diff=15, loss_threshold=0.05)
    assert s.lr is None
    assert "does not turn up" not in s.reason and "did not diverge" in s.reason
    assert "same steep rise" in s.reason and "differ by" in s.reason
