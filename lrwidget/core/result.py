"""The outcome of a range test: the curve, why it stopped, the settings, and suggestions on demand.

Saved as plain JSON (no pickle), so a result opens anywhere, in the widget too, without torch; a path
is read by ``from_json`` and a string by ``from_json_text`` (never guessed). The encoding rules live in
``_result_codec``.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from lrwidget.core import _checks
from lrwidget.core._result_codec import (
    check_settings,
    decode_float,
    decode_value,
    encode_float,
    encode_value,
    parse,
)
from lrwidget.core.confirmation import Confirmation
from lrwidget.core.events import STOP_REASONS
from lrwidget.core.formatting import format_lr
from lrwidget.core.smoothing import smooth
from lrwidget.core.suggestion import SlicePick, Suggestion

FORMAT = "lrwidget.RangeTestResult"
VERSION = 1


def _curve(name: str, values: Any, n: int | None = None) -> np.ndarray:
    """A 1-D float copy (TypeError: not numbers, ValueError: wrong shape or not ``n`` long)."""
    array = np.array(_checks.array_1d(name, values), dtype=float)
    if n is not None and array.size != n:
        raise ValueError(f"{name} has {array.size} values but lrs has {n}; they must have the same length")
    return array


def _nan_equal(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))


def _n_groups(data: Mapping[str, Any]) -> int:
    n = data.get("n_groups", 1)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"'n_groups' must be a positive integer, got {n!r:.40}")
    return n


class RangeTestResult:
    """One range test: ``lrs``, raw ``losses`` and ``smoothed`` losses (same length), and its context.

    Parameters
    ----------
    lrs, losses : 1-D arrays of the steps recorded (learning rate of the first group, raw loss).
    smoothed : the smoothed losses; computed with ``settings["beta"]`` (default 0.98) when None.
    stop_reason : one of ``lrwidget.core.events.STOP_REASONS``.
    settings : the sweep's settings (start_lr, end_lr, num_it, mode, beta, div_factor, stop_div, ...).
    group_lrs : ``(n_steps, n_groups)`` learning rates of every parameter group, or None.
    elapsed : seconds the sweep took (a float), or per-step elapsed times (one per step), or None.
    error : the error message when ``stop_reason == "error"``.
    val_losses : validation losses, one per step with NaN where the step was not evaluated, or None.
    """

    def __init__(
        self,
        lrs: Any,
        losses: Any,
        smoothed: Any = None,
        stop_reason: str = "completed",
        settings: Mapping[str, Any] | None = None,
        group_lrs: Any = None,
        elapsed: Any = None,
        error: str | None = None,
        val_losses: Any = None,
    ) -> None:
        self.lrs = _curve("lrs", lrs)
        n = self.lrs.size
        self.losses = _curve("losses", losses, n)
        if settings is not None and not isinstance(settings, Mapping):
            raise TypeError(f"settings must be a dict (or None), got {type(settings).__name__}")
        self.settings: dict[str, Any] = dict(settings or {})
        check_settings(self.settings)
        if smoothed is None:
            smoothed = smooth(self.losses, self.settings.get("beta", 0.98))
        self.smoothed = _curve("smoothed", smoothed, n)
        if stop_reason not in STOP_REASONS:
            raise ValueError(f"stop_reason must be one of {STOP_REASONS}, got {stop_reason!r}")
        self.stop_reason = stop_reason
        self.group_lrs = None
        if group_lrs is not None:
            group = np.array(group_lrs, dtype=float)
            if group.ndim == 1:
                group = group[:, None]
            if group.ndim != 2 or group.shape[0] != n:
                raise ValueError(f"group_lrs must have shape (n_steps={n}, n_groups), got {group.shape}")
            self.group_lrs = group
        self.elapsed = self._check_elapsed(elapsed, n)
        if error is not None and not isinstance(error, str):
            raise TypeError(f"error must be a string or None, got {type(error).__name__}")
        self.error = error
        self.val_losses = None if val_losses is None else _curve("val_losses", val_losses, n)

    @staticmethod
    def _check_elapsed(elapsed: Any, n: int) -> float | np.ndarray | None:
        if elapsed is None:
            return None
        if np.ndim(elapsed) == 0:
            return _checks.real("elapsed", elapsed, finite=False)
        return _curve("elapsed", elapsed, n)

    # -- suggestions -------------------------------------------------------------------------
    def suggest(self, method: str = "auto", *, curve: str = "train", **params: Any) -> Suggestion:
        """Suggest a learning rate with ``method`` (a name in ``lrwidget.suggest.METHODS``).

        After ``lr_find(..., confirm=k)``, ``auto`` (with its defaults) gives the confirmed rate, its
        ``reason`` saying what was tried and what the curve alone suggested.

        The suggesters see the smoothed losses, as fastai's do (``auto`` also reads the raw ones), and
        why the sweep stopped and its planned ``num_it``, so a partial curve gets ``caveats``.
        ``curve="val"`` reads the validation losses instead (the evaluated steps, smoothed the same way).
        """
        from lrwidget.core.suggest import from_sweep

        lrs, raw, smoothed = self._curve_for(curve)
        num_it = self.settings.get("num_it")
        context: dict[str, Any] = {"raw": raw, "stop_reason": self.stop_reason, "num_it": num_it}
        read = from_sweep(method, lrs, smoothed, **context, **params)
        confirmed = self.confirmation
        if method != "auto" or curve != "train" or params or confirmed is None:
            return read
        if confirmed.chosen is None:  # every trial diverged: the curve's pick stands, flagged
            lowest = format_lr(min(confirmed.candidates))
            warning = (
                f"Every one of the {len(confirmed.candidates)} confirmation trials diverged, down to lr "
                f"{lowest}: the curve's pick is probably too high; train below {lowest}."
            )
            low = None if read.confidence is None else read.confidence / 2
            return dataclasses.replace(read, caveats=(*read.caveats, warning), confidence=low)
        caveats = read.caveats
        if confirmed.edge is not None:
            caveats = (*caveats, confirmed.edge_caveat())
        return dataclasses.replace(
            read,
            lr=confirmed.chosen,
            index=None,
            reason=(
                f"{confirmed.summary()}; the curve alone suggested "
                f"{format_lr(read.lr) if read.lr is not None else 'nothing'}"
            ),
            params={**read.params, "confirmation": confirmed.to_dict(), "curve_confidence": read.confidence},
            confidence=None,  # the calibrated confidence judges a curve's reading, not a measured pick
            caveats=caveats,
        )

    @property
    def confirmation(self) -> Confirmation | None:
        """What ``lr_find(..., confirm=k)`` tried and chose (None without a confirmation)."""
        record = self.settings.get("confirmation")
        return None if record is None else Confirmation.from_dict(record)

    def _curve_for(self, curve: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(lrs, raw, smoothed)`` of the training curve or of the evaluated validation steps."""
        _checks.choice("curve", curve, ("train", "val"))
        if curve == "train":
            return self.lrs, self.losses, self.smoothed
        if self.val_losses is None:
            raise ValueError("curve='val' needs validation losses: run lr_find with val_data=")
        seen = ~np.isnan(self.val_losses)
        raw = self.val_losses[seen]
        return self.lrs[seen], raw, smooth(raw, self.settings.get("beta", 0.98))

    def plot(
        self, ax: Any = None, methods: Any = None, skip_start: int = 0, skip_end: int = 0, pick: Any = None
    ) -> Any:
        """Draw the curve, the suggestions and ``pick`` (a chosen rate or slice) with matplotlib; returns
        the Axes (see ``lrwidget.plotting.plot_result``; matplotlib is imported only now)."""
        from lrwidget.plotting import plot_result

        return plot_result(self, ax=ax, methods=methods, skip_start=skip_start, skip_end=skip_end, pick=pick)

    def suggestions(self) -> dict[str, Suggestion]:
        """Every method's suggestion with default parameters, by method name."""
        from lrwidget.core.suggest import METHODS, from_sweep

        num_it = self.settings.get("num_it")
        context: dict[str, Any] = {"raw": self.losses, "stop_reason": self.stop_reason, "num_it": num_it}
        return {name: from_sweep(name, self.lrs, self.smoothed, **context) for name in METHODS}

    def lr_slice(self, method: str = "auto", *, curve: str = "train") -> SlicePick | None:
        """``(lo, hi)`` for discriminative fine-tuning, or None (see ``lrwidget.suggest.lr_slice``).

        ``hi`` is what :meth:`suggest` gives for ``method``: the sweep's raw losses, stop reason and
        ``num_it`` are passed the same way, so a partial sweep's slice carries the same caveats.
        """
        from lrwidget.core.suggest import lr_slice
        from lrwidget.core.suggest._auto import slice_below

        lrs, raw, smoothed = self._curve_for(curve)
        confirmed = self.confirmation
        if method == "auto" and curve == "train" and confirmed is not None and confirmed.chosen is not None:
            return slice_below(self.suggest(), lrs)  # the confirmed rate, as suggest() gives it
        num_it = self.settings.get("num_it")
        return lr_slice(lrs, smoothed, method, raw=raw, stop_reason=self.stop_reason, num_it=num_it)

    # -- serialisation -----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A strict-JSON-ready dict (non-finite floats as strings), with format and version."""
        elapsed = self.elapsed
        return {
            "format": FORMAT,
            "version": VERSION,
            "stop_reason": self.stop_reason,
            "error": self.error,
            "settings": encode_value(self.settings),
            "lrs": [encode_float(x) for x in self.lrs.tolist()],
            "losses": [encode_float(x) for x in self.losses.tolist()],
            "smoothed": [encode_float(x) for x in self.smoothed.tolist()],
            "group_lrs": None if self.group_lrs is None else encode_value(self.group_lrs),
            # a 0-step table has no rows to show its width: keep the number of groups apart
            "n_groups": None if self.group_lrs is None else int(self.group_lrs.shape[1]),
            "elapsed": encode_value(elapsed),
            "val_losses": None if self.val_losses is None else encode_value(self.val_losses),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RangeTestResult:
        """Rebuild a result from ``to_dict()``'s output; ValueError says what is wrong with bad data."""
        if not isinstance(data, Mapping):
            raise ValueError(f"a saved RangeTestResult must be a JSON object, got {type(data).__name__}")
        if data.get("format") != FORMAT:
            found = data.get("format")
            raise ValueError(f"not a saved RangeTestResult: 'format' is {found!r}, not {FORMAT!r}")
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= VERSION:
            raise ValueError(f"unsupported RangeTestResult version {version!r}; lrwidget reads 1..{VERSION}")
        for key in ("lrs", "losses", "smoothed"):
            if not isinstance(data.get(key), list):
                raise ValueError(f"a saved RangeTestResult needs a list {key!r}, got {data.get(key)!r:.80}")
        curves = {key: [decode_float(key, x) for x in data[key]] for key in ("lrs", "losses", "smoothed")}
        settings = data.get("settings") or {}
        if not isinstance(settings, dict):
            raise ValueError(f"'settings' must be a JSON object, got {type(settings).__name__}")
        group = data.get("group_lrs")
        if group is not None:
            if not isinstance(group, list) or not all(isinstance(row, list) for row in group):
                raise ValueError("'group_lrs' must be a list of rows (one per step) or null")
            group = [[decode_float("group_lrs", x) for x in row] for row in group]
            if not group:
                group = np.zeros((0, _n_groups(data)))
        val_losses = data.get("val_losses")
        if val_losses is not None:
            if not isinstance(val_losses, list):
                raise ValueError(
                    f"'val_losses' must be a list (one per step) or null, got {val_losses!r:.80}"
                )
            val_losses = [decode_float("val_losses", x) for x in val_losses]
        try:
            return cls(
                curves["lrs"],
                curves["losses"],
                curves["smoothed"],
                stop_reason=data.get("stop_reason", "completed"),
                settings=decode_value(settings),
                group_lrs=group,
                elapsed=decode_value(data.get("elapsed"), "elapsed"),
                error=data.get("error"),
                val_losses=val_losses,
            )
        except TypeError as exc:  # a value of the wrong type in a file is bad data: one error type
            raise ValueError(f"a saved RangeTestResult holds a bad value: {exc}") from None

    def to_json_text(self) -> str:
        """The result as strict JSON text."""
        return json.dumps(self.to_dict(), allow_nan=False, indent=1)

    def to_json(self, path: str | os.PathLike[str] | None = None) -> str:
        """Write the result to ``path`` (creating its folders) and return the text; no path: the text only."""
        text = self.to_json_text()
        if path is not None:
            if not isinstance(path, (str, os.PathLike)):
                raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
            target = Path(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        return text

    @classmethod
    def from_json(cls, path: str | os.PathLike[str]) -> RangeTestResult:
        """Load the result saved at ``path`` (UTF-8, a byte-order mark allowed); for a string of JSON
        text use ``from_json_text``."""
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
        if isinstance(path, str) and path.lstrip("\ufeff \t\r\n").startswith(("{", "[")):
            raise ValueError(
                "from_json takes a file path, and this looks like JSON text: "
                "use RangeTestResult.from_json_text(text)"
            )
        where = os.fspath(path)
        shown = repr(where) if len(where) <= 120 else repr(where[:120]) + "..."
        try:
            raw = Path(path).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise FileNotFoundError(f"no saved RangeTestResult at {shown}") from None
        except OSError as exc:  # e.g. a long string that was never a path: "File name too long"
            raise FileNotFoundError(
                f"no saved RangeTestResult at {shown} ({exc.strerror}); "
                "for a string of JSON text use RangeTestResult.from_json_text(text)"
            ) from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"{shown} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        return cls.from_dict(parse(text, shown))

    @classmethod
    def from_json_text(cls, text: str) -> RangeTestResult:
        """Load a result from JSON text (``to_json_text()``'s output; a byte-order mark allowed)."""
        if not isinstance(text, str):
            raise TypeError(
                f"text must be a str of JSON, got {type(text).__name__}; for a file use from_json(path)"
            )
        return cls.from_dict(parse(text, "the JSON text"))

    # -- python protocol ---------------------------------------------------------------------
    def __len__(self) -> int:
        return int(self.lrs.size)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RangeTestResult):
            return NotImplemented
        elapsed_equal = (
            _nan_equal(np.atleast_1d(self.elapsed), np.atleast_1d(other.elapsed))
            if self.elapsed is not None and other.elapsed is not None
            else self.elapsed is other.elapsed
        )
        return (
            _nan_equal(self.lrs, other.lrs)
            and _nan_equal(self.losses, other.losses)
            and _nan_equal(self.smoothed, other.smoothed)
            and _nan_equal(self.group_lrs, other.group_lrs)
            and _nan_equal(self.val_losses, other.val_losses)
            and self.stop_reason == other.stop_reason
            and self.error == other.error
            and elapsed_equal
            and json.dumps(encode_value(self.settings), sort_keys=True)
            == json.dumps(encode_value(other.settings), sort_keys=True)
        )

    __hash__ = None  # type: ignore[assignment]  # mutable arrays inside

    def __repr__(self) -> str:
        n = len(self)
        if n == 0:
            return f"RangeTestResult(n=0, stop_reason={self.stop_reason!r})"
        span = f"lr {format_lr(self.lrs[0])}..{format_lr(self.lrs[-1])}"
        finite = np.isfinite(self.smoothed)
        best = ""
        if finite.any():
            i = int(np.flatnonzero(finite)[np.argmin(self.smoothed[finite])])
            best = f", best smoothed loss {self.smoothed[i]:.4g} at lr {format_lr(self.lrs[i])}"
        return f"RangeTestResult(n={n}, {span}{best}, stop_reason={self.stop_reason!r})"
