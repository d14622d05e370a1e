"""LRFinderWidget live in real JupyterLab + Chromium: the sweep draws as it runs, clicks and drags reach
the kernel, Stop restores the model, and the README screenshot is taken here."""

from __future__ import annotations

import math
import os
import re
import shutil
import time

import pytest

from lrwidget.widget.registry import METHODS, format_lr

pytestmark = pytest.mark.e2e

DOCS_IMAGE = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "images", "widget.png")

SETUP = r"""
import hashlib, time
import torch, lrwidget
import torch.nn.functional as F
from lrwidget.examples.digits import digits_loaders, small_cnn

torch.set_num_threads(1)
torch.manual_seed(0)
train, _ = digits_loaders(batch_size=64)
model = small_cnn()
opt = torch.optim.AdamW(model.parameters())

def paced_loss(out, y):
    time.sleep(0.03)  # a few seconds for 150 steps: long enough to watch the sweep from the browser
    return F.cross_entropy(out, y)

def checksum():
    h = hashlib.sha256()
    for k, v in model.state_dict().items():
        h.update(k.encode()); h.update(v.detach().numpy().tobytes())
    state = opt.state_dict()
    h.update(repr(state["param_groups"]).encode())
    for i, s in sorted(state["state"].items()):
        for k, v in sorted(s.items()):
            h.update(f"{i}{k}".encode()); h.update(v.detach().numpy().tobytes())
    return h.hexdigest()

learn = lrwidget.Learner(model, opt, paced_loss, train)
"""

SWEEP = """
w = lrwidget.LRFinderWidget(learn, num_it=150)
w
"""

LONG_SWEEP = """
w = lrwidget.LRFinderWidget(learn, num_it=2000, end_lr=1e-4)  # a minute of steps, never diverges
before = checksum()
w
"""

MID_PICK = 8  # a point drawn early in the sweep, far left of every suggestion


def rgb(hex_color: str) -> str:
    """``#2F8FD8`` as the browser's computed style writes it: ``rgb(47, 143, 216)``."""
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def kernel_floats(notebook, code: str, check=lambda xs: True, timeout_s: float = 15.0) -> list[float]:
    """Run ``code`` (it prints floats or None) until ``check(values)`` holds; return the values."""

    def parse(out: str) -> list[float] | None:
        try:
            return [math.nan if t == "None" else float(t) for t in out.split()]
        except ValueError:
            return None

    out = notebook.wait_py(code, lambda o: (v := parse(o)) is not None and check(v), timeout_s)
    return parse(out)


def save_docs_image(shot) -> None:
    """Copy the README screenshot into docs/images when LRWIDGET_UPDATE_DOCS_IMAGES=1."""
    if os.environ.get("LRWIDGET_UPDATE_DOCS_IMAGES") == "1":
        os.makedirs(os.path.dirname(DOCS_IMAGE), exist_ok=True)
        shutil.copyfile(shot, DOCS_IMAGE)


def test_live_sweep_grows_and_clicks_drags_pick(notebook, finder, page):
    """Panes grow while the kernel stays free; point, marker, legend clicks set lr; a drag sets lr_slice."""
    notebook.open_and_run("finder_live.ipynb", SETUP, SWEEP)
    finder.wait_drawn()
    assert finder.status() == "idle"
    # start() returns at once: the sweep runs in a thread (started once the view is up, so a slow
    # page load does not eat into the seconds the sweep lasts)
    assert notebook.run_py("w.start(); print(w.status)") == "running"

    # --- mid-sweep: part of the curve drawn, the kernel answers, a click is taken at once
    step_mid = finder.wait_step(30)
    t_mid = time.monotonic()
    assert finder.status() == "running"
    n_mid, width_mid = len(finder.points()), finder.curve_width()
    grad_mid = finder.curve_width(finder.grad_figure)
    notebook.screenshot("widget_mid_sweep.png", finder.root)
    t0 = time.monotonic()
    status, progress = notebook.run_py("print(w.status, w.progress)").split()
    answer_s = time.monotonic() - t0
    assert status == "running" and 0 < float(progress) < 1, (status, progress)
    assert answer_s < 5, f"a cell took {answer_s:.1f} s to run during the sweep"
    finder.click_point(MID_PICK)
    lr_mid, progress_mid = kernel_floats(notebook, "print(w.lr, w.progress)", lambda v: not math.isnan(v[0]))
    assert progress_mid < 1, "the click should have been handled while the sweep ran"
    mid_s = time.monotonic() - t_mid

    # --- done: the whole curve, larger than mid-sweep; the mid-sweep click was a measured lr
    final = finder.wait_status(("done", "diverged"), timeout_ms=60_000)
    assert notebook.run_py("print(w.status)") == final
    n_result = int(notebook.run_py("print(len(w.result))"))
    assert 0 < n_mid < n_result == len(finder.points())
    assert 0 < width_mid < finder.curve_width()
    assert 0 < grad_mid < finder.curve_width(finder.grad_figure)
    lr_8 = kernel_floats(notebook, f"print(float(w.result.lrs[{MID_PICK}]))")[0]
    assert lr_mid == lr_8

    # --- a click on a suggestion marker sets lr to that suggestion (take one nothing covers)
    notebook.wait_py(  # the slide rule has walked to its pick
        "print(w.player.play.playing, w.player.play.value == w.player.play.max)", lambda o: o == "False True"
    )
    names = {rgb(spec.color): m for m, spec in METHODS.items()}
    free = [m for m in finder.markers() if m["on_top"] and m["fill"] in names]
    assert free, f"no suggestion marker can be clicked: {finder.markers()}"
    free.sort(key=lambda m: names[m["fill"]] != "auto")  # prefer the recommended one
    method = names[free[0]["fill"]]
    page.mouse.click(free[0]["x"], free[0]["y"])
    lr, _ = kernel_floats(
        notebook, f"print(w.lr, w.suggestions[{method!r}].lr)", lambda v: v[0] == v[1], timeout_s=10
    )
    assert lr != lr_mid
    assert f"lr = {format_lr(lr)}" in finder.loss_figure.inner_text()  # the pick's rule is labelled
    page.wait_for_timeout(300)
    shot = notebook.screenshot("widget.png", finder.root)
    save_docs_image(shot)

    # --- dark theme: a screenshot to look at
    notebook.set_theme("JupyterLab Dark")
    notebook.screenshot("widget_dark.png", finder.root)
    notebook.set_theme("JupyterLab Light")

    # --- a click on a legend button sets lr to that method's suggestion
    other = next(m for m in ("valley", "steepest", "minimum") if m != method)
    label = {"minimum": "minimum / 10"}.get(other, other)
    finder.root.get_by_role("button", name=re.compile(rf"^\S {re.escape(label)} \d")).click()
    kernel_floats(notebook, f"print(w.lr, w.suggestions[{other!r}].lr)", lambda v: v[0] == v[1] != lr)

    # --- a later click on a measured point (positions recomputed: the notebook grew)
    index = n_result // 2
    while not finder.points()[index]["on_top"]:  # a marker sits there: take the next point
        index += 1
    finder.click_point(index)
    kernel_floats(notebook, f"print(w.lr, float(w.result.lrs[{index}]))", lambda v: v[0] == v[1])

    # --- slice mode: a drag across two decades sets lr_slice to about those decades
    finder.root.get_by_role("button", name="drag: pick a slice").click()
    notebook.wait_py("print(w.mode)", lambda o: o == "slice")
    # slice mode starts with the suggested slice, drawn as a band
    suggested = kernel_floats(notebook, "a = w.suggestions['auto'].lr\nprint(*w.lr_slice, a / 10, a)")
    assert suggested[:2] == pytest.approx(suggested[2:])
    assert "slice(" in finder.loss_figure.inner_text()
    notebook.screenshot("widget_slice_start.png", finder.root)
    ticks = [(t["x"], float(t["text"])) for t in finder.x_ticks()]
    (px_a, lr_a), (px_b, lr_b) = ticks[0], ticks[-1]
    per_px = (math.log10(lr_b) - math.log10(lr_a)) / (px_b - px_a)  # decades per pixel

    def px(lr: float) -> float:
        return px_a + (math.log10(lr) - math.log10(lr_a)) / per_px

    box = finder.loss_figure.bounding_box()
    y = box["y"] + box["height"] * 0.45
    page.mouse.move(px(1e-5), y)
    page.mouse.down()
    page.mouse.move(px(1e-4), y, steps=6)
    page.mouse.move(px(1e-3), y, steps=6)
    page.mouse.up()
    lo, hi, start_lr, end_lr = kernel_floats(
        notebook,
        "print(*(w.lr_slice or (None, None)), w.result.lrs[0], w.result.lrs[-1])",
        lambda v: not math.isnan(v[0]) and v[0] != pytest.approx(suggested[0]),
    )
    assert start_lr <= lo < hi <= end_lr
    assert abs(math.log10(lo) + 5) < 0.1 and abs(math.log10(hi) + 3) < 0.1, (lo, hi)
    assert notebook.run_py("print(w.value)") == f"slice({lo!r}, {hi!r}, None)"
    notebook.screenshot("widget_slice.png", finder.root)
    print(
        f"\nmid-sweep (step {step_mid}): {n_mid}/{n_result} points, curve {width_mid:.0f}/"
        f"{finder.curve_width():.0f} px; a cell answered in {answer_s:.2f} s; mid-sweep checks took "
        f"{mid_s:.1f} s (click seen at progress {progress_mid:.2f}); drag 1e-5..1e-3: ({lo:.3g}, {hi:.3g})"
    )
    assert page.js_errors == []


def test_stop_in_the_browser_restores_the_model(notebook, finder, page):
    """Run and Stop clicked in the browser: status 'stopped' within seconds, the model as it was."""
    notebook.open_and_run("finder_stop.ipynb", SETUP, LONG_SWEEP)
    finder.wait_drawn()
    assert finder.status() == "idle"
    finder.root.get_by_role("button", name="Run").click()
    finder.wait_step(20)
    assert finder.status() == "running"
    assert notebook.run_py("print(checksum() != before, w.status)") == "True running"  # it trains

    finder.root.get_by_role("button", name="Stop").click()
    t0 = time.monotonic()
    finder.wait_status(("stopped",), timeout_ms=10_000)
    stop_s = time.monotonic() - t0
    assert stop_s < 2.5, f"the badge said 'stopped' {stop_s:.1f} s after the click"
    out = notebook.run_py(
        "print(w.status, w.result.stop_reason, len(w.result), w.running, checksum() == before)"
    )
    status, reason, steps, running, same = out.split()
    assert (status, reason, running, same) == ("stopped", "cancelled", "False", "True"), out
    assert 20 <= int(steps) < 2000
    notebook.screenshot("widget_stopped.png", finder.root)
    print(f"\nStop: badge 'stopped' {stop_s:.2f} s after the click, {steps} steps, model restored")
    assert page.js_errors == []
