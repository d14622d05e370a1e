"""Fixtures for the engine tests: a small CNN with BatchNorm and dropout, Adam with state, a scheduler,
a GradScaler and the digits loaders; one torch thread keeps the suite fast on a shared machine."""

from __future__ import annotations

import warnings

import pytest
import torch
import torch.nn.functional as F

from lrwidget.examples.digits import digits_loaders, small_cnn

torch.set_num_threads(1)


@pytest.fixture(scope="session")
def loaders():
    return digits_loaders(batch_size=32, seed=0)


@pytest.fixture
def train_loader(loaders):
    return loaders[0]


@pytest.fixture
def batches(loaders):
    """Six fixed batches of 16 digits as a plain list (cycled by longer sweeps)."""
    x, y = loaders[0].dataset.tensors
    return [(x[i : i + 16], y[i : i + 16]) for i in range(0, 96, 16)]


@pytest.fixture
def model():
    return small_cnn(seed=0)


@pytest.fixture
def optimizer(model, batches):
    """Adam over two param groups (different lrs), with moment state from three real steps."""
    convs = [p for name, p in model.named_parameters() if name.startswith(("0.", "1."))]
    rest = [p for name, p in model.named_parameters() if not name.startswith(("0.", "1."))]
    opt = torch.optim.Adam([{"params": convs, "lr": 1e-4}, {"params": rest}], lr=1e-3)
    for x, y in batches[:3]:
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    return opt


@pytest.fixture
def scheduler(optimizer):
    sched = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    with warnings.catch_warnings():  # "scheduler.step() before optimizer.step()": deliberate here
        warnings.simplefilter("ignore", UserWarning)
        sched.step()
    return sched


@pytest.fixture
def grad_scaler():
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    scaler.scale(torch.ones(()))  # initialise its tensors, so there is state to restore
    scaler.update(512.0)
    return scaler


@pytest.fixture
def loss_fn():
    return F.cross_entropy
