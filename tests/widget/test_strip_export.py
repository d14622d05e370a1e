"""Static PNG in the mime bundle and Save PNG (lrwidget.widget.export), with real widgets and matplotlib."""

from __future__ import annotations

import base64
import sys

import comm as comm_pkg
import ipywidgets as widgets
import numpy as np
import pytest
import traitlets

from lrwidget.core.result import RangeTestResult
from lrwidget.widget import export
from lrwidget.widget.export import PNG_SIGNATURE, StaticImage, png_size, result_png

pytest.importorskip("matplotlib")


class RecordingComm:
    """A comm that records what the widget sends (as ipywidgets' own tests do with a dummy comm)."""

    comm_id = "export-test"
    kernel = "Truthy"

    def __init__(self, **kwargs):
        self.messages: list[dict] = []

    def on_msg(self, callback):
        self.callback = callback

    def send(self, data=None, buffers=None, **kwargs):
        self.messages.append(dict(data, buffers=buffers) if isinstance(data, dict) else data)

    def close(self, *args, **kwargs):
        pass


@pytest.fixture(autouse=True)
def recording_comm(monkeypatch):
    monkeypatch.setattr(comm_pkg, "create_comm", lambda **kw: RecordingComm(**kw))


class ResultBox(StaticImage, widgets.VBox):
    """The smallest real widget that holds a result the way LRFinderWidget does."""

    result = traitlets.Instance(RangeTestResult, allow_none=True)


def sweep_result(n: int = 100, stop_reason: str = "diverged") -> RangeTestResult:
    """A range test's shape: a plateau, a descent, a minimum and a runaway, with noise."""
    lrs = np.logspace(-7, 1, n)
    x = np.log10(lrs)
    rng = np.random.default_rng(3)
    losses = 2.3 - 1.6 / (1 + np.exp(-(x + 3.5) * 2.5)) + np.exp((x - 0.2) * 2.2) + rng.normal(0, 0.03, n)
    return RangeTestResult(lrs, losses, stop_reason=stop_reason, settings={"num_it": n})


def decoded_png(bundle: dict) -> bytes:
    return base64.b64decode(bundle["image/png"])


def test_result_png_is_a_png_of_the_size_asked_for():
    png = result_png(sweep_result(), width_px=720, height_px=360, dpi=100)
    assert png.startswith(PNG_SIGNATURE)
    assert png_size(png) == (720, 360)
    assert 10_000 < len(png) < 400_000  # a real plot: lines and text, not an empty canvas


def test_result_png_draws_the_curve_not_a_blank_canvas():
    """The pixels hold the smoothed line's colour and the auto suggestion's colour."""
    from PIL import Image

    from lrwidget.widget.registry import METHODS, PALETTE

    image = np.asarray(Image.open(__import__("io").BytesIO(result_png(sweep_result()))).convert("RGB"))

    def count(hex_color: str, tol: int = 12) -> int:
        target = np.array([int(hex_color[i : i + 2], 16) for i in (1, 3, 5)])
        return int((np.abs(image.astype(int) - target).max(axis=2) <= tol).sum())

    assert count(PALETTE.smoothed) > 300
    assert count(METHODS["auto"].color) > 100
    assert (image.reshape(-1, 3) == 255).all(axis=1).mean() < 0.97


def test_an_empty_result_has_no_png():
    empty = RangeTestResult(np.zeros(0), np.zeros(0), stop_reason="cancelled")
    assert result_png(empty) is None


def test_mime_bundle_of_a_widget_with_a_result_has_a_png_beside_the_view():
    box = ResultBox(result=sweep_result())
    bundle = box._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == box.model_id
    png = decoded_png(bundle)
    assert png.startswith(PNG_SIGNATURE) and png_size(png)[0] >= 400


def test_mime_bundle_of_a_widget_without_a_result_has_no_png():
    for result in (None, RangeTestResult(np.zeros(0), np.zeros(0), stop_reason="cancelled")):
        bundle = ResultBox(result=result)._repr_mimebundle_()
        assert "image/png" not in bundle
        assert "application/vnd.jupyter.widget-view+json" in bundle


def test_a_stopped_sweep_gets_its_picture_too():
    bundle = ResultBox(result=sweep_result(37, "cancelled"))._repr_mimebundle_()
    assert decoded_png(bundle).startswith(PNG_SIGNATURE)


def test_without_matplotlib_the_bundle_is_unchanged_and_result_png_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        result_png(sweep_result())
    bundle = ResultBox(result=sweep_result())._repr_mimebundle_()
    assert "image/png" not in bundle and "application/vnd.jupyter.widget-view+json" in bundle


def test_display_keeps_a_handle_and_refresh_updates_it(displays):
    """A widget shown before its sweep had points gets its picture when the sweep ends."""

    sent = displays
    box = ResultBox()
    assert box.refresh_static_image() == 0
    box._ipython_display_()
    assert [k for k, *_ in sent] == ["display", "display"] and all(raw for *_, raw in sent)
    assert "image/png" not in sent[0][1] and "image/png" not in sent[1][1]
    box.result = sweep_result()
    assert box.refresh_static_image() == 1
    kind, bundle, raw = sent[-1]
    assert kind == "update" and raw and decoded_png(bundle).startswith(PNG_SIGNATURE)


def test_a_refresh_never_re_renders_the_live_view(displays):
    """A display update replaces its output, and the front end renders a new view of what it holds; the
    old views stayed alive in the browser (one Save PNG click answered by 10 of them, 24 console errors per
    switch to slice mode). The live view is its own output, never updated: the refreshed output holds the
    picture beside a hidden placeholder, which close() closes too."""
    sent = displays
    box = ResultBox(result=sweep_result())
    box._ipython_display_()
    view_bundle = sent[0][1]
    assert view_bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == box.model_id
    assert "image/png" not in view_bundle
    for _ in range(3):
        box.refresh_static_image()
    updates = [b for kind, b, _ in sent if kind == "update"]
    assert len(updates) == 3
    holder, layout = box.static_widgets()
    assert all(u["application/vnd.jupyter.widget-view+json"]["model_id"] == holder.model_id for u in updates)
    assert holder.layout.display == "none" and layout is holder.layout
    assert all(decoded_png(u).startswith(PNG_SIGNATURE) for u in updates)


def sent_customs(widget) -> list[tuple[dict, list]]:
    """What a widget sent its views as custom messages: (content, buffers)."""
    sent = widget.comm.messages
    return [(m["content"], m.get("buffers") or []) for m in sent if m.get("method") == "custom"]


def test_save_png_answers_only_the_view_that_asked_with_the_static_picture():
    """Two views, one click: the reply carries the clicking view's token and one PNG, the static image's
    picture of the current result and pick (its legend drawn in), not a message every view answers."""
    result = sweep_result()
    drawn = []

    def render():
        drawn.append(1)
        return result_png(result, pick=1e-3)

    button = export.SavePngButton(render, filename="my_sweep.png")
    button.comm.messages.clear()
    button._handle_custom_msg({"event": "save", "token": "view-b"}, [])
    ((content, buffers),) = sent_customs(button)
    assert content == {"token": "view-b", "filename": "my_sweep.png"}
    assert len(buffers) == 1 and bytes(buffers[0]).startswith(PNG_SIGNATURE)
    assert png_size(bytes(buffers[0])) == png_size(result_png(result, pick=1e-3))
    assert drawn == [1] and button.saved == 1
    button._handle_custom_msg({"event": "hover"}, [])  # not a save: no picture drawn
    assert drawn == [1]


def test_save_png_before_any_point_or_on_a_failure_says_why_on_the_button():
    button = export.SavePngButton(lambda: None)
    button.comm.messages.clear()
    button._handle_custom_msg({"event": "save", "token": "t"}, [])
    ((content, buffers),) = sent_customs(button)
    assert content["token"] == "t" and "run the sweep first" in content["error"] and buffers == []

    def broken():
        raise RuntimeError("no display")

    failing = export.SavePngButton(broken)
    failing.comm.messages.clear()
    failing._handle_custom_msg({"event": "save", "token": "u"}, [])
    ((content, _),) = sent_customs(failing)
    assert content["error"] == "Save PNG failed: RuntimeError: no display"


def test_png_size_refuses_what_is_not_a_png():
    with pytest.raises(ValueError, match="not a PNG"):
        png_size(b"GIF89a" + b"\0" * 30)
    assert export.STATIC_METHODS[0] == "auto"


def test_the_static_picture_lists_the_widgets_methods_and_its_legend_never_covers_the_curve():
    """The saved picture left out 'slide rule (scaled)', which the live widget shows, and its legend box
    sat on the curve's blow-up: it now lists every method the widget does, beside the axes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from lrwidget.widget.controls import DEFAULT_METHODS
    from lrwidget.widget.registry import method

    fig = export.result_figure(sweep_result(), pick=1e-3)
    FigureCanvasAgg(fig).draw()
    ax = fig.axes[0]
    legend = ax.get_legend()
    texts = [t.get_text() for t in legend.get_texts()]
    for name in DEFAULT_METHODS:
        assert any(t.lstrip("★ ").startswith(method(name).label) for t in texts), (name, texts)
    renderer = fig.canvas.get_renderer()
    box, plot = legend.get_window_extent(renderer), ax.get_window_extent(renderer)
    assert box.x0 >= plot.x1 - 1, (box, plot)  # beside the axes, not over the curve
    assert box.x1 <= fig.bbox.x1 + 1  # and inside the picture
