# Sourced by demo.sh and test.sh: create (or reuse) the virtual environment and install the project.
# torch==2.13.0 goes in first from constraints.txt: an unpinned torch would pull a multi-GB CUDA build.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${LRWIDGET_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
  echo "[setup] creating virtual environment $VENV"
  "$PYTHON" -m venv "$VENV"
fi
# shellcheck disable=SC1091
. "$VENV/bin/activate"
PIP=(python -m pip --disable-pip-version-check -q)
echo "[setup] installing torch==2.13.0 (CPU) and lrwidget[$1]"
"${PIP[@]}" install -c "$ROOT/constraints.txt" "torch==2.13.0" 2> >(grep -v "^WARNING: Location" >&2)
"${PIP[@]}" install -c "$ROOT/constraints.txt" -e "$ROOT[$1]" 2> >(grep -v "^WARNING: Location" >&2)
cd "$ROOT"
