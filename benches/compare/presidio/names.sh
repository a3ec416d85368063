#!/usr/bin/env bash
# Vallum's names, places and addresses on a presidio-evaluator corpus:
# exact-span P/R/F1 per entity and the leak rate (see names_eval.py).
#
#   benches/compare/presidio/names.sh [samples] [seed]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
source "$ROOT/benches/compare/presidio/venv.sh"
cargo build -q --release --manifest-path "$ROOT/Cargo.toml" -p vallum-examples --bin pii_eval
exec "$VENV/bin/python" "$ROOT/benches/compare/presidio/names_eval.py" \
  --vallum "$ROOT/target/release/pii_eval" --samples "${1:-3000}" --seed "${2:-1234}"
