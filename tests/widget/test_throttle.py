"""The frame throttle, driven by injected clocks: a steady 5..10 frames a second whatever a flush costs in
wall time, the first frame at once, stalled state rescued, a final flush, no thread left behind."""

from __future__ import annotations

import itertools
import threading

import pytest

from lrwidget.widget.throttle import Throttle


class FakeClocks:
    """A wall clock and a thread-CPU clock the test moves by hand; a flush may cost CPU and/or wall time."""

    def __init__(self) -> None:
        self.now = 0.0
        self.cpu = 0.0

    def wall(self) -> float:
        return self.now

    def thread_cpu(self) -> float:
        return self.cpu


def make(clocks: FakeClocks, flush_wall: float = 0.0, flush_cpu: float = 0.0, **kw):
    """A throttle on fake clocks (no daemon started) whose flush costs the given wall and CPU seconds."""
    frames: list[float] = []

    def flush() -> None:
        frames.append(clocks.now)
        clocks.now += flush_wall
        clocks.cpu += flush_cpu

    return Throttle(flush, clock=clocks.wall, cpu_clock=clocks.thread_cpu, **kw), frames


def run_steps(th: Throttle, clocks: FakeClocks, step_s: float, seconds: float) -> None:
    """A sweep of steps ``step_s`` apart, marking after each, with the daemon polling every millisecond."""
    end = clocks.now + seconds
    next_step = clocks.now + step_s
    while clocks.now < end:
        clocks.now = min(next_step, clocks.now + 0.001)
        if clocks.now >= next_step:
            next_step += step_s
            th.mark()
        th.poll()


def test_the_first_step_is_drawn_at_once():
    """The first mark flushes immediately: the first drawing never waits for an interval or the end."""
    clocks = FakeClocks()
    th, frames = make(clocks)
    th.mark()
    assert frames == [0.0]


@pytest.mark.parametrize("step_s", [0.0005, 0.01, 0.05, 0.09])
def test_fast_steps_give_ten_frames_a_second(step_s):
    """Whatever the step rate, frames come every 0.1 s (10 a second), never faster."""
    clocks = FakeClocks()
    th, frames = make(clocks, max_rate=10)
    run_steps(th, clocks, step_s, 2.0)
    gaps = [b - a for a, b in itertools.pairwise(frames)]
    assert min(gaps) >= 0.1 - 1e-9
    assert 2.0 * 10 * 0.75 <= len(frames) <= 2.0 * 10 + 1


def test_wall_time_waiting_for_the_gil_does_not_silence_the_view():
    """Defect 3: a flush that takes 0.5 s of wall time (waiting for the GIL on a busy machine) but 1 ms
    of CPU keeps the interval at 0.1 s; the old wall-time budget stretched it to 50 s."""
    clocks = FakeClocks()
    th, frames = make(clocks, flush_wall=0.5, flush_cpu=0.001, max_rate=10, budget=0.02)
    run_steps(th, clocks, 0.01, 10.0)
    assert th.interval == pytest.approx(0.1)
    assert len(frames) >= 10 / 0.6 * 0.9  # one frame per flush + interval: the wall time is the GIL's


def test_costly_flushes_slow_down_to_the_budget_but_never_below_five_frames_a_second():
    """CPU cost 3 ms under a 2 % budget: every 0.15 s; 20 ms of CPU would want 1 s: capped at 0.2 s."""
    clocks = FakeClocks()
    th, _ = make(clocks, flush_cpu=0.003, max_rate=10, min_rate=5, budget=0.02)
    run_steps(th, clocks, 0.005, 3.0)
    assert th.interval == pytest.approx(0.15)
    clocks2 = FakeClocks()
    th2, frames2 = make(clocks2, flush_cpu=0.02, max_rate=10, min_rate=5, budget=0.02)
    run_steps(th2, clocks2, 0.005, 4.0)
    assert th2.interval == pytest.approx(0.2)
    assert len(frames2) >= 4.0 * 5 * 0.95


@pytest.mark.parametrize(("share", "interval"), [(1.0, 0.1), (0.75, 0.1 / 0.75), (0.5, 0.2), (0.1, 0.2)])
def test_a_sweep_given_less_cpu_gets_fewer_frames_but_never_below_five_a_second(share, interval):
    """A machine shared with other processes: the process gets ``share`` of a core. 2 ms of CPU a flush
    under a 2 % budget is every 0.1 s with a whole core; with less, the flushes stay 2 % of the CPU the
    sweep gets (0.1 / share), but never fewer than 5 a second."""
    clocks = FakeClocks()
    th, frames = make(clocks, flush_cpu=0.002, max_rate=10, min_rate=5, budget=0.02)
    th.work_clock = lambda: clocks.now * share  # the process's CPU seconds
    run_steps(th, clocks, 0.005, 6.0)
    assert th.interval == pytest.approx(interval, rel=0.02)
    assert len(frames) >= 6.0 * 5 * 0.95


def test_late_frames_bring_the_next_forward_so_the_floor_holds_on_average():
    """At the floor (8 a second) with steps 30 ms apart a due frame waits for the next step, up to 25 ms
    late; the next one comes that much sooner (never closer than 1 / max_rate), so 6 s give 48 frames,
    not the 40 that 150 ms gaps would."""
    clocks = FakeClocks()
    th, frames = make(clocks, flush_cpu=0.02, max_rate=10, min_rate=8, budget=0.02)
    end = 6.0
    while clocks.now < end:
        clocks.now += 0.03
        th.mark()
    gaps = [b - a for a, b in itertools.pairwise(frames)]
    assert th.interval == pytest.approx(0.125)
    assert len(frames) >= 6.0 * 8 * 0.97
    assert min(gaps) >= 0.1 - 1e-9


def test_state_left_unsent_is_polled_out_after_one_interval():
    """A mark right after a flush waits; the daemon's poll sends it once the interval has passed."""
    clocks = FakeClocks()
    th, frames = make(clocks, max_rate=10)
    th.mark()
    clocks.now = 0.03
    th.mark()  # not due: pending
    assert not th.poll() and frames == [0.0]
    clocks.now = 0.1
    assert th.poll() and frames == [0.0, 0.1]
    assert not th.poll()  # nothing pending any more


def test_no_marks_no_flush_but_close_still_flushes_once():
    """An idle throttle never flushes on its own; close(final=True) flushes exactly once."""
    clocks = FakeClocks()
    th, frames = make(clocks)
    assert not th.poll()
    th.close()
    assert frames == [0.0]
    th2, frames2 = make(clocks)
    th2.close(final=False)
    assert frames2 == []


def test_the_daemon_rescues_a_stalled_producer_and_close_joins_it():
    """With real clocks: state marked after a flush goes out from the daemon; close leaves no thread."""
    done = threading.Event()
    where: list[str] = []

    def flush() -> None:
        where.append(threading.current_thread().name)
        if len(where) == 2:
            done.set()

    before = threading.active_count()
    th = Throttle(flush, max_rate=50).start()
    th.mark()  # flushed inline, on this thread
    th.mark()  # pending: the daemon sends it within an interval
    assert done.wait(10)
    th.close(final=False)
    assert where[0] == threading.current_thread().name and where[1] == "lrwidget-throttle"
    assert not th.running and threading.active_count() == before


def test_flush_errors_are_kept_not_raised():
    """A failing flush does not reach the producer (the sweep); the error is kept for the owner."""

    def boom() -> None:
        raise RuntimeError("view gone")

    th = Throttle(boom)
    th.mark()
    th.close()
    assert len(th.errors) == 2 and isinstance(th.errors[0], RuntimeError)


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"max_rate": 0}, "max_rate"),
        ({"max_rate": True}, "max_rate"),
        ({"max_rate": "10"}, "max_rate"),
        ({"min_rate": -1}, "min_rate"),
        ({"min_rate": 20, "max_rate": 10}, "min_rate"),
        ({"budget": 0}, "budget"),
        ({"budget": 1.5}, "budget"),
    ],
)
def test_bad_settings_are_refused_naming_them(kw, match):
    """Rates must be positive numbers with min <= max; the budget a fraction in (0, 1]."""
    with pytest.raises(ValueError, match=match):
        Throttle(lambda: None, **kw)


def test_start_twice_is_an_error():
    """A running throttle cannot be started again."""
    th = Throttle(lambda: None).start()
    with pytest.raises(RuntimeError):
        th.start()
    th.close(final=False)
