"""``lrwidget demo``: a range test on a small model over scikit-learn's bundled digits, then training at
the recommended rate. Offline, CPU, seconds."""

from __future__ import annotations

import argparse

from lrwidget.cli.extras import require
from lrwidget.cli.png import save_png
from lrwidget.cli.report import recommendation_line, suggestion_table, summary_lines
from lrwidget.core.formatting import format_lr


def run(args: argparse.Namespace) -> int:
    """Run the demo with checked ``args``; return the exit status."""
    require("lrwidget demo", "sklearn", "matplotlib")
    import torch
    import torch.nn.functional as F

    from lrwidget.engine.learner import Learner
    from lrwidget.examples.digits import digits_loaders, small_cnn, small_mlp

    torch.set_num_threads(1)  # the models are tiny: one thread is fastest, and steady on a busy machine
    torch.manual_seed(args.seed)
    train, valid = digits_loaders(batch_size=64, seed=args.seed)
    model = (small_cnn if args.model == "cnn" else small_mlp)(seed=args.seed)
    learn = Learner(model, torch.optim.Adam(model.parameters(), lr=1e-3), F.cross_entropy, train, valid)
    n_train = len(train.dataset)  # type: ignore[arg-type]  # a TensorDataset has a length
    print(f"lrwidget demo: {args.model} on scikit-learn's digits ({n_train:,} training images)")
    confirm = {"confirm": args.confirm, "val_data": valid} if args.confirm else {}
    result = learn.lr_find(
        start_lr=args.start_lr, end_lr=args.end_lr, num_it=args.num_it, progress=not args.no_progress,
        **confirm,
    )  # fmt: skip
    print("\n".join(["", *summary_lines(result), "", *suggestion_table(result.suggestions()), ""]))
    print(recommendation_line(result))
    if result.confirmation is not None:
        print(result.confirmation.summary())

    args.out.mkdir(parents=True, exist_ok=True)
    json_path, png_path = args.out / "result.json", args.out / "lr_find.png"
    result.to_json(json_path)
    save_png(result, png_path)
    print(f"saved {json_path} and {png_path}; reopen them with: lrwidget show {json_path}")

    pick = result.suggest()
    if args.fit > 0 and pick.lr is not None:
        history = learn.fit_one_cycle(args.fit, pick.lr, progress=not args.no_progress)
        last = history[-1]
        print(
            f"fit_one_cycle({args.fit}, lr={format_lr(pick.lr)}): train loss {last['train_loss']:.4f}, "
            f"valid loss {last['loss']:.4f}, valid accuracy {last['accuracy']:.1%}"
        )
    return 0
