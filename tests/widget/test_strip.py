"""DecisionStrip: traits, validation, and the messages a front end sends and receives (no browser)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import comm as comm_pkg
import ipywidgets as widgets
import pytest
from traitlets import TraitError

from lrwidget.core.suggestion import Suggestion
from lrwidget.widget import registry
from lrwidget.widget import strip as strip_module
from lrwidget.widget.strip import DecisionStrip, load_css, load_esm

SYNCED = [
    "min_lr",
    "max_lr",
    "suggestions",
    "registry",
    "lr",
    "tentative",
    "lr_slice",
    "suggested_slice",
    "slice_mode",
    "auto_method",
    "confidence",
    "disabled",
]


class RecordingComm:
    """A comm that records what the widget sends, as ipywidgets' own tests do with a dummy comm."""

    comm_id = "strip-test"
    kernel = "Truthy"

    def __init__(self, **kwargs):
        self.opened_with = kwargs
        self.messages: list[dict] = []

    def on_msg(self, callback):
        self.callback = callback

    def send(self, data=None, buffers=None, **kwargs):
        self.messages.append(data)

    def close(self, *args, **kwargs):
        pass


@pytest.fixture(autouse=True)
def recording_comm(monkeypatch):
    """Every widget made in a test gets a RecordingComm."""
    monkeypatch.setattr(comm_pkg, "create_comm", lambda **kw: RecordingComm(**kw))


@pytest.fixture
def strip():
    """A strip over the default sweep range with three suggestions, one without an answer."""
    return DecisionStrip(
        suggestions=[
            {"method": "auto", "lr": 2e-3},
            {"method": "valley", "lr": 1e-3, "label": "Valley"},
            {"method": "steepest", "lr": None, "reason": "the loss never falls"},
        ],
    )


def frontend_update(widget, **state):
    """Deliver an 'update' message exactly as the comm would hand it over from the browser."""
    widget._handle_msg({"content": {"data": {"method": "update", "state": state}}, "buffers": []})


def updates_sent(widget):
    """The state dicts of the 'update' messages the widget sent to the front end."""
    return [m["state"] for m in widget.comm.messages if m.get("method") == "update"]


# ---- the ES module ---------------------------------------------------------------------------


def test_esm_is_the_repo_module_in_an_editable_install():
    """Without a built wheel the strip serves js/decision_strip.js, which has the default export."""
    source = Path(strip_module.REPO_ESM).read_text()
    widget = DecisionStrip()
    assert widget._esm == source
    assert "export default { render }" in widget._esm


def test_load_esm_prefers_the_first_existing_file(tmp_path):
    """The packaged copy wins over the repository copy when both exist."""
    packaged, repo = tmp_path / "static.js", tmp_path / "repo.js"
    repo.write_text("// repo")
    assert load_esm([packaged, repo]) == repo
    packaged.write_text("// packaged")
    assert load_esm([packaged, repo]) == packaged


def test_missing_module_falls_back_to_an_error_message_widget(tmp_path):
    """With no module file, a class still defines and instantiates, showing where it looked."""
    missing = tmp_path / "nowhere.js"
    esm = load_esm([missing])
    assert isinstance(esm, str) and "export default { render }" in esm and str(missing) in esm

    class Broken(DecisionStrip):
        _esm = esm

    assert "was not found" in Broken()._esm


# ---- traits ----------------------------------------------------------------------------------


def test_every_synced_trait_has_help_and_is_sent_on_open(strip):
    """Each documented trait is synced, documented, and part of the opening state."""
    opened = strip.comm.opened_with["data"]["state"]
    for name in SYNCED:
        trait = strip.traits()[name]
        assert trait.metadata.get("sync") is True, name
        assert trait.help, name
        assert name in opened, name


def test_defaults(strip):
    """Nothing is chosen until the user chooses; the ruler spans the default sweep range."""
    assert (strip.min_lr, strip.max_lr) == (1e-7, 10.0)
    assert strip.lr is None and strip.tentative is None and strip.lr_slice is None
    assert strip.value is None
    assert strip.auto_method == "auto" and not strip.slice_mode and not strip.disabled


@pytest.mark.parametrize("bad", [0.0, -1e-3, math.inf, math.nan])
def test_range_ends_must_be_positive_and_finite(bad):
    """A non-positive or non-finite range end is refused, naming the trait."""
    with pytest.raises(ValueError, match="min_lr must be a positive finite"):
        DecisionStrip(min_lr=bad)
    with pytest.raises(ValueError, match="max_lr must be a positive finite"):
        DecisionStrip(max_lr=bad)


def test_range_must_increase(strip):
    """min_lr >= max_lr is refused and the old range stays."""
    with pytest.raises(ValueError, match="min_lr must be below max_lr"):
        strip.min_lr = 10.0
    with pytest.raises(ValueError, match="max_lr must be above min_lr"):
        strip.max_lr = 1e-8
    assert (strip.min_lr, strip.max_lr) == (1e-7, 10.0)
    with pytest.raises(ValueError, match=r"(min_lr must be below|max_lr must be above)"):
        DecisionStrip(min_lr=1.0, max_lr=1.0)  # which end complains depends on validation order


def test_set_range_moves_both_ends_and_never_rewrites_the_picks(strip):
    """A new range past the old bounds applies in one step; picks left outside it stay as they were."""
    strip.lr = 5.0
    strip.lr_slice = [1e-6, 5.0]
    strip.set_range(1e-4, 1e-1)
    assert (strip.min_lr, strip.max_lr) == (1e-4, 1e-1)
    assert strip.lr == 5.0 and strip.tentative == 5.0
    assert strip.lr_slice == [1e-6, 5.0]


def test_a_ruler_narrowed_to_what_was_measured_keeps_a_pick_inside_the_limits():
    """Issue 9 defect 1 on the strip's side: the finder narrows the ruler; the pick 0.03 stays 0.03."""
    strip = DecisionStrip(min_lr=1e-7, max_lr=10.0, limits=[1e-7, 10.0], lr=0.03)
    strip.set_range(1e-7, 1.59e-3)  # a sweep stopped after 53 of 100 steps
    assert strip.lr == 0.03 and strip.tentative == 0.03
    strip.lr_slice = [1e-5, 0.03]  # still allowed: inside the limits, outside the ruler
    assert strip.lr_slice == [1e-5, 0.03]
    with pytest.raises(ValueError, match=r"lr must be inside the strip's limits \[1e-7, 1e\+1\], got 5e\+1"):
        strip.lr = 50.0
    assert strip.lr == 0.03


def test_lr_inside_the_range_is_kept_and_a_rounding_step_past_an_end_is_put_on_it(strip):
    """Values the browser rounded a hair past an end land on it; None clears the pick."""
    strip.lr = 3e-3
    assert strip.lr == 3e-3
    strip.lr = 10.000000000000002
    assert strip.lr == 10.0
    strip.lr = 1e-7 * (1 - 1e-12)
    assert strip.lr == 1e-7
    strip.lr = None
    assert strip.lr is None


@pytest.mark.parametrize(
    ("name", "bad", "error", "match"),
    [
        (
            "lr",
            1e10,
            ValueError,
            r"lr must be inside the strip's ruler \[min_lr, max_lr\] \[1e-7, 1e\+1\], got 1e\+10",
        ),
        ("lr", 1e-30, ValueError, r"lr must be inside the strip's ruler .* got 1e-30"),
        ("lr", 100.0, ValueError, r"lr must be inside"),
        ("lr", True, TypeError, r"lr must be a learning rate \(a positive number\), got bool True"),
        ("tentative", 1e10, ValueError, r"tentative must be inside"),
        ("tentative", False, TypeError, r"tentative must be a learning rate"),
        ("lr_slice", (1e-12, 1e12), ValueError, r"lr_slice must be inside .* got 1e-12"),
        ("lr_slice", (True, 1e-3), TypeError, r"lr_slice must be a learning rate"),
        ("lr", "3e-3", TraitError, r"'lr' trait .* expected a float"),
    ],
)
def test_values_far_outside_the_strip_are_refused_naming_the_trait(strip, name, bad, error, match):
    """Issue 9 defect 6: 1e10, 1e-30, True, (1e-12, 1e12) were accepted while the strip showed another."""
    strip.lr = 2e-3
    strip.lr_slice = [2e-4, 2e-3]
    with pytest.raises(error, match=match) as caught:
        setattr(strip, name, bad)
    assert isinstance(caught.value, TraitError)  # traitlets rolls back, link() and set_state stay consistent
    assert strip.lr == 2e-3 and strip.tentative == 2e-3 and strip.lr_slice == [2e-4, 2e-3]


def test_numpy_scalars_are_rates_and_numpy_bools_are_not(strip):
    import numpy as np

    strip.lr = np.float32(0.25)
    assert strip.lr == pytest.approx(0.25) and type(strip.lr) is float
    with pytest.raises(TypeError, match="lr must be a learning rate"):
        strip.lr = np.bool_(True)


def test_limits_must_be_an_increasing_pair():
    with pytest.raises(ValueError, match="limits must have lo < hi"):
        DecisionStrip(limits=[1e-3, 1e-3])
    with pytest.raises(ValueError, match="limits must be > 0"):
        DecisionStrip(limits=[0.0, 1.0])
    assert DecisionStrip(limits=[1e-2, 1e-8]).allowed() == (1e-8, 1e-2)


@pytest.mark.parametrize("name", ["lr", "tentative"])
def test_picks_must_be_positive(strip, name):
    """A zero, negative or NaN pick is an error naming the trait."""
    for bad in (0.0, -1.0, math.nan, math.inf):
        with pytest.raises(ValueError, match=f"{name} must be (> 0|a finite number)"):
            setattr(strip, name, bad)


def test_the_handle_follows_an_accepted_lr(strip):
    """Setting lr from Python moves the tentative handle onto it (and clears it with None)."""
    strip.tentative = 1e-5
    strip.lr = 4e-3
    assert strip.tentative == 4e-3
    strip.lr = None
    assert strip.tentative is None


def test_lr_slice_is_sorted_clamped_and_has_two_ends(strip):
    """A slice is stored as [lo, hi] inside the range; other lengths are refused."""
    strip.lr_slice = (3e-3, 1e-5)
    assert strip.lr_slice == [1e-5, 3e-3]
    strip.lr_slice = [1e-7, 10.000000000000002]
    assert strip.lr_slice == [1e-7, 10.0]
    with pytest.raises(TraitError):
        strip.lr_slice = [1e-3]
    with pytest.raises(ValueError, match="lr_slice must be > 0"):
        strip.lr_slice = [-1.0, 1e-3]
    strip.lr_slice = None
    assert strip.lr_slice is None


def test_value_is_the_lr_or_the_slice_in_slice_mode(strip):
    """value is what a training call takes: a float, or a slice when slice mode has one."""
    strip.lr = 3e-3
    strip.lr_slice = [1e-5, 1e-3]
    assert strip.value == 3e-3
    strip.slice_mode = True
    assert strip.value == slice(1e-5, 1e-3)
    strip.lr_slice = None
    assert strip.value == 3e-3


def test_accept_takes_the_tentative_pick(strip):
    """accept() does what Enter does: lr becomes the handle's value."""
    strip.tentative = 7e-4
    assert strip.accept() == 7e-4 and strip.lr == 7e-4
    assert strip.accept(2e-2) == 2e-2 and strip.tentative == 2e-2


def test_confidence_is_a_fraction(strip):
    """Confidence outside [0, 1] is refused; None is allowed."""
    strip.confidence = 0.8
    strip.confidence = None
    with pytest.raises(ValueError, match=r"confidence must be in \[0, 1\]"):
        strip.confidence = 1.5


# ---- suggestions -----------------------------------------------------------------------------


def test_suggestions_are_normalized_with_colors_and_labels(strip):
    """Each suggestion becomes a full dict; known methods get their fixed colour."""
    auto, valley, steepest = strip.suggestions
    assert auto == {
        "method": "auto",
        "lr": 2e-3,
        "label": "auto",
        "color": registry.METHODS["auto"].color,
        "reason": "",
        "confidence": None,
    }
    assert valley["label"] == "Valley" and valley["color"] == registry.METHODS["valley"].color
    assert steepest["label"] == registry.METHODS["steepest"].label
    assert steepest["lr"] is None and steepest["reason"] == "the loss never falls"


def test_suggestion_objects_are_accepted():
    """Suggestion dataclasses from the core convert to dicts, keeping reason and confidence."""
    strip = DecisionStrip(
        suggestions=[
            Suggestion("slide_rule", 1e-3, index=40, confidence=0.7),
            Suggestion("minimum", None, reason="no minimum before divergence"),
            {"method": "custom", "lr": 5, "color": "#123456"},
        ]
    )
    rule, minimum, custom = strip.suggestions
    assert (rule["method"], rule["lr"], rule["confidence"]) == ("slide_rule", 1e-3, 0.7)
    assert minimum["lr"] is None and minimum["reason"] == "no minimum before divergence"
    assert custom["lr"] == 5.0 and custom["color"] == "#123456"


def test_bad_suggestions_name_the_culprit(strip):
    """A malformed suggestion is refused with its index and field in the message."""
    with pytest.raises(TypeError, match=r"suggestions\[1\] must be a dict"):
        strip.suggestions = [{"method": "a", "lr": 1e-3}, 42]
    with pytest.raises(ValueError, match=r"suggestions\[0\]\['method'\]"):
        strip.suggestions = [{"lr": 1e-3}]
    with pytest.raises(ValueError, match=r"suggestions\[0\]\['lr'\] must be > 0"):
        strip.suggestions = [{"method": "a", "lr": -1}]
    with pytest.raises(TypeError, match=r"suggestions\[0\]\['lr'\] must be a number"):
        strip.suggestions = [{"method": "a", "lr": "fast"}]
    assert len(strip.suggestions) == 3


# ---- as the front end drives it ----------------------------------------------------------------


def test_dragging_the_handle_sets_only_the_tentative_pick(strip):
    """A drag or key nudge sends tentative; the accepted lr does not change."""
    frontend_update(strip, tentative=4.2e-4)
    assert strip.tentative == 4.2e-4 and strip.lr is None


def test_accepting_in_the_browser_sets_lr_and_observers_fire(strip):
    """Enter/Accept/a tick click sends lr and tentative together; observe() sees it once."""
    seen = []
    strip.observe(lambda change: seen.append(change["new"]), names="lr")
    frontend_update(strip, tentative=1e-3, lr=1e-3)
    assert strip.lr == 1e-3 and seen == [1e-3]


def test_a_value_from_the_browser_outside_the_range_is_clamped_and_sent_back(strip):
    """Rounding in the browser can step past max_lr: Python clamps and tells the front end."""
    strip.comm.messages.clear()
    frontend_update(strip, lr=10.000000000000002, tentative=10.000000000000002)
    assert strip.lr == 10.0
    sent = updates_sent(strip)
    assert {"lr": 10.0} in sent and {"tentative": 10.0} in sent


def test_a_value_from_the_browser_equal_to_ours_is_not_echoed_as_an_update(strip):
    """Values the front end just sent are not sent back (only the protocol's echo_update)."""
    strip.comm.messages.clear()
    frontend_update(strip, tentative=2e-3)
    assert updates_sent(strip) == []
    assert [m["method"] for m in strip.comm.messages] == ["echo_update"]


def test_a_slice_from_the_browser_is_sorted(strip):
    """Crossed slice handles arrive as [hi, lo] and are stored sorted."""
    frontend_update(strip, slice_mode=True, lr_slice=[3e-3, 1e-5])
    assert strip.lr_slice == [1e-5, 3e-3]
    assert strip.value == slice(1e-5, 3e-3)


def test_an_invalid_update_from_the_browser_is_rolled_back(strip):
    """A bad message leaves every trait as it was (traitlets rolls back the whole update)."""
    strip.lr = 1e-3
    with pytest.raises(ValueError, match="tentative must be > 0"):
        strip.set_state({"lr": 5e-3, "tentative": -1.0})
    assert strip.lr == 1e-3 and strip.tentative == 1e-3


def test_python_changes_reach_the_front_end(strip):
    """Setting lr in Python sends lr and the handle's new position to the browser."""
    strip.comm.messages.clear()
    strip.lr = 6e-4
    sent = updates_sent(strip)
    assert {"lr": 6e-4} in sent and {"tentative": 6e-4} in sent
    strip.comm.messages.clear()
    strip.lr_slice = [1e-3, 1e-5]
    assert updates_sent(strip) == [{"lr_slice": [1e-5, 1e-3]}]


# ---- with other widgets ----------------------------------------------------------------------


def test_link_with_a_float_log_slider(strip):
    """link() keeps a FloatLogSlider and the accepted lr together, both ways."""
    slider = widgets.FloatLogSlider(value=1e-3, base=10, min=-7, max=1)
    link = widgets.link((slider, "value"), (strip, "lr"))
    assert strip.lr == 1e-3
    frontend_update(strip, tentative=2.5e-2, lr=2.5e-2)
    assert slider.value == 2.5e-2
    slider.value = 4e-5
    assert strip.lr == 4e-5 and strip.tentative == 4e-5
    link.unlink()


def test_dlink_disables_the_strip_while_running(strip):
    """A status widget can drive `disabled` through dlink with a transform."""
    status = widgets.Text("running")
    widgets.dlink((status, "value"), (strip, "disabled"), transform=lambda s: s == "running")
    assert strip.disabled
    status.value = "done"
    assert not strip.disabled


# ---- style sheet, registry and the suggested slice -----------------------------------------------


def test_the_style_sheet_is_its_own_file_and_the_module_holds_no_css_or_palette():
    """anywidget's _css is js/decision_strip.css; the ES module has no style string and no colour literal."""
    widget = DecisionStrip()
    css = Path(strip_module.REPO_CSS).read_text()
    assert widget._css == css and ".lrw-strip" in css
    esm = Path(strip_module.REPO_ESM).read_text()
    assert "<style" not in esm and 'htmlEl("style"' not in esm and ".lrw-strip {" not in esm
    assert re.findall(r"#[0-9a-fA-F]{6}\b", esm) == []  # colours come from the registry trait
    for role in ("pick", "slice", "hover"):
        assert f"var(--lrw-{role}" in css


def test_the_wheel_carries_the_style_sheet_beside_the_module():
    """pyproject's force-include puts both front-end files into lrwidget/static/."""
    text = (Path(strip_module.REPO_DIR).parent / "pyproject.toml").read_text()
    table = text.split("[tool.hatch.build.targets.wheel.force-include]", 1)[1].split("\n[", 1)[0]
    assert '"js/decision_strip.js" = "lrwidget/static/decision_strip.js"' in table
    assert '"js/decision_strip.css" = "lrwidget/static/decision_strip.css"' in table


def test_load_css_prefers_the_first_existing_file_and_is_empty_without_one(tmp_path):
    packaged, repo = tmp_path / "static.css", tmp_path / "repo.css"
    assert load_css([packaged, repo]) == ""
    repo.write_text("/* repo */")
    assert load_css([packaged, repo]) == repo
    packaged.write_text("/* packaged */")
    assert load_css([packaged, repo]) == packaged


def test_the_registry_reaches_the_front_end_as_json(strip):
    """The view draws with the same registry Python uses: sent on open, plain JSON."""
    opened = strip.comm.opened_with["data"]["state"]["registry"]
    assert opened == registry.registry_json()
    assert opened["palette"]["pick"] == registry.PALETTE.pick
    assert json.loads(json.dumps(opened)) == opened


def test_slice_mode_starts_with_the_suggested_slice():
    """Issue 9: slice mode starts with core's lr_slice suggestion, not lr=None or a guess."""
    strip = DecisionStrip(suggested_slice=(3e-3, 3e-4))
    assert strip.suggested_slice == [3e-4, 3e-3]
    strip.slice_mode = True
    assert strip.lr_slice == [3e-4, 3e-3] and strip.value == slice(3e-4, 3e-3)


def test_slice_mode_switched_on_in_the_browser_gets_the_suggested_slice_back():
    strip = DecisionStrip(suggested_slice=[3e-4, 3e-3])
    strip.comm.messages.clear()
    frontend_update(strip, slice_mode=True)
    assert strip.lr_slice == [3e-4, 3e-3]
    assert {"lr_slice": [3e-4, 3e-3]} in updates_sent(strip)


def test_slice_mode_keeps_a_chosen_slice_and_falls_back_to_a_decade_under_lr():
    strip = DecisionStrip(suggested_slice=[3e-4, 3e-3], lr_slice=[1e-5, 1e-4])
    strip.slice_mode = True
    assert strip.lr_slice == [1e-5, 1e-4]  # the user's own slice is never replaced
    plain = DecisionStrip(lr=2e-3)
    plain.slice_mode = True
    assert plain.lr_slice == pytest.approx([2e-4, 2e-3])
    outside = DecisionStrip(min_lr=1e-7, max_lr=1e-2, suggested_slice=[1e-3, 0.5], lr=1e-3)
    outside.slice_mode = True  # a suggestion outside what the strip allows is not used
    assert outside.lr_slice == pytest.approx([1e-4, 1e-3])


def test_a_slice_mode_constructor_starts_with_the_suggested_slice():
    strip = DecisionStrip(slice_mode=True, suggested_slice=[3e-4, 3e-3])
    assert strip.lr_slice == [3e-4, 3e-3]


def test_a_refused_update_from_the_browser_is_answered_with_the_kept_values(strip):
    """The view is told what the kernel kept, so it cannot go on showing a refused value."""
    strip.lr = 1e-3
    strip.comm.messages.clear()
    with pytest.raises(ValueError, match="tentative must be inside"):
        strip.set_state({"tentative": 1e10})
    assert strip.tentative == 1e-3
    assert {"tentative": 1e-3} in updates_sent(strip)
