"""What the widget can show: a live sweep of a learner, or a saved result replayed without torch.

``make_source`` picks the kind. ``SweepRunner`` runs a source in a daemon thread with a cancel event:
the kernel's main thread stays free, so clicks from the browser are handled during the sweep.
Nothing here touches widgets; the finder reacts to the callbacks.
"""

from __future__ import annotations

import os
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from lrwidget.core.events import StepEvent
from lrwidget.core.result import RangeTestResult

# lr_find keywords the widget passes itself; a user may not override them
RESERVED = ("on_step", "cancel", "progress")


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


class LearnerSource:
    """A learner-like object (``lrwidget.Learner`` or a fastai Learner) swept by ``lr_find``."""

    live = True

    def __init__(self, learner: Any, lr_find_kwargs: Mapping[str, Any]):
        bad = [k for k in RESERVED if k in lr_find_kwargs]
        if bad:
            raise TypeError(f"{', '.join(bad)} are set by the widget itself; do not pass them")
        self.learner = learner
        self.kwargs = dict(lr_find_kwargs)
        _validate_range_kwargs(self.kwargs)

    def run(self, on_step: Callable[[StepEvent], None], cancel: threading.Event) -> RangeTestResult:
        return self.learner.lr_find(**self.kwargs, on_step=on_step, cancel=cancel, progress=False)

    def settings(self) -> dict[str, Any]:
        s = {"start_lr": 1e-7, "end_lr": 10.0, "num_it": 100, "mode": "exp"}
        s.update({k: v for k, v in self.kwargs.items() if k in ("start_lr", "end_lr", "num_it", "mode")})
        return s


def _validate_range_kwargs(kwargs: Mapping[str, Any]) -> None:
    """Fail at construction (not in the thread) on a range lr_find would refuse."""
    from lrwidget.core.schedules import validate_range

    validate_range(
        kwargs.get("start_lr", 1e-7),
        kwargs.get("end_lr", 10),
        kwargs.get("num_it", 100),
        kwargs.get("mode", "exp"),
    )


def make_source(obj: Any, **lr_find_kwargs: Any) -> Source:
    """A RangeTestResult (or a path to its JSON) -> replay; anything learner-like -> a live sweep."""
    if isinstance(obj, RangeTestResult):
        if lr_find_kwargs:
            raise TypeError(
                f"a saved RangeTestResult is replayed as is; lr_find keywords do not apply "
                f"(got {sorted(lr_find_kwargs)})"
            )
        return ReplaySource(obj)
    if isinstance(obj, (str, os.PathLike)):
        return make_source(RangeTestResult.from_json(obj), **lr_find_kwargs)
    if obj is None:
        raise TypeError("source must be an lrwidget.Learner, a fastai Learner or a RangeTestResult, got None")
    from lrwidget.engine.adapters import as_learner  # torch loads only for live sources

    return LearnerSource(as_learner(obj), lr_find_kwargs)


@dataclass
class RunOutcome:
    """How a run ended: the result (when it raised: the partial curve if the engine attached one, else
    None) and the error text (None when it did not raise)."""

    result: RangeTestResult | None
    error: str | None
    exception: BaseException | None
    elapsed: float


class SweepRunner:
    """Run a source in a daemon thread; ``stop()`` sets the cancel event; ``join()`` waits.

    ``on_done(outcome)`` is called from the worker thread when the run ends, however it ends.
    """

    def __init__(self, name: str = "lrwidget-sweep"):
        self._name = name
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.cancel = threading.Event()

    @property
    def running(self) -> bool:
        """True while a run is in progress."""
        t = self._thread
        return t is not None and t.is_alive()

    def start(
        self,
        source: Source,
        on_step: Callable[[StepEvent], None],
        on_done: Callable[[RunOutcome], None],
    ) -> threading.Thread:
        """Start ``source.run`` in a new daemon thread; RuntimeError if one is still running."""
        with self._lock:
            if self.running:
                raise RuntimeError("a sweep is already running: stop() it or wait() for it first")
            self.cancel = threading.Event()
            cancel = self.cancel
            thread = threading.Thread(
                target=self._work, args=(source, on_step, on_done, cancel), name=self._name, daemon=True
            )
            self._thread = thread
            thread.start()
        return thread

    @staticmethod
    def _work(source: Source, on_step, on_done, cancel: threading.Event) -> None:
        t0 = time.perf_counter()
        try:
            result = source.run(on_step, cancel)
        except BaseException as exc:  # the thread must report every failure, even KeyboardInterrupt
            text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            partial = getattr(exc, "range_test_result", None)  # the engine attaches the curve so far
            partial = partial if isinstance(partial, RangeTestResult) else None
            on_done(RunOutcome(partial, text, exc, time.perf_counter() - t0))
            return
        on_done(RunOutcome(result, None, None, time.perf_counter() - t0))

    def stop(self) -> None:
        """Ask the run to end: the engine checks the event before every step."""
        self.cancel.set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the run to end; True when it has (or none was started)."""
        t = self._thread
        if t is None or t is threading.current_thread():
            return True
        t.join(timeout)
        return not t.is_alive()
