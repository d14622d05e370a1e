"""Both corpora as one set of curves with families, sweep lengths and stop reasons (numpy only).

The original corpus (16 small scikit-learn tasks, sweeps of 100 points) is the family ``sklearn_small``;
the broad corpus adds seven families at sweeps of 50, 100, 300 and 1,000 points. Each curve keeps what a
suggester may be told about its sweep: the raw and smoothed losses, ``stop_reason`` and ``num_it``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.quality import evaluation as ev

ROOT = Path(__file__).resolve().parents[2]
ORIGINAL = ROOT / "benchmarks" / "data" / "quality_corpus.json"
BROAD = ROOT / "benchmarks" / "data" / "quality_corpus_broad.json"
ORIGINAL_FAMILY = "sklearn_small"


@dataclass(frozen=True)
class SweepCurve:
    """One range test: its task and family, the sweep's settings and outcome, and its losses."""

    task: str
    family: str
    seed: int
    num_it: int
    stop_reason: str
    lrs: np.ndarray
    raw: np.ndarray
    smoothed: np.ndarray
    holdout: bool

    def context(self) -> dict[str, Any]:
        """What ``RangeTestResult.suggest`` tells the suggesters about this sweep."""
        return {"raw": self.raw, "stop_reason": self.stop_reason, "num_it": self.num_it}


@dataclass(frozen=True)
class Families:
    curves: list[SweepCurve]
    truths: dict[str, ev.Truth]
    descriptions: dict[str, dict[str, Any]]

    @property
    def family_names(self) -> list[str]:
        return list(dict.fromkeys(c.family for c in self.curves))


def _floats(values: list[float | None]) -> np.ndarray:
    return np.array([math.nan if v is None else v for v in values], dtype=float)


def load(original: Path = ORIGINAL, broad: Path = BROAD, held_out: Sequence[str] = ()) -> Families:
    """Curves and per-task ground truth from both corpus files (the broad one may be missing)."""
    curves: list[SweepCurve] = []
    truths: dict[str, ev.Truth] = {}
    described: dict[str, dict[str, Any]] = {}
    for path, default_family in ((original, ORIGINAL_FAMILY), (broad, None)):
        if not Path(path).exists():
            continue
        data = json.loads(Path(path).read_text())
        default_num_it = data["settings"].get("range_test", {}).get("num_it", 100)
        for task in data["tasks"]:
            name, grid = task["name"], task["grid"]
            family = task.get("family", default_family)
            truths[name] = ev.ground_truth(grid["lrs"], grid["val_loss"], grid["init_val_loss"])
            described[name] = {k: v for k, v in task.items() if k not in ("curves", "grid", "slice_grid")}
            described[name]["family"] = family
            for c in task["curves"]:
                curves.append(
                    SweepCurve(
                        name,
                        family,
                        c["seed"],
                        int(c.get("num_it", default_num_it)),
                        c["stop_reason"],
                        _floats(c["lrs"]),
                        _floats(c["losses"]),
                        _floats(c["smoothed"]),
                        family in held_out,
                    )
                )
    if not curves:
        raise ValueError(f"no corpus found at {original} or {broad}")
    return Families(curves, truths, described)


Picker = Callable[[SweepCurve], float | None]


def score(
    families: Families, picker: Picker, curves: Sequence[SweepCurve] | None = None
) -> list[ev.PickScore]:
    """How ``picker``'s lr on each curve did against its task's ground truth."""
    return [ev.score_pick(families.truths[c.task], picker(c)) for c in (curves or families.curves)]


def lofo(
    families: Families,
    candidates: dict[str, Picker],
    choose: Callable[[Sequence[ev.PickScore]], Any] = ev.objective,
) -> ev.LotoResult:
    """Leave one family out: for each family, the candidate that ``choose`` ranks best on the OTHER
    families' curves is scored on that family's curves; the held-out picks are pooled."""
    scores = {name: score(families, p) for name, p in candidates.items()}
    return ev.leave_one_task_out(scores, [c.family for c in families.curves], choose)
