#!/usr/bin/env bash
# Vallum vs Presidio on the same corpus, in one run.
#
#   benches/compare/presidio/run.sh [samples] [seed]
#
# Builds a venv (target/presidio-venv) with presidio-analyzer,
# presidio-anonymizer and presidio-evaluator from PyPI, builds Vallum's
# `pii_eval` in release mode, generates a labelled synthetic corpus with
# presidio-evaluator (seeded), and prints throughput of both on the same
# texts and entity set, the ratio, and precision/recall/F1 per entity.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
source "$ROOT/benches/compare/presidio/venv.sh"
cargo build -q --release --manifest-path "$ROOT/Cargo.toml" -p vallum-examples --bin pii_eval
exec "$VENV/bin/python" "$ROOT/benches/compare/presidio/compare.py" \
  --vallum "$ROOT/target/release/pii_eval" --samples "${1:-3000}" --seed "${2:-42}"
