"""The one method registry and palette of the widget, read by the panes, the controls, the strip and its JS.

Every suggester in :data:`lrwidget.core.suggest.METHODS` has a :class:`MethodSpec` here (label, colour,
marker, dash and the parameters a control may offer; defaults are read from the suggester's own signature,
so they are written once). :data:`PALETTE` names the colour of every other mark. Colours are mid-tones
that keep a contrast of at least 3:1 on JupyterLab's light (#ffffff) and dark (#111111) backgrounds;
``auto`` has the most saturated colour, the largest marker and a shape no other method uses.
:func:`format_lr` is the one way a learning rate is written (``2.7e-2``), the same as the JS strip's
``formatLr`` and d3's ``.1~e`` (:data:`D3_LR_FORMAT`, for bqplot axes and tooltips).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from lrwidget.core import suggest
from lrwidget.core.formatting import format_lr, format_slice

__all__ = [
    "D3_LR_FORMAT",
    "FALLBACK_COLORS",
    "METHODS",
    "PALETTE",
    "READING_LABEL",
    "MethodSpec",
    "Palette",
    "ParamSpec",
    "format_lr",
    "format_slice",
    "method",
    "method_color",
    "method_label",
    "registry_json",
]

#: d3-format string that writes a rate as :func:`format_lr` does with ``digits=2`` (bqplot axes, tooltips).
D3_LR_FORMAT = ".1~e"
#: The legend label of the curve ``auto`` reads, in the widget and the static picture alike.
READING_LABEL = "what auto reads (a loss curve)"


Kind = Literal["int", "float"]
Scale = Literal["linear", "log"]
_Ranges = Mapping[str, tuple[float, float, Kind, Scale, str]]


@dataclass(frozen=True)
class ParamSpec:
    """A suggester parameter a control may offer: its default (from the signature) and a sensible range.

    ``scale='log'`` means a logarithmic control (a value spanning decades); ``kind`` is the Python type.
    """

    name: str
    default: float
    low: float
    high: float
    kind: Kind = "float"
    scale: Scale = "linear"
    help: str = ""


@dataclass(frozen=True)
class MethodSpec:
    """How one suggestion method is named and drawn everywhere.

    ``marker`` is a bqplot ``Scatter`` marker name, ``dash`` a bqplot ``line_style`` for its vertical rule,
    ``size`` the marker area in px² (bqplot's ``default_size``), ``width`` the rule's stroke width.
    """

    name: str
    label: str
    color: str
    marker: str
    dash: str
    size: int
    width: float
    description: str
    params: tuple[ParamSpec, ...] = field(default=())

    def param(self, name: str) -> ParamSpec:
        """The :class:`ParamSpec` called ``name`` (KeyError naming the parameters there are)."""
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(f"{self.name} has no parameter {name!r}; it has {[p.name for p in self.params]}")

    def defaults(self) -> dict[str, float]:
        """``{param: default}`` for the parameters a control offers."""
        return {p.name: p.default for p in self.params}


@dataclass(frozen=True)
class Palette:
    """The colour of every mark that is not a method's own: lines, the user's pick, bands, statuses."""

    raw: str = "#8398B2"  # raw loss: faint grey-blue (drawn thin, at reduced opacity)
    smoothed: str = "#2F6FBF"  # smoothed loss: the bold blue line
    pick: str = "#D6287E"  # the user's chosen lr (line, label, strip handle); a selection ring uses it
    slice: str = "#D6287E"  # the user's slice: the pick's colour as a translucent band
    hover: str = "#8C8C8C"  # where a click would land
    val_loss: str = "#9A6A44"  # validation loss line (dashed)
    interval: str = "#BA8B00"  # the slide rule's interval: the slide rule's own colour, never a ring
    threshold_band: str = "#BA8B00"  # gradient pane: the ±threshold band
    gradient: str = "#2F6FBF"  # gradient pane: the gradient the rule reads
    grid: str = "#8C8C8C"
    # status badges carry white text: each at least 4.5:1 against it (WCAG AA), in both themes
    status_idle: str = "#666666"
    status_running: str = "#2F6FBF"
    status_done: str = "#237A38"
    status_warning: str = "#B45309"  # kept for callers; no ending of a sweep is drawn as a warning
    status_error: str = "#B8321A"
    slice_opacity: float = 0.2
    raw_opacity: float = 0.6

    def status(self, status: str) -> str:
        """The colour of a sweep status: a divergence is the normal ending of a range test, drawn as done;
        a stop is neutral (idle); only an error is red. Nothing is drawn as a warning."""
        return {
            "running": self.status_running,
            "done": self.status_done,
            "diverged": self.status_done,
            "stopped": self.status_idle,
            "error": self.status_error,
        }.get(status, self.status_idle)


PALETTE = Palette()

#: Colours for a method this registry does not know (a user's own suggester), chosen by a stable hash.
FALLBACK_COLORS: tuple[str, ...] = ("#7E6BC4", "#4F8F8F", "#B0568F", "#6F7F3F")


def _params(fn: Callable[..., Any], ranges: _Ranges) -> tuple[ParamSpec, ...]:
    """ParamSpecs for ``fn``'s keyword parameters named in ``ranges`` (default read from the signature)."""
    sig = inspect.signature(fn).parameters
    out = []
    for name, (low, high, kind, scale, help_) in ranges.items():
        default = sig[name].default
        out.append(ParamSpec(name, default, low, high, kind, scale, help_))
    return tuple(out)


_SLIDE_RANGES: _Ranges = {
    "lr_diff": (1, 99, "int", "linear", "interval width in points (changes with num_it)"),
    "loss_threshold": (1e-4, 10.0, "float", "log", "stop when |g[r] - g[l]| <= this, in loss units"),
    "adjust_value": (0.1, 3.0, "float", "linear", "multiplier applied to the pick"),
}
_SCALED_RANGES: _Ranges = {
    "width_decades": (0.2, 4.0, "float", "linear", "interval width in decades of lr"),
    "rel_threshold": (1e-3, 3.0, "float", "log", "stop threshold in descent heights per decade"),
    "adjust_value": (0.1, 3.0, "float", "linear", "multiplier applied to the pick"),
}
_AUTO_RANGES: _Ranges = {
    "level": (0.05, 0.95, "float", "linear", "share of the descent where the anchor sits"),
    "backoff": (1.0, 30.0, "float", "log", "the anchor divided by this is the pick"),
}
_STEEPEST_RANGES: _Ranges = {
    "skip_start": (0.0, 0.5, "float", "linear", "share of points ignored at the start"),
    "skip_end": (0.0, 0.5, "float", "linear", "share of points ignored at the end"),
}
_MINIMUM_RANGES: _Ranges = {
    "factor": (1.0, 100.0, "float", "log", "the minimum's lr divided by this is the pick")
}

_SPECS: dict[str, tuple[str, str, str, str, int, float, str, _Ranges]] = {
    # name: (label, colour, marker, dash, size, width, description, param ranges)
    "auto": ("auto", "#E8430C", "diamond", "solid", 160, 3.0, "the default pick", _AUTO_RANGES),
    "slide_rule": (
        "slide rule", "#BA8B00", "triangle-down", "dashed", 70, 2.0, "the seed's interval rule", _SLIDE_RANGES
    ),
    "slide_rule_scaled": (
        "slide rule (scaled)", "#0FA3A3", "triangle-up", "dashed", 70, 2.0,
        "the slide rule in decades and descent heights", _SCALED_RANGES,
    ),
    "valley": ("valley", "#2E9A48", "square", "dotted", 60, 2.0, "fastai's valley", {}),
    "steepest": (
        "steepest", "#9A5BD6", "cross", "dash_dotted", 70, 2.0, "steepest descent", _STEEPEST_RANGES
    ),
    "minimum": (
        "minimum / 10", "#7F8F00", "circle", "dotted", 60, 2.0, "the minimum's lr / 10", _MINIMUM_RANGES
    ),
}  # fmt: skip


def _build() -> Mapping[str, MethodSpec]:
    specs: dict[str, MethodSpec] = {}
    for name, (label, color, marker, dash, size, width, description, ranges) in _SPECS.items():
        fn = suggest.METHODS.get(name)
        params = _params(fn, ranges) if fn is not None else ()
        specs[name] = MethodSpec(name, label, color, marker, dash, size, width, description, params)
    return MappingProxyType(specs)


#: Every known method, ``auto`` first (the order of legends and chips).
METHODS: Mapping[str, MethodSpec] = _build()


def method(name: str) -> MethodSpec:
    """The spec of ``name``; an unknown method gets a stable fallback colour and its name as label."""
    if name in METHODS:
        return METHODS[name]
    color = FALLBACK_COLORS[sum(map(ord, name)) % len(FALLBACK_COLORS)]
    return MethodSpec(name, name.replace("_", " "), color, "circle", "dotted", 60, 2.0, "a custom suggester")


def method_color(name: str) -> str:
    """The colour of method ``name`` (stable fallback for unknown names)."""
    return method(name).color


def method_label(name: str) -> str:
    """The short human label of method ``name``."""
    return method(name).label


def registry_json() -> dict[str, Any]:
    """The registry as plain JSON for the JS strip: methods, their order, the palette, the d3 format."""
    data = {
        "methods": {name: asdict(spec) for name, spec in METHODS.items()},
        "order": list(METHODS),
        "palette": asdict(PALETTE),
        "fallback_colors": list(FALLBACK_COLORS),
        "d3_lr_format": D3_LR_FORMAT,
    }
    return json.loads(json.dumps(data))  # tuples become lists: exactly what the front end receives
