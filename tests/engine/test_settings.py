"""SweepSettings and prepare_sweep: every keyword checked once, before any work, naming the parameter."""

from __future__ import annotations

import dataclasses

import pytest
import torch
import torch.nn.functional as F
from engine_checks import assert_bitwise_equal, full_state
from torch import nn

from lrwidget.core.schedules import MAX_NUM_IT
from lrwidget.engine.entry import PreparedSweep, lr_find, prepare_sweep
from lrwidget.engine.settings import DEFAULTS, NAMES, SweepSettings


def test_defaults_are_written_once_and_match_the_docs():
    """The defaults users rely on, read from the one dataclass."""
    s = SweepSettings()
    assert (s.start_lr, s.end_lr, s.num_it, s.mode, s.beta) == (1e-7, 10.0, 100, "exp", 0.98)
    assert (s.stop_div, s.div_factor, s.accumulation_steps, s.amp) == (True, 4.0, 1, False)
    assert s.snapshot == "memory" and s.device is None and s.progress is True
    assert set(DEFAULTS) == set(NAMES)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.num_it = 5  # type: ignore[misc]


def test_unknown_keyword_names_the_closest():
    """torch-lr-finder's num_iter is refused with a hint, not silently ignored."""
    with pytest.raises(TypeError, match=r"'num_iter' \(did you mean 'num_it'\?\)"):
        SweepSettings.from_kwargs(num_iter=50)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"beta": "0.9"}, TypeError, "beta must be a real number, got str"),
        ({"start_lr": "1e-3"}, TypeError, "start_lr must be a real number, got str"),
        ({"div_factor": "4"}, TypeError, "div_factor must be a real number"),
        ({"num_it": 10**9}, ValueError, "num_it must be <= 1,000,000"),
        ({"num_it": 100.0}, TypeError, "num_it must be an integer"),
        ({"stop_div": 1}, TypeError, "stop_div must be True or False"),
        ({"amp": "yes"}, TypeError, "amp must be True or False"),
        ({"val_every": 0}, ValueError, "val_every must be >= 1"),
        ({"val_batches": 0}, ValueError, "val_batches must be >= 1"),
        ({"val_data": 5}, TypeError, "val_data must be an iterable"),
        ({"before_step": 3}, TypeError, "before_step must be a callable"),
        ({"snapshot": "tape"}, ValueError, "snapshot must be one of"),
        ({"snapshot_dir": "/tmp"}, ValueError, "snapshot_dir is only used with snapshot='disk'"),
        ({"snapshot": "disk", "snapshot_dir": 3}, TypeError, "snapshot_dir must be a directory path"),
        ({"device": "meta"}, ValueError, "device='meta' holds no data"),
        ({"device": 7}, TypeError, "device must be a torch device"),
        ({"device": "warp-drive"}, ValueError, "device must name a torch device"),
    ],
)
def test_every_value_is_checked(kwargs, error, match):
    """One error type per kind of mistake, each naming the parameter."""
    with pytest.raises(error, match=match):
        SweepSettings.from_kwargs(**kwargs)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the machine without CUDA")
def test_cuda_without_cuda_is_a_clear_error():
    """device='cuda' on a CPU-only torch says so, instead of torch's AssertionError mid-sweep."""
    with pytest.raises(ValueError, match=r"device='cuda' but CUDA is not available"):
        SweepSettings.from_kwargs(device="cuda")


def test_to_dict_is_plain_json():
    """Settings as result.settings records them: numbers, strings, bools, no objects."""
    import json

    d = SweepSettings.from_kwargs(num_it=7, device="cpu", before_step=lambda m, o: None).to_dict()
    json.dumps(d)
    assert d["num_it"] == 7 and d["device"] == "cpu" and "lambda" in d["before_step"]


def test_ladder_is_lazy_for_the_largest_num_it():
    """The settings' ladder is a view, not an array: memory does not grow with num_it."""
    ladder = SweepSettings.from_kwargs(num_it=MAX_NUM_IT).ladder
    assert len(ladder) == MAX_NUM_IT and ladder[-1] == 10.0


def test_prepare_sweep_checks_before_any_work(model, optimizer, batches):
    """A bad keyword fails at prepare_sweep; the model and optimizer are untouched; run() works after."""
    before = full_state(model, optimizer)
    with pytest.raises(TypeError, match=r"^prepare_sweep got .*did you mean 'num_it'"):
        prepare_sweep(model, optimizer, F.cross_entropy, batches, num_iter=5)
    with pytest.raises(TypeError, match=r"^LRFinderWidget got .*did you mean 'num_it'"):
        prepare_sweep(model, optimizer, F.cross_entropy, batches, caller="LRFinderWidget", num_iter=5)
    with pytest.raises(TypeError, match=r"belong to PreparedSweep\.run"):
        prepare_sweep(model, optimizer, F.cross_entropy, batches, on_step=print)
    sweep = prepare_sweep(model, optimizer, F.cross_entropy, batches, num_it=4, progress=False)
    assert isinstance(sweep, PreparedSweep) and sweep.kind == "plain"
    assert sweep.model is model and sweep.optimizer is optimizer and sweep.settings.num_it == 4
    assert_bitwise_equal(full_state(model, optimizer), before)
    result = sweep.run()
    assert len(result) == 4 and result.settings["source"] == "plain"
    assert_bitwise_equal(full_state(model, optimizer), before)


def test_group_with_lr_none_names_the_group(batches):
    """A param group with lr=None is a TypeError naming param_groups[i]['lr'], not a raw float() error."""
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    opt.param_groups[0]["lr"] = None
    with pytest.raises(TypeError, match=r"optimizer\.param_groups\[0\]\['lr'\] is None"):
        prepare_sweep(model, opt, F.cross_entropy, batches)
    opt.param_groups[0]["lr"] = "0.1"
    with pytest.raises(TypeError, match=r"param_groups\[0\]\['lr'\] must be a real number"):
        prepare_sweep(model, opt, F.cross_entropy, batches)


def test_meta_model_is_refused(batches):
    """A model whose parameters live on the meta device is refused by name."""
    with torch.device("meta"):
        model = nn.Linear(64, 10)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="'meta' device"):
        prepare_sweep(model, opt, F.cross_entropy, batches)


def test_missing_pieces_of_a_plain_source(model, optimizer, batches):
    """lr_find(model) without optimizer or data says what the call looks like."""
    with pytest.raises(TypeError, match="needs optimizer"):
        lr_find(model)
    with pytest.raises(TypeError, match="needs train_data"):
        lr_find(model, optimizer, F.cross_entropy)
