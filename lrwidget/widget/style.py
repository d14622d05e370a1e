"""Deprecated: the palette and the rate format live in ``lrwidget.widget.registry``; these names remain
only until notebook 02 imports from there (nothing in the package uses them)."""

from __future__ import annotations

from lrwidget.widget.registry import METHODS, format_lr, method_color, method_label

METHOD_COLORS: dict[str, str] = {name: spec.color for name, spec in METHODS.items()}
fmt_lr = format_lr

__all__ = ["METHOD_COLORS", "fmt_lr", "method_color", "method_label"]
