"""The selection model alone: the one place a pick lives, checked whoever sets it, never rewritten."""

from __future__ import annotations

import pytest
import traitlets
from hypothesis import given
from hypothesis import strategies as st

from lrwidget.widget.selection import Selection, SelectionTypeError, SelectionValueError


@pytest.fixture
def sel() -> Selection:
    return Selection(bounds=(1e-8, 100.0))


@pytest.mark.parametrize("bad", [1e10, 1e-30, 1e3, 5e-9])
def test_a_rate_far_outside_the_sweep_is_refused_naming_lr(sel, bad):
    """Defect 6: lr = 1e10 or 1e-30 is refused with a TraitError naming lr and the allowed range."""
    sel.lr = 1e-3
    with pytest.raises(SelectionValueError, match=r"lr=.* is outside the rates this sweep covers"):
        sel.lr = bad
    assert sel.lr == 1e-3


@pytest.mark.parametrize("bad", [True, False, "1e-3", [1e-3]])
def test_bools_and_strings_are_not_rates(sel, bad):
    """Defect 6: True is not a rate (traitlets' Float would take it as 1.0): a TypeError naming lr."""
    with pytest.raises(SelectionTypeError, match="lr must be a real number"):
        sel.lr = bad
    assert sel.lr is None


@pytest.mark.parametrize("bad", [-1.0, 0.0, float("inf"), float("nan")])
def test_non_positive_and_non_finite_rates_are_refused(sel, bad):
    """A rate must be a positive finite number; the error is a TraitError and a ValueError."""
    with pytest.raises(ValueError, match="lr"):
        sel.lr = bad
    with pytest.raises(traitlets.TraitError):
        sel.lr = bad


def test_a_slice_far_outside_the_sweep_or_reversed_is_refused_naming_lr_slice(sel):
    """Defect 6: lr_slice = (1e-12, 1e12) is refused; so is lo >= hi; the old slice stays."""
    sel.lr_slice = (1e-5, 1e-3)
    for bad in [(1e-12, 1e12), (1e-3, 1e-5), (1e-3, 1e-3), (True, 1e-3), "ab", (1e-5,)]:
        with pytest.raises(traitlets.TraitError, match="lr_slice"):
            sel.lr_slice = bad
    assert sel.lr_slice == (1e-5, 1e-3)


def test_value_routes_and_mode_decides(sel):
    """A float sets lr (pick mode), a slice or a pair sets lr_slice (slice mode), None clears both."""
    sel.value = 3e-3
    assert (sel.lr, sel.mode, sel.value) == (3e-3, "pick", 3e-3)
    sel.value = slice(1e-5, 1e-3)
    assert sel.lr_slice == (1e-5, 1e-3) and sel.mode == "slice" and sel.value == slice(1e-5, 1e-3)
    sel.mode = "pick"
    assert sel.value == 3e-3
    sel.value = None
    assert (sel.lr, sel.lr_slice, sel.value) == (None, None, None)
    with pytest.raises(SelectionTypeError, match="value"):
        sel.value = "fast"
    with pytest.raises(SelectionValueError, match="value"):
        sel.value = slice(1e-5, 1e-3, 2)


@given(
    lr=st.floats(1e-8, 100.0),
    lo=st.floats(1e-8, 1e-3),
    width=st.floats(1.01, 1e4),
    measured=st.tuples(st.floats(1e-8, 1.0), st.floats(1.01, 1e3)),
)
def test_narrowing_what_was_measured_never_rewrites_a_pick(lr, lo, width, measured):
    """Defect 1 by construction: whatever range was measured (a Stop narrows it), lr and lr_slice stay
    exactly as set, and a pick outside is reported as unmeasured rather than moved."""
    hi = min(lo * width, 100.0)
    sel = Selection(bounds=(1e-8, 100.0))
    sel.lr = lr
    if lo < hi:
        sel.lr_slice = (lo, hi)
    before = (sel.lr, sel.lr_slice)
    m_lo = measured[0]
    m_hi = m_lo * measured[1]
    sel.measured = (m_lo, m_hi)
    assert (sel.lr, sel.lr_slice) == before
    assert sel.unmeasured(lr) == (not (m_lo * (1 - 1e-9) <= lr <= m_hi * (1 + 1e-9)))


def test_observers_see_one_consistent_change_when_value_routes(sel):
    """Observers of value get the routed value; a failing assignment notifies nobody."""
    seen = []
    sel.observe(lambda ch: seen.append(ch["new"]), names="value")
    sel.value = 2e-3
    assert seen == [2e-3]
    with pytest.raises(traitlets.TraitError):
        sel.value = 1e10
    assert seen == [2e-3] and sel.lr == 2e-3


def test_bounds_must_be_an_increasing_positive_pair():
    """The allowed range itself is checked."""
    with pytest.raises(SelectionValueError, match="bounds"):
        Selection(bounds=(1.0, 0.1))
    assert Selection(bounds=(1e-6, 1.0)).picks() == ()


def test_a_reversed_slice_is_refused_with_the_pair_it_probably_meant():
    s = Selection(bounds=(1e-8, 100.0))
    with pytest.raises(SelectionValueError, match=r"got \(1e-2, 1e-3\); did you mean \(1e-3, 1e-2\)\?"):
        s.lr_slice = (1e-2, 1e-3)
    assert s.lr_slice is None
