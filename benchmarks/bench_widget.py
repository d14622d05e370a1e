"""What the widget costs a sweep, and what it sends to the browser.

1. Widget-attached ``lr_find`` against headless ``lr_find`` on the same model and data, runs interleaved,
   median of the per-pair ratios (target <= 1.03). "sweep" times the engine's call alone (what the user
   waits for to train on); "end to end" adds the final drawing and the suggestions. The share of the
   sweep spent in the widget's live flushes is printed too: it is the widget's direct cost, and unlike
   the ratio it does not move with the load of a shared machine.
2. Messages and bytes per second the widget sends during a 1,000-step sweep, counted by a recording comm
   (every widget message is serialised as it would be for a kernel: JSON state plus binary buffers).

Run: ``python benchmarks/bench_widget.py [--pairs 9] [--num-it 100]`` (digits CNN, one torch thread).
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time

import torch
import torch.nn.functional as F

from lrwidget.engine.range_test import lr_find
from lrwidget.examples.digits import digits_loaders, small_cnn, small_mlp
from lrwidget.widget.finder import LRFinderWidget
from lrwidget.widget.sources import LiveSource
from lrwidget.widget.testing import record_comms

TARGET = 1.03


class TimedSource(LiveSource):
    """A learner source that also times the engine's own call (the sweep without the final drawing)."""

    sweep_s = 0.0

    def run(self, on_step, cancel):
        t0 = time.perf_counter()
        try:
            return super().run(on_step, cancel)
        finally:
            self.sweep_s = time.perf_counter() - t0


def _parts(model_fn):
    model = model_fn(seed=0)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return model, opt


def bench_ratio(pairs: int, num_it: int) -> None:
    from lrwidget.engine.learner import Learner

    train, _ = digits_loaders(batch_size=64, seed=0)
    model, opt = _parts(small_cnn)
    kw = {"num_it": num_it, "end_lr": 1.0, "stop_div": False}
    learner = Learner(model, opt, F.cross_entropy, train)
    headless, sweep, end2end, flushing = [], [], [], []
    with record_comms() as log:
        src = TimedSource(learner, **kw)
        w = LRFinderWidget(src, autoplay=False)
        spent = [0.0]
        flush = w._on_frame

        def timed_flush(frame) -> None:
            t = time.perf_counter()
            flush(frame)
            spent[0] += time.perf_counter() - t

        w.session._on_frame = timed_flush
        lr_find(model, opt, F.cross_entropy, train, progress=False, **kw)  # warm-up
        for i in range(pairs):
            order = ("headless", "widget") if i % 2 == 0 else ("widget", "headless")
            for kind in order:
                if kind == "headless":
                    t0 = time.perf_counter()
                    lr_find(model, opt, F.cross_entropy, train, progress=False, **kw)
                    headless.append(time.perf_counter() - t0)
                else:
                    log.clear()
                    spent[0] = 0.0
                    t0 = time.perf_counter()
                    w.start()
                    w.wait()
                    end2end.append(time.perf_counter() - t0)
                    sweep.append(src.sweep_s)
                    flushing.append(spent[0] / src.sweep_s)
    r_sweep = statistics.median(s / h for s, h in zip(sweep, headless, strict=True))
    r_e2e = statistics.median(e / h for e, h in zip(end2end, headless, strict=True))
    print(
        f"[1] digits CNN, {num_it} steps, {pairs} interleaved pairs, torch threads={torch.get_num_threads()}"
    )
    print(f"    headless lr_find       median {statistics.median(headless) * 1e3:8.1f} ms")
    print(f"    widget: sweep          median {statistics.median(sweep) * 1e3:8.1f} ms")
    print(f"    widget: end to end     median {statistics.median(end2end) * 1e3:8.1f} ms")
    verdict = "OK" if r_sweep <= TARGET else "ABOVE TARGET"
    print(f"    ratio sweep/headless   median {r_sweep:.3f}  (target <= {TARGET}: {verdict})")
    print(f"    ratio end-to-end/headless median {r_e2e:.3f}  (includes drawing the result + suggestions)")
    print(
        f"    time spent in live flushes: median {statistics.median(flushing) * 100:.2f} % of the sweep "
        "(the widget's direct cost; the throttle's CPU budget is 2 %, 5..10 frames/s)"
    )


def bench_traffic(num_it: int = 1000) -> None:
    from lrwidget.engine.learner import Learner

    train, _ = digits_loaders(batch_size=32, seed=0)
    model, opt = _parts(small_mlp)
    learner = Learner(model, opt, F.cross_entropy, train)
    with record_comms() as log:
        src = TimedSource(learner, num_it=num_it, end_lr=1.0, stop_div=False)
        w = LRFinderWidget(src, autoplay=False)
        flush_at: list[float] = []
        flush = w._on_frame

        def timed_flush(frame) -> None:
            flush_at.append(time.perf_counter())
            flush(frame)

        w.session._on_frame = timed_flush
        log.clear()
        t0 = time.perf_counter()
        w.start()
        w.wait()
        total = time.perf_counter() - t0
    t_end = t0 + src.sweep_s
    during = [m for m in log.messages if m[0] <= t_end]
    after = [m for m in log.messages if m[0] > t_end]
    n_d, b_d = len(during), sum(m[3] for m in during)
    n_a, b_a = len(after), sum(m[3] for m in after)
    sweep = src.sweep_s
    print(f"[2] digits MLP, {len(w.result)} steps in {sweep:.2f} s ({len(w.result) / sweep:.0f} steps/s)")
    gaps = [b - a for a, b in itertools.pairwise(flush_at)]
    rate = (len(flush_at) - 1) / (flush_at[-1] - flush_at[0]) if len(flush_at) > 1 else float("nan")
    print(
        f"    throttled flushes      {len(flush_at)}: {rate:.1f} per s, shortest gap "
        f"{min(gaps, default=float('nan')) * 1e3:.0f} ms (cap 10 per s = 100 ms)"
    )
    print(f"    during the sweep       {n_d} messages, {b_d / 1024:.1f} KiB = {n_d / sweep:.1f} msg/s, "
          f"{b_d / 1024 / sweep:.1f} KiB/s")  # fmt: skip
    print(f"    final drawing          {n_a} messages, {b_a / 1024:.1f} KiB (once, after the sweep)")
    print(f"    end to end             {total:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=15, help="interleaved headless/widget pairs")
    parser.add_argument("--num-it", type=int, default=100, help="steps per sweep for the ratio")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    bench_ratio(args.pairs, args.num_it)
    bench_traffic()


if __name__ == "__main__":
    main()
