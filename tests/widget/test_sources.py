"""What the widget can run: replay without torch, live sources checked at construction, the sweep thread."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

import pytest

from lrwidget.core.result import RangeTestResult
from lrwidget.widget.live import SweepRunner
from lrwidget.widget.sources import LiveSource, ReplaySource, make_source


def test_replay_imports_no_torch(tmp_path, curve):
    """Opening a saved result in the widget, picking and re-suggesting never imports torch."""
    path = tmp_path / "saved.json"
    curve.to_json(path)
    code = textwrap.dedent(
        f"""
        import sys
        import lrwidget
        from lrwidget.widget.testing import click_column
        w = lrwidget.LRFinderWidget({str(path)!r})
        click_column(w.loss_pane.columns, 40)
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
    """Something that is not a trainer fails at construction with the adapter's TypeError."""
    pytest.importorskip("torch")
    with pytest.raises(TypeError):
        make_source(object())


class CurveSource:
    """A custom live source: replays a curve through on_step, step by step, honouring cancel."""

    live = True

    def __init__(self, result: RangeTestResult):
        self.result = result

    def run(self, on_step, cancel):
        from lrwidget.core.events import StepEvent

        n = len(self.result)
        for i in range(n):
            if cancel.is_set():
                break
            r = self.result
            on_step(StepEvent(i, n, float(r.lrs[i]), float(r.losses[i]), float(r.smoothed[i]), 0.001 * i))
        return self.result

    def settings(self):
        return {"start_lr": 1e-7, "end_lr": 10.0, "num_it": len(self.result)}


def test_live_source_checks_every_keyword_at_construction(torch_parts):
    """Defect 6: a typo (num_iter) fails when the source is built, naming the closest valid keyword;
    keywords the widget sets itself and a bad range fail there too, before any thread starts."""
    model, opt, loss_fn, data = torch_parts
    with pytest.raises(TypeError, match=r"num_iter.*did you mean 'num_it'"):
        LiveSource(model, opt, loss_fn, data, num_iter=50)
    with pytest.raises(TypeError, match="on_step"):
        LiveSource(model, opt, loss_fn, data, on_step=print)
    with pytest.raises(ValueError, match="end_lr"):
        LiveSource(model, opt, loss_fn, data, start_lr=1e-3, end_lr=1e-4)
    with pytest.raises(TypeError, match=r"confirm and confirm_steps belong to lrwidget.lr_find\(\)"):
        LiveSource(model, opt, loss_fn, data, confirm=3, confirm_steps=10)  # the widget only sweeps
    src = LiveSource(model, opt, loss_fn, data, num_it=30, end_lr=1.0)
    assert src.settings() == {"start_lr": 1e-7, "end_lr": 1.0, "num_it": 30, "mode": "exp"}
    got = []
    result = src.run(got.append, threading.Event())
    assert len(got) == len(result) > 0


def test_widget_accepts_a_source_object(curve):
    """A custom source (run + live + settings) drives the widget like a trainer would."""
    from lrwidget.widget.finder import LRFinderWidget

    w = LRFinderWidget(CurveSource(curve), autoplay=False)
    w.start()
    assert w.wait(10) and w.status == "diverged" and len(w.loss_pane.smooth.y) == len(curve)
    with pytest.raises(TypeError, match="sweep arguments"):
        LRFinderWidget(CurveSource(curve), num_it=5)


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
