"""The scorer's arithmetic on a tiny hand-made corpus; every expected number is worked out by hand."""

from __future__ import annotations

import math

import pytest

from benchmarks.quality.evaluation import (
    PickScore,
    ground_truth,
    leave_one_task_out,
    rank_correlation,
    score_pick,
    score_slice,
    slice_truth,
    summarize,
)

GRID = [1e-3, 1e-2, 1e-1, 1.0]
# seed 0 blows up at lr 1 (None = not finite); seed 1 ends at lr 1 worse than untrained (3.0 >= 2.0).
# filled with the initial loss: seed 0 [1.0, 0.5, 0.4, 2.0], seed 1 [1.2, 0.7, 0.6, 2.0]
# mean [1.1, 0.6, 0.5, 2.0]: best 0.5 at lr 0.1; lr 1 diverged.
RUNS = [[1.0, 0.5, 0.4, None], [1.2, 0.7, 0.6, 3.0]]
INIT = [2.0, 2.0]


@pytest.fixture
def truth():
    return ground_truth(GRID, RUNS, INIT)


def test_ground_truth_means_seeds_and_marks_divergence(truth):
    """Values are seed means with diverged runs at their initial loss; the best is the lowest mean."""
    assert truth.values.tolist() == pytest.approx([1.1, 0.6, 0.5, 2.0])
    assert truth.diverged.tolist() == [False, False, False, True]
    assert truth.best == pytest.approx(0.5) and truth.best_lr == 0.1


def test_no_worse_than_untrained_counts_as_diverged_only_above_the_best():
    """A slow low-lr run that ends above its initial loss is poor, not diverged."""
    t = ground_truth(GRID, [[2.5, 0.5, 0.9, 2.4]], [2.0])
    assert t.diverged.tolist() == [False, False, False, True]
    assert t.values.tolist() == pytest.approx([2.5, 0.5, 0.9, 2.0])


def test_pick_on_the_best_grid_point_has_zero_regret(truth):
    """A pick at lr 0.1 scores the best value exactly."""
    s = score_pick(truth, 0.1)
    assert s.regret == pytest.approx(0.0) and not s.catastrophic and not s.outside and not s.failed


def test_pick_between_grid_points_interpolates_in_log_lr(truth):
    """Half way (in log10) between 1e-2 (0.6) and 1e-1 (0.5): 0.55, so regret 0.1."""
    assert score_pick(truth, 10**-1.5).regret == pytest.approx(0.1)
    # a quarter of the way from 1e-3 (1.1) to 1e-2 (0.6): 0.975, regret 0.95, not yet 2x the best
    low = score_pick(truth, 10**-2.75)
    assert low.regret == pytest.approx(0.95) and not low.catastrophic


def test_pick_next_to_a_diverged_point_is_catastrophic(truth):
    """Half way from 0.1 (0.5) to the diverged 1 (2.0): 1.25, regret 1.5, catastrophic."""
    s = score_pick(truth, 10**-0.5)
    assert s.regret == pytest.approx(1.5) and s.catastrophic


def test_more_than_twice_the_best_is_catastrophic(truth):
    """At lr 1e-3 the loss 1.1 is 2.2 x the best 0.5: regret 1.2, catastrophic."""
    s = score_pick(truth, 1e-3)
    assert s.regret == pytest.approx(1.2) and s.catastrophic


def test_pick_off_the_grid_scores_at_the_nearest_end(truth):
    """Below the grid the first grid value counts, and the pick is flagged outside."""
    s = score_pick(truth, 1e-5)
    assert s.regret == pytest.approx(1.2) and s.outside and s.catastrophic


def test_no_pick_is_a_failure(truth):
    """None is a failure with no regret."""
    s = score_pick(truth, None)
    assert s.failed and math.isnan(s.regret) and not s.catastrophic


def test_summary_pools_regrets_of_picks_made(truth):
    """Regrets 0, 0.1, 0.95 and one failure: median 0.1, mean 0.35, 1 of 4 within 5 %."""
    s = summarize([score_pick(truth, lr) for lr in (0.1, 10**-1.5, 10**-2.75, None)])
    assert (s.n, s.failures, s.catastrophic, s.outside) == (4, 1, 0, 0)
    assert s.median_regret == pytest.approx(0.1)
    assert s.mean_regret == pytest.approx(0.35)
    assert s.within == pytest.approx(0.25)


def _p(regret: float, catastrophic: bool = False) -> PickScore:
    return PickScore(1e-3, regret, catastrophic, False)


def test_leave_one_task_out_chooses_on_the_other_tasks_only():
    """Without t1, B wins on t2 (0.2 < 0.5); without t2, A and B tie on t1 and the first (A) is kept."""
    scores = {
        "A": [_p(0.0), _p(0.2), _p(0.5), _p(0.5)],
        "B": [_p(0.1), _p(0.1), _p(0.1), _p(0.3)],
    }
    result = leave_one_task_out(scores, ["t1", "t1", "t2", "t2"])
    assert result.chosen == {"t1": "B", "t2": "A"}
    assert [s.regret for s in result.scores] == [0.1, 0.1, 0.5, 0.5]
    assert result.summary.median_regret == pytest.approx(0.3)
    assert result.summary.mean_regret == pytest.approx(0.3)


def test_leave_one_task_out_avoids_catastrophes_before_regret():
    """A catastrophe outweighs a lower mean regret when choosing."""
    scores = {
        "A": [_p(0.0), _p(0.0), _p(0.0, catastrophic=True)],
        "B": [_p(0.1), _p(0.1), _p(0.1)],
    }
    result = leave_one_task_out(scores, ["t1", "t2", "t2"])
    assert result.chosen == {"t1": "B", "t2": "A"}


def test_leave_one_task_out_checks_lengths():
    """Each candidate needs one score per curve."""
    with pytest.raises(ValueError, match="tasks has 2 curves"):
        leave_one_task_out({"A": [_p(0.0)]}, ["t1", "t1"])


def test_rank_correlation_with_ties():
    """Reversed order gives -1; ties get their mean rank (hand-computed sqrt(0.9))."""
    assert rank_correlation([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert rank_correlation([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(math.sqrt(0.9))
    assert math.isnan(rank_correlation([1, 1, 1], [1, 2, 3]))


def test_slice_is_scored_against_the_single_rate_best(truth):
    """Ratio-10 row means [0.95, 0.5, 0.4, 2.0]: slice(0.01, 0.1) scores 0.4 / 0.5 - 1 = -0.2;
    ratio sqrt(10) lies half way between the rows (0.5 and 0.4): -0.1; ratios past 10 use the last row."""
    row = ground_truth(GRID, [[0.9, 0.45, 0.3, None], [1.0, 0.55, 0.5, None]], INIT)
    st = slice_truth(truth, [10.0], [row])
    assert score_slice(st, 0.01, 0.1).regret == pytest.approx(-0.2)
    assert score_slice(st, 10**-1.5, 0.1).regret == pytest.approx(-0.1)
    assert score_slice(st, 1e-4, 0.1).regret == pytest.approx(-0.2)
    assert score_slice(st, 0.1, 1.0).catastrophic


def test_bad_inputs_name_the_problem():
    """Decreasing grids, mismatched rows and bad lrs raise ValueError."""
    with pytest.raises(ValueError, match="lrs"):
        ground_truth([1e-2, 1e-3], [[1.0, 1.0]], [2.0])
    with pytest.raises(ValueError, match="val_loss"):
        ground_truth(GRID, [[1.0, 1.0]], [2.0])
    with pytest.raises(ValueError, match="init_loss"):
        ground_truth(GRID, RUNS, [2.0])
    with pytest.raises(ValueError, match="lr must be"):
        score_pick(ground_truth(GRID, RUNS, INIT), -1.0)
