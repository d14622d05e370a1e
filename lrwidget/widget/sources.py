"""What the widget can show: a live sweep of a trainer, or a saved result replayed without torch.

``make_source`` picks the kind. A live source is built with the engine's ``prepare_sweep``, which checks
every keyword against the sweep's settings at once (a typo such as ``num_iter=50`` fails when the widget
is built, naming ``num_it``), so nothing can fail later in the sweep's thread for a reason known now.
Nothing here touches widgets.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from lrwidget.core.events import StepEvent
from lrwidget.core.result import RangeTestResult

# keywords the widget passes itself; a user may not override them
RESERVED = ("on_step", "cancel", "progress")
LADDER_KEYS = ("start_lr", "end_lr", "num_it", "mode")


class Source(Protocol):
    """Something the widget can run: ``run`` blocks until done and returns the result (or raises)."""

    live: bool  # True when run() trains (a sweep), False for a replay

    def run(self, on_step: Callable[[StepEvent], None], cancel: threading.Event) -> RangeTestResult: ...

    def settings(self) -> dict[str, Any]: ...


@dataclass
class ReplaySource:
    """A saved ``RangeTestResult``: ``run`` hands it back at once; no model, no torch import."""

    result: RangeTestResult
    live: bool = False

    def run(self, on_step: Callable[[StepEvent], None], cancel: threading.Event) -> RangeTestResult:
        return self.result

    def settings(self) -> dict[str, Any]:
        return dict(self.result.settings)


class LiveSource:
    """A trainer swept by the engine: every keyword checked here, at construction."""

    live = True

    def __init__(self, source: Any, *args: Any, **kwargs: Any):
        from lrwidget.engine.entry import prepare_sweep  # torch loads only for live sources

        bad = [k for k in RESERVED if k in kwargs]
        if bad:
            raise TypeError(f"{', '.join(bad)} are set by the widget itself; do not pass them")
        self.prepared = prepare_sweep(source, *args, caller="LRFinderWidget", progress=False, **kwargs)

    def run(self, on_step: Callable[[StepEvent], None], cancel: threading.Event) -> RangeTestResult:
        return self.prepared.run(on_step=on_step, cancel=cancel)

    def settings(self) -> dict[str, Any]:
        s = self.prepared.settings
        return {k: getattr(s, k) for k in LADDER_KEYS}


def make_source(obj: Any, *args: Any, **kwargs: Any) -> Source:
    """A RangeTestResult (or a path to its JSON) -> replay; any trainer an adapter knows -> a live sweep."""
    if isinstance(obj, RangeTestResult):
        if args or kwargs:
            raise TypeError(
                "a saved RangeTestResult is replayed as is; sweep arguments do not apply "
                f"(got {sorted(kwargs)})"
            )
        return ReplaySource(obj)
    if isinstance(obj, (str, os.PathLike)):
        return make_source(RangeTestResult.from_json(obj), *args, **kwargs)
    if obj is None:
        raise TypeError(
            "source must be a trainer (a model with optimizer, loss_fn and train_data, an lrwidget.Learner, "
            "a fastai Learner, ...) or a RangeTestResult, got None"
        )
    return LiveSource(obj, *args, **kwargs)


def is_source(obj: Any) -> bool:
    """True for an object that already is a Source (tests and benchmarks hand the widget their own)."""
    return (
        not isinstance(obj, RangeTestResult)
        and callable(getattr(obj, "run", None))
        and callable(getattr(obj, "settings", None))
        and hasattr(obj, "live")
    )
