"""Reading and writing a RangeTestResult's JSON: strict floats, bounded nesting, checked settings.

Non-finite floats are written as the strings ``"nan"``, ``"inf"`` and ``"-inf"`` so the file stays strict
JSON. Text is parsed with its depth bounded (a hostile or broken file gives ValueError, not a
RecursionError), and the settings a sweep records are checked by key, because the widget replays them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from lrwidget.core import _checks

NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
# a sweep's settings are a flat dict with a few lists; anything this deep is damage, not data
MAX_DEPTH = 32
_MODES = ("exp", "linear")


def encode_float(x: float) -> float | str:
    return float(x) if math.isfinite(x) else ("nan" if math.isnan(x) else ("inf" if x > 0 else "-inf"))


def decode_float(name: str, x: Any) -> float:
    if isinstance(x, str) and x in NONFINITE:
        return NONFINITE[x]
    if x is None:  # other writers may encode nan as null
        return math.nan
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise ValueError(f"{name} must hold numbers (or 'nan', 'inf', '-inf'), found {x!r:.80}")
    return float(x)


def _too_deep(name: str) -> ValueError:
    return ValueError(f"{name} is nested more than {MAX_DEPTH} levels deep; a saved result never is")


def encode_value(value: Any, name: str = "settings", depth: int = 0) -> Any:
    """Make a settings value strict JSON; objects JSON cannot hold become their ``str``."""
    if depth > MAX_DEPTH:
        raise _too_deep(name)
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return encode_float(float(value))
    if isinstance(value, np.ndarray):
        return encode_value(value.tolist(), name, depth)
    if isinstance(value, Mapping):
        return {str(k): encode_value(v, name, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode_value(v, name, depth + 1) for v in value]
    return str(value)


def decode_value(value: Any, name: str = "settings", depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise _too_deep(name)
    if isinstance(value, str) and value in NONFINITE:
        return NONFINITE[value]
    if isinstance(value, dict):
        return {k: decode_value(v, name, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [decode_value(v, name, depth + 1) for v in value]
    return value


def parse(text: str, where: str) -> Any:
    """``json.loads`` of ``text`` (a leading byte-order mark allowed); ValueError saying what is wrong."""
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        start = text[:40] + ("..." if len(text) > 40 else "")
        raise ValueError(f"{where} is not valid JSON ({exc}); it starts {start!r}") from None
    except RecursionError:
        raise ValueError(f"{where} is nested too deeply to be a saved RangeTestResult") from None


def _positive(name: str, value: object) -> None:
    _checks.real(name, value, low=0.0, low_open=True)


def _lr_list(name: str, value: object) -> None:
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} must be a list of learning rates, got {type(value).__name__}")
    for i, lr in enumerate(value):
        _checks.real(f"{name}[{i}]", lr, low=0.0)


# what a sweep records under each key; other keys (a newer writer's) pass unchecked
_SETTING_CHECKS: dict[str, Callable[[str, object], object]] = {
    "start_lr": _positive,
    "end_lr": _positive,
    "num_it": lambda n, v: _checks.integer(n, v, low=0),
    "mode": lambda n, v: _checks.choice(n, v, _MODES),
    "beta": lambda n, v: _checks.real(n, v, low=0.0, high=1.0, high_open=True),
    "div_factor": lambda n, v: _checks.real(n, v, low=1.0, low_open=True),
    "stop_div": _checks.boolean,
    "amp": _checks.boolean,
    "accumulation_steps": lambda n, v: _checks.integer(n, v, low=1),
    "world_size": lambda n, v: _checks.integer(n, v, low=1),
    "base_lrs": _lr_list,
    "confirmation": lambda n, v: _confirmation(v),
}


def _confirmation(record: object) -> None:
    """A saved confirmation must read back (ValueError naming what is wrong), or the result is refused."""
    from lrwidget.core.confirmation import Confirmation

    if not isinstance(record, Mapping):
        raise ValueError(f"settings['confirmation'] must be a dict, got {type(record).__name__}")
    Confirmation.from_dict(record)


def check_settings(settings: Mapping[str, Any]) -> None:
    """TypeError/ValueError naming ``settings['key']`` for a value a sweep could not have recorded."""
    for key, check in _SETTING_CHECKS.items():
        if key in settings:
            check(f"settings[{key!r}]", settings[key])
