"""A live sweep: the run in a thread, its steps in a buffer, frames at a steady rate, a clean ending.

``LiveSession`` joins the three parts. The sweep runs in a daemon thread (the kernel's main thread
stays free, so browser clicks are handled during the sweep); each step goes into a ``StepBuffer``; a
``Throttle`` calls ``on_frame(frame)`` between 5 and 10 times a second; when the run ends, however it
ends, ``on_end(outcome)`` is called once from the sweep's thread. Nothing here touches a widget.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from lrwidget.core.events import StepEvent
from lrwidget.core.result import RangeTestResult
from lrwidget.widget.sources import Source
from lrwidget.widget.throttle import Clock, Throttle


@dataclass(frozen=True)
class Frame:
    """The curve so far (copies) and the last step, as one frame draws them."""

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    last: StepEvent | None


class StepBuffer:
    """Step events appended by the sweep thread; snapshots taken by whichever thread draws."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lrs: list[float] = []
        self._losses: list[float] = []
        self._smoothed: list[float] = []
        self._last: StepEvent | None = None

    def clear(self) -> None:
        with self._lock:
            self._lrs, self._losses, self._smoothed, self._last = [], [], [], None

    def add(self, ev: StepEvent) -> None:
        with self._lock:
            self._lrs.append(float(ev.lr))
            self._losses.append(float(ev.loss))
            self._smoothed.append(float(ev.smoothed))
            self._last = ev

    def __len__(self) -> int:
        with self._lock:
            return len(self._lrs)

    def snapshot(self) -> Frame:
        with self._lock:
            return Frame(
                np.array(self._lrs, dtype=float),
                np.array(self._losses, dtype=float),
                np.array(self._smoothed, dtype=float),
                self._last,
            )


@dataclass(frozen=True)
class RunOutcome:
    """How a run ended: the result (when it raised: the partial curve if the engine attached one, else
    None), the error text (None when it did not raise) and the seconds it took."""

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
        self._ending = threading.Event()  # set when the run has ended and on_done is being called

    @property
    def running(self) -> bool:
        """True while a run is in progress (its ending, ``on_done``, included)."""
        t = self._thread
        return t is not None and t.is_alive()

    @property
    def ending(self) -> bool:
        """True while the run is over but its thread is still in ``on_done`` (drawing the result)."""
        return self.running and self._ending.is_set()

    def settle(self, timeout: float | None = 30.0) -> bool:
        """Wait for a run that is only finishing its ending (a Run clicked as the status turned
        'stopped'); a run still sweeping is not waited for. True when no run is left."""
        if self.ending:
            self.join(timeout)
        return not self.running

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
            self._ending = threading.Event()
            args = (source, on_step, on_done, self.cancel, self._ending)
            thread = threading.Thread(target=self._work, args=args, name=self._name, daemon=True)
            self._thread = thread
            thread.start()
        return thread

    @staticmethod
    def _work(
        source: Source,
        on_step: Callable[[StepEvent], None],
        on_done: Callable[[RunOutcome], None],
        cancel: threading.Event,
        ending: threading.Event | None = None,
    ) -> None:
        t0 = time.perf_counter()
        try:
            result = source.run(on_step, cancel)
        except BaseException as exc:  # the thread must report every failure, even KeyboardInterrupt
            text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            partial = getattr(exc, "range_test_result", None)  # the engine attaches the curve so far
            partial = partial if isinstance(partial, RangeTestResult) else None
            outcome = RunOutcome(partial, text, exc, time.perf_counter() - t0)
        else:
            outcome = RunOutcome(result, None, None, time.perf_counter() - t0)
        if ending is not None:
            ending.set()
        on_done(outcome)

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


class LiveSession:
    """One sweep at a time of ``source``: ``on_frame(frame)`` while it runs, ``on_end(outcome, frame)`` once.

    ``on_end`` gets the last buffered frame too (the partial curve when the run raised without one).
    """

    def __init__(
        self,
        source: Source,
        on_frame: Callable[[Frame], None],
        on_end: Callable[[RunOutcome, Frame], None],
        max_rate: float = 10.0,
        min_rate: float = 5.0,
        clock: Clock = time.monotonic,
        cpu_clock: Clock = time.thread_time,
        work_clock: Clock | None = time.process_time,
    ):
        self.source = source
        self._work_clock = work_clock
        self._on_frame = on_frame
        self._on_end = on_end
        self._rates = (float(max_rate), float(min_rate))
        self._clocks = (clock, cpu_clock)
        self.buffer = StepBuffer()
        self.runner = SweepRunner()
        self.throttle: Throttle | None = None
        self.frames = 0  # frames sent (benchmarks and tests read it)

    @property
    def running(self) -> bool:
        return self.runner.running

    def settle(self, timeout: float | None = 30.0) -> bool:
        """Wait for a run that is only finishing its ending; True when no run is left."""
        return self.runner.settle(timeout)

    def start(self) -> None:
        """Start the sweep in its thread (RuntimeError if one is still sweeping; a run finishing its
        ending is waited for)."""
        self.runner.settle()
        if self.runner.running:
            raise RuntimeError("the range test is already running: call stop() or wait() first")
        self.buffer.clear()
        max_rate, min_rate = self._rates
        clock, cpu_clock = self._clocks
        throttle = Throttle(self._frame, max_rate, min_rate, clock=clock, cpu_clock=cpu_clock,
                            work_clock=self._work_clock)  # fmt: skip
        self.throttle = throttle.start()
        try:
            self.runner.start(self.source, self._step, self._done)
        except BaseException:  # lost a race with another start(): leave no throttle thread behind
            self.throttle = None
            throttle.close(final=False)
            raise

    def _step(self, ev: StepEvent) -> None:
        """Called by the engine from the sweep's thread: buffer, and draw when a frame is due."""
        self.buffer.add(ev)
        throttle = self.throttle
        if throttle is not None:
            throttle.mark()

    def _frame(self) -> None:
        frame = self.buffer.snapshot()
        if frame.last is None:
            return
        self._on_frame(frame)
        self.frames += 1

    def _done(self, outcome: RunOutcome) -> None:
        throttle, self.throttle = self.throttle, None
        if throttle is not None:
            throttle.close(final=False)  # the ending draws the whole result instead
        self._on_end(outcome, self.buffer.snapshot())

    def stop(self) -> None:
        """Ask the sweep to end: it does within one step (the engine restores the model)."""
        self.runner.stop()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the sweep (and its ending) to finish; True when it has."""
        return self.runner.join(timeout)

    def close(self) -> None:
        """Stop the sweep and wait for it, however long its current step takes."""
        self.runner.stop()
        self.runner.join(None)
