"""What the suggesters are told about the sweep: partial-curve caveats for every method, and from_sweep."""

from __future__ import annotations

import numpy as np
import pytest

from lrwidget.core.result import RangeTestResult
from lrwidget.core.smoothing import smooth
from lrwidget.core.suggest import METHODS, READS_RAW, auto, from_sweep, minimum
from lrwidget.core.suggest._common import prepare
from lrwidget.core.suggest._sweep import partial_caveats, sweep, turned_up

LRS = np.geomspace(1e-7, 10, 100)
X = np.log10(LRS)
DIVERGING = 0.4 + 2.0 / (1 + np.exp(3 * (X + 3))) + 0.02 * np.exp(3 * (X + 1))  # falls, then blows up
STILL_FALLING = 0.4 + 2.0 / (1 + np.exp(2 * (X + 1)))  # the fall is not over at the last lr


def caveats(losses, **context):
    return partial_caveats(prepare("test", LRS, losses), sweep(**context))


def test_turned_up_needs_a_real_fall_then_a_rise():
    assert turned_up(DIVERGING)
    assert not turned_up(STILL_FALLING)
    assert not turned_up(np.ones(100))
    flat_noise = 2.45 + 0.1 * np.random.default_rng(0).standard_normal(100)
    assert not turned_up(smooth(flat_noise))


def test_caveats_say_how_the_sweep_ended():
    assert caveats(DIVERGING, stop_reason="cancelled") == ()  # it had turned up: nothing missing
    assert caveats(STILL_FALLING, stop_reason="diverged") == ()
    (stopped,) = caveats(STILL_FALLING, stop_reason="cancelled")
    assert "stopped by hand at lr 1e+1" in stopped and "partial" in stopped
    (done,) = caveats(STILL_FALLING, stop_reason="completed")
    assert "reached its last lr (1e+1)" in done and "end_lr" in done
    (short,) = caveats(STILL_FALLING, num_it=300)
    assert "100 of the 300 planned points" in short
    (unknown,) = caveats(STILL_FALLING)
    assert "does not turn up" in unknown
    (error,) = caveats(STILL_FALLING, stop_reason="error")
    assert "ended early (error)" in error


def test_every_method_gets_the_caveat_on_a_partial_curve():
    for name, fn in METHODS.items():
        s = fn(LRS, STILL_FALLING, stop_reason="cancelled", num_it=200)
        assert any("stopped by hand" in c for c in s.caveats), name
        assert fn(LRS, DIVERGING, stop_reason="diverged").caveats == (), name


def test_context_is_checked():
    with pytest.raises(ValueError, match="stop_reason must be one of"):
        minimum(LRS, DIVERGING, stop_reason="stopped")
    with pytest.raises(TypeError, match="num_it"):
        minimum(LRS, DIVERGING, num_it=1.5)
    with pytest.raises(ValueError, match="method must be one of"):
        from_sweep("best", LRS, DIVERGING)


def test_from_sweep_gives_the_raw_losses_to_auto_only():
    raw = DIVERGING * (1 + 0.05 * np.random.default_rng(1).standard_normal(100))
    smoothed = smooth(raw)
    assert set(READS_RAW) == {"auto"}
    s = from_sweep("auto", LRS, smoothed, raw=raw, stop_reason="diverged", num_it=100)
    assert s.params["read_raw"]
    assert s.lr == auto(LRS, smoothed, raw=raw, stop_reason="diverged", num_it=100).lr
    assert from_sweep("minimum", LRS, smoothed, raw=raw).lr == minimum(LRS, smoothed).lr


def test_result_suggest_passes_the_sweep_context():
    """RangeTestResult.suggest / suggestions: auto reads the raw losses, a cancelled curve gets caveats."""
    raw = STILL_FALLING * (1 + 0.02 * np.random.default_rng(2).standard_normal(100))
    result = RangeTestResult(LRS, raw, stop_reason="cancelled", settings={"num_it": 200})
    s = result.suggest()
    assert s.params["read_raw"] and s.params["partial"]
    assert s.lr == auto(LRS, result.smoothed, raw=raw, stop_reason="cancelled", num_it=200).lr
    every = result.suggestions()
    assert set(every) == set(METHODS)
    assert all(any("stopped by hand" in c for c in sg.caveats) for sg in every.values())
    assert result.suggest("minimum", factor=3.0).lr == minimum(LRS, result.smoothed, factor=3.0).lr
