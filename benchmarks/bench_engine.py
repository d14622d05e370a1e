"""Engine benchmarks: lr_find's overhead over a bare loop, and torch-lr-finder side by side.

Run: ``python benchmarks/bench_engine.py`` (``--quick`` for fewer repeats). Prints tables of figures.

1. Overhead. ``lr_find`` (snapshot, sweep, restore, all included) against a bare loop doing the same
   forward, backward and step with the same lr ladder on the same batches (a fixed list, so data loading
   cannot blur it). Repeats are interleaved (ABBA) in one process; the figure is the median of the
   per-pair wall-time ratios (process CPU-time ratio alongside: on a shared machine it is less noisy).
   Small MLP and small CNN on the digits, one torch thread.
2. torch-lr-finder (``pip install torch-lr-finder --no-deps``; not a project dependency): ``LRFinder``
   construction + ``range_test`` + ``reset()`` against ``lr_find`` on the same DataLoader and steps, and
   which pieces of state each leaves bitwise as it found them.
3. Adapters. The same ratio, CPU time first, for each source: a plain model, a Lightning
   ``LightningModule`` (the bare loop calls ``training_step``) and a transformers ``Trainer`` (tiny BERT
   from a config; the bare loop calls ``compute_loss`` and clips as ``max_grad_norm`` says, as the
   sweep does). The bare loop does what a user's loop does: lr set, ``zero_grad``, forward, backward,
   step, ``loss.item()``. Every run of either starts from the same weights, optimizer state and torch
   RNG (dropout masks), and the table checks that both record the same losses bit for bit. Median and
   IQR over ``--pairs`` interleaved (ABBA) pairs, and the ratio of each loop's least disturbed run
   (min CPU time, as ``timeit`` reports: on a shared machine the per-pair spread is wider than 3 %).
   Skipped for a library that is not installed (both are test extras).
4. Validation. The cost of ``val_data`` per evaluated step (``val_every=1``), in ms and in training
   steps, for 1 and 4 validation batches.
Memory (peak RSS of lr_find over the bare loop) is ``benchmarks/bench_memory.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import itertools
import random
import statistics
import time
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lrwidget.engine.entry import lr_find, prepare_sweep
from lrwidget.engine.settings import SweepSettings
from lrwidget.examples.digits import digits_loaders, small_cnn, small_mlp

NUM_IT = 100
START_LR, END_LR = 1e-6, 1.0  # a range where Adam stays finite on the digits: every run does NUM_IT steps
SWEEP = {"start_lr": START_LR, "end_lr": END_LR, "num_it": NUM_IT, "stop_div": False}


def _fixed_batches(batch_size: int = 64, n: int = 20) -> list[tuple[torch.Tensor, torch.Tensor]]:
    loader, _ = digits_loaders(batch_size=batch_size, seed=0)
    return list(itertools.islice(iter(loader), n))


def _bare_loop(model: nn.Module, opt: torch.optim.Optimizer, batches: list, lrs: list[float]) -> None:
    model.train()
    data = itertools.cycle(batches)
    for lr in lrs:
        for g in opt.param_groups:
            g["lr"] = lr
        opt.zero_grad(set_to_none=True)
        x, y = next(data)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        loss.item()  # a real loop reads its loss (lr_find does, once per step)


def _setup(build) -> tuple[nn.Module, torch.optim.Optimizer, dict, dict]:
    torch.manual_seed(0)
    model = build(seed=0)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return model, opt, copy.deepcopy(model.state_dict()), copy.deepcopy(opt.state_dict())


def overhead(build, name: str, repeats: int) -> dict[str, Any]:
    """Median over interleaved pairs of (lr_find time / bare loop time), progress off and on."""
    batches = _fixed_batches()
    model, opt, model0, opt0 = _setup(build)
    result = lr_find(model, opt, F.cross_entropy, batches, progress=False, **SWEEP)
    lrs = result.lrs.tolist()  # the same ladder and step count for the bare loop

    def timed(fn) -> tuple[float, float]:
        model.load_state_dict(model0)  # untimed reset: the bare loop has no restore of its own
        opt.load_state_dict(opt0)
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        return time.perf_counter() - wall, time.process_time() - cpu

    def bare() -> None:
        _bare_loop(model, opt, batches, lrs)

    def ours(progress: bool = False) -> None:
        with contextlib.redirect_stderr(io.StringIO()):
            lr_find(model, opt, F.cross_entropy, batches, progress=progress, **SWEEP)

    for _ in range(2):  # warm-up
        timed(bare), timed(ours)
    wall, cpu, wall_bar, bare_times = [], [], [], []
    for i in range(repeats):
        if i % 2:
            o, b = timed(ours), timed(bare)
        else:
            b, o = timed(bare), timed(ours)
        with_bar = timed(lambda: ours(True))
        wall.append(o[0] / b[0])
        cpu.append(o[1] / b[1])
        wall_bar.append(with_bar[0] / b[0])
        bare_times.append(b[0])
    return {
        "model": name,
        "steps": len(lrs),
        "bare_ms_per_step": 1e3 * statistics.median(bare_times) / len(lrs),
        "ratio": statistics.median(wall),
        "ratio_iqr": (float(np.percentile(wall, 25)), float(np.percentile(wall, 75))),
        "ratio_cpu": statistics.median(cpu),
        "ratio_progress": statistics.median(wall_bar),
    }


# -- torch-lr-finder -------------------------------------------------------------------------------
def _state(model: nn.Module, opt: torch.optim.Optimizer, loader) -> dict[str, Any]:
    return {
        "weights+buffers": {k: v.clone() for k, v in model.state_dict().items()},
        "optimizer state": copy.deepcopy(opt.state_dict()),
        "state tensors (same objects)": [id(v) for s in opt.state.values() for v in s.values()],
        "grads": [None if p.grad is None else p.grad.clone() for p in model.parameters()],
        "train/eval modes": [m.training for m in model.modules()],
        "RNG (python, numpy, torch, loader)": (
            random.getstate(),
            np.random.get_state(),
            torch.get_rng_state(),
            loader.generator.get_state(),
        ),
    }


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, torch.Tensor):
        return (
            isinstance(b, torch.Tensor)
            and a.dtype == b.dtype
            and a.shape == b.shape
            and bool(torch.equal(a.reshape(-1).view(torch.uint8), b.reshape(-1).view(torch.uint8)))
        )
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _prepared(build):
    """A model mid-training: Adam state from 5 steps, grads left from the last step, eval mode."""
    model, opt, _, _ = _setup(build)
    loader = digits_loaders(batch_size=64, seed=0)[0]
    for x, y in itertools.islice(iter(loader), 5):
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    model.eval()
    return model, opt, loader


def versus_torch_lr_finder(build, name: str, repeats: int) -> dict[str, Any] | None:
    try:
        from torch_lr_finder import LRFinder
    except ImportError:
        return None
    crit = nn.CrossEntropyLoss()
    steps: dict[str, int] = {}
    kept: dict[str, dict[str, bool]] = {}

    def clocked(fn) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        return time.perf_counter() - wall, time.process_time() - cpu

    def ours(progress: bool = False) -> tuple[float, float]:
        model, opt, loader = _prepared(build)
        before = _state(model, opt, loader)

        def run() -> None:
            steps["ours"] = len(lr_find(model, opt, crit, loader, progress=progress, **SWEEP))

        with contextlib.redirect_stderr(io.StringIO()):
            times = clocked(run)
        kept["lrwidget"] = {k: _same(before[k], v) for k, v in _state(model, opt, loader).items()}
        return times

    def theirs() -> tuple[float, float]:
        model, opt, loader = _prepared(build)
        before = _state(model, opt, loader)

        def run() -> None:
            finder = LRFinder(model, opt, crit, device="cpu")
            finder.range_test(loader, start_lr=START_LR, end_lr=END_LR, num_iter=NUM_IT, diverge_th=1e30)
            finder.reset()
            steps["theirs"] = len(finder.history["lr"])

        sink = io.StringIO()
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            times = clocked(run)
        kept["torch-lr-finder"] = {k: _same(before[k], v) for k, v in _state(model, opt, loader).items()}
        return times

    ours(), theirs()  # warm-up
    pairs = []
    for i in range(repeats):
        if i % 2 == 0:
            o, t = ours(), theirs()
        else:
            t, o = theirs(), ours()
        pairs.append((o, t, ours(progress=True)))  # theirs always draws a tqdm bar
    med = lambda xs: statistics.median(xs)  # noqa: E731
    return {
        "model": name,
        "steps": steps,
        "ratio": med([o[0] / t[0] for o, t, _ in pairs]),
        "ratio_cpu": med([o[1] / t[1] for o, t, _ in pairs]),
        "ratio_bar": med([b[0] / t[0] for _, t, b in pairs]),
        "kept": kept,
    }


# -- adapters and validation ---------------------------------------------------------------------
def _pairs(
    bare, ours, repeats: int, reset=None, reset_ours=None
) -> tuple[list[float], list[float], float, float]:
    """CPU-time and wall-time ratios ours/bare, one per interleaved (ABBA) pair, the median bare CPU
    seconds, and min(ours CPU) / min(bare CPU) (each loop's least disturbed run, as ``timeit`` takes).
    ``reset()`` runs untimed before each bare run (the bare loop has no restore of its own),
    ``reset_ours()`` before each of ours."""

    def clocked(fn, before=None) -> tuple[float, float]:
        if before is not None:
            before()
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        return time.perf_counter() - wall, time.process_time() - cpu

    clocked(bare, reset), clocked(ours, reset_ours)  # warm-up
    cpu, wall, base, ours_cpu = [], [], [], []
    for i in range(repeats):
        if i % 2:
            o, b = clocked(ours, reset_ours), clocked(bare, reset)
        else:
            b, o = clocked(bare, reset), clocked(ours, reset_ours)
        cpu.append(o[1] / b[1])
        wall.append(o[0] / b[0])
        base.append(b[1])
        ours_cpu.append(o[1])
    return cpu, wall, statistics.median(base), min(ours_cpu) / min(base)


def _spread(ratios: list[float]) -> str:
    """'median (IQR lo..hi)' of per-pair ratios."""
    lo, hi = np.percentile(ratios, [25, 75])
    return f"{statistics.median(ratios):.3f} ({lo:.3f}..{hi:.3f})"


def _plain_case():
    batches = _fixed_batches()
    model, opt, _, _ = _setup(small_mlp)

    def step(m, batch):
        return F.cross_entropy(m(batch[0]), batch[1])

    return (
        model,
        opt,
        step,
        batches,
        lambda: lr_find(model, opt, F.cross_entropy, batches, progress=False, **SWEEP),
    )


def _lightning_case():
    try:
        import lightning.pytorch as pl
    except ImportError:
        return None

    class Module(pl.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.net = small_mlp(seed=0)

        def training_step(self, batch, batch_idx):
            return F.cross_entropy(self.net(batch[0]), batch[1])

        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), lr=1e-3)

    module = Module()
    batches = _fixed_batches()
    sweep = prepare_sweep(module, train_dataloaders=batches, progress=False, **SWEEP)
    opt = sweep.optimizer
    return module, opt, lambda m, b: module.training_step(b, 0), batches, sweep.run


def _transformers_case():
    try:
        import transformers
    except ImportError:
        return None
    import tempfile

    config = transformers.BertConfig(
        vocab_size=40,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=16,
        num_labels=2,
    )
    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification(config)
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(4, 40, (640, 12), generator=g)
    rows = [
        {"input_ids": ids[i], "attention_mask": torch.ones(12, dtype=torch.long), "labels": ids[i, 0] % 2}
        for i in range(len(ids))
    ]
    args = transformers.TrainingArguments(
        output_dir=tempfile.mkdtemp(prefix="lrwidget-bench-"),
        per_device_train_batch_size=32,
        report_to=[],
        use_cpu=True,
        disable_tqdm=True,
        save_strategy="no",
        seed=0,
    )
    trainer = transformers.Trainer(model=model, args=args, train_dataset=rows)
    sweep = prepare_sweep(trainer, progress=False, **SWEEP)
    loader = list(trainer.get_train_dataloader())  # the same fixed batches for both loops
    sweep.parts.data = loader

    def step(m, batch):
        return trainer.compute_loss(m, batch)

    return model, sweep.optimizer, step, loader, sweep.run, sweep.settings.before_step


def _bare_loop_with(model, opt, step, batches, lrs, before_step=None) -> list[float]:
    model.train()
    data = itertools.cycle(batches)
    losses = []
    for lr in lrs:
        for g in opt.param_groups:
            g["lr"] = lr
        opt.zero_grad(set_to_none=True)
        loss = step(model, next(data))
        loss.backward()
        if before_step is not None:
            before_step(model, opt)
        opt.step()
        losses.append(loss.item())  # a real loop reads its loss (lr_find does, once per step)
    return losses


def adapters(repeats: int) -> list[list[str]]:
    """One row per source: lr_find / bare loop, CPU time and wall time, side by side in one run."""
    rows = []
    cases = [("plain", _plain_case), ("Lightning", _lightning_case), ("transformers", _transformers_case)]
    for name, build in cases:
        case = build()
        if case is None:
            rows.append([name, "-", "-", "-", "-", "-", "-", "not installed"])
            continue
        cpu, wall, base, least, same = _adapter_ratio(case, repeats)
        note = "same losses, bit for bit" if same else "LOSSES DIFFER: not the same work"
        rows.append(
            [
                name,
                NUM_IT,
                len(cpu),
                f"{1e3 * base / NUM_IT:.3f}",
                _spread(cpu),
                f"{least:.3f}",
                _spread(wall),
                note,
            ]
        )
    return rows


def _adapter_ratio(case: tuple, repeats: int) -> tuple[list[float], list[float], float, float, bool]:
    """Ratios as ``_pairs`` gives them, and whether both loops recorded the very same losses.

    Both start every run from the same weights, optimizer state AND torch RNG state (dropout masks):
    otherwise lr_find would start from where the previous bare run ended (it restores what it found) and
    the two loops would follow different trajectories, with different data-dependent kernel costs."""
    model, opt, step, batches, ours, *hook = case
    clip = hook[0] if hook else None
    lrs = list(SweepSettings.from_kwargs(**SWEEP).ladder)
    model0, opt0 = copy.deepcopy(model.state_dict()), copy.deepcopy(opt.state_dict())
    rng0 = torch.get_rng_state()

    def reset() -> None:
        model.load_state_dict(model0)
        opt.load_state_dict(opt0)
        torch.set_rng_state(rng0)

    def bare() -> list[float]:
        return _bare_loop_with(model, opt, step, batches, lrs, clip)

    reset()
    bare_losses = bare()
    reset()
    same = bare_losses == ours().losses.tolist()
    # ours is reset too: lr_find puts back what it found, which after a bare run is the bare run's end
    return (*_pairs(bare, ours, repeats, reset, reset), same)


def validation_cost(repeats: int) -> list[list[str]]:
    """ms per evaluated step of val_data (val_every=1), and that in training steps."""
    batches = _fixed_batches()
    val = _fixed_batches(n=8)
    model, opt, _, _ = _setup(small_mlp)

    def run(**kw):
        return lambda: lr_find(model, opt, F.cross_entropy, batches, progress=False, **SWEEP, **kw)

    rows = []
    for n_val in (1, 4):
        cpu_ratios, _, base, _ = _pairs(run(), run(val_data=val, val_every=1, val_batches=n_val), repeats)
        cpu = statistics.median(cpu_ratios)
        per_step = base / NUM_IT
        extra = (cpu - 1.0) * per_step
        rows.append([n_val, f"{1e3 * per_step:.3f}", f"{1e3 * extra:.3f}", f"{extra / per_step:.2f}"])
    return rows


def _table(title: str, header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()  # noqa: E731
    return "\n".join([title, line(header), "-" * len(line(header)), *map(line, rows), ""])


def _adapter_tables(repeats: int, pairs: int) -> None:
    print(
        _table(
            "3. Each adapter: lr_find / bare loop doing the same steps (zero_grad, forward, backward, "
            "step, lr set, loss.item()); median (IQR) of interleaved pairs; target <= 1.03",
            [
                "source",
                "steps",
                "pairs",
                "bare ms/step (CPU)",
                "CPU-time ratio",
                "ratio of min CPU",
                "wall ratio",
                "check",
            ],
            adapters(pairs),
        )
    )
    print(
        _table(
            "4. val_data cost per evaluated step (val_every=1; small MLP, batches of 64)",
            ["val_batches", "train ms/step (CPU)", "extra ms per evaluated step", "in training steps"],
            validation_cost(max(5, repeats // 2)),
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument(
        "--adapters-only", action="store_true", help="only tables 3 and 4 (sources, val_data)"
    )
    parser.add_argument(
        "--pairs",
        type=int,
        default=None,
        help="interleaved pairs per adapter in table 3 (default 41; 15 with --quick)",
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    repeats = 7 if args.quick else 21
    pairs = args.pairs or (15 if args.quick else 41)
    print(f"torch {torch.__version__}, 1 thread, {NUM_IT} steps, lr {START_LR:g}..{END_LR:g}, Adam\n")

    if args.adapters_only:
        _adapter_tables(repeats, pairs)
        return
    models = [(small_mlp, "small MLP"), (small_cnn, "small CNN")]
    rows = []
    for build, name in models:
        o = overhead(build, name, repeats)
        iqr = f"{o['ratio_iqr'][0]:.3f}..{o['ratio_iqr'][1]:.3f}"
        rows.append(
            [
                name,
                o["steps"],
                f"{o['bare_ms_per_step']:.3f}",
                f"{o['ratio']:.3f}",
                iqr,
                f"{o['ratio_cpu']:.3f}",
                f"{o['ratio_progress']:.3f}",
            ]
        )
    print(
        _table(
            "1. Overhead: lr_find time / bare loop time (median of interleaved pairs; target <= 1.03)",
            [
                "model",
                "steps",
                "bare ms/step",
                "wall ratio",
                "wall IQR",
                "CPU-time ratio",
                "wall ratio w/ tqdm",
            ],
            rows,
        )
    )

    rows, kept_rows = [], []
    for build, name in models:
        v = versus_torch_lr_finder(build, name, max(3, repeats // 3))
        if v is None:
            print("2. torch-lr-finder is not installed (pip install torch-lr-finder --no-deps): skipped\n")
            break
        steps = f"{v['steps']['ours']}/{v['steps']['theirs']}"
        rows.append([name, steps, f"{v['ratio']:.3f}", f"{v['ratio_cpu']:.3f}", f"{v['ratio_bar']:.3f}"])
        if not kept_rows:
            kept_rows = [
                [
                    k,
                    "yes" if v["kept"]["lrwidget"][k] else "NO",
                    "yes" if v["kept"]["torch-lr-finder"][k] else "NO",
                ]
                for k in v["kept"]["lrwidget"]
            ]
    if rows:
        print(
            _table(
                "2a. vs torch-lr-finder: lr_find time / (LRFinder + range_test + reset) time",
                [
                    "model",
                    "steps ours/theirs",
                    "wall ratio",
                    "CPU-time ratio",
                    "wall ratio (ours with tqdm too)",
                ],
                rows,
            )
        )
        print(
            _table(
                "2b. State bitwise as before the test (theirs after reset())",
                ["state", "lrwidget", "torch-lr-finder"],
                kept_rows,
            )
        )

    _adapter_tables(repeats, pairs)


if __name__ == "__main__":
    main()
