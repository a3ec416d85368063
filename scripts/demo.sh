#!/usr/bin/env bash
# The README's main job: runs the encrypted-memory example on a SQLite file.
# Usage: scripts/demo.sh [path/to/file.db]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
ensure_rust
cargo run --quiet -p vallum-examples --bin memory -- "${1:-vallum-demo.db}"
