"""A ``persistent_workers=True`` DataLoader replays after lr_find: the next epochs yield exactly the batches
(order and content, worker-side randomness included) that they would have yielded without the sweep.

Real worker processes (one per loader): the dataset adds noise drawn from the worker's own torch
generator, so a sweep that used (or created) the user's workers would change the values as well as the
order. Each scenario runs the same seeded loader twice, once with lr_find in the middle, once without.
"""

from __future__ import annotations

import multiprocessing

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset

from lrwidget.engine.entry import lr_find

N_SAMPLES, BATCH = 48, 8  # 6 batches an epoch


class NoisyDataset(Dataset):
    """Sample i is row i of a fixed table plus noise from the worker's torch generator (an augmentation)."""

    def __init__(self) -> None:
        g = torch.Generator().manual_seed(123)
        self.x = torch.randn(N_SAMPLES, 4, generator=g)
        self.y = torch.randint(0, 3, (N_SAMPLES,), generator=g)

    def __len__(self) -> int:
        return N_SAMPLES

    def __getitem__(self, i: int):
        return self.x[i] + 0.01 * torch.randn(4), self.y[i]


def make_loader(seed: int = 0) -> DataLoader:
    return DataLoader(
        NoisyDataset(),
        batch_size=BATCH,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
        num_workers=1,
        persistent_workers=True,
    )


def epoch(loader: DataLoader) -> list[tuple[torch.Tensor, torch.Tensor]]:
    return [(x.clone(), y.clone()) for x, y in loader]


def sweep(loader: DataLoader, *, num_it: int = 9, loss_fn=F.cross_entropy) -> None:
    """A real lr_find on the loader (9 steps: one and a half of its epochs, so the sweep cycles it)."""
    torch.manual_seed(0)
    model = nn.Linear(4, 3)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    lr_find(model, opt, loss_fn, loader, num_it=num_it, progress=False)


def assert_same_epochs(a: list, b: list) -> None:
    assert len(a) == len(b)
    for i, (ea, eb) in enumerate(zip(a, b, strict=True)):
        assert len(ea) == len(eb), f"epoch {i}: {len(ea)} vs {len(eb)} batches"
        for j, ((xa, ya), (xb, yb)) in enumerate(zip(ea, eb, strict=True)):
            assert torch.equal(ya, yb), f"epoch {i} batch {j}: targets (order) differ"
            assert torch.equal(xa, xb), f"epoch {i} batch {j}: inputs (order or worker noise) differ"


def close(loader: DataLoader) -> None:
    it = loader._iterator
    if it is not None:
        it._shutdown_workers()
        loader._iterator = None


@pytest.mark.timeout(60)
def test_lr_find_before_the_first_epoch_leaves_the_epochs_unchanged():
    """No iterator yet: the sweep must not create the loader's persistent one (nor use its seed draw)."""
    plain = make_loader()
    expected = [epoch(plain), epoch(plain)]
    close(plain)

    swept = make_loader()
    sweep(swept)
    left_behind = swept._iterator  # the sweep's iterator and workers must be gone, none left behind
    got = [epoch(swept), epoch(swept)]
    close(swept)
    assert_same_epochs(expected, got)
    assert left_behind is None


@pytest.mark.timeout(60)
def test_lr_find_between_epochs_keeps_the_users_workers():
    """Live workers from epoch 1: the sweep runs on its own, the user's iterator and workers come back
    untouched (same object, same worker processes), and epochs 2 and 3 are as without the sweep."""
    plain = make_loader()
    expected = [epoch(plain), epoch(plain), epoch(plain)]
    close(plain)

    swept = make_loader()
    got = [epoch(swept)]
    users = swept._iterator
    workers = list(users._workers)
    children = {p.pid for p in multiprocessing.active_children()}
    sweep(swept)
    after = swept._iterator, list(users._workers), {p.pid for p in multiprocessing.active_children()}
    got += [epoch(swept), epoch(swept)]
    close(swept)
    assert_same_epochs(expected, got)
    assert after[0] is users and after[1] == workers
    assert after[2] == children  # the sweep's own worker process has ended


class Boom(Exception):
    """Raised by the loss in the middle of the sweep."""


@pytest.mark.timeout(60)
def test_a_sweep_that_fails_still_gives_the_loader_back():
    """An exception mid-sweep (loader iterator left mid-epoch): the next epochs are still unchanged."""
    calls = {"n": 0}

    def failing_loss(out, y):
        calls["n"] += 1
        if calls["n"] == 3:
            raise Boom("loss failed")
        return F.cross_entropy(out, y)

    plain = make_loader()
    expected = [epoch(plain), epoch(plain)]
    close(plain)

    swept = make_loader()
    got = [epoch(swept)]
    users = swept._iterator
    with pytest.raises(Boom):
        sweep(swept, loss_fn=failing_loss)
    after = swept._iterator
    got += [epoch(swept)]
    close(swept)
    assert_same_epochs(expected, got)
    assert after is users


@pytest.mark.timeout(60)
def test_a_persistent_val_loader_is_given_back_as_it_was():
    """val_data with persistent workers: the sweep's validation batches come from its own iterator, so
    the user's first validation epoch afterwards still creates the loader's iterator, drawing its base
    seed from torch's global generator: the random numbers drawn after it are as without the sweep."""

    def val_loader() -> DataLoader:  # the usual validation loader: no shuffle, no generator of its own
        return DataLoader(NoisyDataset(), batch_size=BATCH, num_workers=1, persistent_workers=True)

    torch.manual_seed(5)
    plain = val_loader()
    expected = [epoch(plain), torch.rand(4)]
    close(plain)

    swept = val_loader()
    torch.manual_seed(0)
    model = nn.Linear(4, 3)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    train = [(torch.randn(8, 4), torch.randint(0, 3, (8,))) for _ in range(3)]
    torch.manual_seed(5)
    lr_find(model, opt, F.cross_entropy, train, num_it=6, val_data=swept, val_batches=2, progress=False)
    left_behind = swept._iterator
    got = [epoch(swept), torch.rand(4)]
    close(swept)
    assert_same_epochs([expected[0]], [got[0]])
    assert torch.equal(expected[1], got[1]), "the global torch generator is one draw off after the sweep"
    assert left_behind is None
