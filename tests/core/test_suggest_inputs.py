"""What every suggester does with invalid input, short curves, non-finite losses and bad parameters."""

from __future__ import annotations

import numpy as np
import pytest

from lrwidget.core.suggest import METHODS, minimum, slide_rule, slide_rule_scaled, steepest

LRS = np.geomspace(1e-5, 1.0, 20)
LOSSES = np.r_[np.linspace(3.0, 1.0, 15), [1.5, 2.5, 4.0, 7.0, 12.0]]


@pytest.mark.parametrize("name", list(METHODS))
@pytest.mark.parametrize(
    ("lrs", "losses", "match"),
    [
        (LRS, LOSSES[:-1], "same length"),
        (LRS[::-1], LOSSES, "strictly increasing"),
        (np.r_[LRS[:5], LRS[4:-1]], LOSSES, "strictly increasing"),
        (np.r_[0.0, LRS[1:]], LOSSES, "positive"),
        (-LRS[::-1], LOSSES, "positive"),
        (np.r_[LRS[:-1], np.inf], LOSSES, "finite"),
        (LRS.reshape(4, 5), LOSSES.reshape(4, 5), "1-D"),
        (LRS, LOSSES.reshape(4, 5), "1-D"),
    ],
)
def test_invalid_input_raises_value_error(name, lrs, losses, match):
    """Every method refuses malformed curves with a ValueError naming the problem."""
    with pytest.raises(ValueError, match=match):
        METHODS[name](lrs, losses)


@pytest.mark.parametrize("name", list(METHODS))
def test_short_curves_have_no_answer(name):
    """Four points are too few: lr None and a reason mentioning the five needed."""
    s = METHODS[name](LRS[:4], LOSSES[:4])
    assert s.lr is None and s.index is None and "at least 5" in s.reason and s.method == name


@pytest.mark.parametrize("name", list(METHODS))
def test_empty_curve_has_no_answer(name):
    """An empty curve is valid input with no answer."""
    assert METHODS[name]([], []).lr is None


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("name", list(METHODS))
def test_curve_is_cut_before_first_non_finite(name, bad):
    """Values after a non-finite loss are never used: the answer equals the answer on the cut curve."""
    losses = LOSSES.copy()
    losses[17] = bad
    losses[18] = -1e9  # would be the minimum, if it were used
    full, cut = METHODS[name](LRS, losses), METHODS[name](LRS[:17], LOSSES[:17])
    assert full.lr == cut.lr
    if full.lr is not None:
        assert full.params["cut_at"] == 17


@pytest.mark.parametrize("name", list(METHODS))
def test_early_non_finite_leaves_too_little(name):
    """A nan at point 3 leaves 3 points: no answer, and the reason says to start lower."""
    losses = LOSSES.copy()
    losses[3] = np.nan
    s = METHODS[name](LRS, losses)
    assert s.lr is None and "nan" in s.reason and "start_lr" in s.reason


def test_list_inputs_are_accepted():
    """Plain Python lists work as well as arrays."""
    assert minimum(LRS.tolist(), LOSSES.tolist()).lr == minimum(LRS, LOSSES).lr


def test_non_numeric_input_is_a_type_error():
    """Strings are not numbers: TypeError naming the argument."""
    with pytest.raises(TypeError, match="lrs"):
        minimum(["a"] * 20, LOSSES)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: slide_rule(LRS, LOSSES, lr_diff=0), "lr_diff"),
        (lambda: slide_rule(LRS, LOSSES, lr_diff=2.5), "lr_diff"),
        (lambda: slide_rule(LRS, LOSSES, lr_diff=True), "lr_diff"),
        (lambda: slide_rule(LRS, LOSSES, loss_threshold=-0.1), "loss_threshold"),
        (lambda: slide_rule(LRS, LOSSES, loss_threshold=np.nan), "loss_threshold"),
        (lambda: slide_rule(LRS, LOSSES, adjust_value=0), "adjust_value"),
        (lambda: slide_rule_scaled(LRS, LOSSES, width_decades=0), "width_decades"),
        (lambda: slide_rule_scaled(LRS, LOSSES, rel_threshold=-1), "rel_threshold"),
        (lambda: steepest(LRS, LOSSES, skip_start=-0.1), "skip_start"),
        (lambda: steepest(LRS, LOSSES, skip_end=2), "skip_end"),
        (lambda: minimum(LRS, LOSSES, factor=0), "factor"),
        (lambda: minimum(LRS, LOSSES, factor=np.inf), "factor"),
    ],
)
def test_bad_parameters_name_themselves(call, match):
    """An impossible parameter raises ValueError naming it."""
    with pytest.raises(ValueError, match=match):
        call()


def test_steepest_skips_that_leave_nothing():
    """Skipping everything leaves no point to judge: no lr, with a reason."""
    s = steepest(LRS, LOSSES, skip_start=0.6, skip_end=0.6)
    assert s.lr is None and "skip_start" in s.reason
