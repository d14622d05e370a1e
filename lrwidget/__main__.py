"""``python -m lrwidget demo`` (or ``lrwidget demo``): a range test on a small CNN over the bundled digits.

Prints the curve summary and every suggestion as a table, saves the result as JSON and the plot as PNG,
and (by default) trains two epochs at the automatic pick to show the rate works. Offline, CPU, seconds.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lrwidget", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="range test on a small model over scikit-learn's digits")
    demo.add_argument("--out", type=Path, default=Path("lrwidget-demo"), help="output folder")
    demo.add_argument("--model", choices=("cnn", "mlp"), default="cnn", help="small model to use")
    demo.add_argument("--num-it", type=int, default=100, help="steps of the sweep (default 100)")
    demo.add_argument("--start-lr", type=float, default=1e-7)
    demo.add_argument("--end-lr", type=float, default=10.0)
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--fit", type=int, default=2, metavar="EPOCHS", help="train at the auto pick (0: skip)")
    demo.add_argument("--no-progress", action="store_true", help="no progress bars")
    return parser


def _fmt_lr(lr: float | None) -> str:
    return "-" if lr is None else f"{lr:.3g}"


def summary_lines(result: Any) -> list[str]:
    """A few lines on the curve: points, span, why it stopped, the best smoothed loss and the time."""
    lines = [
        f"points       {len(result)} of {result.settings.get('num_it', len(result))}",
        f"lr range     {_fmt_lr(result.lrs[0])} .. {_fmt_lr(result.lrs[-1])}",
        f"stop reason  {result.stop_reason}" + (f" ({result.error})" if result.error else ""),
    ]
    finite = np.isfinite(result.smoothed)
    if finite.any():
        best = int(np.flatnonzero(finite)[np.argmin(result.smoothed[finite])])
        lines.append(f"best loss    {result.smoothed[best]:.4g} (smoothed) at lr {_fmt_lr(result.lrs[best])}")
        lines.append(f"first loss   {result.losses[0]:.4g}")
    if result.elapsed is not None:
        lines.append(f"time         {float(np.max(result.elapsed)):.2f} s")
    return lines


def suggestion_table(suggestions: dict[str, Any]) -> list[str]:
    """Every suggestion as one row: method, lr, index on the curve, and the reason or confidence."""
    rows = [("method", "lr", "index", "note")]
    for name, s in suggestions.items():
        note = s.reason or (f"confidence {s.confidence:.2f}" if s.confidence is not None else "")
        rows.append((name, _fmt_lr(s.lr), "-" if s.index is None else str(s.index), note))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    indent = sum(widths) + 2 * len(widths)
    lines = []
    for r in rows:
        # long reasons wrap under the note column, so the table stays readable in an 100-column terminal
        note = textwrap.wrap(r[3], width=max(30, 100 - indent)) or [""]
        lines.append("  ".join([*(c.ljust(w) for c, w in zip(r[:3], widths, strict=True)), note[0]]))
        lines.extend(" " * indent + more for more in note[1:])
    lines.insert(1, "-" * min(100, max(len(line) for line in lines)))
    return [line.rstrip() for line in lines]


def save_plot(result: Any, suggestions: dict[str, Any], path: Path) -> None:
    """Loss against log lr: raw faint, smoothed bold, one line per suggestion, the diverging tail clipped."""
    try:
        import matplotlib
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError('the demo plot needs matplotlib: pip install "lrwidget[demo]"') from exc

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4.8), dpi=110)
    ax.plot(result.lrs, result.losses, color="tab:blue", alpha=0.3, lw=1, label="loss (raw)")
    ax.plot(result.lrs, result.smoothed, color="tab:blue", lw=2.2, label="loss (smoothed)")
    colours = plt.get_cmap("tab10").colors[1:]
    for (name, s), colour in zip(suggestions.items(), colours, strict=False):
        if s.lr is not None:
            ax.axvline(s.lr, color=colour, ls="--", lw=1.2, label=f"{name}: {s.lr:.2g}")
    smoothed = result.smoothed[np.isfinite(result.smoothed)]
    raw = result.losses[np.isfinite(result.losses)]
    if smoothed.size:
        start, best = float(smoothed[0]), float(min(smoothed.min(), raw.min()))
        top = start + max(start - best, 0.1 * abs(start))  # clip the tail: the descent stays readable
        ax.set_ylim(best - 0.05 * (top - best), top)
    ax.set_xscale("log")
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("training loss")
    ax.set_title(f"Learning-rate range test — stopped: {result.stop_reason}")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def demo(args: argparse.Namespace) -> int:
    """Run the demo described in the module docstring."""
    import torch
    import torch.nn.functional as F

    from lrwidget.engine.learner import Learner
    from lrwidget.examples.digits import digits_loaders, small_cnn, small_mlp

    torch.manual_seed(args.seed)
    train, valid = digits_loaders(batch_size=64, seed=args.seed)
    model = (small_cnn if args.model == "cnn" else small_mlp)(seed=args.seed)
    learn = Learner(model, torch.optim.Adam(model.parameters(), lr=1e-3), F.cross_entropy, train, valid)
    print(f"lrwidget demo: {args.model} on scikit-learn digits ({len(train.dataset)} train images)")
    result = learn.lr_find(
        start_lr=args.start_lr, end_lr=args.end_lr, num_it=args.num_it, progress=not args.no_progress
    )
    suggestions = result.suggestions()
    print("\n".join(["", *summary_lines(result), "", *suggestion_table(suggestions), ""]))

    args.out.mkdir(parents=True, exist_ok=True)
    json_path, png_path = args.out / "result.json", args.out / "lr_find.png"
    result.to_json(json_path)
    save_plot(result, suggestions, png_path)
    print(f"saved {json_path} and {png_path}")

    pick = suggestions.get("auto")
    if args.fit > 0 and pick is not None and pick.lr is not None:
        history = learn.fit_one_cycle(args.fit, pick.lr, progress=not args.no_progress)
        last = history[-1]
        print(
            f"fit_one_cycle({args.fit}, lr={pick.lr:.3g}): train loss {last['train_loss']:.4f}, "
            f"valid loss {last['loss']:.4f}, valid accuracy {last['accuracy']:.1%}"
        )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m lrwidget`` and the ``lrwidget`` script."""
    args = _parser().parse_args(argv)
    if args.command == "demo":
        return demo(args)
    return 2  # pragma: no cover - argparse already refuses unknown commands


if __name__ == "__main__":
    sys.exit(main())
