"""The vectorised slide rule against a plain transcription of seed 002's loop, on many random curves."""

from __future__ import annotations

import numpy as np
import pytest

from lrwidget.core.suggest import slide_rule


def seed_loop(lrs, losses, lr_diff, loss_threshold, adjust_value):
    """Seed 002's find_appropriate_lr, minus fastai and plotting; returns (lr, visited (l, r) pairs).

    Raises AssertionError or UnboundLocalError exactly where the seed does.
    """
    losses = np.array(losses)
    assert lr_diff < len(losses)
    loss_grad = np.gradient(losses)
    visited = []
    r_idx = -1
    l_idx = r_idx - lr_diff
    while (l_idx >= -len(losses)) and (abs(loss_grad[r_idx] - loss_grad[l_idx]) > loss_threshold):
        local_min_lr = lrs[l_idx]
        visited.append((len(losses) + l_idx, len(losses) + r_idx))
        r_idx -= 1
        l_idx -= 1
    lr_to_use = local_min_lr * adjust_value  # unbound where the loop never ran, as in the seed
    return lr_to_use, visited


def random_curve(rng: np.random.Generator):
    """A random sweep-like curve, random walk or pure noise, with random length and loss scale."""
    n = int(rng.integers(5, 160))
    lrs = np.geomspace(10 ** rng.uniform(-8, -3), 10 ** rng.uniform(-1, 2), n)
    x = np.linspace(0, 1, n)
    kind = rng.integers(3)
    if kind == 0:
        centre = rng.uniform(0.2, 0.8)
        losses = 2 / (1 + np.exp(rng.uniform(5, 30) * (x - centre))) + np.exp(rng.uniform(2, 12) * (x - 1))
        losses = losses + rng.normal(0, rng.choice([0.0, 0.01, 0.1]), n)
    elif kind == 1:
        losses = np.cumsum(rng.normal(0, rng.uniform(0.01, 1), n))
    else:
        losses = rng.normal(0, 1, n)
    return lrs, losses * 10 ** rng.uniform(-2, 2)


@pytest.mark.parametrize("seed", range(6))
def test_matches_the_seed_loop_on_random_curves(seed):
    """Same lr and same visited intervals wherever the seed answers; None and a reason where it crashes."""
    rng = np.random.default_rng(seed)
    answered = crashed = 0
    for _ in range(150):
        lrs, losses = random_curve(rng)
        lr_diff = int(rng.integers(1, len(losses) + 3))
        threshold = float(10 ** rng.uniform(-4, 1))
        ours = slide_rule(lrs, losses, lr_diff=lr_diff, loss_threshold=threshold)
        try:
            expected, visited = seed_loop(lrs, losses, lr_diff, threshold, 1.0)
        except (AssertionError, UnboundLocalError):
            crashed += 1
            assert ours.lr is None and ours.reason
            continue
        answered += 1
        assert ours.lr == expected
        assert [(t.left, t.right) for t in ours.trace if t.moves] == visited
        stopped_on_threshold = visited[-1][0] > 0
        assert ours.params["stopped"] == ("threshold" if stopped_on_threshold else "left_end")
        assert len(ours.trace) == len(visited) + stopped_on_threshold
    assert answered > 30 and crashed > 5  # both branches were exercised


def test_adjust_value_matches_the_seed_inside_the_range():
    """With adjust_value the seed's product is returned whenever it stays inside the swept range."""
    rng = np.random.default_rng(99)
    checked = 0
    for _ in range(200):
        lrs, losses = random_curve(rng)
        adjust = float(rng.choice([0.1, 0.5, 2.0, 3.0]))
        try:
            expected, _ = seed_loop(lrs, losses, 5, 0.01, adjust)
        except (AssertionError, UnboundLocalError):
            continue
        ours = slide_rule(lrs, losses, lr_diff=5, loss_threshold=0.01, adjust_value=adjust)
        assert ours.lr == float(np.clip(expected, lrs[0], lrs[-1]))
        checked += 1
    assert checked > 50
