"""Write the teaching notebooks from the cell texts below: ``python notebooks/_build.py``.

The notebooks are kept in git without outputs (execution_count None, kernelspec python3), so they are
generated here, where their text can be reviewed and diffed like code. Cell ids are fixed, so building
twice gives the same files. ``tests/notebooks/test_notebooks.py`` checks that the committed files match
this script and runs every notebook.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def md(text: str) -> tuple[str, str]:
    return ("markdown", textwrap.dedent(text).strip("\n"))


def code(text: str) -> tuple[str, str]:
    return ("code", textwrap.dedent(text).strip("\n"))


# ----------------------------------------------------------------------------------------------------
QUICKSTART = [
    md("""
    # Quickstart: find a learning rate, pick it, train with it

    The **learning-rate range test** (Leslie Smith) trains your model for about a hundred mini-batches
    while the learning rate grows from tiny (1e-7) to huge (10), and records the loss at every step.
    Where the loss falls fastest, before it blows up, lies a good rate to train with. The model and the
    optimizer are put back as they were afterwards, so the test costs seconds, not a training run.

    In this notebook (a small CNN on scikit-learn's bundled 8x8 digits: offline, CPU, well under a minute):

    1. wrap a model, its optimizer, loss and data in `lrwidget.Learner`;
    2. run the range test in the widget and pick a rate;
    3. train with the rate you picked.
    """),
    code("""
    import torch
    from torch import nn

    import lrwidget as lw
    from lrwidget.examples.digits import digits_loaders, small_cnn

    torch.set_num_threads(1)  # a model this small trains fastest on one thread
    torch.manual_seed(0)

    train_dl, valid_dl = digits_loaders(batch_size=64)  # 1,437 training and 360 validation images
    model = small_cnn()  # ~6k parameters
    optimizer = torch.optim.AdamW(model.parameters())  # its lr is set by the sweep, then by training
    learn = lw.Learner(model, optimizer, nn.functional.cross_entropy, train_dl, valid_dl)
    print("before training:", learn.validate())  # about 10 % accuracy: chance
    """),
    md("""
    ## 1. Run the range test

    `start()` runs the sweep in a background thread: the cell returns at once, the curve draws while the
    sweep runs, and the kernel stays free for your clicks. The **Run** button does the same and **Stop**
    ends it early. Keywords such as `num_it`, `start_lr`, `end_lr` go to `lr_find`.
    """),
    code("""
    w = lw.LRFinderWidget(learn, num_it=100)  # 100 steps from 1e-7 to 10
    display(w)
    w.start()
    """),
    md("""
    ## 2. Read the curve and pick a rate

    * **Loss pane**: the faint line is the raw loss of each batch, the bold line the smoothed loss (what
      the suggesters read). The coloured markers are the picks of the suggestion methods; the header says
      what the recommended one (`auto`) suggests.
    * **Gradient pane** below it: the *interval slide rule* at work (notebook 02 explains it).
    * **Pick**: click a point of the loss curve or a marker; or, on the *decision strip* at the bottom,
      click a suggestion's tick, or drag the handle (the arrow keys nudge it) and press **Accept** (or
      Enter). Your pick is `w.lr`; the strip also shows it as a snippet to copy. In *slice* mode a drag
      across the plot picks a range, `w.lr_slice` (notebook 04).

    The next cell waits for the sweep to end (it returns at once if it has) and lists every method's
    suggestion. A method that finds nothing says why instead of guessing.
    """),
    code("""
    w.wait()
    result = w.result
    print(result)
    for name, s in result.suggestions().items():
        lr = "-" if s.lr is None else f"{s.lr:.2e}"
        print(f"{name:18s} {lr:>9s}   {s.reason}")
    """),
    md("""
    ## 3. Train with your pick

    `w.value` is what you picked: `w.lr`, or `slice(lo, hi)` in slice mode. If you ran the notebook top to
    bottom without clicking, it is `None`, and we fall back to the automatic suggestion,
    `result.suggest()` (method `"auto"`: the rate where the smoothed loss has made 70 % of its fall, divided
by 3.5, the rule that did best on our 16-task benchmark, `docs/suggestion_quality.md`).

    `fit_one_cycle` trains with the one-cycle policy: the rate warms up to the value given, then anneals.
    """),
    code("""
    choice = w.value
    if choice is None:
        choice = result.suggest().lr
        print(f"nothing picked in the widget: using the auto suggestion, lr = {choice:.3g}")
    else:
        print(f"training with your pick: {choice}")

    history = learn.fit_one_cycle(3, choice)
    for row in history:
        print(f"epoch {row['epoch'] + 1}: train loss {row['train_loss']:.3f}  "
              f"valid loss {row['loss']:.3f}  accuracy {row['accuracy']:.1%}")
    """),
    code("""
    metrics = learn.validate()
    print(f"after 3 epochs: accuracy {metrics['accuracy']:.1%} (it was about 10 % before)")
    """),
    md("""
    ## Where next

    * `02_teaching_the_range_test.ipynb`: what the test does and why, the classic experiment (a rate at the
      suggestion learns, far above it fails, far below it crawls), the slide rule step by step, and the
      curve shapes that fool each rule.
    * `03_automating_many_models.ipynb`: the test without a widget, over many models, results saved as JSON.
    * `04_discriminative_fine_tuning.ipynb`: frozen body, unfrozen body, and a `slice(lo, hi)` of rates.
    * `05_fastai.ipynb`: the widget on a fastai `Learner`, next to fastai's own `lr_find`.
    """),
]

# ----------------------------------------------------------------------------------------------------
TEACHING = [
    md("""
    # Teaching the learning-rate range test

    1. What the test does, and why it works
    2. The classic experiment: train at the suggestion, far above it, far below it
    3. The interval slide rule, step by step
    4. Curve shapes that fool each rule

    Everything runs offline on CPU in about a minute (scikit-learn's bundled 8x8 digits, a ~6k-parameter CNN).
    """),
    md("""
    ## 1. What the test does, and why it works

    The learning rate is the size of each training step. Too small, and the loss barely moves in the time
    you have; too large, and every step overshoots, so the loss climbs or turns into `nan`. The useful
    range spans orders of magnitude and moves with the model, the optimizer, the batch size and the data,
    so a guess is expensive: each wrong one costs a training run.

    The range test (Leslie Smith, *Cyclical Learning Rates for Training Neural Networks*, 2015; made
    popular by fastai) spends one short run instead. Starting from the untrained model, it takes one
    optimizer step per mini-batch and multiplies the learning rate by a constant factor after each, from
    1e-7 to 10 over 100 steps (equal steps on a log axis), recording the loss of every step. On a log axis
    the curve has four parts:

    * a **plateau** on the left: steps too small to change anything;
    * a **descent**: the rate is large enough to learn quickly;
    * a **bottom**: the fastest learning turns into overshooting;
    * a **runaway**: the loss explodes; the sweep stops early when the smoothed loss passes 4 times its best.

    Why read a rate off it? Each step of the sweep shows how much progress that rate makes from (roughly)
    the current weights. A good training rate sits **in the descent**, where the loss falls fastest, not
    at the bottom: real training takes thousands of steps at that rate, and a rate that is already on the
    edge of overshooting in the sweep will overshoot in training. The answer is an order of magnitude, not
    a precise number: each point is one noisy batch (so the curve is smoothed with a bias-corrected
    moving average first), and the rate and the training time grow together along the sweep.

    Afterwards the weights, the optimizer state and the random state are restored, as if nothing happened.
    """),
    code("""
    import matplotlib.pyplot as plt
    import numpy as np
    import torch
    from torch import nn

    import lrwidget as lw
    from lrwidget.examples.digits import digits_loaders, small_cnn
    from lrwidget.widget.style import METHOD_COLORS, method_label

    torch.set_num_threads(1)  # a model this small trains fastest on one thread


    def new_learner(seed=0):
        \"\"\"The same model, initial weights and batch order every time (the experiment needs that).\"\"\"
        torch.manual_seed(seed)  # dropout draws
        train_dl, valid_dl = digits_loaders(batch_size=64, seed=seed)
        model = small_cnn(seed=seed)
        optimizer = torch.optim.AdamW(model.parameters())
        return lw.Learner(model, optimizer, nn.functional.cross_entropy, train_dl, valid_dl)


    result = new_learner().lr_find(num_it=100, progress=False)  # headless: no widget needed
    suggestions = result.suggestions()
    print(result)
    for name, s in suggestions.items():
        print(f"{name:18s} {'-' if s.lr is None else f'{s.lr:.2e}':>9s}   {s.reason}")
    """),
    code("""
    def plot_curve(ax, lrs, raw, smoothed, picks=(), title=""):
        \"\"\"Raw loss faint, smoothed bold, one dashed line per pick; the runaway clipped from view.\"\"\"
        ax.plot(lrs, raw, color="#8AA9C9", lw=1, alpha=0.6, label="raw loss")
        ax.plot(lrs, smoothed, color="#3B82C4", lw=2.2, label="smoothed")
        for name, lr in picks:
            if lr is not None:
                label = f"{method_label(name)} {lr:.2g}"
                ax.axvline(lr, color=METHOD_COLORS.get(name, "k"), ls="--", lw=1.4, label=label)
        ax.set_xscale("log")
        low = min(np.nanmin(raw[np.isfinite(raw)]), np.nanmin(smoothed))
        start = smoothed[0]
        ax.set_ylim(low - 0.05 * (start - low), start + 0.6 * (start - low))  # the runaway is cut off
        ax.set_xlabel("learning rate (log)")
        ax.set_ylabel("loss")
        ax.set_title(title)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))


    fig, ax = plt.subplots(figsize=(9, 4))
    picks = [(name, s.lr) for name, s in suggestions.items()]
    title = "range test: small CNN on digits, AdamW"
    plot_curve(ax, result.lrs, result.losses, result.smoothed, picks, title)
    plt.show()
    """),
    md("""
    ## 2. The classic experiment

    fastai v1's documentation of `lr_find` ran it on MNIST digits, read **3e-2**
    off the steepest part of the curve, and trained the same model three times for two epochs:

    | rate | what happened |
    |---|---|
    | 3e-2, from the curve | 98.5 % accuracy |
    | 1e0, near the loss minimum ("don't just pick the minimum") | 49.6 %: chance on two classes, it learned nothing |
    | 1e-3, before the descent | 94.7 %: it learns, slowly |

    We repeat it on our digits: the same initial weights and batch order each time, two epochs of
    one-cycle training at the **suggestion** (`auto`), at the rate where the **smoothed loss was lowest**,
    and **100 times below** the suggestion. Your numbers will differ a little from run to run (threads add
    rounding noise), the ranking should not.

    First, look at the curve above: the raw loss (faint) starts falling earlier than the smoothed one. The
    moving average lags by a few dozen points; every suggester reads the smoothed curve, as fastai's do,
    because a single batch is too noisy to differentiate.
    """),
    code("""
    lr_suggested = result.suggest().lr
    lr_minimum = float(result.lrs[np.nanargmin(result.smoothed)])
    arms = {
        "suggested (auto)": lr_suggested,
        "at the loss minimum": lr_minimum,
        "100x below": lr_suggested / 100,
    }
    histories = {}
    for label, lr in arms.items():
        histories[label] = new_learner().fit_one_cycle(2, lr, progress=False)

    print(f"{'rate':22s} {'lr':>9s} | {'valid loss by epoch':^17s} | {'accuracy by epoch':^15s}")
    for label, lr in arms.items():
        losses = " ".join(f"{row['loss']:8.3f}" for row in histories[label])
        accs = " ".join(f"{row['accuracy']:7.1%}" for row in histories[label])
        print(f"{label:22s} {lr:9.2e} | {losses} | {accs}")
    final_accuracy = {label: h[-1]["accuracy"] for label, h in histories.items()}
    """),
    code("""
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 3.6))
    epochs = [1, 2]
    for (label, lr), color in zip(arms.items(), ["#2F8FD8", "#D55E00", "#8C8C8C"]):
        rows = histories[label]
        ax_loss.plot(epochs, [r["loss"] for r in rows], "o-", color=color, label=f"{label}: {lr:.2g}")
        ax_acc.plot(epochs, [r["accuracy"] for r in rows], "o-", color=color, label=f"{label}: {lr:.2g}")
    ax_loss.set(xlabel="epoch", ylabel="loss", yscale="log", xticks=epochs, title="validation loss")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1), xticks=epochs, title="validation accuracy")
    ax_acc.legend(fontsize=8, loc="lower right")
    plt.tight_layout()
    plt.show()
    """),
    md("""
    What to take from it:

    * The rate at the **loss minimum** is too big to train with: during the sweep the loss there had
      already stopped falling, and many steps at that rate keep overshooting: look at its validation loss
      after the first epoch. With the one-cycle warm-up (and Adam's per-weight scaling) it does not
      collapse to chance as in fastai's example, and it partly recovers as the rate anneals, but it trails.
    * **100 times below** the suggestion, training is stable but slow: after two epochs it is far
      behind. More epochs would close part of the gap; the point of the test is not to pay for them.
    * At the **suggestion** the loss drops fastest. The suggestion is not magic: any rate in the steep
      part of the descent does about as well, which is why the answer is an order of magnitude.
    """),
    md("""
    ## 3. The interval slide rule, step by step

    A fastai forum thread proposed a way to pick the rate automatically, for running dozens of
    models unattended: the **interval slide rule**. Take `g = np.gradient(losses)`: the change of the
    (smoothed) loss from one point to the next. Put an interval of `lr_diff = 15` points at the right
    end of the curve, where the loss runs away and `g` is large. Then:

    * while `|g[right] - g[left]| > loss_threshold` (0.05): the right end still sits in the runaway, so
      **remember** `lrs[left]` and slide the interval one point to the left;
    * when the two ends agree, stop: the answer is the last remembered `lrs[left]` (times `adjust_value`).

    The answer is one interval width to the left of where the loss starts to run away: a cautious rate,
    on purpose. `lrwidget.suggest.slide_rule` is that rule exactly; its `trace` lists every position the
    interval took.
    """),
    code("""
    rule = lw.suggest.slide_rule(result.lrs, result.smoothed)  # lr_diff=15, loss_threshold=0.05
    trace = rule.trace
    lrs = result.lrs
    print(f"the interval took {len(trace)} positions; pick: {rule.lr:.3g}")
    print(f"{'step':>4s}  {'left point (lr)':>18s}  {'right point (lr)':>18s}  {'|g[r]-g[l]|':>11s}  then")
    shown = range(len(trace)) if len(trace) <= 10 else [*range(4), None, *range(len(trace) - 4, len(trace))]
    for k in shown:
        if k is None:
            print("   ...")
            continue
        s = trace[k]
        then = "remember left, slide on" if s.moves else "stop"
        left, right = f"{s.left:5d} ({lrs[s.left]:9.2e})", f"{s.right:5d} ({lrs[s.right]:9.2e})"
        print(f"{k + 1:4d}  {left}  {right}  {s.diff:11.4f}  {then}")
    """),
    code("""
    g = np.gradient(result.smoothed)
    fig, (ax_g, ax_d) = plt.subplots(2, 1, figsize=(8, 6), gridspec_kw={"height_ratios": [3, 2]})
    ax_g.plot(lrs, g, color="#3B82C4", lw=2, label="g = np.gradient(smoothed loss)")
    colors = plt.cm.Oranges(np.linspace(0.35, 1.0, len(trace)))
    for s, color in zip(trace, colors):
        ax_g.plot([lrs[s.left], lrs[s.right]], [g[s.left], g[s.right]], "o-", color=color, ms=4, lw=1)
    last = trace[-1]
    ax_g.axvspan(lrs[last.left], lrs[last.right], color="#E69F00", alpha=0.15, label="where it stopped")
    ax_g.axvline(rule.lr, color=METHOD_COLORS["slide_rule"], ls="--", label=f"pick {rule.lr:.2g}")
    ax_g.set(xscale="log", ylabel="g (loss per point)", title="each segment: g at both ends of one position")
    ax_g.set_xlim(lrs[max(0, last.left - 12)], lrs[-1] * 1.5)  # zoom on where the interval slid
    ax_g.set_ylim(np.nanmin(g) - 0.05, min(np.nanmax(g), 1.0) + 0.05)
    ax_g.legend(fontsize=8)

    steps = np.arange(1, len(trace) + 1)
    ax_d.plot(steps, [s.diff for s in trace], "o-", color="#E69F00", label="|g[right] - g[left]|")
    ax_d.axhline(last.threshold, color="k", ls=":", label=f"loss_threshold = {last.threshold}")
    ax_d.set(xlabel="position of the interval (1 = rightmost)", ylabel="difference")
    ax_d.legend(fontsize=8)
    plt.tight_layout()
    plt.show()
    """),
    md("""
    **The animated version.** The widget replays a saved result without a model: the gradient pane shows
    the interval sliding, and the player (play, step back, step on, speed) walks it position by position
    with a caption saying what the rule tests and why it moves on or stops. Change `lr_diff` or
    `loss_threshold` in the controls and watch the pick move.
    """),
    code("""
    replay = lw.LRFinderWidget(result)  # a RangeTestResult: replayed, nothing is trained
    display(replay)
    """),
    md("""
    ## 4. Curve shapes that fool each rule

    Every rule encodes a belief about the curve's shape, and each has a shape that breaks it. Below,
    idealised curves on the sweep's usual grid (100 points, 1e-7 to 10), given to the suggesters as the
    smoothed curve. The methods:

    * `slide_rule`: the original rule above (`lr_diff` in points, `loss_threshold` in loss units);
    * `slide_rule_scaled`: the same idea with the width in decades of lr and the threshold relative to
      the height of the descent, so it does not care about the loss's units or the number of points;
    * `valley`: fastai's rule, exactly: about halfway down the longest run of falling loss;
    * `steepest`: where the loss falls fastest per decade;
    * `minimum`: a tenth of the rate at the lowest loss;
    * `auto`: the median of the scale-free ones (the default).
    """),
    code("""
    x = np.linspace(-7, 1, 100)  # log10 of the learning rate
    grid = 10.0**x


    def ease(t):
        t = np.clip(t, 0, 1)
        return 3 * t**2 - 2 * t**3  # 0 -> 1 smoothly


    def runaway(at, steepness):
        return np.exp(steepness * (x - at)) - np.exp(steepness * (x[0] - at))


    descent = 2.3 - 1.9 * ease((x + 4) / 3.2)  # flat until 1e-4, falls until 1e-0.8
    textbook = descent + runaway(0.0, 3)
    rng = np.random.default_rng(0)
    start_noise = lw.core.smoothing.smooth(np.where(x < -4, rng.normal(0, 0.3, x.size), 0.0))
    shapes = {
        "textbook": textbook,
        "no runaway": descent,  # the sweep ended before the loss blew up (end_lr too low)
        "textbook x 0.1": 0.1 * textbook,  # the same curve in other units
        "textbook x 10": 10 * textbook,
        "noisy flat start": textbook + start_noise,  # what smoothing leaves of noisy early batches
        # a gentle slope, then a sharp drop right before the blow-up ("hairpin")
        "cliff before runaway": 2.3 - 0.7 * ease((x + 5) / 4.5) - 1.0 * ease((x + 0.5) / 0.35)
        + 0.05 * runaway(-0.05, 8),
    }
    methods = list(lw.suggest.METHODS)
    picks = {
        shape: {m: lw.suggest.METHODS[m](grid, loss) for m in methods} for shape, loss in shapes.items()
    }

    print(f"{'shape':22s}" + "".join(f"{m:>19s}" for m in methods))
    for shape, by_method in picks.items():
        cells = ["-" if s.lr is None else f"{s.lr:.2g}" for s in by_method.values()]
        print(f"{shape:22s}" + "".join(f"{c:>19s}" for c in cells))
    """),
    code("""
    notes = {
        "no runaway": "both slide rules: no answer",
        "textbook x 10": "original slide rule moves left",
        "textbook x 0.1": "original slide rule moves right",
        "noisy flat start": "valley moves lower",
        "cliff before runaway": "steepest: at the edge of the blow-up",
    }
    fig, axes = plt.subplots(2, 3, figsize=(12, 6.5), sharex=True)
    order = ["textbook", "no runaway", "textbook x 10",
             "noisy flat start", "cliff before runaway", "textbook x 0.1"]
    for ax, shape in zip(axes.flat, order):
        loss = shapes[shape]
        ax.plot(grid, loss, color="#3B82C4", lw=2)
        for m in ["slide_rule", "slide_rule_scaled", "valley", "steepest", "auto"]:
            s = picks[shape][m]
            if s.lr is not None:
                ax.axvline(s.lr, color=METHOD_COLORS[m], ls="--", lw=1.5, label=method_label(m))
        top = loss[0] + 1.2 * (loss[0] - loss.min())
        ax.set(xscale="log", ylim=(loss.min() - 0.05 * abs(top), top), title=shape)
        ax.text(0.03, 0.04, notes.get(shape, ""), transform=ax.transAxes, fontsize=8, color="#444")
    axes[0, 0].legend(fontsize=7)
    for ax in axes[1]:
        ax.set_xlabel("learning rate (log)")
    plt.tight_layout()
    plt.show()
    """),
    md("""
    What fools whom:

    * **No runaway** (the sweep stopped before the loss blew up, e.g. `end_lr` too low): both slide rules
      start at the right end and find the gradients there already agreeing, so they never slide and
      answer `None` with the reason (the original code crashed here). The others still answer. Remedy: sweep
      further, to where the loss runs away.
    * **Other units** (`x 0.1`, `x 10`: the same curve, the loss summed instead of averaged, or a regression
      target in other units): the original `loss_threshold` is in loss units, so its pick moves by orders of
      magnitude; `slide_rule_scaled`, `valley`, `steepest` and `auto` do not move at all. The same happens to
      `lr_diff` when you change `num_it` (it counts points). That is why users of the original rule retuned
      both per dataset.
    * **Noisy flat start**: what smoothing leaves of the first noisy batches is a slow drift, and `valley`
      counts any falling points as part of its valley: the valley grows longer and its pick, "halfway
      down", moves to a lower rate (about half of the textbook curve's here).
    * **Cliff before the runaway** (the "hairpin" curves reported in the forum thread): `steepest` goes to the
      steepest drop, which here sits right at the edge of the blow-up: a rate that is about to diverge.

    No single rule wins on every shape; `auto` takes the median of the scale-free ones, so one of them being
    fooled does not move it much. Whatever picks the rate, look at the curve when you can: that is what the
    widget is for.
    """),
    code("""
    fooled = {
        "no_runaway_slide_rule": picks["no runaway"]["slide_rule"].lr,
        "scaled_moves": picks["textbook x 10"]["slide_rule_scaled"].lr
        / picks["textbook"]["slide_rule_scaled"].lr,
        "slide_rule_moves": picks["textbook x 10"]["slide_rule"].lr / picks["textbook"]["slide_rule"].lr,
        "valley_drop": picks["noisy flat start"]["valley"].lr / picks["textbook"]["valley"].lr,
        "steepest_vs_auto": picks["cliff before runaway"]["steepest"].lr
        / picks["cliff before runaway"]["auto"].lr,
    }
    for key, value in fooled.items():
        print(f"{key:24s} {value if value is None else f'{value:.3g}'}")
    """),
]

# ----------------------------------------------------------------------------------------------------
AUTOMATING = [
    md("""
    # Automating the range test over many models

    The interval slide rule was proposed for a very practical reason: *"I am looking to automate the
    training of dozens of models on different datasets"*. This notebook does that on a small scale:

    1. run the range test headless (no widget, no progress bar) over five models and datasets;
    2. print a table of every method's suggestion, and flag the curves a person should look at;
    3. save each result as JSON, train each model at its automatic pick;
    4. reopen one saved result in the widget, with no model and no training.

    Offline, CPU, about a minute. The tasks are in `lrwidget/examples/tasks.py`; each builds a fresh
    `lrwidget.Learner` (AdamW) from a seed.
    """),
    code("""
    import json
    import time
    from pathlib import Path

    import torch

    import lrwidget as lw
    from lrwidget.examples.tasks import TASKS

    torch.set_num_threads(1)  # small models: one thread is fastest

    OUT = Path("range_tests")  # one JSON file per model
    OUT.mkdir(exist_ok=True)
    for task in TASKS.values():
        print(f"{task.name:14s} {task.description}")
    """),
    md("""
    ## 1. The loop

    `learn.lr_find(..., progress=False)` returns a `RangeTestResult`: the curve, why the sweep stopped, and
    suggestions on demand. Nothing else changes: the model and optimizer are restored, so the same learner
    can train afterwards.
    """),
    code("""
    results = {}
    timings = {}
    for name, task in TASKS.items():
        learn = task.learner(seed=0)
        t0 = time.perf_counter()
        result = learn.lr_find(start_lr=1e-7, end_lr=10, num_it=100, progress=False)
        timings[name] = time.perf_counter() - t0
        result.to_json(OUT / f"{name}.json")
        results[name] = result
        print(f"{name:14s} {len(result):3d} steps, {result.stop_reason:9s} in {timings[name]:.1f} s")
    """),
    md("""
    ## 2. The table

    One row per model: the first (smoothed) loss, then one column per method (`-`: the method found no rate,
    and its `reason` says why). `conf` is `auto`'s own judgement: 1 when the methods it combines agree,
    lower as they spread. The last column flags what a person should look at before trusting the pick.
    """),
    code("""
    import math

    COLUMNS = {"auto": "auto", "slide_rule": "slide", "slide_rule_scaled": "scaled", "valley": "valley",
               "steepest": "steepest", "minimum": "min/10"}


    def fmt(lr):
        return "-" if lr is None else f"{lr:.1e}"


    def review_note(result, suggestions):
        # what a person should look at before trusting the auto pick
        notes = []
        auto = suggestions["auto"]
        if auto.lr is None:
            notes.append("no auto pick")
        elif auto.confidence is not None and auto.confidence < 0.05:
            notes.append("methods disagree")
        if result.stop_reason == "completed":
            notes.append("reached end_lr without diverging")
        original, scaled = suggestions["slide_rule"].lr, suggestions["slide_rule_scaled"].lr
        if original and scaled and abs(math.log10(original / scaled)) > 1:
            notes.append("slide_rule >10x off (loss units?)")
        return "; ".join(notes)


    table = {}
    header = f"{'model':14s}{'loss0':>7s}" + "".join(f"{c:>9s}" for c in COLUMNS.values()) + "  conf  review"
    print(header)
    print("-" * len(header))
    for name, result in results.items():
        s = result.suggestions()
        table[name] = {m: s[m].lr for m in COLUMNS}
        conf = s["auto"].confidence
        print(
            f"{name:14s}{result.smoothed[0]:7.3g}" + "".join(f"{fmt(s[m].lr):>9s}" for m in COLUMNS)
            + f"  {'-' if conf is None else f'{conf:.2f}'}  {review_note(result, s)}"
        )
    """),
    md("""
    Things to notice (the digits may vary a little between machines; the patterns should not):

    * On the tabular classifiers, whose loss starts near `ln(classes)`, every method but `valley` lands
      within a few times of the others: an easy curve, and the original rule's threshold (0.05) was tuned
      on losses of this size.
    * On the **regression**, whose mean squared error starts above a hundred, the original rule's
      threshold is in the wrong units: the gradients at the two ends of its interval keep differing by more than 0.05 long
      after the runaway is behind it, so it slides much further left, more than a decade below the
      scale-free rules. `slide_rule_scaled` and `auto` do not care about the loss's units.
    * On the digits the sweep **reached `end_lr` without diverging** (the loss rose, but never passed 4 times
      its best): with no clean runaway to slide off, both slide rules stop late and pick high, up to the
      bottom of the curve. `auto` reads the whole descent rather than its end, so it does not follow them;
      the review column flags the curve anyway. Sweeping further, or with `div_factor` lower, gives the slide rules their cliff.
    * `valley` (fastai's rule, exactly) counts points of the longest falling run; on curves with a long,
      noisy plateau that run grows into the plateau and its pick drops (notebook 02).

    ## 3. Train every model at its automatic pick

    The point of automating: train each one at `auto`'s pick, unattended, and compare with one fixed rate for
    all (1e-3, Adam's usual default). Same seed, same initial weights, four epochs each.
    """),
    code("""
    def final_metric(task, lr):
        history = task.learner(seed=0).fit_one_cycle(4, lr, progress=False)
        return history[-1][task.metric]


    trained = {}
    print(f"{'model':14s} {'metric':>9s} {'auto lr':>9s} {'at auto':>9s} {'at 1e-3':>9s}")
    for name, task in TASKS.items():
        lr = table[name]["auto"] or 1e-3  # no pick: fall back to the default
        trained[name] = {"lr": lr, "auto": final_metric(task, lr), "fixed": final_metric(task, 1e-3)}
        row = trained[name]
        print(f"{name:14s} {task.metric:>9s} {lr:9.1e} {row['auto']:9.3f} {row['fixed']:9.3f}")
    (OUT / "summary.json").write_text(json.dumps({"suggestions": table, "trained": trained}, indent=1))
    """),
    md("""
    (Accuracy: higher is better; the regression's `loss` is a mean squared error: lower is better.) With four
    epochs, 1e-3 is too cautious for every one of these models; the range test found rates one to two
    decades higher that train much further in the same time. That is the forum thread's workflow: automate
    the pick to fire off many experiments, then look by hand at the ones the review column flags.

    ## 4. Reopen a saved result in the widget

    A saved result is plain JSON: `RangeTestResult.from_json` reads it back anywhere, without torch. The
    widget replays it: the curve, every suggestion, the slide rule's walk, and a click to pick a rate. Here
    the regression, the curve the original slide rule got wrong: look at the gradient pane.
    """),
    code("""
    saved = lw.RangeTestResult.from_json(OUT / "regression.json")
    assert saved == results["regression"]  # the JSON round trip is exact
    w = lw.LRFinderWidget(saved)  # replay: no model, no training
    display(w)
    """),
    code("""
    picked = w.lr or saved.suggest().lr  # a click in the widget wins; unattended, the auto pick
    original = saved.suggest("slide_rule").lr
    print(f"regression: picked {picked:.2e}; the original slide rule said {original:.1e}")
    print(sorted(p.name for p in OUT.glob("*.json")))
    """),
]

# ----------------------------------------------------------------------------------------------------
FINE_TUNING = [
    md("""
    # Discriminative fine-tuning: frozen body, unfrozen body, a slice of rates

    Transfer learning in miniature: a small convolutional **body** learns digits 0-4; a new **head** then
    learns digits 5-9 from only 200 labelled images. The usual recipe (fastai's `fine_tune`):

    1. **freeze** the body, train the head alone at the rate the range test suggests;
    2. **unfreeze**, run the range test again: the curve has a different shape now;
    3. train everything with **discriminative rates**, `slice(lo, hi)`: the body (first param group) gets
       `lo`, the head (last group) gets `hi`, groups in between are spread geometrically.

    In the forum thread that proposed the interval slide rule, its author was warned about step 2: *"test
    it on models that have been trained just after you unfreeze: those generally have a wildly different
    shape"*, and a user asked how to get the `lo` of a slice. Offline, CPU, about a minute. Helpers: `lrwidget/examples/transfer.py`.
    """),
    code("""
    import copy

    import matplotlib.pyplot as plt
    import torch
    from torch import nn

    import lrwidget as lw
    from lrwidget.engine.learner import param_groups, spread_lr
    from lrwidget.examples.transfer import FINETUNE_CLASSES, class_loaders, finetune_model, pretrained_body

    torch.set_num_threads(1)  # small model: one thread is fastest
    torch.manual_seed(0)
    loss_fn = nn.functional.cross_entropy

    body = pretrained_body(epochs=8)  # trained on digits 0-4 (a few seconds)
    train_dl, valid_dl = class_loaders(FINETUNE_CLASSES, n_train=200, batch_size=32)
    model = finetune_model(body)  # a copy of the body and a new 5-class head
    print(f"{len(train_dl.dataset)} training and {len(valid_dl.dataset)} validation images of digits 5-9")
    """),
    md("""
    ## 1. Frozen body: train the head

    Freezing means the body's weights get no gradient (`requires_grad_(False)`) and the optimizer holds only
    the head's parameters. The range test then measures how fast the head alone can learn.
    """),
    code("""
    model.body.requires_grad_(False)
    frozen = lw.Learner(model, torch.optim.AdamW(model.head.parameters()), loss_fn, train_dl, valid_dl)
    frozen_result = frozen.lr_find(num_it=100, progress=False)
    head_lr = frozen_result.suggest().lr
    print(frozen_result)
    print(f"auto suggests {head_lr:.2e} for the head")
    for row in frozen.fit_one_cycle(3, head_lr, progress=False):
        print(f"epoch {row['epoch'] + 1}: valid loss {row['loss']:.3f}  accuracy {row['accuracy']:.1%}")
    """),
    md("""
    ## 2. Unfreeze and test again

    Now everything trains, with **one param group per part** (`param_groups(model.body, model.head)`), so
    each part can get its own rate. During the sweep both groups follow the same ladder.

    Run it in the widget and switch it to **"drag: pick a slice"**: a drag across the loss pane picks
    `(lo, hi)`, shown as a band; the decision strip's two handles do the same. `w.lr_slice` holds it.
    """),
    code("""
    model.body.requires_grad_(True)
    optimizer = torch.optim.AdamW(param_groups(model.body, model.head))  # group 0: body, group 1: head
    unfrozen = lw.Learner(model, optimizer, loss_fn, train_dl, valid_dl)
    state = copy.deepcopy(model.state_dict())  # to start both comparisons below from the same weights

    w = lw.LRFinderWidget(unfrozen, num_it=100)
    w.mode = "slice"
    display(w)
    w.start()
    """),
    code("""
    w.wait()
    unfrozen_result = w.result
    print(unfrozen_result)

    fig, (ax_both, ax_zoom) = plt.subplots(1, 2, figsize=(12, 4))
    curves = [
        ("frozen body (head only)", frozen_result, "#8C8C8C"),
        ("unfrozen, after the head's training", unfrozen_result, "#2F8FD8"),
    ]
    for label, r, color in curves:
        ax_both.plot(r.lrs, r.smoothed, color=color, lw=2, label=label)
    ax_both.set(xscale="log", xlabel="learning rate (log)", ylabel="smoothed loss", title="before and after")
    ax_both.set_ylim(0, 1.5 * max(frozen_result.smoothed[0], unfrozen_result.smoothed[0]))
    ax_both.legend()

    r = unfrozen_result
    ax_zoom.plot(r.lrs, r.losses, color="#8AA9C9", lw=1, alpha=0.6, label="raw")
    ax_zoom.plot(r.lrs, r.smoothed, color="#2F8FD8", lw=2, label="smoothed")
    if r.lr_slice() is not None:
        lo, hi = r.lr_slice()
        ax_zoom.axvspan(lo, hi, color="#9B8AE6", alpha=0.25, label=f"suggested slice {lo:.1e} .. {hi:.1e}")
    ax_zoom.set(xscale="log", xlabel="learning rate (log)", title="unfrozen, on its own scale")
    ax_zoom.set_ylim(0, 3 * r.smoothed[0])
    ax_zoom.legend(fontsize=8)
    plt.tight_layout()
    plt.show()
    """),
    md("""
    The two curves differ in shape, not only in height:

    * **frozen**, with a fresh head: the loss starts near `ln 5 = 1.6` and falls a long way: a classic curve;
    * **unfrozen**, after the head has trained: it starts low, and there is little left to fall; the curve is
      a long plateau with a shallow dip, then the runaway comes **earlier**, because large steps now also
      shake the body that every prediction depends on.

    So the frozen curve's rate is no guide for the unfrozen model: test again after unfreezing.

    ## 3. A slice of rates

    `result.lr_slice()` proposes `(lo, hi)`: `hi` is the auto pick (for the last group, the head); `lo` is
    where the descent starts, kept between `hi/100` and `hi/10` (for the first group, the body). If you
    dragged a slice in the widget, `w.lr_slice` has it; run top to bottom, it is `None` and we use the
    suggestion.
    """),
    code("""
    suggested_slice = unfrozen_result.lr_slice()
    lr_slice = w.lr_slice or suggested_slice
    lo, hi = lr_slice
    print(f"suggested slice: {suggested_slice}")
    print(f"using slice({lo:.2e}, {hi:.2e}): body at {lo:.2e}, head at {hi:.2e}")
    print("peak rate per param group (body, head):", [f"{x:.2e}" for x in spread_lr(slice(lo, hi), 2)])
    """),
    md("""
    ## 4. Slice or single rate?

    From the same weights (the head trained, body unfrozen), three epochs each:

    * `slice(lo, hi)`: discriminative rates;
    * `hi` for everything: one rate;
    * the body kept **frozen**, the head trained on at its own rate.
    """),
    code("""
    def train(lr, freeze_body=False, epochs=3):
        model.load_state_dict(state)
        model.body.requires_grad_(not freeze_body)
        groups = param_groups(model.head) if freeze_body else param_groups(model.body, model.head)
        learner = lw.Learner(model, torch.optim.AdamW(groups), loss_fn, train_dl, valid_dl)
        return learner.fit_one_cycle(epochs, lr, progress=False)[-1]


    comparison = {
        f"slice({lo:.1e}, {hi:.1e})": train(slice(lo, hi)),
        f"single rate {hi:.1e}": train(hi),
        f"body frozen, head at {head_lr:.1e}": train(head_lr, freeze_body=True),
    }
    for label, row in comparison.items():
        print(f"{label:34s} valid loss {row['loss']:.3f}  accuracy {row['accuracy']:.1%}")
    """),
    md("""
    How to read it: unfreezing usually helps here (the body was trained on other digits, and its features
    need adjusting to 5-9). Whether the slice beats one rate depends on how good the body already is: for a large
    body pretrained on a large dataset (an ImageNet ResNet, a language model), the low rate protects
    features that took days to learn, and the slice usually wins. Our body saw five classes of 8x8 pixels
    for a few seconds, so it has less to protect, and the gap is small either way; your run may rank the
    first two differently. The range test's job is the same in both cases: give `hi` a rate the unfrozen
    model can take, and `lo` one that was still safe in the sweep.
    """),
]

# ----------------------------------------------------------------------------------------------------
FASTAI = [
    md("""
    # The widget on a fastai `Learner`

    `LRFinderWidget` accepts a fastai `Learner` as it is: it runs the sweep over `learn.model`,
    `learn.dls.train`, `learn.loss_func` and `learn.opt`, and restores them afterwards (fastai is never
    imported by lrwidget unless you hand it a fastai object). Here it runs side by side with fastai's own
    `learn.lr_find(suggest_funcs=(minimum, steep, valley, slide))`.

    fastai is not a dependency of lrwidget. Its pins pull in a lot, so install it without them:

    ```
    pip install --no-deps fastai fastcore fasttransform plum-dispatch beartype rich fastdownload pyyaml pandas requests tqdm "fastprogress==1.0.3"
    ```

    Without fastai, this notebook says so and skips the rest (every cell below checks `HAVE_FASTAI`).
    """),
    code("""
    import numpy as np
    import torch
    from torch import nn

    import lrwidget as lw
    from lrwidget.examples.digits import digits_tensors, small_cnn

    torch.set_num_threads(1)  # small model: one thread is fastest
    try:
        from fastai.callback.schedule import minimum, slide, steep, valley  # adds lr_find too
        from fastai.data.core import DataLoaders
        from fastai.learner import Learner
        from fastai.metrics import accuracy

        HAVE_FASTAI = True
    except ImportError as exc:
        HAVE_FASTAI = False
        print(f"fastai is not installed ({exc}); the rest of this notebook is skipped. To run it:")
        print('  pip install --no-deps fastai fastcore fasttransform plum-dispatch beartype rich fastdownload '
              'pyyaml pandas requests tqdm "fastprogress==1.0.3"')
    """),
    md("""
    ## A fastai Learner from plain tensors

    No image files and no DataBlock: fastai's `DataLoaders.from_dsets` takes any PyTorch datasets, here the
    bundled digits as `TensorDataset`s, and `Learner` takes any `nn.Module`.
    """),
    code("""
    if HAVE_FASTAI:
        torch.manual_seed(0)
        train_ds, valid_ds = digits_tensors()
        dls = DataLoaders.from_dsets(train_ds, valid_ds, bs=64, device="cpu")
        learn = Learner(dls, small_cnn(), loss_func=nn.CrossEntropyLoss(), metrics=accuracy)
        print(learn.opt_func.__name__, "with", len(dls.train), "batches per epoch")
    """),
    md("""
    ## fastai's `lr_find`

    fastai plots its curve and marks its four suggestions. It drops the first 10 % and the last 5 points
    of the curve before suggesting. `slide` is fastai's adaptation of the interval slide rule from the forum
    thread: the same loop, with a threshold of 0.005 instead of the original 0.05, and, where the loop never
    runs, the first interval's left end instead of the original code's crash.
    """),
    code("""
    if HAVE_FASTAI:
        fastai_suggestions = learn.lr_find(suggest_funcs=(minimum, steep, valley, slide))
        print(fastai_suggestions)
    """),
    md("""
    ## The widget on the same Learner

    The same model, optimizer and data; the sweep is lrwidget's own (it reaches `end_lr`; fastai stops just
    short of it), so the two curves are two runs and differ a little in their noise.
    """),
    code("""
    if HAVE_FASTAI:
        w = lw.LRFinderWidget(learn, num_it=100)
        display(w)
        w.start()
    """),
    md("""
    ## Side by side

    Three columns: fastai's suggestions on fastai's curve, lrwidget's on lrwidget's curve, and lrwidget's
    suggesters on **fastai's** curve (`learn.recorder` keeps its learning rates and smoothed losses), which
    separates differences between the curves from differences between the rules.
    """),
    code("""
    if HAVE_FASTAI:
        w.wait()
        ours = w.result.suggestions()
        fastai_curve = lw.RangeTestResult(
            np.array(learn.recorder.lrs, dtype=float),
            np.array([float(v) for v in learn.recorder.losses]),
            smoothed=np.array([float(v) for v in learn.recorder.losses]),  # fastai records the smoothed loss
        )
        on_fastai_curve = fastai_curve.suggestions()

        def fmt(lr):
            return "-" if lr is None else f"{lr:.2e}"

        rows = [  # (fastai's name, lrwidget's name)
            ("minimum", "minimum"),
            ("steep", "steepest"),
            ("valley", "valley"),
            ("slide", "slide_rule"),
            (None, "slide_rule_scaled"),
            (None, "auto"),
        ]
        print(f"{'method':30s} {'fastai':>10s} {'lrwidget':>10s} {'lrwidget on fastai curve':>26s}")
        for fa, ours_name in rows:
            theirs = fmt(getattr(fastai_suggestions, fa)) if fa else ""
            label = f"{fa or '':8s} / {ours_name}"
            mine, mine_on_theirs = fmt(ours[ours_name].lr), fmt(on_fastai_curve[ours_name].lr)
            print(f"{label:30s} {theirs:>10s} {mine:>10s} {mine_on_theirs:>26s}")
        skip = 100 // 10  # fastai's lr_find drops the first num_it // 10 and the last 5 points
        valley_on_fastai_points = lw.suggest.valley(fastai_curve.lrs[skip:-5], fastai_curve.smoothed[skip:-5])
        print("lrwidget's valley on the points fastai's valley read:", fmt(valley_on_fastai_points.lr))
        print("lrwidget's sweep:", w.result)
    """),
    md("""
    Reading the table:

    * Between the **second and third columns** only the curve differs (two runs of the sweep), between the
      **first and third** only the rule. On the same curve `minimum` and `steep` match fastai's (to a
      point of the grid or so): simple, well-defined readings of the curve.
    * `valley` is fastai's rule exactly (same index on the same losses; the tests compare it with fastai's
      own function). The difference on fastai's curve comes from the points fastai drops first (the first
      10 % and the last 5): `valley_on_fastai_points` below reads exactly the points fastai's `valley` read.
    * `slide`: fastai's threshold is ten times lower than the original's, so its interval slides further left
      and picks lower. `slide_rule` here is the original rule, exactly; `slide_rule_scaled` and `auto` are
      lrwidget's scale-free variant and default pick.

    ## Train with fastai, at the widget's pick

    `w.value` is what you clicked; run top to bottom, it is `None` and the auto suggestion is used. fastai's
    own `fit_one_cycle` trains, exactly as it would with a rate from its `lr_find`.
    """),
    code("""
    if HAVE_FASTAI:
        lr = w.value if w.value is not None else w.result.suggest().lr
        print(f"fit_one_cycle(2, {lr:.2e})")
        learn.fit_one_cycle(2, lr)
        valid_loss, valid_accuracy = learn.validate()
        print(f"valid loss {valid_loss:.3f}, accuracy {valid_accuracy:.1%}")
    """),
]

NOTEBOOKS = {
    "01_quickstart.ipynb": QUICKSTART,
    "02_teaching_the_range_test.ipynb": TEACHING,
    "03_automating_many_models.ipynb": AUTOMATING,
    "04_discriminative_fine_tuning.ipynb": FINE_TUNING,
    "05_fastai.ipynb": FASTAI,
}


def build(name: str) -> nbformat.NotebookNode:
    """The notebook ``name`` with no outputs, fixed cell ids and the python3 kernelspec."""
    cells = []
    for i, (kind, source) in enumerate(NOTEBOOKS[name], start=1):
        new = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        cell = new(source)
        cell["id"] = f"cell-{i:02d}"
        cells.append(cell)
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    return nb


def text(nb: nbformat.NotebookNode) -> str:
    """The file's exact text (what ``nbformat.write`` produces), with a final newline."""
    return nbformat.writes(nb) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name in NOTEBOOKS:
        path = HERE / name
        want = text(build(name))
        if check:
            if not path.is_file() or path.read_text(encoding="utf-8") != want:
                stale.append(name)
        else:
            path.write_text(want, encoding="utf-8")
            print(f"wrote {path}")
    if stale:
        print("out of date (run python notebooks/_build.py):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
