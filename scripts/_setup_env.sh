# Sourced by demo.sh and test.sh: create (or reuse) the virtual environment and install the project.
#
# torch==2.13.0 (constraints.txt) goes in first, then the package, so the second install finds torch
# satisfied and resolves nothing bigger. Which torch build that is depends on where pip looks:
#   - this project's CI machine: pip's configuration lists a folder holding the CPU wheel, 2.13.0+cpu;
#   - elsewhere on Linux, PyPI's torch==2.13.0 is the CUDA build (triton and the nvidia-* packages, GBs).
#     For the CPU-only build, point LRWIDGET_TORCH_INDEX_URL at PyPI's counterpart from PyTorch:
#         LRWIDGET_TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu bash scripts/demo.sh
#     It is passed as --index-url to the torch install only (for a CUDA build pick e.g. .../whl/cu126).
# Other variables: LRWIDGET_VENV (default .venv), PYTHON (default python3; 3.11 or newer).
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
TORCH_INDEX=()
if [ -n "${LRWIDGET_TORCH_INDEX_URL:-}" ]; then
  TORCH_INDEX=(--index-url "$LRWIDGET_TORCH_INDEX_URL")
  echo "[setup] installing torch==2.13.0 from $LRWIDGET_TORCH_INDEX_URL, then lrwidget[$1]"
else
  echo "[setup] installing torch==2.13.0 (from pip's configured indexes; see LRWIDGET_TORCH_INDEX_URL), then lrwidget[$1]"
fi
"${PIP[@]}" install -c "$ROOT/constraints.txt" ${TORCH_INDEX[@]+"${TORCH_INDEX[@]}"} "torch==2.13.0" \
  2> >(grep -v "^WARNING: Location" >&2)
"${PIP[@]}" install -c "$ROOT/constraints.txt" -e "$ROOT[$1]" 2> >(grep -v "^WARNING: Location" >&2)
echo "[setup] $(python -c 'import torch; print("torch", torch.__version__, "CUDA", torch.version.cuda or "none")')"
cd "$ROOT"
