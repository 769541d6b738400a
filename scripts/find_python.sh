#!/usr/bin/env bash
# Print the path of the first Python >= 3.12 that actually runs.
# Order: $PYTHON, python3.13, python3.12, python3, then pyenv's installed versions.
# (pyenv shims for versions that are installed but not global exist yet fail: we execute each candidate.)
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
cands=()
[ -n "${PYTHON:-}" ] && cands+=("$PYTHON")
cands+=(python3.13 python3.12 python3)
if command -v pyenv >/dev/null 2>&1; then
  root="$(pyenv root 2>/dev/null)"
  for d in $(ls -d "$root"/versions/3.1[2-9]* 2>/dev/null | sort -rV); do
    for exe in "$d"/bin/python3.1[2-9] "$d"/bin/python3; do [ -x "$exe" ] && cands+=("$exe"); done
  done
fi
for c in "${cands[@]}"; do
  p="$(command -v "$c" 2>/dev/null || true)"; [ -z "$p" ] && continue
  if ok "$p"; then "$p" -c 'import sys; print(sys.executable)'; exit 0; fi
done
echo "error: no Python >= 3.12 found (tried: ${cands[*]}); install one or set PYTHON=/path/to/python3.12" >&2
exit 1
