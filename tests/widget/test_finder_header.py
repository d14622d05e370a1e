"""The header the finder shows for real endings, with core's own caveats and its notion of 'turned up'."""

from __future__ import annotations

import threading

import numpy as np
from widget_helpers import CurveSource, make_curve

from lrwidget.core.result import RangeTestResult
from lrwidget.widget.finder import LRFinderWidget


def flat_curve(n: int = 200) -> RangeTestResult:
    lrs = np.geomspace(1e-7, 10.0, n)
    losses = 2.3 + np.random.default_rng(0).normal(0, 0.01, n)
    return RangeTestResult(lrs, losses, settings={"start_lr": 1e-7, "end_lr": 10.0, "num_it": n})


def test_a_stopped_flat_curve_says_each_thing_once_the_guess_first():
    """Stopped at 80 of 200 steps on a flat loss: core gives auto two caveats (no descent: a guess; and the
    sweep's: stopped before the loss turned up). The header shows both facts once, auto's own first, and
    their advice on one line; no sentence appears twice."""
    w = LRFinderWidget(CurveSource(flat_curve(), stop_at=80), autoplay=False)
    w.start()
    assert w.wait(10) and w.status == "stopped"
    auto = w.suggestions["auto"]
    assert len(auto.caveats) >= 2  # what core says (the header must not lose any of it)
    msg = w.message.value
    assert msg.count("lrw-caveat") == len(auto.caveats) and msg.count("lrw-advice") <= 1
    assert msg.index("no descent") < msg.index("stopped by hand")
    for caveat in auto.caveats:
        first = caveat.split(": ")[0]
        assert msg.count(first) == 1


def test_a_completed_sweep_whose_loss_turned_up_is_not_called_a_plain_completion():
    """Completed with stop_div off, the loss rose far past its best: the header says the loss turned up,
    from the best to the last smoothed loss, and that stop_div was off."""
    r = make_curve()
    r = RangeTestResult(r.lrs, r.losses, settings={**r.settings, "stop_div": False, "div_factor": 4.0})
    w = LRFinderWidget(CurveSource(r), autoplay=False)
    w.start()
    assert w.wait(10) and w.status == "done"
    best, last = float(np.min(r.smoothed)), float(r.smoothed[-1])
    assert f"the loss turned up ({best:.3g} → {last:.3g}), as a range test should end (stop_div was off)" in (
        w.info.value
    )


def test_the_saved_output_gets_the_final_curve_when_the_sweep_ends(displays):
    """The widget displayed before its sweep (no curve yet: no image) has its output updated once the sweep
    ends, with an image/png of the final curve beside the widget view: what GitHub and nbviewer show."""

    import base64

    from lrwidget.widget.export import PNG_SIGNATURE

    sent = displays
    w = LRFinderWidget(CurveSource(make_curve()), autoplay=False)
    w._ipython_display_()
    assert [k for k, *_ in sent] == ["display", "display"] and "image/png" not in sent[1][1]
    view = sent[0][1]["application/vnd.jupyter.widget-view+json"]["model_id"]
    assert view == w.model_id
    w.start()
    assert w.wait(10) and w.status == "diverged"
    w._static_image_thread.join(30)  # drawn off the sweep's thread, so a Run right after is not held up
    assert [k for k, *_ in sent] == ["display", "display", "update"]
    _, bundle, raw = sent[-1]
    assert raw and base64.b64decode(bundle["image/png"]).startswith(PNG_SIGNATURE)
    # the update is the picture's own output: the live view (re-rendered by an update) is not in it
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] != w.model_id
    assert bundle["text/plain"] == repr(w) and w.static_image_error == ""


def test_in_a_kernel_the_static_image_is_drawn_on_the_kernel_main_thread(monkeypatch):
    """matplotlib is not thread-safe and the user's plots run on the kernel's main thread: the final PNG
    is handed to that thread's loop (drawn between cells), never drawn on another thread."""
    import lrwidget.widget.export as export

    scheduled = []

    class MainLoop:
        def add_callback(self, fn):
            scheduled.append(fn)

    drawn_on = []
    monkeypatch.setattr(export, "kernel_main_loop", lambda: MainLoop())
    w = LRFinderWidget(CurveSource(make_curve()), autoplay=False)
    monkeypatch.setattr(w, "refresh_static_image", lambda: drawn_on.append(threading.current_thread()))
    w.start()
    assert w.wait(10) and w.status == "diverged"
    assert len(scheduled) == 1 and drawn_on == [] and w._static_image_thread is None
    scheduled[0]()  # what the kernel's loop does, on its (this) thread
    assert drawn_on == [threading.main_thread()] and w.static_image_error == ""
    w.close()


def test_the_header_row_fits_900_px_on_one_line():
    """Run and Stop never wrap: the row is nowrap, the buttons keep their width, the progress bar has no
    fixed width (it flexes between 80 and 420 px), and the row's fixed widths leave room in 900 px."""
    w = LRFinderWidget(CurveSource(make_curve()), autoplay=False)
    row = w.header.children[0]
    assert row.layout.flex_flow == "row nowrap"
    bar = w.progress_bar.layout
    assert bar.width is None and bar.flex.startswith("1 1") and bar.min_width == "80px"
    for b in (w.run_button, w.stop_button):
        assert b.layout.flex == "0 0 auto" and b.layout.width.endswith("px")
    fixed = sum(int(b.layout.width[:-2]) for b in (w.run_button, w.stop_button)) + int(bar.min_width[:-2])
    assert fixed < 900 - 300  # the badge and Save PNG have the rest


def test_run_right_after_the_status_reads_done_starts_a_new_sweep():
    """The status turns 'done' inside the ending (the sweep's thread, before it exits). A Run then, while
    the ending is still drawing, waits for it and starts the next sweep instead of failing with 'already
    running' (D2's browser test clicks Run the moment the badge changes)."""
    import threading
    import time

    w = LRFinderWidget(CurveSource(make_curve()), autoplay=False)
    shown = threading.Event()

    def slow_ending(change):
        if change["new"] == "diverged" and not shown.is_set():
            shown.set()
            time.sleep(0.3)  # the ending goes on drawing after the status changed

    w.observe(slow_ending, names="status")
    w.start()
    assert shown.wait(10)
    assert w.session.running  # the first sweep's thread is still in its ending
    w.start()  # must not raise
    assert w.wait(10) and w.status == "diverged" and w.error == ""


def test_the_saved_image_shows_the_users_pick_once_it_is_made(displays):
    """After the sweep, picking a rate (or a slice) redraws the output's PNG with the choice on it: a saved
    notebook shows what the user chose, not only the suggestions."""
    import base64
    import io

    from PIL import Image

    from lrwidget.widget.registry import PALETTE

    def pick_pixels(bundle: dict, alpha: float = 1.0) -> int:
        """Pixels of the pick's colour, laid over white with ``alpha`` (a band is translucent)."""
        image = np.asarray(Image.open(io.BytesIO(base64.b64decode(bundle["image/png"]))).convert("RGB"))
        colour = np.array([int(PALETTE.pick[i : i + 2], 16) for i in (1, 3, 5)])
        target = alpha * colour + (1 - alpha) * 255
        return int((np.abs(image.astype(int) - target).max(axis=2) <= 12).sum())

    sent = displays
    w = LRFinderWidget(CurveSource(make_curve()), autoplay=False)
    w._ipython_display_()
    w.start()
    assert w.wait(10)
    w._static_image_thread.join(30)
    before = pick_pixels(sent[-1][1])
    w.lr = 1e-3
    w._static_image_thread.join(30)
    picked = sent[-1][1]
    assert sent[-1][0] == "update" and pick_pixels(picked) > before + 150
    w.mode = "slice"
    w.lr_slice = (1e-4, 1e-2)
    w._static_image_thread.join(30)
    assert "lr_slice=(0.0001, 0.01)" in sent[-1][1]["text/plain"]
    assert pick_pixels(sent[-1][1], alpha=0.18) > pick_pixels(picked, alpha=0.18) + 1000  # a band
    w.close()
