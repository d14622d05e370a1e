"""``lrwidget show``: saved range tests (JSON) as the demo's table, or one line per file; optionally a PNG.

Needs no model and no torch: results come back with ``RangeTestResult.from_json``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from lrwidget.cli.extras import require
from lrwidget.cli.report import overview_table, recommendation_line, suggestion_table, summary_lines
from lrwidget.core.result import RangeTestResult


def load(paths: list[Path], fail: Callable[[str], None]) -> list[tuple[Path, RangeTestResult]]:
    """Every file read back, in order; one that is not a saved result ends the program (``fail``: exit 2)."""
    results = []
    for path in paths:
        try:
            results.append((path, RangeTestResult.from_json(path)))
        except (ValueError, TypeError, OSError) as exc:
            fail(f"{path} is not a saved range test: {exc}")
    return results


def run(args: argparse.Namespace, fail: Callable[[str], None]) -> int:
    """Print the saved results named in checked ``args``; draw the PNG if asked; return the exit status."""
    if args.png is not None:
        require("lrwidget show --png", "matplotlib")
    results = load(args.results, fail)
    if len(results) > 1:
        print("\n".join(overview_table(results)))
        print("\nfor one result's table and plot: lrwidget show RESULT.json --png lr_find.png")
        return 0
    ((path, result),) = results
    print(f"{path}\n")
    print("\n".join([*summary_lines(result), "", *suggestion_table(result.suggestions()), ""]))
    print(recommendation_line(result))
    if args.png is not None:
        from lrwidget.cli.png import save_png

        args.png.parent.mkdir(parents=True, exist_ok=True)
        save_png(result, args.png)
        print(f"saved {args.png}")
    return 0
