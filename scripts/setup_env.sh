#!/usr/bin/env bash
# Build .venv from pyproject.toml if it is missing or stale (pyproject changed since the last install).
#
# Quiet unless something is wrong: one line per stage with the time it took. pip's own output goes to
# .venv/setup.log; if a stage fails, the end of its output is shown with the path of the whole log.
set -euo pipefail
cd "$(dirname "$0")/.."
want="$(sha256sum pyproject.toml | cut -c1-16)"
if [ -x .venv/bin/python ] && [ "$(cat .venv/.pyproject-sha 2>/dev/null)" = "$want" ]; then exit 0; fi

log="$(mktemp "${TMPDIR:-/tmp}/spiral-setup.XXXXXX.log")"
total_start=$EPOCHREALTIME

elapsed() {  # seconds since $1 (an $EPOCHREALTIME), one decimal
  awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'
}

keep_log() {  # move the log into .venv when there is one; print where it is
  if [ -d .venv ]; then mv -f "$log" .venv/setup.log && log=.venv/setup.log; fi
  echo "$log"
}

stage() {  # stage "what it does" command args...: one line, the time, and the output only on failure
  local what="$1"; shift
  local start=$EPOCHREALTIME
  printf 'setup: %s ... ' "$what" >&2
  printf '\n===== %s: %s\n' "$what" "$*" >>"$log"
  local mark; mark=$(wc -l <"$log")
  if "$@" >>"$log" 2>&1; then
    echo "done ($(elapsed "$start") s)" >&2
  else
    local code=$?
    echo "FAILED ($(elapsed "$start") s)" >&2
    echo "---- the last lines of its output:" >&2
    tail -n +"$((mark + 1))" "$log" | grep -v "^WARNING: Location '.*' is ignored" | tail -n 40 >&2
    echo "---- the whole log: $(keep_log)" >&2
    exit "$code"
  fi
}

PY="$(scripts/find_python.sh)"
# a .venv made by a Python older than 3.12 cannot be reused
if [ -x .venv/bin/python ] && ! .venv/bin/python -c 'import sys; sys.exit(0 if sys.version_info >= (3,12) else 1)' 2>/dev/null; then
  rm -rf .venv
fi
if [ ! -x .venv/bin/python ]; then
  stage "creating .venv with $PY ($("$PY" --version 2>&1))" "$PY" -m venv .venv
fi
stage "upgrading pip" .venv/bin/python -m pip install --no-input --upgrade pip
stage "installing spiral-sim and its dependencies (pyproject.toml, with the dev extra)" \
  .venv/bin/python -m pip install --no-input -e ".[dev]"
echo "$want" > .venv/.pyproject-sha
echo "setup: .venv is ready ($(elapsed "$total_start") s; pip's output: $(keep_log))" >&2
