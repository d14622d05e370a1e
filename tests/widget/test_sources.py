"""What the widget can run: replay without torch, learner sources, and the sweep thread's bookkeeping."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

import pytest

from lrwidget.core.result import RangeTestResult
from lrwidget.widget.sources import LearnerSource, ReplaySource, SweepRunner, make_source


def test_replay_imports_no_torch(tmp_path, curve):
    """Opening a saved result in the widget, picking and re-suggesting never imports torch."""
    path = tmp_path / "saved.json"
    curve.to_json(path)
    code = textwrap.dedent(
        f"""
        import sys
        import lrwidget
        from lrwidget.widget.testing import click_point
        w = lrwidget.LRFinderWidget({str(path)!r})
        click_point(w.loss_pane.points, 40)
        w.controls.lr_diff = 20
        w.start(); w.wait()
        assert w.lr is not None and w.status == "diverged", (w.lr, w.status)
        bad = sorted(m for m in sys.modules if m == "torch" or m.startswith("torch."))
        print("TORCH", bad)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "TORCH []" in out.stdout


def test_make_source_picks_the_kind(curve, tmp_path):
    """A result or a JSON path -> replay; a source object is used as is by the widget; None is refused."""
    assert isinstance(make_source(curve), ReplaySource)
    p = tmp_path / "c.json"
    curve.to_json(p)
    assert make_source(p).result == curve
    with pytest.raises(TypeError, match="source"):
        make_source(None)


def test_a_plain_object_is_refused_by_the_adapter():
    """Something that is not a learner fails at construction with the adapter's TypeError."""
    pytest.importorskip("torch")
    with pytest.raises(TypeError, match="Learner"):
        make_source(object())


class FakeLearner:
    """Duck-typed learner: records the keywords and replays a curve through on_step."""

    def __init__(self, result: RangeTestResult):
        self.result = result
        self.kwargs = None

    def lr_find(self, **kwargs):
        from lrwidget.core.events import StepEvent

        self.kwargs = kwargs
        n = len(self.result)
        for i in range(n):
            if kwargs["cancel"].is_set():
                break
            ev = StepEvent(i, n, float(self.result.lrs[i]), float(self.result.losses[i]),
                           float(self.result.smoothed[i]), 0.001 * i)  # fmt: skip
            kwargs["on_step"](ev)
        return self.result


def test_learner_source_passes_the_widget_hooks_and_user_keywords(curve):
    """LearnerSource adds on_step, cancel and progress=False to the user's lr_find keywords."""
    fake = FakeLearner(curve)
    src = LearnerSource(fake, {"num_it": 100, "end_lr": 10})
    got = []
    assert src.run(got.append, threading.Event()) is curve
    assert fake.kwargs["progress"] is False and fake.kwargs["num_it"] == 100 and len(got) == 100
    assert src.settings()["num_it"] == 100


def test_learner_source_refuses_reserved_and_bad_range_keywords(curve):
    """on_step/cancel/progress belong to the widget; a bad range fails before any thread starts."""
    with pytest.raises(TypeError, match="on_step"):
        LearnerSource(FakeLearner(curve), {"on_step": print})
    with pytest.raises(ValueError, match="end_lr"):
        LearnerSource(FakeLearner(curve), {"start_lr": 1e-3, "end_lr": 1e-4})
    with pytest.raises(ValueError, match="num_it"):
        LearnerSource(FakeLearner(curve), {"num_it": 1})


def test_widget_accepts_a_source_object(curve):
    """A custom source (run + live + settings) drives the widget like a learner would."""
    from lrwidget.widget.finder import LRFinderWidget

    w = LRFinderWidget(LearnerSource(FakeLearner(curve), {}), autoplay=False)
    w.start()
    assert w.wait(10) and w.status == "diverged" and len(w.loss_pane.smooth.y) == len(curve)


def test_runner_reports_exceptions_with_the_partial_result():
    """An exception in run() reaches on_done with its text and the curve the engine attached."""
    partial = RangeTestResult([1e-5, 1e-4], [1.0, 0.9], stop_reason="error", error="boom")

    class Boom:
        live = True

        def run(self, on_step, cancel):
            exc = RuntimeError("boom")
            exc.range_test_result = partial
            raise exc

        def settings(self):
            return {}

    done = []
    runner = SweepRunner()
    runner.start(Boom(), lambda ev: None, done.append)
    assert runner.join(5)
    assert done[0].result is partial and "RuntimeError: boom" in done[0].error
    assert isinstance(done[0].exception, RuntimeError)


def test_runner_refuses_a_second_start_and_stop_sets_cancel():
    """While a run is alive start() raises; stop() sets the cancel event the source sees."""
    seen = threading.Event()

    class Wait:
        live = True

        def run(self, on_step, cancel):
            seen.set()
            cancel.wait(5)
            return RangeTestResult([1e-5], [1.0], stop_reason="cancelled")

        def settings(self):
            return {}

    runner = SweepRunner()
    runner.start(Wait(), lambda ev: None, lambda o: None)
    seen.wait(5)
    with pytest.raises(RuntimeError, match="already running"):
        runner.start(Wait(), lambda ev: None, lambda o: None)
    runner.stop()
    assert runner.join(5) and not runner.running
