#!/usr/bin/env bash
# Set up .venv and run every check: ruff, mypy, the JS unit tests, and pytest over tests/ (core, engine,
# widget, notebooks, and the real-browser e2e tests in JupyterLab + headless Chromium).
# Extra arguments go to pytest, e.g. `bash scripts/test.sh tests/core`.
set -euo pipefail
source "$(dirname "$0")/_setup_env.sh" test
# fastai is tested against the real package but is no dependency; its pins pull half the world, so --no-deps.
"${PIP[@]}" install --no-deps fastai fastcore fasttransform plum-dispatch beartype rich fastdownload \
  pyyaml pandas requests tqdm "fastprogress==1.0.3" 2> >(grep -v "^WARNING: Location" >&2)
if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[test] installing Debian's chromium for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "[test] chromium not found and not root: the e2e tests will be skipped" >&2
  fi
fi
echo "[test] ruff"
ruff check . && ruff format --check .
echo "[test] mypy (configured in pyproject.toml)"
mypy
echo "[test] JS unit tests (node --test)"
if command -v node >/dev/null 2>&1; then node --test js/; else echo "[test] node not found: JS unit tests skipped" >&2; fi
echo "[test] pytest"
python -m pytest "${@:-tests}"
