"""Rate-limit front-end updates: the browser draws every message it gets and falls behind without this.

``Throttle.mark()`` notes new state. With ``inline=True`` (the default) the producer's own thread
flushes when at least one interval has passed since the last flush: no thread hand-off, so a sweep
pays only the flush itself (about a millisecond, ten times a second) and never waits for the GIL
behind a second busy thread. A daemon thread covers stalls: state left unsent for two intervals
(a slow step, a pause) is flushed from there. ``close()`` flushes once more, so the final state
always reaches the browser. With ``inline=False`` every flush happens on the daemon thread.

``budget`` caps the share of time spent flushing: when a flush takes ``d`` seconds the next one waits
at least ``d / budget`` (1 %: a 2 ms flush is sent at most 5 times a second), so a big curve or a slow
machine lowers the update rate instead of slowing the sweep.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Throttle:
    """Call ``flush()`` at most ``max_rate`` times a second while marked, plus a final flush on close.

    Parameters
    ----------
    flush : callable
        Sends the current state (whole arrays, inside ``hold_sync``). Never two at once; errors are
        kept in ``errors`` (a broken view must not break the sweep that feeds it).
    max_rate : float
        Upper bound on flushes per second (default 10).
    inline : bool
        Flush on the thread that calls ``mark()`` when one is due (default), else only on the daemon.
    budget : float or None
        Most of the wall time to spend flushing (default 0.01); None: ``max_rate`` alone decides.
    """

    def __init__(
        self,
        flush: Callable[[], None],
        max_rate: float = 10.0,
        inline: bool = True,
        budget: float | None = 0.01,
        name: str = "lrwidget-throttle",
    ):
        if isinstance(max_rate, bool) or not (isinstance(max_rate, (int, float)) and max_rate > 0):
            raise ValueError(f"max_rate must be a positive number of updates per second, got {max_rate!r}")
        if budget is not None and not (isinstance(budget, (int, float)) and 0 < budget <= 1):
            raise ValueError(f"budget must be a fraction in (0, 1] or None, got {budget!r}")
        self._flush = flush
        self.min_interval = 1.0 / float(max_rate)
        self.interval = self.min_interval  # grows when flushes are slow (budget)
        self.budget = budget
        self.flush_seconds = 0.0  # moving average of a flush's duration
        self.inline = bool(inline)
        self._name = name
        self._cond = threading.Condition()
        self._flush_lock = threading.Lock()
        self._pending = False
        self._closing = False
        self._last = -float("inf")  # when the last flush started (monotonic seconds)
        self._thread: threading.Thread | None = None
        self.flushes = 0
        self.errors: list[BaseException] = []

    @property
    def running(self) -> bool:
        """True while the daemon thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> Throttle:
        """Start the daemon thread; returns self."""
        if self.running:
            raise RuntimeError("Throttle already started")
        self._closing = False
        self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
        self._thread.start()
        return self

    def _claim(self, now: float, after: float) -> bool:
        """Take the right to flush now if ``after`` seconds have passed since the last one (lock held)."""
        if now - self._last >= after:
            self._last = now
            self._pending = False
            return True
        return False

    def mark(self) -> None:
        """Note new state to send (thread-safe); flushes here when inline and one is due."""
        due = False
        with self._cond:
            if self.inline and self._claim(time.monotonic(), self.interval):
                due = True
            elif not self._pending:
                self._pending = True
                self._cond.notify()
        if due:
            self._do_flush()

    def flush_now(self) -> None:
        """Flush at once on the calling thread (serialised with the other flushes)."""
        with self._cond:
            self._pending = False
            self._last = time.monotonic()
        self._do_flush()

    def close(self, final: bool = True, timeout: float | None = 5.0) -> None:
        """Stop the daemon and join it; with ``final`` flush once more so nothing is left unsent."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        if final:
            self.flush_now()

    def _do_flush(self) -> None:
        with self._flush_lock:
            t0 = time.perf_counter()
            try:
                self._flush()
            except Exception as exc:
                self.errors.append(exc)
            finally:
                self.flushes += 1
                d = time.perf_counter() - t0
                self.flush_seconds = d if self.flushes == 1 else 0.7 * self.flush_seconds + 0.3 * d
                if self.budget is not None:
                    self.interval = max(self.min_interval, self.flush_seconds / self.budget)

    def _loop(self) -> None:
        # inline: the daemon only rescues state left unsent for two intervals; else it does every flush
        while True:
            after = 2 * self.interval if self.inline else self.interval
            with self._cond:
                while not self._pending and not self._closing:
                    self._cond.wait()
                if self._closing:
                    return
                wait = self._last + after - time.monotonic()
                if wait > 0:
                    self._cond.wait(timeout=wait)  # woken early only by close (or a new mark: re-check)
                    continue
                if not (self._pending and self._claim(time.monotonic(), after)):
                    continue
            self._do_flush()
