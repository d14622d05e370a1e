"""Helpers for the widget tests: a synthetic range-test curve and torch state comparisons."""

from __future__ import annotations

import numpy as np

from lrwidget.core.result import RangeTestResult


def make_curve(n: int = 100, seed: int = 0, diverge: bool = True) -> RangeTestResult:
    """A fastai-like curve over 1e-7..10: flat, a descent around 1e-4..1e-2, then a runaway tail."""
    lrs = np.geomspace(1e-7, 10.0, n)
    x = np.log10(lrs)
    rng = np.random.default_rng(seed)
    loss = 2.3 - 1.6 / (1 + np.exp(-(x + 3.5) * 2)) + rng.normal(0, 0.03, n)
    if diverge:
        loss = loss + np.where(x > -1.5, (x + 1.5) ** 3 * 4, 0.0)
    settings = {"start_lr": 1e-7, "end_lr": 10.0, "num_it": n, "mode": "exp", "beta": 0.98}
    return RangeTestResult(lrs, loss, settings=settings, stop_reason="diverged" if diverge else "completed")


def state_of(model, opt):
    """Deep copies of the model's and the optimizer's state, for before/after comparisons."""
    import copy

    return copy.deepcopy(model.state_dict()), copy.deepcopy(opt.state_dict())


def same_state(a, b) -> bool:
    """True when two (model, optimizer) state snapshots hold identical tensors and values."""
    import torch

    (ma, oa), (mb, ob) = a, b
    if ma.keys() != mb.keys() or not all(torch.equal(ma[k], mb[k]) for k in ma):
        return False
    if oa["param_groups"] != ob["param_groups"]:
        return False
    sa, sb = oa["state"], ob["state"]
    if sa.keys() != sb.keys():
        return False
    for k in sa:
        for name in sa[k]:
            va, vb = sa[k][name], sb[k][name]
            if isinstance(va, torch.Tensor):
                if not torch.equal(va, vb):
                    return False
            elif va != vb:
                return False
    return True


class CurveSource:
    """A live source with no torch: feeds a saved curve through on_step, step by step, honouring cancel;
    ``stop_at`` ends it there as a Stop would (a partial, cancelled result)."""

    live = True

    def __init__(self, result: RangeTestResult, stop_at: int | None = None):
        self.result = result
        self.stop_at = stop_at

    def run(self, on_step, cancel):
        from lrwidget.core.events import StepEvent

        r, n = self.result, len(self.result)
        end = n if self.stop_at is None else self.stop_at
        for i in range(end):
            if cancel.is_set():
                end = i
                break
            on_step(StepEvent(i, n, float(r.lrs[i]), float(r.losses[i]), float(r.smoothed[i]), 0.001 * i))
        if end == n:
            return r
        return RangeTestResult(r.lrs[:end], r.losses[:end], settings=r.settings, stop_reason="cancelled")

    def settings(self):
        return dict(self.result.settings)
