"""The two bqplot panes, loss and gradient, over one shared log learning-rate scale (one file each)."""

from lrwidget.widget.panes._base import MAX_WIDTH, Marker, hold_all, make_lr_scale, set_lr_range
from lrwidget.widget.panes.gradient import GradPane
from lrwidget.widget.panes.loss import LossPane

__all__ = ["MAX_WIDTH", "GradPane", "LossPane", "Marker", "hold_all", "make_lr_scale", "set_lr_range"]
