"""Ctrl-C at random moments of real sweeps never leaves a half-restored model (stress, fixed seed).

The trials run in a subprocess (a SIGINT that lands between trials must not reach pytest). Each trial
sends one or two SIGINTs from a timer thread: at a random moment of the sweep, or just after its last
step (the restore's window), or two in quick succession. After every trial the whole training state
(parameters, buffers, grads, optimizer state and every param-group key, the scheduler, all RNGs, the
loader's generator, object identities) must be bitwise what it was before the first trial.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

TRIALS = 210


def _send_after(delays: list[float]) -> threading.Thread:
    main = threading.main_thread().ident
    assert main is not None

    def fire() -> None:
        for delay in delays:
            time.sleep(delay)
            signal.pthread_kill(main, signal.SIGINT)  # as a terminal's Ctrl-C reaches the main thread

    thread = threading.Thread(target=fire, daemon=True)
    thread.start()
    return thread


def run_trials(trials: int, seed: int) -> dict:
    """The stress run itself (in the subprocess): returns the counts as a dict."""
    import torch
    import torch.nn.functional as F
    from engine_checks import assert_bitwise_equal, full_state

    from lrwidget.engine.guard import is_busy
    from lrwidget.engine.range_test import lr_find
    from lrwidget.examples.digits import digits_loaders, small_cnn

    torch.set_num_threads(1)
    rng = random.Random(seed)
    model = small_cnn(seed=0)
    loader = digits_loaders(batch_size=32, seed=0)[0]
    convs = [p for n, p in model.named_parameters() if n.startswith(("0.", "1."))]
    rest = [p for n, p in model.named_parameters() if not n.startswith(("0.", "1."))]
    opt = torch.optim.Adam([{"params": convs, "lr": 1e-4}, {"params": rest}], lr=1e-3)
    for x, y in list(loader)[:3]:  # Adam state and gradients to protect
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    num_it = 12

    def sweep(on_step=None):
        return lr_find(model, opt, F.cross_entropy, loader, num_it=num_it, on_step=on_step, scheduler=sched,
                       progress=False)  # fmt: skip

    # The harness's own handler: a KeyboardInterrupt only while a sweep call is armed, so a signal that
    # lands after the sweep returned is counted instead of escaping the harness. lrwidget must forward to
    # it (as it would to IPython's) and put it back after every sweep.
    armed, late = [False], [0]

    def harness_handler(signum, frame):
        if armed[0]:
            raise KeyboardInterrupt
        late[0] += 1

    def guarded(on_step):
        armed[0] = True
        try:
            return sweep(on_step)
        finally:
            armed[0] = False

    before = full_state(model, opt, sched, None, loader)
    ids_before = before["ids"]
    started = time.perf_counter()
    sweep()
    duration = time.perf_counter() - started
    counts = {"trials": 0, "signals": 0, "interrupted": 0, "completed": 0, "broken": 0, "leaks": 0}
    signal.signal(signal.SIGINT, harness_handler)
    failures: list[str] = []
    for trial in range(trials):
        mode = ("during", "at_end", "burst")[trial % 3]
        threads: list[threading.Thread] = []
        on_step = None
        sent = 2 if mode == "burst" else 1
        if mode == "during":
            threads.append(_send_after([rng.uniform(0.0, 1.1 * duration)]))
        elif mode == "burst":
            threads.append(_send_after([rng.uniform(0.0, 1.1 * duration), rng.uniform(0.0, 0.002)]))
        else:
            delay = rng.uniform(0.0, 0.0015)

            def on_step(event, delay=delay, threads=threads):
                if event.step == num_it - 1:
                    threads.append(_send_after([delay]))

        try:
            t0 = time.perf_counter()
            guarded(on_step)
            counts["completed"] += 1
            # follow the machine's load (shared cores): "a random moment of the sweep" stays one
            duration = 0.7 * duration + 0.3 * (time.perf_counter() - t0)
        except KeyboardInterrupt:
            counts["interrupted"] += 1
        for t in threads:
            t.join()
        for _ in range(20):  # let a signal sent at the very end be handled (it is only counted now)
            time.sleep(0.0001)
        counts["trials"] += 1
        counts["signals"] += sent if threads else 0
        try:
            assert_bitwise_equal(before, full_state(model, opt, sched, None, loader))
            assert full_state(model, opt, sched, None, loader)["ids"] == ids_before
        except AssertionError as exc:
            counts["broken"] += 1
            failures.append(f"trial {trial} ({mode}): {str(exc)[:200]}")
        if is_busy(model) or is_busy(opt) or signal.getsignal(signal.SIGINT) is not harness_handler:
            counts["leaks"] += 1
            failures.append(f"trial {trial} ({mode}): guard or SIGINT handler left behind")
    counts["after_return"] = late[0]
    counts["in_sweep"] = counts["signals"] - late[0]
    counts["failures"] = failures[:5]
    return counts


def test_sigint_at_random_moments_never_breaks_the_state():
    """>= 150 SIGINTs during and at the end of real sweeps (seed 0): every state is exactly the old one."""
    here = Path(__file__).parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(here), os.environ.get("PYTHONPATH", "")])}
    env["OMP_NUM_THREADS"] = "1"
    done = subprocess.run(
        [sys.executable, __file__, str(TRIALS), "0"], capture_output=True, text=True, timeout=240, env=env
    )
    assert done.returncode == 0, done.stderr[-3000:]
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    print(counts)  # the figures for the report (pytest -s shows them)
    assert counts["trials"] == TRIALS and counts["in_sweep"] >= 150
    assert counts["interrupted"] > TRIALS // 2  # the signals did land inside the sweeps
    assert counts["broken"] == 0, counts["failures"]
    assert counts["leaks"] == 0, counts["failures"]


if __name__ == "__main__":
    print(json.dumps(run_trials(int(sys.argv[1]), int(sys.argv[2]))))
