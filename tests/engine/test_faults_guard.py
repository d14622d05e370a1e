"""While a sweep runs in another thread (the widget's), whatever touches the same model from this
thread is refused with a clear error and the curve is exactly the undisturbed one."""

from __future__ import annotations

import threading

import pytest
import torch
import torch.nn.functional as F

from lrwidget.engine.learner import Learner
from lrwidget.engine.range_test import lr_find


def sweep_in_thread(model, optimizer, batches, interfere):
    """Run lr_find in a worker thread, paused at step 2 while ``interfere()`` runs here; its curve."""
    paused, go, out = threading.Event(), threading.Event(), {}

    def on_step(event):
        if event.step == 2:
            paused.set()
            go.wait(30)

    def work():
        out["result"] = lr_find(model, optimizer, F.cross_entropy, batches, num_it=6, on_step=on_step,
                                progress=False)  # fmt: skip

    thread = threading.Thread(target=work)
    thread.start()
    assert paused.wait(30)
    try:
        interfere()
    finally:
        go.set()
        thread.join(30)
    return out["result"]


@pytest.mark.parametrize("action", ["validate", "fit_one_cycle", "forward", "own_loop", "other_optimizer"])
def test_other_cells_cannot_touch_the_model_during_a_sweep(action, model, optimizer, batches):
    """validate, fit_one_cycle, a forward pass, a hand-written loop and another optimizer over the same
    parameters each raise RuntimeError naming lr_find; the curve equals a sweep nobody disturbed."""
    learn = Learner(model, optimizer, F.cross_entropy, batches, valid_data=batches[:2])
    undisturbed = lr_find(model, optimizer, F.cross_entropy, batches, num_it=6, progress=False)
    lrs_before = [g["lr"] for g in optimizer.param_groups]
    x, y = batches[0]

    def interfere():
        with pytest.raises(RuntimeError, match=r"lr_find is already running on this (model|optimizer)"):
            if action == "validate":
                learn.validate()
            elif action == "fit_one_cycle":
                learn.fit_one_cycle(1, 1e-2, progress=False)
            elif action == "forward":
                model(x)
            elif action == "own_loop":
                optimizer.zero_grad()
                F.cross_entropy(model(x), y).backward()
            else:
                torch.optim.SGD(model.parameters(), lr=0.1).step()

    result = sweep_in_thread(model, optimizer, batches, interfere)
    assert result.losses.tolist() == undisturbed.losses.tolist()  # bitwise: nothing disturbed it
    assert result.lrs.tolist() == undisturbed.lrs.tolist()
    assert [g["lr"] for g in optimizer.param_groups] == lrs_before


def test_this_threads_own_validate_nests(model, optimizer, batches):
    """The sweep's own thread may validate (on_step), and fit_one_cycle validates every epoch."""
    learn = Learner(model, optimizer, F.cross_entropy, batches, valid_data=batches[:2])
    seen = []
    lr_find(model, optimizer, F.cross_entropy, batches, num_it=3, progress=False,
            on_step=lambda e: seen.append(learn.validate()["loss"]))  # fmt: skip
    assert len(seen) == 3
    history = learn.fit_one_cycle(1, 1e-3, progress=False)
    assert "loss" in history[0]
    model(batches[0][0])  # nothing held any more: calls work again
