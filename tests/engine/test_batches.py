"""Batches reach the step as they left the loader: any type with .to() moved, mappings keep their type."""

from __future__ import annotations

from collections import UserDict

import torch
import torch.nn.functional as F
from torch import nn

from lrwidget.engine.batches import to_device
from lrwidget.engine.entry import lr_find


class AttrBatch(UserDict):
    """A dict-like batch with attribute access (as transformers' BatchEncoding offers)."""

    def __getattr__(self, name):
        try:
            return self.data[name]
        except KeyError:
            raise AttributeError(name) from None


class GraphBatch:
    """Not a tensor, tuple or mapping: it moves itself with .to(), as graph libraries' batches do."""

    def __init__(self, x, y):
        self.x, self.y, self.moved_to = x, y, None

    def to(self, device):
        out = GraphBatch(self.x.to(device), self.y.to(device))
        out.moved_to = torch.device(device)
        return out


def test_userdict_batch_arrives_as_itself():
    """A UserDict batch reaches step_fn as a UserDict with attribute access, not a plain dict."""
    model = nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    data = [AttrBatch(x=torch.randn(4, 3), y=torch.randn(4, 1)) for _ in range(3)]
    kinds = []

    def step(m, batch):
        kinds.append(type(batch))
        return F.mse_loss(m(batch.x), batch.y)

    lr_find(model, opt, None, data, step_fn=step, num_it=4, end_lr=1e-2, stop_div=False, progress=False)
    assert kinds == [AttrBatch] * 4


def test_userdict_keeps_its_type_when_moved():
    """Moved to another device (meta stands in for a GPU here), a mapping keeps its class and keys."""
    batch = AttrBatch(x=torch.ones(2), label="kept")
    moved = to_device(batch, torch.device("meta"))
    assert type(moved) is AttrBatch and moved.x.device.type == "meta" and moved.label == "kept"
    assert batch.x.device.type == "cpu"  # the loader's batch is not changed
    assert to_device(batch, torch.device("cpu")) is batch  # nothing to move: the very object


def test_any_object_with_to_is_moved():
    """An object with .to() is moved by its own method (and the loss then sees it)."""
    model = nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    data = [GraphBatch(torch.randn(4, 3), torch.randn(4, 1)) for _ in range(2)]
    seen = []

    def step(m, batch):
        seen.append(batch.moved_to)
        return F.mse_loss(m(batch.x), batch.y)

    lr_find(
        model,
        opt,
        None,
        data,
        step_fn=step,
        num_it=3,
        end_lr=1e-2,
        stop_div=False,
        device="cpu",
        progress=False,
    )
    assert seen == [torch.device("cpu")] * 3
