"""Learning-rate ladders: exact ends, the documented formula, lazy, bounded, checked."""

from __future__ import annotations

import numpy as np
import pytest

from lrwidget.core.schedules import MAX_NUM_IT, MODES, Ladder, lr_schedule, validate_range


def test_exp_ladder_pinned_decades():
    """Nine exponential steps from 1e-7 to 10 are the nine powers of ten."""
    lrs = lr_schedule(1e-7, 10, 9, "exp")
    np.testing.assert_allclose(lrs, [1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0], rtol=1e-12)


def test_exp_ladder_reaches_both_ends_exactly():
    """The first value is start_lr and the last is end_lr, bit for bit."""
    lrs = lr_schedule(3e-6, 7.0, 137)
    assert lrs[0] == 3e-6 and lrs[-1] == 7.0 and lrs.size == 137
    assert np.all(np.diff(lrs) > 0)


def test_exp_ladder_has_constant_ratio():
    """Consecutive exponential steps share one ratio, (end/start) ** (1/(n-1))."""
    lrs = lr_schedule(1e-4, 1e-2, 5)
    np.testing.assert_allclose(lrs[1:] / lrs[:-1], np.full(4, 100**0.25), rtol=1e-12)


def test_linear_ladder_pinned():
    """Five linear steps from 1 to 3 go up by 0.5."""
    np.testing.assert_allclose(lr_schedule(1.0, 3.0, 5, "linear"), [1.0, 1.5, 2.0, 2.5, 3.0])


def test_two_steps_are_the_two_ends():
    """The shortest ladder is just start and end, in both modes."""
    for mode in ("exp", "linear"):
        assert lr_schedule(0.01, 1.0, 2, mode).tolist() == [0.01, 1.0]


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((1e-7, 10, 1, "exp"), ValueError, "num_it"),
        ((1e-7, 10, 0, "exp"), ValueError, "num_it"),
        ((1e-7, 10, 2.5, "exp"), TypeError, "num_it"),
        ((1e-7, 10, True, "exp"), TypeError, "num_it"),
        ((0.0, 10, 100, "exp"), ValueError, "start_lr"),
        ((-1e-3, 10, 100, "exp"), ValueError, "start_lr"),
        ((1.0, 1.0, 100, "exp"), ValueError, "end_lr"),
        ((1.0, 0.5, 100, "exp"), ValueError, "end_lr"),
        ((float("nan"), 10, 100, "exp"), ValueError, "start_lr"),
        ((1e-7, float("inf"), 100, "exp"), ValueError, "end_lr"),
        ((1e-7, 10, 100, "cosine"), ValueError, "mode"),
        (("1e-7", 10, 100, "exp"), TypeError, "start_lr"),
    ],
)
def test_validate_range_names_the_parameter(args, error, match):
    """Each impossible setting raises an error naming the parameter at fault."""
    with pytest.raises(error, match=match):
        validate_range(*args)
    with pytest.raises(error, match=match):
        lr_schedule(*args)


def test_ladder_is_lazy_and_small_whatever_num_it():
    """A million-step ladder holds four numbers; any step is computed on demand, ends exact."""
    import sys

    ladder = Ladder(1e-7, 10.0, MAX_NUM_IT)
    assert len(ladder) == MAX_NUM_IT
    assert sys.getsizeof(ladder) < 200
    assert ladder[0] == 1e-7 and ladder[-1] == 10.0 and ladder[MAX_NUM_IT - 1] == 10.0
    assert ladder[MAX_NUM_IT // 2] == pytest.approx(1e-3, rel=1e-4)
    with pytest.raises(IndexError):
        ladder[MAX_NUM_IT]


def test_ladder_matches_the_closed_form():
    """Iterating the ladder gives the documented formula (numpy, vectorised) to the last ulp or so."""
    for mode in MODES:
        values = np.fromiter(Ladder(3e-6, 7.0, 257, mode), dtype=float)
        t = np.arange(257) / 256
        closed = 3e-6 * (7.0 / 3e-6) ** t if mode == "exp" else 3e-6 + (7.0 - 3e-6) * t
        np.testing.assert_allclose(values, closed, rtol=1e-14)
        np.testing.assert_array_equal(lr_schedule(3e-6, 7.0, 257, mode), values)


@pytest.mark.parametrize("num_it", [MAX_NUM_IT + 1, 10**9])
def test_num_it_has_an_upper_bound(num_it):
    """num_it=1e9 is refused at once, naming num_it and the bound (no ladder is ever built)."""
    with pytest.raises(ValueError, match="num_it must be <= 1,000,000"):
        Ladder(1e-7, 10, num_it)


@pytest.mark.parametrize("bad", ["0.9", "1e-3", None, True])
def test_strings_are_not_numbers(bad):
    """A string (or None, or a bool) for start_lr is a TypeError naming it, never parsed."""
    with pytest.raises(TypeError, match="start_lr"):
        validate_range(bad, 10, 100)
