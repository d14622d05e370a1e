"""Ctrl-C during a sweep: raised where the sweep can stop cleanly, never inside the restore.

A KeyboardInterrupt normally lands between any two bytecodes, so one arriving while the snapshot is
written back (or in the instant before the restore starts) would leave a half-restored model. While a
``hold()`` is open on the main thread, SIGINT is only *recorded*; the sweep's guards call
``checkpoint()`` at every forward pass and optimizer step of the guarded model, and that is where the
KeyboardInterrupt is raised, inside the sweep's ``try``, so its ``finally`` restores everything. A request
nobody picked up (the sweep had ended, or was restoring) is raised when the last hold is released.

Escape hatch: a third Ctrl-C with no checkpoint reached since the first (the sweep is stuck outside the
model, in a data loader say) is raised at once, unless a restore is running.

Signal handlers exist only on the main thread; a sweep in another thread (the widget's) cannot receive
an asynchronous KeyboardInterrupt, so holds there are no-ops.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

ESCALATE_AFTER = 3  # Ctrl-C presses with no checkpoint between them before one is raised at once


class _Deferral:
    """The one process-wide record: open holds, requests not yet raised, the handler we replaced."""

    def __init__(self) -> None:
        self.holds = 0
        self.requests = 0
        self.delivered = False  # a KeyboardInterrupt was raised for this run of holds already
        self.restoring = 0
        self.previous: Any = None


_state = _Deferral()


def _on_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _handler(signum: int, frame: FrameType | None) -> None:
    state = _state
    if state.holds == 0:  # released in between: behave as the handler we replaced
        previous = state.previous
        if callable(previous):
            previous(signum, frame)
        return
    state.requests += 1
    if state.requests >= ESCALATE_AFTER and state.restoring == 0:
        state.requests = 0
        state.delivered = True
        raise KeyboardInterrupt


def checkpoint() -> None:
    """Raise KeyboardInterrupt here if Ctrl-C was pressed during a hold (a safe point of the sweep)."""
    state = _state
    if state.requests and state.restoring == 0 and _on_main_thread():
        state.requests = 0
        state.delivered = True
        raise KeyboardInterrupt


class Hold:
    """One open deferral; ``release()`` closes it (idempotent). See the module docstring."""

    __slots__ = ("_open",)

    def __init__(self) -> None:
        self._open = False
        if not _on_main_thread():
            return
        state = _state
        if state.holds == 0:
            current = signal.getsignal(signal.SIGINT)
            if not callable(current):  # SIG_IGN / SIG_DFL / set from C: no KeyboardInterrupt to defer
                return
            if current is not _handler:
                state.previous = current
            signal.signal(signal.SIGINT, _handler)
            state.requests, state.delivered = 0, False
        state.holds += 1
        self._open = True

    def release(self, *, raise_pending: bool = True) -> None:
        """Close the hold; the last one puts the previous handler back and raises a request not raised yet."""
        if not self._open:
            return
        self._open = False
        state = _state
        state.holds -= 1
        if state.holds:
            return
        # only our own handler is taken down (another library may have replaced it meanwhile); from
        # another thread (a garbage-collected snapshot) it stays: with no hold open it only forwards
        if _on_main_thread() and signal.getsignal(signal.SIGINT) is _handler:
            signal.signal(signal.SIGINT, state.previous)
        pending = state.requests and not state.delivered
        state.requests, state.delivered = 0, False
        if pending and raise_pending:
            raise KeyboardInterrupt


def hold() -> Hold:
    """Start deferring SIGINT on the main thread (a no-op elsewhere) until ``release()``."""
    return Hold()


class restoring:
    """Context (on the main thread) in which no KeyboardInterrupt is raised, not even by the escape hatch."""

    def __init__(self) -> None:
        self._counted = False

    def __enter__(self) -> None:
        self._counted = _on_main_thread()
        if self._counted:
            _state.restoring += 1

    def __exit__(self, *exc: object) -> None:
        if self._counted:
            _state.restoring -= 1
