"""lrwidget: Leslie Smith's learning-rate range test, live in a notebook cell and headless in scripts.

``import lrwidget`` is cheap: torch and the widget stack load on first use of the names that need them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> (module, attribute or None for the module itself)
_LAZY: dict[str, tuple[str, str | None]] = {
    "suggest": ("lrwidget.core.suggest", None),
    "RangeTestResult": ("lrwidget.core.result", "RangeTestResult"),
    "Suggestion": ("lrwidget.core.suggestion", "Suggestion"),
    "StepEvent": ("lrwidget.core.events", "StepEvent"),
    "lr_find": ("lrwidget.engine.entry", "lr_find"),
    "prepare_sweep": ("lrwidget.engine.entry", "prepare_sweep"),
    "SweepSettings": ("lrwidget.engine.settings", "SweepSettings"),
    "apply_lr": ("lrwidget.engine.apply", "apply_lr"),
    "Learner": ("lrwidget.engine.learner", "Learner"),
    "LRFinderWidget": ("lrwidget.widget.finder", "LRFinderWidget"),
    "DecisionStrip": ("lrwidget.widget.strip", "DecisionStrip"),
}

__all__ = [
    "DecisionStrip",
    "LRFinderWidget",
    "Learner",
    "RangeTestResult",
    "StepEvent",
    "Suggestion",
    "SweepSettings",
    "__version__",
    "apply_lr",
    "lr_find",
    "prepare_sweep",
    "suggest",
]

if TYPE_CHECKING:  # pragma: no cover
    from lrwidget.core import suggest
    from lrwidget.core.events import StepEvent
    from lrwidget.core.result import RangeTestResult
    from lrwidget.core.suggestion import Suggestion
    from lrwidget.engine.apply import apply_lr
    from lrwidget.engine.entry import lr_find, prepare_sweep
    from lrwidget.engine.learner import Learner
    from lrwidget.engine.settings import SweepSettings
    from lrwidget.widget.finder import LRFinderWidget
    from lrwidget.widget.strip import DecisionStrip


def __getattr__(name: str) -> Any:
    try:
        module_name, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'lrwidget' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    value = module if attr is None else getattr(module, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
