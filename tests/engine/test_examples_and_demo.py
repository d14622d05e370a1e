"""The digits example (offline, repeatable) and the ``lrwidget demo`` main job."""

from __future__ import annotations

import pytest
import torch

from lrwidget.__main__ import main
from lrwidget.core.result import RangeTestResult
from lrwidget.core.suggest import METHODS
from lrwidget.examples.digits import digits_loaders, small_cnn, small_mlp


def test_digits_loaders_are_repeatable_and_shaped():
    """Same seed, same split and same shuffled batches; images (N, 1, 8, 8) in [0, 1], labels 0..9."""
    a_train, a_valid = digits_loaders(batch_size=50, seed=3)
    b_train, _ = digits_loaders(batch_size=50, seed=3)
    xa, ya = next(iter(a_train))
    xb, yb = next(iter(b_train))
    assert torch.equal(xa, xb) and torch.equal(ya, yb)
    assert xa.shape == (50, 1, 8, 8) and float(xa.min()) >= 0.0 and float(xa.max()) <= 1.0
    assert len(a_train.dataset) + len(a_valid.dataset) == 1797
    assert set(ya.tolist()) <= set(range(10))


def test_models_take_digit_images():
    """Both models map (N, 1, 8, 8) images to 10 class scores; the CNN has BatchNorm and dropout."""
    x = torch.rand(4, 1, 8, 8)
    cnn, mlp = small_cnn(), small_mlp()
    assert cnn(x).shape == mlp(x).shape == (4, 10)
    kinds = {type(m).__name__ for m in cnn.modules()}
    assert {"BatchNorm2d", "Dropout"} <= kinds
    assert torch.equal(small_cnn(seed=1)[0].weight, small_cnn(seed=1)[0].weight)


def test_bad_batch_size():
    """A non-positive batch size is refused, naming batch_size."""
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        digits_loaders(batch_size=0)


def test_demo_prints_table_and_saves_json_and_png(tmp_path, capsys):
    """`lrwidget demo` prints the summary and every suggestion, writes result.json and a PNG plot."""
    rc = main(
        ["demo", "--out", str(tmp_path), "--model", "mlp", "--num-it", "40", "--fit", "1", "--no-progress"]
    )
    assert rc == 0
    out = capsys.readouterr().out
    assert "stop reason" in out and "best loss" in out
    for name in METHODS:
        assert name in out
    assert "valid accuracy" in out
    result = RangeTestResult.from_json(tmp_path / "result.json")
    assert 2 <= len(result) <= 40
    assert (tmp_path / "lr_find.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
