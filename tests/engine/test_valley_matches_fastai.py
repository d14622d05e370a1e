"""valley against fastai's own function, on many random curves (skipped without fastai)."""

from __future__ import annotations

import numpy as np
import pytest

schedule = pytest.importorskip("fastai.callback.schedule")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
torch = pytest.importorskip("torch")

from lrwidget.core.suggest import valley  # noqa: E402


def random_curves(count: int, seed: int = 0):
    """Range-test-like curves: noisy plateau, fall, blow-up, of 5 to 150 points; some with repeated values."""
    rng = np.random.default_rng(seed)
    for k in range(count):
        n = int(rng.integers(5, 151))
        x = np.linspace(0.0, 1.0, n)
        centre, width = rng.uniform(0.2, 0.9), rng.uniform(0.02, 0.3)
        fall = 1.0 - 1.0 / (1.0 + np.exp(-(x - centre) / width))
        rise = np.exp(np.clip((x - rng.uniform(0.6, 1.2)) * rng.uniform(5, 40), -50, 50))
        noise = rng.normal(0.0, rng.choice([0.0, 0.01, 0.05, 0.3]), n)
        losses = 1.0 + fall + 0.1 * rise + noise
        if k % 4 == 0:
            losses = np.round(losses, 1)  # ties: fastai's strict comparisons must be matched
        if k % 7 == 0:
            losses = rng.normal(0.0, 1.0, n)  # pure noise
        lrs = np.geomspace(1e-7, 10.0, n)
        yield lrs, losses.astype(np.float32).astype(float)


def test_valley_matches_fastai_on_random_curves():
    """Same lr as fastai's valley on 300 curves; where fastai's index is -1 (it wraps) ours has none."""
    compared = 0
    for lrs, losses in random_curves(300):
        theirs, _ = schedule.valley(torch.tensor(lrs), torch.tensor(losses), len(lrs))
        ours = valley(lrs, losses)
        if ours.lr is None:
            assert theirs == lrs[-1]  # fastai's index -1: the last lr
            continue
        assert ours.lr == theirs
        compared += 1
    assert compared > 250


def test_valley_matches_fastai_on_short_monotone_and_flat_curves():
    """Decreasing runs from the first point (fastai's start -1) and curves with long ties."""
    for n in range(5, 40):
        lrs = np.geomspace(1e-5, 1.0, n)
        for losses in (np.arange(n, 0, -1.0), np.r_[np.ones(n // 2), np.arange(n - n // 2, 0, -1.0)]):
            theirs, _ = schedule.valley(torch.tensor(lrs), torch.tensor(losses), n)
            assert valley(lrs, losses).lr == theirs
