#!/usr/bin/env bash
# Check the declared lower bounds: a separate virtual environment with the oldest version pyproject.toml
# allows of every runtime dependency (FLOORS below; numpy 1.24.4 is the oldest 1.24 with Python 3.11
# wheels) and torch==2.13.0, the one torch tested, then the fast tests of the numpy core, the engine,
# the CLI and the widget's kernel side (not the browser or the notebooks: JupyterLab is not pinned low).
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
FLOORS=("numpy==1.24.4" "ipywidgets==8.1.0" "bqplot==0.13.0" "traitlets==5.9.0" "anywidget==0.9.0" "tqdm==4.60.0"
  "matplotlib==3.7.0")
echo "[lowest] torch==2.13.0, then lrwidget with ${FLOORS[*]} and the test tools"
"${PIP[@]}" install ${TORCH_INDEX[@]+"${TORCH_INDEX[@]}"} "torch==2.13.0" 2> >(grep -v "^WARNING: Location" >&2)
"${PIP[@]}" install -e "$ROOT" "${FLOORS[@]}" "torch==2.13.0" "scikit-learn<1.6" pytest pytest-timeout \
  hypothesis 2> >(grep -v "^WARNING: Location" >&2)
cd "$ROOT"
"$VENV/bin/python" -c 'import sys, importlib.metadata as m; print("[lowest] python", sys.version.split()[0], *(f"{p} {m.version(p)}" for p in ("numpy", "torch", "ipywidgets", "bqplot", "traitlets", "anywidget", "tqdm", "matplotlib")))'
[ "$#" -gt 0 ] || set -- tests/core tests/engine tests/cli tests/widget
OMP_NUM_THREADS=1 "$VENV/bin/python" -m pytest -m "not slow" -q -p no:cacheprovider "$@"
