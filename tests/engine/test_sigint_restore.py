"""Ctrl-C at the exact moments that used to break the state: during the restore, between the snapshot
and the sweep, with the sweep stuck in its data; and a restore in another thread that something
interrupts. Each SIGINT is raised synchronously (``signal.raise_signal``) at that moment."""

from __future__ import annotations

import ctypes
import signal
import threading
import time

import pytest
import torch
import torch.nn.functional as F
from engine_checks import assert_bitwise_equal, full_state

from lrwidget.engine import interrupts
from lrwidget.engine.guard import is_busy
from lrwidget.engine.range_test import lr_find
from lrwidget.engine.snapshot import TrainingSnapshot


class InterruptingScheduler:
    """Wraps a real scheduler; its load_state_dict (called by the restore) presses Ctrl-C first."""

    def __init__(self, scheduler, presses=1):
        self.scheduler, self.presses, self.loads = scheduler, presses, 0

    def state_dict(self):
        return self.scheduler.state_dict()

    def load_state_dict(self, state):
        self.loads += 1
        for _ in range(self.presses):
            signal.raise_signal(signal.SIGINT)
        self.scheduler.load_state_dict(state)


def test_ctrl_c_during_the_restore_waits_for_it(model, optimizer, scheduler, train_loader):
    """Three Ctrl-Cs in the middle of the restore: it completes, then KeyboardInterrupt is raised."""
    before = full_state(model, optimizer, scheduler, None, train_loader)
    wrapped = InterruptingScheduler(scheduler, presses=3)  # three: not even the escape hatch fires
    with pytest.raises(KeyboardInterrupt):
        lr_find(model, optimizer, F.cross_entropy, train_loader, num_it=6, scheduler=wrapped, progress=False)
    assert wrapped.loads == 1
    assert_bitwise_equal(before, full_state(model, optimizer, scheduler, None, train_loader))
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert not is_busy(model) and not is_busy(optimizer)


class SamplerThatInterrupts:
    """A loader wrapper whose ``sampler`` (read while the snapshot is taken) presses Ctrl-C."""

    def __init__(self, loader):
        self.loader = loader

    def __iter__(self):
        return iter(self.loader)

    def __len__(self):
        return len(self.loader)

    @property
    def sampler(self):
        signal.raise_signal(signal.SIGINT)
        return self.loader.sampler


def test_ctrl_c_while_the_snapshot_is_taken_stops_before_any_step(model, optimizer, train_loader):
    """A Ctrl-C between the snapshot and the sweep's first step is raised at that step, nothing changed."""
    before = full_state(model, optimizer, None, None, train_loader)
    with pytest.raises(KeyboardInterrupt) as info:
        lr_find(
            model, optimizer, F.cross_entropy, SamplerThatInterrupts(train_loader), num_it=6, progress=False
        )
    assert info.value.range_test_result.stop_reason == "interrupted"
    assert len(info.value.range_test_result) == 0
    assert_bitwise_equal(before, full_state(model, optimizer, None, None, train_loader))


class StuckData:
    """Batches, then a wait that never ends on its own (a data loader whose worker hung)."""

    def __init__(self, batches, presses):
        self.batches, self.presses = batches, presses

    def __iter__(self):
        yield from self.batches[:2]
        for _ in range(self.presses):
            signal.raise_signal(signal.SIGINT)
        while True:
            time.sleep(0.01)


def test_third_ctrl_c_gets_out_of_a_stuck_data_loader(model, optimizer, batches):
    """Outside the model a Ctrl-C is only recorded; the third one with no safe point between is raised
    at once, and the restore still runs."""
    before = full_state(model, optimizer)
    with pytest.raises(KeyboardInterrupt):
        lr_find(model, optimizer, F.cross_entropy, StuckData(batches, interrupts.ESCALATE_AFTER), num_it=50,
                progress=False)  # fmt: skip
    assert_bitwise_equal(before, full_state(model, optimizer))


def test_a_single_ctrl_c_stops_at_the_next_forward_pass(model, optimizer, batches):
    """One Ctrl-C inside the data is raised at the next forward pass: the sweep stops after two steps."""
    before = full_state(model, optimizer)

    class OnePress:
        def __iter__(self):
            for i, b in enumerate(batches):
                if i == 2:
                    signal.raise_signal(signal.SIGINT)
                yield b

    with pytest.raises(KeyboardInterrupt) as info:
        lr_find(model, optimizer, F.cross_entropy, OnePress(), num_it=5, progress=False)
    assert len(info.value.range_test_result) == 2
    assert_bitwise_equal(before, full_state(model, optimizer))


def test_a_custom_handler_is_forwarded_to_and_put_back(model, optimizer, batches):
    """Outside a sweep the user's own SIGINT handler runs; after a sweep it is in place again."""
    seen = []

    def handler(signum, frame):
        seen.append(signum)

    previous = signal.signal(signal.SIGINT, handler)
    try:
        lr_find(model, optimizer, F.cross_entropy, batches, num_it=4, progress=False)
        assert signal.getsignal(signal.SIGINT) is handler
        signal.raise_signal(signal.SIGINT)
        assert seen == [signal.SIGINT]
    finally:
        signal.signal(signal.SIGINT, previous)


def test_ignored_sigint_is_left_alone(model, optimizer, batches):
    """With SIGINT ignored nothing is installed, and the sweep runs as usual."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        result = lr_find(model, optimizer, F.cross_entropy, batches, num_it=4, progress=False)
        assert len(result) == 4 and signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)


class Interrupted(Exception):
    """Injected asynchronously into the restoring thread."""


def test_restore_in_another_thread_completes_even_when_interrupted(model, optimizer, scheduler, batches):
    """In a worker thread (the widget's), an exception injected mid-restore makes the restore write
    everything again; it is re-raised only once the state is whole. A second restore changes nothing."""
    before = full_state(model, optimizer, scheduler)
    outcome = {}

    class InjectingScheduler(InterruptingScheduler):
        def load_state_dict(self, state):
            self.loads += 1
            if self.loads == 1:  # interrupt the first attempt, at the next bytecode
                ident = ctypes.c_ulong(threading.get_ident())
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ident, ctypes.py_object(Interrupted))
                for _ in range(100):
                    pass
            self.scheduler.load_state_dict(state)

    wrapped = InjectingScheduler(scheduler)

    def work():
        snap = TrainingSnapshot(model, optimizer, scheduler=wrapped)
        for x, y in batches:  # real training that the restore must undo
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()
            scheduler.step()
        try:
            snap.restore()
        except Interrupted:
            outcome["raised"] = True
        outcome["state"] = full_state(model, optimizer, scheduler)
        snap.restore()
        outcome["again"] = full_state(model, optimizer, scheduler)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert outcome["raised"] and wrapped.loads >= 2
    assert_bitwise_equal(before, outcome["state"])
    assert_bitwise_equal(before, outcome["again"])


def test_snapshot_dropped_without_restore_releases_ctrl_c(model, optimizer):
    """A snapshot that is never restored does not keep Ctrl-C deferred once it is gone."""
    snap = TrainingSnapshot(model, optimizer)
    assert signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    del snap
    with pytest.raises(KeyboardInterrupt):
        signal.raise_signal(signal.SIGINT)
    assert torch.is_tensor(next(model.parameters()))
