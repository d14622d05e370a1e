"""Frames at a steady rate: the browser draws every message it gets and falls behind without a limit.

``Throttle.mark()`` notes new state. The first mark flushes at once (the first drawing comes early);
after that the producer's own thread flushes whenever a frame interval has passed, and a daemon thread
flushes state left unsent for one interval (a slow step, a pause). ``close()`` can flush once more.

The interval is ``1 / max_rate`` unless flushing costs more than ``budget`` of the work; then it grows
to ``cost / (budget * work_rate)`` but never past ``1 / min_rate``, so at least ``min_rate`` frames a
second reach the browser whatever the load. The cost is the flush's *thread CPU time* (``cpu_clock``),
not its wall time: on a busy machine the wall time includes waiting for the GIL, and a budget on it once
silenced the view for seconds. ``work_rate`` is the process's CPU seconds per wall second between
flushes (``work_clock``, at most 1; taken as 1 without one): on a machine shared with other processes
the sweep gets less CPU, and the flushes stay within ``budget`` of what it gets. The clocks are
injectable, so the arithmetic is tested without sleeping.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

Clock = Callable[[], float]


class Throttle:
    """Call ``flush()`` at most ``max_rate`` and at least ``min_rate`` times a second while marked.

    Parameters
    ----------
    flush : callable
        Sends the current state. Never two at once; errors are kept in ``errors`` (a broken view must
        not break the sweep that feeds it).
    max_rate, min_rate : float
        Frames per second: the most, and the least the budget may lower it to (defaults 10 and 5).
    budget : float
        Share of the time flushing may cost in CPU (default 0.02).
    clock, cpu_clock : callables
        Monotonic seconds (``time.monotonic``) and the calling thread's CPU seconds (``time.thread_time``).
    work_clock : callable or None
        The process's CPU seconds (``time.process_time``), for the share of CPU the sweep gets; None
        budgets against wall time (a sweep taken to have a whole core).
    """

    def __init__(
        self,
        flush: Callable[[], None],
        max_rate: float = 10.0,
        min_rate: float = 5.0,
        budget: float = 0.02,
        clock: Clock = time.monotonic,
        cpu_clock: Clock = time.thread_time,
        work_clock: Clock | None = None,
        name: str = "lrwidget-throttle",
    ):
        for label, rate in (("max_rate", max_rate), ("min_rate", min_rate)):
            if isinstance(rate, bool) or not (isinstance(rate, (int, float)) and rate > 0):
                raise ValueError(f"{label} must be a positive number of frames per second, got {rate!r}")
        if min_rate > max_rate:
            raise ValueError(f"min_rate must not exceed max_rate, got {min_rate!r} > {max_rate!r}")
        if isinstance(budget, bool) or not (isinstance(budget, (int, float)) and 0 < budget <= 1):
            raise ValueError(f"budget must be a fraction in (0, 1], got {budget!r}")
        self._flush = flush
        self.min_interval = 1.0 / float(max_rate)
        self.max_interval = 1.0 / float(min_rate)
        self.interval = self.min_interval
        self.budget = float(budget)
        self.flush_cpu = 0.0  # moving average of a flush's CPU seconds
        self.work_rate = 1.0  # moving average of the process's CPU seconds per wall second (<= 1)
        self.clock = clock
        self.cpu_clock = cpu_clock
        self.work_clock = work_clock
        self._work_mark: tuple[float, float] | None = None  # (clock, work_clock) at the last flush
        self._name = name
        self._cond = threading.Condition()
        self._flush_lock = threading.Lock()
        self._pending = False
        self._closing = False
        self._last = -float("inf")  # clock() when the last flush started
        self._thread: threading.Thread | None = None
        self.flushes = 0
        self.errors: list[BaseException] = []

    @property
    def running(self) -> bool:
        """True while the daemon thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> Throttle:
        """Start the daemon that flushes stalled state; returns self."""
        if self.running:
            raise RuntimeError("Throttle already started")
        self._closing = False
        self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
        self._thread.start()
        return self

    def _claim(self) -> bool:
        """Take the right to flush now if a frame interval has passed (lock held).

        A frame that comes late (steps that arrive between due times, a thread waiting for the GIL or a
        core) brings the next one forward by its lateness, but never closer than ``1 / max_rate``: so
        on a steady stream the frames keep the interval's rate on average, and the floor holds.
        """
        now = self.clock()
        gap = now - self._last
        if gap >= self.interval:
            late = gap - self.interval
            streaming = gap < 2 * self.interval
            self._last = now - min(late, self.interval - self.min_interval) if streaming else now
            self._pending = False
            return True
        return False

    def mark(self) -> None:
        """Note new state to send (thread-safe); flushes on this thread when a frame is due."""
        with self._cond:
            due = self._claim()
            if not due and not self._pending:
                self._pending = True
                self._cond.notify()
        if due:
            self._do_flush()

    def poll(self) -> bool:
        """Flush marked state if a frame is due (what the daemon does); True when it flushed."""
        with self._cond:
            due = self._pending and self._claim()
        if due:
            self._do_flush()
        return due

    def close(self, final: bool = True, timeout: float | None = 5.0) -> None:
        """Stop the daemon and join it; with ``final`` flush once more so nothing is left unsent."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        if final:
            with self._cond:
                self._pending = False
                self._last = self.clock()
            self._do_flush()

    def _do_flush(self) -> None:
        with self._flush_lock:
            c0 = self.cpu_clock()
            try:
                self._flush()
            except Exception as exc:
                self.errors.append(exc)
            finally:
                self.flushes += 1
                cost = max(0.0, self.cpu_clock() - c0)
                self.flush_cpu = cost if self.flushes == 1 else 0.7 * self.flush_cpu + 0.3 * cost
                self._measure_work()
                wanted = self.flush_cpu / (self.budget * self.work_rate)
                self.interval = min(self.max_interval, max(self.min_interval, wanted))
        time.sleep(0)  # give up the GIL once: the kernel's IO thread sends the frame now, not after the step

    def _measure_work(self) -> None:
        """Update ``work_rate`` from the process CPU used since the last flush (flush lock held)."""
        if self.work_clock is None:
            return
        now, work = self.clock(), self.work_clock()
        if self._work_mark is not None:
            dt, dw = now - self._work_mark[0], work - self._work_mark[1]
            if dt > 0:
                rate = min(1.0, max(0.05, dw / dt))
                self.work_rate = 0.7 * self.work_rate + 0.3 * rate
        self._work_mark = (now, work)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._closing:
                    self._cond.wait()
                if self._closing:
                    return
                wait = self._last + self.interval - self.clock()
                if wait > 0:
                    self._cond.wait(timeout=wait)  # woken early only by close (or a new mark: re-check)
                    continue
            self.poll()
