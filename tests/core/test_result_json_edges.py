"""RangeTestResult JSON edge cases: path and text read by two explicit functions, deep nesting, a BOM,
long non-JSON text, a 0-step multi-group result, and saved settings checked when a file is loaded."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lrwidget.core import suggest
from lrwidget.core.result import RangeTestResult


def small() -> RangeTestResult:
    return RangeTestResult(
        [1e-3, 1e-2, 1e-1], [3.0, 2.0, 1.0], settings={"start_lr": 1e-3, "end_lr": 0.1, "num_it": 3}
    )


def test_from_json_text_reads_a_string_and_from_json_a_path(tmp_path):
    """Text goes through from_json_text, a path through from_json; each refuses the other clearly."""
    r = small()
    assert RangeTestResult.from_json_text(r.to_json_text()) == r
    path = tmp_path / "a" / "b" / "sweep.json"  # to_json creates the parent folders
    r.to_json(path)
    assert RangeTestResult.from_json(path) == r and RangeTestResult.from_json(str(path)) == r
    with pytest.raises(ValueError, match="from_json_text"):
        RangeTestResult.from_json(r.to_json_text())
    with pytest.raises(TypeError, match="text"):
        RangeTestResult.from_json_text(path)
    with pytest.raises(TypeError, match="path"):
        RangeTestResult.from_json(42)


def test_deep_nesting_is_a_clear_value_error(tmp_path):
    """10,000 nested arrays give ValueError naming the nesting, not RecursionError, from text and file."""
    deep = '{"format": "lrwidget.RangeTestResult", "settings": ' + "[" * 10_000 + "]" * 10_000 + "}"
    with pytest.raises(ValueError, match="nested"):
        RangeTestResult.from_json_text(deep)
    path = tmp_path / "deep.json"
    path.write_text(deep)
    with pytest.raises(ValueError, match="nested"):
        RangeTestResult.from_json(path)


def test_moderately_deep_settings_are_refused_not_crashed():
    """Settings nested deeper than any real run needs (but parseable) give ValueError, not RecursionError."""
    data = json.loads(small().to_json_text())
    inner: dict = {}
    data["settings"]["extra"] = inner
    for _ in range(900):
        inner["x"] = {}
        inner = inner["x"]
    with pytest.raises(ValueError, match="nested"):
        RangeTestResult.from_dict(data)


def test_bom_prefixed_text_and_file_are_accepted(tmp_path):
    """A UTF-8 byte-order mark (Windows editors write one) before the JSON is accepted."""
    r = small()
    assert RangeTestResult.from_json_text("\ufeff" + r.to_json_text()) == r
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + r.to_json_text().encode())
    assert RangeTestResult.from_json(path) == r


def test_long_non_json_string_is_a_clear_error():
    """A long string that is not JSON gives ValueError (text) or FileNotFoundError (path), never
    'File name too long'."""
    junk = "not json at all " * 500
    with pytest.raises(ValueError, match="not valid JSON"):
        RangeTestResult.from_json_text(junk)
    with pytest.raises(FileNotFoundError, match="no saved RangeTestResult") as info:
        RangeTestResult.from_json(junk)
    assert len(str(info.value)) < 400


def test_undecodable_file_is_a_clear_error(tmp_path):
    """A file that is not UTF-8 text gives ValueError naming the file."""
    path = tmp_path / "binary.json"
    path.write_bytes(b"\xff\xfe\x00{")
    with pytest.raises(ValueError, match="UTF-8"):
        RangeTestResult.from_json(path)


def test_zero_step_result_keeps_its_group_count():
    """A sweep stopped before its first step, from a 3-group optimizer, round-trips as (0, 3)."""
    r = RangeTestResult([], [], group_lrs=np.zeros((0, 3)), stop_reason="cancelled")
    back = RangeTestResult.from_json_text(r.to_json_text())
    assert back.group_lrs.shape == (0, 3)
    assert back == r


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("start_lr", "abc"),
        ("end_lr", -1.0),
        ("num_it", "100"),
        ("num_it", 2.5),
        ("beta", 1.5),
        ("mode", "cubic"),
        ("stop_div", "yes"),
        ("div_factor", "4"),
        ("accumulation_steps", 0),
        ("base_lrs", ["x"]),
    ],
)
def test_bad_saved_settings_are_refused_at_load_naming_the_key(key, value):
    """Settings the widget replays are checked when the file is read; the error names the key."""
    data = json.loads(small().to_json_text())
    data["settings"][key] = value
    with pytest.raises(ValueError, match=key):
        RangeTestResult.from_json_text(json.dumps(data))
    with pytest.raises((TypeError, ValueError), match=key):
        RangeTestResult([1e-3, 1e-2], [2.0, 1.0], settings={key: value})


def test_unknown_settings_keys_pass_through():
    """Keys lrwidget does not know (a newer writer's) are kept, not refused."""
    r = RangeTestResult([1e-3, 1e-2], [2.0, 1.0], settings={"future_key": {"a": [1, 2]}})
    assert RangeTestResult.from_json_text(r.to_json_text()).settings["future_key"] == {"a": [1, 2]}


@pytest.mark.parametrize("bad", [["a", "b", "c"], [object(), 1.0, 2.0], [[1.0], [2.0], [3.0]]])
def test_same_bad_array_same_error_type_as_the_suggesters(bad):
    """A bad losses array raises the same error type from suggest.* and from RangeTestResult."""
    lrs = [1e-3, 1e-2, 1e-1]
    with pytest.raises((TypeError, ValueError)) as from_suggest:
        suggest.minimum(lrs, bad)
    with pytest.raises((TypeError, ValueError)) as from_result:
        RangeTestResult(lrs, bad)
    assert type(from_suggest.value) is type(from_result.value)
    assert "losses" in str(from_result.value)
