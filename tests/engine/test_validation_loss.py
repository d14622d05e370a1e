"""val_data: a few fixed held-out batches evaluated every val_every steps, recorded beside the losses."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from engine_checks import assert_bitwise_equal, full_state
from torch.utils.data import DataLoader, TensorDataset

from lrwidget.core.result import RangeTestResult
from lrwidget.engine.entry import lr_find


@pytest.fixture
def val_loader(loaders):
    """A shuffling validation loader with its own generator (which must be left as it was)."""
    x, y = loaders[1].dataset.tensors
    return DataLoader(
        TensorDataset(x, y), batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(3)
    )


def test_val_losses_every_nth_step_on_fixed_batches(model, optimizer, train_loader, val_loader):
    """val_every=3, val_batches=2: NaN where not evaluated; each value is the eval-mode mean loss of the
    same two batches after that step (checked independently in on_step); state restored bitwise."""
    fixed = []
    gen_state = val_loader.generator.get_state()
    for i, (x, y) in enumerate(val_loader):
        if i == 2:
            break
        fixed.append((x, y))
    val_loader.generator.set_state(gen_state)
    expected = []

    def on_step(event):
        if event.step % 3 == 0:
            model.eval()
            with torch.no_grad():
                expected.append(np.mean([F.cross_entropy(model(x), y).item() for x, y in fixed]))
            model.train()

    before = full_state(model, optimizer, loader=train_loader)
    val_before = val_loader.generator.get_state()
    result = lr_find(
        model,
        optimizer,
        F.cross_entropy,
        train_loader,
        num_it=10,
        val_data=val_loader,
        val_every=3,
        val_batches=2,
        on_step=on_step,
        progress=False,
    )
    assert result.val_losses is not None and result.val_losses.shape == result.losses.shape
    evaluated = np.isfinite(result.val_losses)
    assert evaluated.tolist() == [i % 3 == 0 for i in range(len(result))]
    np.testing.assert_allclose(result.val_losses[evaluated], expected, rtol=1e-6)
    assert_bitwise_equal(full_state(model, optimizer, loader=train_loader), before)
    assert torch.equal(val_loader.generator.get_state(), val_before)
    again = RangeTestResult.from_dict(json.loads(result.to_json()))
    np.testing.assert_array_equal(again.val_losses, result.val_losses)


def test_val_data_does_not_change_the_training_curve(model, optimizer, train_loader, val_loader):
    """Evaluating (eval mode, no grad, generators put back) leaves the training losses bit for bit."""
    plain = lr_find(model, optimizer, F.cross_entropy, train_loader, num_it=8, progress=False)
    with_val = lr_find(
        model, optimizer, F.cross_entropy, train_loader, num_it=8, val_data=val_loader, progress=False
    )
    np.testing.assert_array_equal(plain.losses, with_val.losses)
    assert plain.val_losses is None and np.all(np.isfinite(with_val.val_losses))


def test_suggestions_can_read_the_validation_curve(model, optimizer, train_loader, val_loader):
    """The validation curve is a curve like the other: the suggesters run on it."""
    from lrwidget.core.smoothing import smooth
    from lrwidget.core.suggest import METHODS

    result = lr_find(
        model,
        optimizer,
        F.cross_entropy,
        train_loader,
        num_it=30,
        val_data=val_loader,
        val_batches=1,
        progress=False,
    )
    suggestion = METHODS["minimum"](result.lrs, smooth(result.val_losses, 0.9))
    assert suggestion.lr is None or result.lrs[0] <= suggestion.lr <= result.lrs[-1]
