"""One job at a time per model and optimizer: a second sweep (or a fit) would train the same weights too."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_busy: weakref.WeakSet[Any] = weakref.WeakSet()
_lock = threading.Lock()


def is_busy(obj: Any) -> bool:
    """True while lr_find (or a Learner fit) is running on ``obj`` (a model or an optimizer)."""
    with _lock:
        return obj in _busy


@contextmanager
def exclusive(**objects: Any) -> Iterator[None]:
    """Mark the named objects busy for the duration; RuntimeError if one of them is busy already."""
    with _lock:
        for name, obj in objects.items():
            if obj in _busy:
                raise RuntimeError(
                    f"lr_find is already running on this {name} (or a fit is); wait for it to finish "
                    "(or set its cancel event) before starting another"
                )
        for obj in objects.values():
            _busy.add(obj)
    try:
        yield
    finally:
        with _lock:
            for obj in objects.values():
                _busy.discard(obj)
