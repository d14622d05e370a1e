"""Score ``confirm=k`` on both corpora: auto alone against auto confirmed by short trials.

The trials come from ``benchmarks/data/trial_grid.json`` (``trial_build``): one real 100-step one-cycle
trial at every rate of the trial grid (1e-5 .. 10, 4 a decade), per task, from seed 0's initial
weights. A confirmation's candidates lie on that grid, so the trial the product would run at a
candidate is read, not modelled.
Only seed 0's sweeps are scored (the trials start from seed 0's weights), at every num_it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.quality import evaluation as ev
from benchmarks.quality.families import Families, SweepCurve
from lrwidget.core.suggest import from_sweep
from lrwidget.core.suggest._confirm import choose, confirm_center, grid_index, search

HEADER = "| rule | median regret | mean regret | within 5 % | catastrophic | no answer | extra training |"
ROOT = Path(__file__).resolve().parents[2]
TRIALS = ROOT / "benchmarks" / "data" / "trial_grid.json"


def load_trials(path: Path = TRIALS) -> dict[str, dict[int, dict[str, float]]]:
    """``{task: {grid index: {"val": score, "train": score}}}`` (inf: the trial diverged)."""
    data = json.loads(Path(path).read_text())
    out: dict[str, dict[int, dict[str, float]]] = {}
    for task in data["tasks"]:
        rows = {}
        for lr, v, t in zip(data["settings"]["grid_lrs"], task["val"], task["train"], strict=True):
            rows[grid_index(lr)] = {
                "val": math.inf if v is None else v,
                "train": math.inf if t is None else t,
            }
        out[task["name"]] = rows
    return out


#: Trials the report looked up, and how many of them lay outside the trial grid (scored as diverged).
LOOKUPS = {"trials": 0, "outside": 0}


def confirmed_pick(
    curve: SweepCurve, trials: dict[int, dict[str, float]], k: int, measure: str
) -> float | None:
    """What ``lr_find(..., confirm=k)`` would pick on ``curve``: the product's own search
    (``core.suggest._confirm.search``), each trial read from the grid."""

    def suggest(method: str) -> Any:
        return from_sweep(method, curve.lrs, curve.smoothed, **curve.context())

    def trial(lr: float) -> float:
        LOOKUPS["trials"] += 1
        row = trials.get(grid_index(lr))
        if row is None:
            LOOKUPS["outside"] += 1
            return math.inf
        return row[measure]

    ok = np.isfinite(curve.raw) & (curve.lrs > 0)
    if not ok.any():
        return None
    center, _ = confirm_center(suggest, curve.lrs[ok])
    tried = search(center, k, float(curve.lrs[ok].min()), float(curve.lrs[ok].max()), trial) or []
    return choose([lr for lr, _ in tried], [score for _, score in tried])


def _summary_row(name: str, scores: list[ev.PickScore], cost: str) -> str:
    s = ev.summarize(scores)
    n = s.n
    return (
        f"| {name} | {s.median_regret:.3f} | {s.mean_regret:.3f} | {s.within:.0%} | "
        f"{s.catastrophic}/{n} ({s.catastrophic / n:.0%}) | {s.failures}/{n} ({s.failures / n:.0%}) "
        f"| {cost} |"
    )


def _spread(curves: list[SweepCurve], picker: Callable[[SweepCurve], float | None]) -> list[float]:
    by_task: dict[str, list[float]] = {}
    for c in curves:
        lr = picker(c)
        if lr is not None:
            by_task.setdefault(c.task, []).append(math.log10(lr))
    return [max(v) - min(v) for v in by_task.values() if len(v) >= 2]


def _scores(
    families: Families, curves: list[SweepCurve], made: dict[int, float | None]
) -> list[ev.PickScore]:
    return [ev.score_pick(families.truths[c.task], made[id(c)]) for c in curves]


def report(families: Families, path: Path = TRIALS, ks: tuple[int, ...] = (3, 5)) -> str:
    trials = load_trials(path)
    curves = [c for c in families.curves if c.seed == 0 and c.task in trials]
    held = [c for c in curves if c.holdout]

    def auto(c: SweepCurve) -> float | None:
        return from_sweep("auto", c.lrs, c.smoothed, **c.context()).lr

    pickers: dict[str, tuple[Callable[[SweepCurve], float | None], str]] = {"auto": (auto, "none")}
    for k in ks:
        for measure in ("train", "val"):

            def pick(c: SweepCurve, k: int = k, measure: str = measure) -> float | None:
                return confirmed_pick(c, trials[c.task], k, measure)

            pickers[f"auto + confirm={k} ({measure} loss)"] = (pick, "")
    lines = [
        f"Confirmation (lr_find(..., confirm=k)): {len(curves)} sweeps of {len({c.task for c in curves})} "
        "tasks in both corpora (seed 0; num_it 50/100/300/1000 on the broad tasks, 100 on the original "
        "ones), each trial a real 100-step one-cycle training read from benchmarks/data/trial_grid.json.",
        "",
        HEADER,
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    picks: dict[str, dict[int, float | None]] = {}
    costs: dict[str, str] = {}
    for name, (picker, cost) in pickers.items():
        LOOKUPS.update(trials=0, outside=0)
        made = {id(c): picker(c) for c in curves}
        picks[name] = made
        if LOOKUPS["trials"]:
            cost = f"{LOOKUPS['trials'] / len(curves):.1f} trials x 100 steps"
        costs[name] = cost
        lines.append(_summary_row(name, _scores(families, curves, made), cost))
    lines += ["", f"Held-out families only ({', '.join(sorted({c.family for c in held}))}):", "",
              HEADER,
              "|---|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for name in pickers:
        made, cost = picks[name], costs[name]
        lines.append(_summary_row(name, _scores(families, held, made), cost))
    lines += ["", "num_it stability (one task, num_it 50 to 1000, seed 0): the pick's spread in decades", "",
              "| rule | median spread | tasks within 0.3 decade |", "|---|---:|---:|"]  # fmt: skip
    for name in pickers:
        made = picks[name]
        spreads = _spread(curves, lambda c, made=made: made[id(c)])
        within = sum(s <= 0.3 + 1e-9 for s in spreads)
        lines.append(f"| {name} | {np.median(spreads):.2f} | {within}/{len(spreads)} |")
    return "\n".join(lines)
