"""The command line's grammar: every command, every option with its help and default, and the checks.

Every value is checked here, before any data loads or any model trains; a bad one ends the program with
exit status 2, the usage line and a message naming the option (argparse's convention).
"""

from __future__ import annotations

import argparse
import difflib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lrwidget.core import _checks
from lrwidget.core.schedules import MAX_NUM_IT, validate_range

PROG = "lrwidget"
DESCRIPTION = (
    "Leslie Smith's learning-rate range test. 'demo' runs one on a small model over scikit-learn's "
    "bundled digits (offline, CPU, seconds); 'show' opens results saved with RangeTestResult.to_json."
)
MAX_SEED = 2**32 - 1  # what numpy's RandomState, which shuffles the digits, accepts


def _parsed(text: str, parse: Callable[[str], float], kind: str, check: Callable) -> Any:
    """``text`` read by ``parse`` (``float`` or ``int``) and passed through ``check``; argparse reports
    any error with the usage line."""
    try:
        value = parse(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not {kind}: {text!r}") from None
    try:
        return check(value)
    except (TypeError, ValueError) as exc:
        raise argparse.ArgumentTypeError(_without_name(exc)) from None


def _number(text: str, check: Callable[[float], float]) -> float:
    """``text`` read as a float and checked."""
    return float(_parsed(text, float, "a number", check))


def _whole(text: str, check: Callable[[int], int]) -> int:
    """``text`` read as an int and checked."""
    return int(_parsed(text, int, "a whole number", check))


def _without_name(exc: Exception) -> str:
    """The check's message without its leading parameter name (argparse puts the option's name first)."""
    text = str(exc)
    return text.split(" ", 1)[1] if text.startswith("value ") else text


def positive_lr(text: str) -> float:
    """A learning rate: a finite number > 0."""
    return _number(text, lambda v: _checks.real("value", v, low=0.0, low_open=True))


def num_it(text: str) -> int:
    """Steps of the sweep: 2 to MAX_NUM_IT."""

    def check(v: int) -> int:
        n = _checks.integer("value", v, high=MAX_NUM_IT)
        if n < 2:
            raise ValueError("value must be at least 2 (a curve needs two points), got " + str(n))
        return n

    return _whole(text, check)


def seed(text: str) -> int:
    """A random seed: 0 to 2**32 - 1."""
    return _whole(text, lambda v: _checks.integer("value", v, low=0, high=MAX_SEED))


def epochs(text: str) -> int:
    """Epochs of training after the sweep: 0 (none) to 1000."""
    return _whole(text, lambda v: _checks.integer("value", v, low=0, high=1000))


def trials(text: str) -> int:
    """Confirmation trials after the sweep: 0 (none) to 10."""
    return _whole(text, lambda v: _checks.integer("value", v, low=0, high=10))


def parser() -> argparse.ArgumentParser:
    """The ``lrwidget`` parser with its ``demo`` and ``show`` commands."""
    from lrwidget import __version__

    formatter = argparse.ArgumentDefaultsHelpFormatter
    root = argparse.ArgumentParser(prog=PROG, description=DESCRIPTION, formatter_class=formatter)
    root.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = root.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    demo = commands.add_parser(
        "demo",
        help="run a range test on a small model over scikit-learn's digits",
        description="Run a range test on a small model over scikit-learn's bundled 8x8 digits: print the "
        "curve's summary and every suggestion, save result.json and lr_find.png in --out, then train at "
        "the recommended rate to show that it works. Needs the 'demo' extra (scikit-learn).",
        formatter_class=formatter,
    )
    demo.add_argument(
        "--out",
        type=Path,
        default=Path("lrwidget-demo"),
        metavar="FOLDER",
        help="folder for result.json and lr_find.png (created if missing)",
    )
    demo.add_argument(
        "--model",
        choices=("cnn", "mlp"),
        default="cnn",
        help="the small model: a CNN (~6k parameters) or an MLP (~5k)",
    )
    demo.add_argument(
        "--num-it",
        type=num_it,
        default=100,
        metavar="N",
        help=f"optimizer steps of the sweep, 2 to {MAX_NUM_IT:,}",
    )
    demo.add_argument(
        "--start-lr",
        type=positive_lr,
        default=1e-7,
        metavar="LR",
        help="learning rate of the first step (> 0)",
    )
    demo.add_argument(
        "--end-lr",
        type=positive_lr,
        default=10.0,
        metavar="LR",
        help="learning rate of the last step (> --start-lr)",
    )
    demo.add_argument(
        "--seed", type=seed, default=0, help="seed of the data split, the batch order and the initial weights"
    )
    demo.add_argument(
        "--fit",
        type=epochs,
        default=2,
        metavar="EPOCHS",
        help="epochs of one-cycle training at the recommended rate after the sweep (0: none)",
    )
    demo.add_argument(
        "--confirm",
        type=trials,
        default=0,
        metavar="K",
        help="then confirm the pick by K short one-cycle trainings scored on the validation digits (0: none)",
    )
    demo.add_argument("--no-progress", action="store_true", help="print no progress bars")

    show = commands.add_parser(
        "show",
        help="print the table of saved results (JSON from RangeTestResult.to_json), optionally a plot",
        description="Open range-test results saved with RangeTestResult.to_json: with one file, its "
        "summary and every suggestion; with several, one line per file. No model and no torch needed.",
        formatter_class=formatter,
    )
    show.add_argument("results", type=Path, nargs="+", metavar="RESULT.json", help="saved result files")
    show.add_argument(
        "--png",
        type=Path,
        default=None,
        metavar="FILE",
        help="also draw the curve and the suggestions into this PNG (one result only; needs matplotlib)",
    )
    return root


def check_demo(args: argparse.Namespace, fail: Callable[[str], None]) -> None:
    """Checks across the demo's options (each was checked alone while parsing); ``fail`` exits with 2."""
    try:
        validate_range(args.start_lr, args.end_lr, args.num_it)
    except ValueError as exc:
        fail(str(exc).replace("end_lr", "--end-lr").replace("start_lr", "--start-lr"))
    problem = unwritable_folder(args.out)
    if problem:
        fail(f"--out {problem}")


def check_show(args: argparse.Namespace, fail: Callable[[str], None]) -> None:
    """Checks of the show command: the files exist, and --png names a writable file for one result."""
    for path in args.results:
        if not path.is_file():
            fail(f"{path}: no such file" if not path.exists() else f"{path} is not a file")
    if args.png is not None:
        if len(args.results) > 1:
            fail(f"--png draws one result; {len(args.results)} were given")
        if args.png.is_dir():
            fail(f"--png {args.png} is a folder; give a file name such as {args.png / 'lr_find.png'}")
        problem = unwritable_folder(args.png.parent)
        if problem:
            fail(f"--png {args.png}: its folder {problem}")


def unwritable_folder(folder: Path) -> str | None:
    """Why ``folder`` cannot be used (or created) for output, or None when it can."""
    if folder.exists() and not folder.is_dir():
        return f"{folder} is a file, not a folder"
    existing = folder
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        return f"{folder} cannot be created: {existing} is a file"
    if existing.exists() and not os.access(existing, os.W_OK | os.X_OK):
        return f"{folder} cannot be written: no permission in {existing}"
    return None


def unknown_options(extras: list[str], parser: argparse.ArgumentParser) -> str:
    """The message for arguments ``parser`` did not understand, with its closest option for each."""
    known = sorted({opt for action in parser._actions for opt in action.option_strings})
    parts = []
    for extra in extras:
        name = extra.split("=", 1)[0]
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.7) if extra.startswith("-") else []
        parts.append(f"{extra} (did you mean {close[0]}?)" if close else extra)
    return "unrecognized arguments: " + " ".join(parts)


def command_parser(root: argparse.ArgumentParser, command: str | None) -> argparse.ArgumentParser:
    """The sub-parser of ``command`` (the root parser for None)."""
    for action in root._actions:
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:
            sub: argparse.ArgumentParser = action.choices[command]
            return sub
    return root
