"""The method registry and palette: complete, distinct, readable on both themes, one rate format."""

from __future__ import annotations

import inspect
import itertools
import json
import math
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrwidget.core import suggest
from lrwidget.widget import registry
from lrwidget.widget.registry import METHODS, PALETTE, format_lr, format_slice

LIGHT_BG = "#ffffff"  # JupyterLab light --jp-layout-color0
DARK_BG = "#111111"  # JupyterLab dark --jp-layout-color0
DISTINCT = 15.0  # CIEDE2000: two marks a reader tells apart at a glance (2.3 is "just noticeable")
JS_MODULE = Path(__file__).resolve().parents[2] / "js" / "decision_strip.js"


# ---- colour science (sRGB -> CIELAB D65, CIEDE2000, WCAG contrast) --------------------------------
def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _rgb(hex_color: str) -> tuple[int, int, int]:
    h = hex_color.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def luminance(hex_color: str) -> float:
    r, g, b = map(_linear, _rgb(hex_color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def lab(hex_color: str) -> tuple[float, float, float]:
    r, g, b = map(_linear, _rgb(hex_color))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def chroma(hex_color: str) -> float:
    _, a, b = lab(hex_color)
    return math.hypot(a, b)


def delta_e(c1: str, c2: str) -> float:
    """CIEDE2000 difference of two sRGB colours."""
    return delta_e_lab(lab(c1), lab(c2))


def delta_e_lab(lab1: tuple[float, float, float], lab2: tuple[float, float, float]) -> float:
    """CIEDE2000 colour difference of two CIELAB colours (Sharma, Wu and Dalal's formulation)."""
    L1, a1, b1 = lab1
    L2, a2, b2 = lab2
    c_bar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_bar**7 / (c_bar**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360
    h2p = math.degrees(math.atan2(b2, a2p)) % 360
    dh = 0.0
    if c1p * c2p:
        dh = h2p - h1p
        if dh > 180:
            dh -= 360
        elif dh < -180:
            dh += 360
    d_l, d_c = L2 - L1, c2p - c1p
    d_h = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))
    l_bar, cp_bar = (L1 + L2) / 2, (c1p + c2p) / 2
    if not c1p * c2p:
        h_bar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_bar = (h1p + h2p) / 2
    else:
        h_bar = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(h_bar - 30))
        + 0.24 * math.cos(math.radians(2 * h_bar))
        + 0.32 * math.cos(math.radians(3 * h_bar + 6))
        - 0.20 * math.cos(math.radians(4 * h_bar - 63))
    )
    d_theta = 30 * math.exp(-(((h_bar - 275) / 25) ** 2))
    r_c = 2 * math.sqrt(cp_bar**7 / (cp_bar**7 + 25**7))
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / math.sqrt(20 + (l_bar - 50) ** 2)
    s_c = 1 + 0.045 * cp_bar
    s_h = 1 + 0.015 * cp_bar * t
    r_t = -math.sin(math.radians(2 * d_theta)) * r_c
    return math.sqrt((d_l / s_l) ** 2 + (d_c / s_c) ** 2 + (d_h / s_h) ** 2 + r_t * (d_c / s_c) * (d_h / s_h))


@pytest.mark.parametrize(
    ("lab1", "lab2", "expected"),
    [  # from Sharma, Wu and Dalal's CIEDE2000 test data
        ((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425),
        ((50, 2.8361, -74.0200), (50, 0, -82.7485), 3.4412),
        ((50, 0, 0), (50, -1, 2), 2.3669),
        ((50, 2.5, 0), (73, 25, -18), 27.1492),
        ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ],
)
def test_delta_e_matches_the_published_test_data(lab1, lab2, expected):
    assert delta_e_lab(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert delta_e_lab(lab2, lab1) == pytest.approx(expected, abs=1e-4)


def test_lab_of_white_and_black():
    assert lab("#ffffff") == pytest.approx((100, 0, 0), abs=0.05)
    assert lab("#000000") == pytest.approx((0, 0, 0), abs=1e-9)


def _method_colors() -> dict[str, str]:
    return {name: spec.color for name, spec in METHODS.items()}


# ---- completeness ---------------------------------------------------------------------------------
def test_every_core_suggester_has_an_entry_and_no_entry_is_invented():
    assert set(METHODS) == set(suggest.METHODS)
    assert next(iter(METHODS)) == "auto"  # legends and chips list the default first


def test_params_exist_in_the_signature_with_its_default_inside_the_range():
    for name, spec in METHODS.items():
        signature = inspect.signature(suggest.METHODS[name]).parameters
        for p in spec.params:
            assert p.name in signature, f"{name}.{p.name} is not a parameter of the suggester"
            assert p.default == signature[p.name].default
            assert p.low <= p.default <= p.high, f"{name}.{p.name}"
            assert p.scale == "linear" or p.low > 0, f"{name}.{p.name}: a log control needs low > 0"
            assert (p.kind == "int") == isinstance(p.default, int)


def test_every_param_at_either_end_of_its_range_is_accepted_by_its_suggester():
    lrs = np.logspace(-6, 0, 120)
    losses = 2.3 - 1.5 / (1 + np.exp(-(np.log10(lrs) + 3) * 3)) + np.where(lrs > 0.1, (lrs - 0.1) * 40, 0.0)
    for name, spec in METHODS.items():
        for p in spec.params:
            for value in (p.low, p.high):
                result = suggest.METHODS[name](lrs, losses, **{p.name: value})
                assert result.method == name
                assert result.lr is not None or result.reason


def test_param_lookup_names_what_there_is():
    assert METHODS["slide_rule"].param("lr_diff").default == 15
    assert METHODS["slide_rule"].defaults() == {"lr_diff": 15, "loss_threshold": 0.05, "adjust_value": 1.0}
    with pytest.raises(KeyError, match="lr_diff"):
        METHODS["slide_rule"].param("num_it")


def test_unknown_methods_get_a_stable_fallback():
    spec = registry.method("my_rule")
    assert spec.label == "my rule" and spec.color in registry.FALLBACK_COLORS
    assert registry.method_color("my_rule") == spec.color  # stable
    assert registry.method_label("valley") == "valley"


# ---- the palette ----------------------------------------------------------------------------------
def test_method_colours_are_distinct_from_each_other_and_from_the_loss_lines():
    colors = _method_colors()
    for (a, ca), (b, cb) in itertools.combinations(colors.items(), 2):
        assert delta_e(ca, cb) >= DISTINCT, f"{a} {ca} vs {b} {cb}: ΔE00 {delta_e(ca, cb):.1f}"
    for name, color in colors.items():
        for line in ("raw", "smoothed"):
            d = delta_e(color, getattr(PALETTE, line))
            assert d >= DISTINCT, f"{name} vs the {line} line: ΔE00 {d:.1f}"


def test_auto_is_far_from_the_smoothed_line_and_steepest_far_from_the_raw_line():
    """The two confusions the issue names: auto ~ the smoothed blue, steepest ~ the raw line."""
    assert delta_e(METHODS["auto"].color, PALETTE.smoothed) >= 40
    assert delta_e(METHODS["steepest"].color, PALETTE.raw) >= DISTINCT


def test_the_slide_rule_interval_is_never_a_selection_colour():
    for selection in (PALETTE.pick, PALETTE.slice, PALETTE.hover):
        assert delta_e(PALETTE.interval, selection) >= 20


def test_the_pick_is_not_mistaken_for_a_suggestion_or_a_line():
    for name, color in _method_colors().items():
        assert delta_e(PALETTE.pick, color) >= DISTINCT, name
    for other in (PALETTE.raw, PALETTE.smoothed, PALETTE.val_loss, PALETTE.hover):
        assert delta_e(PALETTE.pick, other) >= DISTINCT
    assert delta_e(PALETTE.val_loss, PALETTE.smoothed) >= DISTINCT
    assert delta_e(PALETTE.val_loss, PALETTE.raw) >= DISTINCT


@pytest.mark.parametrize("background", [LIGHT_BG, DARK_BG], ids=["light", "dark"])
def test_every_mark_is_readable_on_both_themes(background):
    """3:1 (WCAG's figure for graphics) for every mark; the raw line is faint by design, but not lost."""
    marks = dict(_method_colors())
    for name in ("smoothed", "pick", "slice", "hover", "val_loss", "interval", "threshold_band", "gradient"):
        marks[name] = getattr(PALETTE, name)
    for name, color in marks.items():
        assert contrast(color, background) >= 3.0, f"{name} {color} on {background}"
    assert contrast(PALETTE.raw, background) >= 2.5


def test_auto_is_the_most_salient_mark():
    colors = _method_colors()
    auto = METHODS["auto"]
    others = [spec for name, spec in METHODS.items() if name != "auto"]
    assert chroma(auto.color) > max(chroma(c) for n, c in colors.items() if n != "auto")
    assert auto.size > max(s.size for s in others)
    assert auto.width > max(s.width for s in others)
    assert auto.marker not in {s.marker for s in others}
    assert auto.dash not in {s.dash for s in others}


def test_status_colours_draw_a_divergence_as_done_and_nothing_as_a_warning():
    """A diverged sweep (the normal ending) has done's colour, a stop is neutral, only an error is red;
    the header's badge uses this one mapping."""
    from lrwidget.widget.header import status_color

    assert PALETTE.status("diverged") == PALETTE.status("done") == PALETTE.status_done
    assert PALETTE.status("stopped") == PALETTE.status_idle
    assert PALETTE.status_warning not in {PALETTE.status(s) for s in ("diverged", "stopped", "done", "error")}
    assert PALETTE.status("error") == PALETTE.status_error
    assert all(status_color(s) == PALETTE.status(s) for s in ("idle", "running", "done", "diverged", "error"))
    assert PALETTE.status("something else") == PALETTE.status_idle


def test_registry_json_is_plain_json_with_every_method_and_the_palette():
    data = json.loads(json.dumps(registry.registry_json()))
    assert data["order"] == list(METHODS)
    assert data["methods"]["auto"]["color"] == METHODS["auto"].color
    assert data["methods"]["slide_rule"]["params"][0]["name"] == "lr_diff"
    assert data["palette"]["smoothed"] == PALETTE.smoothed


# ---- the one rate format --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lr", "text"),
    [
        (0.027, "2.7e-2"),
        (0.003, "3e-3"),
        (0.0031622776, "3.2e-3"),
        (1.0, "1e+0"),
        (25.0, "2.5e+1"),
        (0.00996, "1e-2"),  # rounding carries into the exponent
        (1.25, "1.3e+0"),  # an exact binary tie rounds up, as JavaScript does
        (1e-7, "1e-7"),
        (0.0, "0e+0"),
        (None, "None"),
        (float("nan"), "nan"),
        (float("inf"), "inf"),
    ],
)
def test_format_lr(lr, text):
    assert format_lr(lr) == text


def test_format_lr_digits_and_slice():
    assert format_lr(0.0031622776, 3) == "3.16e-3"
    assert format_slice(1e-5, 3e-3) == "slice(1e-5, 3e-3)"


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=1e-12, max_value=1e6), st.integers(min_value=1, max_value=6))
def test_format_lr_is_a_python_literal_within_rounding(lr, digits):
    text = format_lr(lr, digits)
    assert re.fullmatch(r"\d(\.\d*[1-9])?e[+-](0|[1-9]\d*)", text), text
    assert abs(float(text) - lr) <= 0.5 * 10 ** (1 - digits) * 10 ** math.floor(math.log10(lr)) * 1.0000001


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_python_and_js_write_every_rate_the_same_way():
    rng = np.random.default_rng(0)
    values = [*10.0 ** rng.uniform(-9, 2, 300), 1.25, 0.125, 2.5, 0.00996, 9.95, 1.0, 1e-7, 0.0]
    cases = [(float(v), d) for v in values for d in (1, 2, 3)]
    script = (
        f"import({json.dumps(JS_MODULE.as_uri())}).then((m) => {{"
        f"const cases = {json.dumps(cases)};"
        "console.log(JSON.stringify(cases.map(([v, d]) => m.formatLr(v, d))));});"
    )
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=60, check=True)
    js = json.loads(out.stdout)
    py = [format_lr(v, d) for v, d in cases]
    mismatches = [(c, p, j) for c, p, j in zip(cases, py, js, strict=True) if p != j]
    assert not mismatches, mismatches[:5]


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_status_badges_are_readable_white_on_colour():
    """The 'done' and 'stopped' badges read about 3.4:1 (white on #2E9A48, #8C8C8C): every status colour
    now gives white text at least 4.5:1 (WCAG AA), whichever theme is around it."""
    from lrwidget.widget.registry import PALETTE

    for status in ("idle", "running", "done", "stopped", "diverged", "error"):
        ratio = 1.05 / (_luminance(PALETTE.status(status)) + 0.05)
        assert ratio >= 4.5, (status, PALETTE.status(status), round(ratio, 2))
