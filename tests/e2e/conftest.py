"""Fixtures for real-browser tests: a JupyterLab server on 127.0.0.1 and Debian's Chromium via Playwright.

- ``lab`` (session): a JupyterLab with isolated config/runtime dirs; ``lab.root`` is its notebook dir.
- ``browser`` (session): headless /usr/bin/chromium (never ``playwright install``).
- ``page``: a fresh page; ``page.js_errors`` collects uncaught exceptions and console errors.
- ``notebook``: a :class:`NotebookDriver` for that page: write or copy in a notebook, open it, run it, run
  a Python cell and read its output (the kernel's truth), switch theme, save screenshots to
  artifacts/screenshots.
- ``finder``: a :class:`FinderView` on that page: the first LRFinderWidget's parts and its loss pane's
  measured points and markers as pixels (bqplot draws them as SVG, so positions are read from the DOM).

Every test in this directory is marked ``e2e``. Without Playwright or Chromium they are skipped, unless
``LRWIDGET_REQUIRE_E2E=1`` (set by ``.ci/run``): then they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the environment
    sync_playwright = None

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SCREENSHOTS = REPO / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
# Console errors that are about the test setup, not the page under test.
IGNORED_CONSOLE = ("favicon.ico", "Failed to load resource: net::ERR_")

KERNEL_IDLE_JS = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.status === 'idle';
}"""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test under tests/e2e as ``e2e`` so ``-m "not e2e"`` skips them all."""
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@dataclass(frozen=True)
class Lab:
    """A running JupyterLab: where it listens and where its notebooks live."""

    url: str
    token: str
    root: Path
    log: Path

    def notebook_url(self, name: str) -> str:
        return f"{self.url}/lab/tree/{name}?token={self.token}&reset"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A JupyterLab server on 127.0.0.1 with window.jupyterapp exposed and the news toast off."""
    root = tmp_path_factory.mktemp("nbroot")
    jdir = tmp_path_factory.mktemp("jupyter")
    port, token = _free_port(), "e2e-token"
    labconfig = jdir / "cfg" / "labconfig"
    labconfig.mkdir(parents=True)
    (labconfig / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}})
    )
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(jdir / "cfg"),
        JUPYTER_RUNTIME_DIR=str(jdir / "rt"),
        IPYTHONDIR=str(jdir / "ipython"),
        JUPYTER_PLATFORM_DIRS="1",
    )
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.allow_root=True",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        f"--LabApp.workspaces_dir={jdir / 'ws'}",
    ]
    log = jdir / "lab.log"
    with open(log, "w") as log_file:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=1)
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"JupyterLab did not start:\n{log.read_text()}") from None
                    time.sleep(0.25)
            yield Lab(url=url, token=token, root=Path(root), log=log)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def _unavailable(reason: str) -> None:
    """Skip, or fail where the browser tests are required (CI)."""
    if os.environ.get("LRWIDGET_REQUIRE_E2E") == "1":
        pytest.fail(f"{reason}; LRWIDGET_REQUIRE_E2E=1 requires the browser tests")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright (no browser download)."""
    if sync_playwright is None:
        _unavailable("playwright is not installed")
    if not Path(CHROMIUM).exists():
        _unavailable(f"chromium not found at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh 1280x1400 page; ``page.js_errors`` lists uncaught exceptions and console errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 1400})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))

    def on_console(msg: Any) -> None:
        if msg.type == "error" and not any(s in msg.text for s in IGNORED_CONSOLE):
            errors.append(f"console.error: {msg.text}")

    pg.on("console", on_console)
    pg.js_errors = errors
    yield pg
    context.close()


class NotebookDriver:
    """Drives one notebook in JupyterLab through ``window.jupyterapp`` (commands, not key chords)."""

    def __init__(self, page: Any, lab: Lab) -> None:
        self.page = page
        self.lab = lab

    def write(self, name: str, *cells: str) -> Path:
        """Write a notebook of code cells into the lab root, with a kernelspec (else a picker pops up)."""
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        path = self.lab.root / name
        nbformat.write(nb, str(path))
        return path

    def copy_in(self, src: Path, name: str | None = None) -> Path:
        """Copy an existing notebook (it must carry ``metadata.kernelspec``) into the lab root."""
        path = self.lab.root / (name or src.name)
        shutil.copyfile(src, path)
        return path

    def open(self, name: str, timeout_ms: int = 90_000, hide_left_area: bool = True) -> None:
        """Open the notebook and wait until its kernel is idle; fold the file browser away for room."""
        self.page.goto(self.lab.notebook_url(name))
        self.wait_idle(timeout_ms)
        if hide_left_area:
            self.page.evaluate(
                """() => { const app = window.jupyterapp; if (app.shell.leftCollapsed) return;
                   return app.commands.execute('application:toggle-left-area'); }"""
            )

    def wait_idle(self, timeout_ms: int = 60_000) -> None:
        """Wait until the notebook's kernel reports idle."""
        self.page.wait_for_function(KERNEL_IDLE_JS, timeout=timeout_ms)

    def run_all(self) -> None:
        """Run every cell (returns at once; wait on what the cells should show)."""
        self.page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")

    def open_and_run(self, name: str, *cells: str) -> None:
        """Write, open and run a notebook made of ``cells``."""
        self.write(name, *cells)
        self.open(name)
        self.run_all()

    def run_py(self, code: str, timeout_ms: int = 30_000) -> str:
        """Append a cell with ``code``, run it and return its output text (print what you need)."""
        self.page.evaluate(
            """(code) => { const app = window.jupyterapp; const nb = app.shell.currentWidget.content;
               nb.activeCellIndex = nb.widgets.length - 1;
               return app.commands.execute('notebook:insert-cell-below').then(() => {
                 nb.activeCell.model.sharedModel.setSource(code); }); }""",
            code,
        )
        return self.rerun_last(timeout_ms)

    def rerun_last(self, timeout_ms: int = 30_000) -> str:
        """Run the last cell again and return its output text."""
        self.page.evaluate(
            """() => { const app = window.jupyterapp; const nb = app.shell.currentWidget.content;
               nb.activeCellIndex = nb.widgets.length - 1;
               const cell = nb.widgets[nb.widgets.length - 1];
               cell.model.executionCount = null; cell.model.outputs.clear();
               return app.commands.execute('notebook:run-cell'); }"""
        )
        self.page.wait_for_function(
            """() => { const nb = window.jupyterapp.shell.currentWidget.content;
               const c = nb.widgets[nb.widgets.length - 1];
               return c.model.executionCount !== null && c.outputArea.model.length > 0; }""",
            timeout=timeout_ms,
        )
        return self.page.evaluate(
            """() => { const nb = window.jupyterapp.shell.currentWidget.content;
               return nb.widgets[nb.widgets.length - 1].outputArea.node.innerText.trim(); }"""
        )

    def wait_py(self, code: str, predicate: Any, timeout_s: float = 15.0) -> str:
        """Run ``code`` until ``predicate(output)`` holds (browser->kernel messages may lag a little)."""
        out = self.run_py(code)
        deadline = time.monotonic() + timeout_s
        while not predicate(out):
            if time.monotonic() > deadline:
                raise AssertionError(f"kernel output never satisfied the check; last output:\n{out}")
            time.sleep(0.2)
            out = self.rerun_last()
        return out

    def set_theme(self, theme: str = "JupyterLab Dark") -> None:
        """Switch JupyterLab's theme ("JupyterLab Light" / "JupyterLab Dark") and wait for it."""
        self.page.evaluate(
            "(t) => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})", theme
        )
        light = "true" if theme == "JupyterLab Light" else "false"
        self.page.wait_for_function(f"() => document.body.dataset.jpThemeLight === '{light}'", timeout=15_000)
        self.page.wait_for_timeout(300)  # let the theme's CSS variables settle

    def screenshot(self, name: str, locator: Any = None) -> Path:
        """Save a PNG of ``locator`` (or the page) to artifacts/screenshots/``name``."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / name
        (locator or self.page).screenshot(path=str(path))
        return path


@pytest.fixture
def notebook(page: Any, lab: Lab) -> NotebookDriver:
    """A NotebookDriver on a fresh page of the session's JupyterLab."""
    return NotebookDriver(page, lab)


# --------------------------------------------------------------------------- LRFinderWidget in the page

# The loss pane's click columns: one transparent full-height bar per measured point (a bqplot Bars mark).
# Returns a point inside each (page px, at ``frac`` of the plot's height) and what a click there would hit.
_POINTS_JS = """(fig, frac) => {
  const bars = [...fig.querySelectorAll('rect.bar')];
  return bars.map(d => { const r = d.getBoundingClientRect();
    const x = r.x + r.width / 2, y = r.y + r.height * frac, top = document.elementFromPoint(x, y);
    return {x, y, width: r.width, on_top: top === d, top: top && top.getAttribute('class')}; });
}"""
# Single-dot marks (suggestion markers, the probe): centre, size, fill, and whether the dot is what a
# click at its centre would hit.
_SINGLE_DOTS_JS = """(fig) => [...fig.querySelectorAll('g')]
  .map(g => g.querySelectorAll(':scope > g.object_grp > path.dot'))
  .filter(dots => dots.length === 1)
  .map(([d]) => { const r = d.getBoundingClientRect(); const x = r.x + r.width / 2, y = r.y + r.height / 2;
                  const top = document.elementFromPoint(x, y);
                  return {x, y, size: r.width, fill: getComputedStyle(d).fill,
                          on_top: top === d || d.parentNode.contains(top)}; })"""
# The horizontal extent (px) of a figure's measured curve: the drawn line with the most vertices (rules,
# zero lines and bands have a handful). It grows as the sweep adds points.
_CURVE_WIDTH_JS = """(fig) => { const lines = [...fig.querySelectorAll('path.line')]
    .map(p => ({p, n: (p.getAttribute('d') || '').split(/[ML]/).length}))
    .sort((a, b) => b.n - a.n);
  return lines.length && lines[0].n > 4 ? lines[0].p.getBBox().width : 0; }"""
# Centres (px) and labels of the x axis's tick labels.
_X_TICKS_JS = """(fig) => { const axes = [...fig.querySelectorAll('g.axis')];
  const xs = axes.filter(a => { const t = a.querySelectorAll('.tick text');
    return t.length > 1 && Math.abs(t[0].getBoundingClientRect().y - t[1].getBoundingClientRect().y) < 2; });
  if (!xs.length) return [];
  return [...xs[0].querySelectorAll('.tick text')].map(t => { const r = t.getBoundingClientRect();
    return {x: r.x + r.width / 2, text: t.textContent}; }); }"""


class FinderView:
    """The first LRFinderWidget on a page: locators for its parts and pixel positions on its loss pane."""

    def __init__(self, page: Any) -> None:
        self.page = page
        output = page.locator(".jp-OutputArea-output", has=page.locator(".bqplot.figure")).first
        self.root = output.locator(":scope > .widget-vbox").first
        self.loss_figure = self.root.locator(".bqplot.figure").first
        self.grad_figure = self.root.locator(".bqplot.figure").nth(1)

    def wait_drawn(self, timeout_ms: int = 90_000) -> None:
        """Wait until the widget's loss pane exists (a flat line counts as hidden: wait for attached)."""
        self.loss_figure.wait_for(state="attached", timeout=timeout_ms)

    def status(self) -> str:
        """The status badge's text ("running", "done", ...), as the browser shows it."""
        return self.root.locator(".widget-html").first.inner_text().strip()

    def wait_status(self, statuses: tuple[str, ...], timeout_ms: int = 60_000) -> str:
        """Wait until the status badge reads one of ``statuses``; return it."""
        self.page.wait_for_function(
            """([root, want]) => want.includes(root.querySelector('.widget-html').innerText.trim())""",
            arg=[self.root.element_handle(), list(statuses)],
            timeout=timeout_ms,
        )
        return self.status()

    def wait_step(self, at_least: int, timeout_ms: int = 60_000) -> int:
        """Wait until the header says ``step N / M`` with N >= ``at_least``; return N."""
        self.page.wait_for_function(
            """([root, n]) => { const m = root.innerText.match(/step (\\d+) \\/ \\d+/);
                                return !!m && +m[1] >= n; }""",
            arg=[self.root.element_handle(), at_least],
            timeout=timeout_ms,
        )
        return int(
            self.page.evaluate(
                "(root) => +root.innerText.match(/step (\\d+) \\//)[1]", self.root.element_handle()
            )
        )

    def points(self, frac: float = 0.45) -> list[dict[str, Any]]:
        """One spot (page px) per measured point, inside its click column at ``frac`` of the plot's height
        from the top, in data order; ``on_top`` says whether a click there reaches the column."""
        self.loss_figure.scroll_into_view_if_needed()
        return self.loss_figure.evaluate(_POINTS_JS, frac)

    def markers(self) -> list[dict[str, Any]]:
        """The loss pane's single-dot marks (suggestion markers, the probe): centre, size, fill, on_top."""
        self.loss_figure.scroll_into_view_if_needed()
        return self.loss_figure.evaluate(_SINGLE_DOTS_JS)

    def curve_width(self, figure: Any = None) -> float:
        """Horizontal extent in px of the measured curve in ``figure`` (default: the loss pane)."""
        return float((figure or self.loss_figure).evaluate(_CURVE_WIDTH_JS))

    def x_ticks(self) -> list[dict[str, Any]]:
        """The loss pane's x tick labels: centre x (page px) and text (``1e-7`` ...)."""
        self.loss_figure.scroll_into_view_if_needed()
        return self.loss_figure.evaluate(_X_TICKS_JS)

    def click_point(self, index: int, frac: float = 0.45) -> dict[str, Any]:
        """Click the loss pane in measured point ``index``'s column, after checking that nothing covers it."""
        pts = self.points(frac)
        if not 0 <= index < len(pts):
            raise AssertionError(f"point {index} is not drawn: the loss pane has {len(pts)} points")
        p = pts[index]
        if not p["on_top"]:
            raise AssertionError(f"point {index} at {p} is covered by an element of class {p['top']!r}")
        self.page.mouse.click(p["x"], p["y"])
        return p


@pytest.fixture
def finder(page: Any) -> FinderView:
    """A FinderView of the first LRFinderWidget on the test's page."""
    return FinderView(page)
