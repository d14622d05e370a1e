"""A real Lightning LightningModule through lr_find: loss from training_step, optimizer from
configure_optimizers (each of its forms), data three ways, bitwise restore, and the curve against
Lightning's own Tuner.lr_find on the same module."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from engine_checks import assert_bitwise_equal, full_state
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

pl = pytest.importorskip("lightning.pytorch", reason="lightning is not installed (a test extra)")
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")

from lrwidget.engine.adapters.lightning import single_optimizer  # noqa: E402
from lrwidget.engine.entry import lr_find, prepare_sweep  # noqa: E402


def regression_data(n=640, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 8, generator=g)
    y = x @ torch.randn(8, 1, generator=g) + 0.1 * torch.randn(n, 1, generator=g)
    return TensorDataset(x, y)


class TinyRegressor(pl.LightningModule):
    """Two linear layers; Adam; optional scheduler in each configure_optimizers form."""

    def __init__(self, form="optimizer", lr=1e-3):
        super().__init__()
        torch.manual_seed(0)
        self.net = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 1))
        self.form, self.lr = form, lr

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.mse_loss(self(x), y)
        self.log("train_loss", loss)  # a no-op without a Trainer: must not break the sweep
        return loss

    def configure_optimizers(self):
        opt = torch.optim.Adam(self.parameters(), lr=self.lr)
        sched = torch.optim.lr_scheduler.StepLR(opt, 10)
        return {
            "optimizer": opt,
            "list": [opt],
            "pair": ([opt], [sched]),
            "dict": {"optimizer": opt, "lr_scheduler": sched},
            "dicts": [{"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}],
        }[self.form]


class WithLoader(TinyRegressor):
    def train_dataloader(self):
        return DataLoader(regression_data(), batch_size=16, shuffle=True, generator=torch.Generator())


class Data(pl.LightningDataModule):
    def setup(self, stage=None):
        self.train = regression_data()

    def train_dataloader(self):
        return DataLoader(self.train, batch_size=16)


@pytest.mark.parametrize("form", ["optimizer", "list", "pair", "dict", "dicts"])
def test_every_configure_optimizers_form(form):
    """Each documented return form of configure_optimizers yields its one optimizer."""
    module = TinyRegressor(form)
    assert isinstance(single_optimizer(module.configure_optimizers()), torch.optim.Adam)


def test_module_sweeps_and_restores_bitwise():
    """lr_find(module, train_dataloaders=...) trains through training_step and restores the module;
    the optimizer configure_optimizers built is restored too (it is the sweep's, returned by prepare)."""
    module = TinyRegressor("dict")
    loader = DataLoader(regression_data(), batch_size=16, shuffle=True, generator=torch.Generator())
    sweep = prepare_sweep(module, train_dataloaders=loader, num_it=30, progress=False)
    assert sweep.kind == "lightning" and sweep.model is module
    before = full_state(module, sweep.optimizer, loader=loader)
    result = sweep.run()
    assert len(result) == 30 and result.settings["source"] == "lightning"
    assert np.all(np.isfinite(result.losses)) and result.losses.min() < result.losses[0]
    assert_bitwise_equal(full_state(module, sweep.optimizer, loader=loader), before)


def test_data_from_the_module_or_a_datamodule():
    """Without train_dataloaders= the module's own train_dataloader() or a datamodule's is used."""
    own = lr_find(WithLoader(), num_it=8, progress=False)
    via_dm = lr_find(TinyRegressor(), datamodule=Data(), num_it=8, progress=False)
    assert len(own) == len(via_dm) == 8


def test_refusals_name_the_problem():
    """No data, two optimizers, or manual optimization: refused by name before any step."""
    with pytest.raises(TypeError, match="has no train_dataloader"):
        prepare_sweep(TinyRegressor())

    class TwoOptimizers(TinyRegressor):
        def configure_optimizers(self):
            return [torch.optim.SGD(self.net[0].parameters(), 0.1), torch.optim.SGD(self.net[2].parameters())]

    with pytest.raises(ValueError, match="returned 2 optimizers"):
        prepare_sweep(TwoOptimizers(), datamodule=Data())

    manual = TinyRegressor()
    manual.automatic_optimization = False
    with pytest.raises(ValueError, match="manual optimization"):
        prepare_sweep(manual, datamodule=Data())
    with pytest.raises(TypeError, match="did you mean 'train_dataloaders'"):
        prepare_sweep(TinyRegressor(), train_dataloader=[])


def lightning_raw_losses(smoothed, beta):
    """Undo Lightning's smoothing: its k-th point is avg_k / (1 - beta ** (k + 2)) (global_step + 1)."""
    avg = np.array([s * (1 - beta ** (k + 2)) for k, s in enumerate(smoothed)])
    previous = np.concatenate([[0.0], avg[:-1]])
    return (avg - beta * previous) / (1 - beta)


def test_curve_matches_lightnings_tuner(tmp_path):
    """Same module, data order and ladder: our raw losses are Lightning's own Tuner.lr_find's.

    Conventions differ in three places, all checked here: (1) Lightning's ladder is min_lr at step 0 and
    min_lr * q ** (k + 1) at step k >= 1 (q = (max/min) ** (1/N): its scheduler skips q ** 1), so we
    sweep start_lr = min_lr * q, which equals Lightning's at every step but the first (a 1e-7-sized
    difference in the first update); (2) Lightning bias-corrects with beta ** (k + 2), one more than the
    step count, so we compare raw losses, recovered from its smoothed ones; (3) Lightning sets every group
    to min_lr, we keep the groups' ratios (one group here, so no difference).
    """
    n, min_lr, max_lr, beta = 40, 1e-7, 1e-1, 0.98
    data = regression_data()
    ours_module = TinyRegressor("optimizer")
    theirs_module = copy.deepcopy(ours_module)

    trainer = pl.Trainer(
        accelerator="cpu",
        devices=1,
        max_epochs=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=tmp_path,
    )
    tuner = pl.tuner.Tuner(trainer)
    found = tuner.lr_find(
        theirs_module,
        train_dataloaders=DataLoader(data, batch_size=16),
        min_lr=min_lr,
        max_lr=max_lr,
        num_training=n,
        early_stop_threshold=None,
    )
    their_lrs = np.array(found.results["lr"])
    their_raw = lightning_raw_losses(found.results["loss"], beta)
    q = (max_lr / min_lr) ** (1 / n)
    assert len(their_lrs) == n
    np.testing.assert_allclose(their_lrs[1:], min_lr * q ** np.arange(2, n + 1), rtol=1e-9)  # (1)

    ours = lr_find(
        ours_module,
        train_dataloaders=DataLoader(data, batch_size=16),
        start_lr=min_lr * q,
        end_lr=max_lr,
        num_it=n,
        beta=beta,
        stop_div=False,
        progress=False,
    )
    np.testing.assert_allclose(ours.lrs[1:], their_lrs[1:], rtol=1e-9)
    assert ours.losses[0] == pytest.approx(their_raw[0], rel=1e-6)  # before any update: the same loss
    np.testing.assert_allclose(ours.losses, their_raw, rtol=1e-5)
