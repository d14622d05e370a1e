"""The numpy core must load, and work, without torch or any widget library."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

FORBIDDEN = ("torch", "ipywidgets", "bqplot", "anywidget")

SCRIPT = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys
    import lrwidget, lrwidget.core
    for info in pkgutil.walk_packages(lrwidget.core.__path__, "lrwidget.core."):
        importlib.import_module(info.name)
    suggest = lrwidget.suggest
    result = lrwidget.RangeTestResult([1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0], [3, 2.5, 1.5, 1.0, 2.0, 9.0])
    result.suggestions(); result.lr_slice()
    lrwidget.RangeTestResult.from_json(result.to_json())
    suggest.auto(result.lrs, result.smoothed)
    print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {forbidden!r})))
    """
).format(forbidden=set(FORBIDDEN))


def test_core_imports_no_torch_and_no_widgets():
    """Importing and using every lrwidget.core module and lrwidget.suggest loads no heavy stack."""
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == [], f"lrwidget.core pulled in {loaded}"
