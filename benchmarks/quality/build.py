"""Build the quality corpus: range-test curves and 1cycle ground truth for every task (torch, CPU).

Per task: ``lr_find`` with the engine's defaults (1e-7 .. 10, 100 steps) from the initial weights of
each curve seed; then ``fit_one_cycle`` from the initial weights of each grid seed at every max lr of a
log grid (4 per decade, 1e-5 .. 10), scored by the final validation loss. Transfer tasks with an unfrozen
body also train with discriminative rates ``slice(hi / ratio, hi)`` over the same grid of ``hi``, so
``lr_slice`` can be scored without training. Each task is cached on its own (``build/quality_cache``),
so an interrupted build resumes where it stopped; the cache key is the task's spec and these settings.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from benchmarks.quality.data import Batches
from benchmarks.quality.tasks import TASKS, Task
from lrwidget.engine.learner import Learner

FORMAT = "lrwidget.quality_corpus"
VERSION = 2
SETTINGS: dict[str, Any] = {
    "range_test": {"start_lr": 1e-7, "end_lr": 10.0, "num_it": 100},  # lr_find's defaults, stated
    "curve_seeds": [0, 1, 2, 3, 4],
    "grid_lrs": [float(f"{10.0**e:.6g}") for e in np.arange(-5.0, 1.0001, 0.25)],
    "grid_seeds": [0, 1],
    "slice_ratios": [10.0, 100.0],
    "slice_seeds": [0, 1],
}
ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "build" / "quality_cache"
CORPUS = ROOT / "benchmarks" / "data" / "quality_corpus.json"


def _r(x: float) -> float | None:
    """Seven significant digits (the file stays small); None for a non-finite value."""
    return float(f"{x:.7g}") if math.isfinite(x) else None


def _learner(task: Task, model: torch.nn.Module, split: Any, seed: int) -> Learner:
    train = Batches(split.x_train, split.y_train, task.batch_size, seed=seed)
    valid = [(split.x_valid, split.y_valid)]
    return Learner(model, task.make_optimizer(model), task.loss_fn(), train, valid)


def range_curves(task: Task, split: Any) -> list[dict[str, Any]]:
    """One ``lr_find`` per curve seed, from that seed's initial weights."""
    curves = []
    for seed in SETTINGS["curve_seeds"]:
        torch.manual_seed(seed)
        learn = _learner(task, task.model(seed), split, seed)
        result = learn.lr_find(**SETTINGS["range_test"], progress=False)
        curves.append(
            {
                "seed": seed,
                "stop_reason": result.stop_reason,
                "lrs": [_r(x) for x in result.lrs.tolist()],
                "losses": [_r(x) for x in result.losses.tolist()],
                "smoothed": [_r(x) for x in result.smoothed.tolist()],
            }
        )
    return curves


def one_cycle(task: Task, split: Any, seed: int, lr: float | slice) -> float | None:
    """Final validation loss of ``fit_one_cycle`` at ``lr`` from seed ``seed``'s initial weights."""
    torch.manual_seed(seed)
    learn = _learner(task, task.model(seed), split, seed)
    learn.fit_one_cycle(task.epochs, lr, progress=False)
    return _r(learn.validate()["loss"])


def initial_loss(task: Task, split: Any, seed: int) -> float | None:
    """Validation loss before any training (what a run that learned nothing scores)."""
    return _r(_learner(task, task.model(seed), split, seed).validate()["loss"])


def has_slice(task: Task) -> bool:
    """Transfer tasks whose body is trained too: where discriminative rates can matter."""
    probe = task.model(0)
    return hasattr(probe, "body") and not task.frozen_body


def run_task(task: Task, log: Any = print) -> dict[str, Any]:
    """Everything the corpus holds about ``task``."""
    start = time.perf_counter()
    split = task.data()
    grid = SETTINGS["grid_lrs"]
    record: dict[str, Any] = {
        "name": task.name,
        "description": task.description,
        "holdout": task.holdout,
        "optimizer": task.optimizer,
        "batch_size": task.batch_size,
        "epochs": task.epochs,
        "steps_per_epoch": len(Batches(split.x_train, split.y_train, task.batch_size, 0)),
        "loss": task.loss,
        "n_train": len(split.y_train),
        "n_valid": len(split.y_valid),
    }
    record["curves"] = range_curves(task, split)
    log(f"  {task.name}: {len(record['curves'])} range tests, {time.perf_counter() - start:.1f}s")
    seeds = SETTINGS["grid_seeds"]
    record["grid"] = {
        "lrs": grid,
        "seeds": seeds,
        "init_val_loss": [initial_loss(task, split, s) for s in seeds],
        "val_loss": [[one_cycle(task, split, s, lr) for lr in grid] for s in seeds],
    }
    log(f"  {task.name}: grid done, {time.perf_counter() - start:.1f}s")
    if has_slice(task):
        ratios, slice_seeds = SETTINGS["slice_ratios"], SETTINGS["slice_seeds"]
        record["slice_grid"] = {
            "ratios": ratios,
            "seeds": slice_seeds,
            "val_loss": [
                [[one_cycle(task, split, s, slice(hi / ratio, hi)) for hi in grid] for s in slice_seeds]
                for ratio in ratios
            ],
        }
        log(f"  {task.name}: slice grid done, {time.perf_counter() - start:.1f}s")
    record["build_seconds"] = round(time.perf_counter() - start, 1)
    return record


def cache_path(task: Task) -> Path:
    key = json.dumps({"task": task.spec(), "settings": SETTINGS, "version": VERSION}, sort_keys=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return CACHE / f"{task.name}-{digest}.json"


def build(names: list[str] | None = None, out: Path = CORPUS, log: Any = print) -> Path:
    """Run (or read from the cache) every task, then write the corpus; returns its path."""
    torch.set_num_threads(1)
    CACHE.mkdir(parents=True, exist_ok=True)
    wanted = [t for t in TASKS if names is None or t.name in names]
    records = []
    for i, task in enumerate(wanted, 1):
        path = cache_path(task)
        if path.exists():
            log(f"[{i}/{len(wanted)}] {task.name}: cached")
            records.append(json.loads(path.read_text()))
            continue
        log(f"[{i}/{len(wanted)}] {task.name}: building")
        record = run_task(task, log)
        log(f"  {task.name}: {record['build_seconds']}s")
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(record))
        tmp.replace(path)
        records.append(record)
    # build_seconds stays in the cache only: the corpus file must not change between identical builds
    records = [{k: v for k, v in r.items() if k != "build_seconds"} for r in records]
    corpus = {"format": FORMAT, "version": VERSION, "settings": SETTINGS, "tasks": records}
    out.parent.mkdir(parents=True, exist_ok=True)
    # one task per line: small diffs when a task changes, and still a compact file
    body = ",\n".join(json.dumps(r, separators=(",", ":")) for r in records)
    head = json.dumps({k: v for k, v in corpus.items() if k != "tasks"}, separators=(",", ":"))
    out.write_text(head[:-1] + ',"tasks":[\n' + body + "\n]}\n")
    log(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB, {len(records)} tasks)")
    return out
