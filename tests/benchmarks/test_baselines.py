"""Other libraries' rules (fastai's slide, torch-lr-finder's steepest gradient) on hand-worked curves."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.quality.baselines import BASELINES, fastai_slide, steepest_gradient

DECADES10 = 10.0 ** np.arange(-6, 4)
# np.gradient of 0,0,0,0,0,0,1,3,6,10 = 0,0,0,0,0,0.5,1.5,2.5,3.5,4
SLIDE_LOSSES = [0, 0, 0, 0, 0, 0, 1, 3, 6, 10]


def test_fastai_slide_moves_like_the_seed():
    """Width 3, threshold 0.5: the interval stops at (2, 5), so lrs[3] is chosen, as in the seed."""
    s = fastai_slide(DECADES10, SLIDE_LOSSES, lr_diff=3, thresh=0.5)
    assert s.lr == DECADES10[3] and s.index == 3 and s.method == "fastai_slide"


def test_fastai_slide_that_never_moves_still_answers():
    """On a straight line the first interval already agrees: fastai answers its left end, lrs[-1 - 3]."""
    s = fastai_slide(DECADES10, np.arange(10.0), lr_diff=3)
    assert s.lr == DECADES10[6]


def test_fastai_slide_too_wide_gives_reason():
    """An interval as long as the curve cannot slide: no lr and a reason naming lr_diff."""
    s = fastai_slide(DECADES10, SLIDE_LOSSES, lr_diff=10)
    assert s.lr is None and "lr_diff" in s.reason


def test_steepest_gradient_skips_points_then_takes_the_lowest_gradient():
    """Kept 5,4,2,1,1 -> np.gradient -1,-1.5,-1.5,-0.5,0: the first minimum, kept index 1, is lrs[2]."""
    lrs = DECADES10[:7]
    s = steepest_gradient(lrs, [5, 5, 4, 2, 1, 1, 1], skip_start=1, skip_end=1)
    assert s.lr == lrs[2] and s.params["gradient"] == pytest.approx(-1.5)


def test_steepest_gradient_without_descent_or_points_gives_reason():
    """A flat curve has no descent; skipping everything leaves nothing to judge."""
    assert steepest_gradient(DECADES10, np.ones(10), skip_start=1, skip_end=1).lr is None
    short = steepest_gradient(DECADES10, SLIDE_LOSSES)
    assert short.lr is None and "skipping" in short.reason


def test_parameters_are_checked():
    """Counts must be non-negative integers, thresholds non-negative numbers."""
    with pytest.raises(ValueError, match="lr_diff"):
        fastai_slide(DECADES10, SLIDE_LOSSES, lr_diff=0)
    with pytest.raises(ValueError, match="skip_start"):
        steepest_gradient(DECADES10, SLIDE_LOSSES, skip_start=-1)
    with pytest.raises(ValueError, match="thresh"):
        fastai_slide(DECADES10, SLIDE_LOSSES, thresh=-1.0)


@st.composite
def curves(draw):
    """Strictly increasing positive lrs and losses of any float (nan, inf, huge) of the same length."""
    lrs = sorted(set(draw(st.lists(st.floats(min_value=1e-300, max_value=1e300), max_size=40))))
    losses = draw(st.lists(st.floats(), min_size=len(lrs), max_size=len(lrs)))
    return np.array(lrs, dtype=float), np.array(losses, dtype=float)


@settings(max_examples=200, deadline=None)
@given(curves())
def test_baselines_answer_in_range_or_explain(curve):
    """Any curve, nan and inf included: an lr inside the swept range, or None with a reason."""
    lrs, losses = curve
    for fn in BASELINES.values():
        s = fn(lrs, losses)
        if s.lr is None:
            assert s.reason and s.index is None
        else:
            assert np.isfinite(s.lr) and lrs[0] <= s.lr <= lrs[-1] and 0 <= s.index < len(lrs)
