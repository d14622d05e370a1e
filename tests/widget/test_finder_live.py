"""LRFinderWidget on a live sweep: the thread, stop, errors, the throttle, and the model left untouched."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from widget_helpers import same_state, state_of

torch = pytest.importorskip("torch")

from lrwidget.widget.finder import LRFinderWidget  # noqa: E402
from lrwidget.widget.testing import record_comms  # noqa: E402


def slow(loss_fn, seconds=0.005):
    """loss_fn that takes at least ``seconds`` per call, so a sweep lasts long enough to stop it."""

    def f(out, target):
        time.sleep(seconds)
        return loss_fn(out, target)

    return f


def test_sweep_runs_in_a_thread_and_finishes(torch_parts):
    """start() returns at once; the sweep ends done or diverged with a result, suggestions and progress."""
    model, opt, loss_fn, data = torch_parts
    before = state_of(model, opt)
    w = LRFinderWidget.from_model(model, opt, loss_fn, data, num_it=60)
    assert w.status == "idle" and w.result is None
    statuses = []
    w.observe(lambda ch: statuses.append(ch["new"]), names="status")
    w.start()
    assert w.wait(30)
    assert statuses[0] == "running" and w.status in ("done", "diverged")
    assert len(w.result) >= 5 and w.suggestions and w.error == ""
    assert len(w.loss_pane.smooth.x) == len(w.result)
    assert same_state(before, state_of(model, opt))
    assert not w.running and w.stop_button.disabled and not w.run_button.disabled


def test_start_while_running_is_an_error(torch_parts):
    """A second start() while the sweep runs raises RuntimeError and leaves the first run alone."""
    model, opt, loss_fn, data = torch_parts
    w = LRFinderWidget.from_model(model, opt, slow(loss_fn), data, num_it=100, stop_div=False)
    w.start()
    with pytest.raises(RuntimeError, match="already running"):
        w.start()
    w.stop()
    assert w.wait(10) and w.status == "stopped"


def test_stop_ends_within_a_step_and_restores_the_model(torch_parts):
    """stop() ends the sweep after at most one more step; status stopped; the model is as before."""
    model, opt, loss_fn, data = torch_parts
    before = state_of(model, opt)
    w = LRFinderWidget.from_model(model, opt, slow(loss_fn, 0.01), data, num_it=200, stop_div=False)
    w.start()
    deadline = time.monotonic() + 10
    while len(w.session.buffer) < 6:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    w.stop()
    n_at_stop = len(w.session.buffer)
    assert w.wait(10)
    assert w.status == "stopped" and w.result.stop_reason == "cancelled"
    assert len(w.result) <= n_at_stop + 1
    assert "stopped by you" in w.info.value
    assert same_state(before, state_of(model, opt))
    # the axis shows what was measured, not the 200 planned steps up to end_lr
    assert w.x_scale.min == pytest.approx(float(w.result.lrs[0]))
    assert w.x_scale.max == pytest.approx(float(w.result.lrs[-1]))


def test_stop_button_and_run_button(torch_parts):
    """The Run button starts the sweep and greys itself; Stop stops it."""
    model, opt, loss_fn, data = torch_parts
    w = LRFinderWidget.from_model(model, opt, slow(loss_fn), data, num_it=300, stop_div=False)
    w.run_button.click()
    assert w.running and w.run_button.disabled and not w.stop_button.disabled
    w.stop_button.click()
    assert w.wait(10) and w.status == "stopped"
    assert not w.run_button.disabled and w.stop_button.disabled


def test_an_error_in_the_loss_shows_in_the_widget_and_restores_the_model(torch_parts):
    """A loss_fn that raises mid-sweep: status error, message on w.error and in the header, curve kept."""
    model, opt, loss_fn, data = torch_parts
    before = state_of(model, opt)
    calls = {"n": 0}

    def bad(out, target):
        calls["n"] += 1
        if calls["n"] > 8:
            raise ValueError("labels out of range")
        return loss_fn(out, target)

    w = LRFinderWidget.from_model(model, opt, bad, data, num_it=50)
    w.start()
    assert w.wait(10)
    assert w.status == "error" and "labels out of range" in w.error
    assert "labels out of range" in w.message.value
    assert w.result is not None and len(w.result) >= 1  # nothing lost: the steps so far are kept
    assert same_state(before, state_of(model, opt))
    w2_calls = []
    w.observe(lambda ch: w2_calls.append(ch["new"]), names="status")
    calls["n"] = -10_000  # the next run works again
    w.start()
    assert w.wait(10) and w.status in ("done", "diverged") and w.error == ""


def test_start_stop_100_times_leaks_no_thread_and_never_deadlocks(torch_parts):
    """100 start/stop cycles: every wait() returns, thread count is back to baseline, model unchanged."""
    model, opt, loss_fn, data = torch_parts
    before = state_of(model, opt)
    w = LRFinderWidget.from_model(model, opt, loss_fn, data, num_it=50, stop_div=False)
    baseline = threading.active_count()
    t0 = time.monotonic()
    for i in range(100):
        w.start()
        if i % 2:
            time.sleep(0.001)
        w.stop()
        assert w.wait(10), f"cycle {i} did not end"
        assert w.status in ("stopped", "done", "diverged")
    assert time.monotonic() - t0 < 60
    deadline = time.monotonic() + 2
    while threading.active_count() > baseline and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threading.active_count() == baseline
    assert same_state(before, state_of(model, opt))


def test_a_fast_1000_step_sweep_sends_at_most_about_10_updates_a_second(torch_parts):
    """Whole-array updates of the curve are throttled to <= ~10/s however fast the steps come."""
    model, opt, loss_fn, data = torch_parts
    with record_comms() as log:
        w = LRFinderWidget.from_model(
            model, opt, slow(loss_fn, 0.0005), data, num_it=1000, end_lr=0.1, stop_div=False
        )
        smooth_id = w.loss_pane.smooth.comm.comm_id
        log.clear()
        t0 = time.perf_counter()
        w.start()
        assert w.wait(60)
        duration = time.perf_counter() - t0
    assert w.status == "done" and len(w.result) == 1000
    live = [m for m in log.updates(smooth_id, "y")]
    # throttled flushes + the final drawing of the result
    assert len(live) <= 10 * duration + 3, (len(live), duration)
    assert w.flushes <= 10 * duration + 2
    assert w.flushes >= 2  # and the pane did grow while it ran
    assert len(w.loss_pane.smooth.y) == 1000


def test_curve_updates_come_only_from_throttled_flushes(torch_parts):
    """on_step only buffers: the curve mark changes once per flush and once for the final drawing."""
    model, opt, loss_fn, data = torch_parts
    w = LRFinderWidget.from_model(model, opt, slow(loss_fn, 0.001), data, num_it=200, stop_div=False)
    writes = []
    w.loss_pane.smooth.observe(lambda ch: writes.append(len(ch["new"])), names="y")
    w.start()
    assert w.wait(10)
    assert 2 <= len(writes) <= w.flushes + 1
    assert writes == sorted(writes)  # whole arrays, growing


def test_value_goes_straight_into_fit_one_cycle(torch_parts):
    """After a click (a float) or a drag (a slice), learn.fit_one_cycle(3, w.value) just works."""
    from lrwidget.engine.learner import Learner
    from lrwidget.widget.testing import click_column, front_end_update

    model, opt, loss_fn, data = torch_parts
    learn = Learner(model, opt, loss_fn, data)
    w = LRFinderWidget(learn, num_it=40, autoplay=False)
    w.start()
    assert w.wait(10)
    click_column(w.loss_pane.columns, 10)
    assert w.value == pytest.approx(float(w.result.lrs[10]))
    learn.fit_one_cycle(3, w.value, progress=False)
    w.mode = "slice"
    front_end_update(w.loss_pane.brush, brushing=False, selected=np.array([1e-5, 1e-3]))
    assert isinstance(w.value, slice)
    learn.fit_one_cycle(3, w.value, progress=False)


def test_a_fastai_learner_is_swept_by_the_widget():
    """A real fastai Learner goes through the adapter: the widget sweeps it and picks work as usual."""
    fastai_learner = pytest.importorskip("fastai.learner", reason="fastai is not installed")
    fastai_data = pytest.importorskip("fastai.data.core")
    fastai_optimizer = pytest.importorskip("fastai.optimizer")
    from lrwidget.examples.digits import digits_tensors, small_mlp

    train, valid = digits_tensors(seed=0)
    dls = fastai_data.DataLoaders.from_dsets(
        list(zip(*train.tensors, strict=True)), list(zip(*valid.tensors, strict=True)), bs=64, device="cpu"
    )
    learn = fastai_learner.Learner(
        dls, small_mlp(seed=0), loss_func=torch.nn.CrossEntropyLoss(), opt_func=fastai_optimizer.Adam
    )
    w = LRFinderWidget(learn, num_it=30, autoplay=False)
    w.start()
    assert w.wait(30)
    assert w.status in ("done", "diverged") and len(w.result) > 5 and w.suggestions["auto"].lr


def test_the_widget_sends_at_least_eight_frames_a_second_whatever_a_frame_costs():
    """The session's throttle floor is 8 frames a second (5 must reach the screen; the margin absorbs a
    busy machine's jitter), its ceiling max_rate; a max_rate below the floor is the floor too."""
    from widget_helpers import CurveSource, make_curve

    from lrwidget.widget.finder import MIN_RATE

    w = LRFinderWidget(CurveSource(make_curve()), autoplay=False)
    assert MIN_RATE == 8.0 and w.session._rates == (10.0, 8.0)
    slow_w = LRFinderWidget(CurveSource(make_curve()), autoplay=False, max_rate=3)
    assert slow_w.session._rates == (3.0, 3.0)
