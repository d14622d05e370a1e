"""The controls: traits mirror the widgets, validation names the parameter, any change calls back at once."""

from __future__ import annotations

import pytest
import traitlets

from lrwidget.widget.controls import Controls
from lrwidget.widget.testing import front_end_update


def test_defaults_are_the_seeds():
    """lr_diff 15, loss_threshold 0.05, adjust_value 1, method auto."""
    c = Controls()
    assert c.params() == {"method": "auto", "lr_diff": 15, "loss_threshold": 0.05, "adjust_value": 1.0}


def test_a_change_from_the_browser_calls_back_with_all_params():
    """Moving the lr_diff slider (a front-end update) updates the trait and calls on_change once."""
    c = Controls()
    got = []
    c.on_change(got.append)
    front_end_update(c.w_lr_diff, value=25)
    assert c.lr_diff == 25 and len(got) == 1 and got[0]["lr_diff"] == 25


def test_code_changes_reach_the_widgets_and_widen_their_range():
    """Setting a trait from code shows it on the widget, widening the slider if needed."""
    c = Controls()
    c.lr_diff = 300
    c.loss_threshold = 1e-6
    c.method = "valley"
    assert c.w_lr_diff.value == 300 and c.w_lr_diff.max >= 300
    assert c.w_loss_threshold.value == pytest.approx(1e-6) and c.w_method.value == "valley"


def test_zero_threshold_is_allowed():
    """loss_threshold 0 is valid (the seed allows it) even though a log slider cannot show it."""
    c = Controls()
    c.loss_threshold = 0.0
    assert c.loss_threshold == 0.0


@pytest.mark.parametrize(
    ("name", "value", "match"),
    [
        ("lr_diff", 0, "lr_diff"),
        ("loss_threshold", -1.0, "loss_threshold"),
        ("adjust_value", 0.0, "adjust_value"),
        ("method", "magic", "method"),
    ],
)
def test_bad_values_are_refused_with_the_parameter_named(name, value, match):
    """Invalid knob values raise a TraitError naming the knob, and the old value stays."""
    c = Controls()
    old = getattr(c, name)
    with pytest.raises(traitlets.TraitError, match=match):
        setattr(c, name, value)
    assert getattr(c, name) == old


def test_every_control_says_what_it_does_on_hover():
    """A new user found adjust_value (which only scales the slide rules' picks) and the slide rule's
    Play/Stop without a tooltip: every button, slider and player of the widget now has one."""
    import ipywidgets as W
    from widget_helpers import make_curve

    from lrwidget.widget.finder import LRFinderWidget

    w = LRFinderWidget(make_curve(), autoplay=False)
    assert "slide rules' picks only" in w.controls.w_adjust_value.tooltip
    assert "right to left" in w.player.play.tooltip and w.player.play.description == ""  # else no tooltip
    kinds = (W.Button, W.Play, W.IntSlider, W.FloatSlider, W.FloatLogSlider, W.FloatText)
    silent = [
        f"{type(x).__name__}({getattr(x, 'description', '')!r})"
        for x in w.made_widgets()
        if isinstance(x, kinds) and not (getattr(x, "tooltip", None) or "").strip()
    ]
    assert silent == []
    w.close()
