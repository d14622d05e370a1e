"""Fixtures for the widget tests: a synthetic range-test curve and a tiny torch learner's parts."""

from __future__ import annotations

import pytest
from widget_helpers import make_curve

from lrwidget.core.result import RangeTestResult


@pytest.fixture
def curve() -> RangeTestResult:
    return make_curve()


@pytest.fixture
def torch_parts():
    """(model, optimizer, loss_fn, batches): a Linear regression on random tensors, one torch thread."""
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(64, 4, generator=gen)
    y = x @ torch.randn(4, 1, generator=gen)
    batches = [(x[i : i + 16], y[i : i + 16]) for i in range(0, 64, 16)]
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return model, opt, torch.nn.functional.mse_loss, batches
