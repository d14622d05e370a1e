# %% [markdown]
# # The widget on a fastai `Learner`
#
# `LRFinderWidget` accepts a fastai `Learner` as it is: it runs the sweep over `learn.model`,
# `learn.dls.train`, `learn.loss_func` and `learn.opt`, and restores them afterwards (fastai is never
# imported by lrwidget unless you hand it a fastai object). Here it runs side by side with fastai's own
# `learn.lr_find(suggest_funcs=(minimum, steep, valley, slide))`.
#
# fastai is not a dependency of lrwidget. Its pins pull in a lot, so install it without them:
#
# ```
# pip install --no-deps fastai fastcore fasttransform plum-dispatch beartype rich fastdownload pyyaml pandas requests tqdm "fastprogress==1.0.3"
# ```
#
# Without fastai, this notebook says so and skips the rest (every cell below checks `HAVE_FASTAI`).

# %%
import numpy as np
import torch
from torch import nn

import lrwidget as lw
from lrwidget.core.formatting import format_lr
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

# %% [markdown]
# ## A fastai Learner from plain tensors
#
# No image files and no DataBlock: fastai's `DataLoaders.from_dsets` takes any PyTorch datasets, here the
# bundled digits as `TensorDataset`s, and `Learner` takes any `nn.Module`.

# %%
if HAVE_FASTAI:
    torch.manual_seed(0)
    train_ds, valid_ds = digits_tensors()
    dls = DataLoaders.from_dsets(train_ds, valid_ds, bs=64, device="cpu")
    learn = Learner(dls, small_cnn(), loss_func=nn.CrossEntropyLoss(), metrics=accuracy)
    print(learn.opt_func.__name__, "with", len(dls.train), "batches per epoch")

# %% [markdown]
# ## fastai's `lr_find`
#
# fastai plots its curve and marks its four suggestions. It drops the first 10 % and the last 5 points
# of the curve before suggesting. `slide` is fastai's adaptation of the interval slide rule from the forum
# thread: the same loop, with a threshold of 0.005 instead of the original 0.05, and, where the loop never
# runs, the first interval's left end instead of the original code's crash.

# %%
if HAVE_FASTAI:
    fastai_suggestions = learn.lr_find(suggest_funcs=(minimum, steep, valley, slide))
    print("fastai suggests:", ", ".join(f"{k} {format_lr(v)}" for k, v in fastai_suggestions._asdict().items()))

# %% [markdown]
# ## The widget on the same Learner
#
# The same model, optimizer and data; the sweep is lrwidget's own (it reaches `end_lr`; fastai stops just
# short of it), so the two curves are two runs and differ a little in their noise.

# %%
if HAVE_FASTAI:
    w = lw.LRFinderWidget(learn, num_it=100)
    display(w)
    w.start()

# %% [markdown]
# ## Side by side
#
# Three columns: fastai's suggestions on fastai's curve, lrwidget's on lrwidget's curve, and lrwidget's
# suggesters on **fastai's** curve (`learn.recorder` keeps its learning rates and smoothed losses), which
# separates differences between the curves from differences between the rules.

# %%
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
        return "-" if lr is None else format_lr(lr)

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

# %% [markdown]
# Reading the table:
#
# * Between the **second and third columns** only the curve differs (two runs of the sweep), between the
#   **first and third** only the rule. On the same curve `minimum` and `steep` match fastai's (to a
#   point of the grid or so): simple, well-defined readings of the curve.
# * `valley` is fastai's rule exactly (same index on the same losses; the tests compare it with fastai's
#   own function). The difference on fastai's curve comes from the points fastai drops first (the first
#   10 % and the last 5): `valley_on_fastai_points` below reads exactly the points fastai's `valley` read.
# * `slide`: fastai's threshold is ten times lower than the original's, so its interval slides further left
#   and picks lower. `slide_rule` here is the original rule, exactly; `slide_rule_scaled` and `auto` are
#   lrwidget's scale-free variant and default pick.
#
# ## Train with fastai, at the widget's pick
#
# `w.value` is what you clicked; run top to bottom, it is `None` and the auto suggestion is used. fastai's
# own `fit_one_cycle` trains, exactly as it would with a rate from its `lr_find`.

# %%
if HAVE_FASTAI:
    lr = w.value if w.value is not None else w.result.suggest().lr
    print(f"fit_one_cycle(2, {format_lr(lr)})")
    learn.fit_one_cycle(2, lr)
    valid_loss, valid_accuracy = learn.validate()
    print(f"valid loss {valid_loss:.3f}, accuracy {valid_accuracy:.1%}")
