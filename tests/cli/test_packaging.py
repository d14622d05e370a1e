"""What ``pip install .`` gets: the wheel hatchling builds from this tree, and the metadata it declares.

One version (``lrwidget/__init__.py``), the licence file, ``py.typed`` for type checkers, the widget's
front end, and no runtime dependency the package never imports.
"""

from __future__ import annotations

import ast
import email
import re
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    """The wheel of this tree, built by hatchling as pip's build step would."""
    builders = pytest.importorskip("hatchling.builders.wheel")
    out = tmp_path_factory.mktemp("wheel")
    (path,) = builders.WheelBuilder(str(REPO)).build(directory=str(out), versions=["standard"])
    return zipfile.ZipFile(path)


def _metadata(wheel: zipfile.ZipFile) -> email.message.Message:
    name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
    return email.message_from_bytes(wheel.read(name))


def _written_version() -> str:
    tree = ast.parse((REPO / "lrwidget" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "__version__" for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError("lrwidget/__init__.py sets no __version__")


def test_the_version_is_written_once_and_the_wheel_carries_it(wheel):
    """pyproject.toml reads the version from lrwidget/__init__.py; it writes none of its own."""
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r"^version\s*=", pyproject, re.MULTILINE) is None
    assert _metadata(wheel)["Version"] == _written_version()


def test_the_wheel_ships_the_licence_the_type_marker_and_the_front_end(wheel):
    names = wheel.namelist()
    assert "lrwidget/py.typed" in names
    assert "lrwidget/static/decision_strip.js" in names
    licences = [n for n in names if n.endswith("/LICENSE") and ".dist-info/" in n]
    assert licences, "no LICENSE in the wheel"
    assert "MIT License" in wheel.read(licences[0]).decode()
    meta = _metadata(wheel)
    assert meta["License-Expression"] == "MIT"
    assert meta["Requires-Python"] == ">=3.11"


def test_every_runtime_dependency_is_imported_by_the_package(wheel):
    """A runtime dependency nothing in lrwidget imports (ipykernel was one) is not declared."""
    imported = set()
    for path in (REPO / "lrwidget").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module.split(".")[0])
    requires = [r for r in _metadata(wheel).get_all("Requires-Dist") or [] if "extra ==" not in r]
    names = {re.split(r"[<>=!~ ;\[]", r, maxsplit=1)[0].lower() for r in requires}
    assert "ipykernel" not in names
    assert names - {m.lower() for m in imported} == set()


def test_the_console_script_points_at_the_cli(wheel):
    name = next(n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt"))
    assert "lrwidget = lrwidget.cli:main" in wheel.read(name).decode()
