"""The range-test engine over PyTorch: the sweep, exact snapshot/restore, learner adapters (no widgets)."""
