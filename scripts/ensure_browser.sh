#!/usr/bin/env bash
# Make sure Debian's Chromium is installed for the dashboard's browser test (Playwright drives it).
# Playwright's own browser download does not work offline, so we use the distribution's package.
set -uo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's chromium for the browser test (apt-get)..." >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || { echo "error: could not install chromium with apt-get; the dashboard browser test needs /usr/bin/chromium" >&2; exit 1; }
  exit 0
fi
echo "error: /usr/bin/chromium is missing; install Debian's 'chromium' package (needs root) for the browser test" >&2
exit 1
