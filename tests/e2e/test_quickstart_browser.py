"""notebooks/01_quickstart.ipynb as a reader runs it in JupyterLab + Chromium: every cell, then a pick."""

from __future__ import annotations

from pathlib import Path

import pytest

from lrwidget.widget.registry import format_lr

pytestmark = pytest.mark.e2e

QUICKSTART = Path(__file__).resolve().parents[2] / "notebooks" / "01_quickstart.ipynb"

CELLS_JS = """() => window.jupyterapp.shell.currentWidget.content.widgets
  .filter(c => c.model.type === 'code')
  .map(c => ({count: c.model.executionCount,
              text: c.outputArea.node.innerText,
              errors: c.model.outputs.toJSON().filter(o => o.output_type === 'error')
                                              .map(o => o.ename + ': ' + o.evalue)}))"""


def test_quickstart_runs_top_to_bottom_and_a_click_picks(notebook, finder, page):
    """Run all: the sweep draws and ends, training runs; then a click on the loss pane sets w.lr."""
    notebook.copy_in(QUICKSTART)
    notebook.open(QUICKSTART.name)
    notebook.run_all()
    page.wait_for_function(
        "() => document.querySelector('.jp-Notebook').innerText.includes('after 3 epochs')", timeout=120_000
    )
    cells = page.evaluate(CELLS_JS)
    assert all(c["count"] is not None for c in cells), [c["count"] for c in cells]
    assert [e for c in cells for e in c["errors"]] == []
    # nobody clicked while the cells ran: the notebook fell back to the auto suggestion, then trained
    assert "nothing picked in the widget: using the auto suggestion" in cells[-2]["text"]
    assert "epoch 3:" in cells[-2]["text"]
    assert cells[-1]["text"].startswith("after 3 epochs: accuracy")

    assert finder.wait_status(("done", "diverged")) == notebook.run_py("print(w.status)")
    n = int(notebook.run_py("print(len(w.result))"))
    assert len(finder.points()) == n
    index = n // 3
    while not finder.points()[index]["on_top"]:  # a suggestion marker covers it: the next point
        index += 1
    finder.click_point(index)
    out = notebook.wait_py(
        f"print(repr(w.lr), repr(float(w.result.lrs[{index}])))", lambda o: o.split()[0] != "None"
    )
    lr, want = (float(v) for v in out.split())
    assert lr == want
    assert notebook.run_py("print(w.value == w.lr)") == "True"
    assert f"lr = {format_lr(lr)}" in finder.loss_figure.inner_text()  # the rule says what was picked
    notebook.screenshot("quickstart.png", finder.root)
    assert page.js_errors == []
