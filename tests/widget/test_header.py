"""The header as a pure function of state: running, endings, partial sweeps, caveats, the recommendation."""

from __future__ import annotations

from lrwidget.core.events import StepEvent
from lrwidget.core.suggestion import Suggestion
from lrwidget.widget import header
from lrwidget.widget.header import HeaderState, render
from lrwidget.widget.registry import PALETTE


def step(i: int, n: int = 2000) -> StepEvent:
    return StepEvent(i, n, 1e-5, 1.25, 1.3, 0.01 * (i + 1))


def auto(lr: float = 3e-4, confidence: float = 0.72, caveats: tuple[str, ...] = ()) -> Suggestion:
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
    assert "auto suggests <b>3e-4</b>" in a.info and "high confidence 72%" in a.info
    v = render(HeaderState(**base, recommended=Suggestion("valley", 1.2e-3)))
    assert "valley suggests <b>1.2e-3</b>" in v.info and "auto" not in v.info
    none = render(HeaderState(**base, recommended=Suggestion("steepest", None, reason="flat")))
    assert "steepest: no suggestion" in none.info


def test_a_stopped_sweep_says_how_far_it_got_and_shows_cores_caveat():
    """Defect 2: a stopped sweep says after how many of the planned steps; the partial-curve caveat core
    put on the recommended suggestion is shown under it (a diverged sweep has none)."""
    caveat = "The sweep was stopped by hand at lr 1e-5, before the loss turned up: the curve is partial."
    view = render(
        HeaderState(status="stopped", stop_reason="cancelled", points=673, num_it=2000,
                    recommended=auto(confidence=0.1, caveats=(caveat,)))
    )  # fmt: skip
    assert "stopped by you after 673 of 2000 steps" in view.info and "low confidence 10%" in view.info
    assert "before the loss turned up" in view.message
    diverged = render(HeaderState(status="diverged", stop_reason="diverged", points=90, recommended=auto()))
    assert diverged.message == ""


def test_every_caveat_of_the_suggestion_is_shown_escaped():
    """Defect 2: the suggestion's caveats (sentences from core) are rendered, HTML-escaped, once each."""
    s = auto(confidence=0.2, caveats=("The loss <never> turns up.", "The loss <never> turns up."))
    view = render(HeaderState(status="diverged", stop_reason="diverged", points=100, recommended=s))
    assert view.message.count("The loss &lt;never&gt; turns up.") == 1
    assert "low confidence 20%" in view.info


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
