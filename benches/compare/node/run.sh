#!/usr/bin/env bash
# The Node package's benchmarks, in one run: criterion times the calls of
# ../python/calls.json in Rust (benches/bindings.rs), then bench.js times the
# same calls through a release build of @vallum/node, the async forms, and
# 1 KB masking against redact-pii on the same corpus.
#
#   benches/compare/node/run.sh [prompts] [seed]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$ROOT/bindings-node"
[ -x node_modules/.bin/napi ] || npm ci --no-audit --no-fund --loglevel=error
npx napi build --platform --release --strip --js native.js --dts native.d.ts
cd "$ROOT/benches/compare/node"
[ -d node_modules/redact-pii ] || npm ci --no-audit --no-fund --loglevel=error
cd "$ROOT"
cargo bench -q -p vallum --bench bindings -- --noplot >/dev/null
node benches/compare/node/bench.js --criterion target/criterion --prompts "${1:-300}" --seed "${2:-42}"
