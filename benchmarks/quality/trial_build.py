"""Build the trial grid: a short one-cycle trial at every rate of a fixed grid, per task of both corpora.

``lr_find(..., confirm=k)`` trains ``k`` short trials at candidate rates that lie on
``lrwidget.core.suggest.TRIAL_GRID`` (4 per decade), so a trial at a grid rate is exactly the trial the
product runs there: from the same initial weights (seed 0) and the same batch order, through
``lrwidget.engine.confirm.run_trial``. Each trial is scored both ways the product can score it (the
validation loss at its end, the mean training loss of its last quarter). Resumable per task under
``build/trial_cache``; 2 processes, one torch thread each.
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

from benchmarks.quality import broad_build
from benchmarks.quality import build as original_build
from benchmarks.quality.broad_tasks import BROAD_TASKS, BroadTask
from benchmarks.quality.cache import write_once
from benchmarks.quality.tasks import TASKS, Task
from lrwidget.core.result import RangeTestResult
from lrwidget.core.schedules import one_cycle_rates
from lrwidget.core.suggest import TRIAL_GRID_PER_DECADE
from lrwidget.engine.confirm import TRIAL_STEPS, trial_score
from lrwidget.engine.entry import prepare_sweep

PER_DECADE = TRIAL_GRID_PER_DECADE
FORMAT = "lrwidget.trial_grid"
VERSION = 1
SETTINGS: dict[str, Any] = {
    "steps": TRIAL_STEPS,
    "seed": 0,
    "grid_lrs": [
        10.0 ** (k / TRIAL_GRID_PER_DECADE)
        for k in range(-5 * TRIAL_GRID_PER_DECADE, TRIAL_GRID_PER_DECADE + 1)
    ],
}
ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "build" / "trial_cache"
OUT = ROOT / "benchmarks" / "data" / "trial_grid.json"


def _r(x: float) -> float | None:
    return float(f"{x:.6g}") if math.isfinite(x) else None


AnyTask = BroadTask | Task


def _family(task: AnyTask) -> str:
    return getattr(task, "family", "sklearn_small")


def run_task(task: AnyTask) -> dict[str, Any]:
    """The trial at every grid rate for ``task``, from seed 0's initial weights."""
    torch.set_num_threads(1)
    start = time.process_time()
    split = task.data()
    seed, steps = SETTINGS["seed"], SETTINGS["steps"]
    torch.manual_seed(seed)
    make = broad_build._learner if isinstance(task, BroadTask) else original_build._learner
    learn = make(task, task.model(seed), split, seed)  # type: ignore[arg-type]
    prepared = prepare_sweep(learn, val_data=[(split.x_valid, split.y_valid)], progress=False)
    val, train, stops = [], [], []
    for lr in SETTINGS["grid_lrs"]:
        settings = prepared.settings.replace(num_it=steps, stop_div=True, progress=False, val_every=steps - 1)
        result = prepared.run(settings=settings, rates=one_cycle_rates(lr, steps).tolist())
        v, _ = trial_score(result, steps)
        train_only = RangeTestResult(result.lrs, result.losses, result.smoothed, result.stop_reason)
        t, _ = trial_score(train_only, steps)
        val.append(_r(v))
        train.append(_r(t))
        stops.append(result.stop_reason)
    return {"name": task.name, "family": _family(task), "val": val, "train": train, "stop_reasons": stops,
            "cpu_seconds": round(time.process_time() - start, 1)}  # fmt: skip


def cache_path(task: AnyTask) -> Path:
    if isinstance(task, BroadTask):
        spec = task.spec()
    else:
        spec = "|".join(map(str, (task.name, task.optimizer, task.batch_size, task.epochs, task.loss,
                                  task.frozen_body, task.description)))  # fmt: skip
    key = json.dumps({"task": spec, "settings": SETTINGS, "version": VERSION}, sort_keys=True)
    return CACHE / f"{task.name}-{hashlib.sha256(key.encode()).hexdigest()[:12]}.json"


def _by_name(name: str) -> AnyTask:
    return next(t for t in (*TASKS, *BROAD_TASKS) if t.name == name)


def _build_one(name: str) -> str:
    task = _by_name(name)
    write_once(cache_path(task), lambda: run_task(task))
    return name


def build(names: list[str] | None = None, out: Path = OUT, workers: int = 2, log: Any = print) -> Path:
    """Run (or read from the cache) every task's trial grid, then write ``out``."""
    CACHE.mkdir(parents=True, exist_ok=True)
    wanted = [t for t in (*TASKS, *BROAD_TASKS) if names is None or t.name in names]
    todo = [t.name for t in wanted if not cache_path(t).exists()]
    log(f"{len(wanted) - len(todo)} of {len(wanted)} trial grids cached; building {len(todo)}")
    start = time.perf_counter()
    if todo:
        with multiprocessing.get_context("spawn").Pool(min(workers, len(todo))) as pool:
            for i, name in enumerate(pool.imap_unordered(_build_one, todo), 1):
                log(f"[{i}/{len(todo)}] {name}, {time.perf_counter() - start:.0f}s wall so far")
    records = [json.loads(cache_path(t).read_text()) for t in wanted]
    log(f"total CPU time of the trials: {sum(r['cpu_seconds'] for r in records) / 60:.1f} min")
    records = [{k: v for k, v in r.items() if k != "cpu_seconds"} for r in records]
    out.write_text(json.dumps({"format": FORMAT, "version": VERSION, "settings": SETTINGS, "tasks": records},
                              separators=(",", ":")))  # fmt: skip
    log(f"wrote {out} ({out.stat().st_size / 1e3:.0f} kB, {len(records)} tasks)")
    return out
