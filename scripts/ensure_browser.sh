#!/usr/bin/env bash
# Make sure Debian's Chromium is installed for the dashboard's browser test (Playwright drives it).
# Playwright's own browser download (`playwright install`) does not work here, so we use the
# distribution's package. Installs with apt-get as root, or through passwordless sudo; otherwise
# fails with one line saying what is missing (the browser test itself then fails the same way).
set -uo pipefail
CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then exit 0; fi
missing="error: $CHROMIUM is missing; install Debian's 'chromium' package (apt-get install chromium, needs root) for the dashboard browser test"
if ! command -v apt-get >/dev/null 2>&1; then echo "$missing" >&2; exit 1; fi
if [ "$(id -u)" = "0" ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "$missing" >&2; exit 1
fi
echo "installing Debian's chromium for the browser test (apt-get, about a minute)..." >&2
log="$(mktemp)"
if "${as_root[@]}" apt-get update -qq >"$log" 2>&1 \
   && "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >>"$log" 2>&1 \
   && [ -x "$CHROMIUM" ]; then
  rm -f "$log"; exit 0
fi
echo "error: could not install chromium with apt-get (last line: $(tail -n 1 "$log")); the dashboard browser test needs $CHROMIUM" >&2
rm -f "$log"
exit 1
