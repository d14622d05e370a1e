"""After a sweep, what the user's objects hold is the very same objects: non-tensor values in param
groups and optimizer state (a module, a shared config dict), and a model whose forward pass added
buffers, parameters, submodules or attributes has exactly its old ones again."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from engine_checks import assert_bitwise_equal, full_state
from torch import nn

from lrwidget.engine.range_test import lr_find


def test_non_tensor_group_values_come_back_by_identity(model, optimizer, batches):
    """A module in a group stays that module, a dict shared by two groups stays one shared dict, and a
    list the sweep's user code mutated is the same list with its old items."""
    head = model[-1]
    shared = {"warmup": 5, "tags": ["body"]}
    notes = [1, 2, 3]
    g0, g1 = optimizer.param_groups
    g0["owner"], g1["owner"] = model[0], head
    g0["config"] = g1["config"] = shared
    g0["notes"] = notes
    betas = g0["betas"]

    def on_step(event):
        notes.append(event.step)  # in-place mutation by user code
        shared["warmup"] = 0
        g0["betas"] = (0.5, 0.5)  # replaced, as a momentum schedule would

    lr_find(model, optimizer, F.cross_entropy, batches, num_it=5, on_step=on_step, progress=False)
    g0, g1 = optimizer.param_groups
    assert g0["owner"] is model[0] and g1["owner"] is head
    assert g0["config"] is shared and g1["config"] is shared
    assert shared == {"warmup": 5, "tags": ["body"]}
    assert g0["notes"] is notes and notes == [1, 2, 3]
    assert g0["betas"] is betas


def test_state_keyed_by_a_module_is_kept_by_identity(model, optimizer, batches):
    """Optimizer state under a non-parameter key (a module), holding a module, survives as is."""
    block = model[3]
    entry = {"module": block, "calls": 3}
    optimizer.state[block] = entry
    try:
        lr_find(model, optimizer, F.cross_entropy, batches, num_it=4, progress=False)
        assert optimizer.state[block] is entry
        assert entry["module"] is block and entry["calls"] == 3
    finally:
        del optimizer.state[block]


class GrowsOnForward(nn.Module):
    """A layer that, on its forward pass, adds a buffer, a parameter, a submodule and attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(()))
        self.register_buffer("count", torch.zeros(()))
        self.label = "grows"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.count += 1
        if not hasattr(self, "seen"):
            self.register_buffer("seen", torch.ones(3))
            self.register_buffer("scratch", torch.zeros(2), persistent=False)
            self.extra = nn.Parameter(torch.zeros(()))
            self.helper = nn.Identity()
            self.cache = x.detach()
        self.label = "changed"
        return x * self.scale


def test_whatever_a_forward_pass_added_is_removed(batches):
    """Buffers, parameters, submodules and attributes created during the sweep are gone afterwards;
    state_dict keys, names and values are exactly the old ones."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 32), GrowsOnForward(), nn.ReLU(), nn.Linear(32, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    grows = model[2]
    before = full_state(model, opt)
    names = (
        [n for n, _ in model.named_buffers()],
        [n for n, _ in model.named_parameters()],
        [n for n, _ in model.named_modules()],
    )
    attributes = set(vars(grows))
    lr_find(model, opt, F.cross_entropy, batches, num_it=4, progress=False)
    assert [n for n, _ in model.named_buffers()] == names[0]
    assert [n for n, _ in model.named_parameters()] == names[1]
    assert [n for n, _ in model.named_modules()] == names[2]
    assert set(vars(grows)) == attributes and grows.label == "grows"
    assert "scratch" not in grows._non_persistent_buffers_set
    assert not hasattr(grows, "seen") and not hasattr(grows, "cache")
    assert_bitwise_equal(before, full_state(model, opt))
