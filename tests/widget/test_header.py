"""The header as a pure function of state: running, endings, partial sweeps, caveats, the recommendation."""

from __future__ import annotations

from lrwidget.core.events import StepEvent
from lrwidget.core.suggestion import Suggestion
from lrwidget.widget import header
from lrwidget.widget.header import HeaderState, render
from lrwidget.widget.registry import PALETTE


def step(i: int, n: int = 2000) -> StepEvent:
    return StepEvent(i, n, 1e-5, 1.25, 1.3, 0.01 * (i + 1))


def auto(lr: float = 3e-4, confidence: float = 0.95, caveats: tuple[str, ...] = ()) -> Suggestion:
    return Suggestion("auto", lr, confidence=confidence, caveats=caveats, params={"spread_decades": 0.8})


def test_running_shows_the_last_step_and_never_starting_once_a_step_was_drawn():
    """Defect 4: with a last step in the state the header reads 'step N / M', never 'starting… (0 / N)'."""
    view = render(HeaderState(status="running", num_it=2000, last=step(1999), progress=1.0))
    assert "step <b>2000</b> / 2000" in view.info and "starting" not in view.info
    assert "starting… (0 / 2000 steps)" in render(HeaderState(status="running", num_it=2000)).info


def test_the_recommendation_is_the_chosen_method_with_its_confidence():
    """Defect 4: whichever suggestion the state carries is the one named (the header follows recommend)."""
    base = {"status": "diverged", "stop_reason": "diverged", "points": 100}
    a = render(HeaderState(**base, recommended=auto()))
    assert "auto suggests <b>3e-4</b>" in a.info and "high confidence: score 0.95" in a.info
    v = render(HeaderState(**base, recommended=Suggestion("valley", 1.2e-3)))
    assert "valley suggests <b>1.2e-3</b>" in v.info and "auto" not in v.info
    none = render(HeaderState(**base, recommended=Suggestion("steepest", None, reason="flat")))
    assert "steepest: no answer" in none.info  # the legend chip's words


def test_a_stopped_sweep_says_how_far_it_got_and_shows_cores_caveat():
    """Defect 2: a stopped sweep says after how many of the planned steps; the partial-curve caveat core
    put on the recommended suggestion is shown under it (a diverged sweep has none)."""
    caveat = "The sweep was stopped by hand at lr 1e-5, before the loss turned up: the curve is partial."
    view = render(
        HeaderState(status="stopped", stop_reason="cancelled", points=673, num_it=2000,
                    recommended=auto(confidence=0.1, caveats=(caveat,)))
    )  # fmt: skip
    assert "stopped by you after 673 of 2000 steps" in view.info and "low confidence: score 0.10" in view.info
    assert "before the loss turned up" in view.message
    diverged = render(HeaderState(status="diverged", stop_reason="diverged", points=90, recommended=auto()))
    assert diverged.message == ""


def test_every_caveat_of_the_suggestion_is_shown_escaped():
    """Defect 2: the suggestion's caveats (sentences from core) are rendered, HTML-escaped, once each."""
    s = auto(confidence=0.2, caveats=("The loss <never> turns up.", "The loss <never> turns up."))
    view = render(HeaderState(status="diverged", stop_reason="diverged", points=100, recommended=s))
    assert view.message.count("The loss &lt;never&gt; turns up.") == 1
    assert "low confidence: score 0.20" in view.info


def test_a_diverged_sweep_is_not_a_warning_and_an_error_is_red():
    """The normal ending is drawn as done (green bar); an error shows its message in the error colour."""
    view = render(HeaderState(status="diverged", stop_reason="diverged", points=90))
    assert view.bar_style == "success" and PALETTE.status_done in view.badge
    assert PALETTE.status_warning not in view.badge
    err = render(HeaderState(status="error", error="ValueError: <bad>", stop_reason="error", points=3))
    assert err.bar_style == "danger" and "ValueError: &lt;bad&gt;" in err.message
    stopped = render(HeaderState(status="stopped", stop_reason="cancelled", points=5))
    assert stopped.bar_style == "" and PALETTE.status_warning not in stopped.badge


def test_a_replay_is_labelled_replay_and_idle_says_ready():
    """A replayed result says 'replay'; an idle live widget says how many steps Run will take."""
    assert (
        ">replay<"
        in render(HeaderState(status="diverged", live=False, stop_reason="diverged", points=9)).badge
    )
    assert "ready: 300 steps" in render(HeaderState(num_it=300)).info


def test_number_formats():
    """Durations and losses read at a glance."""
    assert header.fmt_seconds(4.2) == "4.2 s" and header.fmt_seconds(125) == "2 min 05 s"
    assert header.fmt_num(float("nan")) == "-" and header.fmt_num(1.23456) == "1.235"


STOPPED = (
    "The sweep was stopped by hand at lr 0.00015, before the loss turned up: the curve is partial, so the "
    "pick is read from the part that was measured. Sweep again to the end to confirm it."
)
FLAT = (
    "The loss does not fall clearly during the sweep, so there is no descent to read: the pick is a guess. "
    "If it stayed flat, sweep to a higher end_lr. Sweep again to the end to confirm it."
)


def test_stacked_caveats_show_each_sentence_once_the_picks_own_first():
    """On a stopped flat curve core gives the sweep's caveat (every method carries it) and auto's own: the
    pick's own fact comes first, then the sweep's, each once, and their advice on one line after them,
    with the sentence both share said once."""
    rec = auto(confidence=0.02, caveats=(STOPPED, FLAT))
    view = render(HeaderState(status="stopped", stop_reason="cancelled", points=80, num_it=200,
                              recommended=rec, shared_caveats=(STOPPED,), caveats=(STOPPED,)))  # fmt: skip
    msg = view.message
    assert msg.index("no descent to read") < msg.index("stopped by hand")
    assert msg.count("lrw-caveat") == 2 and msg.count("lrw-advice") == 1
    assert msg.count("Sweep again to the end to confirm it.") == 1
    assert msg.count("stopped by hand") == 1 and msg.count("sweep to a higher end_lr") == 1
    assert msg.index("sweep to a higher end_lr") > msg.index("stopped by hand")  # advice after the facts


def test_a_completed_sweep_whose_loss_turned_up_says_so():
    """A completed sweep whose loss rose again (core's turned_up) says how far, and that the stop rule
    was not reached (or was off); without the turn-up it just says completed."""
    base = {"status": "done", "stop_reason": "completed", "points": 150, "num_it": 150}
    on = render(HeaderState(**base, turned_up=True, best_loss=1.31, last_loss=4.0, stop_div=True,
                            div_factor=4.0)).info  # fmt: skip
    assert (
        "completed all 150 steps; the loss turned up (1.31 → 4), as a range test should end; it did not "
        "reach the stop rule (4× its best)" in on
    )
    off = render(HeaderState(**base, turned_up=True, best_loss=1.31, last_loss=9.5, stop_div=False)).info
    assert "the loss turned up (1.31 → 9.5), as a range test should end (stop_div was off)" in off
    flat = render(HeaderState(**base, turned_up=False, best_loss=2.3, last_loss=2.3, stop_div=True)).info
    assert "completed all 150 steps" in flat and "turned up" not in flat
    # a newcomer could not tell whether "turned up" was good: it is how a range test should end
    # once in the row, once in its title
    assert on.count("as a range test should end") == 2 and "as a range test should end" not in flat


def test_ending_facts_read_cores_turn_up_and_the_stop_rule_from_the_result():
    """Only a completed sweep gets ending facts: the loss turned up (core's rule) from its best to its last
    smoothed value, with the stop rule it ran under; a diverged or empty result gets none."""
    import numpy as np

    from lrwidget.core.result import RangeTestResult

    lrs = np.geomspace(1e-5, 1.0, 60)
    losses = np.r_[np.linspace(2.0, 1.0, 40), np.linspace(1.0, 3.0, 20)]
    done = RangeTestResult(lrs, losses, settings={"stop_div": True, "div_factor": 4.0})
    facts = header.ending_facts(done)
    assert facts["turned_up"] is True and facts["stop_div"] is True and facts["div_factor"] == 4.0
    assert facts["best_loss"] == float(done.smoothed.min()) and facts["last_loss"] == float(done.smoothed[-1])
    flat = RangeTestResult(lrs, np.full(60, 2.0))
    assert header.ending_facts(flat)["turned_up"] is False and header.ending_facts(flat)["stop_div"] is None
    assert header.ending_facts(RangeTestResult(lrs, losses, stop_reason="diverged")) == {}
    assert header.ending_facts(None) == {}


def test_shared_caveats_are_those_every_method_carries():
    """The sweep's caveats (every suggestion has them) are told apart from the pick's own."""
    sweep, own = "The sweep was stopped.", "The pick is a guess."
    best = auto(caveats=(sweep, own))
    others = {"auto": best, "valley": Suggestion("valley", 1e-3, caveats=(sweep,))}
    assert header.shared_caveats(best, others) == (sweep,)
    assert header.shared_caveats(None, others) == ()


def test_confidence_words_follow_the_calibrated_terciles():
    """Core's calibrated words (CONFIDENCE_LEVELS: high from 0.90, medium from 0.85, low below) read as
    the header shows them, with the value."""
    base = {"status": "diverged", "stop_reason": "diverged", "points": 100}
    for c, word in [(0.97, "high"), (0.9, "high"), (0.88, "medium"), (0.85, "medium"), (0.84, "low"),
                    (0.3, "low")]:  # fmt: skip
        assert (
            f"{word} confidence: score {c:.2f}"
            in render(HeaderState(**base, recommended=auto(confidence=c))).info
        )


def test_a_partial_sweep_never_reads_high_confidence():
    """Stopped early the pick is provisional: never above 'low'. Completed but partial (core's caveat on
    every method): never above 'medium'. Whatever the value core gives."""
    rec = {"recommended": auto(confidence=0.97), "shared_caveats": ("partial.",)}
    stopped = render(HeaderState(status="stopped", stop_reason="cancelled", points=85, num_it=300, **rec))
    assert "low confidence: score 0.97, capped for a partial curve" in stopped.info
    assert "high confidence" not in stopped.info
    partial = render(HeaderState(status="done", stop_reason="completed", points=300, num_it=300, **rec))
    assert "medium confidence: score 0.97, capped for a partial curve" in partial.info


def test_the_info_keeps_two_rows_of_fixed_height_in_every_state():
    """The loss pane lies under the header: its info is always two rows of ROW_PX (an empty row keeps
    its height), so nothing above the pane changes height as a sweep starts, runs and ends. The caveats,
    of any length, are not in it (the widget shows them under the pane)."""
    rec = auto(caveats=("The sweep was stopped by hand at lr 1e-5, before the loss turned up: partial.",))
    states = [
        HeaderState(status="idle"),
        HeaderState(status="running", last=step(5)),
        HeaderState(status="done", stop_reason="completed", points=100, num_it=100, recommended=auto()),
        HeaderState(status="stopped", stop_reason="cancelled", points=40, num_it=100, recommended=rec),
    ]
    for state in states:
        info = render(state).info
        assert info.count("class='lrw-info-row'") == header.INFO_ROWS == 2, info
        assert info.count(f";height:{header.ROW_PX}px;white-space:nowrap") == 2 and "lrw-caveat" not in info
    done = render(states[2]).info  # a row too long for the width shows in full on hover
    assert "title='auto suggests 3e-4 (high confidence" in done
    assert "auto suggests" in render(states[2]).info.split("lrw-info-row")[-1]  # the second row
