"""lr_find(..., confirm=k): real short trainings at candidate rates, the best kept, everything restored."""

from __future__ import annotations

import json
import math
import threading

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from engine_checks import Boom, assert_bitwise_equal, full_state, scripted_loss

import lrwidget
from lrwidget.core.confirmation import Confirmation
from lrwidget.core.result import RangeTestResult
from lrwidget.core.schedules import one_cycle_rates
from lrwidget.core.suggest import TRIAL_GRID_PER_DECADE
from lrwidget.engine.confirm import run_trial, trial_score
from lrwidget.engine.entry import prepare_sweep


def grid_steps(lr: float) -> float:
    return math.log10(lr) * TRIAL_GRID_PER_DECADE


def test_one_cycle_rates_are_what_torch_one_cycle_sets():
    """The trial's schedule is OneCycleLR's (cosine), step for step."""
    for steps in (2, 7, 100):
        p = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([p], lr=0.1)
        pct = max(0.25, 1.5 / steps)
        sched = torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=0.1, total_steps=steps, pct_start=pct, cycle_momentum=False, final_div_factor=1e5
        )
        torch_rates = []
        for _ in range(steps):
            torch_rates.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        np.testing.assert_allclose(one_cycle_rates(0.1, steps, pct_start=pct), torch_rates, rtol=1e-5)


def test_confirm_trains_each_candidate_keeps_the_best_and_restores_everything(
    model, optimizer, batches, loss_fn
):
    before = full_state(model, optimizer)
    result = lrwidget.lr_find(model, optimizer, loss_fn, batches, num_it=60, confirm=3, confirm_steps=20,
                              progress=False)  # fmt: skip
    assert_bitwise_equal(full_state(model, optimizer), before)
    done = result.confirmation
    assert isinstance(done, Confirmation) and 3 <= len(done.candidates) <= 6 and done.steps == 20
    assert done.measure == "train" and done.center_method == "auto"
    steps = [grid_steps(c) for c in done.candidates]
    assert all(abs(s - round(s)) < 1e-9 for s in steps) and np.allclose(np.diff(steps), 2)  # half a decade
    assert done.chosen is not None and done.chosen == done.candidates[int(np.argmin(done.scores))]
    best = int(np.argmin(done.scores))  # the walk stopped at a minimum, or at the edge of what was swept
    if len(done.candidates) - 1 > 0 and best in (0, len(done.candidates) - 1):
        assert (
            len(done.candidates) == 6
            or done.candidates[best] * 10**0.5 > result.lrs.max()
            or (done.candidates[best] / 10**0.5 < result.lrs.min())
        )
    assert done.trial_cpu_seconds > 0 and done.sweep_cpu_seconds > 0
    pick = result.suggest()
    assert pick.method == "auto" and pick.lr == done.chosen and "confirmed lr" in pick.reason
    unconfirmed = RangeTestResult(result.lrs, result.losses, result.smoothed, result.stop_reason)
    curve_only = unconfirmed.suggest()
    assert "the curve alone suggested" in pick.reason and curve_only.lr is not None
    assert min(done.candidates) <= curve_only.lr * 10**0.75  # centred on the curve's own pick
    assert max(done.candidates) >= curve_only.lr / 10**0.75


def test_each_trial_is_scored_by_its_own_training_from_the_same_start(model, optimizer, batches, loss_fn):
    """A trial's score is the tail of its own losses; the same trial twice gives the same score (it
    starts from the restored state and the same batches), a diverging one scores inf."""
    prepared = prepare_sweep(model, optimizer, loss_fn, batches, progress=False)
    a = run_trial(prepared, 1e-3, 16)
    b = run_trial(prepared, 1e-3, 16)
    assert a.score == b.score and math.isfinite(a.score) and a.stop_reason == "completed"
    assert run_trial(prepared, 1e4, 16).score == math.inf


def test_trial_score_reads_validation_when_there_is_one_else_the_training_tail():
    lrs = np.full(8, 1e-3)
    losses = np.arange(8, dtype=float) + 1
    assert trial_score(RangeTestResult(lrs, losses), 8) == (7.5, "train")  # mean of the last quarter
    val = np.full(8, np.nan)
    val[0], val[-1] = 3.0, 2.5
    assert trial_score(RangeTestResult(lrs, losses, val_losses=val), 8) == (2.5, "val")
    assert trial_score(RangeTestResult(lrs[:4], losses[:4], stop_reason="diverged"), 8)[0] == math.inf
    val[-1] = np.inf  # the model blew up on the validation data: never scored by its first evaluation
    assert trial_score(RangeTestResult(lrs, losses, val_losses=val), 8) == (math.inf, "val")


def test_with_val_data_the_trials_are_judged_on_it(model, optimizer, batches, loss_fn):
    result = lrwidget.lr_find(model, optimizer, loss_fn, batches[:4], num_it=40, confirm=2, confirm_steps=10,
                              val_data=batches[4:], progress=False)  # fmt: skip
    assert result.confirmation.measure == "val" and 2 <= len(result.confirmation.candidates) <= 4


def test_the_confirmation_is_saved_and_loaded_with_the_result(model, optimizer, batches, loss_fn, tmp_path):
    result = lrwidget.lr_find(model, optimizer, loss_fn, batches, num_it=40, confirm=2, confirm_steps=10,
                              progress=False)  # fmt: skip
    path = tmp_path / "r.json"
    result.to_json(path)
    back = RangeTestResult.from_json(path)
    assert back.confirmation == result.confirmation and back.suggest().lr == result.suggest().lr
    assert json.loads(path.read_text())["settings"]["confirmation"]["chosen"] == result.confirmation.chosen


def test_the_summary_is_printed_with_progress_and_not_without(model, optimizer, batches, loss_fn, capsys):
    lrwidget.lr_find(
        model, optimizer, loss_fn, batches, num_it=30, confirm=2, confirm_steps=8, progress=False
    )
    assert "confirmed lr" not in capsys.readouterr().out
    lrwidget.lr_find(model, optimizer, loss_fn, batches, num_it=30, confirm=2, confirm_steps=8, progress=True)
    out = capsys.readouterr().out
    assert out.startswith("lr_find: ") and "one-cycle steps" in out
    assert "extra cost" in out and "x the sweep's" in out


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"confirm": -1}, "confirm must be >= 0"),
        ({"confirm": 11}, "confirm must be <= 10"),
        ({"confirm": True}, "confirm must be an integer"),
        ({"confirm": 2.5}, "confirm must be an integer"),
        ({"confirm": None}, "confirm must be an integer"),
        ({"confirm": 1}, "confirm=1 would compare nothing"),
        ({"confirm": 3, "confirm_steps": 1}, "confirm_steps must be >= 2"),
        ({"confirm": 3, "confirm_steps": 10**7}, "confirm_steps must be <= 1,000,000"),
        ({"confirm": 3, "confirm_steps": "100"}, "confirm_steps must be an integer"),
    ],
)
def test_bad_confirm_settings_are_refused_before_any_training(model, optimizer, batches, kwargs, words):
    seen: list[int] = []
    with pytest.raises((TypeError, ValueError), match=words):
        lrwidget.lr_find(
            model, optimizer, scripted_loss("good", seen=seen), batches, progress=False, **kwargs
        )
    assert seen == []  # not one step


def test_no_confirmation_without_confirm(model, optimizer, batches, loss_fn):
    result = lrwidget.lr_find(model, optimizer, loss_fn, batches, num_it=30, progress=False)
    assert result.confirmation is None and "confirmation" not in result.settings


def test_a_failing_trial_propagates_after_the_restore(model, optimizer, batches):
    """The sweep's 30 steps pass; the loss fails inside the first trial: the error reaches the caller and
    the model and optimizer are as they began."""
    before = full_state(model, optimizer)
    with pytest.raises(Boom):
        lrwidget.lr_find(model, optimizer, scripted_loss("error", at=35), batches, num_it=30, confirm=3,
                         confirm_steps=10, progress=False)  # fmt: skip
    assert_bitwise_equal(full_state(model, optimizer), before)


def test_cancel_during_the_trials_keeps_the_curve_without_a_confirmation(model, optimizer, batches):
    """Stop pressed while the trials run: the sweep's curve comes back, unconfirmed, state restored."""
    cancel = threading.Event()
    calls = {"n": 0}

    def loss(out, y):
        calls["n"] += 1
        if calls["n"] == 35:  # inside the first trial
            cancel.set()
        return F.cross_entropy(out, y)

    before = full_state(model, optimizer)
    result = lrwidget.lr_find(model, optimizer, loss, batches, num_it=30, confirm=3, confirm_steps=10,
                              cancel=cancel, progress=False)  # fmt: skip
    assert len(result) > 20 and result.confirmation is None
    assert calls["n"] < len(result) + 2 * 10  # the first trial stopped, the others did not run
    assert_bitwise_equal(full_state(model, optimizer), before)


def test_the_learner_takes_confirm_too(model, optimizer, batches, loss_fn):
    learn = lrwidget.Learner(model, optimizer, loss_fn, batches)
    result = learn.lr_find(num_it=30, confirm=2, confirm_steps=8, progress=False)
    assert result.confirmation is not None and learn.result is result


def test_confirm_given_where_only_a_sweep_runs_says_where_it_belongs(model, optimizer, batches, loss_fn):
    with pytest.raises(
        TypeError, match=r"confirm belongs to lrwidget.lr_find\(\).*prepare_sweep\(\) only sweeps"
    ):
        prepare_sweep(model, optimizer, loss_fn, batches, caller="prepare_sweep", confirm=3)


@pytest.mark.parametrize(
    ("typo", "meant"),
    [("confirm_step", "confirm_steps"), ("confirmsteps", "confirm_steps"), ("on_steps", "on_step"),
     ("cancle", "cancel")],
)  # fmt: skip
def test_a_typo_of_lr_finds_own_keywords_names_the_right_one(model, optimizer, batches, loss_fn, typo, meant):
    with pytest.raises(TypeError, match=f"'{typo}' \\(did you mean '{meant}'\\?\\)"):
        lrwidget.lr_find(model, optimizer, loss_fn, batches, progress=False, **{typo: 5})


def test_numpy_integers_are_whole_numbers_too(model, optimizer, batches, loss_fn):
    result = lrwidget.lr_find(model, optimizer, loss_fn, batches, num_it=20, confirm=np.int64(2),
                              confirm_steps=np.int32(6), progress=False)  # fmt: skip
    assert result.confirmation is not None and result.confirmation.steps == 6


def test_one_shot_data_is_refused_before_any_training(model, optimizer, batches, loss_fn):
    """Trials replay the data from its start: a generator would give each trial other batches (or run
    out after the sweep). Refused at once, naming the parameter; a list or DataLoader is fine."""
    seen: list[int] = []
    with pytest.raises(ValueError, match="confirm needs train_data that can be iterated again"):
        lrwidget.lr_find(model, optimizer, scripted_loss("good", seen=seen), (b for b in batches), confirm=2,
                         progress=False)  # fmt: skip
    with pytest.raises(ValueError, match="confirm needs val_data that can be iterated again"):
        lrwidget.lr_find(model, optimizer, scripted_loss("good", seen=seen), batches, confirm=2,
                         val_data=iter(batches), progress=False)  # fmt: skip
    assert seen == []


def test_a_failing_trial_leaves_the_finished_sweep_on_the_exception(model, optimizer, batches):
    with pytest.raises(Boom) as caught:
        lrwidget.lr_find(model, optimizer, scripted_loss("error", at=35), batches, num_it=30, confirm=3,
                         confirm_steps=10, progress=False)  # fmt: skip
    sweep = caught.value.range_test_result
    assert len(sweep) > 20 and sweep.settings["num_it"] == 30 and sweep.stop_reason != "error"


def test_a_learners_valid_data_judges_the_trials(model, optimizer, batches, loss_fn):
    learn = lrwidget.Learner(model, optimizer, loss_fn, batches[:4], batches[4:])
    assert learn.lr_find(num_it=30, confirm=2, confirm_steps=8, progress=False).confirmation.measure == "val"
