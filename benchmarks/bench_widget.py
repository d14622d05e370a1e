"""What the widget costs a sweep, how often it draws, and what it sends to the browser.

1. The widget's sweep against the same prepared sweep run headless (``prepare_sweep(...).run()``, the call
   the widget's source makes) on the same model and data, runs interleaved, median of the per-pair
   ratios (target <= 1.03). "sweep" times the engine's call alone (what the user
   waits for to train on); "end to end" adds the final drawing and the suggestions. The flushes' share
   of the sweep is printed in CPU time (thread CPU spent in flushes / process CPU of the sweep) and in
   wall time: it is the widget's direct cost, and unlike the ratio it does not move with the load of a
   shared machine. The frame rate (flushes sent per second of sweep) and the longest gap between two
   frames (sweep start and end included) come from the same runs (target >= 5 frames a second).
2. Messages and bytes per second the widget sends during a 3,000-step sweep, counted by a recording comm
   (every widget message is serialised as it would be for a kernel: JSON state plus binary buffers), and
   the frame rate at that step rate.
3. The same sweep on a loaded machine: two other processes spinning on the CPU (on 2 cores the sweep gets
   about a third of one), then with a busy Python thread in the kernel itself (every GIL release in
   the step waits a switch interval for it, so a step takes far longer). The frame rate and longest gap,
   and a flush's CPU against its wall time (the throttle budgets CPU, so the wait does not slow the frames
   down). A frame only has something new to show after a step, so the target is min(5, steps per second)
   frames a second: at least 5, or every step drawn when the steps are slower than that.

The browser may draw fewer frames than are sent; tests/e2e counts the frames drawn.

Run: ``python benchmarks/bench_widget.py [--pairs 15] [--num-it 100]`` (digits CNN, one torch thread).
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from lrwidget.engine.entry import prepare_sweep
from lrwidget.examples.digits import digits_loaders, small_cnn, small_mlp
from lrwidget.widget.finder import LRFinderWidget
from lrwidget.widget.sources import LiveSource
from lrwidget.widget.testing import record_comms

TARGET = 1.03
MIN_FPS = 5.0


class TimedSource(LiveSource):
    """A learner source that also times the engine's own call (the sweep without the final drawing)."""

    sweep_s = 0.0
    started = 0.0
    ended = 0.0
    cpu_s = 0.0

    def run(self, on_step, cancel):
        self.started = time.perf_counter()
        c0 = time.process_time()
        try:
            return super().run(on_step, cancel)
        finally:
            self.ended = time.perf_counter()
            self.cpu_s = time.process_time() - c0
            self.sweep_s = self.ended - self.started


@dataclass
class FrameLog:
    """When each frame was sent during one run, and what the frames cost (thread CPU and wall seconds)."""

    at: list[float] = field(default_factory=list)
    cpu: float = 0.0
    wall: float = 0.0

    def clear(self) -> None:
        self.at.clear()
        self.cpu = self.wall = 0.0


def instrument(w: LRFinderWidget) -> FrameLog:
    """Record every live frame the widget sends (the session's frame callback, wrapped)."""
    log = FrameLog()
    flush = w._on_frame

    def timed(frame) -> None:
        t, c = time.perf_counter(), time.thread_time()
        log.at.append(t)
        flush(frame)
        log.cpu += time.thread_time() - c
        log.wall += time.perf_counter() - t

    w.session._on_frame = timed
    return log


def frame_figures(at: list[float], start: float, end: float) -> tuple[float, float, int]:
    """(frames per second of sweep, longest gap in s, gaps over 1 / MIN_FPS) for frames sent at ``at``
    during [start, end] (the sweep's start and end count as ends of gaps)."""
    inside = [t for t in at if start <= t <= end]
    gaps = [b - a for a, b in itertools.pairwise([start, *inside, end])]
    return len(inside) / max(end - start, 1e-9), max(gaps), sum(g > 1 / MIN_FPS for g in gaps)


def _parts(model_fn):
    model = model_fn(seed=0)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return model, opt


def _verdict(fps: float) -> str:
    return f"target >= {MIN_FPS:g}/s: " + ("OK" if fps >= MIN_FPS else "BELOW TARGET")


def bench_ratio(pairs: int, num_it: int) -> None:
    from lrwidget.engine.learner import Learner

    train, _ = digits_loaders(batch_size=64, seed=0)
    model, opt = _parts(small_cnn)
    kw = {"num_it": num_it, "end_lr": 1.0, "stop_div": False}
    learner = Learner(model, opt, F.cross_entropy, train)
    bare = prepare_sweep(learner, progress=False, **kw)  # the very call the widget's source makes
    headless, sweep, end2end, cpu_share, wall_share = [], [], [], [], []
    fps, gap, long_gaps = [], [], []
    with record_comms() as log:
        src = TimedSource(learner, **kw)
        w = LRFinderWidget(src, autoplay=False)
        frames = instrument(w)
        bare.run()  # warm-up
        for i in range(pairs):
            order = ("headless", "widget") if i % 2 == 0 else ("widget", "headless")
            for kind in order:
                if kind == "headless":
                    t0 = time.perf_counter()
                    bare.run()
                    headless.append(time.perf_counter() - t0)
                else:
                    log.clear()
                    frames.clear()
                    t0 = time.perf_counter()
                    w.start()
                    w.wait()
                    end2end.append(time.perf_counter() - t0)
                    sweep.append(src.sweep_s)
                    cpu_share.append(frames.cpu / src.cpu_s)
                    wall_share.append(frames.wall / src.sweep_s)
                    f, g, over = frame_figures(frames.at, src.started, src.ended)
                    fps.append(f)
                    gap.append(g)
                    long_gaps.append(over)
    r_sweep = statistics.median(s / h for s, h in zip(sweep, headless, strict=True))
    r_e2e = statistics.median(e / h for e, h in zip(end2end, headless, strict=True))
    print(
        f"[1] digits CNN, {num_it} steps, {pairs} interleaved pairs, torch threads={torch.get_num_threads()}"
    )
    print(
        f"    headless sweep         median {statistics.median(headless) * 1e3:8.1f} ms  (same prepared run)"
    )
    print(f"    widget: sweep          median {statistics.median(sweep) * 1e3:8.1f} ms")
    print(f"    widget: end to end     median {statistics.median(end2end) * 1e3:8.1f} ms")
    verdict = "OK" if r_sweep <= TARGET else "ABOVE TARGET"
    print(f"    ratio sweep/headless   median {r_sweep:.3f}  (target <= {TARGET}: {verdict})")
    print(f"    ratio end-to-end/headless median {r_e2e:.3f}  (includes drawing the result + suggestions)")
    print(
        f"    flush share of the sweep: median {statistics.median(cpu_share) * 100:.2f} % of its CPU, "
        f"{statistics.median(wall_share) * 100:.2f} % of its wall time (the throttle's CPU budget is 2 %)"
    )
    print(
        f"    frames sent            median {statistics.median(fps):.1f} per s (lowest {min(fps):.1f}); "
        f"longest gap median {statistics.median(gap) * 1e3:.0f} ms (worst {max(gap) * 1e3:.0f} ms, "
        f"{sum(long_gaps)} gaps over {1e3 / MIN_FPS:.0f} ms in {len(gap)} sweeps)  ({_verdict(min(fps))})"
    )


def _traffic_run(num_it: int, busy: str = "") -> tuple[LRFinderWidget, TimedSource, FrameLog, list, float]:
    """One sweep of the digits MLP in a widget; ``busy``: "", "thread" (a GIL-holding thread in this
    process) or "processes" (two CPU-spinning processes beside it)."""
    from lrwidget.engine.learner import Learner

    train, _ = digits_loaders(batch_size=32, seed=0)
    model, opt = _parts(small_mlp)
    learner = Learner(model, opt, F.cross_entropy, train)
    stop = threading.Event()

    def hog() -> None:  # pure Python: holds the GIL whenever it runs
        while not stop.is_set():
            sum(range(2000))

    with record_comms() as log:
        src = TimedSource(learner, num_it=num_it, end_lr=1.0, stop_div=False)
        w = LRFinderWidget(src, autoplay=False)
        frames = instrument(w)
        hogger = threading.Thread(target=hog, daemon=True)
        spinners = []
        if busy == "thread":
            hogger.start()
        elif busy == "processes":
            spin = [sys.executable, "-c", "while True: pass"]
            spinners = [subprocess.Popen(spin) for _ in range(2)]
            time.sleep(0.5)
        log.clear()
        t0 = time.perf_counter()
        try:
            w.start()
            w.wait()
        finally:
            stop.set()
            if hogger.is_alive():
                hogger.join()
            for p in spinners:
                p.kill()
                p.wait()
        total = time.perf_counter() - t0
    return w, src, frames, list(log.messages), total


def bench_traffic(num_it: int = 3000) -> None:
    w, src, frames, messages, total = _traffic_run(num_it)
    during = [m for m in messages if m[0] <= src.ended]
    after = [m for m in messages if m[0] > src.ended]
    n_d, b_d = len(during), sum(m[3] for m in during)
    n_a, b_a = len(after), sum(m[3] for m in after)
    sweep = src.sweep_s
    print(f"[2] digits MLP, {len(w.result)} steps in {sweep:.2f} s ({len(w.result) / sweep:.0f} steps/s)")
    fps, gap, over = frame_figures(frames.at, src.started, src.ended)
    gaps = [b - a for a, b in itertools.pairwise(frames.at)]
    print(
        f"    frames sent            {len(frames.at)}: {fps:.1f} per s, longest gap {gap * 1e3:.0f} ms "
        f"({over} over {1e3 / MIN_FPS:.0f} ms), shortest {min(gaps, default=float('nan')) * 1e3:.0f} ms "
        f"(cap 10 per s = 100 ms; {_verdict(fps)})"
    )
    print(f"    during the sweep       {n_d} messages, {b_d / 1024:.1f} KiB = {n_d / sweep:.1f} msg/s, "
          f"{b_d / 1024 / sweep:.1f} KiB/s")  # fmt: skip
    print(f"    final drawing          {n_a} messages, {b_a / 1024:.1f} KiB (once, after the sweep)")
    print(f"    end to end             {total:.2f} s")


def _busy_figures(label: str, num_it: int, busy: str) -> None:
    w, src, frames, _messages, _total = _traffic_run(num_it, busy=busy)
    fps, gap, over = frame_figures(frames.at, src.started, src.ended)
    steps_per_s = len(w.result) / src.sweep_s
    target = min(MIN_FPS, steps_per_s)
    n = max(1, len(frames.at))
    verdict = "OK" if fps >= 0.95 * target else "BELOW TARGET"
    print(f"    {label}: {len(w.result)} steps in {src.sweep_s:.2f} s ({steps_per_s:.1f} steps/s)")
    print(
        f"      frames sent          {len(frames.at)}: {fps:.1f} per s, longest gap {gap * 1e3:.0f} ms "
        f"({over} over {1e3 / MIN_FPS:.0f} ms); target min(5, steps/s) = {target:.1f}/s: {verdict}"
    )
    print(
        f"      a flush costs        {frames.cpu / n * 1e3:.1f} ms CPU, {frames.wall / n * 1e3:.1f} ms wall "
        "(the wait for the GIL or a core is wall, not CPU: the budget does not count it)"
    )


def bench_busy() -> None:
    print("[3] digits MLP on a loaded machine")
    _busy_figures("two CPU-spinning processes beside the kernel", 1500, "processes")
    _busy_figures("a busy Python thread in the kernel", 12, "thread")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=15, help="interleaved headless/widget pairs")
    parser.add_argument("--num-it", type=int, default=100, help="steps per sweep for the ratio")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    bench_ratio(args.pairs, args.num_it)
    bench_traffic()
    bench_busy()


if __name__ == "__main__":
    main()
