"""Tests of the benchmark code: the repository root on sys.path so ``benchmarks`` imports."""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
