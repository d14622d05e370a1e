"""Score every suggester on both corpora: leave-one-family-out, num_it stability, partial sweeps, confidence.

numpy and lrwidget.core only (no torch). Every rule sees what ``RangeTestResult.suggest`` gives it: the
smoothed losses, the stop reason and ``num_it``; ``auto`` also the raw losses.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from benchmarks.quality import confidence as cf
from benchmarks.quality import evaluation as ev
from benchmarks.quality.baselines import fastai_slide, previous_auto, steepest_gradient
from benchmarks.quality.families import BROAD, ORIGINAL, Families, SweepCurve, load
from lrwidget.core.suggest import _auto as auto_module
from lrwidget.core.suggest import from_sweep, reading_curve
from lrwidget.core.suggestion import Suggestion

HELD_OUT_FAMILIES = ("attention", "autoencoder")  # fixed before the broad corpus was built
PREVIOUS = "previous auto (EMA, 0.7, 3.5)"
Rule = Callable[[SweepCurve], Suggestion | float]


def _method(name: str, **params: float) -> Rule:
    return lambda c: from_sweep(
        name, c.lrs, c.smoothed, raw=c.raw, stop_reason=c.stop_reason, num_it=c.num_it, **params
    )


def _trimmed_valley(c: SweepCurve) -> Suggestion:
    """valley on the points fastai's ``lr_find`` hands it: without the first num_it // 10 and the last 5."""
    skip = max(1, c.num_it // 10)
    return from_sweep("valley", c.lrs[skip:-5], c.smoothed[skip:-5])


ROSTER: dict[str, Rule] = {
    "slide_rule (seed)": _method("slide_rule"),
    "slide_rule_scaled": _method("slide_rule_scaled"),
    "fastai_slide (0.005)": lambda c: fastai_slide(c.lrs, c.smoothed),
    "valley": _method("valley"),
    "valley after fastai's lr_find trim": _trimmed_valley,
    "steepest (log slope)": _method("steepest"),
    "steepest_gradient": lambda c: steepest_gradient(c.lrs, c.smoothed),
    "minimum / 10": _method("minimum"),
    "constant 1e-3": lambda c: 1e-3,
    "constant 1e-2": lambda c: 1e-2,
    "previous auto (EMA, 0.7, 3.5)": lambda c: previous_auto(c.lrs, c.smoothed),
    "auto": _method("auto"),
}

# The grid leave-one-family-out refits auto's three factors over.
LEVELS = (0.6, 0.7, 0.8)
BLENDS = (0.5, 0.75, 1.0)
BACKOFFS = (1.0, 1.25, 1.6, 2.0)


def lr_of(out: Suggestion | float) -> float | None:
    return out.lr if isinstance(out, Suggestion) else float(out)


def _fmt(x: float, pct: bool = False) -> str:
    if not math.isfinite(x):
        return "-"
    return f"{100 * x:.0f}%" if pct else f"{x:.3f}"


def _row(name: str, s: ev.Summary) -> str:
    return (
        f"| {name} | {_fmt(s.median_regret)} | {_fmt(s.mean_regret)} | {_fmt(s.within, True)} | "
        f"{s.catastrophic}/{s.n} ({100 * s.catastrophic / s.n:.0f}%) | {s.failures}/{s.n} |"
    )


HEAD = (
    "| suggester | median regret | mean regret | in band (regret <= 0.05) | catastrophic | no answer |\n"
    "|---|---:|---:|---:|---:|---:|"
)


def auto_grid() -> dict[str, Rule]:
    return {
        f"level={lv}, blend={b}, backoff={k}": _method("auto", level=lv, blend=b, backoff=k)
        for lv in LEVELS
        for b in BLENDS
        for k in BACKOFFS
    }


def lofo_table(fam: Families) -> str:
    """Every rule over all curves (the rules have nothing to fit: their LOFO figure is their figure) and
    auto refitted without each family, its factors chosen on the other families."""
    lines = [HEAD]
    for name, rule in ROSTER.items():
        lines.append(
            _row(name, ev.summarize([ev.score_pick(fam.truths[c.task], lr_of(rule(c))) for c in fam.curves]))
        )
    grid = auto_grid()
    scores = {
        name: [ev.score_pick(fam.truths[c.task], lr_of(r(c))) for c in fam.curves] for name, r in grid.items()
    }
    loto = ev.leave_one_task_out(scores, [c.family for c in fam.curves])
    lines.append(_row("auto, factors refitted without the family (LOFO)", loto.summary))
    chosen = "; ".join(f"{f}: {v}" for f, v in loto.chosen.items())
    per_family = [
        "",
        "| family (left out) | curves | auto median | auto mean | catastrophic | best other rule by mean |",
        "|---|---:|---:|---:|---:|---|",
    ]
    labels = [c.family for c in fam.curves]
    for f in fam.family_names:
        keep = [lab == f for lab in labels]
        auto_s = ev.summarize([s for s, k in zip(scores[loto.chosen[f]], keep, strict=True) if k])
        best_name, best_mean = "", math.inf
        for name, rule in ROSTER.items():
            if name == "auto":
                continue
            s = ev.summarize(
                [
                    ev.score_pick(fam.truths[c.task], lr_of(rule(c)))
                    for c, k in zip(fam.curves, keep, strict=True)
                    if k
                ]
            )
            if s.failures == 0 and s.mean_regret < best_mean:
                best_name, best_mean = name, s.mean_regret
        per_family.append(
            f"| {f} | {auto_s.n} | {_fmt(auto_s.median_regret)} | {_fmt(auto_s.mean_regret)} | "
            f"{auto_s.catastrophic} | {best_name} ({_fmt(best_mean)}) |"
        )
    return "\n".join([*lines, "", f"LOFO choices: {chosen}", *per_family])


def stability_table(
    fam: Families, rules: Sequence[str] = ("auto", "minimum / 10", PREVIOUS, "valley")
) -> str:
    """Pick per num_it (median of the seeds' picks) for every broad task, and its spread in decades."""
    tasks = list(dict.fromkeys(c.task for c in fam.curves if c.family != "sklearn_small"))
    num_its = sorted({c.num_it for c in fam.curves if c.family != "sklearn_small"})
    picks: dict[str, dict[str, dict[int, float]]] = {r: {} for r in rules}
    for r in rules:
        for c in fam.curves:
            if c.task not in tasks:
                continue
            lr = lr_of(ROSTER[r](c))
            picks[r].setdefault(c.task, {}).setdefault(c.num_it, []).append(
                math.log10(lr) if lr else math.nan
            )  # type: ignore[arg-type]
    lines = [
        "| task | best lr | "
        + " | ".join(f"auto @{n}" for n in num_its)
        + " | auto spread | minimum/10 spread | previous auto spread |",
        "|---|---:|" + "---:|" * len(num_its) + "---:|---:|---:|",
    ]
    spreads: dict[str, list[float]] = {r: [] for r in rules}
    for t in tasks:
        row = {}
        for r in rules:
            med = {n: float(np.nanmedian(v)) for n, v in picks[r][t].items()}
            spread = max(med.values()) - min(med.values())
            spreads[r].append(spread)
            row[r] = (med, spread)
        med, spread = row["auto"]
        lines.append(
            f"| {t} | {fam.truths[t].best_lr:.2g} | "
            + " | ".join(f"{10 ** med[n]:.2g}" for n in num_its)
            + f" | {spread:.2f} | {row['minimum / 10'][1]:.2f} | {row[PREVIOUS][1]:.2f} |"
        )
    summary = [
        "",
        "| rule | median spread (decades) | mean | max | tasks within 0.3 decade |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in rules:
        s = np.array(spreads[r])
        summary.append(
            f"| {r} | {np.nanmedian(s):.2f} | {np.nanmean(s):.2f} | {np.nanmax(s):.2f} | "
            f"{np.sum(s <= 0.3)}/{s.size} |"
        )
    return "\n".join(lines + summary)


def truncated(fam: Families) -> list[SweepCurve]:
    """Partial sweeps made from the diverged ones: cut half a decade before the read curve's minimum, as
    a person pressing Stop mid-descent would, with stop_reason 'cancelled'."""
    out = []
    for c in fam.curves:
        if c.stop_reason != "diverged":
            continue
        finite = np.isfinite(c.raw) & np.isfinite(c.smoothed)
        n = int(np.argmin(finite)) if not finite.all() else finite.size
        x = np.log10(c.lrs[:n])
        read = reading_curve(c.lrs[:n], c.raw[:n])
        i_min = int(np.argmin(read[max(1, n // 10) :])) + max(1, n // 10)
        keep = x <= x[i_min] - 0.5
        if keep.sum() < 10:
            continue
        out.append(
            replace(c, lrs=c.lrs[keep], raw=c.raw[keep], smoothed=c.smoothed[keep], stop_reason="cancelled")
        )
    return out


def partial_table(fam: Families) -> str:
    cut = truncated(fam)
    lines = [
        f"Partial sweeps: {len(cut)} diverged curves cut half a decade before their minimum (stop_reason "
        "'cancelled'); the share of picks that carry a caveat is in the last column.",
        "",
        HEAD[: HEAD.index("\n")] + " with a caveat |",
        HEAD[HEAD.index("\n") + 1 :] + "---:|",
    ]
    for name, rule in ROSTER.items():
        outs = [rule(c) for c in cut]
        s = ev.summarize(
            [ev.score_pick(fam.truths[c.task], lr_of(o)) for c, o in zip(cut, outs, strict=True)]
        )
        caveated = [isinstance(o, Suggestion) and bool(o.caveats) for o in outs]
        lines.append(_row(name, s) + f" {100 * np.mean(caveated):.0f}% |")
    return "\n".join(lines)


def _thirds_table(conf: np.ndarray, reg: np.ndarray, cat: np.ndarray, label: str) -> str:
    rho = ev.rank_correlation(conf, reg)
    lines = [
        f"{label} ({conf.size} picks): Spearman {rho:+.2f} against regret; {int(cat.sum())} catastrophic "
        "in all.",
        "",
        "| confidence third | range | median regret | mean regret | catastrophic |",
        "|---|---|---:|---:|---:|",
    ]
    for name, idx in zip(("low", "middle", "high"), cf.thirds(conf, cat), strict=True):
        lines.append(
            f"| {name} | {conf[idx].min():.2f}-{conf[idx].max():.2f} | {np.median(reg[idx]):.3f} | "
            f"{reg[idx].mean():.3f} | {int(cat[idx].sum())}/{idx.size} |"
        )
    return "\n".join(lines)


def confidence_tables(fam: Families) -> str:
    """auto's confidence: the logistic fit on the design families (against the package's constants), its
    thirds on the held-out families and on every curve, and leave-one-family-out (refitted without each
    family, scored on it, pooled)."""
    curves = fam.curves
    sugg = [ROSTER["auto"](c) for c in curves]
    scores = [ev.score_pick(fam.truths[c.task], s.lr) for c, s in zip(curves, sugg, strict=True)]
    reg = np.array([s.regret for s in scores])
    cat = np.array([s.catastrophic for s in scores])
    feats = [cf.features(s) for s in sugg]
    risk = np.array([cf.risk(fam.truths[c.task], s.lr) for c, s in zip(curves, sugg, strict=True)])
    hold = np.array([c.holdout for c in curves])
    fams = np.array([c.family for c in curves])
    usable = np.array([f is not None for f in feats])

    def fitted(keep: np.ndarray) -> cf.Fit:
        idx = np.flatnonzero(keep & usable)
        return cf.fit([feats[i] for i in idx], risk[idx])  # type: ignore[misc]

    design = fitted(~hold)
    conf = np.array([s.confidence for s in sugg], dtype=float)
    lofo = np.zeros(len(curves))
    for f in fam.family_names:
        model = fitted(fams != f)
        for i in np.flatnonzero((fams == f) & ~usable):
            lofo[i] = float(sugg[i].confidence)
        for i in np.flatnonzero((fams == f) & usable):
            lofo[i] = model.confidence(feats[i])
            if sugg[i].params.get("ended_early"):  # halved, as the package does
                lofo[i] *= auto_module.PARTIAL_FACTOR
    pkg = auto_module.CONFIDENCE
    coefficients = ", ".join(f"{k} {v:+.2f}" for k, v in (("bias", design.bias), *design.weights.items()))
    lines = [
        "auto's confidence: 1 / (1 + exp(bias + gap * decades between the anchors + diverged * [the sweep "
        f"diverged] + fall * log10(fall / noise))), fitted to the share of catastrophic rates within "
        f"{cf.RISK_WIDTH} decade of each pick.",
        f"Fit on the design families: {coefficients}; the package's constants: "
        + ", ".join(f"{k} {v:+.2f}" for k, v in pkg.items())
        + ".",
        "",
        _thirds_table(conf[hold], reg[hold], cat[hold], "Held-out families, the package's confidence"),
        "",
        _thirds_table(lofo, reg, cat, "Every curve, confidence refitted without its family (LOFO)"),
        "",
        _thirds_table(lofo[hold], reg[hold], cat[hold], "Held-out families, LOFO confidence"),
        "",
        _thirds_table(conf, reg, cat, "Every curve, the package's confidence"),
    ]
    return "\n".join(lines)


SHIFTS = tuple(round(0.1 * k, 1) for k in range(-6, 7))  # decades added to auto's pick


def safe_width(truth: ev.Truth, lo: float = -5.0, hi: float = 1.0, step: float = 0.01) -> float:
    """Decades of the truth grid's range where a pick would not be catastrophic."""
    xs = np.arange(lo, hi + step / 2, step)
    return float(step * sum(not ev.score_pick(truth, 10**x).catastrophic for x in xs))


def ceiling_table(fam: Families) -> str:
    """What no reading of auto's pick can fix: its picks shifted by a constant (chosen on all curves, in
    sample, the most favourable reading), an oracle choosing the shift per curve, and the catastrophes on
    knife-edge tasks (less than 0.7 decade of safe rates on the whole grid)."""
    curves = fam.curves
    picks = [ROSTER["auto"](c).lr for c in curves]
    rows = []
    per_curve = np.zeros((len(SHIFTS), len(curves)))
    cats = np.zeros((len(SHIFTS), len(curves)), dtype=bool)
    for k, d in enumerate(SHIFTS):
        sc = [ev.score_pick(fam.truths[c.task], p * 10**d) for c, p in zip(curves, picks, strict=True)]  # type: ignore[operator]
        per_curve[k] = [x.regret for x in sc]
        cats[k] = [x.catastrophic for x in sc]
        rows.append((int(cats[k].sum()), float(np.median(per_curve[k])), d))
    best_cat = min(rows)
    best_med = min(rows, key=lambda r: r[1])
    oracle = per_curve.min(axis=0)
    oracle_cat = int(np.sum(cats.all(axis=0)))
    near = [abs(d) <= 0.3 for d in SHIFTS]
    oracle_near = int(np.sum(cats[near].all(axis=0)))
    widths = {t: safe_width(tr) for t, tr in fam.truths.items()}
    knife = sorted(t for t, w in widths.items() if w < 0.7)
    zero = SHIFTS.index(0.0)
    at_knife = sum(bool(cats[zero, i]) for i, c in enumerate(curves) if c.task in knife)
    n = len(curves)
    return "\n".join(
        [
            f"Ceiling: auto's pick shifted by a constant {SHIFTS[0]:+} .. {SHIFTS[-1]:+} decades, chosen "
            f"on all {n} curves (in sample):",
            "",
            "| reading | median regret | catastrophic |",
            "|---|---:|---:|",
            f"| auto as it is | {np.median(per_curve[zero]):.3f} | {int(cats[zero].sum())}/{n} |",
            f"| fewest catastrophes (shift {best_cat[2]:+}) | {best_cat[1]:.3f} | {best_cat[0]}/{n} |",
            f"| lowest median (shift {best_med[2]:+}) | {best_med[1]:.3f} | {best_med[0]}/{n} |",
            f"| oracle: the best shift per curve, within +-0.3 decade | "
            f"{np.median(per_curve[near].min(axis=0)):.3f} | {oracle_near}/{n} |",
            f"| oracle: the best shift per curve, within +-0.6 decade | {np.median(oracle):.3f} | "
            f"{oracle_cat}/{n} |",
            "",
            "Knife-edge tasks (under 0.7 decade of safe rates): "
            + ", ".join(f"{t} ({widths[t]:.2f})" for t in knife)
            + f"; auto's catastrophes on them: {at_knife} of {int(cats[zero].sum())}.",
        ]
    )


def confirmation_section(fam: Families) -> str:
    """``confirm=k`` against auto alone (``confirm_report``), when the trial grid was built."""
    from benchmarks.quality.confirm_report import TRIALS
    from benchmarks.quality.confirm_report import report as confirm_report

    if not TRIALS.exists():
        return f"(no trial grid at {TRIALS}: `suggest_quality.py build --trials` builds it)"
    return confirm_report(fam)


def report(original: Path = ORIGINAL, broad: Path = BROAD) -> str:
    fam = load(original, broad, HELD_OUT_FAMILIES)
    held = [c for c in fam.curves if c.holdout]
    counts = {f: sum(c.family == f for c in fam.curves) for f in fam.family_names}
    parts = [
        f"Suggestion quality: {len(fam.curves)} range-test curves over {len(fam.truths)} tasks in "
        f"{len(counts)} families ({', '.join(f'{f} {n}' for f, n in counts.items())}); held out while auto "
        f"was designed: {', '.join(HELD_OUT_FAMILIES)}.",
        "regret = val_loss(pick) / best - 1 after 1cycle training (interpolated in log lr on the grid); "
        "catastrophic: next to a diverged grid rate or loss > 2x best.",
        "",
        lofo_table(fam),
        "",
        "Held-out families, auto as designed on the others:",
        "",
        HEAD,
        _row(
            "auto", ev.summarize([ev.score_pick(fam.truths[c.task], lr_of(ROSTER["auto"](c))) for c in held])
        )
        if held
        else "",
        "",
        "Sweep length: auto's pick at each num_it (median of 2 seeds) and the spread of picks in decades",
        "",
        stability_table(fam),
        "",
        partial_table(fam),
        "",
        confidence_tables(fam),
        "",
        ceiling_table(fam),
        "",
        confirmation_section(fam),
        "",
        f"auto's factors: level={auto_module.LEVEL}, blend={auto_module.BLEND}, "
        f"backoff={auto_module.BACKOFF}, density correction {auto_module.DENSITY} x log10(points per decade "
        f"/ {auto_module.K_REF:.3g}), window +-{auto_module.HALF_WIDTH} decades.",
    ]
    return "\n".join(parts)
