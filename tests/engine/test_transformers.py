"""A real transformers Trainer through lr_find: a 2-layer BERT built from a config (no download), its
optimizer from create_optimizer(), its loader and loss; bitwise restore; the trainer left as it was."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from engine_checks import assert_bitwise_equal, full_state

transformers = pytest.importorskip("transformers", reason="transformers is not installed (a test extra)")
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::FutureWarning")

from lrwidget.engine.entry import lr_find, prepare_sweep  # noqa: E402


class TokenPairs(torch.utils.data.Dataset):
    """Random token sequences labelled by whether token 3 occurs: learnable, tiny, offline."""

    def __init__(self, n=256, length=12, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.ids = torch.randint(4, 40, (n, length), generator=g)
        self.ids[: n // 2, 5] = 3
        self.labels = (self.ids == 3).any(dim=1).long()

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {
            "input_ids": self.ids[i],
            "attention_mask": torch.ones_like(self.ids[i]),
            "labels": self.labels[i],
        }


@pytest.fixture
def trainer(tmp_path):
    config = transformers.BertConfig(
        vocab_size=40,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=16,
        num_labels=2,
    )
    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification(config)
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path),
        per_device_train_batch_size=16,
        learning_rate=5e-4,
        report_to=[],
        use_cpu=True,
        seed=0,
        disable_tqdm=True,
        save_strategy="no",
    )
    return transformers.Trainer(model=model, args=args, train_dataset=TokenPairs())


def test_trainer_sweeps_and_restores_bitwise(trainer):
    """lr_find(trainer) trains the trainer's model with its optimizer, loader and loss, then restores all;
    trainer.optimizer stays None (train() builds its own, as without the sweep)."""
    sweep = prepare_sweep(trainer, num_it=25, progress=False)
    assert sweep.kind == "transformers" and sweep.model is trainer.model
    assert trainer.optimizer is None
    # create_optimizer's two groups (decay / no decay), at args.learning_rate
    assert [g["lr"] for g in sweep.optimizer.param_groups] == [5e-4, 5e-4]
    assert sweep.settings.before_step is not None  # args.max_grad_norm=1.0 clips, as train() does
    before = full_state(trainer.model, sweep.optimizer)
    result = sweep.run()
    assert len(result) >= 10 and result.settings["source"] == "transformers"
    assert np.isfinite(result.losses[0]) and result.losses[0] == pytest.approx(np.log(2), abs=0.2)
    assert_bitwise_equal(full_state(trainer.model, sweep.optimizer), before)
    assert trainer.optimizer is None


def test_training_arguments_shape_the_step(trainer):
    """gradient_accumulation_steps and max_grad_norm come from the TrainingArguments; keywords override."""
    trainer.args.gradient_accumulation_steps = 2
    trainer.args.max_grad_norm = 0.0
    sweep = prepare_sweep(trainer, num_it=3, progress=False)
    assert sweep.settings.accumulation_steps == 2 and sweep.settings.before_step is None
    assert prepare_sweep(trainer, accumulation_steps=1).settings.accumulation_steps == 1


def test_then_train_runs_as_before(trainer):
    """After the sweep, trainer.train() still works (its optimizer and loader are its own)."""
    lr_find(trainer, num_it=5, progress=False)
    trainer.args.max_steps = 2
    out = trainer.train()
    assert np.isfinite(out.training_loss)
