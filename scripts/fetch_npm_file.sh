#!/usr/bin/env bash
# Fetch one file of a pinned npm package from the registry and keep it only if it matches the
# pinned SRI hash; its licence is kept beside it (DEST.LICENSE.txt). The version and hash are
# read from webapp/config.py as <PREFIX>_VERSION and <PREFIX>_SRI.
# Usage: scripts/fetch_npm_file.sh PYTHON PACKAGE PREFIX FILE-IN-PACKAGE DEST
#   e.g. scripts/fetch_npm_file.sh .venv/bin/python jsqr JSQR dist/jsQR.js static/vendor/jsQR-1.4.0.js
set -euo pipefail
python=$1 package=$2 prefix=$3 file=$4 dest=$5
read -r version sri < <("$python" -c "from webapp.config import ${prefix}_VERSION as v, ${prefix}_SRI as s; print(v, s)")
command -v npm >/dev/null || { echo "npm is needed once to fetch $package $version (apt-get install npm)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$package@$version" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work"
actual=$("$python" -c 'import base64, hashlib, sys; print("sha384-" + base64.b64encode(hashlib.sha384(open(sys.argv[1], "rb").read()).digest()).decode())' "$work/package/$file")
if [ "$actual" != "$sri" ]; then
  echo "$package $version from the registry does not match the pinned hash ($actual != $sri)" >&2
  exit 1
fi
mkdir -p "$(dirname "$dest")"
cp "$work/package/$file" "$dest"
licence=$(ls "$work"/package/LICEN[CS]E* 2>/dev/null | head -1 || true)
if [ -n "$licence" ]; then cp "$licence" "$dest.LICENSE.txt"; fi
echo "$package $version fetched and verified ($sri)"
