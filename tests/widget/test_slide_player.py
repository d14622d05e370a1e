"""The slide rule in motion: frames follow the trace, captions say why it moves or stops, ends at the pick."""

from __future__ import annotations

import numpy as np
import pytest
from widget_helpers import make_curve

from lrwidget.core.suggest import slide_rule
from lrwidget.core.suggestion import SlideStep, Suggestion
from lrwidget.widget.registry import format_lr
from lrwidget.widget.slide_player import SlidePlayer, caption_for, pick_of, speed_interval
from lrwidget.widget.testing import front_end_update


@pytest.fixture
def rule():
    r = make_curve()
    return r, slide_rule(r.lrs, r.smoothed)


def test_pick_of_is_the_last_moving_left_end(rule):
    """The rule answers the left end of the last position that moved, which is the suggestion's lr."""
    r, s = rule
    assert s.trace and not s.trace[-1].moves
    assert r.lrs[pick_of(s.trace)] == pytest.approx(s.lr)
    assert pick_of((SlideStep(5, 20, 0.0, 0.05, False),)) is None


def test_captions_explain_moving_and_stopping(rule):
    """A moving frame says it slides on; the stopping frame says stop and names the pick."""
    r, s = rule
    first = caption_for(s.trace, 0, r.lrs, s.lr)
    last = caption_for(s.trace, len(s.trace) - 1, r.lrs, s.lr)
    assert "slide one point left" in first and "&gt;" in first
    assert "stop" in last and "≤" in last and format_lr(s.lr) in last
    assert format_lr(r.lrs[s.trace[0].left]) in first and format_lr(r.lrs[s.trace[0].right]) in first


def test_load_rests_on_the_last_frame_and_draws_it(rule):
    """Without a browser the player shows the finished state; on_frame gets the last step as final."""
    r, s = rule
    p = SlidePlayer()
    frames = []
    p.on_frame(lambda step, k, final: frames.append((step, k, final)))
    p.load(s, r.lrs)
    assert p.frame == p.frames - 1 == len(s.trace) - 1
    assert frames[-1] == (s.trace[-1], len(s.trace) - 1, True)
    assert not p.play.disabled


def test_front_end_play_steps_draw_each_frame(rule):
    """Play's value arriving from the browser draws that frame (the browser's timer drives the walk)."""
    r, s = rule
    p = SlidePlayer()
    frames = []
    p.on_frame(lambda step, k, final: frames.append(k))
    p.load(s, r.lrs)
    frames.clear()
    for k in range(3):
        front_end_update(p.play, value=k)
    assert frames == [0, 1, 2]
    assert "step 3 / " in p.caption.value  # spaced as the header writes it


def test_step_buttons_pause_and_move_one_frame(rule):
    """The step buttons move one frame, clamp at the ends and stop the animation."""
    r, s = rule
    p = SlidePlayer()
    p.load(s, r.lrs)
    p.play.playing = True
    p.back.click()
    assert p.frame == p.frames - 2 and not p.play.playing
    p.fwd.click()
    p.fwd.click()
    assert p.frame == p.frames - 1


def test_replay_restarts_from_the_right_end(rule):
    """replay() leaves value at max and playing True: the browser's Play then restarts from min."""
    r, s = rule
    p = SlidePlayer()
    p.load(s, r.lrs)
    p.step(-5)
    p.replay()
    assert p.play.playing and p.play.value == p.play.max


def test_speed_sets_the_play_interval():
    """Speed in steps per second becomes the Play widget's interval in ms."""
    p = SlidePlayer()
    p.speed.value = 20
    assert p.play.interval == 50
    assert speed_interval(1000) == 10
    with pytest.raises(ValueError, match="steps_per_s"):
        speed_interval(0)


def test_no_trace_disables_and_says_why():
    """A suggestion without a trace disables the player and shows its reason."""
    p = SlidePlayer()
    p.load(Suggestion("slide_rule", None, reason="the sweep did not diverge"), np.geomspace(1e-5, 1, 10))
    assert p.play.disabled and "did not diverge" in p.caption.value
