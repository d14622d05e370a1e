"""Argument checks for every layer: one error type per kind of mistake, each message naming the parameter.

A value of the wrong *type* raises ``TypeError``; a value of the right type outside what is allowed raises
``ValueError``; an unknown keyword raises ``TypeError`` naming the closest valid one. Strings are never
parsed as numbers (``beta='0.9'`` is refused like ``start_lr='1e-3'``), and ``bool`` is not a number here.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from numbers import Integral, Real
from typing import Any

import numpy as np


def real(
    name: str,
    value: object,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    finite: bool = True,
) -> float:
    """``value`` as a float, or TypeError (not a real number) / ValueError (outside the allowed range)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    number = float(value)
    if math.isnan(number) or (finite and math.isinf(number)):
        raise ValueError(f"{name} must be a finite number, got {number}")
    if low is not None and (number < low or (low_open and number == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low:g}, got {number:g}")
    if high is not None and (number > high or (high_open and number == high)):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high:g}, got {number:g}")
    return number


def integer(name: str, value: object, *, low: int | None = None, high: int | None = None) -> int:
    """``value`` as an int, or TypeError (not an integer) / ValueError (outside ``[low, high]``)."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    number = int(value)
    if low is not None and number < low:
        raise ValueError(f"{name} must be >= {low}, got {number}")
    if high is not None and number > high:
        raise ValueError(f"{name} must be <= {high:,}, got {number:,}")
    return number


def boolean(name: str, value: object) -> bool:
    """``value`` if it is a bool (numpy's included), else TypeError."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")


def choice(name: str, value: object, allowed: Iterable[str]) -> str:
    """``value`` if it is one of ``allowed``, else ValueError listing them (TypeError if not a string)."""
    options = tuple(allowed)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {options}, got {type(value).__name__} {value!r}")
    if value not in options:
        raise ValueError(f"{name} must be one of {options}, got {value!r}{_closest(value, options)}")
    return value


def function(name: str, value: object, signature: str, *, optional: bool = True) -> Any:
    """``value`` if it is callable (or None when ``optional``), else TypeError showing the expected call."""
    if value is None and optional:
        return None
    if not callable(value):
        raise TypeError(f"{name} must be a callable {signature}, got {type(value).__name__}")
    return value


def keywords(given: Mapping[str, Any] | Iterable[str], allowed: Iterable[str], where: str) -> None:
    """TypeError naming each keyword of ``given`` that ``where`` does not take, and the closest valid one."""
    options = tuple(allowed)
    unknown = [key for key in given if key not in options]
    if unknown:
        hints = "; ".join(f"{key!r}{_closest(key, options)}" for key in unknown)
        raise TypeError(f"{where} got unknown keyword argument(s): {hints}")


def array_1d(name: str, values: object) -> np.ndarray:
    """``values`` as a 1-D float array: TypeError when they are not numbers, ValueError for another shape."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a 1-D sequence of real numbers ({exc})") from None
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got an array of shape {array.shape}")
    return array


def _closest(word: str, options: tuple[str, ...]) -> str:
    # torch-lr-finder spells it num_iter; difflib alone ranks num_it first for that already
    match = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else f" (valid: {', '.join(options)})"
