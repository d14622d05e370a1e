"""One task's record on disk, written once: what makes a corpus build resumable after an interruption."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


def write_once(path: Path, make: Callable[[], dict[str, Any]]) -> None:
    """Write ``make()`` as JSON at ``path`` unless it is there; a half-written file never takes its place."""
    if path.exists():
        return
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(make()))
    tmp.replace(path)
