"""Small, offline examples for the demo, the notebooks and the tests (scikit-learn's bundled digits)."""
