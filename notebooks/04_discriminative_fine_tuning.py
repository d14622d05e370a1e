# %% [markdown]
# # Discriminative fine-tuning: frozen body, unfrozen body, a slice of rates
#
# Transfer learning in miniature: a small convolutional **body** learns digits 0-4; a new **head** then
# learns digits 5-9 from only 200 labelled images. The usual recipe (fastai's `fine_tune`):
#
# 1. **freeze** the body, train the head alone at the rate the range test suggests;
# 2. **unfreeze**, run the range test again: the curve has a different shape now;
# 3. train everything with **discriminative rates**, `slice(lo, hi)`: the body (first param group) gets
#    `lo`, the head (last group) gets `hi`, groups in between are spread geometrically.
#
# In the forum thread that proposed the interval slide rule, its author was warned about step 2: *"test
# it on models that have been trained just after you unfreeze: those generally have a wildly different
# shape"*, and a user asked how to get the `lo` of a slice. Offline, CPU, about a minute. Helpers: `lrwidget/examples/transfer.py`.

# %%
import copy
import math

import matplotlib.pyplot as plt
import torch
from torch import nn

import lrwidget as lw
from lrwidget.core.formatting import format_lr
from lrwidget.engine.learner import param_groups, spread_lr
from lrwidget.examples.transfer import FINETUNE_CLASSES, class_loaders, finetune_model, pretrained_body

torch.set_num_threads(1)  # small model: one thread is fastest
torch.manual_seed(0)
loss_fn = nn.functional.cross_entropy

body = pretrained_body(epochs=8)  # trained on digits 0-4 (a few seconds)
train_dl, valid_dl = class_loaders(FINETUNE_CLASSES, n_train=200, batch_size=32)
model = finetune_model(body)  # a copy of the body and a new 5-class head
print(f"{len(train_dl.dataset)} training and {len(valid_dl.dataset)} validation images of digits 5-9")

# %% [markdown]
# ## 1. Frozen body: train the head
#
# Freezing means the body's weights get no gradient (`requires_grad_(False)`) and the optimizer holds only
# the head's parameters. The range test then measures how fast the head alone can learn.

# %%
model.body.requires_grad_(False)
frozen = lw.Learner(model, torch.optim.AdamW(model.head.parameters()), loss_fn, train_dl, valid_dl)
frozen_result = frozen.lr_find(num_it=100, progress=False)
head_lr = frozen_result.suggest().lr
print(frozen_result)
chance = math.log(len(FINETUNE_CLASSES))  # the loss of a uniform guess over the five classes
print(f"smoothed loss at the first step {frozen_result.smoothed[0]:.2f}; a uniform guess scores ln 5 = {chance:.2f}")
print(f"auto suggests {format_lr(head_lr)} for the head")
for row in frozen.fit_one_cycle(3, head_lr, progress=False):
    print(f"epoch {row['epoch'] + 1}: valid loss {row['loss']:.3f}  accuracy {row['accuracy']:.1%}")

# %% [markdown]
# ## 2. Unfreeze and test again
#
# Now everything trains, with **one param group per part** (`param_groups(model.body, model.head)`), so
# each part can get its own rate. During the sweep both groups follow the same ladder.
#
# Run it in the widget and switch it to **"drag: pick a slice"**: a drag across the loss pane picks
# `(lo, hi)`, shown as a band; the decision strip's two handles do the same. `w.lr_slice` holds it.

# %%
model.body.requires_grad_(True)
optimizer = torch.optim.AdamW(param_groups(model.body, model.head))  # group 0: body, group 1: head
unfrozen = lw.Learner(model, optimizer, loss_fn, train_dl, valid_dl)
state = copy.deepcopy(model.state_dict())  # to start both comparisons below from the same weights

w = lw.LRFinderWidget(unfrozen, num_it=100)
w.mode = "slice"
display(w)
w.start()

# %%
w.wait()
unfrozen_result = w.result
print(unfrozen_result)
print(f"first smoothed loss: frozen {frozen_result.smoothed[0]:.2f}, unfrozen {unfrozen_result.smoothed[0]:.2f}")

fig, (ax_both, ax_zoom) = plt.subplots(1, 2, figsize=(12, 4))
curves = [
    ("frozen body (head only)", frozen_result, "#8C8C8C"),
    ("unfrozen, after the head's training", unfrozen_result, "#2F8FD8"),
]
for label, r, color in curves:
    ax_both.plot(r.lrs, r.smoothed, color=color, lw=2, label=label)
ax_both.set(xscale="log", xlabel="learning rate (log)", ylabel="smoothed loss", title="before and after")
ax_both.axhline(chance, color="k", ls=":", lw=1, label=f"a uniform guess: ln 5 = {chance:.2f}")
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

# %% [markdown]
# The two curves differ in shape, not only in height:
#
# * **frozen**, with a fresh head: the loss starts at about the loss of a uniform guess over five classes
#   (`ln 5`, printed with the frozen sweep above) or higher, as a random head is no better than guessing, and
#   falls a long way: a classic curve;
# * **unfrozen**, after the head has trained: it starts low, and there is little left to fall; the curve is
#   a long plateau with a shallow dip, then the runaway comes **earlier**, because large steps now also
#   shake the body that every prediction depends on.
#
# So the frozen curve's rate is no guide for the unfrozen model: test again after unfreezing.
#
# ## 3. A slice of rates
#
# `result.lr_slice()` proposes `(lo, hi)`: `hi` is the auto pick (for the last group, the head) and `lo`
# is `hi / 10` (for the first group, the body), fastai's ratio. In slice mode the widget starts on that
# same suggestion when the sweep ends, so `w.lr_slice` holds it until you drag another slice; then it
# holds yours.

# %%
suggested_slice = unfrozen_result.lr_slice()
lr_slice = w.lr_slice or suggested_slice  # yours if you dragged one, else the suggestion
lo, hi = lr_slice
print(f"suggested slice: slice({format_lr(suggested_slice[0])}, {format_lr(suggested_slice[1])})")
print(f"using slice({format_lr(lo)}, {format_lr(hi)}): body at {format_lr(lo)}, head at {format_lr(hi)}")
print("peak rate per param group (body, head):", [format_lr(x) for x in spread_lr(slice(lo, hi), 2)])


# %% [markdown]
# ## 4. Slice or single rate?
#
# From the same weights (the head trained, body unfrozen), three epochs each:
#
# * `slice(lo, hi)`: discriminative rates;
# * `hi` for everything: one rate;
# * the body kept **frozen**, the head trained on at its own rate.

# %%
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

# %% [markdown]
# How to read it: unfreezing usually helps here (the body was trained on other digits, and its features
# need adjusting to 5-9). Whether the slice beats one rate depends on how good the body already is: for a large
# body pretrained on a large dataset (an ImageNet ResNet, a language model), the low rate protects
# features that took days to learn, and the slice usually wins. Our body saw five classes of 8x8 pixels
# for a few seconds, so it has less to protect, and the gap is small either way; your run may rank the
# first two differently. The range test's job is the same in both cases: give `hi` a rate the unfrozen
# model can take, and `lo` one that was still safe in the sweep.
