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
VENV="$ROOT/target/presidio-venv"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q --disable-pip-version-check \
  "presidio-analyzer==2.2.366" "presidio-anonymizer==2.2.366" "presidio-evaluator==0.3.2"
cargo build -q --release --manifest-path "$ROOT/Cargo.toml" -p vallum-examples --bin pii_eval
# Presidio's e-mail recognizer (tldextract) must not fetch the suffix list.
export TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS=
exec "$VENV/bin/python" "$ROOT/benches/compare/presidio/compare.py" \
  --vallum "$ROOT/target/release/pii_eval" --samples "${1:-3000}" --seed "${2:-42}"
