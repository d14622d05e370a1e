"""Suggestion quality: how good is each suggester's learning rate, measured by training with it.

``python benchmarks/suggest_quality.py build [--task NAME ...]`` rebuilds the corpus
(benchmarks/data/quality_corpus.json) deterministically with torch on CPU, resuming from a per-task cache.
``python benchmarks/suggest_quality.py score`` scores every suggester on it with numpy only (seconds)
and prints one table; ``score --all`` adds leave-one-task-out figures, auto's confidence calibration,
lr_slice on the transfer tasks, per-task regrets and the smoothing study (the content of
docs/suggestion_quality.md).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CORPUS = ROOT / "benchmarks" / "data" / "quality_corpus.json"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="rebuild the corpus (torch, CPU, resumable)")
    b.add_argument("--task", action="append", help="build only this task (repeatable)")
    b.add_argument("--out", type=Path, default=CORPUS)
    s = sub.add_parser("score", help="score the suggesters on the corpus (numpy only)")
    s.add_argument("--corpus", type=Path, default=CORPUS)
    s.add_argument("--loto", action="store_true", help="add leave-one-task-out figures")
    s.add_argument("--calibration", action="store_true", help="add auto's confidence against its regret")
    s.add_argument("--slice", action="store_true", help="add lr_slice on the transfer tasks")
    s.add_argument(
        "--invariance", action="store_true", help="add pick changes under loss scale / fewer points"
    )
    s.add_argument("--detail", action="store_true", help="add mean regret per task")
    s.add_argument(
        "--smoothing", action="store_true", help="add the causal EMA against a zero-lag centred window"
    )
    s.add_argument("--all", action="store_true", help="every section (what docs/suggestion_quality.md holds)")
    args = parser.parse_args(argv)
    if args.command == "build":
        from benchmarks.quality.build import build

        build(args.task, args.out, log=lambda msg: print(msg, flush=True))
    else:
        from benchmarks.quality.report import report

        every = args.all
        print(
            report(
                args.corpus,
                loto=args.loto or every,
                calibration=args.calibration or every,
                slices=args.slice or every,
                detail=args.detail or every,
                invariance=args.invariance or every,
                smoothing=args.smoothing or every,
            )
        )


if __name__ == "__main__":
    main()
