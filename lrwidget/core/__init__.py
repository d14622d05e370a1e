"""The numpy-only core: schedules, smoothing, suggesters and the result model (no torch, no widgets)."""
