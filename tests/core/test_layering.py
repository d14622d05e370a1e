"""Imports point downwards only: the numpy core loads no torch, plotting or widget library, and the torch
engine loads no widget library, even when every module of the layer is imported and used.

Each check runs in a fresh interpreter, so what another test imported cannot hide a violation.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

WIDGET_LIBRARIES = ("ipywidgets", "bqplot", "anywidget", "traitlets", "IPython")
CORE_FORBIDDEN = ("torch", "matplotlib", *WIDGET_LIBRARIES)

REPORT = "print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {forbidden!r})))"

CORE_SCRIPT = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys
    import lrwidget, lrwidget.core
    for info in pkgutil.walk_packages(lrwidget.core.__path__, "lrwidget.core."):
        importlib.import_module(info.name)
    suggest = lrwidget.suggest
    result = lrwidget.RangeTestResult([1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0], [3, 2.5, 1.5, 1.0, 2.0, 9.0])
    result.suggestions(); result.lr_slice()
    suggest.auto(result.lrs, result.smoothed)
    """
)

ENGINE_SCRIPT = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys
    import torch
    import lrwidget, lrwidget.engine
    for info in pkgutil.walk_packages(lrwidget.engine.__path__, "lrwidget.engine."):
        try:
            importlib.import_module(info.name)
        except ImportError as exc:  # an adapter whose optional trainer is not installed
            if exc.name not in ("lightning", "pytorch_lightning", "transformers", "fastai", "accelerate"):
                raise
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 3)
    data = [(torch.randn(8, 4), torch.randint(0, 3, (8,))) for _ in range(4)]
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    result = lrwidget.lr_find(model, optimizer, torch.nn.functional.cross_entropy, data, num_it=6)
    result.suggestions()
    """
)


def _loaded(script: str, forbidden: tuple[str, ...]) -> list[str]:
    """Run ``script`` in a fresh interpreter; return which of ``forbidden`` it left in ``sys.modules``."""
    code = script + REPORT.format(forbidden=set(forbidden))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_core_imports_no_torch_no_plotting_and_no_widgets():
    """Importing and using every lrwidget.core module and lrwidget.suggest loads no heavy stack."""
    loaded = _loaded(CORE_SCRIPT, CORE_FORBIDDEN)
    assert loaded == [], f"lrwidget.core pulled in {loaded}"


def test_engine_imports_no_widget_library():
    """Importing every lrwidget.engine module and running a sweep (with its progress bar) loads no widgets."""
    pytest.importorskip("torch")
    loaded = _loaded(ENGINE_SCRIPT, WIDGET_LIBRARIES)
    assert loaded == [], f"lrwidget.engine pulled in {loaded}"


def test_the_check_sees_a_forbidden_import():
    """The probe itself works: a script that imports a forbidden library is reported."""
    assert _loaded("import json, sys\nimport traitlets\n", WIDGET_LIBRARIES) == ["traitlets"]
