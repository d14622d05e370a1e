"""The range-test engine over PyTorch: the sweep, exact snapshot/restore, learner adapters (no widgets)."""

from lrwidget.engine.adapters import FastaiLearner, as_learner
from lrwidget.engine.learner import Learner, param_groups
from lrwidget.engine.range_test import lr_find
from lrwidget.engine.snapshot import TrainingSnapshot

__all__ = ["FastaiLearner", "Learner", "TrainingSnapshot", "as_learner", "lr_find", "param_groups"]
