"""What the widget asks core for: every method's suggestion with the controls' values, and the slide
rule to animate with the gradient it reads. The widget computes nothing here itself; core does."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from lrwidget.core.suggestion import Suggestion

RULE_METHODS = ("slide_rule", "slide_rule_scaled")
GRADIENT_LABELS = {
    "slide_rule": ("g", "loss gradient g"),  # change of the loss per point (the caption says so)
    "slide_rule_scaled": ("ĝ", "loss slope ĝ / decade"),  # in descent heights
}


def method_params(method: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The control values ``method`` takes (the seed's knobs go to the seed's rule)."""
    if method == "slide_rule":
        return {k: params[k] for k in ("lr_diff", "loss_threshold", "adjust_value") if k in params}
    if method == "slide_rule_scaled" and "adjust_value" in params:
        return {"adjust_value": params["adjust_value"]}
    return {}


def compute_suggestions(
    lrs: np.ndarray,
    smoothed: np.ndarray,
    params: Mapping[str, Any],
    raw: np.ndarray | None = None,
    stop_reason: str | None = None,
    num_it: int | None = None,
) -> dict[str, Suggestion]:
    """Every method's suggestion on the smoothed curve, told how the sweep ended (core then adds caveats
    and lowers confidence for a partial curve); a method that refuses answers None with why."""
    from lrwidget.core.suggest import METHODS, from_sweep

    out: dict[str, Suggestion] = {}
    for name in METHODS:
        try:
            out[name] = from_sweep(
                name, lrs, smoothed, raw=raw, stop_reason=stop_reason, num_it=num_it,
                **method_params(name, params),
            )  # fmt: skip
        except (ValueError, TypeError) as exc:
            out[name] = Suggestion(method=name, lr=None, reason=str(exc))
    return out


def suggested_slice(suggestion: Suggestion | None, lrs: np.ndarray) -> tuple[float, float] | None:
    """Where slice mode starts: core's ``lr_slice`` rule (``(hi / 10, hi)``, lo raised to the first swept
    lr) applied to the very suggestion the widget shows (computed with the controls' values and the
    sweep's context), so the band always ends at the drawn marker."""
    if suggestion is None or suggestion.lr is None or len(lrs) == 0:
        return None
    hi = float(suggestion.lr)
    lo = max(hi / 10, float(np.asarray(lrs, dtype=float)[0]))
    return (lo, hi) if lo < hi else None


@dataclass(frozen=True)
class RuleView:
    """The slide rule the gradient pane shows: which, the gradient it reads (from core), its threshold."""

    method: str
    gradient: np.ndarray
    short: str
    label: str
    threshold: float | None


def rule_view(method: str, lrs: np.ndarray, smoothed: np.ndarray, rule: Suggestion | None = None) -> RuleView:
    """The gradient pane's content for ``method`` (the seed's rule unless a rule is recommended)."""
    from lrwidget.core.suggest import rule_gradient

    name = method if method in RULE_METHODS else "slide_rule"
    lrs, smoothed = np.asarray(lrs, dtype=float), np.asarray(smoothed, dtype=float)
    if smoothed.size and lrs.size == smoothed.size and np.all(np.diff(lrs) > 0) and np.all(lrs > 0):
        grad = rule_gradient(name, lrs, smoothed)
    else:
        grad = np.full(smoothed.shape, np.nan)
    threshold = None
    if rule is not None:
        t = rule.params.get("loss_threshold", rule.params.get("rel_threshold"))
        threshold = float(t) if isinstance(t, (int, float)) else None
    short, label = GRADIENT_LABELS[name]
    return RuleView(name, grad, short, label, threshold)


def auto_reading(lrs: np.ndarray, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(lrs, read)``: the curve ``auto`` reads over the finite points, as core says to draw it (NaN past
    the capped blow-up; nothing on a curve too short to read)."""
    from lrwidget.core.suggest import drawable_reading

    lrs, raw = np.asarray(lrs, dtype=float), np.asarray(raw, dtype=float)
    ok = np.isfinite(lrs) & (lrs > 0) & np.isfinite(raw)
    if ok.sum() < 2:
        return np.zeros(0), np.zeros(0)
    return lrs[ok], drawable_reading(lrs[ok], raw[ok])


def reading_title(lrs: np.ndarray, beta: float | None) -> str:
    """The reading line's tooltip for this sweep: what it is, and how far the smoothed loss trails it."""
    lrs = np.asarray(lrs, dtype=float)
    lrs = lrs[np.isfinite(lrs) & (lrs > 0)]
    text = (
        "auto reads the raw loss through a window centred on each point (half a decade each side), so it "
        "does not lag; past the blow-up it is not drawn (auto caps the explosion there)."
    )
    if lrs.size < 2 or beta is None or not 0 < beta < 1:
        return text
    decades = float(np.log10(lrs.max() / lrs.min()))
    steps = 1.0 / (1.0 - beta)
    lag = steps * decades / max(1, lrs.size - 1)
    return (
        f"{text} The smoothed loss is a running average (beta {beta:g}): it trails the raw loss by about "
        f"{steps:.0f} steps, which on this {lrs.size}-step sweep over {decades:.1f} decades is "
        f"{lag:.1f} decades of learning rate, so reading it would put every feature too late."
    )
