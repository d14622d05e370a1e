"""The ``lrwidget`` command, run as a user runs it: a subprocess, real sweeps with few steps.

Bad arguments end with exit status 2, the usage line and the option named, before any data loads; a
missing optional package ends with one line saying how to install it; ``demo`` marks and explains its
recommendation; ``show`` reopens saved results without torch.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lrwidget import __version__
from lrwidget.core.formatting import format_lr
from lrwidget.core.result import RangeTestResult

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# run the command with some packages made unimportable (what a plain `pip install .` leaves out)
BLOCKED_RUN = textwrap.dedent(
    """
    import importlib.abc, runpy, sys
    BLOCKED = set(sys.argv[1].split(","))
    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None
    sys.meta_path.insert(0, Block())
    sys.argv = ["lrwidget", *sys.argv[2:]]
    runpy.run_module("lrwidget", run_name="__main__")
    """
)


def lrwidget(*args: str | Path, blocked: tuple[str, ...] = (), cwd: Path | None = None):
    """Run ``python -m lrwidget ARGS`` (with ``blocked`` packages unimportable); the finished process."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "COLUMNS": "100"}
    if blocked:
        command = [sys.executable, "-c", BLOCKED_RUN, ",".join(blocked), *map(str, args)]
    else:
        command = [sys.executable, "-m", "lrwidget", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=240, env=env, cwd=cwd)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """One real demo: the MLP, 40 steps, one epoch of training."""
    out = tmp_path_factory.mktemp("demo") / "nested" / "out"
    done = lrwidget("demo", "--model", "mlp", "--num-it", "40", "--fit", "1", "--no-progress", "--out", out)
    return done, out


# -- no work needed ----------------------------------------------------------------------------------
def test_version_prints_the_package_version():
    """`lrwidget --version` answers without a command (it used to ask for one)."""
    done = lrwidget("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"lrwidget {__version__}"


@pytest.mark.parametrize("command", [(), ("demo",), ("show",)])
def test_help_explains_every_option_with_its_default_and_no_markup(command):
    """Every option has a help text, every option with a value shows its default, no reST backticks."""
    done = lrwidget(*command, "--help")
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert "``" not in text and ":func:" not in text
    from lrwidget.cli import arguments

    parser = arguments.command_parser(arguments.parser(), command[0] if command else None)
    for action in parser._actions:
        if not action.option_strings:
            continue
        assert action.help, f"{action.option_strings} has no help"
        if action.default not in (None, False) and action.nargs != 0:
            assert f"(default: {action.default})" in " ".join(text.split()), action.option_strings


def test_no_command_lists_the_commands_and_exits_2():
    done = lrwidget()
    assert done.returncode == 2
    assert "choose a command: demo or show" in done.stderr and "demo" in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--bogus",), "unrecognized arguments: --bogus"),
        (("demo", "--num-iter", "5"), "--num-iter (did you mean --num-it?)"),
        (("demo", "--num-it", "-5"), "argument --num-it: must be at least 2"),
        (("demo", "--num-it", "ten"), "argument --num-it: not a whole number: 'ten'"),
        (("demo", "--start-lr", "0"), "argument --start-lr: must be > 0, got 0"),
        (("demo", "--end-lr", "nan"), "argument --end-lr: must be a finite number, got nan"),
        (("demo", "--end-lr", "inf"), "argument --end-lr: must be a finite number, got inf"),
        (("demo", "--start-lr", "1", "--end-lr", "0.1"), "--end-lr must be greater than --start-lr"),
        (("demo", "--seed", "-1"), "argument --seed: must be >= 0"),
        (("demo", "--fit", "-1"), "argument --fit: must be >= 0"),
        (("demo", "--confirm", "-1"), "argument --confirm: must be >= 0"),
        (("demo", "--confirm", "99"), "argument --confirm: must be <= 10"),
        (("demo", "--model", "resnet"), "argument --model: invalid choice: 'resnet'"),
        (("show",), "the following arguments are required: RESULT.json"),
        (("show", "missing.json"), "missing.json: no such file"),
    ],
)
def test_a_bad_argument_exits_2_with_the_usage_before_any_work(args, message):
    """The option is named, the usage line shown, nothing printed on stdout (no data loaded, no sweep)."""
    done = lrwidget(*args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr
    assert done.stderr.startswith("usage: lrwidget")
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_out_pointing_at_a_file_is_refused_before_the_sweep(tmp_path):
    """`--out` naming a file (or a folder under a file) fails at once, not after the whole sweep."""
    blocker = tmp_path / "taken"
    blocker.write_text("not a folder")
    for out, message in [(blocker, "is a file, not a folder"), (blocker / "sub", "cannot be created")]:
        done = lrwidget("demo", "--out", out)
        assert done.returncode == 2 and message in done.stderr and done.stdout == ""


def test_demo_without_its_extras_says_how_to_install_them_in_one_line():
    """A plain `pip install .` has neither scikit-learn nor matplotlib: one line, exit 1, no traceback."""
    done = lrwidget("demo", "--no-progress", blocked=("sklearn", "matplotlib"))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "scikit-learn and matplotlib" in lines[0]
    assert 'from a clone of lrwidget: pip install -e ".[demo]"' in lines[0]


def test_version_and_help_need_no_extras_and_no_torch():
    """--version and --help work with only the runtime dependencies, and even without torch."""
    for args in (("--version",), ("--help",), ("demo", "--help"), ("show", "--help")):
        done = lrwidget(*args, blocked=("sklearn", "matplotlib", "torch"))
        assert done.returncode == 0, done.stderr


# -- real runs --------------------------------------------------------------------------------------------
def test_demo_marks_and_explains_the_recommendation(demo_run):
    """The auto row is marked, the table's columns are explained, the recommended lr is auto's own."""
    done, out = demo_run
    assert done.returncode == 0, done.stderr
    text = done.stdout
    result = RangeTestResult.from_json(out / "result.json")
    pick = result.suggest()
    assert pick.method == "auto" and pick.lr is not None
    marked = [line for line in text.splitlines() if line.startswith("*  auto")]
    assert len(marked) == 1 and format_lr(pick.lr) in marked[0]
    assert "* the recommendation: auto" in text
    assert (
        "step: where on the curve" in text
        and "confidence: auto's calibrated 0-1 score (high >= 0.90, medium >= 0.85, low below)" in text
    )
    assert f"recommended lr {format_lr(pick.lr)} (auto" in text
    assert f"raw loss     first {result.losses[0]:.4g}" in text  # the climb is shown, not guessed at
    assert f"stop reason  {result.stop_reason}:" in text
    assert "fit_one_cycle(1, lr=" in text and "valid accuracy" in text
    assert (out / "lr_find.png").read_bytes()[:8] == PNG_MAGIC


def test_demo_confirm_trains_the_trials_and_says_so(tmp_path):
    """`lrwidget demo --confirm 2`: the recommendation is the confirmed rate, said to be, with the trials'
    summary and cost printed (also without progress bars), and the record saved in result.json."""
    args = ("--model", "mlp", "--num-it", "30", "--fit", "0", "--confirm", "2", "--no-progress")
    done = lrwidget("demo", *args, "--out", tmp_path)
    assert done.returncode == 0, done.stderr
    result = RangeTestResult.from_json(tmp_path / "result.json")
    confirmed = result.confirmation
    assert confirmed is not None and confirmed.measure == "val" and confirmed.chosen == result.suggest().lr
    trials = len(confirmed.candidates)
    assert f"recommended lr {format_lr(confirmed.chosen)} (auto, confirmed by {trials} trials" in done.stdout
    assert confirmed.summary() in done.stdout and "extra cost" in done.stdout


def test_show_reprints_the_demo_table_and_draws_the_png(demo_run, tmp_path):
    """`lrwidget show result.json` prints what the demo printed about the result; --png draws it."""
    _, out = demo_run
    png = tmp_path / "plots" / "again.png"
    done = lrwidget("show", out / "result.json", "--png", png, blocked=("torch",))
    assert done.returncode == 0, done.stderr
    demo_lines = demo_run[0].stdout.splitlines()
    table_start = demo_lines.index(next(line for line in demo_lines if line.startswith("points")))
    table_end = demo_lines.index(next(line for line in demo_lines if line.startswith("recommended lr")))
    assert "\n".join(demo_lines[table_start : table_end + 1]) in done.stdout
    assert png.read_bytes()[:8] == PNG_MAGIC


def test_show_several_results_gives_one_line_each(demo_run, tmp_path):
    """Many models run headless: one line per file with its auto pick, confidence and caveats."""
    _, out = demo_run
    result = RangeTestResult.from_json(out / "result.json")
    cut = RangeTestResult(result.lrs[:15], result.losses[:15], stop_reason="cancelled")
    cut.to_json(tmp_path / "stopped.json")
    done = lrwidget("show", out / "result.json", tmp_path / "stopped.json")
    assert done.returncode == 0, done.stderr
    rows = {line.split()[0]: line for line in done.stdout.splitlines() if line.endswith(tuple("0123456789"))}
    assert rows[str(out / "result.json")].split()[2] == result.stop_reason
    assert rows[str(tmp_path / "stopped.json")].split()[2] == "cancelled"
    assert len(cut.suggest().caveats) >= 1


def test_show_prints_the_caveats_of_a_partial_sweep(tmp_path):
    """A sweep stopped by hand: the caveat the suggesters attach is printed under the table."""
    lrs = [1e-5 * 10 ** (k / 10) for k in range(30)]
    losses = [2.3 - 0.02 * k for k in range(30)]
    RangeTestResult(lrs, losses, stop_reason="cancelled").to_json(tmp_path / "partial.json")
    done = lrwidget("show", tmp_path / "partial.json")
    assert done.returncode == 0, done.stderr
    caveat = RangeTestResult.from_json(tmp_path / "partial.json").suggest().caveats[0]
    assert "Read before trusting a pick:" in done.stdout
    assert caveat.split(":")[0] in " ".join(done.stdout.split())


def test_show_refuses_what_it_cannot_open_or_write(demo_run, tmp_path):
    """Not a saved result, --png with two files, --png naming a folder: exit 2, the reason named."""
    _, out = demo_run
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"hello": 1}))
    cases = [
        (("show", other), "is not a saved range test"),
        (("show", out / "result.json", out / "result.json", "--png", tmp_path / "x.png"), "--png draws one"),
        (("show", out / "result.json", "--png", tmp_path), "is a folder"),
    ]
    for args, message in cases:
        done = lrwidget(*args)
        assert done.returncode == 2 and message in done.stderr, done.stderr
        assert "Traceback" not in done.stderr


def test_show_png_without_matplotlib_says_how_to_install_it(demo_run):
    _, out = demo_run
    done = lrwidget("show", out / "result.json", "--png", out / "x.png", blocked=("matplotlib",))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "needs matplotlib" in done.stderr and 'pip install -e ".[demo]"' in done.stderr
