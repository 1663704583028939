#!/usr/bin/env bash
# Installs Flutterwave's official Node client (flutterwave-node-v3, pinned by package-lock.json)
# into tests/contract/node for the contract test. Node comes from Debian's packages if missing.
set -uo pipefail
dir="$(dirname "$0")/../tests/contract/node"
if ! command -v npm >/dev/null && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's nodejs and npm for the Node SDK contract test..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
if ! command -v npm >/dev/null; then
  if [ "${CI:-}" = "true" ]; then
    echo "npm is missing and could not be installed; CI=true makes that a failure" >&2
    exit 1
  fi
  echo "npm is missing: the Node SDK contract test will be skipped" >&2
  exit 0
fi
# npm ci reinstalls from the lock file; skip it while the installed tree is newer than the lock.
if [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]; then exit 0; fi
# --ignore-scripts: no package's install script runs; the client needs none.
npm ci --prefix "$dir" --no-audit --no-fund --ignore-scripts --loglevel=error
