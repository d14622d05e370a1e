"""Where a snapshot keeps its copies of tensors: beside them, in host memory, or in files.

- ``"memory"``: a clone on the tensor's own device (the fastest restore; on a GPU it needs room for a
  second copy of the weights and optimizer state there);
- ``"cpu"``: a copy in host memory (for GPU models whose copy does not fit beside them);
- ``"disk"``: one ``torch.save`` file per tensor in a fresh folder under ``directory``, written at capture
  and read back one tensor at a time at restore (so neither memory holds a second full copy).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from pathlib import Path

import torch

from lrwidget.core import _checks

TARGETS: tuple[str, ...] = ("memory", "cpu", "disk")


def tensor_bytes(t: torch.Tensor) -> int:
    return t.numel() * t.element_size()


def owns_its_storage(t: torch.Tensor) -> bool:
    """True when saving ``t`` writes only its own bytes (not a bigger storage it is a view of)."""
    return t.storage_offset() == 0 and t.untyped_storage().nbytes() == tensor_bytes(t)


def check_directory(name: str, directory: object) -> Path:
    """The existing, writable folder ``directory`` (None: the system's temporary one), checked by making
    and removing a folder in it; TypeError/ValueError naming ``name`` otherwise."""
    if directory is None:
        return Path(tempfile.gettempdir())
    if isinstance(directory, bytes) or not isinstance(directory, (str, os.PathLike)):
        raise TypeError(
            f"{name} must be a directory path (str or os.PathLike), got {type(directory).__name__}"
        )
    base = Path(directory)
    if not base.exists():
        raise ValueError(
            f"{name}={str(base)!r} does not exist; create it first or pass an existing directory"
        )
    if not base.is_dir():
        raise ValueError(f"{name}={str(base)!r} is not a directory")
    try:
        Path(tempfile.mkdtemp(prefix="lrwidget-probe-", dir=base)).rmdir()
    except OSError as exc:
        raise ValueError(f"{name}={str(base)!r} is not writable: {exc.strerror or exc}") from None
    return base


class TensorStore:
    """Copies of tensors, added one by one at capture (``add`` returns a key) and read back by key."""

    def __init__(self, target: str = "memory", directory: str | os.PathLike[str] | None = None) -> None:
        self.target = _checks.choice("target", target, TARGETS)
        self._copies: list[torch.Tensor] = []
        self._sizes: list[int] = []
        self._folder: Path | None = None
        if target == "disk":
            self._folder = self._make_folder(directory)
            # the files go when the snapshot does, whatever ends the program's use of it
            self._cleanup = weakref.finalize(self, shutil.rmtree, self._folder, True)
        elif directory is not None:
            raise ValueError(f"directory is only used with target='disk', got target={target!r}")

    @staticmethod
    def _make_folder(directory: str | os.PathLike[str] | None) -> Path:
        base = check_directory("directory", directory)
        try:
            return Path(tempfile.mkdtemp(prefix="lrwidget-snapshot-", dir=base))
        except OSError as exc:
            raise ValueError(f"directory {str(base)!r} cannot hold a snapshot: {exc}") from None

    @property
    def folder(self) -> Path | None:
        """The folder holding the files (``"disk"`` only)."""
        return self._folder

    @property
    def nbytes(self) -> int:
        """Bytes of the tensors copied (wherever they are kept)."""
        return sum(self._sizes)

    def add(self, t: torch.Tensor) -> int:
        """Copy ``t`` now (its current values) and return the key to read it back with."""
        key = len(self._sizes)
        value = t.detach()
        self._sizes.append(tensor_bytes(value))
        if self.target == "memory":
            self._copies.append(value.clone())
        elif self.target == "cpu":
            self._copies.append(value.to("cpu", copy=True))
        else:
            if not owns_its_storage(value):
                value = value.clone()  # a view: save its values, not the whole storage behind it
            try:
                torch.save(value, self._path(key))
            except (OSError, RuntimeError) as exc:
                raise OSError(f"could not write the snapshot to {str(self._folder)!r}: {exc}") from exc
        return key

    def _path(self, key: int) -> Path:
        assert self._folder is not None
        return self._folder / f"{key}.pt"

    def load(self, key: int) -> torch.Tensor:
        """The copy stored under ``key`` (read from its file for ``"disk"``, on the CPU)."""
        if self.target != "disk":
            return self._copies[key]
        return torch.load(self._path(key), map_location="cpu", weights_only=True)

    def close(self) -> None:
        """Drop the copies (and the files); the store cannot be read afterwards."""
        self._copies.clear()
        if self._folder is not None:
            self._cleanup()
