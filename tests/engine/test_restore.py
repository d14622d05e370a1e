"""Snapshot and restore: bitwise equality of every piece of state after every way a sweep can end."""

from __future__ import annotations

import random
import threading

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from engine_checks import Boom, assert_bitwise_equal, full_state, scripted_loss

from lrwidget.engine.entry import lr_find
from lrwidget.examples.digits import digits_loaders, small_cnn


class FailingData:
    """A re-iterable that raises on its ``at``-th batch."""

    def __init__(self, batches, at):
        self.batches, self.at = batches, at

    def __len__(self):
        return len(self.batches)

    def __iter__(self):
        for i, b in enumerate(self.batches):
            if i == self.at:
                raise Boom("data failed")
            yield b


EXITS = [
    "completed",
    "diverged",
    "non_finite",
    "cancelled",
    "loss_error",
    "model_error",
    "data_error",
    "interrupt",
]


@pytest.mark.parametrize("exit_path", EXITS)
def test_every_exit_restores_all_state_bitwise(
    exit_path, model, optimizer, scheduler, grad_scaler, train_loader, batches
):
    """Whatever ends a sweep: weights, buffers, grads, optimizer, scheduler, scaler, RNGs and modes match."""
    model[1].eval()  # a frozen BatchNorm: the sweep trains it, the restore must freeze it again
    params = list(model.parameters())
    params[0].grad = None  # one grad None, the others tensors from the fixture's steps
    params[-1].requires_grad_(False)
    random.seed(1)
    np.random.seed(1)
    data = FailingData(batches, at=3) if exit_path == "data_error" else train_loader
    cancel = threading.Event()
    if exit_path == "model_error":
        calls = {"n": 0}

        def hook(module, args):
            calls["n"] += 1
            if calls["n"] > 3:
                raise Boom("model failed")

        model[3].register_forward_pre_hook(hook)

    def on_step(event):
        # user code that moves other state mid-sweep: the restore must undo it too
        scheduler.step()
        grad_scaler.update(7.0)
        random.random()
        np.random.rand()
        params[2].requires_grad_(False)
        if exit_path == "cancelled" and event.step == 2:
            cancel.set()

    before = full_state(model, optimizer, scheduler, grad_scaler, train_loader)
    kwargs = dict(
        num_it=12,
        end_lr=1e-2,
        scheduler=scheduler,
        grad_scaler=grad_scaler,
        on_step=on_step,
        cancel=cancel,
        progress=False,
    )
    expected_error = {
        "loss_error": Boom,
        "model_error": Boom,
        "data_error": Boom,
        "interrupt": KeyboardInterrupt,
    }
    if exit_path in expected_error:
        with pytest.raises(expected_error[exit_path]) as info:
            lr_find(model, optimizer, scripted_loss(exit_path), data, **kwargs)
        partial = info.value.range_test_result
        assert partial.stop_reason == ("interrupted" if exit_path == "interrupt" else "error")
    else:
        result = lr_find(model, optimizer, scripted_loss(exit_path), data, **kwargs)
        assert result.stop_reason == exit_path
        assert len(result) == (12 if exit_path == "completed" else 3 if exit_path == "cancelled" else 5)
    after = full_state(model, optimizer, scheduler, grad_scaler, train_loader)
    assert_bitwise_equal(before, after)


def test_restore_keeps_user_references_valid(model, optimizer, batches):
    """The same tensor objects hold the restored values: parameters, buffers, optimizer moments, groups."""
    weight = model[0].weight
    running_mean = model[1].running_mean
    exp_avg = optimizer.state[weight]["exp_avg"]
    group = optimizer.param_groups[0]
    saved = weight.detach().clone(), running_mean.clone(), exp_avg.clone()
    lr_find(model, optimizer, F.cross_entropy, batches, num_it=8, progress=False)
    assert model[0].weight is weight and model[1].running_mean is running_mean
    assert optimizer.state[weight]["exp_avg"] is exp_avg and optimizer.param_groups[0] is group
    assert group["params"][0] is weight
    for now, then in zip((weight, running_mean, exp_avg), saved, strict=True):
        assert torch.equal(now.detach(), then)


def test_reassigned_buffer_is_put_back(model, optimizer, batches):
    """A forward pass that replaces a buffer attribute gets the original tensor object back."""
    original = model[1].running_var

    def replace(module, args):
        module.running_var = module.running_var.clone()  # re-assigns the slot (not in place)

    model[1].register_forward_pre_hook(replace)
    lr_find(model, optimizer, F.cross_entropy, batches, num_it=4, progress=False)
    assert model[1].running_var is original


def fresh_training(seed: int = 0):
    torch.manual_seed(seed)
    model = small_cnn(seed=seed)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loader = digits_loaders(batch_size=32, seed=seed)[0]
    return model, opt, loader


def train_steps(model, opt, loader, n):
    model.train()
    done = 0
    while done < n:
        for x, y in loader:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
            done += 1
            if done == n:
                return


def test_training_after_lr_find_matches_training_without_it():
    """N steps after lr_find give bitwise the same weights and optimizer state as N steps without it."""
    model_a, opt_a, loader_a = fresh_training()
    train_steps(model_a, opt_a, loader_a, 30)

    model_b, opt_b, loader_b = fresh_training()
    result = lr_find(model_b, opt_b, F.cross_entropy, loader_b, num_it=40, progress=False)
    assert len(result) > 10
    train_steps(model_b, opt_b, loader_b, 30)

    assert_bitwise_equal(model_a.state_dict(), model_b.state_dict(), "model")
    assert_bitwise_equal(opt_a.state_dict(), opt_b.state_dict(), "optimizer")


def test_snapshot_is_in_memory_and_sized_like_params_plus_state(model, optimizer, tmp_path, monkeypatch):
    """The snapshot writes no file and holds exactly parameters + buffers + optimizer tensors."""
    from lrwidget.engine.snapshot import TrainingSnapshot

    monkeypatch.chdir(tmp_path)
    snap = TrainingSnapshot(model, optimizer)
    expected = sum(t.numel() * t.element_size() for t in [*model.parameters(), *model.buffers()])
    expected += sum(v.numel() * v.element_size() for s in optimizer.state.values() for v in s.values())
    assert snap.nbytes == expected
    assert list(tmp_path.iterdir()) == []
