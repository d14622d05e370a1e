#!/usr/bin/env bash
# The main job on a fresh machine: set up .venv, run the headless range test on scikit-learn's digits
# (table of suggestions, JSON and PNG in artifacts/demo), then execute the quickstart notebook.
# With --lab it then opens JupyterLab at the quickstart notebook.
set -euo pipefail
source "$(dirname "$0")/_setup_env.sh" demo
python -m lrwidget demo --out artifacts/demo
echo "[demo] executing notebooks/01_quickstart.ipynb"
cp notebooks/01_quickstart.ipynb artifacts/demo/01_quickstart.ipynb
jupyter execute --inplace --timeout=600 artifacts/demo/01_quickstart.ipynb
echo "[demo] done: artifacts/demo holds the result JSON, the plot and the executed notebook."
if [ "${1:-}" = "--lab" ]; then
  exec python -m jupyterlab notebooks/01_quickstart.ipynb
else
  echo "[demo] to use the widget yourself: .venv/bin/jupyter lab notebooks/01_quickstart.ipynb  (or: bash scripts/demo.sh --lab)"
fi
