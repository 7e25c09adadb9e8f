#!/usr/bin/env bash
# The web app in a real headless Chromium (internal/web/e2e): sign-in, a run
# through the kickoff form, completions by two people (one through a group),
# a return, the template editor with a condition, a public form signed out,
# and no request to another host. Installs Debian's chromium when it is
# missing (CI runs as root); a second run installs nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v chromium >/dev/null 2>&1; then
  echo "== installing chromium"
  if [ "$(id -u)" -ne 0 ]; then
    echo "chromium is missing and this is not root: apt-get install -y chromium" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
chromium --version 2>/dev/null || true

export SCREENSHOT_DIR="${SCREENSHOT_DIR:-$PWD/internal/web/e2e/screenshots}"
mkdir -p "$SCREENSHOT_DIR"
log="$(mktemp)"
status=0
PNEUMATIC_E2E=1 CHROMIUM="$(command -v chromium)" \
  go test -count=1 -v -run TestWebApp ./internal/web/e2e/ >"$log" 2>&1 || status=$?
# The verbose log is long; keep the verdict lines (and everything on failure).
if [ "$status" -eq 0 ]; then
  grep -E '^(--- |    --- |ok |PASS$)|requests, all to' "$log" || true
else
  cat "$log"
fi
rm -f "$log"
echo "screenshots in $SCREENSHOT_DIR"
exit "$status"
