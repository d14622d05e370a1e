"""Issue 9's defects on a real torch sweep, driven without a browser (tests/e2e repeats them in one)."""

from __future__ import annotations

import re
import threading
import time

import pytest
import traitlets

torch = pytest.importorskip("torch")

from ipywidgets.widgets.widget import _instances  # noqa: E402  (ipywidgets' registry of open widgets)
from widget_helpers import make_curve  # noqa: E402

from lrwidget.core.suggestion import CONFIDENCE_LEVELS  # noqa: E402
from lrwidget.widget.finder import LRFinderWidget  # noqa: E402


def paced(loss_fn, seconds: float = 0.004, long_step: int | None = None, long_s: float = 0.0, entered=None):
    """loss_fn taking ``seconds`` a call; call ``long_step`` takes ``long_s`` (and sets ``entered``)."""
    calls = {"n": 0}

    def f(out, target):
        calls["n"] += 1
        if calls["n"] == long_step:
            if entered is not None:
                entered.set()
            time.sleep(long_s)
        else:
            time.sleep(seconds)
        return loss_fn(out, target)

    return f


def wait_steps(w: LRFinderWidget, n: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while len(w.session.buffer) < n:
        assert time.monotonic() < deadline, f"the sweep did not reach {n} steps"
        time.sleep(0.005)


def test_stop_keeps_an_earlier_pick_and_slice_exactly(torch_parts):
    """Defect 1: lr = 0.03 and a slice picked, Stop after a few steps: both stay as set (not moved to the
    top of the measured part, no 'lo < hi' error), the strip shows the same values, the curve is drawn,
    and the pick is labelled as not measured. After another Run they still agree."""
    model, opt, loss_fn, data = torch_parts
    w = LRFinderWidget(model, opt, paced(loss_fn), data, num_it=300, stop_div=False, autoplay=False)
    w.lr = 0.03
    w.lr_slice = (1e-3, 0.03)
    w.mode = "pick"
    w.start()
    wait_steps(w, 20)
    w.stop()
    assert w.wait(10)
    assert w.status == "stopped" and w.error == ""
    assert w.lr == 0.03 and w.lr_slice == (1e-3, 0.03) and w.value == 0.03
    assert w.selection.lr == 0.03 and w.strip.lr == pytest.approx(0.03)
    assert w.strip.lr_slice == [pytest.approx(1e-3), pytest.approx(0.03)]
    assert len(w.loss_pane.smooth.x) == len(w.result) and float(w.result.lrs[-1]) < 1e-3
    assert "not measured" in w.loss_pane.rule_label.text[0]
    assert w.x_scale.max > 0.03  # the pick stays in view
    w.mode = "slice"
    w.start()
    wait_steps(w, 5)
    w.stop()
    assert w.wait(10) and w.status == "stopped"
    assert w.lr_slice == (1e-3, 0.03) and w.strip.lr_slice == [pytest.approx(1e-3), pytest.approx(0.03)]
    assert w.value == slice(1e-3, 0.03)


def test_a_stopped_sweep_says_its_advice_is_provisional(torch_parts):
    """Defect 2: stopped mid-descent (70 of 300 steps, the loss still falling), the header shows core's
    partial-curve caveat and auto's lowered confidence in words."""
    model, opt, loss_fn, data = torch_parts
    w = LRFinderWidget(
        model, opt, paced(loss_fn), data, num_it=300, start_lr=1e-3, end_lr=100.0, stop_div=False,
        autoplay=False,
    )  # fmt: skip
    w.start()
    wait_steps(w, 70)
    w.stop()
    assert w.wait(10) and w.status == "stopped"
    auto = w.suggestions["auto"]
    assert (
        auto.caveats and auto.confidence is not None and auto.confidence < dict(CONFIDENCE_LEVELS)["medium"]
    )
    assert "before the loss turned up" in w.message.value
    assert "low confidence" in w.info.value and "high confidence" not in w.info.value


def test_the_header_never_flashes_back_to_starting_and_follows_recommend(torch_parts):
    """Defect 4: once a step is shown the header never reads 'starting…' again (not even for the final
    frame); after the sweep a change of `recommend` changes the header's recommendation at once."""
    model, opt, loss_fn, data = torch_parts
    w = LRFinderWidget(model, opt, paced(loss_fn, 0.001), data, num_it=150, autoplay=False)
    texts: list[str] = []
    w.info.observe(lambda ch: texts.append(ch["new"]), names="value")
    w.start()
    assert w.wait(30)
    first_step = next(i for i, t in enumerate(texts) if re.sub(r"<[^>]+>", "", t).startswith("step "))
    assert not any("starting" in t for t in texts[first_step:]), texts[first_step:]
    assert "auto suggests" in w.info.value
    w.controls.method = "valley"
    assert "valley suggests" in w.info.value and "auto suggests" not in w.info.value


def test_close_waits_for_a_long_step_then_closes_every_widget_it_made(torch_parts):
    """Defect 5: close() during a 1.5 s step returns only after the sweep has ended (no later error), and
    ipywidgets' registry of open widgets is back to where it was; likewise for replays."""
    model, opt, loss_fn, data = torch_parts
    start_count = len(_instances)
    entered = threading.Event()
    slow = paced(loss_fn, 0.001, long_step=6, long_s=1.5, entered=entered)
    w = LRFinderWidget(model, opt, slow, data, num_it=100, stop_div=False, autoplay=False)
    w.start()
    assert entered.wait(20)
    t0 = time.monotonic()
    w.close()
    assert time.monotonic() - t0 > 0.5  # it waited for the step instead of returning at once
    assert not w.session.running and w.error == "" and w.status == "stopped"
    assert len(_instances) == start_count
    for _ in range(3):
        r = LRFinderWidget(make_curve())
        r.mode = "slice"
        r.close()
    assert len(_instances) == start_count


def test_bad_picks_and_keyword_typos_fail_at_once_naming_the_trait(torch_parts):
    """Defect 6: lr = 1e10, 1e-30, True and lr_slice = (1e-12, 1e12) raise a TraitError naming the trait;
    num_iter=50 fails at construction naming num_it."""
    model, opt, loss_fn, data = torch_parts
    with pytest.raises(TypeError, match="did you mean 'num_it'") as err:
        LRFinderWidget(model, opt, loss_fn, data, num_iter=50)
    assert str(err.value).startswith("LRFinderWidget got")  # the user's call is named, not lr_find
    w = LRFinderWidget(model, opt, loss_fn, data, num_it=20)
    for bad in (1e10, 1e-30, True):
        with pytest.raises(traitlets.TraitError, match="lr"):
            w.lr = bad
    with pytest.raises(traitlets.TraitError, match="lr_slice"):
        w.lr_slice = (1e-12, 1e12)
    assert (w.lr, w.lr_slice, w.strip.lr) == (None, None, None)
    w.close()
