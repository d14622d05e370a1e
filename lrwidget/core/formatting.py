"""The one way a learning rate is written (``2.7e-2``), in the kernel, the CLI, messages and the JS strip.

The strip's ``formatLr`` and d3's ``.1~e`` (bqplot axes and tooltips) write the same text.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, localcontext

__all__ = ["format_lr", "format_slice"]


def format_lr(lr: float | None, digits: int = 2) -> str:
    """A learning rate with ``digits`` significant digits, trailing zeros and exponent padding dropped.

    ``0.027 -> '2.7e-2'``, ``0.003 -> '3e-3'``, ``1 -> '1e+0'``, ``25 -> '2.5e+1'``; ``None -> 'None'``
    (so ``f"lr={format_lr(x)}"`` is always a Python literal). Ties round half up on the exact binary value,
    as JavaScript's ``toExponential`` does, so Python and the strip print the same text for every float.
    """
    if lr is None:
        return "None"
    x = float(lr)
    if x == 0:
        return "0e+0"
    if not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    with localcontext() as ctx:
        ctx.rounding = ROUND_HALF_UP
        text = format(Decimal(x), f".{max(0, digits - 1)}e")
    mantissa, exponent = text.lower().split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    exp = int(exponent)
    return f"{mantissa}e{'+' if exp >= 0 else '-'}{abs(exp)}"


def format_slice(lo: float, hi: float, digits: int = 2) -> str:
    """``slice(lo, hi)`` written with :func:`format_lr` (what the user pastes into ``fit_one_cycle``)."""
    return f"slice({format_lr(lo, digits)}, {format_lr(hi, digits)})"
