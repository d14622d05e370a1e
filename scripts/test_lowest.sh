#!/usr/bin/env bash
# Check the declared lower bounds: a separate virtual environment with the oldest numpy pyproject.toml
# allows (numpy==1.24.4) and torch==2.13.0, the one torch tested, then the numpy core's and the torch
# engine's fast tests (no widget, browser or notebook: their floors are not tested here).
# Python: the interpreter in $PYTHON (default python3); requires-python says 3.11, the only one tested.
# Extra arguments go to pytest.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${LRWIDGET_LOWEST_VENV:-$ROOT/.venv-lowest}"
PYTHON="${PYTHON:-python3}"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check -q)
TORCH_INDEX=()
[ -n "${LRWIDGET_TORCH_INDEX_URL:-}" ] && TORCH_INDEX=(--index-url "$LRWIDGET_TORCH_INDEX_URL")
echo "[lowest] torch==2.13.0, then lrwidget with numpy==1.24.4 and the test tools"
"${PIP[@]}" install ${TORCH_INDEX[@]+"${TORCH_INDEX[@]}"} "torch==2.13.0" 2> >(grep -v "^WARNING: Location" >&2)
"${PIP[@]}" install -e "$ROOT" "numpy==1.24.4" "torch==2.13.0" scikit-learn matplotlib pytest pytest-timeout \
  hypothesis 2> >(grep -v "^WARNING: Location" >&2)
cd "$ROOT"
"$VENV/bin/python" -c 'import numpy, sys, torch; print("[lowest] python", sys.version.split()[0], "numpy", numpy.__version__, "torch", torch.__version__)'
[ "$#" -gt 0 ] || set -- tests/core tests/engine tests/cli
OMP_NUM_THREADS=1 "$VENV/bin/python" -m pytest -m "not slow" -q -p no:cacheprovider "$@"
