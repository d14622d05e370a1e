"""The benchmark's fastai_slide against fastai's own ``slide`` on random curves (skipped without fastai)."""

from __future__ import annotations

import numpy as np
import pytest

schedule = pytest.importorskip("fastai.callback.schedule")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
torch = pytest.importorskip("torch")

from benchmarks.quality.baselines import fastai_slide  # noqa: E402


def random_curves(count: int, seed: int):
    """Noisy falling-then-rising curves of 5 to 150 points (every fourth rounded, so values tie)."""
    rng = np.random.default_rng(seed)
    for k in range(count):
        n = int(rng.integers(5, 151))
        x = np.linspace(0.0, 1.0, n)
        fall = 1.0 / (1.0 + np.exp((x - rng.uniform(0.2, 0.9)) / rng.uniform(0.02, 0.3)))
        rise = np.exp(np.clip((x - rng.uniform(0.6, 1.2)) * rng.uniform(5, 40), -50, 50))
        losses = 1.0 + fall + 0.1 * rise + rng.normal(0.0, rng.choice([0.0, 0.01, 0.05, 0.3]), n)
        if k % 4 == 0:
            losses = np.round(losses, 1)
        yield np.geomspace(1e-7, 10.0, n), losses.astype(np.float32).astype(float)


@pytest.mark.skipif(not hasattr(schedule, "slide"), reason="this fastai has no slide suggester")
def test_fastai_slide_matches_fastai_on_random_curves():
    """Same lr as fastai's slide on 300 curves, at its defaults and at a coarser threshold."""
    for lrs, losses in random_curves(300, seed=1):
        if len(lrs) <= 15:
            with pytest.raises(IndexError):
                schedule.slide(torch.tensor(lrs), torch.tensor(losses), len(lrs))
            assert fastai_slide(lrs, losses).lr is None
            continue
        for thresh in (0.005, 0.05):
            theirs, _ = schedule.slide(torch.tensor(lrs), torch.tensor(losses), len(lrs), thresh=thresh)
            assert fastai_slide(lrs, losses, thresh=thresh).lr == pytest.approx(theirs, rel=1e-12)
