# %% [markdown]
# # Quickstart: find a learning rate, pick it, train with it
#
# The **learning-rate range test** (Leslie Smith) trains your model for about a hundred mini-batches
# while the learning rate grows from tiny (1e-7) to huge (10), and records the loss at every step.
# Where the loss falls fastest, before it blows up, lies a good rate to train with. The model and the
# optimizer are put back as they were afterwards, so the test costs seconds, not a training run.
#
# In this notebook (a small CNN on scikit-learn's bundled 8x8 digits: offline, CPU, well under a minute):
#
# 1. wrap a model, its optimizer, loss and data in `lrwidget.Learner`;
# 2. run the range test in the widget and pick a rate;
# 3. train with the rate you picked.

# %%
import torch
from torch import nn

import lrwidget as lw
from lrwidget.core.formatting import format_lr, format_slice  # the widget's way of writing a rate
from lrwidget.examples.digits import digits_loaders, small_cnn

torch.set_num_threads(1)  # a model this small trains fastest on one thread
torch.manual_seed(0)

train_dl, valid_dl = digits_loaders(batch_size=64)  # a seeded 80/20 split of the 1,797 images
print(f"{len(train_dl.dataset):,} training and {len(valid_dl.dataset):,} validation images")
model = small_cnn()  # ~6k parameters
optimizer = torch.optim.AdamW(model.parameters())  # its lr is set by the sweep, then by training
learn = lw.Learner(model, optimizer, nn.functional.cross_entropy, train_dl, valid_dl)
before = learn.validate()
print(f"before training: valid loss {before['loss']:.3f}, accuracy {before['accuracy']:.1%} (chance: 10 %)")

# %% [markdown]
# ## 1. Run the range test
#
# `start()` runs the sweep in a background thread: the cell returns at once, the curve draws while the
# sweep runs, and the kernel stays free for your clicks. The **Run** button does the same and **Stop**
# ends it early. Keywords such as `num_it`, `start_lr`, `end_lr` go to `lr_find`.

# %%
w = lw.LRFinderWidget(learn, num_it=100)  # 100 steps from 1e-7 to 10
display(w)
w.start()

# %% [markdown]
# ## 2. Read the curve and pick a rate
#
# * **Loss pane**: the faint line is the raw loss of each batch, the bold line the smoothed loss (what
#   the suggesters read). The coloured markers are the picks of the suggestion methods; the header says
#   what the recommended one (`auto`) suggests.
# * **Gradient pane** below it: the *interval slide rule* at work (notebook 02 explains it).
# * **Pick**: click a point of the loss curve or a marker; or, on the *decision strip* at the bottom,
#   click a suggestion's tick, or drag the handle (the arrow keys nudge it) and press **Accept** (or
#   Enter). Your pick is `w.lr`; the strip also shows it as a snippet to copy. In *slice* mode a drag
#   across the plot picks a range, `w.lr_slice` (notebook 04).
#
# The next cell waits for the sweep to end (it returns at once if it has) and lists every method's
# suggestion. A method that finds nothing says why instead of guessing.

# %%
w.wait()
result = w.result
print(result)
for name, s in result.suggestions().items():
    lr = "-" if s.lr is None else format_lr(s.lr)
    print(f"{name:18s} {lr:>9s}   {s.reason}")

# %% [markdown]
# ## 3. Train with your pick
#
# `w.value` is what you picked: `w.lr`, or `slice(lo, hi)` in slice mode. If you ran the notebook top to
# bottom without clicking, it is `None`, and we fall back to the automatic suggestion,
# `result.suggest()` (method `"auto"`: it reads the raw loss through a window centred on each point, the
# dashed "what auto reads" line, and takes the rate where that loss has made 80 % of its fall, blended
# with its minimum; measured on 51 tasks in `docs/suggestion_quality.md`).
#
# `fit_one_cycle` trains with the one-cycle policy: the rate warms up to the value given, then anneals.
# Each epoch prints one line (`progress=False`: no progress bar left behind in the saved notebook).

# %%
choice = w.value
if choice is None:
    choice = result.suggest().lr
    print(f"nothing picked in the widget: using the auto suggestion, lr = {format_lr(choice)}")
else:
    shown = format_slice(choice.start, choice.stop) if isinstance(choice, slice) else format_lr(choice)
    print(f"training with your pick: {shown}")

history = learn.fit_one_cycle(3, choice, progress=False)
for row in history:
    print(f"epoch {row['epoch'] + 1}: train loss {row['train_loss']:.3f}  "
          f"valid loss {row['loss']:.3f}  accuracy {row['accuracy']:.1%}")

# %%
metrics = learn.validate()
print(f"after 3 epochs: accuracy {metrics['accuracy']:.1%} (it was {before['accuracy']:.1%} before)")

# %% [markdown]
# ## Where next
#
# * `02_teaching_the_range_test.ipynb`: what the test does and why, the classic experiment (a rate at the
#   suggestion learns, far above it fails, far below it crawls), the slide rule step by step, and the
#   curve shapes that fool each rule.
# * `03_automating_many_models.ipynb`: the test without a widget, over many models, results saved as JSON.
# * `04_discriminative_fine_tuning.ipynb`: frozen body, unfrozen body, and a `slice(lo, hi)` of rates.
# * `05_fastai.ipynb`: the widget on a fastai `Learner`, next to fastai's own `lr_find`.
