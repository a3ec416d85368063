#!/usr/bin/env bash
# The README's test command: runs every test in the repository, as CI does.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
ensure_rust_components
ensure_wasm_target

step() { printf '\n== %s ==\n' "$*"; }

step "format"
cargo fmt --all -- --check

step "clippy (workspace, all targets)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "core builds for wasm32-unknown-unknown without std-time or SQLite"
cargo clippy -p vallum --target wasm32-unknown-unknown --no-default-features --locked -- -D warnings
if grep -rnE 'Instant::now|SystemTime::now' core/src | grep -v 'core/src/clock.rs'; then
    echo "error: only core/src/clock.rs may read the system time" >&2
    exit 1
fi

step "tests (unit, integration, vectors, doc tests)"
cargo test --workspace --locked

echo
echo "all checks passed (benches are type-checked by clippy --all-targets; run them with: make bench)"
