"""The update throttle: at most max_rate flushes a second, always a final flush, no thread left behind."""

from __future__ import annotations

import itertools
import threading
import time

import pytest

from lrwidget.widget.throttle import Throttle


@pytest.mark.parametrize("inline", [True, False])
def test_fast_marks_are_rate_limited_and_flushed_at_the_end(inline):
    """20,000 marks over about a second give at most ~10 flushes, and the last state is flushed on close."""
    seen = []
    state = {"n": 0}
    th = Throttle(lambda: seen.append((state["n"], time.monotonic())), max_rate=10, inline=inline).start()
    t0 = time.monotonic()
    while time.monotonic() - t0 < 1.0:
        state["n"] += 1
        th.mark()
    duration = time.monotonic() - t0
    th.close()
    assert seen[-1][0] == state["n"]  # the final flush carries the final state
    assert len(seen) <= 10 * duration + 2
    assert len(seen) >= 3  # and it did update while marking
    live = [t for _, t in seen[:-1]]  # the final flush may come early
    gaps = [b - a for a, b in itertools.pairwise(live)]
    assert min(gaps, default=1.0) >= 0.099


def test_inline_flushes_run_on_the_marking_thread():
    """Inline, a due flush runs on the caller's thread: no hand-off to another thread."""
    where = []
    th = Throttle(lambda: where.append(threading.current_thread().name), inline=True).start()
    th.mark()
    th.close(final=False)
    assert where == [threading.current_thread().name]


def test_a_stalled_producer_is_rescued_by_the_daemon():
    """State marked right after a flush, then nothing for a while, still goes out within ~2 intervals."""
    seen = []
    th = Throttle(lambda: seen.append(time.monotonic()), max_rate=10, inline=True).start()
    th.mark()  # due: flushed inline
    t = time.monotonic()
    th.mark()  # not due: left pending, then the producer stalls
    deadline = t + 1.0
    while len(seen) < 2 and time.monotonic() < deadline:
        time.sleep(0.005)
    th.close(final=False)
    assert len(seen) == 2 and 0.15 <= seen[1] - seen[0] < 0.6


def test_no_marks_no_flush_but_close_still_flushes_once():
    """An idle throttle never flushes on its own; close(final=True) flushes exactly once."""
    calls = []
    th = Throttle(lambda: calls.append(1)).start()
    time.sleep(0.25)
    assert calls == []
    th.close()
    assert calls == [1]
    th2 = Throttle(lambda: calls.append(2)).start()
    th2.close(final=False)
    assert calls == [1]


@pytest.mark.parametrize("inline", [True, False])
def test_a_mark_after_a_quiet_spell_is_sent_promptly(inline):
    """A single mark after a quiet spell is sent within about one interval (no waiting for more steps)."""
    times = []
    th = Throttle(lambda: times.append(time.monotonic()), max_rate=10, inline=inline).start()
    time.sleep(0.3)
    t = time.monotonic()
    th.mark()
    deadline = time.monotonic() + 1.0
    while not times and time.monotonic() < deadline:
        time.sleep(0.005)
    th.close(final=False)
    assert times and times[0] - t < 0.5  # at once inline; within an interval otherwise (busy machine: room)


def test_close_joins_the_thread():
    """After close there is no throttle thread left."""
    before = threading.active_count()
    th = Throttle(lambda: None).start()
    assert th.running
    th.mark()
    th.close()
    assert not th.running and threading.active_count() == before


def test_flush_errors_are_kept_not_raised():
    """A failing flush does not reach the producer (the sweep); the error is kept for the owner."""

    def boom():
        raise RuntimeError("view gone")

    th = Throttle(boom).start()
    th.mark()
    th.close()
    assert len(th.errors) == 2 and isinstance(th.errors[0], RuntimeError)


@pytest.mark.parametrize("bad", [0, -1.0, True, "10"])
def test_bad_rate_is_rejected(bad):
    """max_rate must be a positive number."""
    with pytest.raises(ValueError, match="max_rate"):
        Throttle(lambda: None, max_rate=bad)


def test_start_twice_is_an_error():
    """A running throttle cannot be started again."""
    th = Throttle(lambda: None).start()
    with pytest.raises(RuntimeError):
        th.start()
    th.close(final=False)


def test_slow_flushes_lower_the_rate_to_keep_the_budget():
    """A 20 ms flush under a 10 % budget is sent at most every ~200 ms, not every 100 ms."""
    seen = []

    def slow_flush():
        seen.append(time.monotonic())
        time.sleep(0.02)

    th = Throttle(slow_flush, max_rate=10, budget=0.1).start()
    t0 = time.monotonic()
    while time.monotonic() - t0 < 1.0:
        th.mark()
        time.sleep(0.001)
    th.close(final=False)
    gaps = [b - a for a, b in itertools.pairwise(seen)]
    assert th.interval >= 0.19 and min(gaps[1:], default=1.0) >= 0.19
    assert len(seen) <= 7


def test_bad_budget_is_rejected():
    """budget must be a fraction in (0, 1] or None."""
    with pytest.raises(ValueError, match="budget"):
        Throttle(lambda: None, budget=0)
    assert Throttle(lambda: None, budget=None).budget is None
