"""apply_lr: a float sets every group; slice(lo, hi) spreads geometrically first group -> last."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import lrwidget as lw
from lrwidget.engine.learner import param_groups


def three_groups():
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2), nn.Linear(2, 2))
    return torch.optim.AdamW(param_groups(model[0], model[1], model[2]), lr=1e-3)


def test_float_sets_every_group():
    opt = three_groups()
    assert lw.apply_lr(opt, 3e-3) == [3e-3] * 3
    assert [g["lr"] for g in opt.param_groups] == [3e-3] * 3


def test_slice_spreads_geometrically_like_fastai():
    """slice(1e-5, 1e-3) over three groups: 1e-5, 1e-4, 1e-3 (fastai's even_mults); slice(None, hi):
    hi/10 for all groups but the last."""
    opt = three_groups()
    lw.apply_lr(opt, slice(1e-5, 1e-3))
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([1e-5, 1e-4, 1e-3], rel=1e-12)
    lw.apply_lr(opt, slice(None, 1e-2))
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([1e-3, 1e-3, 1e-2], rel=1e-12)


def test_tensor_lr_is_filled_in_place():
    """A capturable optimizer's tensor lr stays the same tensor, with the new value."""
    model = nn.Linear(2, 2)
    opt = torch.optim.Adam(model.parameters(), lr=torch.tensor(1e-3))
    lr = opt.param_groups[0]["lr"]
    lw.apply_lr(opt, 5e-4)
    assert opt.param_groups[0]["lr"] is lr and float(lr) == pytest.approx(5e-4)


@pytest.mark.parametrize(
    ("value", "error", "match"),
    [
        (None, TypeError, "nothing was picked yet"),
        ("1e-3", TypeError, "lr"),
        (-1.0, ValueError, "lr"),
        (slice(1e-2, 1e-3), ValueError, "lo must be <= hi"),
    ],
)
def test_bad_values_name_the_problem(value, error, match):
    opt = three_groups()
    with pytest.raises(error, match=match):
        lw.apply_lr(opt, value)
    assert [g["lr"] for g in opt.param_groups] == [1e-3] * 3
