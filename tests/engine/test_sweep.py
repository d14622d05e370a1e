"""The sweep: the lr ladder per group, accumulation, AMP, batch layouts, stop rules, events and threads."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from engine_checks import assert_bitwise_equal, full_state
from torch import nn

from lrwidget.core.schedules import lr_schedule
from lrwidget.engine.entry import lr_find


def test_ladder_is_exact_for_every_group(model, batches):
    """Group g follows ladder * lr_g / lr_0 exactly, as set in the optimizer and as recorded."""
    params = list(model.parameters())
    opt = torch.optim.SGD(
        [
            {"params": params[:2], "lr": 1e-3},
            {"params": params[2:6], "lr": 1e-4},
            {"params": params[6:], "lr": 0.0},
        ],
        lr=0.1,
    )
    seen = []
    result = lr_find(
        model,
        opt,
        F.cross_entropy,
        batches,
        start_lr=1e-6,
        end_lr=1e-1,
        num_it=9,
        on_step=lambda e: seen.append([g["lr"] for g in opt.param_groups]),
        progress=False,
    )
    ladder = lr_schedule(1e-6, 1e-1, 9)
    assert np.array_equal(result.lrs, ladder)
    expected = np.array([[lr * 1.0, lr * (1e-4 / 1e-3), lr * 0.0] for lr in ladder.tolist()])
    assert np.array_equal(result.group_lrs, expected)
    assert np.array_equal(np.array(seen), expected)
    assert [g["lr"] for g in opt.param_groups] == [1e-3, 1e-4, 0.0]


def test_first_positive_group_is_the_reference(model, batches):
    """A group starting at lr 0 stays at 0 and the next group follows the ladder."""
    params = list(model.parameters())
    opt = torch.optim.SGD([{"params": params[:2], "lr": 0.0}, {"params": params[2:], "lr": 1e-3}])
    result = lr_find(model, opt, F.cross_entropy, batches, num_it=5, end_lr=1e-2, progress=False)
    assert np.array_equal(result.group_lrs[:, 0], np.zeros(5))
    assert np.array_equal(result.group_lrs[:, 1], lr_schedule(1e-7, 1e-2, 5))


def test_accumulation_steps_per_optimizer_step():
    """With 2 micro-batches per step the lr moves once per step, the loss recorded is their mean and
    the update uses the mean gradient."""
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    data = [(torch.randn(4, 3), torch.randn(4, 1)) for _ in range(4)]
    micro, after_first = [], {}

    def step_fn(m, batch):
        loss = F.mse_loss(m(batch[0]), batch[1])
        micro.append(loss.item())
        return loss

    def on_step(event):
        if event.step == 0:
            after_first["weight"] = model.weight.detach().clone()

    w0 = model.weight.detach().clone()
    b0 = model.bias.detach().clone()
    result = lr_find(
        model,
        opt,
        None,
        data,
        step_fn=step_fn,
        accumulation_steps=2,
        num_it=2,
        on_step=on_step,
        progress=False,
    )
    assert len(micro) == 4 and len(result) == 2
    assert result.losses.tolist() == pytest.approx([np.mean(micro[:2]), np.mean(micro[2:])], rel=1e-6)

    reference = nn.Linear(3, 1)
    with torch.no_grad():
        reference.weight.copy_(w0)
        reference.bias.copy_(b0)
    loss = (F.mse_loss(reference(data[0][0]), data[0][1]) + F.mse_loss(reference(data[1][0]), data[1][1])) / 2
    loss.backward()
    expected = w0 - result.lrs[0] * reference.weight.grad
    assert torch.allclose(after_first["weight"], expected, atol=1e-7)


def test_amp_on_cpu_uses_bfloat16_autocast(model, optimizer, batches):
    """amp=True on CPU runs the forward under bfloat16 autocast and still restores everything."""
    dtypes = []

    def step_fn(m, batch):
        out = m(batch[0])
        dtypes.append((torch.is_autocast_enabled("cpu"), out.dtype))
        return F.cross_entropy(out, batch[1])

    before = full_state(model, optimizer)
    result = lr_find(model, optimizer, None, batches, step_fn=step_fn, amp=True, num_it=4, progress=False)
    assert len(result) == 4 and set(dtypes) == {(True, torch.bfloat16)}
    assert_bitwise_equal(before, full_state(model, optimizer))


@pytest.mark.parametrize("keys", [("x", "y"), ("input", "target"), ("inputs", "targets")])
def test_dict_batches_by_convention(model, optimizer, batches, keys):
    """Dict batches with a conventional key pair need no step_fn."""
    data = [{keys[0]: x, keys[1]: y} for x, y in batches]
    assert len(lr_find(model, optimizer, F.cross_entropy, data, num_it=3, progress=False)) == 3


def test_unknown_dict_keys_ask_for_step_fn(model, optimizer, batches):
    """A dict without a known key pair raises TypeError pointing at step_fn, after the restore."""
    data = [{"pixels": x, "labels": y} for x, y in batches]
    before = full_state(model, optimizer)
    with pytest.raises(TypeError, match="step_fn"):
        lr_find(model, optimizer, F.cross_entropy, data, num_it=3, progress=False)
    assert_bitwise_equal(before, full_state(model, optimizer))


def test_step_fn_for_models_returning_loss(model, optimizer, batches):
    """A step_fn reading ``output.loss`` (Hugging Face style) drives the sweep without loss_fn."""

    def hf_like(m, batch):
        out = SimpleNamespace(logits=m(batch["pixel_values"]))
        out.loss = F.cross_entropy(out.logits, batch["labels"])
        return out.loss

    data = [{"pixel_values": x, "labels": y} for x, y in batches]
    result = lr_find(
        model, optimizer, None, data, step_fn=lambda m, b: hf_like(m, b), num_it=3, progress=False
    )
    assert np.all(np.isfinite(result.losses))


def test_short_data_is_cycled_in_order(model, optimizer, batches):
    """Two batches feed five steps: 0, 1, 0, 1, 0."""
    seen = []

    def step_fn(m, batch):
        seen.append(int(batch[2]))
        return F.cross_entropy(m(batch[0]), batch[1])

    data = [(x, y, torch.tensor(i)) for i, (x, y) in enumerate(batches[:2])]
    lr_find(model, optimizer, None, data, step_fn=step_fn, num_it=5, progress=False)
    assert seen == [0, 1, 0, 1, 0]


def test_one_shot_iterator_that_runs_out(model, optimizer, batches):
    """An iterator cannot be cycled: ValueError naming train_data, state restored."""
    before = full_state(model, optimizer)
    with pytest.raises(ValueError, match="train_data is a one-shot iterator"):
        lr_find(model, optimizer, F.cross_entropy, iter(batches[:2]), num_it=5, progress=False)
    assert_bitwise_equal(before, full_state(model, optimizer))


class NoBatches:
    """A re-iterable without a length that yields nothing."""

    def __iter__(self):
        return iter(())


@pytest.mark.parametrize(
    ("data", "message"), [([], "train_data is empty"), (NoBatches(), "yielded no batches")]
)
def test_empty_data(model, optimizer, data, message):
    """Empty data raises ValueError naming train_data, and the model is untouched."""
    before = full_state(model, optimizer)
    with pytest.raises(ValueError, match=message):
        lr_find(model, optimizer, F.cross_entropy, data, num_it=5, progress=False)
    assert_bitwise_equal(before, full_state(model, optimizer))


def bad(**overrides):
    return overrides


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (bad(num_it=1), ValueError, "num_it must be at least 2"),
        (bad(num_it=2.5), TypeError, "num_it must be an integer"),
        (bad(start_lr=0.0), ValueError, "start_lr must be > 0"),
        (bad(start_lr=-1e-3), ValueError, "start_lr must be > 0"),
        (bad(start_lr=1.0, end_lr=1.0), ValueError, "end_lr must be greater than start_lr"),
        (bad(start_lr=10.0, end_lr=1.0), ValueError, "end_lr must be greater than start_lr"),
        (bad(mode="cubic"), ValueError, "mode must be one of"),
        (bad(beta=1.0), ValueError, "beta must be < 1"),
        (bad(div_factor=1.0), ValueError, "div_factor must be"),
        (bad(accumulation_steps=0), ValueError, "accumulation_steps must be >= 1"),
        (bad(accumulation_steps=1.5), TypeError, "accumulation_steps must be an integer"),
        (bad(on_step=3), TypeError, "on_step must be a callable"),
        (bad(cancel=object()), TypeError, "cancel must be a threading.Event"),
        (bad(device="warp-drive"), ValueError, "device must name a torch device"),
        (bad(scheduler=object()), TypeError, "scheduler must have"),
        (bad(grad_scaler=object()), TypeError, "grad_scaler must be"),
        (bad(step_fn=3), TypeError, "step_fn must be callable"),
    ],
)
def test_bad_arguments_name_the_parameter(model, optimizer, batches, kwargs, error, match):
    """Each invalid argument raises before training, naming the parameter, and leaves state untouched."""
    before = full_state(model, optimizer)
    with pytest.raises(error, match=match):
        lr_find(model, optimizer, F.cross_entropy, batches, progress=False, **kwargs)
    assert_bitwise_equal(before, full_state(model, optimizer))


def test_bad_model_optimizer_and_loss_fn(model, optimizer, batches):
    """A source, optimizer and loss_fn of the wrong kind raise TypeError naming them."""
    with pytest.raises(TypeError, match=r"source must be an nn\.Module followed by optimizer"):
        lr_find(lambda x: x, optimizer, F.cross_entropy, batches)
    with pytest.raises(TypeError, match=r"optimizer must be a torch\.optim\.Optimizer"):
        lr_find(model, object(), F.cross_entropy, batches)
    with pytest.raises(TypeError, match="loss_fn must be callable"):
        lr_find(model, optimizer, None, batches)
    with pytest.raises(TypeError, match="train_data must be an iterable"):
        lr_find(model, optimizer, F.cross_entropy, 42)


def test_optimizer_without_the_models_parameters(model, batches):
    """An optimizer over another model's parameters raises ValueError naming optimizer."""
    other = torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1)
    with pytest.raises(ValueError, match="optimizer holds none of the model's parameters"):
        lr_find(model, other, F.cross_entropy, batches)


@pytest.mark.parametrize(
    ("loss_fn", "error", "match"),
    [
        (lambda out, y: F.cross_entropy(out, y, reduction="none"), ValueError, "must return a scalar loss"),
        (lambda out, y: 1.0, TypeError, "must return a loss tensor"),
        (
            lambda out, y: F.cross_entropy(out, y).detach(),
            ValueError,
            "returned a loss that does not require grad",
        ),
    ],
)
def test_bad_loss_raises_after_restore(model, optimizer, scheduler, batches, loss_fn, error, match):
    """A loss that is not a scalar tensor with a graph raises, naming loss_fn, with state restored."""
    before = full_state(model, optimizer, scheduler)
    with pytest.raises(error, match=f"loss_fn {match}"):
        lr_find(model, optimizer, loss_fn, batches, scheduler=scheduler, progress=False)
    assert_bitwise_equal(before, full_state(model, optimizer, scheduler))


def test_non_finite_first_loss_is_a_result_with_a_message(model, optimizer, batches):
    """A nan loss at step 0 ends the sweep with stop_reason non_finite and a message, not an exception."""
    with pytest.warns(RuntimeWarning, match="first step"):
        result = lr_find(
            model, optimizer, lambda o, y: F.cross_entropy(o, y) * float("nan"), batches, progress=False
        )
    assert result.stop_reason == "non_finite" and len(result) == 1
    assert "first step" in result.error and "nan" in result.error


def test_stopping_step_is_recorded(model, batches):
    """The step whose smoothed loss triggers the divergence stop is the last point of the curve."""
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    result = lr_find(
        model, opt, F.cross_entropy, batches, start_lr=1e-4, end_lr=1e4, num_it=60, progress=False
    )
    assert result.stop_reason in ("diverged", "non_finite")
    finite = result.smoothed[:-1]
    assert np.all(finite[1:] <= 4 * np.minimum.accumulate(finite)[:-1] + 1e-12)
    last = result.smoothed[-1]
    assert not np.isfinite(result.losses[-1]) or last > 4 * finite.min()


def test_events_come_from_the_sweeps_thread(model, optimizer, batches):
    """on_step receives one StepEvent per recorded step, on the calling thread, in order."""
    events, threads = [], set()

    def on_step(event):
        events.append(event)
        threads.add(threading.get_ident())

    result = lr_find(model, optimizer, F.cross_entropy, batches, num_it=6, on_step=on_step, progress=False)
    assert [e.step for e in events] == list(range(6))
    assert [e.lr for e in events] == result.lrs.tolist()
    assert [e.loss for e in events] == result.losses.tolist()
    assert [e.smoothed for e in events] == result.smoothed.tolist()
    assert all(e.num_it == 6 for e in events)
    assert np.all(np.diff([e.elapsed for e in events]) >= 0)
    assert threads == {threading.get_ident()}


def test_cancel_from_another_thread(model, optimizer, scheduler, train_loader):
    """Setting cancel from another thread stops a sweep running in a background thread within one step."""
    cancel, started, done = threading.Event(), threading.Event(), {}
    recorded = []

    def on_step(event):
        recorded.append(event.step)
        if event.step == 2:
            started.set()

    def run():
        done["result"] = lr_find(
            model,
            optimizer,
            F.cross_entropy,
            train_loader,
            num_it=5000,
            end_lr=1e-3,
            on_step=on_step,
            cancel=cancel,
            scheduler=scheduler,
            progress=False,
        )

    before = full_state(model, optimizer, scheduler, loader=train_loader)
    worker = threading.Thread(target=run)
    worker.start()
    assert started.wait(30)
    seen_before_set = len(recorded)
    cancel.set()
    worker.join(30)
    assert not worker.is_alive()
    result = done["result"]
    # the step running when cancel was set may finish (and be recorded); the next check stops the sweep
    assert result.stop_reason == "cancelled" and seen_before_set <= len(result) <= seen_before_set + 2
    assert_bitwise_equal(before, full_state(model, optimizer, scheduler, loader=train_loader))


def test_cancel_set_before_start_records_nothing(model, optimizer, batches):
    """A cancel event already set gives an empty, cancelled result."""
    cancel = threading.Event()
    cancel.set()
    result = lr_find(model, optimizer, F.cross_entropy, batches, cancel=cancel, progress=False)
    assert result.stop_reason == "cancelled" and len(result) == 0


def test_second_sweep_on_a_busy_model_is_refused(model, optimizer, batches):
    """lr_find on a model that is mid-sweep raises RuntimeError; once it ends the model is free again."""
    errors = []

    def on_step(event):
        if event.step == 1:
            other = torch.optim.SGD(model.parameters(), lr=0.1)
            with pytest.raises(RuntimeError, match="already running on this model") as info:
                lr_find(model, other, F.cross_entropy, batches, progress=False)
            errors.append(info.value)

    lr_find(model, optimizer, F.cross_entropy, batches, num_it=4, on_step=on_step, progress=False)
    assert len(errors) == 1
    assert len(lr_find(model, optimizer, F.cross_entropy, batches, num_it=3, progress=False)) == 3


def test_lock_released_after_an_exception(model, optimizer, batches):
    """A sweep that fails frees the model for the next one."""

    def failing(out, y):
        raise ZeroDivisionError("user bug")

    with pytest.raises(ZeroDivisionError) as info:
        lr_find(model, optimizer, failing, batches, progress=False)
    assert info.value.range_test_result.stop_reason == "error"
    assert len(lr_find(model, optimizer, F.cross_entropy, batches, num_it=3, progress=False)) == 3


def test_progress_bar_only_when_asked(model, optimizer, batches, capsys):
    """progress=True draws a tqdm bar on stderr; progress=False prints nothing."""
    lr_find(model, optimizer, F.cross_entropy, batches, num_it=3, progress=False)
    assert capsys.readouterr().err == ""
    lr_find(model, optimizer, F.cross_entropy, batches, num_it=3, progress=True)
    assert "lr_find" in capsys.readouterr().err


def test_result_settings_describe_the_sweep(model, optimizer, batches):
    """The result carries the sweep's settings and per-step elapsed seconds."""
    result = lr_find(model, optimizer, F.cross_entropy, batches, num_it=4, beta=0.9, progress=False)
    s = result.settings
    assert (s["start_lr"], s["end_lr"], s["num_it"], s["beta"], s["mode"]) == (1e-7, 10.0, 4, 0.9, "exp")
    assert s["base_lrs"] == [1e-4, 1e-3] and s["world_size"] == 1 and s["device"] == "cpu"
    assert len(result.elapsed) == 4


def test_tensor_learning_rates_are_filled_and_restored_in_place(model, batches):
    """An optimizer holding its lr as a tensor gets it filled per step and the same tensor back after."""
    lr = torch.tensor(1e-3)
    opt = torch.optim.Adam(model.parameters(), lr=lr, foreach=False)
    seen = []
    result = lr_find(
        model,
        opt,
        F.cross_entropy,
        batches,
        num_it=4,
        on_step=lambda e: seen.append(float(lr)),
        progress=False,
    )
    assert seen == pytest.approx(result.lrs.tolist(), rel=1e-6)  # float32 tensor
    assert opt.param_groups[0]["lr"] is lr and float(lr) == pytest.approx(1e-3)
