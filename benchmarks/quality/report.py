"""Score every suggester on the corpus and format the table (numpy and lrwidget.core only: no torch)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.quality import evaluation as ev
from benchmarks.quality.baselines import fastai_slide, steepest_gradient
from lrwidget.core.suggest import auto, lr_slice, minimum, slide_rule, slide_rule_scaled, steepest, valley
from lrwidget.core.suggestion import Suggestion

Picker = Callable[[np.ndarray, np.ndarray], Suggestion | float]


def fastai_trim(lrs: np.ndarray, losses: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The points fastai's ``lr_find`` hands its suggesters: without the first ``num_it // 10`` (100 steps
    here) and the last 5."""
    return lrs[10:-5], losses[10:-5]


def constant(lr: float) -> Picker:
    """The same rate whatever the curve (a baseline to beat)."""
    return lambda lrs, losses: lr


ROSTER: dict[str, Picker] = {
    "slide_rule (seed)": slide_rule,
    "slide_rule_scaled": slide_rule_scaled,
    "fastai_slide (0.005)": fastai_slide,
    "valley": valley,
    "valley after fastai's lr_find trim": lambda lrs, losses: valley(*fastai_trim(lrs, losses)),
    "steepest (log slope)": steepest,
    "steepest_gradient": steepest_gradient,
    "minimum / 10": minimum,
    "constant 1e-3": constant(1e-3),
    "constant 1e-2": constant(1e-2),
    "auto": auto,
    "auto at its design-phase factors (0.75, 4)": lambda lrs, losses: auto(
        lrs, losses, level=0.75, backoff=4.0
    ),
}


@dataclass(frozen=True)
class Curve:
    """One range-test curve of the corpus, as the suggesters see it (smoothed losses)."""

    task: str
    seed: int
    holdout: bool
    lrs: np.ndarray
    smoothed: np.ndarray
    raw: np.ndarray | None = None  # the raw losses, for re-smoothing studies


@dataclass(frozen=True)
class Corpus:
    """Curves and ground truth per task, read from the corpus file."""

    curves: list[Curve]
    truths: dict[str, ev.Truth]
    slices: dict[str, ev.SliceTruth]
    tasks: list[dict[str, Any]]


def _floats(values: list[float | None]) -> np.ndarray:
    return np.array([math.nan if v is None else v for v in values], dtype=float)


def load(path: Path) -> Corpus:
    """Read the corpus JSON into curves and ground truths."""
    data = json.loads(Path(path).read_text())
    if data.get("format") != "lrwidget.quality_corpus":
        raise ValueError(f"{path} is not a quality corpus (format {data.get('format')!r})")
    curves, truths, slices = [], {}, {}
    for task in data["tasks"]:
        name = task["name"]
        grid = task["grid"]
        truths[name] = ev.ground_truth(grid["lrs"], grid["val_loss"], grid["init_val_loss"])
        if "slice_grid" in task:
            sg = task["slice_grid"]
            init = grid["init_val_loss"][: len(sg["seeds"])]
            rows = [ev.ground_truth(grid["lrs"], runs, init) for runs in sg["val_loss"]]
            slices[name] = ev.slice_truth(truths[name], sg["ratios"], rows)
        for c in task["curves"]:
            curves.append(
                Curve(
                    name,
                    c["seed"],
                    task["holdout"],
                    _floats(c["lrs"]),
                    _floats(c["smoothed"]),
                    _floats(c["losses"]),
                )
            )
    return Corpus(curves, truths, slices, data["tasks"])


def pick(picker: Picker, curve: Curve) -> float | None:
    """The picker's lr on ``curve`` (None when it gives none)."""
    out = picker(curve.lrs, curve.smoothed)
    return out.lr if isinstance(out, Suggestion) else float(out)


def score_all(corpus: Corpus, roster: dict[str, Picker]) -> dict[str, list[ev.PickScore]]:
    """``scores[name][i]``: how ``roster[name]``'s pick on curve ``i`` did."""
    return {
        name: [ev.score_pick(corpus.truths[c.task], pick(p, c)) for c in corpus.curves]
        for name, p in roster.items()
    }


def _fmt(x: float, pct: bool = False) -> str:
    if not math.isfinite(x):
        return "-"
    return f"{100 * x:.0f}%" if pct else f"{x:.3f}"


def table(rows: dict[str, ev.Summary], held: dict[str, ev.Summary] | None = None) -> str:
    """A markdown table, one row per suggester."""
    head = "| suggester | median regret | mean regret | within 5% | catastrophic | failures |"
    rule = "|---|---:|---:|---:|---:|---:|"
    if held is not None:
        head += " held-out median | held-out mean |"
        rule += "---:|---:|"
    lines = [head, rule]
    for name, s in rows.items():
        line = (
            f"| {name} | {_fmt(s.median_regret)} | {_fmt(s.mean_regret)} | {_fmt(s.within, True)} | "
            f"{s.catastrophic}/{s.n} | {s.failures}/{s.n} |"
        )
        if held is not None:
            line += f" {_fmt(held[name].median_regret)} | {_fmt(held[name].mean_regret)} |"
        lines.append(line)
    return "\n".join(lines)


def _subset(scores: list[ev.PickScore], keep: list[bool]) -> list[ev.PickScore]:
    return [s for s, k in zip(scores, keep, strict=True) if k]


def main_table(corpus: Corpus) -> str:
    """Every suggester on every curve, with the held-out tasks' figures alongside."""
    scores = score_all(corpus, ROSTER)
    held_mask = [c.holdout for c in corpus.curves]
    summaries = {name: ev.summarize(s) for name, s in scores.items()}
    held = {name: ev.summarize(_subset(s, held_mask)) for name, s in scores.items()}
    n_held = len({c.task for c in corpus.curves if c.holdout})
    return "\n".join(
        [
            f"Suggestion quality: {len(corpus.curves)} range-test curves (lr_find defaults) over "
            f"{len(corpus.truths)} tasks, {n_held} of them held out while auto was designed.",
            "regret = val_loss(pick) / best - 1 after 1cycle training, interpolated in log lr on the grid; "
            "regrets cover the picks made, failures are counted apart.",
            "",
            table(summaries, held),
        ]
    )


LEVELS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85)
BACKOFFS = (2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0)


def auto_family() -> dict[str, Picker]:
    """auto's two factors over a grid: what leave-one-task-out chooses from."""

    def make(level: float, backoff: float) -> Picker:
        return lambda lrs, losses: auto(lrs, losses, level=level, backoff=backoff)

    return {f"level={lv:g}, backoff={b:g}": make(lv, b) for lv in LEVELS for b in BACKOFFS}


def loto_section(corpus: Corpus) -> str:
    """auto refitted without each task (its factors chosen on the other tasks), scored on that task."""
    family = score_all(corpus, auto_family())
    tasks = [c.task for c in corpus.curves]
    result = ev.leave_one_task_out(family, tasks)
    full = min(family, key=lambda k: ev.objective(family[k]))
    s = result.summary
    rows = {
        "auto, factors fitted on all tasks": ev.summarize(family[full]),
        "auto, leave-one-task-out": s,
    }
    other = {t: c for t, c in result.chosen.items() if c != full}
    lines = [
        f"Leave-one-task-out: auto's (level, backoff) chosen from a {len(LEVELS)}x{len(BACKOFFS)} grid by "
        "fewest catastrophes + failures, then lowest mean regret, on the other tasks.",
        f"Fitted on all tasks: {full}. Left-out tasks that got another setting: "
        + (", ".join(f"{t} ({c})" for t, c in other.items()) or "none"),
        "",
        table(rows),
    ]
    order = _loto_order(corpus)
    bad = [(c.task, c.seed, p.regret) for c, p in zip(order, result.scores, strict=True) if p.catastrophic]
    if bad:
        lines.append("")
        lines.append("LOTO catastrophes: " + ", ".join(f"{t} seed {sd} (regret {r:.2f})" for t, sd, r in bad))
    return "\n".join(lines)


def _loto_order(corpus: Corpus) -> list[Curve]:
    """Curves in the order leave_one_task_out returns its scores (task by task)."""
    return [
        c for task in dict.fromkeys(c.task for c in corpus.curves) for c in corpus.curves if c.task == task
    ]


def calibration_section(corpus: Corpus) -> str:
    """Does auto's confidence track its regret? Spearman, and regret by confidence tercile."""
    sugg = [auto(c.lrs, c.smoothed) for c in corpus.curves]
    scores = [ev.score_pick(corpus.truths[c.task], s.lr) for c, s in zip(corpus.curves, sugg, strict=True)]
    made = [(s.confidence, p) for s, p in zip(sugg, scores, strict=True) if not p.failed]
    conf = np.array([c for c, _ in made], dtype=float)
    reg = np.array([p.regret for _, p in made])
    rho = ev.rank_correlation(conf, reg)
    lines = [
        f"auto's confidence vs its regret ({len(made)} picks): Spearman rank correlation {rho:+.2f} "
        "(negative: higher confidence, lower regret).",
        "",
        "| confidence tercile | range | median regret | mean regret | catastrophic |",
        "|---|---|---:|---:|---:|",
    ]
    for name, part in zip(("low", "middle", "high"), np.array_split(np.argsort(conf), 3), strict=True):
        picks = [made[i][1] for i in part]
        s = ev.summarize(picks)
        lines.append(
            f"| {name} | {conf[part].min():.2f}-{conf[part].max():.2f} | {_fmt(s.median_regret)} | "
            f"{_fmt(s.mean_regret)} | {s.catastrophic}/{s.n} |"
        )
    return "\n".join(lines)


def slice_section(corpus: Corpus) -> str:
    """lr_slice on the transfer tasks with a trained body: slice(lo, hi) vs the single rate hi."""
    lines = [
        "lr_slice on transfer tasks with an unfrozen body (body gets lo, head hi; regret against the best "
        "single rate):",
        "",
        "| task | single rate hi: mean regret | slice(lo, hi): mean regret | mean hi/lo | "
        "best single-rate val | best slice val (ratio) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for task, truth in corpus.slices.items():
        curves = [c for c in corpus.curves if c.task == task]
        single, sliced, ratios = [], [], []
        for c in curves:
            pair = lr_slice(c.lrs, c.smoothed)
            if pair is None:
                continue
            lo, hi = pair
            single.append(ev.score_pick(truth.rows[0], hi).regret)
            sliced.append(ev.score_slice(truth, lo, hi).regret)
            ratios.append(hi / lo)
        k = int(np.argmin([row.best for row in truth.rows]))
        ratio = float(np.exp(np.mean(np.log(ratios))))
        lines.append(
            f"| {task} | {np.mean(single):.3f} | {np.mean(sliced):.3f} | {ratio:.0f} | "
            f"{truth.best:.3f} | {truth.rows[k].best:.3f} ({truth.ratios[k]:g}) |"
        )
    return "\n".join(lines)


def _same(a: float | None, b: float | None, decades: float) -> bool:
    if a is None or b is None:
        return a is b
    return abs(math.log10(a) - math.log10(b)) <= decades


def invariance_section(corpus: Corpus) -> str:
    """How often a pick moves when the loss is multiplied by 10, or every other point is dropped (about
    what a sweep of half the steps over the same range gives, EMA lag aside)."""
    lines = [
        "Robustness: picks that change when the loss is scaled by 10 (any change) or every other point is "
        "dropped (> 0.15 decade, or answer <-> none):",
        "",
        "| suggester | loss x 10 | half the points |",
        "|---|---:|---:|",
    ]
    for name, picker in ROSTER.items():
        if name.startswith("constant"):
            continue
        scaled = half = 0
        for c in corpus.curves:
            base = pick(picker, c)
            scaled += not _same(
                base, pick(picker, Curve(c.task, c.seed, c.holdout, c.lrs, 10 * c.smoothed)), 1e-9
            )
            half += not _same(
                base, pick(picker, Curve(c.task, c.seed, c.holdout, c.lrs[::2], c.smoothed[::2])), 0.15
            )
        n = len(corpus.curves)
        lines.append(f"| {name} | {scaled}/{n} | {half}/{n} |")
    return "\n".join(lines)


def detail_section(corpus: Corpus) -> str:
    """Mean regret per task and suggester, with each task's best lr."""
    scores = score_all(corpus, ROSTER)
    names = list(ROSTER)
    lines = [
        "| task | best lr | " + " | ".join(names) + " |",
        "|---|---:|" + "---:|" * len(names),
    ]
    for task, truth in corpus.truths.items():
        keep = [c.task == task for c in corpus.curves]
        cells = []
        for name in names:
            s = ev.summarize(_subset(scores[name], keep))
            cells.append(_fmt(s.mean_regret) + (f" ({s.failures} none)" if s.failures else ""))
        mark = " (held out)" if any(c.holdout for c in corpus.curves if c.task == task) else ""
        lines.append(f"| {task}{mark} | {truth.best_lr:.2g} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


CENTRED_HALF_WIDTH = 10  # chosen on the design tasks among 5, 8, 10, 15 (and log-domain twins)
SMOOTH_LEVELS = (0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
SMOOTH_BACKOFFS = (0.25, 0.35, 0.5, 0.7, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0)


def centred_box(losses: np.ndarray, half_width: int) -> np.ndarray:
    """Zero-lag smoothing of raw losses: the mean over ``i - k .. i + k`` with ``k = min(half_width, i,
    last - i)`` (the window shrinks symmetrically at both ends, so no point lags); nan from the first
    non-finite loss on."""
    x = np.asarray(losses, dtype=float)
    bad = np.flatnonzero(~np.isfinite(x))
    cut = int(bad[0]) if bad.size else x.size
    out = np.full(x.size, math.nan)
    sums = np.concatenate([[0.0], np.cumsum(x[:cut])])
    i = np.arange(cut)
    k = np.minimum(np.minimum(half_width, i), cut - 1 - i)
    out[:cut] = (sums[i + k + 1] - sums[i - k]) / (2 * k + 1)
    return out


def _resmoothed(corpus: Corpus, half_width: int) -> Corpus:
    curves = []
    for c in corpus.curves:
        if c.raw is None:
            raise ValueError(f"{c.task} seed {c.seed} has no raw losses to re-smooth")
        curves.append(Curve(c.task, c.seed, c.holdout, c.lrs, centred_box(c.raw, half_width), c.raw))
    return Corpus(curves, corpus.truths, corpus.slices, corpus.tasks)


def smoothing_section(corpus: Corpus) -> str:
    """Every suggester on (a) the recorded causal EMA and (b) a zero-lag centred window of the raw losses;
    auto's factors refitted for each on the design tasks (then scored once on the held-out tasks), on all
    tasks, and by leave-one-task-out."""

    def make(level: float, backoff: float) -> Picker:
        return lambda lrs, losses: auto(lrs, losses, level=level, backoff=backoff)

    family = {f"level={lv:g}, backoff={b:g}": make(lv, b) for lv in SMOOTH_LEVELS for b in SMOOTH_BACKOFFS}
    rules = {k: v for k, v in ROSTER.items() if not k.startswith(("constant", "auto"))}
    variants = {
        "(a) causal EMA (recorded)": corpus,
        f"(b) centred window +-{CENTRED_HALF_WIDTH} points": _resmoothed(corpus, CENTRED_HALF_WIDTH),
    }
    held_mask = [c.holdout for c in corpus.curves]
    design_mask = [not h for h in held_mask]
    tasks = [c.task for c in corpus.curves]
    rows: dict[str, ev.Summary] = {}
    notes = []
    for label, variant in variants.items():
        scores = score_all(variant, family)
        fit_design = min(scores, key=lambda k: ev.objective(_subset(scores[k], design_mask)))
        fit_all = min(scores, key=lambda k: ev.objective(scores[k]))
        rows[f"{label}: auto, design-fit, design tasks"] = ev.summarize(
            _subset(scores[fit_design], design_mask)
        )
        rows[f"{label}: auto, design-fit, held-out tasks"] = ev.summarize(
            _subset(scores[fit_design], held_mask)
        )
        rows[f"{label}: auto, fitted on all tasks"] = ev.summarize(scores[fit_all])
        rows[f"{label}: auto, leave-one-task-out"] = ev.leave_one_task_out(scores, tasks).summary
        for name, s in score_all(variant, rules).items():
            rows[f"{label}: {name}"] = ev.summarize(s)
        notes.append(f"{label}: design-fit {fit_design}; fitted on all tasks {fit_all}")
    return "\n".join(
        [
            "Smoothing study: the suggesters on the recorded causal EMA (beta 0.98, which trails the raw "
            "loss) against a zero-lag centred window of the raw losses; auto's (level, backoff) refitted for "
            f"each over a {len(SMOOTH_LEVELS)}x{len(SMOOTH_BACKOFFS)} grid.",
            *notes,
            "",
            table(rows),
        ]
    )


def report(
    path: Path,
    loto: bool = False,
    calibration: bool = False,
    slices: bool = False,
    detail: bool = False,
    invariance: bool = False,
    smoothing: bool = False,
) -> str:
    """The table of every suggester on the corpus; other sections on request."""
    corpus = load(path)
    parts = [main_table(corpus)]
    if loto:
        parts.append(loto_section(corpus))
    if calibration:
        parts.append(calibration_section(corpus))
    if slices:
        parts.append(slice_section(corpus))
    if invariance:
        parts.append(invariance_section(corpus))
    if detail:
        parts.append(detail_section(corpus))
    if smoothing:
        parts.append(smoothing_section(corpus))
    return "\n\n".join(parts)
