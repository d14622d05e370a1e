"""The decision strip alone in real JupyterLab + Chromium: clicks, keys and drags reach the kernel."""

from __future__ import annotations

import math

import pytest

pytestmark = pytest.mark.e2e

SETUP = """
import ipywidgets as W
from lrwidget.widget.strip import DecisionStrip
strip = DecisionStrip(
    min_lr=1e-7, max_lr=10.0, confidence=0.82, layout=W.Layout(width="900px"),
    suggestions=[
        {"method": "auto", "lr": 2.2e-3},
        {"method": "slide_rule", "lr": 1.8e-3},
        {"method": "valley", "lr": 8e-4},
        {"method": "steepest", "lr": 4e-4},
        {"method": "minimum", "lr": 4e-2},
        {"method": "slide_rule_scaled", "lr": None, "reason": "no interval left of the minimum"},
    ],
)
strip
"""

PX_PER_DECADE = (900 - 2 * 30) / 8  # the strip's 900 px minus its side padding, over 8 decades


def kernel_float(notebook, expr: str, expected: float, rel: float) -> float:
    """Wait until ``expr`` evaluates in the kernel to ``expected`` within ``rel``; return it."""

    def ok(out: str) -> bool:
        try:
            return math.isclose(float(out), expected, rel_tol=rel)
        except ValueError:
            return False

    return float(notebook.wait_py(f"print(repr(float({expr})))", ok))


def test_strip_round_trips_clicks_keys_and_drags(notebook, page):
    """Tick click, arrow + Enter, handle drag, slice handles and Copy all land in the kernel's traits."""
    notebook.open_and_run("strip.ipynb", SETUP)
    svg = page.locator(".lrw-strip .lrw-svg")
    page.wait_for_function(
        "() => document.querySelectorAll('.lrw-strip .lrw-sugg').length === 5", timeout=60_000
    )
    assert "slide rule (scaled): no answer (no interval left of the minimum)" in page.inner_text(
        ".lrw-legend"
    )
    assert page.locator(".lrw-tick-label").all_text_contents()[::8] == ["1e-7", "1e+1"]

    # a click on a suggestion's label accepts that suggestion
    page.locator('.lrw-sugg[data-method="valley"] .lrw-sugg-label').click()
    assert kernel_float(notebook, "strip.lr", 8e-4, 1e-12) == 8e-4
    assert page.inner_text(".lrw-snippet") == "lr=8e-4"

    # keyboard: one arrow press is 0.1 decade; Enter accepts, Escape reverts; JupyterLab's own
    # shortcuts for these keys must not fire (the strip keeps the focus)
    svg.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.classList.contains('lrw-svg')")
    nudged = kernel_float(notebook, "strip.lr", 8e-4 * 10**0.1, 1e-9)
    svg.focus()
    page.keyboard.press("Shift+ArrowLeft")
    kernel_float(notebook, "strip.tentative", nudged / 10, 1e-9)
    svg.focus()
    page.keyboard.press("Escape")
    assert page.evaluate("() => document.activeElement.classList.contains('lrw-svg')")
    kernel_float(notebook, "strip.tentative", nudged, 1e-9)
    kernel_float(notebook, "strip.lr", nudged, 1e-9)

    # drag the pick handle ~0.86 decade to the right: tentative moves, lr waits for Accept
    knob = page.locator(".lrw-pick-knob").bounding_box()
    x, y = knob["x"] + knob["width"] / 2, knob["y"] + knob["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 10):
        page.mouse.move(x + 10 * step, y)
    page.mouse.up()
    dragged = kernel_float(notebook, "strip.tentative", nudged * 10 ** (90 / PX_PER_DECADE), 0.05)
    kernel_float(notebook, "strip.lr", nudged, 1e-9)
    page.locator(".lrw-accept").click()
    kernel_float(notebook, "strip.lr", dragged, 1e-12)

    # slice mode proposes one decade ending at lr; dragging the low handle a decade left widens it
    page.locator(".lrw-slice-toggle input").check()
    kernel_float(notebook, "strip.lr_slice[0]", dragged / 10, 1e-9)
    lo = page.locator('.lrw-slice-handle[data-kind="lo"]').bounding_box()
    x, y = lo["x"] + lo["width"] / 2, lo["y"] + lo["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - PX_PER_DECADE / 2, y)
    page.mouse.move(x - PX_PER_DECADE, y)
    page.mouse.up()
    kernel_float(notebook, "strip.lr_slice[0]", dragged / 100, 0.05)
    kernel_float(notebook, "strip.lr_slice[1]", dragged, 1e-9)
    assert notebook.run_py("print(type(strip.value).__name__)") == "slice"
    snippet = page.inner_text(".lrw-snippet")
    assert snippet.startswith("slice(") and snippet.endswith(")")

    # Copy puts the snippet on the clipboard
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.locator(".lrw-copy").click()
    page.wait_for_function("() => document.querySelector('.lrw-copy').textContent === 'Copied'")
    assert page.evaluate("() => navigator.clipboard.readText()") == snippet

    # Python drives the handles too
    notebook.run_py("strip.lr = 0.05; strip.slice_mode = False; strip.lr_slice = None; print('ok')")
    page.wait_for_function("() => document.querySelector('.lrw-snippet').textContent === 'lr=5e-2'")
    assert float(svg.get_attribute("aria-valuenow")) == pytest.approx(0.05)

    # a pending pick next to the accepted one, the suggested slice, a hover: for the screenshots
    svg.focus()
    page.keyboard.press("Shift+ArrowLeft")
    notebook.run_py("strip.suggested_slice = [2.2e-4, 2.2e-3]; print('ok')")
    page.locator(".lrw-slice-toggle input").check()
    kernel_float(notebook, "strip.lr_slice[0]", 2.2e-4, 1e-12)  # slice mode starts with the suggestion
    kernel_float(notebook, "strip.lr_slice[1]", 2.2e-3, 1e-12)
    box = svg.bounding_box()
    page.mouse.move(box["x"] + 30 + 6.5 * PX_PER_DECADE, box["y"] + box["height"] * 0.45)
    page.wait_for_function(
        "() => document.querySelector('.lrw-status').textContent === 'click to pick 3.2e-1'"
    )
    assert page.evaluate("() => getComputedStyle(document.querySelector('.lrw-hover')).display") != "none"
    notebook.screenshot("strip.png", page.locator(".lrw-strip"))
    notebook.set_theme("JupyterLab Dark")
    page.mouse.move(box["x"] + 31 + 6.5 * PX_PER_DECADE, box["y"] + box["height"] * 0.45)
    notebook.screenshot("strip_dark.png", page.locator(".lrw-strip"))
    notebook.set_theme("JupyterLab Light")

    assert page.js_errors == []


def rgb(hex_color: str) -> str:
    """A #rrggbb colour as getComputedStyle writes it."""
    h = hex_color.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(h[i : i + 2], 16) for i in (0, 2, 4)))


def test_strip_draws_with_the_registry_and_its_own_style_sheet(notebook, page):
    """Colours and labels on the page are the registry's; the style sheet comes from _css, not the module."""
    notebook.open_and_run("strip_registry.ipynb", SETUP + "\nstrip.lr = 2.2e-3\nstrip")
    page.wait_for_function(
        "() => document.querySelectorAll('.lrw-strip .lrw-sugg').length >= 5", timeout=60_000
    )
    from lrwidget.widget.registry import METHODS, PALETTE

    styles = page.evaluate(
        """() => {
          const s = document.querySelector('.lrw-strip');
          const css = (sel, prop) => getComputedStyle(s.querySelector(sel))[prop];
          return {
            knob: css('.lrw-pick-knob', 'fill'),
            value: css('.lrw-value-label', 'fill'),
            font: getComputedStyle(s).fontSize,
            inlineStyles: s.closest('.jp-OutputArea-output').querySelectorAll('style').length,
            dots: [...s.querySelectorAll('.lrw-sugg')].map((g) => [g.dataset.method,
              g.querySelector('.lrw-sugg-dot').getAttribute('fill'), g.textContent]),
          };
        }"""
    )
    assert styles["knob"] == rgb(PALETTE.pick) and styles["value"] == rgb(PALETTE.pick)
    assert styles["font"] == "12px"  # .lrw-strip from decision_strip.css
    assert styles["inlineStyles"] == 0  # no <style> string in the module any more
    for method, fill, text in styles["dots"]:
        assert fill.lower() == METHODS[method].color.lower(), method
        assert text.startswith(METHODS[method].label), (method, text)
    assert page.js_errors == []


def test_a_pick_outside_the_narrowed_ruler_stays_and_is_shown_off_the_ruler(notebook, page):
    """The finder narrows the ruler to what was measured: the pick stays 3e-2 and is drawn as an arrow."""
    notebook.open_and_run(
        "strip_outside.ipynb", SETUP + "\nstrip.limits = [1e-7, 10.0]\nstrip.lr = 0.03\nstrip"
    )
    page.wait_for_function(
        "() => document.querySelectorAll('.lrw-strip .lrw-sugg').length >= 5", timeout=60_000
    )
    notebook.run_py("strip.set_range(1e-7, 1.59e-3); print(strip.lr)")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.lrw-value-label')].some((n) => n.textContent === 'lr 3e-2 →')"
    )
    assert "outside the swept range" in page.inner_text(".lrw-status")
    assert page.locator(".lrw-accepted-mark.lrw-outside").count() == 1
    assert page.inner_text(".lrw-snippet") == "lr=3e-2"
    kernel_float(notebook, "strip.lr", 0.03, 1e-12)
    out = notebook.run_py(
        "try:\n    strip.lr = 1e10\nexcept Exception as e:\n    print(type(e).__name__, e)\n"
        "try:\n    strip.lr = True\nexcept Exception as e:\n    print(type(e).__name__, e)"
    )
    assert "StripValueError lr must be inside the strip's limits" in out
    assert "StripTypeError lr must be a learning rate (a positive number), got bool True" in out
    kernel_float(notebook, "strip.lr", 0.03, 1e-12)
    assert page.inner_text(".lrw-snippet") == "lr=3e-2"
    notebook.screenshot("strip_outside.png", page.locator(".lrw-strip"))
    assert page.js_errors == []


def test_disabled_strip_ignores_the_pointer(notebook, page):
    """While disabled (a sweep running) a click on a tick changes nothing."""
    notebook.open_and_run("strip_disabled.ipynb", SETUP + "\nstrip.disabled = True\nstrip")
    page.wait_for_function(
        "() => document.querySelectorAll('.lrw-strip .lrw-sugg').length >= 5", timeout=60_000
    )
    page.wait_for_function("() => document.querySelector('.lrw-strip.lrw-disabled') !== null")
    page.locator('.lrw-strip.lrw-disabled .lrw-sugg[data-method="valley"] .lrw-sugg-label').first.click()
    assert notebook.run_py("print(strip.lr)") == "None"
    assert page.locator(".lrw-strip.lrw-disabled .lrw-accept").first.is_disabled()
    assert page.js_errors == []


EXPORT_SETUP = """
import threading
import numpy as np
import ipywidgets as W
import traitlets
from lrwidget.core.result import RangeTestResult
from lrwidget.widget.export import StaticImage

class ResultBox(StaticImage, W.VBox):
    result = traitlets.Instance(RangeTestResult, allow_none=True)

lrs = np.logspace(-7, 1, 100)
x = np.log10(lrs)
losses = 2.3 - 1.6 / (1 + np.exp(-(x + 3.5) * 2.5)) + np.exp((x - 0.2) * 2.2)
result = RangeTestResult(lrs, losses, stop_reason="diverged", settings={"num_it": 100})
shown_with = ResultBox([W.HTML("<b class='with-result'>with a result</b>")], result=result)
shown_with
"""
LATER = """
shown_before = ResultBox([W.HTML("<b class='before'>shown before its sweep</b>")])
shown_before
"""
FROM_THREAD = """
shown_thread = ResultBox([W.HTML("<b class='thread'>sweep ends in a thread</b>")])
shown_thread
"""


def saved_outputs(notebook, page, name: str) -> list[list[dict]]:
    """Save the notebook from JupyterLab and return each code cell's outputs as written to disk."""
    import json

    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=15_000)
    nb = json.loads((notebook.lab.root / name).read_text())
    return [cell.get("outputs", []) for cell in nb["cells"] if cell["cell_type"] == "code"]


def test_a_saved_notebook_keeps_a_png_of_the_curve_beside_the_widget(notebook, page):
    """GitHub and nbviewer show image/png where widgets do not render; the live page shows the widget."""
    import base64

    from lrwidget.widget.export import PNG_SIGNATURE, png_size

    notebook.open_and_run("export.ipynb", EXPORT_SETUP, LATER, FROM_THREAD)
    page.wait_for_selector("b.thread", timeout=60_000)
    assert page.locator(".jp-OutputArea-output img").count() == 0  # the view is drawn, not the picture
    notebook.run_py("shown_before.result = result; print(shown_before.refresh_static_image())")
    notebook.run_py(
        "def finish():\n    shown_thread.result = result\n    shown_thread.refresh_static_image()\n"
        "t = threading.Thread(target=finish); t.start(); t.join(); print('joined')"
    )
    page.wait_for_selector("b.before", timeout=15_000)  # the updated output still shows the live widget
    page.wait_for_selector("b.thread", timeout=15_000)
    assert page.locator(".jp-OutputArea-output img").count() == 0

    outputs = saved_outputs(notebook, page, "export.ipynb")
    for cell in outputs[:3]:
        data = cell[-1]["data"]
        assert "application/vnd.jupyter.widget-view+json" in data
        png = base64.b64decode(data["image/png"])
        assert png.startswith(PNG_SIGNATURE) and png_size(png)[0] >= 400 and len(png) > 10_000
    assert page.js_errors == []
