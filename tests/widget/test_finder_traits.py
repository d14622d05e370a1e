"""LRFinderWidget on a saved result: traits, validation and every way to pick, driven as the browser would."""

from __future__ import annotations

import ipywidgets as W
import numpy as np
import pytest
import traitlets
from widget_helpers import make_curve

from lrwidget.core.suggest import METHODS
from lrwidget.widget.finder import LRFinderWidget
from lrwidget.widget.registry import format_lr
from lrwidget.widget.selection import SelectionValueError
from lrwidget.widget.strip import DecisionStrip
from lrwidget.widget.testing import click_column, front_end_custom, front_end_update


@pytest.fixture
def w(curve):
    return LRFinderWidget(curve, autoplay=False)


def test_replay_draws_the_saved_curve_and_suggests(w, curve):
    """A replayed result is drawn at once: status from stop_reason, every method suggested, strip filled."""
    assert w.status == "diverged" and w.progress == 1.0 and w.result is curve
    assert set(w.suggestions) == set(METHODS)
    assert np.allclose(w.loss_pane.smooth.y, curve.smoothed, rtol=1e-6)  # float32 on the wire
    assert {s["method"] for s in w.strip.suggestions} == set(METHODS)
    assert w.strip.auto_method == "auto" and w.strip.confidence == pytest.approx(
        w.suggestions["auto"].confidence
    )
    assert w.run_button.layout.display == "none"
    assert (w.x_scale.min, w.x_scale.max) == (1e-7, 10.0)


def test_status_follows_stop_reason():
    """completed -> done; a diverged or non-finite stop -> diverged; cancelled -> stopped."""
    r = make_curve(diverge=False)
    assert LRFinderWidget(r).status == "done"
    for reason, status in [("non_finite", "diverged"), ("cancelled", "stopped"), ("diverged", "diverged")]:
        r.stop_reason = reason
        assert LRFinderWidget(r).status == status


def test_nothing_is_picked_until_someone_picks(w):
    """lr, lr_slice and value start as None: suggestions are offered, never accepted for the user."""
    assert w.lr is None and w.lr_slice is None and w.value is None and w.strip.lr is None


def test_click_on_the_loss_pane_sets_lr_everywhere(w, curve):
    """A click in a point's column sets lr to that point's lr; the strip follows; the rule is labelled."""
    click_column(w.loss_pane.columns, 55)
    assert w.lr == pytest.approx(curve.lrs[55])
    assert w.value == w.lr and w.strip.lr == pytest.approx(w.lr)
    assert list(w.loss_pane.rule.x) == [w.lr, w.lr]
    assert w.loss_pane.rule_label.text == [f"lr = {format_lr(w.lr)}"]


def test_click_on_a_suggestion_marker_accepts_it(w):
    """A click on the valley marker sets lr to valley's suggestion."""
    lr = w.suggestions["valley"].lr
    front_end_custom(
        w.loss_pane.markers["valley"], {"event": "element_click", "data": {"x": lr, "y": 1, "index": 0}}
    )
    assert w.lr == lr


def test_strip_and_widget_stay_in_sync_both_ways(w):
    """strip.lr, lr_slice and slice_mode from the browser reach the widget; the widget's reach the strip."""
    front_end_update(w.strip, lr=2e-3)
    assert w.lr == pytest.approx(2e-3)
    front_end_update(w.strip, slice_mode=True)
    assert w.mode == "slice" and w.loss_pane.figure.interaction is w.loss_pane.brush
    front_end_update(w.strip, lr_slice=[1e-5, 1e-3])
    assert w.lr_slice == (pytest.approx(1e-5), pytest.approx(1e-3)) and w.value == slice(
        w.lr_slice[0], w.lr_slice[1]
    )
    w.lr = 4e-4
    assert w.strip.lr == pytest.approx(4e-4)
    w.lr_slice = (1e-6, 1e-4)
    assert w.strip.lr_slice == [pytest.approx(1e-6), pytest.approx(1e-4)]
    w.mode = "pick"
    assert w.strip.slice_mode is False and w.value == pytest.approx(4e-4)


def test_lr_outside_the_measured_range_is_kept_and_shown_as_such(w):
    """A pick beyond the measured rates (but within a decade) stays exact; panes and ruler widen to show
    it, the strip holds the same value and the rule says it was not measured."""
    w.lr = 100.0
    assert w.lr == 100.0 and w.strip.lr == pytest.approx(100.0)
    assert w.x_scale.max > 100.0 and w.strip.max_lr > 100.0
    assert "not measured" in w.loss_pane.rule_label.text[0] and w.loss_pane.rule.line_style == "dashed"


def test_drag_sets_a_slice_and_value_becomes_a_slice(w):
    """In slice mode a brush drag (released) sets lr_slice; value is slice(lo, hi) for fit_one_cycle."""
    front_end_update(w.mode_toggle, index=1)  # selection widgets sync the index
    assert w.mode == "slice" and w.loss_pane.figure.interaction is w.loss_pane.brush
    auto = w.suggestions["auto"].lr
    assert w.lr_slice == (pytest.approx(auto / 10), pytest.approx(auto))  # starts with the suggested slice
    assert w.loss_pane.band.x.min() == pytest.approx(auto / 10)
    started = w.lr_slice
    front_end_update(w.loss_pane.brush, brushing=True, selected=np.array([1e-5, 3e-3]))
    assert w.lr_slice == started  # nothing changes while the drag goes on
    front_end_update(w.loss_pane.brush, brushing=False)
    assert w.lr_slice == (pytest.approx(1e-5), pytest.approx(3e-3))
    assert isinstance(w.value, slice) and (w.value.start, w.value.stop) == w.lr_slice
    assert w.loss_pane.band.x.min() == pytest.approx(1e-5)


@pytest.mark.parametrize("bad", [-1.0, 0.0, float("inf"), float("nan")])
def test_bad_lr_is_refused_naming_lr(w, bad):
    """lr must be a positive finite rate: a ValueError (TraitError) names it; the old value stays."""
    w.lr = 1e-3
    with pytest.raises(ValueError, match="lr"):
        w.lr = bad
    assert w.lr == 1e-3


@pytest.mark.parametrize("bad", [(1e-3, 1e-5), (1e-3, 1e-3), (-1.0, 1.0)])
def test_bad_slice_is_refused_naming_lr_slice(w, bad):
    """lr_slice must be (lo, hi) with 0 < lo < hi."""
    with pytest.raises(SelectionValueError, match="lr_slice"):
        w.lr_slice = bad
    assert w.lr_slice is None


def test_value_routes_floats_slices_pairs_and_none(w):
    """Assigning value sets lr or lr_slice (and the mode); None clears both; other types are refused."""
    w.value = 3e-3
    assert w.lr == 3e-3 and w.mode == "pick" and w.value == 3e-3
    w.value = slice(1e-5, 1e-3)
    assert w.lr_slice == (1e-5, 1e-3) and w.mode == "slice" and w.value == slice(1e-5, 1e-3)
    w.value = [2e-5, 2e-3]
    assert w.lr_slice == (2e-5, 2e-3)
    w.value = None
    assert (w.lr, w.lr_slice, w.value) == (None, None, None)
    with pytest.raises(TypeError, match="value"):  # a wrong type: TypeError (and a TraitError)
        w.value = "fast"
    with pytest.raises(ValueError, match="value"):
        w.value = slice(1e-5, 1e-3, 2)


def test_observe_and_link_work(w):
    """observe() sees picks; ipywidgets.link keeps a FloatLogSlider and lr together both ways."""
    seen = []
    w.observe(lambda ch: seen.append(ch["new"]), names="lr")
    slider = W.FloatLogSlider(value=1e-3, min=-7, max=1)
    W.link((slider, "value"), (w, "lr"))
    assert w.lr == pytest.approx(1e-3)
    slider.value = 1e-2
    assert w.lr == pytest.approx(1e-2)
    w.lr = 1e-4
    assert slider.value == pytest.approx(1e-4)
    assert seen[:2] == [pytest.approx(1e-3), pytest.approx(1e-2)]


def test_python_only_traits_are_not_synced(w):
    """result, suggestions and the picks live in Python; nothing heavy goes to the browser state."""
    assert not {"result", "suggestions", "lr", "value", "status"} & set(w.keys)


def test_control_changes_resuggest_at_once(w):
    """Changing lr_diff (from the browser) recomputes the slide rule, its trace, the strip and the markers."""
    before = w.suggestions["slide_rule"]
    front_end_update(w.controls.w_lr_diff, value=30)
    after = w.suggestions["slide_rule"]
    assert after.params["lr_diff"] == 30 and after.lr != before.lr
    assert w.player.trace == after.trace and w.player.frame == len(after.trace) - 1
    strip_sr = next(s for s in w.strip.suggestions if s["method"] == "slide_rule")
    assert strip_sr["lr"] == pytest.approx(after.lr)
    assert w.loss_pane.markers["slide_rule"].x[0] == pytest.approx(after.lr)


def test_method_choice_highlights_and_animates_its_rule(w):
    """Choosing slide_rule_scaled highlights it in the strip and walks its own trace on its own gradient."""
    w.controls.method = "slide_rule_scaled"
    s = w.suggestions["slide_rule_scaled"]
    assert w.strip.auto_method == "slide_rule_scaled"
    assert w.player.method == "slide_rule_scaled" and w.player.trace == s.trace
    assert "decade" in w.grad_pane.y_axis.label
    assert w.loss_pane.markers["slide_rule_scaled"].default_size > w.loss_pane.markers["valley"].default_size
    w.controls.method = "valley"
    assert w.player.method == "slide_rule"  # valley has no walk: the seed's rule is shown


def test_slide_frames_move_the_interval_and_land_on_the_pick(w, curve):
    """Each Play step draws the interval on the gradient pane and its left end (a ring) on the loss pane;
    the last frame leaves the pick to the rule's own marker (a ring around it looked like a selection)."""
    s = w.suggestions["slide_rule"]
    front_end_update(w.player.play, value=0)
    assert list(w.grad_pane.ends.x) == [curve.lrs[s.trace[0].left], curve.lrs[s.trace[0].right]]
    assert w.loss_pane.probe.x[0] == pytest.approx(curve.lrs[s.trace[0].left])
    front_end_update(w.player.play, value=len(s.trace) - 1)
    assert len(w.loss_pane.probe.x) == 0
    assert w.loss_pane.markers["slide_rule"].x[0] == pytest.approx(s.lr)
    assert "stop" in w.player.caption.value


def test_autoplay_starts_the_walk_after_a_change(curve):
    """With autoplay the Play widget is set playing after each re-suggestion (the browser walks it)."""
    w = LRFinderWidget(curve)
    assert w.player.play.playing
    w.player.pause()
    w.controls.adjust_value = 0.5
    assert w.player.play.playing


def test_replay_from_a_json_path(tmp_path, curve):
    """A path to a saved result is replayed like the result itself."""
    path = tmp_path / "r.json"
    curve.to_json(path)
    w = LRFinderWidget(str(path))
    assert w.result == curve and w.status == "diverged"


def test_replay_refuses_lr_find_keywords(curve):
    """Keywords for lr_find make no sense for a saved result: TypeError says so."""
    with pytest.raises(TypeError, match="sweep arguments do not apply"):
        LRFinderWidget(curve, num_it=50)


def test_start_on_a_replay_redraws_without_a_thread(w):
    """start() on a replay draws it again synchronously; wait() returns at once."""
    w.start()
    assert w.status == "diverged" and not w.running and w.wait(0)


def test_the_layout_holds_every_part(w):
    """Header, legend, loss pane, slide player, gradient pane, controls and the decision strip, in order."""
    kids = list(w.children)
    assert kids[0] is w.header and w.loss_pane.figure in kids and w.grad_pane.figure in kids
    assert kids.index(w.loss_pane.figure) < kids.index(w.player) < kids.index(w.grad_pane.figure)
    assert isinstance(kids[-1], DecisionStrip) and w.controls in kids


def test_widget_state_round_trips_through_set_state(w):
    """The mode toggle set with set_state (as the comm delivers it) switches the interaction."""
    w.mode_toggle.set_state({"index": 1})
    assert w.mode == "slice"
    with pytest.raises(traitlets.TraitError):
        w.mode = "zoom"


@pytest.mark.parametrize("method", ["slide_rule", "slide_rule_scaled"])
def test_gradient_pane_shows_exactly_what_the_rule_reads(curve, method):
    """For every interval in the trace, |g[r] - g[l]| on the drawn gradient equals the rule's own diff."""
    w = LRFinderWidget(curve, autoplay=False)
    w.controls.method = method
    s = w.suggestions[method]
    g = w.grad_pane.grad  # what the pane holds (drawn as float32)
    assert s.trace and np.allclose(w.grad_pane.line.y, g[np.isfinite(g)], rtol=1e-6)
    for step in s.trace:
        assert abs(g[step.right] - g[step.left]) == pytest.approx(step.diff, rel=1e-9, abs=1e-12)


def test_close_closes_every_part(w):
    """close() closes the widget, its panes' marks and scales, the controls and the strip."""
    parts = [w.loss_pane.smooth, w.x_scale, w.grad_pane.line, w.controls.w_lr_diff, w.strip, w.player.play]
    w.close()
    assert w.comm is None and all(p.comm is None for p in parts)


def test_header_reads_auto_confidence_and_spread(w):
    """After the sweep the header gives auto's pick with its confidence in words and the methods' spread."""
    auto = w.suggestions["auto"]
    text = w.info.value
    assert "auto suggests" in text and f"score {auto.confidence:.2f}" in text
    assert f"methods span {auto.params['spread_decades']:.1f} decades" in text
    assert any(f"{word} confidence" in text for word in ("low", "medium", "high"))


def test_a_missing_part_is_named_for_the_widget_the_user_called():
    """LRFinderWidget(model) said 'lr_find(model, ...) needs optimizer': it names LRFinderWidget now."""
    torch = pytest.importorskip("torch")
    want = r"^LRFinderWidget\(model, \.\.\.\) needs optimizer: LRFinderWidget\("
    with pytest.raises(TypeError, match=want):
        LRFinderWidget(torch.nn.Linear(2, 1))


def test_a_refused_pick_raises_from_the_users_line_not_through_traitlets(w):
    """`w.lr = 5e3` ended well but printed a 90-line traceback, mostly traitlets internals: the same
    error (type and message) is now raised from the widget's own frame, with no chained context."""
    from lrwidget.widget.selection import SelectionValueError

    with pytest.raises(SelectionValueError, match=r"lr=5e\+3 is outside the rates this sweep covers") as info:
        w.lr = 5e3
    frames = []
    tb = info.value.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame.f_code.co_name)
        tb = tb.tb_next
    assert frames[-1] == "__setattr__" and len(frames) <= 2, frames
    assert info.value.__suppress_context__ and w.lr is None
    with pytest.raises(traitlets.TraitError, match="lr_slice must be"):
        w.lr_slice = (1e-2, 1e-3)
