"""The suggestion-quality benchmark: task definitions and the corpus builders (torch), kept apart from
the numpy-only scorer (``evaluation.py``) and the other libraries' rules (``baselines.py``), so that
scoring needs no training stack."""
