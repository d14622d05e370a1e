"""Suggestion quality: how good is each suggester's learning rate, measured by training with it.

``python benchmarks/suggest_quality.py build [--broad] [--task NAME ...]`` rebuilds a corpus with torch on
CPU, resuming from a per-task cache: the original 16 tasks (benchmarks/data/quality_corpus.json) or, with
``--broad``, the 35 tasks in seven families at four sweep lengths (quality_corpus_broad.json; 2 processes).
``build --trials`` runs the confirmation trial grid (25 rates x 100 steps per broad task, ~3 min).
``python benchmarks/suggest_quality.py score`` scores every suggester on both with numpy only and prints
leave-one-family-out figures, the num_it stability table, partial sweeps and auto's confidence
(the content of docs/suggestion_quality.md).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> None:
    from benchmarks.quality.families import BROAD, ORIGINAL

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="rebuild a corpus (torch, CPU, resumable)")
    b.add_argument("--broad", action="store_true", help="the seven-family corpus at four sweep lengths")
    b.add_argument("--trials", action="store_true", help="the confirm=k trial grid on the broad tasks")
    b.add_argument("--task", action="append", help="build only this task (repeatable)")
    b.add_argument("--workers", type=int, default=2, help="processes for --broad (default 2)")
    s = sub.add_parser("score", help="score the suggesters on the corpora (numpy only)")
    s.add_argument("--original", type=Path, default=ORIGINAL)
    s.add_argument("--broad", type=Path, default=BROAD)
    args = parser.parse_args(argv)
    log = lambda msg: print(msg, flush=True)  # noqa: E731
    if args.command == "build" and args.trials:
        from benchmarks.quality.trial_build import build as build_trials

        build_trials(args.task, workers=args.workers, log=log)
    elif args.command == "build" and args.broad:
        from benchmarks.quality.broad_build import build as build_broad

        build_broad(args.task, workers=args.workers, log=log)
    elif args.command == "build":
        from benchmarks.quality.build import build

        build(args.task, ORIGINAL, log=log)
    else:
        from benchmarks.quality.report import report

        print(report(args.original, args.broad))


if __name__ == "__main__":
    main()
