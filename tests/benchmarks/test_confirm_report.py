"""The confirmation benchmark reads the very trials the product runs: one task rerun end to end."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from benchmarks.quality import confirm_report, trial_build
from benchmarks.quality.broad_build import SETTINGS as BROAD_SETTINGS
from benchmarks.quality.broad_build import _learner
from benchmarks.quality.broad_tasks import by_name
from benchmarks.quality.families import load
from lrwidget.core.suggest._confirm import grid_index

TASK = "raw_diabetes_adam"


@pytest.fixture(scope="module")
def shipped() -> dict:
    return json.loads(confirm_report.TRIALS.read_text())


def test_the_trial_grid_covers_every_task_of_both_corpora(shipped):
    fam = load()
    assert {t["name"] for t in shipped["tasks"]} == set(fam.truths)
    assert shipped["settings"] == json.loads(json.dumps(trial_build.SETTINGS))  # built with these settings
    n = len(trial_build.SETTINGS["grid_lrs"])
    assert all(len(t["val"]) == len(t["train"]) == n for t in shipped["tasks"])


def test_lr_find_with_confirm_tries_and_scores_what_the_benchmark_reads(shipped):
    """lr_find(..., confirm=3, val_data=...) on a real corpus task from seed 0: the same sweep as the
    corpus, the same candidates as the report's search, each trial scored as the grid says."""
    torch.set_num_threads(1)
    task = by_name(TASK)
    split = task.data()
    torch.manual_seed(0)
    learn = _learner(task, task.model(0), split, 0)
    result = learn.lr_find(**BROAD_SETTINGS["range_test"], num_it=100, progress=False, confirm=3,
                           val_data=[(split.x_valid, split.y_valid)])  # fmt: skip
    fam = load()
    curve = next(c for c in fam.curves if c.task == TASK and c.seed == 0 and c.num_it == 100)
    np.testing.assert_allclose(result.losses, curve.raw, rtol=1e-3)  # float noise near divergence
    done = result.confirmation
    grid = confirm_report.load_trials()[TASK]
    for lr, score in zip(done.candidates, done.scores, strict=True):
        want = grid[grid_index(lr)]["val"]
        assert (math.isinf(score) and math.isinf(want)) or score == pytest.approx(want, rel=1e-3)
    assert done.chosen == pytest.approx(confirm_report.confirmed_pick(curve, grid, 3, "val"))
