"""Bias-corrected smoothing and the divergence stop rule."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lrwidget.core.smoothing import LossSmoother, StopRule, smooth


def test_first_smoothed_value_is_the_first_loss():
    """Bias correction makes the first smoothed value equal the first loss (no dip towards zero)."""
    assert LossSmoother(0.98).update(2.5) == pytest.approx(2.5, rel=1e-12)


def test_smoothing_pinned_by_hand():
    """With beta 0.5 the losses 4, 2, 1 smooth to 4, 8/3, 12/7 (worked by hand)."""
    # avg: 2, 2, 1.5 ; corrections: 1/2, 3/4, 7/8
    np.testing.assert_allclose(smooth([4.0, 2.0, 1.0], beta=0.5), [4.0, 8 / 3, 12 / 7], rtol=1e-12)


def test_constant_losses_stay_constant():
    """A constant curve smooths to itself at every step, which only a correct bias correction gives."""
    np.testing.assert_allclose(smooth(np.full(50, 3.0)), np.full(50, 3.0), rtol=1e-12)


def test_smooth_matches_the_smoother_step_by_step():
    """The array helper and the streaming smoother agree."""
    losses = np.random.default_rng(1).uniform(0, 5, 40)
    smoother = LossSmoother(0.9)
    assert smooth(losses, 0.9).tolist() == [smoother.update(x) for x in losses]


def test_smoother_count_value_and_reset():
    """The smoother reports its count and value, and reset starts over."""
    smoother = LossSmoother()
    assert math.isnan(smoother.value) and smoother.count == 0
    smoother.update(1.0)
    smoother.update(3.0)
    assert smoother.count == 2
    smoother.reset()
    assert smoother.update(7.0) == pytest.approx(7.0)


@pytest.mark.parametrize("beta", [-0.1, 1.0, 1.5, float("nan")])
def test_bad_beta_is_refused(beta):
    """beta outside [0, 1) raises ValueError naming beta."""
    with pytest.raises(ValueError, match="beta"):
        LossSmoother(beta)


def test_smooth_rejects_2d():
    """smooth wants a 1-D curve."""
    with pytest.raises(ValueError, match="1-D"):
        smooth(np.ones((2, 2)))


def test_stop_rule_diverges_just_above_div_factor():
    """With best 1.0 and factor 4, 4.0 goes on and 4.0001 stops as diverged."""
    rule = StopRule(div_factor=4.0)
    assert rule.check(1.0, 1.0) is None
    assert rule.check(4.0, 4.0) is None
    assert rule.check(4.0001, 4.0001) == "diverged"


def test_stop_rule_tracks_best_smoothed_not_raw():
    """The comparison uses the best smoothed loss so far, not the raw losses."""
    rule = StopRule(div_factor=2.0)
    assert rule.check(0.01, 1.0) is None  # a tiny raw loss does not lower the best
    assert rule.check(5.0, 1.9) is None
    assert rule.check(5.0, 2.1) == "diverged"


def test_non_finite_stops_even_without_stop_div():
    """A nan or inf raw loss always stops the sweep; divergence does not when stop_div is False."""
    rule = StopRule(stop_div=False)
    assert rule.check(1.0, 1.0) is None
    assert rule.check(100.0, 100.0) is None
    assert rule.check(float("nan"), 1.0) == "non_finite"
    assert rule.check(float("inf"), 1.0) == "non_finite"


def test_stop_rule_negative_losses():
    """For a negative best loss, divergence means rising (div_factor - 1) * |best| above it."""
    rule = StopRule(div_factor=4.0)
    assert rule.check(-1.0, -1.0) is None
    assert rule.check(-0.5, -0.5) is None  # 4 * best would be -4: a ratio test would stop here
    assert rule.check(2.0, 2.0) is None
    assert rule.check(2.1, 2.1) == "diverged"


@pytest.mark.parametrize("factor", [1.0, 0.5, float("inf"), float("nan")])
def test_bad_div_factor_is_refused(factor):
    """div_factor must be a finite number above 1."""
    with pytest.raises(ValueError, match="div_factor"):
        StopRule(div_factor=factor)
