"""The confidence fit: risk around a pick, the logistic fit, and that the package uses the fitted formula."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.quality import confidence as cf
from benchmarks.quality import evaluation as ev
from lrwidget.core.suggest import _auto as A


def test_risk_is_the_share_of_catastrophic_rates_around_the_pick():
    """Grid 1e-3, 1e-2, 1e-1 with 1e-1 diverged: a pick at 1e-3 has no bad neighbour within 0.3 decade;
    at 1e-1 all of them touch the diverged point."""
    truth = ev.ground_truth([1e-3, 1e-2, 1e-1], [[1.0, 0.9, None]], [2.0])
    assert cf.risk(truth, 1e-3) == 0.0
    assert cf.risk(truth, 1e-1) == 1.0
    assert 0.0 < cf.risk(truth, 10**-1.8) < 1.0  # the window straddles 1e-2


@settings(max_examples=20, deadline=None)
@given(st.floats(-3, 0), st.floats(0.3, 2), st.floats(0.2, 1), st.floats(-1.5, -0.3))
def test_fit_recovers_the_coefficients_of_a_logistic_risk(bias, gap, diverged, fall):
    """Targets made by the model itself (no noise) give its coefficients back."""
    rng = np.random.default_rng(0)
    rows = np.c_[rng.uniform(0, 2, 400), rng.integers(0, 2, 400), rng.uniform(0, 3, 400)]
    z = bias + rows @ np.array([gap, diverged, fall])
    model = cf.fit(rows.tolist(), (1 / (1 + np.exp(-z))).tolist(), l2=0.0)
    assert model.bias == pytest.approx(bias, abs=1e-5)
    assert [model.weights[k] for k in cf.FEATURES] == pytest.approx([gap, diverged, fall], abs=1e-5)


def test_fit_refuses_mismatched_rows():
    with pytest.raises(ValueError, match="rows"):
        cf.fit([(0.0, 0.0, 0.0)] * 5, [0.5] * 4)


def test_the_package_score_is_the_fit_formula_with_its_constants():
    """lrwidget's score and a Fit holding the package's constants agree (confidence = 1 - fitted risk)."""
    c = A.CONFIDENCE
    model = cf.Fit(c["bias"], {"gap": c["gap"], "diverged": c["diverged"], "fall": c["fall"]})
    for f in [(0.1, 0.0, 2.5), (1.3, 1.0, 0.4), (0.6, 1.0, 1.2)]:
        assert model.confidence(f) == pytest.approx(A.score(f[0], bool(f[1]), f[2]))
    assert model.confidence(None) == 0.0
    assert math.isclose(
        A.score(0.0, False, A.FALL_CAP), 1 / (1 + math.exp(c["bias"] + c["fall"] * A.FALL_CAP))
    )
