"""Property tests: any curve gives an lr inside the swept range or None with a reason, never a crash."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lrwidget.core.suggest import METHODS, lr_slice, minimum, slide_rule, steepest, valley

any_float = st.floats(allow_nan=True, allow_infinity=True)
lr_float = st.floats(min_value=0.0, exclude_min=True, allow_nan=False, allow_infinity=False)


@st.composite
def curves(draw, losses=any_float, max_size=40):
    """Strictly increasing positive lrs (any magnitude) and losses of the same length."""
    lrs = sorted(set(draw(st.lists(lr_float, min_size=0, max_size=max_size))))
    values = draw(st.lists(losses, min_size=len(lrs), max_size=len(lrs)))
    return np.array(lrs, dtype=float), np.array(values, dtype=float)


def check_answer(s, lrs):
    """An lr inside [lrs[0], lrs[-1]] with a valid index, or None with a reason."""
    if s.lr is None:
        assert s.reason and s.index is None
    else:
        assert np.isfinite(s.lr) and lrs[0] <= s.lr <= lrs[-1]
        assert 0 <= s.index < len(lrs)
        assert s.confidence is None or 0.0 <= s.confidence <= 1.0


@settings(max_examples=250, deadline=None)
@given(curves())
def test_every_method_answers_in_range_or_explains(curve):
    """Any floats, nan, inf and huge values included: each method answers in range or says why not."""
    lrs, losses = curve
    for fn in METHODS.values():
        check_answer(fn(lrs, losses), lrs)
    pair = lr_slice(lrs, losses)
    assert pair is None or lrs[0] <= pair[0] < pair[1] <= lrs[-1]


@settings(max_examples=150, deadline=None)
@given(
    curves(),
    st.integers(min_value=1, max_value=50),
    st.floats(min_value=0, allow_infinity=False, allow_nan=False),
    st.floats(min_value=1e-6, max_value=1e6),
)
def test_slide_rule_with_any_parameters(curve, lr_diff, threshold, adjust):
    """The slide rule's parameters never break the in-range-or-reason promise, and its trace is sound."""
    lrs, losses = curve
    s = slide_rule(lrs, losses, lr_diff=lr_diff, loss_threshold=threshold, adjust_value=adjust)
    check_answer(s, lrs)
    for step in s.trace:
        assert 0 <= step.left < step.right < len(lrs) and step.right - step.left == lr_diff
    assert all(step.moves for step in s.trace[:-1])


# Losses on a 1/8 grid of moderate size: adding an integer is exact, so any change would be the method's.
eighths = st.integers(min_value=-8000, max_value=8000).map(lambda k: k / 8)


@settings(max_examples=200, deadline=None)
@given(curves(losses=eighths, max_size=60), st.integers(min_value=-(10**6), max_value=10**6))
def test_shift_does_not_change_valley_steepest_minimum(curve, shift):
    """Adding a constant to the losses leaves valley, steepest and minimum unchanged."""
    lrs, losses = curve
    for fn in (valley, steepest, minimum):
        a, b = fn(lrs, losses), fn(lrs, losses + shift)
        assert (a.lr, a.index) == (b.lr, b.index)
