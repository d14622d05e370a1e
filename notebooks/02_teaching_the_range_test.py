# %% [markdown]
# # Teaching the learning-rate range test
#
# 1. What the test does, and why it works
# 2. The classic experiment: train at the suggestion, far above it, far below it
# 3. The interval slide rule, step by step
# 4. Curve shapes that fool each rule
#
# Everything runs offline on CPU in about a minute (scikit-learn's bundled 8x8 digits, a ~6k-parameter CNN).

# %% [markdown]
# ## 1. What the test does, and why it works
#
# The learning rate is the size of each training step. Too small, and the loss barely moves in the time
# you have; too large, and every step overshoots, so the loss climbs or turns into `nan`. The useful
# range spans orders of magnitude and moves with the model, the optimizer, the batch size and the data,
# so a guess is expensive: each wrong one costs a training run.
#
# The range test (Leslie Smith, *Cyclical Learning Rates for Training Neural Networks*, 2015; made
# popular by fastai) spends one short run instead. Starting from the untrained model, it takes one
# optimizer step per mini-batch and multiplies the learning rate by a constant factor after each, from
# 1e-7 to 10 over 100 steps (equal steps on a log axis), recording the loss of every step. On a log axis
# the curve has four parts:
#
# * a **plateau** on the left: steps too small to change anything;
# * a **descent**: the rate is large enough to learn quickly;
# * a **bottom**: the fastest learning turns into overshooting;
# * a **runaway**: the loss explodes; the sweep stops early when the smoothed loss passes 4 times its best.
#
# Why read a rate off it? Each step of the sweep shows how much progress that rate makes from (roughly)
# the current weights. A good training rate sits **in the descent**, where the loss falls fastest, not
# at the bottom: real training takes thousands of steps at that rate, and a rate that is already on the
# edge of overshooting in the sweep will overshoot in training. The answer is an order of magnitude, not
# a precise number: each point is one noisy batch (so the curve is smoothed with a bias-corrected
# moving average first), and the rate and the training time grow together along the sweep.
#
# Afterwards the weights, the optimizer state and the random state are restored, as if nothing happened.

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

import lrwidget as lw
from lrwidget.examples.digits import digits_loaders, small_cnn
from lrwidget.widget.registry import method_color, method_label

torch.set_num_threads(1)  # a model this small trains fastest on one thread


def new_learner(seed=0):
    """The same model, initial weights and batch order every time (the experiment needs that)."""
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


# %%
def plot_curve(ax, lrs, raw, smoothed, picks=(), title=""):
    """Raw loss faint, smoothed bold, one dashed line per pick; the runaway clipped from view."""
    ax.plot(lrs, raw, color="#8AA9C9", lw=1, alpha=0.6, label="raw loss")
    ax.plot(lrs, smoothed, color="#3B82C4", lw=2.2, label="smoothed")
    for name, lr in picks:
        if lr is not None:
            label = f"{method_label(name)} {lr:.2g}"
            ax.axvline(lr, color=method_color(name), ls="--", lw=1.4, label=label)
    ax.set_xscale("log")
    low = min(np.nanmin(raw[np.isfinite(raw)]), np.nanmin(smoothed))
    start = smoothed[0]
    ax.set_ylim(low - 0.05 * (start - low), start + 0.6 * (start - low))  # the runaway is cut off
    ax.set_xlabel("learning rate (log)")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))


def phases(lrs, smoothed, margin=0.1):
    """Where the four parts of the curve begin, read off the smoothed loss: the bottom within ``margin`` of
    the fall (plateau to lowest point) above the lowest point, the descent after the last point before
    that still within 5 % of the plateau, the runaway where, past the lowest point, it leaves the bottom."""
    plateau, low = float(np.median(smoothed[:10])), float(np.nanmin(smoothed))
    fall, i_low = plateau - low, int(np.nanargmin(smoothed))
    i_bottom = int(np.argmax(smoothed < low + margin * fall))
    flat = np.flatnonzero(smoothed[:i_bottom] >= plateau - 0.05 * fall)
    i_descent = int(flat[-1]) + 1 if flat.size else 0
    above = np.flatnonzero(smoothed[i_low:] > low + margin * fall)
    i_runaway = i_low + int(above[0]) if above.size else len(lrs) - 1
    return {"plateau": lrs[0], "descent": lrs[i_descent], "bottom": lrs[i_bottom], "runaway": lrs[i_runaway]}


def mark_phases(ax, lrs, smoothed):
    """Shade and name the plateau, descent, bottom and runaway on a loss plot."""
    starts = phases(lrs, smoothed)
    edges = [*starts.values(), lrs[-1]]
    shades = ["#EEEEEE", "#DCEBF7", "#DFF2E1", "#FBE3D6"]
    for (name, lo), hi, shade in zip(starts.items(), edges[1:], shades):
        ax.axvspan(lo, hi, color=shade, alpha=0.7, lw=0, zorder=0)
        ax.text((lo * hi) ** 0.5, 0.97, name, transform=ax.get_xaxis_transform(), ha="center", va="top",
                fontsize=9, color="#333")
    return starts


fig, ax = plt.subplots(figsize=(9, 4))
picks = [(name, s.lr) for name, s in suggestions.items()]
title = "range test: small CNN on digits, AdamW"
plot_curve(ax, result.lrs, result.losses, result.smoothed, picks, title)
starts = mark_phases(ax, result.lrs, result.smoothed)
plt.show()
print("  ".join(f"{name} from {lr:.1e}" for name, lr in starts.items()))

# %% [markdown]
# ## 2. The classic experiment
#
# fastai v1's documentation of `lr_find` ran it on MNIST digits, read **3e-2**
# off the steepest part of the curve, and trained the same model three times for two epochs:
#
# | rate | what happened |
# |---|---|
# | 3e-2, from the curve | 98.5 % accuracy |
# | 1e0, near the loss minimum ("don't just pick the minimum") | 49.6 %: chance on two classes, it learned nothing |
# | 1e-3, before the descent | 94.7 %: it learns, slowly |
#
# We repeat it on our digits: the same initial weights and batch order each time, two epochs of
# one-cycle training at the **suggestion** (`auto`), at the rate where the **smoothed loss was lowest**,
# and **100 times below** the suggestion. Your numbers will differ a little from run to run (threads add
# rounding noise), the ranking should not.
#
# First, look at the curve above: the raw loss (faint) starts falling earlier than the smoothed one. The
# moving average (beta 0.98) trails the loss by about 50 points: at 100 points over 8 decades that is
# decades of learning rate, at 1,000 points still half a decade, so any rule that reads it picks a
# different rate when you change `num_it`. The published rules read that smoothed curve, as fastai's do.
# `auto` reads the raw losses through a window centred on each point, half a decade of learning rate on
# either side (a running median, then a mean: `lw.suggest.reading_curve`), which does not trail the
# loss. Two more things it knows about the sweep: the model trains during it, so a longer sweep makes
# the same progress at lower rates (its descent comes earlier by `log10` of the ratio of points per
# decade, and `auto` moves its descent anchor back by that); and a sweep that stopped before the loss
# turned up shows no real minimum, which `auto` then says in `caveats`. Its `confidence` is an estimate
# that the rates within 0.3 decade of the pick are safe, fitted on the benchmark: lower when its two
# anchors disagree, when the sweep diverged, and when the fall is shallow against the noise. Below about
# 0.85 (the benchmark's lowest third, which held most of its failures) look at the curve before trusting
# it.
# The next cell draws what it reads.

# %%
auto_pick = suggestions["auto"]
read = lw.suggest.reading_curve(result.lrs, result.losses)
fig, ax = plt.subplots(figsize=(9, 3.8))
ax.plot(result.lrs, result.losses, color="#8AA9C9", lw=1, alpha=0.6, label="raw loss")
ax.plot(result.lrs, result.smoothed, color="#3B82C4", lw=2.2, label="smoothed (EMA, as recorded)")
ax.plot(result.lrs, read, color=method_color("auto"), lw=2.2, label="what auto reads (centred window)")
anchor_lr = result.lrs[auto_pick.params["anchor_index"]]
min_lr = result.lrs[auto_pick.params["min_index"]]
marks = ((anchor_lr, ":", "descent anchor"), (min_lr, "-.", "minimum"), (auto_pick.lr, "--", "auto"))
for lr, dash, label in marks:
    ax.axvline(lr, color=method_color("auto"), ls=dash, lw=1.3, label=f"{label} {lr:.2g}")
start, low = float(np.median(read[:10])), float(np.nanmin(read))
ax.set(xscale="log", xlabel="learning rate (log)", ylabel="loss")
ax.set_ylim(low - 0.1 * (start - low), start + 0.6 * (start - low))  # the runaway is cut off
ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
plt.show()
half = start - 0.5 * (start - low)
if (result.smoothed < half).any():
    lag = np.log10(result.lrs[np.argmax(result.smoothed < half)] / result.lrs[np.argmax(read < half)])
    print(f"half-way down, the smoothed curve trails what auto reads by {lag:.1f} decades")
else:
    print("the smoothed curve never gets half-way down before the blow-up drags it back up: "
          f"what auto reads is half-way down at {result.lrs[np.argmax(read < half)]:.2g}")
print(f"auto: {auto_pick.lr:.2g}, confidence {auto_pick.confidence:.2f}")
print("caveats:", list(auto_pick.caveats) or "none")

# %%
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

# %%
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

# %% [markdown]
# What to take from it:
#
# * The rate at the **loss minimum** is too big to train with: during the sweep the loss there had
#   already stopped falling, and many steps at that rate keep overshooting: look at its validation loss
#   after the first epoch. With the one-cycle warm-up (and Adam's per-weight scaling) it does not
#   collapse to chance as in fastai's example, and it partly recovers as the rate anneals, but it trails.
# * **100 times below** the suggestion, training is stable but slow: after two epochs it is far
#   behind. More epochs would close part of the gap; the point of the test is not to pay for them.
# * At the **suggestion** the loss drops fastest. The suggestion is not magic: any rate in the steep
#   part of the descent does about as well, which is why the answer is an order of magnitude.

# %% [markdown]
# ## 3. The interval slide rule, step by step
#
# A fastai forum thread proposed a way to pick the rate automatically, for running dozens of
# models unattended: the **interval slide rule**. Take `g = np.gradient(losses)`: the change of the
# (smoothed) loss from one point to the next. Put an interval of `lr_diff = 15` points at the right
# end of the curve, where the loss runs away and `g` is large. Then:
#
# * while `|g[right] - g[left]| > loss_threshold` (0.05): the right end still sits in the runaway, so
#   **remember** `lrs[left]` and slide the interval one point to the left;
# * when the two ends agree, stop: the answer is the last remembered `lrs[left]` (times `adjust_value`).
#
# The answer is one interval width to the left of where the loss starts to run away: a cautious rate,
# on purpose. `lrwidget.suggest.slide_rule` is that rule exactly; its `trace` lists every position the
# interval took.

# %%
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

# %%
g = np.gradient(result.smoothed)
fig, (ax_g, ax_d) = plt.subplots(2, 1, figsize=(8, 6), gridspec_kw={"height_ratios": [3, 2]})
ax_g.plot(lrs, g, color="#3B82C4", lw=2, label="g = np.gradient(smoothed loss)")
colors = plt.cm.Oranges(np.linspace(0.35, 1.0, len(trace)))
for s, color in zip(trace, colors):
    ax_g.plot([lrs[s.left], lrs[s.right]], [g[s.left], g[s.right]], "o-", color=color, ms=4, lw=1)
last = trace[-1]
ax_g.axvspan(lrs[last.left], lrs[last.right], color="#E69F00", alpha=0.15, label="where it stopped")
ax_g.axvline(rule.lr, color=method_color("slide_rule"), ls="--", label=f"pick {rule.lr:.2g}")
ax_g.set(xscale="log", ylabel="g (loss per point)", title="each segment: g at both ends of one position")
ax_g.set_xlim(lrs[max(0, last.left - 12)], lrs[-1] * 1.5)  # zoom on where the interval slid
ends = [g[i] for s in trace for i in (s.left, s.right)]
low_g, top_g = min(np.nanmin(g[last.left :]), *ends), max(ends)
pad = 0.08 * (top_g - low_g)
ax_g.set_ylim(low_g - pad, top_g + 2 * pad)  # every segment fits; the peak of g may not
peak = int(np.nanargmax(g))
if g[peak] > top_g + 2 * pad:
    ax_g.annotate(f"g peaks at {g[peak]:.2g}, above the plot", xy=(lrs[peak], top_g + 2 * pad),
                  xytext=(-10, -14), textcoords="offset points", ha="right", fontsize=8, color="#3B82C4",
                  arrowprops={"arrowstyle": "->", "color": "#3B82C4"})
ax_g.legend(fontsize=8, loc="upper left")

steps = np.arange(1, len(trace) + 1)
ax_d.plot(steps, [s.diff for s in trace], "o-", color="#E69F00", label="|g[right] - g[left]|")
ax_d.axhline(last.threshold, color="k", ls=":", label=f"loss_threshold = {last.threshold}")
ax_d.set(xlabel="position of the interval (1 = rightmost)", ylabel="difference")
ax_d.legend(fontsize=8)
plt.tight_layout()
plt.show()

# %% [markdown]
# **The animated version.** The widget replays a saved result without a model: the gradient pane shows
# the interval sliding, and the player (play, step back, step on, speed) walks it position by position
# with a caption saying what the rule tests and why it moves on or stops. Change `lr_diff` or
# `loss_threshold` in the controls and watch the pick move.

# %%
replay = lw.LRFinderWidget(result)  # a RangeTestResult: replayed, nothing is trained
display(replay)

# %% [markdown]
# ## 4. Curve shapes that fool each rule
#
# Every rule encodes a belief about the curve's shape, and each has a shape that breaks it. Below,
# idealised curves on the sweep's usual grid (100 points, 1e-7 to 10), given to the suggesters as the
# smoothed curve. The methods:
#
# * `slide_rule`: the original rule above (`lr_diff` in points, `loss_threshold` in loss units);
# * `slide_rule_scaled`: the same idea with the width in decades of lr and the threshold relative to
#   the height of the descent, so it does not care about the loss's units or the number of points;
# * `valley`: fastai's rule, exactly: about halfway down the longest run of falling loss;
# * `steepest`: where the loss falls fastest per decade;
# * `minimum`: a tenth of the rate at the lowest loss;
# * `auto` (the default): between a point on the descent (where 70 % of the fall is made) and the
#   minimum, backed off. On a real sweep it reads the raw loss through its centred window; these shapes
#   have no raw loss, so it reads them as they are.

# %%
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

# %%
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
            ax.axvline(s.lr, color=method_color(m), ls="--", lw=1.5, label=method_label(m))
    top = loss[0] + 1.2 * (loss[0] - loss.min())
    ax.set(xscale="log", ylim=(loss.min() - 0.05 * abs(top), top), title=shape)
    ax.text(0.03, 0.04, notes.get(shape, ""), transform=ax.transAxes, fontsize=8, color="#444")
axes[0, 0].legend(fontsize=7)
for ax in axes[1]:
    ax.set_xlabel("learning rate (log)")
plt.tight_layout()
plt.show()

# %% [markdown]
# What fools whom:
#
# * **No runaway** (the sweep stopped before the loss blew up, e.g. `end_lr` too low): both slide rules
#   start at the right end and find the gradients there already agreeing, so they never slide and
#   answer `None` with the reason (the original code crashed here). The others still answer. Remedy: sweep
#   further, to where the loss runs away.
# * **Other units** (`x 0.1`, `x 10`: the same curve, the loss summed instead of averaged, or a regression
#   target in other units): the original `loss_threshold` is in loss units, so its pick moves by orders of
#   magnitude; `slide_rule_scaled`, `valley`, `steepest` and `auto` do not move at all. The same happens to
#   `lr_diff` when you change `num_it` (it counts points). That is why users of the original rule retuned
#   both per dataset.
# * **Noisy flat start**: what smoothing leaves of the first noisy batches is a slow drift, and `valley`
#   counts any falling points as part of its valley: the valley grows longer and its pick, "halfway
#   down", moves to a lower rate (about half of the textbook curve's here).
# * **Cliff before the runaway** (the "hairpin" curves reported in the forum thread): `steepest` goes to the
#   steepest drop, which here sits right at the edge of the blow-up: a rate that is about to diverge.
#
# No single rule wins on every shape. `auto` sits between a point on the descent and the minimum, so a
# shape that fools a rule reading one feature moves it less: on the cliff, `steepest` goes to the edge of
# the blow-up while `auto` stays more than a factor 1.2 below it (printed below as `steepest_vs_auto`);
# where the loss never turns up ("no runaway") it still answers, with a caveat. Whatever picks the rate, look at the curve when you can: that is what the
# widget is for.

# %%
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
