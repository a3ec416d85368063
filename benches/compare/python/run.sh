#!/usr/bin/env bash
# The Python package's benchmarks, in one run:
#  1. per-call overhead over Rust: criterion times the calls of calls.json in
#     Rust (benches/bindings.rs), then bench.py times the same calls through
#     the release wheel and prints both and the difference;
#  2. masking ~1 KB prompts in one Python process, vallum against Presidio
#     (pattern recognizers, no-op NLP engine), same corpus, and the ratio.
#
#   benches/compare/python/run.sh [prompts] [seed]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$ROOT"
source benches/compare/presidio/venv.sh
if [ ! -x target/py-tools/bin/maturin ]; then
  python3 -m venv target/py-tools
  target/py-tools/bin/pip install -q --disable-pip-version-check "maturin>=1.16,<2"
fi
rm -rf target/bench-wheels
(cd bindings-python && ../target/py-tools/bin/maturin build --release --locked --quiet --out ../target/bench-wheels)
"$VENV/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps target/bench-wheels/vallum-*.whl

echo "== per-call overhead (Rust: criterion; Python: timeit, best of 21 runs)"
cargo bench -q -p vallum --bench bindings -- --noplot >/dev/null
"$VENV/bin/python" benches/compare/python/bench.py --criterion target/criterion

echo
echo "== masking ~1 KB prompts in one Python process: vallum vs Presidio"
cd benches/compare/presidio
"$VENV/bin/python" python_mask.py --prompts "${1:-300}" --seed "${2:-42}" 2>/dev/null
