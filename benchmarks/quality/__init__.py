"""The suggestion-quality benchmark: task definitions and the corpus builder (torch), kept apart from the
numpy-only scorer (``lrwidget.core.evaluation``) so scoring needs no training stack."""
