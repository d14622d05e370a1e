"""The bqplot panes: a click anywhere picks, markers and chips, the brush, the rule, arrows and bands."""

from __future__ import annotations

import numpy as np
import pytest
from widget_helpers import make_curve

from lrwidget.core.suggest import rule_gradient
from lrwidget.widget import axes, panes
from lrwidget.widget.testing import click_column, front_end_custom, front_end_update


def test_a_click_anywhere_in_a_column_picks_that_measured_rate():
    """The columns tile the whole plot, one per measured point: a click in column i picks lrs[i]."""
    r = make_curve()
    pane = panes.LossPane(panes.make_lr_scale())
    pane.set_curve(r.lrs, r.losses, r.smoothed)
    assert len(pane.columns.x) == len(r) and pane.columns.opacities == [0.0]
    marks = pane.figure.marks
    assert marks.index(pane.columns) > marks.index(pane.raw) and marks.index(pane.columns) > marks.index(
        pane.smooth
    )
    got = []
    pane.on_pick(got.append)
    click_column(pane.columns, 42)
    assert got == [pytest.approx(r.lrs[42])]


def test_a_long_sweep_sends_at_most_max_columns_and_a_click_still_picks_a_measured_rate():
    """3,000 points would be 3,000 SVG rects redrawn every live frame (the browser drew 4.2 frames a second
    on a 3,000-step sweep): the columns are thinned to ``axes.MAX_COLUMNS``, evenly in index (so in log lr),
    first and last kept; column j picks the measured rate it stands on, the nearest to its x."""
    n = 3000
    lrs = np.geomspace(1e-7, 10, n)
    losses = 2.0 - 0.1 * np.log10(lrs)
    pane = panes.LossPane(panes.make_lr_scale())
    pane.set_curve(lrs, losses, losses, sticky=True)
    shown = np.asarray(pane.columns.x, dtype=float)
    assert 2 <= shown.size <= axes.MAX_COLUMNS
    assert shown[0] == pytest.approx(lrs[0]) and shown[-1] == pytest.approx(lrs[-1])
    got = []
    pane.on_pick(got.append)
    for j in (0, 123, shown.size - 1):
        click_column(pane.columns, j)
        assert got[-1] == pytest.approx(shown[j], rel=1e-6) and got[-1] in lrs
    front_end_custom(pane.columns, {"event": "element_click", "data": {"x": float(lrs[1500]) * 1.0001}})
    assert got[-1] == lrs[1500]  # an event with only x still finds the nearest of all measured rates


def test_column_points_are_evenly_spread_indices_with_both_ends():
    assert axes.column_points(5, 400).tolist() == [0, 1, 2, 3, 4]
    cols = axes.column_points(3000, 400)
    assert cols[0] == 0 and cols[-1] == 2999 and cols.size == 400 and np.all(np.diff(cols) > 0)
    assert axes.column_points(0, 400).size == 0


def test_columns_keep_non_finite_points_so_indices_map_to_measured_rates():
    """A point with an infinite loss keeps its column: index i is always measured rate i."""
    lrs = np.geomspace(1e-5, 1e-1, 10)
    sm = np.linspace(2, 1, 10)
    sm[3] = np.inf
    pane = panes.LossPane(panes.make_lr_scale(1e-5, 1e-1))
    pane.set_curve(lrs, sm, sm)
    got = []
    pane.on_pick(got.append)
    click_column(pane.columns, 4)
    assert got == [pytest.approx(lrs[4])]


def test_a_click_without_index_snaps_to_the_nearest_measured_lr():
    """A click carrying only x snaps to the closest measured learning rate (log distance)."""
    r = make_curve()
    pane = panes.LossPane(panes.make_lr_scale())
    pane.set_curve(r.lrs, r.losses, r.smoothed)
    got = []
    pane.on_pick(got.append)
    front_end_custom(pane.columns, {"event": "element_click", "data": {"x": float(r.lrs[10]) * 1.05}})
    assert got == [pytest.approx(r.lrs[10])]


def test_the_recommended_marker_is_the_biggest_and_uses_the_registry():
    """Every marker takes its method's colour and shape; the recommended one is drawn larger than any."""
    from lrwidget.widget.registry import method

    r = make_curve()
    pane = panes.LossPane(panes.make_lr_scale())
    pane.set_curve(r.lrs, r.losses, r.smoothed)
    names = ["auto", "valley", "steepest", "minimum", "slide_rule"]
    pane.set_markers([panes.Marker(n, 1e-3) for n in names], "auto")
    sizes = {n: pane.markers[n].default_size for n in names}
    assert max(sizes, key=sizes.get) == "auto"
    for n in names:
        assert pane.markers[n].colors == [method(n).color] and pane.markers[n].marker == method(n).marker
    assert "auto" in pane.chips["auto"].description and "1e-3" in pane.chips["auto"].description


def test_suggestion_marker_and_legend_chip_pick_the_suggestion():
    """A click on a method's marker, or on its legend chip, picks exactly that method's lr."""
    r = make_curve()
    pane = panes.LossPane(panes.make_lr_scale())
    pane.set_curve(r.lrs, r.losses, r.smoothed)
    pane.set_markers([panes.Marker("valley", 3e-4), panes.Marker("minimum", None)], "valley")
    got = []
    pane.on_pick(got.append)
    front_end_custom(
        pane.markers["valley"], {"event": "element_click", "data": {"x": 3e-4, "y": 1.0, "index": 0}}
    )
    pane.chips["valley"].click()
    assert got == [3e-4, 3e-4]
    pane.chips["minimum"].click()  # no answer: nothing to pick
    assert got == [3e-4, 3e-4] and len(pane.markers["minimum"].x) == 0
    assert set(pane.markers) == {"valley", "minimum"}
    assert all(m in pane.figure.marks for m in pane.markers.values())


def test_brush_sets_a_slice_only_when_the_drag_ends():
    """While brushing nothing is reported; on release the sorted (lo, hi) is."""
    pane = panes.LossPane(panes.make_lr_scale())
    got = []
    pane.on_slice(got.append)
    front_end_update(pane.brush, brushing=True)
    front_end_update(pane.brush, selected=np.array([1e-3, 1e-5]))
    assert got == []
    front_end_update(pane.brush, brushing=False)
    assert got == [(pytest.approx(1e-5), pytest.approx(1e-3))]


def test_mode_switches_the_figure_interaction():
    """Slice mode puts the brush on the figure; pick mode removes it so clicks reach the points."""
    pane = panes.LossPane(panes.make_lr_scale())
    pane.set_mode("slice")
    assert pane.figure.interaction is pane.brush
    pane.set_mode("pick")
    assert pane.figure.interaction is None
    with pytest.raises(ValueError, match="mode"):
        pane.set_mode("zoom")


def test_pick_rule_and_slice_band_are_drawn_and_cleared():
    """The pick draws a full-height rule with its value as text; the slice a band with its label."""
    pane = panes.LossPane(panes.make_lr_scale())
    pane.set_pick(3e-3)
    assert list(pane.rule.x) == [3e-3, 3e-3] and pane.rule_label.text == ["lr = 3e-3"]
    pane.set_slice((1e-5, 1e-3))
    assert pane.band.x.min() == 1e-5 and pane.band.x.max() == 1e-3
    assert "slice(1e-5, 1e-3)" in pane.band_label.text[0]
    assert list(pane.brush.selected) == [1e-5, 1e-3]
    pane.set_pick(None)
    pane.set_slice(None)
    assert len(pane.rule.x) == 0 and len(pane.band.x) == 0 and pane.brush.selected is None


def test_grad_pane_interval_and_threshold_band():
    """The interval draws both edges, both end dots and the g[l] ± threshold band."""
    r = make_curve()
    g = rule_gradient("slide_rule", r.lrs, r.smoothed)
    pane = panes.GradPane(panes.make_lr_scale())
    pane.set_curve(r.lrs, g, axes.grad_y_range(g, r.smoothed, 0.05), "g")
    pane.set_interval(60, 75, 0.05)
    assert list(pane.ends.x) == [r.lrs[60], r.lrs[75]]
    assert pane.tol.y.max() == pytest.approx(g[60] + 0.05) and pane.tol.y.min() == pytest.approx(g[60] - 0.05)
    pane.set_interval(None, None)
    assert len(pane.ends.x) == 0 and len(pane.tol.x) == 0


def test_grad_pane_draws_values_off_the_top_as_arrows_with_their_value():
    """An interval end above the plot is pinned to the edge and labelled with its true value (not 0.16)."""
    r = make_curve()
    g = rule_gradient("slide_rule", r.lrs, r.smoothed)
    pane = panes.GradPane(panes.make_lr_scale())
    pane.set_curve(r.lrs, g, (-0.1, 0.16), "g")
    right = int(np.flatnonzero(g > 0.16)[0])  # the first point off the top: its left end is inside
    left = right - 15
    assert -0.1 < g[left] < 0.16
    pane.set_interval(left, right, 0.05)
    assert pane.ends.y[1] == pytest.approx(0.16)
    assert list(pane.arrows.x) == [pytest.approx(r.lrs[right])]
    assert pane.arrow_labels.text == [f"↑ {g[right]:.3g}"]
    pane.set_interval(None, None)
    assert len(pane.arrows.x) == 0


def test_threshold_band_stays_visible_when_the_loss_scale_is_huge():
    """A loss 10,000 times larger makes 0.05 a sliver: the band is still drawn 2.5 % of the axis tall."""
    r = make_curve()
    g = rule_gradient("slide_rule", r.lrs, r.smoothed * 1e4)
    pane = panes.GradPane(panes.make_lr_scale())
    lo, hi = axes.grad_y_range(g, r.smoothed * 1e4, 0.05)
    pane.set_curve(r.lrs, g, (lo, hi), "g")
    pane.set_interval(40, 55, 0.05)
    height = pane.tol.y.max() - pane.tol.y.min()
    assert height == pytest.approx(0.025 * (hi - lo)) and height > 0.1


def test_set_lr_range_updates_scale_and_ticks():
    """Moving the shared lr domain moves both axes' decade ticks with it."""
    scale = panes.make_lr_scale()
    loss, grad = panes.LossPane(scale), panes.GradPane(scale)
    panes.set_lr_range(scale, [loss, grad], 1e-5, 1.0)
    assert (scale.min, scale.max) == (1e-5, 1.0)
    assert np.allclose(loss.x_axis.tick_values, 10.0 ** np.arange(-5, 1))
    assert np.allclose(grad.x_axis.tick_values, loss.x_axis.tick_values)


def hover_pane():
    from lrwidget.widget.testing import record_comms

    r = make_curve()
    with record_comms() as log:
        pane = panes.LossPane(panes.make_lr_scale())
    pane.set_curve(r.lrs, r.losses, r.smoothed)
    return r, pane, log


def test_hover_draws_nothing_the_browser_highlights_the_column():
    """Where a click lands is the column under the mouse, highlighted by the browser's :hover (the pane's
    CSS class, in the widget's style sheet): the kernel draws nothing for it, so nothing is left behind
    when the mouse leaves; the columns carry no tooltip (a bqplot tooltip stayed on screen once the pane
    was redrawn under it). The kernel only notes the column, for a click on a line's stroke."""
    from lrwidget.widget.panes.loss import PANE_CLASS
    from lrwidget.widget.strip import load_css
    from lrwidget.widget.testing import hover_column

    r, pane, log = hover_pane()
    log.clear()
    hover_column(pane.columns, 61)
    assert pane.hovered == 61 and log.updates() == []
    assert pane.columns.tooltip is None
    assert PANE_CLASS in pane.figure._dom_classes
    css = load_css()
    css_text = css.read_text() if hasattr(css, "read_text") else css
    assert f".{PANE_CLASS} rect.bar:hover" in css_text
    got = []
    pane.on_pick(got.append)
    click_column(pane.columns, 61)
    assert got == [pytest.approx(r.lrs[61])]


def test_no_hover_in_slice_mode_or_past_a_shorter_curve():
    """In slice mode a drag picks a slice, so no column is noted; a new, shorter curve (a new sweep
    starting) drops a column past its end."""
    from lrwidget.widget.testing import hover_column

    r, pane, _ = hover_pane()
    hover_column(pane.columns, 80)
    pane.set_mode("slice")
    assert pane.hovered is None
    hover_column(pane.columns, 80)
    assert pane.hovered is None
    pane.set_mode("pick")
    hover_column(pane.columns, 80)
    assert pane.hovered == 80
    pane.set_curve(r.lrs[:20], r.losses[:20], r.smoothed[:20])
    assert pane.hovered is None


def legend_words(pane) -> str:
    import re

    return re.sub(r"<[^>]+>", "", pane.key.value)


def test_the_legend_lists_only_what_is_drawn():
    """Before anything is picked the legend has no 'your lr' or 'your slice'; each appears with its mark
    and goes with it. The slide rule's left end is a ring (not the ▲ of slide rule (scaled)), listed while
    it is drawn; 'where a click lands' only in pick mode over a curve; the reading line only when drawn."""
    r = make_curve()
    pane = panes.LossPane(panes.make_lr_scale())
    words = legend_words(pane)
    assert "smoothed loss" in words and "your lr" not in words and "where a click lands" not in words
    pane.set_curve(r.lrs, r.losses, r.smoothed)
    words = legend_words(pane)
    assert "where a click lands" in words
    assert "your lr" not in words and "your slice" not in words and "left end" not in words
    assert "what auto reads" not in words
    pane.set_pick(1e-3)
    assert "your lr" in legend_words(pane)
    pane.set_pick(None)
    assert "your lr" not in legend_words(pane)
    pane.set_slice((1e-4, 1e-2))
    assert "your slice" in legend_words(pane)
    pane.set_probe(1e-3)
    assert "○ slide rule's left end" in legend_words(pane) and "▲" not in legend_words(pane)
    pane.set_probe(None)
    assert "left end" not in legend_words(pane)
    pane.set_reading(r.lrs, r.losses, title="the reading")
    assert "what auto reads" in legend_words(pane) and "title='the reading'" in pane.key.value
    pane.set_reading([], [])
    assert "what auto reads" not in legend_words(pane)
    pane.set_mode("slice")
    assert "where a click lands" not in legend_words(pane)


def test_a_method_without_an_answer_says_so_readably_with_its_reason():
    """'slide rule: –' at 60 % opacity (a disabled button) read about 1.9:1: the chip now says 'no answer'
    in the theme's text colour, is not greyed out, and its tooltip gives the reason by the method's label."""
    r = make_curve()
    pane = panes.LossPane(panes.make_lr_scale())
    pane.set_curve(r.lrs, r.losses, r.smoothed)
    why = "the gradients agree at the first position"
    pane.set_markers([panes.Marker("slide_rule", None, why), panes.Marker("valley", 3e-4)], "valley")
    chip = pane.chips["slide_rule"]
    assert chip.description == "slide rule: no answer" and not chip.disabled
    assert chip.tooltip == f"slide rule has no answer: {why}"
    assert chip.style.text_color.startswith("var(--jp-ui-font-color1")
    assert pane.chips["valley"].style.text_color == panes.loss.method("valley").color


def test_auto_marker_sits_on_the_curve_it_read():
    """With the reading line drawn, auto's marker is on it (not on the smoothed line); without, on the
    smoothed line."""
    r = make_curve()
    pane = panes.LossPane(panes.make_lr_scale())
    pane.set_curve(r.lrs, r.losses, r.smoothed)
    lr = float(r.lrs[50])
    read = r.losses * 0.5
    pane.set_reading(r.lrs, read)
    pane.set_markers([panes.Marker("auto", lr)], "auto")
    assert float(pane.markers["auto"].y[0]) == pytest.approx(read[50], rel=1e-4)
    pane.set_reading([], [])
    pane.set_markers([panes.Marker("auto", lr)], "auto")
    assert float(pane.markers["auto"].y[0]) == pytest.approx(r.smoothed[50], rel=1e-4)


def test_a_click_on_the_raw_or_smoothed_curve_picks_where_the_hover_marker_is():
    """bqplot sends a click on a line's stroke without the mouse position: the pick is the measured rate
    of the column the mouse last entered (what the hover marker shows); with no hover yet, or in slice
    mode, such a click does nothing."""
    from lrwidget.widget.testing import hover_column

    r, pane, _ = hover_pane()
    got = []
    pane.on_pick(got.append)
    line_click = {"event": "element_click", "data": {"name": "", "values": []}}  # what a Lines click carries
    front_end_custom(pane.raw, line_click)
    assert got == []
    hover_column(pane.columns, 33)
    front_end_custom(pane.raw, line_click)
    front_end_custom(pane.smooth, line_click)
    assert got == [pytest.approx(r.lrs[33])] * 2
    pane.set_mode("slice")
    front_end_custom(pane.raw, line_click)
    assert len(got) == 2
