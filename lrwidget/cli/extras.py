"""What a command needs beyond the runtime dependencies, checked before it starts, with a one-line hint."""

from __future__ import annotations

import importlib.util
import sys

# import name -> the name pip knows it by
PACKAGES = {"sklearn": "scikit-learn", "matplotlib": "matplotlib"}
INSTALL_HINT = 'from a clone of lrwidget: pip install -e ".[demo]"'


class MissingExtra(Exception):
    """A command needs packages that are not installed; the message says which and how to get them."""


def require(command: str, *modules: str) -> None:
    """Raise ``MissingExtra`` naming every one of ``modules`` that cannot be imported."""
    missing = [PACKAGES.get(m, m) for m in modules if not available(m)]
    if missing:
        raise MissingExtra(
            f"{command} needs {' and '.join(missing)}, which the 'demo' extra installs; {INSTALL_HINT}"
        )


def available(module: str) -> bool:
    """Whether ``module`` can be imported, without importing it."""
    if module in sys.modules:
        return sys.modules[module] is not None
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False
