"""Learning-rate ladders and parameter-group schedules."""

from __future__ import annotations

import numpy as np
import pytest

from lrwidget.core.schedules import group_ratios, group_schedule, lr_schedule, validate_range


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


def test_group_schedule_keeps_ratios():
    """Every group follows the first group's ladder scaled by its own starting ratio; zero stays zero."""
    table = group_schedule([1e-2, 1e-3, 0.0], [1.0, 10.0])
    np.testing.assert_allclose(table, [[1.0, 0.1, 0.0], [10.0, 1.0, 0.0]])


def test_group_schedule_single_group_is_the_ladder():
    """With one group the table is the ladder as a column."""
    lrs = lr_schedule(1e-5, 1.0, 6)
    np.testing.assert_array_equal(group_schedule([0.3], lrs)[:, 0], lrs)


@pytest.mark.parametrize("base", [[], [0.0, 1.0], [1.0, -1.0], [1.0, float("nan")], [[1.0]]])
def test_group_ratios_rejects_bad_base_lrs(base):
    """Empty, negative, non-finite or a zero first group is refused, naming base_lrs."""
    with pytest.raises(ValueError, match="base_lrs"):
        group_ratios(base)
