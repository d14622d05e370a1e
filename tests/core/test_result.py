"""RangeTestResult: validation, suggestions on the smoothed curve, JSON round trip, malformed input."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from lrwidget.core.events import STOP_REASONS
from lrwidget.core.result import RangeTestResult
from lrwidget.core.suggest import METHODS


@pytest.fixture
def result() -> RangeTestResult:
    """A small diverged sweep with a non-finite last loss, two groups and numpy settings."""
    lrs = np.geomspace(1e-6, 1.0, 12)
    losses = np.array([2.3, 2.3, 2.2, 2.0, 1.6, 1.1, 0.8, 0.7, 0.9, 1.8, 4.0, np.nan])
    smoothed = np.array([2.3, 2.3, 2.25, 2.1, 1.9, 1.5, 1.2, 1.0, 0.95, 1.2, 2.0, np.inf])
    return RangeTestResult(
        lrs,
        losses,
        smoothed,
        stop_reason="non_finite",
        settings={"start_lr": 1e-6, "end_lr": 1.0, "num_it": np.int64(12), "beta": 0.98, "mode": "exp"},
        group_lrs=np.stack([lrs, lrs / 10], axis=1),
        elapsed=1.25,
    )


def test_fields_are_arrays(result):
    """Curves are float arrays of one length and len() is the number of steps."""
    assert len(result) == 12
    assert result.lrs.dtype == result.losses.dtype == result.smoothed.dtype == np.float64
    assert result.group_lrs.shape == (12, 2)


def test_smoothed_is_computed_when_missing():
    """Without smoothed losses the result smooths the raw ones with settings['beta']."""
    r = RangeTestResult([1e-3, 1e-2, 1e-1], [4.0, 2.0, 1.0], settings={"beta": 0.5})
    np.testing.assert_allclose(r.smoothed, [4.0, 8 / 3, 12 / 7])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"losses": [1.0, 2.0]}, "losses"),
        ({"smoothed": [1.0]}, "smoothed"),
        ({"stop_reason": "exploded"}, "stop_reason"),
        ({"group_lrs": np.ones((2, 2))}, "group_lrs"),
        ({"elapsed": [1.0, 2.0]}, "elapsed"),
        ({"losses": [[1.0], [2.0], [3.0]]}, "1-D"),
    ],
)
def test_bad_construction_is_refused(kwargs, match):
    """Mismatched lengths, an unknown stop reason or bad shapes raise ValueError naming the field."""
    base = {"lrs": [1e-3, 1e-2, 1e-1], "losses": [3.0, 2.0, 1.0], "smoothed": None}
    with pytest.raises(ValueError, match=match):
        RangeTestResult(**{**base, **kwargs})


def test_values_that_are_not_numbers_are_a_type_error():
    """Strings where numbers belong raise TypeError naming the field (as the suggesters do)."""
    with pytest.raises(TypeError, match="losses"):
        RangeTestResult([1e-3, 1e-2, 1e-1], ["a", "b", "c"])
    with pytest.raises(TypeError, match="elapsed"):
        RangeTestResult([1e-3], [1.0], elapsed="soon")


def test_every_stop_reason_is_accepted():
    """Each documented stop reason builds a result."""
    for reason in STOP_REASONS:
        assert RangeTestResult([1.0, 2.0], [1.0, 1.0], stop_reason=reason).stop_reason == reason


def test_suggest_uses_smoothed_losses():
    """The minimum method sees the smoothed curve: its minimum, not the raw one, is picked."""
    lrs = np.geomspace(1e-5, 1e-1, 9)
    raw = [5.0, 4.0, 0.1, 4.0, 3.0, 2.0, 1.0, 2.0, 9.0]  # raw minimum at index 2
    smoothed = [5.0, 4.5, 4.0, 3.5, 3.0, 2.0, 1.0, 2.0, 9.0]  # smoothed minimum at index 6
    picked = RangeTestResult(lrs, raw, smoothed).suggest("minimum")
    assert picked.params["min_index"] == 6
    assert picked.lr == pytest.approx(lrs[6] / 10)


def test_suggest_passes_params_and_rejects_unknown_method(result):
    """Parameters reach the method, and an unknown method name is a ValueError listing the names."""
    assert result.suggest("minimum", factor=1.0).lr == pytest.approx(result.lrs[8])
    with pytest.raises(ValueError, match="slide_rule"):
        result.suggest("magic")


def test_suggestions_cover_every_method(result):
    """suggestions() answers for every registered method, each inside the range or with a reason."""
    found = result.suggestions()
    assert set(found) == set(METHODS)
    for name, s in found.items():
        assert s.method == name
        assert (s.lr is None and s.reason) or result.lrs[0] <= s.lr <= result.lrs[-1]


def test_lr_slice_is_ordered_or_none(result):
    """lr_slice gives lo < hi inside the swept range."""
    lo, hi = result.lr_slice()
    assert result.lrs[0] <= lo < hi <= result.lrs[-1]


def test_lr_slice_is_told_about_the_sweep_like_suggest():
    """A stopped sweep's slice carries the same caveats and confidence as its auto pick (hi)."""
    lrs = np.geomspace(1e-6, 1e-2, 60)
    losses = 2.0 - np.tanh(np.linspace(-3, 1, 60))  # still falling where it was stopped
    stopped = RangeTestResult(lrs=lrs, losses=losses, stop_reason="cancelled", settings={"num_it": 200})
    pick = stopped.lr_slice(method="auto")
    top = stopped.suggest("auto")
    assert pick is not None and pick.hi == top.lr
    assert pick.caveats == top.caveats and pick.caveats
    assert pick.confidence == top.confidence


def test_a_suggestion_prints_in_a_line_without_its_params_and_trace(result):
    """What a notebook shows for result.suggest(): the pick and its confidence, not hundreds of characters."""
    for name in ("auto", "slide_rule"):
        s = result.suggest(name)
        text = repr(s)
        assert text.startswith(f"Suggestion(method='{name}', lr=") and "confidence=" in text
        assert "params=" not in text and "trace=" not in text and len(text) < 300
        assert s.params or s.trace or s.reason  # still there, read by name


def test_json_round_trip_keeps_everything(result, tmp_path):
    """to_json then from_json gives an equal result, nan and inf included, via text and via a file."""
    text = result.to_json_text()
    assert result.to_json() == text
    assert RangeTestResult.from_json_text(text) == result
    path = tmp_path / "sweep.json"
    assert result.to_json(path) == path.read_text()
    back = RangeTestResult.from_json(path)
    assert back == result
    assert math.isnan(back.losses[-1]) and back.smoothed[-1] == math.inf
    assert back.settings["num_it"] == 12 and back.elapsed == 1.25
    assert RangeTestResult.from_json(str(path)) == result


def test_json_is_strict_and_versioned(result):
    """The text is strict JSON (no NaN tokens) with a format name and version."""
    data = json.loads(result.to_json(), parse_constant=lambda token: pytest.fail(f"non-JSON {token}"))
    assert data["format"] == "lrwidget.RangeTestResult" and data["version"] == 1
    assert data["losses"][-1] == "nan" and data["smoothed"][-1] == "inf"


def test_round_trip_with_per_step_elapsed_and_no_groups():
    """Per-step elapsed times and a missing group table survive a round trip."""
    r = RangeTestResult([1e-3, 1e-2, 1e-1], [3.0, 2.0, 1.0], elapsed=[0.1, 0.2, 0.3], error=None)
    back = RangeTestResult.from_dict(json.loads(r.to_json()))
    assert back == r and back.group_lrs is None
    np.testing.assert_array_equal(back.elapsed, [0.1, 0.2, 0.3])


def test_null_values_read_as_nan():
    """A writer that stores nan as null is understood."""
    data = json.loads(RangeTestResult([1e-3, 1e-2], [3.0, 2.0]).to_json())
    data["losses"][1] = None
    assert math.isnan(RangeTestResult.from_dict(data).losses[1])


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda d: d.update(format="something else"), "format"),
        (lambda d: d.pop("format"), "format"),
        (lambda d: d.update(version=99), "version"),
        (lambda d: d.update(version="1"), "version"),
        (lambda d: d.pop("lrs"), "lrs"),
        (lambda d: d.update(losses="1,2,3"), "losses"),
        (lambda d: d.update(losses=[1.0, "x", 3.0]), "losses"),
        (lambda d: d.update(losses=[1.0, 2.0]), "same length"),
        (lambda d: d.update(stop_reason="bored"), "stop_reason"),
        (lambda d: d.update(settings=[1, 2]), "settings"),
        (lambda d: d.update(group_lrs=[1.0, 2.0, 3.0]), "group_lrs"),
    ],
)
def test_malformed_data_says_what_is_wrong(mutate, match):
    """Each kind of damage to a saved result raises ValueError naming the field."""
    data = json.loads(RangeTestResult([1e-3, 1e-2, 1e-1], [3.0, 2.0, 1.0]).to_json())
    mutate(data)
    with pytest.raises(ValueError, match=match):
        RangeTestResult.from_json_text(json.dumps(data))


def test_malformed_text_and_missing_file(tmp_path):
    """Broken JSON, a JSON array and a missing file each give a clear error."""
    with pytest.raises(ValueError, match="not valid JSON"):
        RangeTestResult.from_json_text('{"format": ')
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2, 3]")
    with pytest.raises(ValueError, match="JSON object"):
        RangeTestResult.from_json(bad)
    with pytest.raises(FileNotFoundError, match="no saved RangeTestResult"):
        RangeTestResult.from_json(tmp_path / "missing.json")
    with pytest.raises(TypeError, match="path"):
        RangeTestResult.from_json(42)


def test_repr_is_short_and_informative(result):
    """repr names the size, the lr span, the best smoothed loss and why it stopped, on one line."""
    text = repr(result)
    assert "n=12" in text and "non_finite" in text and "0.95" in text and "\n" not in text
    assert len(text) < 120
    assert "n=0" in repr(RangeTestResult([], []))


def test_val_losses_round_trip_with_nan_where_not_evaluated(tmp_path):
    """Validation losses (NaN on steps not evaluated) are kept, compared and saved; absent they stay None."""
    val = [math.nan, 2.5, math.nan, 1.5]
    r = RangeTestResult([1e-4, 1e-3, 1e-2, 1e-1], [3.0, 2.0, 1.5, 1.0], val_losses=val)
    assert r.val_losses.dtype == np.float64 and r.val_losses.shape == (4,)
    back = RangeTestResult.from_dict(json.loads(r.to_json()))
    assert back == r
    np.testing.assert_array_equal(back.val_losses, val)
    assert back != RangeTestResult([1e-4, 1e-3, 1e-2, 1e-1], [3.0, 2.0, 1.5, 1.0])
    assert RangeTestResult([1e-3], [1.0]).val_losses is None
    with pytest.raises(ValueError, match="val_losses"):
        RangeTestResult([1e-3, 1e-2], [1.0, 2.0], val_losses=[1.0])
