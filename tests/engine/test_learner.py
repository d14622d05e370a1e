"""Learner: lr_find through it, one-cycle training with a float or a slice, validation, adapters."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from engine_checks import assert_bitwise_equal, full_state
from torch import nn

from lrwidget.engine.adapters import FastaiLearner, as_learner
from lrwidget.engine.learner import Learner, param_groups, spread_lr
from lrwidget.examples.digits import small_mlp


@pytest.fixture
def learner(loaders):
    torch.manual_seed(0)
    model = small_mlp(seed=0)
    opt = torch.optim.AdamW(param_groups(model[1], model[4]), lr=1e-3)
    return Learner(model, opt, F.cross_entropy, loaders[0], loaders[1])


def test_fit_one_cycle_learns_digits(learner):
    """Three epochs at a sensible rate take the MLP from chance to > 85 % validation accuracy."""
    assert learner.validate()["accuracy"] < 0.3
    history = learner.fit_one_cycle(3, 1e-2, progress=False)
    assert [row["epoch"] for row in history] == [0, 1, 2]
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert history[-1]["accuracy"] > 0.85


def test_slice_spreads_peak_rates_over_groups(loaders):
    """slice(lo, hi) gives the first group lo, the last hi, geometric in between (OneCycleLR max_lr)."""
    model = small_mlp(seed=0)
    opt = torch.optim.SGD(param_groups(model[1], [model[4].weight], [model[4].bias]), lr=0.1, momentum=0.9)
    learn = Learner(model, opt, F.cross_entropy, loaders[0])
    learn.fit_one_cycle(1, slice(1e-4, 1e-2), progress=False)
    assert [g["max_lr"] for g in opt.param_groups] == pytest.approx([1e-4, 1e-3, 1e-2])


@pytest.mark.parametrize(
    ("lr", "n", "expected"),
    [
        (1e-3, 3, [1e-3] * 3),
        (slice(1e-5, 1e-3), 1, [1e-3]),
        ((1e-5, 1e-3), 3, [1e-5, 1e-4, 1e-3]),
        (slice(None, 1e-2), 3, [1e-3, 1e-3, 1e-2]),
    ],
)
def test_spread_lr(lr, n, expected):
    """A float applies to all groups; (lo, hi) is geometric; one group gets hi; no lo gives hi/10."""
    assert spread_lr(lr, n) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("lr", "error", "match"),
    [
        (0.0, ValueError, "lr must be a finite number > 0"),
        ("fast", TypeError, "lr must be a number, a slice"),
        (slice(1e-2, 1e-4), ValueError, "lo must be <= hi"),
        (slice(-1.0, 1e-4), ValueError, "lr's lo must be a finite number > 0"),
        ((1e-4, 1e-3, 1e-2), ValueError, r"lr as a sequence must be \(lo, hi\)"),
        (slice(1e-4, 1e-3, 2), ValueError, "lr slice takes no step"),
    ],
)
def test_bad_lr_is_refused(lr, error, match):
    """Invalid rates raise an error naming lr."""
    with pytest.raises(error, match=match):
        spread_lr(lr, 3)


def test_validate_restores_modes_and_skips_accuracy_for_regression():
    """validate() reports loss only for float targets and leaves every module's mode as it was."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5), nn.Linear(4, 1))
    model[1].eval()
    data = [(torch.randn(8, 3), torch.randn(8, 1)) for _ in range(3)]
    learn = Learner(model, torch.optim.SGD(model.parameters(), lr=0.1), F.mse_loss, data, data)
    metrics = learn.validate()
    assert set(metrics) == {"loss"} and metrics["loss"] > 0
    assert [m.training for m in model.modules()] == [True, True, False, True]


def test_validate_needs_data(learner):
    """validate() without valid_data raises ValueError naming valid_data."""
    learner.valid_data = None
    with pytest.raises(ValueError, match="valid_data is None"):
        learner.validate()


def test_learner_lr_find_restores(learner):
    """Learner.lr_find passes its arguments through and leaves the learner's state untouched."""
    before = full_state(learner.model, learner.optimizer, loader=learner.train_data)
    result = learner.lr_find(num_it=10, end_lr=1.0, progress=False)
    assert len(result) == 10 and learner.result is result
    assert_bitwise_equal(before, full_state(learner.model, learner.optimizer, loader=learner.train_data))


def test_learner_arguments_are_checked(loaders):
    """Learner refuses a non-module, a non-optimizer and empty data, naming each."""
    model = small_mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(TypeError, match="model must be"):
        Learner("model", opt, F.cross_entropy, loaders[0])
    with pytest.raises(TypeError, match="optimizer must be"):
        Learner(model, "adam", F.cross_entropy, loaders[0])
    with pytest.raises(ValueError, match="train_data is empty"):
        Learner(model, opt, F.cross_entropy, [])
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        Learner(model, opt, F.cross_entropy, loaders[0]).fit_one_cycle(0, 1e-3)


def test_param_groups_refuses_overlap():
    """param_groups raises when a part repeats parameters of an earlier part."""
    model = small_mlp()
    with pytest.raises(ValueError, match=r"parts\[1\] shares parameters"):
        param_groups(model, model[1])
    with pytest.raises(ValueError, match=r"parts\[0\] has no parameters"):
        param_groups(nn.ReLU())


def test_fit_refused_while_lr_find_runs(learner):
    """fit_one_cycle on a model that is mid-sweep raises RuntimeError instead of training it twice."""
    caught = []

    def on_step(event):
        if event.step == 0:
            with pytest.raises(RuntimeError, match="already running"):
                learner.fit_one_cycle(1, 1e-3, progress=False)
            caught.append(True)

    learner.lr_find(num_it=3, on_step=on_step, progress=False)
    assert caught == [True]


def test_as_learner(learner):
    """as_learner passes an lrwidget Learner through and refuses other objects with a hint."""
    assert as_learner(learner) is learner
    with pytest.raises(TypeError, match=r"lrwidget.Learner\(model, optimizer, loss_fn, train_data\)"):
        as_learner(nn.Linear(2, 2))


def test_duck_typed_fastai_learner_is_wrapped(loaders):
    """An object shaped like a fastai Learner is wrapped, without fastai being imported."""
    model = small_mlp()

    class FakeFastai:
        def __init__(self):
            self.model, self.loss_func, self.opt_func, self.opt = model, F.cross_entropy, None, None
            self.dls = type("D", (), {"train": loaders[0], "n_inp": 1})()

        def create_opt(self):
            self.opt = torch.optim.SGD(self.model.parameters(), lr=1e-3)

    wrapped = as_learner(FakeFastai())
    assert isinstance(wrapped, FastaiLearner)
    result = wrapped.lr_find(num_it=5, progress=False)
    assert len(result) == 5


def test_fit_one_cycle_on_a_few_steps():
    """A one-cycle run of 2 to 4 steps trains (torch's OneCycleLR alone divides by zero there)."""
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    data = [(torch.randn(4, 3), torch.randint(0, 2, (4,))) for _ in range(2)]
    learn = Learner(model, torch.optim.SGD(model.parameters(), lr=0.1), F.cross_entropy, data)
    before = model.weight.detach().clone()
    for epochs in (1, 2):
        history = learn.fit_one_cycle(epochs, 1e-2, progress=False)
        assert len(history) == epochs
    assert not torch.equal(before, model.weight)
    with pytest.raises(ValueError, match="at least 2 steps"):
        Learner(model, torch.optim.SGD(model.parameters(), lr=0.1), F.cross_entropy, data[:1]).fit_one_cycle(
            1, 1e-2, progress=False
        )
    with pytest.raises(ValueError, match="pct_start"):
        learn.fit_one_cycle(1, 1e-2, pct_start=1.5, progress=False)


def test_fit_one_cycle_with_nothing_picked_says_so(learner):
    """fit_one_cycle(n, None) (a widget's value before any pick) raises a TypeError that says what to pass."""
    with pytest.raises(TypeError, match="nothing was picked yet"):
        learner.fit_one_cycle(1, None, progress=False)


def test_lr_find_takes_an_lrwidget_learner(learner):
    """lrwidget.lr_find(learner) works (it raised TypeError before) and leaves its model and optimizer
    bitwise as they were."""
    from engine_checks import assert_bitwise_equal, full_state

    from lrwidget.engine.entry import lr_find

    before = full_state(learner.model, learner.optimizer)
    result = lr_find(learner, num_it=8, progress=False)
    assert len(result) == 8 and result.settings["source"] == "learner"
    assert_bitwise_equal(full_state(learner.model, learner.optimizer), before)
