"""Every widget reachable from some roots: what a composite widget closes when it closes.

A widget's children, marks, axes, scales, layouts, styles and tooltips are its traits; lists, tuples
and dicts of them are walked too. Nothing here knows the finder.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import ipywidgets as W


def reachable(roots: Iterable[Any]) -> Iterator[W.Widget]:
    """Each widget reachable from ``roots`` through widget traits (and lists, tuples, dicts), once."""
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        w = stack.pop()
        if isinstance(w, (list, tuple)):
            stack.extend(w)
            continue
        if isinstance(w, dict):
            stack.extend(w.values())
            continue
        if not isinstance(w, W.Widget) or id(w) in seen:
            continue
        seen.add(id(w))
        yield w
        for name in w.trait_names():
            try:
                stack.append(getattr(w, name))
            except Exception:  # a trait with no value yet
                continue


__all__ = ["reachable"]
