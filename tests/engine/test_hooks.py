"""The user's step: before_step (gradient clipping), closure optimizers (LBFGS), GradScaler skips."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from engine_checks import assert_bitwise_equal, full_state
from torch import nn

from lrwidget.core.schedules import lr_schedule
from lrwidget.engine.entry import lr_find


def regression(seed=0, n=8):
    g = torch.Generator().manual_seed(seed)
    return [(torch.randn(16, 6, generator=g), torch.randn(16, 1, generator=g)) for _ in range(n)]


def test_before_step_clips_what_the_step_uses():
    """before_step runs after backward and before optimizer.step(): clipped gradients are the update."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    seen = []

    def clip(m, o):
        assert o is opt and all(p.grad is not None for p in m.parameters())  # after backward
        nn.utils.clip_grad_norm_(m.parameters(), max_norm=1e-3)
        seen.append(([p.detach().clone() for p in m.parameters()], [p.grad.clone() for p in m.parameters()]))

    updates = []

    def on_step(event):
        before, grads = seen[-1]
        updates.append((event.lr, before, grads, [p.detach().clone() for p in model.parameters()]))

    state = full_state(model, opt)
    result = lr_find(
        model,
        opt,
        F.mse_loss,
        regression(),
        num_it=6,
        end_lr=1.0,
        before_step=clip,
        on_step=on_step,
        progress=False,
    )
    assert len(result) == len(seen) == 6
    for lr, before, grads, after in updates:
        norm = torch.sqrt(sum((g**2).sum() for g in grads))
        assert norm <= 1e-3 * (1 + 1e-5)
        for b, g, a in zip(before, grads, after, strict=True):
            torch.testing.assert_close(a, b - lr * g, rtol=0, atol=1e-7)
    assert_bitwise_equal(full_state(model, opt), state)
    assert "clip" in result.settings["before_step"]


def test_closure_optimizer_lbfgs():
    """LBFGS (its step needs a closure) sweeps: the closure re-evaluates the step's batch, before_step
    included; the recorded loss is the first evaluation; its state is restored bitwise."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 1))
    opt = torch.optim.LBFGS(model.parameters(), lr=0.5, max_iter=3)
    data = regression()
    opt.step(
        lambda: (
            F.mse_loss(model(data[0][0]), data[0][1]).backward() or F.mse_loss(model(data[0][0]), data[0][1])
        )
    )
    calls = []
    state = full_state(model, opt)
    result = lr_find(
        model,
        opt,
        F.mse_loss,
        data,
        num_it=5,
        start_lr=1e-4,
        end_lr=1.0,
        before_step=lambda m, o: calls.append(1),
        progress=False,
    )
    assert len(result) == 5 and np.all(np.isfinite(result.losses))
    assert len(calls) > 5  # LBFGS called the closure more than once per step
    assert result.losses[0] == pytest.approx(F.mse_loss(model(data[0][0]), data[0][1]).item(), rel=1e-6)
    assert_bitwise_equal(full_state(model, opt), state)
    with pytest.raises(ValueError, match="accumulation_steps must be 1 with a closure optimizer"):
        lr_find(model, opt, F.mse_loss, data, accumulation_steps=2)


def test_grad_scaler_skips_neither_advance_the_ladder_nor_record():
    """Under float16 with an oversized scale the GradScaler skips steps (inf gradients): those steps are
    not recorded and the ladder waits; the curve still has num_it points on the full ladder, and the
    scaler is restored (torch's CPU GradScaler makes this testable here)."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 32), nn.ReLU(), nn.Linear(32, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**24, growth_interval=1000)
    attempts = []
    state = full_state(model, opt, grad_scaler=scaler)
    result = lr_find(
        model,
        opt,
        F.mse_loss,
        regression(),
        num_it=8,
        end_lr=1e-2,
        amp=True,
        grad_scaler=scaler,
        before_step=lambda m, o: attempts.append(scaler.get_scale()),
        progress=False,
    )
    skipped = len(attempts) - len(result)
    assert skipped >= 3, f"the test needs skipped steps, got scales {attempts}"
    assert len(result) == 8 and result.stop_reason == "completed"
    np.testing.assert_array_equal(result.lrs, lr_schedule(1e-7, 1e-2, 8))
    assert np.all(np.isfinite(result.losses))
    assert attempts[:skipped] == [2.0**24 / 2**i for i in range(skipped)]  # halved on every skip
    assert_bitwise_equal(full_state(model, opt, grad_scaler=scaler), state)


def test_gradients_that_never_become_finite_stop_the_sweep():
    """If the scaler skips step after step (inf gradients at every scale, finite loss), the sweep stops,
    says why, and restores everything."""
    torch.manual_seed(0)
    model = nn.Linear(6, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler("cpu", init_scale=1.0)
    model.weight.register_hook(lambda g: torch.full_like(g, float("inf")))  # the user's broken hook
    state = full_state(model, opt, grad_scaler=scaler)
    with pytest.warns(RuntimeWarning, match="skipped 30 steps in a row"):
        result = lr_find(
            model, opt, F.mse_loss, regression(), amp=True, grad_scaler=scaler, num_it=10, progress=False
        )
    assert result.stop_reason == "non_finite" and len(result) == 0
    assert_bitwise_equal(full_state(model, opt, grad_scaler=scaler), state)
