"""Drive widgets as a front end would, without a browser: record comm traffic, send clicks and state.

Used by the tests and the benchmark; handy when checking a widget in a plain Python process.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class CommLog:
    """Every message the recorded widgets sent: (time, comm id, method, bytes, state keys)."""

    messages: list[tuple[float, str, str, int, tuple[str, ...]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, comm_id: str, data: Any, buffers: Any) -> None:
        size = len(json.dumps(data, default=str))
        for b in buffers or ():
            size += memoryview(b).nbytes
        method = data.get("method", "") if isinstance(data, dict) else ""
        keys = tuple(sorted((data.get("state") or {}).keys())) if isinstance(data, dict) else ()
        with self.lock:
            self.messages.append((time.perf_counter(), comm_id, method, size, keys))

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()

    def updates(self, comm_id: str | None = None, key: str | None = None, since: float = 0.0) -> list:
        """The ``update`` messages (of one comm, touching ``key``) sent after ``since``."""
        with self.lock:
            msgs = list(self.messages)
        return [
            m
            for m in msgs
            if m[2] == "update"
            and m[0] >= since
            and (comm_id is None or m[1] == comm_id)
            and (key is None or key in m[4])
        ]

    @property
    def total_bytes(self) -> int:
        with self.lock:
            return sum(m[3] for m in self.messages)


class RecordingComm:
    """A comm that records what it would send (ipywidgets sends only when ``kernel`` is truthy)."""

    kernel = "recording"
    _next = 0

    def __init__(self, log: CommLog, *args: Any, **kwargs: Any) -> None:
        RecordingComm._next += 1
        self.comm_id = kwargs.get("comm_id") or f"rec-{RecordingComm._next}"
        self.log = log

    def open(self, *args: Any, **kwargs: Any) -> None:
        pass

    def on_msg(self, *args: Any, **kwargs: Any) -> None:
        pass

    def on_close(self, *args: Any, **kwargs: Any) -> None:
        pass

    def send(self, data: Any = None, metadata: Any = None, buffers: Any = None) -> None:
        self.log.add(self.comm_id, data, buffers)

    def close(self, *args: Any, **kwargs: Any) -> None:
        pass


@contextmanager
def record_comms() -> Iterator[CommLog]:
    """Widgets created inside the block get a RecordingComm; yields the shared CommLog."""
    import comm

    log = CommLog()
    original = comm.create_comm
    comm.create_comm = lambda *a, **k: RecordingComm(log, *a, **k)  # type: ignore[assignment]
    try:
        yield log
    finally:
        comm.create_comm = original


def front_end_update(widget: Any, **state: Any) -> None:
    """Deliver a state update as the browser sends it (numpy arrays as binary buffers)."""
    buffers: list[memoryview] = []
    paths: list[list[str]] = []
    wire: dict[str, Any] = {}
    for key, value in state.items():
        if isinstance(value, np.ndarray):
            arr = np.ascontiguousarray(value)
            wire[key] = {"dtype": str(arr.dtype), "shape": list(arr.shape)}
            paths.append([key, "value"])
            buffers.append(memoryview(arr.tobytes()))
        else:
            wire[key] = value
    msg = {
        "content": {"data": {"method": "update", "state": wire, "buffer_paths": paths}},
        "buffers": buffers,
    }
    widget._handle_msg(msg)


def front_end_custom(widget: Any, content: dict[str, Any]) -> None:
    """Deliver a custom message (a bqplot click: ``{"event": "element_click", "data": {...}}``)."""
    widget._handle_msg({"content": {"data": {"method": "custom", "content": content}}, "buffers": []})


def click_point(scatter: Any, index: int) -> None:
    """Click point ``index`` of a bqplot Scatter, with the message shape bqplot's front end sends."""
    x = float(scatter.x[index])
    y = float(scatter.y[index])
    front_end_custom(scatter, {"event": "element_click", "data": {"x": x, "y": y, "index": index}})


def hover_column(bars: Any, index: int) -> None:
    """Move the mouse into column ``index`` of the loss pane: the 'hover' message bqplot's front end sends."""
    data = {"x": float(bars.x[index]), "y": 1, "index": index, "subIndex": 0}
    front_end_custom(bars, {"event": "hover", "data": data})


def click_column(bars: Any, index: int) -> None:
    """Click column ``index`` of the loss pane (a bqplot Bars), with the message bqplot's front end sends."""
    data = {"x": float(bars.x[index]), "y": 1, "index": index, "subIndex": 0}
    front_end_custom(bars, {"event": "element_click", "data": data})
