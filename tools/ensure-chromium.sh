#!/usr/bin/env bash
# Makes a headless Chromium available for the web page test (packages/realizar/src/server/web/
# web-page.test.ts), which drives it through playwright-core. Debian's `chromium` package is the
# browser: playwright's own browser download is not used (and cannot reach its host here).
# Idempotent; never fails the caller: without a browser the test skips and says why.
#   bash tools/ensure-chromium.sh   # prints the executable path when one is available
set -uo pipefail
for c in "${PLAYWRIGHT_CHROMIUM:-}" "${CHROMIUM_PATH:-}" "$(command -v chromium || true)" "$(command -v chromium-browser || true)"; do
  if [ -n "$c" ] && [ -x "$c" ]; then echo "chromium: $c"; exit 0; fi
done
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "chromium: installing Debian's chromium package (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null; then
    echo "chromium: $(command -v chromium)"
    exit 0
  fi
fi
echo "chromium: not available; the web page browser test will be skipped" >&2
exit 0
