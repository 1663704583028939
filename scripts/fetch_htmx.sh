#!/usr/bin/env bash
# Fetch the pinned htmx from the npm registry and keep it only if it matches the pinned SRI hash.
# Usage: scripts/fetch_htmx.sh PYTHON DEST
set -euo pipefail
python=$1 dest=$2
read -r version sri < <("$python" -c 'from webapp.config import HTMX_VERSION, HTMX_SRI; print(HTMX_VERSION, HTMX_SRI)')
command -v npm >/dev/null || { echo "npm is needed once to fetch htmx $version (apt-get install npm)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "htmx.org@$version" >/dev/null)
tar -xzf "$work/htmx.org-$version.tgz" -C "$work" package/dist/htmx.min.js
actual=$("$python" -c 'import base64, hashlib, sys; print("sha384-" + base64.b64encode(hashlib.sha384(open(sys.argv[1], "rb").read()).digest()).decode())' "$work/package/dist/htmx.min.js")
if [ "$actual" != "$sri" ]; then
  echo "htmx $version from the registry does not match the pinned hash ($actual != $sri)" >&2
  exit 1
fi
mkdir -p "$(dirname "$dest")"
cp "$work/package/dist/htmx.min.js" "$dest"
echo "htmx $version fetched and verified ($sri)"
