"""The confirmation's plan (numpy-free arithmetic): candidates on the trial grid, the walk, the record."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrwidget.core.confirmation import Confirmation
from lrwidget.core.suggest import TRIAL_GRID_PER_DECADE, Suggestion
from lrwidget.core.suggest._confirm import (
    SPACING,
    choose,
    confirm_candidates,
    confirm_center,
    grid_index,
    next_candidate,
    search,
)

rates = st.floats(1e-7, 10.0)


def index(lr: float) -> float:
    return math.log10(lr) * TRIAL_GRID_PER_DECADE


@settings(max_examples=300, deadline=None)
@given(center=rates, k=st.integers(1, 7), lo=rates, span=st.floats(0.0, 8.0))
def test_candidates_lie_on_the_grid_half_a_decade_apart_within_the_sweep(center, k, lo, span):
    hi = min(lo * 10**span, 1e3)
    got = confirm_candidates(center, k, lo, hi)
    assert 1 <= len(got) <= k and list(got) == sorted(got)
    assert all(lo * (1 - 1e-9) <= c <= hi * (1 + 1e-9) for c in got)
    if len(got) > 1:
        steps = [index(c) for c in got]
        assert all(abs(s - round(s)) < 1e-6 for s in steps)
        assert all(abs(b - a - SPACING) < 1e-6 for a, b in itertools.pairwise(steps))
    room = int((math.floor(index(hi) + 1e-9) - math.ceil(index(lo) - 1e-9)) // SPACING) + 1
    if room >= k:
        assert len(got) == k
        if lo * 10**0.5 <= center <= hi / 10**0.5 and k >= 3:
            # the centre itself is tried, or (a window filling the whole range) its grid neighbour
            assert any(abs(grid_index(c) - grid_index(center)) <= 1 for c in got)


def test_candidates_are_centred_when_there_is_room():
    assert [grid_index(c) for c in confirm_candidates(3e-3, 3, 1e-7, 10)] == [-12, -10, -8]
    assert [grid_index(c) for c in confirm_candidates(5.0, 3, 1e-7, 10)] == [-1, 1, 3]  # slid below 10


@pytest.mark.parametrize(
    ("args", "words"),
    [((1e-3, 0, 1e-7, 10), "k must be a positive integer"), ((1e-3, True, 1e-7, 10), "k must be"),
     ((0.0, 3, 1e-7, 10), "center must be a positive"), ((1e-3, 3, 1.0, 0.1), "hi must not be below lo"),
     ((math.nan, 3, 1e-7, 10), "center must be")],
)  # fmt: skip
def test_bad_plans_name_the_argument(args, words):
    with pytest.raises(ValueError, match=words):
        confirm_candidates(*args)


def test_choose_takes_the_lowest_finite_score():
    assert choose([1e-3, 1e-2, 1e-1], [0.5, 0.3, math.inf]) == 1e-2
    assert choose([1e-3, 1e-2], [math.inf, math.inf]) is None


def test_the_walk_goes_past_the_end_that_is_best_and_stops_at_a_minimum():
    tried = {1e-3: 0.5, 10**-2.5: 0.4, 1e-2: 0.3}  # best at the top: one step above
    assert grid_index(next_candidate(tried, 1e-7, 10)) == grid_index(10**-1.5)
    assert next_candidate(tried, 1e-7, 1.1e-2) is None  # but not past what the sweep measured
    assert grid_index(next_candidate({1e-3: 0.1, 1e-2: 0.3}, 1e-7, 10)) == grid_index(10**-3.5)
    assert grid_index(next_candidate({1e-3: math.inf, 1e-2: math.inf}, 1e-7, 10)) == grid_index(10**-3.5)
    assert next_candidate({1e-3: 0.5, 10**-2.5: 0.2, 1e-2: 0.3}, 1e-7, 10) is None  # a minimum inside
    assert next_candidate({}, 1e-7, 10) is None


@settings(max_examples=200, deadline=None)
@given(center=st.floats(1e-6, 1.0), k=st.integers(1, 5), best=st.floats(-6.0, 1.0), width=st.floats(0.1, 3))
def test_search_tries_at_most_2k_rates_and_ends_at_a_minimum_or_an_edge(center, k, best, width):
    """On a convex score (a bowl around 10**best) the search finds the bowl's bottom within the range
    and its budget: the pick is a minimum of what was tried, with no unexplored better neighbour."""
    lo, hi = 1e-7, 10.0
    calls = []

    def trial(lr):
        calls.append(lr)
        return (math.log10(lr) - best) ** 2 / width

    tried = search(center, k, lo, hi, trial)
    assert tried is not None and len(tried) == len(calls) <= 2 * k
    assert len(set(calls)) == len(calls)  # never the same rate twice
    rates_tried = sorted(lr for lr, _ in tried)
    pick = choose([lr for lr, _ in tried], [s for _, s in tried])
    if len(tried) < 2 * k and len(rates_tried) > 1:  # budget left: it stopped at a minimum or an edge
        at_low_end, at_high_end = pick == rates_tried[0], pick == rates_tried[-1]
        assert not at_low_end or pick / 10**0.5 < lo * (1 - 1e-9)
        assert not at_high_end or pick * 10**0.5 > hi * (1 + 1e-9)


def test_search_stops_when_a_trial_says_stop():
    seen = []
    assert search(1e-3, 3, 1e-7, 10, lambda lr: None if seen.append(lr) or len(seen) == 2 else 1.0) is None
    assert len(seen) == 2


def test_the_centre_is_the_first_method_that_answers_else_the_middle():
    def suggest_from(answers):
        return lambda m: Suggestion(m, answers.get(m))

    assert confirm_center(suggest_from({"auto": 1e-3}), [1e-7, 10]) == (1e-3, "auto")
    assert confirm_center(suggest_from({"steepest": 2e-3}), [1e-7, 10]) == (2e-3, "steepest")
    lr, how = confirm_center(suggest_from({}), [1e-6, 1e-2])
    assert how == "middle" and lr == pytest.approx(1e-4)
    with pytest.raises(ValueError, match="no positive learning rate"):
        confirm_center(suggest_from({}), [math.nan])


def test_a_confirmation_record_round_trips_and_names_a_bad_one():
    done = Confirmation((1e-3, 10**-2.5), (0.4, math.inf), 100, "val", 1e-3, 1e-3, "auto", 1.5, 0.5)
    assert Confirmation.from_dict(done.to_dict()) == done and done.cost_ratio == 3.0
    assert "confirmed lr 1e-3" in done.summary() and "3.2e-3: diverged" in done.summary()
    with pytest.raises(ValueError, match="not a confirmation record"):
        Confirmation.from_dict({"candidates": [1e-3]})
    with pytest.raises(ValueError, match="different number"):
        Confirmation.from_dict({**done.to_dict(), "scores": [0.1]})


def diverging_curve(n: int = 100):
    from lrwidget.core.result import RangeTestResult

    lrs = np.geomspace(1e-6, 10.0, n)
    x = np.log10(lrs)
    losses = 2.3 - 1.8 / (1 + np.exp(-(x + 2.5) * 3)) + np.where(x > -0.5, (x + 0.5) ** 2 * 8, 0)
    return RangeTestResult(lrs, losses, stop_reason="diverged", settings={"num_it": n})


def test_all_trials_diverging_is_said_and_the_confidence_lowered():
    """Every trial diverged: suggest() keeps the curve's pick, with a caveat and half its confidence."""
    result = diverging_curve()
    plain = result.suggest()
    done = Confirmation((1e-2, 10**-1.5), (math.inf, math.inf), 10, "train", None, 1e-2, "auto", 0.1, 0.1)
    result.settings["confirmation"] = done.to_dict()
    pick = result.suggest()
    assert pick.lr == plain.lr
    assert any("Every one of the 2 confirmation trials diverged" in c for c in pick.caveats)
    assert pick.confidence == pytest.approx(plain.confidence / 2)
    assert "every one of 2 trials" in done.summary() and "diverged" in done.summary()


def test_a_confirmed_pick_at_the_edge_of_the_trials_says_a_better_rate_may_lie_beyond():
    result = diverging_curve()
    done = Confirmation((1e-3, 10**-2.5), (0.5, 0.4), 10, "val", 10**-2.5, 1e-3, "auto", 0.1, 0.1)
    result.settings["confirmation"] = done.to_dict()
    pick = result.suggest()
    assert pick.lr == 10**-2.5 and pick.confidence is None  # calibrated for readings, not for trials
    assert done.edge == "highest" and any("a higher rate, not tried" in c for c in pick.caveats)
    lo, hi = result.lr_slice()
    assert hi == pick.lr and lo == pytest.approx(hi / 10)  # the slice follows the confirmed pick


def test_a_tampered_confirmation_record_is_refused_when_the_result_is_loaded():
    from lrwidget.core.result import RangeTestResult

    result = diverging_curve()
    done = Confirmation((1e-3, 10**-2.5), (0.5, 0.4), 10, "val", 10**-2.5, 1e-3, "auto", 0.1, 0.1)
    record = {**done.to_dict(), "chosen": 1e9}
    result.settings["confirmation"] = record
    with pytest.raises(ValueError, match=r"chosen 1000000000\.0 is not one of its candidates"):
        RangeTestResult.from_json_text(result.to_json_text())
