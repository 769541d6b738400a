#!/usr/bin/env bash
# Build .venv from pyproject.toml if it is missing or stale (pyproject changed since the last install).
set -euo pipefail
cd "$(dirname "$0")/.."
want="$(sha256sum pyproject.toml | cut -c1-16)"
if [ -x .venv/bin/python ] && [ "$(cat .venv/.pyproject-sha 2>/dev/null)" = "$want" ]; then exit 0; fi
PY="$(scripts/find_python.sh)"
echo "setting up .venv with $PY ($("$PY" --version))" >&2
if [ -x .venv/bin/python ] && ! .venv/bin/python -c 'import sys; sys.exit(0 if sys.version_info >= (3,12) else 1)'; then rm -rf .venv; fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[dev]"
echo "$want" > .venv/.pyproject-sha
