"""reachable(): every widget a composite made, found through widget traits, lists and dicts, once each."""

from __future__ import annotations

import ipywidgets as W

from lrwidget.widget.tree import reachable


def test_reachable_walks_children_layouts_styles_lists_and_dicts_once():
    """Children, their layouts and styles, and widgets inside lists and dicts are found, each once."""
    a, b = W.Button(description="a"), W.FloatSlider()
    box = W.VBox([a, W.HBox([b, a])])
    loose = W.HTML("off the tree")
    found = list(reachable([box, [loose], {"again": box}]))
    ids = [id(w) for w in found]
    assert len(ids) == len(set(ids))
    for w in (box, a, b, loose, a.layout, a.style, b.style, box.layout):
        assert id(w) in ids
    assert list(reachable([None, 3, "x"])) == []
