"""The broad corpus's tasks: seven families of tiny models, six optimizers, batches of 8 to 512.

Families are the unit of validation (leave-one-family-out). Held-out families, fixed before any curve
of this corpus was built or looked at: ``attention`` and ``autoencoder``. The rule is designed on the
other families (and on the original 16 tasks, family ``sklearn_small``), checked once on these two,
then judged by leave-one-family-out over all of them. See docs/suggestion_quality.md.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from benchmarks.quality import broad_data as bd
from benchmarks.quality import data
from benchmarks.quality.tasks import _m, _new_body, _seeded, body_and_head, mlp, pretrained_body
from lrwidget.engine.learner import param_groups

HELD_OUT_FAMILIES = ("attention", "autoencoder")
OPTIMIZERS = ("sgd", "sgd_momentum", "adam", "adamw", "rmsprop", "adagrad")


@dataclass(frozen=True)
class BroadTask:
    """One problem: ``model(seed)`` builds fresh weights from ``seed``; ``steps`` sets the 1cycle length."""

    name: str
    family: str
    description: str
    data: Callable[[], data.Split]
    model: Callable[[int], nn.Module]
    optimizer: str
    batch_size: int
    steps: int = 300  # 1cycle training length in optimizer steps (rounded to whole epochs)
    loss: str = "cross_entropy"  # | "seq_cross_entropy" | "mse" | "bce"

    def make_optimizer(self, model: nn.Module) -> torch.optim.Optimizer:
        """The optimizer over all trainable parameters (body and head groups when the model has both)."""
        if hasattr(model, "body") and hasattr(model, "head"):
            groups = param_groups(model.body, model.head)
        else:
            groups = [{"params": [p for p in model.parameters() if p.requires_grad]}]
        kind = self.optimizer
        if kind == "sgd":
            return torch.optim.SGD(groups, lr=1e-3)
        if kind == "sgd_momentum":
            return torch.optim.SGD(groups, lr=1e-3, momentum=0.9)
        if kind == "adam":
            return torch.optim.Adam(groups, lr=1e-3)
        if kind == "adamw":
            return torch.optim.AdamW(groups, lr=1e-3, weight_decay=0.01)
        if kind == "rmsprop":
            return torch.optim.RMSprop(groups, lr=1e-3)
        if kind == "adagrad":
            return torch.optim.Adagrad(groups, lr=1e-3)
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {kind!r}")

    def loss_fn(self) -> Callable[..., torch.Tensor]:
        if self.loss == "seq_cross_entropy":
            return _seq_cross_entropy
        if self.loss == "mse":
            return nn.functional.mse_loss
        if self.loss == "bce":
            return nn.functional.binary_cross_entropy_with_logits
        return nn.functional.cross_entropy

    def spec(self) -> str:
        return f"{self.name}|{self.family}|{self.optimizer}|{self.batch_size}|{self.steps}|{self.loss}|v1"


def _seq_cross_entropy(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return nn.functional.cross_entropy(out.reshape(-1, out.shape[-1]), target.reshape(-1))


# -- models ---------------------------------------------------------------------------------------
class CharRNN(nn.Module):
    """Embedding, a one-layer GRU or LSTM, a linear read-out per position."""

    def __init__(self, cell: str, hidden: int, classes: int = bd.VOCAB, embed: int = 16) -> None:
        super().__init__()
        self.embed = nn.Embedding(bd.VOCAB, embed)
        self.rnn = (nn.GRU if cell == "gru" else nn.LSTM)(embed, hidden, batch_first=True)
        self.out = nn.Linear(hidden, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.rnn(self.embed(x))[0])


class CausalConv(nn.Module):
    """Embedding and two causal 1-D convolutions (kernel 3, left padding), per-position read-out."""

    def __init__(self, width: int = 48) -> None:
        super().__init__()
        self.embed = nn.Embedding(bd.VOCAB, 16)
        self.c1, self.c2 = nn.Conv1d(16, width, 3), nn.Conv1d(width, width, 3)
        self.out = nn.Linear(width, bd.VOCAB)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.embed(x).transpose(1, 2)
        h = torch.relu(self.c1(nn.functional.pad(h, (2, 0))))
        h = torch.relu(self.c2(nn.functional.pad(h, (2, 0))))
        return self.out(h.transpose(1, 2))


class NgramMLP(nn.Module):
    """The next character from the embeddings of the previous few, concatenated, through an MLP."""

    def __init__(self, context: int = 5, hidden: int = 96) -> None:
        super().__init__()
        self.embed = nn.Embedding(bd.VOCAB, 12)
        self.net = nn.Sequential(
            nn.Flatten(), nn.Linear(12 * context, hidden), nn.Tanh(), nn.Linear(hidden, bd.VOCAB)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(self.embed(x))


class TinyTransformer(nn.Module):
    """Token embedding (or a linear map of feature tokens), learned positions, ``layers`` encoder layers.

    ``pool``: "none" reads out every position, "mean" one answer per sequence. ``causal`` masks the future.
    """

    def __init__(
        self,
        tokens: int | None,
        features: int,
        length: int,
        classes: int,
        layers: int = 1,
        d: int = 32,
        pool: str = "none",
        causal: bool = False,
        norm_first: bool = False,
    ) -> None:
        super().__init__()
        self.inp = nn.Embedding(tokens, d) if tokens else nn.Linear(features, d)
        self.pos = nn.Parameter(0.1 * torch.randn(length, d))
        layer = nn.TransformerEncoderLayer(d, 4, 2 * d, dropout=0.0, batch_first=True, norm_first=norm_first)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.out = nn.Linear(d, classes)
        self.pool, self.causal, self.length = pool, causal, length

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.inp(x) + self.pos[: x.shape[1]]
        mask = nn.Transformer.generate_square_subsequent_mask(x.shape[1]) if self.causal else None
        h = self.encoder(h, mask=mask, is_causal=self.causal)
        return self.out(h.mean(dim=1) if self.pool == "mean" else h)


class ResMLP(nn.Module):
    """Linear in, ``blocks`` residual blocks (Linear-BatchNorm-ReLU-Linear-BatchNorm + skip), linear out."""

    def __init__(self, features: int, width: int, outputs: int, blocks: int = 2) -> None:
        super().__init__()
        self.inp = nn.Linear(features, width)
        self.blocks = nn.ModuleList(
            nn.Sequential(
                nn.Linear(width, width),
                nn.BatchNorm1d(width),
                nn.ReLU(),
                nn.Linear(width, width),
                nn.BatchNorm1d(width),
            )
            for _ in range(blocks)
        )
        self.out = nn.Linear(width, outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.inp(x.flatten(1))
        for block in self.blocks:
            h = torch.relu(h + block(h))
        return self.out(h)


class ResCNN(nn.Module):
    """A 3x3 stem and two residual conv blocks with BatchNorm on 8x8 images, average-pooled."""

    def __init__(self, width: int = 12, classes: int = 10) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU())
        self.blocks = nn.ModuleList(
            nn.Sequential(
                nn.Conv2d(width, width, 3, padding=1),
                nn.BatchNorm2d(width),
                nn.ReLU(),
                nn.Conv2d(width, width, 3, padding=1),
                nn.BatchNorm2d(width),
            )
            for _ in range(2)
        )
        self.out = nn.Linear(width, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.stem(x)
        for block in self.blocks:
            h = torch.relu(h + block(h))
        return self.out(h.mean(dim=(2, 3)))


class ConvAE(nn.Module):
    """8x8 images through a strided conv encoder (4x4x8) and a transposed-conv decoder."""

    def __init__(self) -> None:
        super().__init__()
        self.enc = nn.Sequential(
            nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.ReLU(), nn.Conv2d(8, 4, 3, padding=1)
        )
        self.dec = nn.Sequential(
            nn.ReLU(), nn.ConvTranspose2d(4, 8, 2, stride=2), nn.ReLU(), nn.Conv2d(8, 1, 3, padding=1)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dec(self.enc(x)).flatten(1)  # the targets are the flat images


# -- fine-tuning after unfreezing: head trained on a frozen body first, then everything ---------------
HEAD_WARMUP_STEPS = 40


@functools.cache
def _warm_head(kind: str, seed: int) -> dict[str, torch.Tensor]:
    """The head of a pretrained body trained ``HEAD_WARMUP_STEPS`` steps with the body frozen (Adam 3e-3)."""
    from benchmarks.quality.tasks import _FEATURES, FINETUNE_CLASSES, _transfer_data

    body = _new_body(kind)
    body.load_state_dict(pretrained_body(kind))
    body.requires_grad_(False)
    head = _seeded(seed, lambda: nn.Linear(_FEATURES[kind], len(FINETUNE_CLASSES)))
    model = body_and_head(body, head).eval()  # BatchNorm statistics stay the pretrained ones
    split = _transfer_data(kind)()
    batches = data.Batches(split.x_train, split.y_train, 32, seed=100 + seed)
    opt = torch.optim.Adam(head.parameters(), lr=3e-3)
    done = 0
    while done < HEAD_WARMUP_STEPS:
        for x, y in batches:
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
            done += 1
            if done == HEAD_WARMUP_STEPS:
                break
    return {k: v.detach().clone() for k, v in head.state_dict().items()}


def unfrozen_after_warmup(kind: str) -> Callable[[int], nn.Module]:
    """Pretrained body (digits 0-4) with a head warmed on 5-9 while frozen, now all trainable."""
    from benchmarks.quality.tasks import _FEATURES, FINETUNE_CLASSES

    def build(seed: int) -> nn.Module:
        body = _new_body(kind)
        body.load_state_dict(pretrained_body(kind))
        head = nn.Linear(_FEATURES[kind], len(FINETUNE_CLASSES))
        head.load_state_dict(_warm_head(kind, seed))
        return body_and_head(body, head)

    return build


def _finetune_data(kind: str) -> Callable[[], data.Split]:
    from benchmarks.quality.tasks import _transfer_data

    return _transfer_data(kind)


def _img(split_fn: Callable[[], data.Split]) -> Callable[[], data.Split]:
    def build() -> data.Split:
        s = split_fn()
        return data.Split(
            s.x_train.reshape(-1, 1, 8, 8), s.y_train, s.x_valid.reshape(-1, 1, 8, 8), s.y_valid
        )

    return build


S = bd.SEQ_LEN
T = BroadTask
# The order is fixed; append new tasks at the end of a family's block only with a new spec.
BROAD_TASKS: tuple[BroadTask, ...] = (
    # -- character-level language models on the standard library's source ------------------------------
    T(
        "charlm_gru_adam",
        "charlm",
        "char LM on stdlib source, GRU 64, Adam",
        bd.char_sequences,
        _m(lambda: CharRNN("gru", 64)),
        "adam",
        32,
        loss="seq_cross_entropy",
    ),
    T(
        "charlm_lstm_sgdm",
        "charlm",
        "char LM, LSTM 48, SGD momentum 0.9",
        bd.char_sequences,
        _m(lambda: CharRNN("lstm", 48)),
        "sgd_momentum",
        64,
        loss="seq_cross_entropy",
    ),
    T(
        "charlm_ngram_rmsprop",
        "charlm",
        "next char from 5 previous, embedding + tanh MLP, RMSprop",
        lambda: bd.char_ngrams(5),
        _m(lambda: NgramMLP(5)),
        "rmsprop",
        128,
    ),
    T(
        "charlm_conv_adagrad",
        "charlm",
        "char LM, causal 1-D CNN, Adagrad, batch 16",
        bd.char_sequences,
        _m(lambda: CausalConv()),
        "adagrad",
        16,
        loss="seq_cross_entropy",
    ),
    T(
        "charlm_gru_sgd_b8",
        "charlm",
        "char LM, GRU 32, plain SGD, batch 8",
        bd.char_sequences,
        _m(lambda: CharRNN("gru", 32)),
        "sgd",
        8,
        loss="seq_cross_entropy",
    ),
    # -- attention (held out) ---------------------------------------------------------------------------
    T(
        "attn_charlm_adamw",
        "attention",
        "char LM, causal 1-layer transformer d32, AdamW",
        bd.char_sequences,
        _m(lambda: TinyTransformer(bd.VOCAB, 0, S, bd.VOCAB, causal=True)),
        "adamw",
        32,
        loss="seq_cross_entropy",
    ),
    T(
        "attn_sort_adam",
        "attention",
        "sort 8 digits, 2-layer transformer, Adam, batch 64",
        bd.sort_task,
        _m(lambda: TinyTransformer(10, 0, 8, 10, layers=2)),
        "adam",
        64,
        loss="seq_cross_entropy",
    ),
    T(
        "attn_rows_sgdm",
        "attention",
        "digits as 8 row tokens, transformer, mean pool, SGD momentum",
        bd.digit_rows,
        _m(lambda: TinyTransformer(None, 8, 8, 10, pool="mean")),
        "sgd_momentum",
        32,
    ),
    T(
        "attn_majority_rmsprop",
        "attention",
        "most frequent of 16 tokens, pre-norm transformer, RMSprop, b128",
        bd.majority_task,
        _m(lambda: TinyTransformer(4, 0, 16, 4, pool="mean", norm_first=True)),
        "rmsprop",
        128,
    ),
    T(
        "attn_keyedsum_adagrad",
        "attention",
        "sum of keyed values (regression), transformer, Adagrad, b256",
        bd.weighted_sum_task,
        _m(lambda: TinyTransformer(None, 2, 10, 1, pool="mean")),
        "adagrad",
        256,
        loss="mse",
    ),
    # -- residual nets with BatchNorm ----------------------------------------------------------------
    T(
        "resmlp_bn_synth_sgdm",
        "resnet_bn",
        "make_classification 4 classes, residual MLP+BN, SGD mom, b128",
        data.synthetic_classes,
        _m(lambda: ResMLP(20, 64, 4)),
        "sgd_momentum",
        128,
    ),
    T(
        "rescnn_bn_digits_adam",
        "resnet_bn",
        "digits images, residual CNN+BN, Adam",
        _img(data.digits),
        _m(lambda: ResCNN()),
        "adam",
        64,
    ),
    T(
        "resmlp_bn_friedman_adamw",
        "resnet_bn",
        "friedman (standardised), residual MLP+BN, AdamW, b32",
        data.friedman,
        _m(lambda: ResMLP(10, 48, 1)),
        "adamw",
        32,
        loss="mse",
    ),
    T(
        "rescnn_bn_digits_sgd_b512",
        "resnet_bn",
        "digits images, residual CNN+BN, plain SGD, batch 512",
        _img(lambda: data.digits(pixel_noise=0.3)),
        _m(lambda: ResCNN(8)),
        "sgd",
        512,
        steps=240,
    ),
    T(
        "resmlp_bn_noisy_rmsprop",
        "resnet_bn",
        "digits, 30% label noise, residual MLP+BN, RMSprop, b16",
        lambda: data.digits(label_noise=0.3),
        _m(lambda: ResMLP(64, 64, 10)),
        "rmsprop",
        16,
    ),
    # -- autoencoders (held out) ------------------------------------------------------------------
    T(
        "ae_digits_mlp_adam",
        "autoencoder",
        "digits 64-32-8-32-64 MLP autoencoder, MSE, Adam",
        lambda: bd.autoencode(data.digits()),
        _m(lambda: mlp([64, 32, 8, 32, 64])),
        "adam",
        64,
        loss="mse",
    ),
    T(
        "ae_digits_conv_sgdm",
        "autoencoder",
        "digits conv autoencoder, MSE, SGD momentum, b32",
        _img(lambda: bd.autoencode(data.digits())),
        _m(lambda: ConvAE()),
        "sgd_momentum",
        32,
        loss="mse",
    ),
    T(
        "ae_denoise_rmsprop",
        "autoencoder",
        "denoising MLP autoencoder (noise 0.3), RMSprop, b128",
        lambda: bd.autoencode(data.digits(), noise=0.3),
        _m(lambda: mlp([64, 48, 16, 48, 64])),
        "rmsprop",
        128,
        loss="mse",
    ),
    T(
        "ae_bce_adagrad",
        "autoencoder",
        "digits MLP autoencoder with logits + BCE, Adagrad, b16",
        lambda: bd.autoencode(data.digits()),
        _m(lambda: mlp([64, 24, 64])),
        "adagrad",
        16,
        loss="bce",
    ),
    T(
        "ae_synth_adamw",
        "autoencoder",
        "standardised 20-feature data through a 4-unit bottleneck, AdamW, b256",
        lambda: bd.autoencode(data.synthetic_classes()),
        _m(lambda: mlp([20, 32, 4, 32, 20])),
        "adamw",
        256,
        loss="mse",
    ),
    # -- regression in the target's own units ----------------------------------------------------------
    T(
        "raw_diabetes_adam",
        "raw_regression",
        "diabetes, raw target (25-346), MLP, MSE, Adam",
        lambda: bd.raw_regression("diabetes"),
        _m(lambda: mlp([10, 64, 1])),
        "adam",
        32,
        loss="mse",
    ),
    T(
        "raw_friedman_sgdm",
        "raw_regression",
        "friedman raw target, MLP, MSE, SGD momentum",
        lambda: bd.raw_regression("friedman"),
        _m(lambda: mlp([10, 64, 64, 1])),
        "sgd_momentum",
        64,
        loss="mse",
    ),
    T(
        "tiny_target_rmsprop",
        "raw_regression",
        "linear regression target x 1e-4 (loss ~1e-4), MLP, RMSprop",
        lambda: bd.raw_regression("linear", scale=1e-4),
        _m(lambda: mlp([20, 32, 1])),
        "rmsprop",
        128,
        loss="mse",
    ),
    T(
        "raw_digit_value_sgd_b16",
        "raw_regression",
        "digit value from raw pixels 0-16, linear, plain SGD, b16",
        lambda: bd.raw_regression("digits_value"),
        _m(lambda: mlp([64, 1])),
        "sgd",
        16,
        loss="mse",
    ),
    T(
        "raw_linear_adagrad_b512",
        "raw_regression",
        "make_regression (scale ~100), MLP, Adagrad, batch 512",
        lambda: bd.raw_regression("linear"),
        _m(lambda: mlp([20, 32, 1])),
        "adagrad",
        512,
        steps=240,
        loss="mse",
    ),
    # -- fine-tuning after unfreezing (head warmed on a frozen body, then everything trained) -----------
    T(
        "ft_mlp_adam",
        "finetune",
        "pretrained MLP body, warmed head, all unfrozen, Adam, b32",
        _finetune_data("mlp"),
        unfrozen_after_warmup("mlp"),
        "adam",
        32,
    ),
    T(
        "ft_cnn_rmsprop",
        "finetune",
        "pretrained CNN+BN body, warmed head, all unfrozen, RMSprop, b16",
        _finetune_data("cnn"),
        unfrozen_after_warmup("cnn"),
        "rmsprop",
        16,
    ),
    T(
        "ft_mlp_sgd",
        "finetune",
        "pretrained MLP body, warmed head, all unfrozen, plain SGD, b64",
        _finetune_data("mlp"),
        unfrozen_after_warmup("mlp"),
        "sgd",
        64,
    ),
    T(
        "ft_cnn_adagrad_b8",
        "finetune",
        "pretrained CNN+BN body, warmed head, unfrozen, Adagrad, b8",
        _finetune_data("cnn"),
        unfrozen_after_warmup("cnn"),
        "adagrad",
        8,
    ),
    T(
        "ft_mlp_adamw_b128",
        "finetune",
        "pretrained MLP body, warmed head, unfrozen, AdamW, b128",
        _finetune_data("mlp"),
        unfrozen_after_warmup("mlp"),
        "adamw",
        128,
        steps=240,
    ),
    # -- imbalanced classes ---------------------------------------------------------------------------
    T(
        "imb_synth95_adam",
        "imbalanced",
        "make_classification 95/5, MLP, Adam, b64",
        lambda: data.synthetic_classes(classes=2, weights=[0.95, 0.05], seed=4),
        _m(lambda: mlp([20, 32, 2])),
        "adam",
        64,
    ),
    T(
        "imb_synth99_sgdm_b256",
        "imbalanced",
        "make_classification 99/1 (4000), MLP, SGD momentum, b256",
        lambda: data.synthetic_classes(n=4000, classes=2, weights=[0.99, 0.01], seed=5),
        _m(lambda: mlp([20, 32, 2])),
        "sgd_momentum",
        256,
        steps=240,
    ),
    T(
        "imb_digit0_rmsprop",
        "imbalanced",
        "digit 0 against the rest (10%), MLP, RMSprop, b32",
        lambda: bd.one_vs_rest(data.digits(), 0),
        _m(lambda: mlp([64, 32, 2])),
        "rmsprop",
        32,
    ),
    T(
        "imb_multi_adagrad",
        "imbalanced",
        "4 classes weighted 70/20/7/3, MLP, Adagrad, b128",
        lambda: data.synthetic_classes(classes=4, weights=[0.7, 0.2, 0.07, 0.03], seed=6),
        _m(lambda: mlp([20, 64, 4])),
        "adagrad",
        128,
    ),
    T(
        "imb_cancer_adamw_b8",
        "imbalanced",
        "breast cancer, malignant cut to 15% of training, MLP, AdamW, b8",
        lambda: bd.subsample_class(data.breast_cancer(), 0, 0.15),
        _m(lambda: mlp([30, 16, 2])),
        "adamw",
        8,
    ),
)


def by_name(name: str) -> BroadTask:
    for task in BROAD_TASKS:
        if task.name == name:
            return task
    raise ValueError(f"task must be one of {[t.name for t in BROAD_TASKS]}, got {name!r}")
