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
