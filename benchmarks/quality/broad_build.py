"""Build the broad corpus: range tests at several sweep lengths and 1cycle ground truth, per task.

Per task: ``lr_find`` (1e-7 .. 10, stop_div, everything else the engine's defaults) at each ``num_it``
of ``SETTINGS`` from the initial weights of each curve seed; ``fit_one_cycle`` from the initial weights
of seeds 0 and 1 at every max lr of a log grid (3 per decade, 1e-5 .. 10: 19 rates), ~300 steps each.
Momentum cycling follows the optimizer (``Learner`` turns it off for plain SGD, RMSprop without
momentum and Adagrad). Tasks run in up to 2 worker processes, one thread each; each
task is cached on its own under ``build/quality_cache_broad`` so an interrupted build resumes.
"""

from __future__ import annotations

import hashlib
import json
import math
import multiprocessing
import time
from pathlib import Path
from typing import Any

import torch

from benchmarks.quality.broad_tasks import BROAD_TASKS, HELD_OUT_FAMILIES, BroadTask
from benchmarks.quality.cache import write_once
from benchmarks.quality.data import Batches
from lrwidget.engine.learner import Learner

FORMAT = "lrwidget.quality_corpus_broad"
VERSION = 1
SETTINGS: dict[str, Any] = {
    "range_test": {"start_lr": 1e-7, "end_lr": 10.0},
    "num_its": [50, 100, 300, 1000],
    "curve_seeds": [0, 1],
    "grid_lrs": [float(f"{10.0 ** (k / 3):.6g}") for k in range(-15, 4)],
    "grid_seeds": [0, 1],
}
ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "build" / "quality_cache_broad"
CORPUS = ROOT / "benchmarks" / "data" / "quality_corpus_broad.json"


def _r(x: float) -> float | None:
    return float(f"{x:.6g}") if math.isfinite(x) else None


def _learner(task: BroadTask, model: torch.nn.Module, split: Any, seed: int) -> Learner:
    train = Batches(split.x_train, split.y_train, task.batch_size, seed=seed)
    valid = [(split.x_valid, split.y_valid)]
    return Learner(model, task.make_optimizer(model), task.loss_fn(), train, valid)


def run_task(task: BroadTask) -> dict[str, Any]:
    """Everything the corpus holds about ``task``."""
    torch.set_num_threads(1)
    start = time.process_time()
    split = task.data()
    steps_per_epoch = len(Batches(split.x_train, split.y_train, task.batch_size, 0))
    epochs = max(1, round(task.steps / steps_per_epoch))
    curves = []
    for num_it in SETTINGS["num_its"]:
        for seed in SETTINGS["curve_seeds"]:
            torch.manual_seed(seed)
            learn = _learner(task, task.model(seed), split, seed)
            result = learn.lr_find(**SETTINGS["range_test"], num_it=num_it, progress=False)
            curves.append(
                {
                    "seed": seed,
                    "num_it": num_it,
                    "stop_reason": result.stop_reason,
                    "lrs": [_r(x) for x in result.lrs.tolist()],
                    "losses": [_r(x) for x in result.losses.tolist()],
                    "smoothed": [_r(x) for x in result.smoothed.tolist()],
                }
            )
    sweep_seconds = time.process_time() - start
    grid, seeds = SETTINGS["grid_lrs"], SETTINGS["grid_seeds"]
    init, runs = [], []
    for seed in seeds:
        init.append(_r(_learner(task, task.model(seed), split, seed).validate()["loss"]))
        row = []
        for lr in grid:
            torch.manual_seed(seed)
            learn = _learner(task, task.model(seed), split, seed)
            learn.fit_one_cycle(epochs, lr, progress=False)
            row.append(_r(learn.validate()["loss"]))
        runs.append(row)
    return {
        "name": task.name,
        "family": task.family,
        "holdout": task.family in HELD_OUT_FAMILIES,
        "description": task.description,
        "optimizer": task.optimizer,
        "batch_size": task.batch_size,
        "epochs": epochs,
        "steps_per_epoch": steps_per_epoch,
        "loss": task.loss,
        "n_train": len(split.y_train),
        "n_valid": len(split.y_valid),
        "curves": curves,
        "grid": {"lrs": grid, "seeds": seeds, "init_val_loss": init, "val_loss": runs},
        "cpu_seconds": {
            "sweeps": round(sweep_seconds, 1),
            "grid": round(time.process_time() - start - sweep_seconds, 1),
        },
    }


def cache_path(task: BroadTask) -> Path:
    key = json.dumps({"task": task.spec(), "settings": SETTINGS, "version": VERSION}, sort_keys=True)
    return CACHE / f"{task.name}-{hashlib.sha256(key.encode()).hexdigest()[:12]}.json"


def _build_one(name: str) -> str:
    from benchmarks.quality.broad_tasks import by_name

    task = by_name(name)
    write_once(cache_path(task), lambda: run_task(task))
    return name


def build(names: list[str] | None = None, out: Path = CORPUS, workers: int = 2, log: Any = print) -> Path:
    """Run (or read from the cache) every task in ``workers`` processes, then write the corpus."""
    CACHE.mkdir(parents=True, exist_ok=True)
    wanted = [t for t in BROAD_TASKS if names is None or t.name in names]
    todo = [t.name for t in wanted if not cache_path(t).exists()]
    log(
        f"{len(wanted) - len(todo)} of {len(wanted)} tasks cached; "
        f"building {len(todo)} in {workers} processes"
    )
    start = time.perf_counter()
    if todo:
        with multiprocessing.get_context("spawn").Pool(min(workers, len(todo))) as pool:
            for i, name in enumerate(pool.imap_unordered(_build_one, todo), 1):
                cpu = json.loads(cache_path(next(t for t in wanted if t.name == name)).read_text())[
                    "cpu_seconds"
                ]
                log(f"[{i}/{len(todo)}] {name}: {cpu} CPU s, {time.perf_counter() - start:.0f}s wall so far")
    records = [json.loads(cache_path(t).read_text()) for t in wanted]
    cpu_total = sum(r["cpu_seconds"]["sweeps"] + r["cpu_seconds"]["grid"] for r in records)
    log(f"total CPU time of the tasks: {cpu_total / 60:.1f} min")
    records = [{k: v for k, v in r.items() if k != "cpu_seconds"} for r in records]
    head = json.dumps({"format": FORMAT, "version": VERSION, "settings": SETTINGS}, separators=(",", ":"))
    body = ",\n".join(json.dumps(r, separators=(",", ":")) for r in records)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(head[:-1] + ',"tasks":[\n' + body + "\n]}\n")
    log(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB, {len(records)} tasks)")
    return out
