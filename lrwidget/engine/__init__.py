"""The range-test engine over PyTorch: one entry point, the sweep, exact snapshot/restore, adapters."""

from lrwidget.engine.adapters import FastaiLearner, as_learner
from lrwidget.engine.apply import apply_lr
from lrwidget.engine.entry import PreparedSweep, lr_find, prepare_sweep
from lrwidget.engine.learner import Learner, param_groups
from lrwidget.engine.settings import SweepSettings
from lrwidget.engine.snapshot import TrainingSnapshot

__all__ = [
    "FastaiLearner",
    "Learner",
    "PreparedSweep",
    "SweepSettings",
    "TrainingSnapshot",
    "apply_lr",
    "as_learner",
    "lr_find",
    "param_groups",
    "prepare_sweep",
]
