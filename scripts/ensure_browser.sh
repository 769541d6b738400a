#!/usr/bin/env bash
# Find a Chromium for the dashboard's browser tests, installing one only where that works.
#
# Looks, in this order, for: $SPIRAL_CHROMIUM (when set, the only choice), chromium, chromium-browser,
# google-chrome on the PATH, then Playwright's own Chromium (tests/browser/conftest.py looks in the same
# order). If none is found and this is root (or has passwordless sudo) with apt-get, installs the
# distribution's 'chromium' (CI does this). Otherwise it says so in one line and exits 0: `make test`
# then runs every other test, and each browser test fails with one line saying how to provide a browser.
set -uo pipefail
cd "$(dirname "$0")/.."

found() { echo "browser for the dashboard tests: $1" >&2; exit 0; }

if [ -n "${SPIRAL_CHROMIUM:-}" ]; then
  p="$(command -v "$SPIRAL_CHROMIUM" 2>/dev/null || true)"
  [ -n "$p" ] && [ -x "$p" ] && [ -f "$p" ] && found "$p (SPIRAL_CHROMIUM)"
  echo "note: SPIRAL_CHROMIUM=$SPIRAL_CHROMIUM is not an executable; the browser tests will fail (unset it to search the PATH)" >&2
  exit 0
fi
for name in chromium chromium-browser google-chrome; do
  p="$(command -v "$name" 2>/dev/null || true)"
  [ -n "$p" ] && found "$p"
done
own="$(.venv/bin/python - 2>/dev/null <<'EOF'
import os
from playwright.sync_api import sync_playwright
with sync_playwright() as pw:
    path = pw.chromium.executable_path
print(path if path and os.access(path, os.X_OK) else "")
EOF
)"
[ -n "$own" ] && found "$own (Playwright's own)"

how="set SPIRAL_CHROMIUM=/path/to/chromium, install Chromium (apt-get install chromium, as root), or run .venv/bin/python -m playwright install chromium"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "note: no Chromium found and no apt-get to install one; the browser tests will fail until you $how" >&2
  exit 0
fi
if [ "$(id -u)" = "0" ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "note: no Chromium found, and installing one with apt-get needs root; the browser tests will fail until you $how" >&2
  exit 0
fi
start=$EPOCHREALTIME
printf 'setup: installing chromium with apt-get for the browser tests ... ' >&2
log="$(mktemp "${TMPDIR:-/tmp}/spiral-chromium.XXXXXX.log")"
if "${as_root[@]}" apt-get update -qq >"$log" 2>&1 \
   && "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >>"$log" 2>&1 \
   && command -v chromium >/dev/null 2>&1; then
  echo "done ($(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s)" >&2
  rm -f "$log"; exit 0
fi
echo "FAILED (last line: $(tail -n 1 "$log"); log: $log); the browser tests will fail until you $how" >&2
exit 0
