"""A real fastai Learner through as_learner: state restored, and the curve matches fastai's own lr_find."""

from __future__ import annotations

import copy
import random

import numpy as np
import pytest
import torch
from engine_checks import assert_bitwise_equal
from torch import nn

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # fastai uses numpy.core

fastai_learner = pytest.importorskip("fastai.learner", reason="fastai is not installed")
fastai_data = pytest.importorskip("fastai.data.core")
fastai_optimizer = pytest.importorskip("fastai.optimizer")
pytest.importorskip("fastai.callback.schedule")  # patches Learner.lr_find and fit_one_cycle in

from lrwidget.engine.adapters import FastaiLearner, as_learner  # noqa: E402
from lrwidget.examples.digits import digits_tensors, small_mlp  # noqa: E402


@pytest.fixture
def learn(tmp_path):
    """A plain-tensor fastai Learner on the digits (no vision, no download), models saved under tmp_path."""
    random.seed(0)
    torch.manual_seed(0)
    train, valid = digits_tensors(seed=0)
    dls = fastai_data.DataLoaders.from_dsets(
        list(zip(*train.tensors, strict=True)), list(zip(*valid.tensors, strict=True)), bs=64, device="cpu"
    )
    return fastai_learner.Learner(
        dls, small_mlp(seed=0), loss_func=nn.CrossEntropyLoss(), opt_func=fastai_optimizer.Adam, path=tmp_path
    )


def fastai_state(learn):
    opt = learn.opt
    return {
        "model": {k: v.clone() for k, v in learn.model.state_dict().items()},
        "opt": copy.deepcopy(opt.state_dict()),
        "opt_ids": [id(opt.state[p]) for pg in opt.param_lists for p in pg],
        "dl_rng": learn.dls.train.rng.getstate(),
        "torch_rng": torch.get_rng_state(),
    }


def test_fastai_learner_is_wrapped_and_restored(learn):
    """as_learner wraps a fastai Learner; lr_find leaves its model, optimizer and data RNG as they were."""
    wrapped = as_learner(learn)
    assert isinstance(wrapped, FastaiLearner)
    learn.fit(1, 1e-3)  # optimizer state to restore (moments, step counts)
    before = fastai_state(learn)
    result = wrapped.lr_find(num_it=30, progress=False)
    assert len(result) > 5
    assert_bitwise_equal(before, fastai_state(learn))


def test_curve_matches_fastais_own_lr_find(learn):
    """Same learner, seed and ladder: our smoothed curve is fastai's own, point for point."""
    start, end, num_it = 1e-7, 10.0, 60
    # fastai's ladder is start * (end/start) ** (i / num_it): it stops one step short of end_lr
    last = start * (end / start) ** ((num_it - 1) / num_it)
    ours = as_learner(learn).lr_find(start_lr=start, end_lr=last, num_it=num_it, progress=False)
    learn.lr_find(start_lr=start, end_lr=end, num_it=num_it, show_plot=False, suggest_funcs=None)
    their_lrs = np.array(learn.recorder.lrs, dtype=float)
    their_losses = np.array([float(v) for v in learn.recorder.losses])
    assert len(ours) == len(their_lrs) > 20
    np.testing.assert_allclose(ours.lrs, their_lrs, rtol=1e-9)
    np.testing.assert_allclose(ours.smoothed, their_losses, rtol=1e-4)


def test_lr_find_takes_the_fastai_learner_itself(learn):
    """lrwidget.lr_find(fastai_learner) works directly (it raised TypeError before) and restores it."""
    from lrwidget.engine.entry import lr_find

    learn.fit(1, 1e-3)
    before = fastai_state(learn)
    result = lr_find(learn, num_it=20, progress=False)
    assert len(result) > 5 and result.settings["source"] == "fastai"
    assert_bitwise_equal(before, fastai_state(learn))


def test_step_shaping_callbacks_take_part(learn):
    """GradientClip clips in before_step, GradientAccumulation becomes accumulation_steps,
    MixedPrecision turns amp on; the user's keywords still override them."""
    from fastai.callback.fp16 import MixedPrecision
    from fastai.callback.training import GradientAccumulation, GradientClip

    from lrwidget.engine.entry import prepare_sweep

    learn.add_cbs([GradientClip(max_norm=0.5), GradientAccumulation(n_acc=128)])
    settings = prepare_sweep(learn, num_it=5).settings
    assert settings.accumulation_steps == 2 and settings.before_step is not None and not settings.amp
    assert prepare_sweep(learn, accumulation_steps=1).settings.accumulation_steps == 1
    learn.add_cb(MixedPrecision())
    assert prepare_sweep(learn).settings.amp
    learn.remove_cb(MixedPrecision)
    before = fastai_state(learn)
    clipped = []

    def watch(model, optimizer):
        settings.before_step(model, optimizer)
        total = torch.sqrt(sum((p.grad**2).sum() for p in model.parameters() if p.grad is not None))
        clipped.append(float(total))

    result = prepare_sweep(learn, num_it=6, before_step=watch, progress=False).run()
    assert len(result) == 6 and max(clipped) <= 0.5 * (1 + 1e-5)
    assert_bitwise_equal(before, fastai_state(learn))


def test_other_step_callbacks_are_refused_by_name(learn):
    """A callback acting inside the step that lr_find cannot run is named, with what to do."""
    from fastai.callback.core import Callback

    from lrwidget.engine.entry import prepare_sweep

    class ScaleLoss(Callback):
        def after_loss(self):
            self.learn.loss_grad = self.learn.loss_grad * 2

    learn.add_cb(ScaleLoss())
    with pytest.raises(
        ValueError, match=r"fastai callback ScaleLoss acts inside the training step \(after_loss\)"
    ):
        prepare_sweep(learn)
    learn.remove_cb(ScaleLoss)
    learn.add_cb(GradientAccumulationOdd())
    with pytest.raises(
        ValueError, match=r"GradientAccumulation\(n_acc=100\) is not a whole number of batches"
    ):
        prepare_sweep(learn)


def GradientAccumulationOdd():
    from fastai.callback.training import GradientAccumulation

    return GradientAccumulation(n_acc=100)
