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


@pytest.fixture
def displays(monkeypatch) -> list[tuple]:
    """What ``IPython.display.display`` was asked to show: ``("display", obj, raw)`` per call, and
    ``("update", obj, raw)`` per update of a display handle it gave (``display_id=True``)."""
    import IPython.display

    sent: list[tuple] = []

    class Handle:
        def update(self, obj, raw=False):
            sent.append(("update", obj, raw))

    def fake_display(obj, raw=False, display_id=None):
        sent.append(("display", obj, raw))
        return Handle() if display_id else None

    monkeypatch.setattr(IPython.display, "display", fake_display)
    return sent
