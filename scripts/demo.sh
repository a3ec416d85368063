#!/usr/bin/env bash
# The README's main job: a scripted copilot session over the guard pipeline
# (examples/copilot_demo.rs) on the embedded SQLite store. Prints every
# verdict, the cost report, metrics, alerts, audit verification and
# compliance scores, and writes a self-contained HTML report.
# Usage: scripts/demo.sh [output-dir]   (default target/vallum-demo)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
ensure_rust
cargo run --quiet --release --locked -p vallum-examples --bin copilot_demo -- "${1:-target/vallum-demo}"
