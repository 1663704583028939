#!/usr/bin/env bash
# Browser tests drive Debian's Chromium (Playwright cannot download its own browser here).
set -uo pipefail
if command -v chromium >/dev/null; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser tests..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null && exit 0
fi
if [ "${CI:-}" = "true" ]; then
  echo "chromium is missing and could not be installed; CI=true makes that a failure" >&2
  exit 1
fi
echo "chromium is missing: the browser tests will be skipped (apt-get install chromium)" >&2
