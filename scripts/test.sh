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

step "each binding under 10 % of the core's lines"
./scripts/binding-sizes.sh

step "clippy (workspace, all targets)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "core builds for wasm32-unknown-unknown without std-time or SQLite"
cargo clippy -p vallum --target wasm32-unknown-unknown --no-default-features --locked -- -D warnings
cargo build -p vallum --target wasm32-unknown-unknown --no-default-features --locked
if grep -rnE 'Instant::now|SystemTime::now' core/src | grep -v 'core/src/clock.rs'; then
    echo "error: only core/src/clock.rs may read the system time" >&2
    exit 1
fi

step "tests (unit, integration, vectors, doc tests)"
log=$(mktemp)
trap 'rm -f "$log"; rm -rf "${demo_dir:-}"' EXIT
cargo test --workspace --locked 2>&1 | tee "$log"

step "the README's main job runs end to end"
demo_dir=$(mktemp -d)
./scripts/demo.sh "$demo_dir" > "$demo_dir/out.txt"
grep -q "^Done: the session showed" "$demo_dir/out.txt" || { cat "$demo_dir/out.txt"; echo "demo did not finish" >&2; exit 1; }
for marker in "<svg" "Guard latency per prompt" "Verdicts" "Events (" "Compliance"; do
    grep -q "$marker" "$demo_dir/report.html" || { echo "demo: report.html lacks '$marker'" >&2; exit 1; }
done
echo "demo ok"

step "the encrypted-memory example (forget makes rows unreadable)"
cargo run --quiet --locked -p vallum-examples --bin memory -- "$demo_dir/memory.db" > "$demo_dir/memory.txt"
grep -q "decryption_failed" "$demo_dir/memory.txt" || { echo "memory example: forgotten rows were not refused" >&2; exit 1; }
if grep -q "READABLE" "$demo_dir/memory.txt"; then echo "memory example: a forgotten row was readable" >&2; exit 1; fi
grep -q "^Done\." "$demo_dir/memory.txt" || { echo "memory example did not finish" >&2; exit 1; }
echo "memory example ok"

step "Python: build the wheel (maturin), install it into a fresh venv, run pytest"
py_tools=target/py-tools
if [ ! -x "$py_tools/bin/maturin" ]; then
    python3 -m venv "$py_tools"
    "$py_tools/bin/pip" install --quiet --disable-pip-version-check "maturin>=1.16,<2"
fi
rm -rf target/wheels
(cd bindings-python && "../$py_tools/bin/maturin" build --release --locked --quiet --out ../target/wheels)
py_env="$demo_dir/py-venv"
python3 -m venv "$py_env"
"$py_env/bin/pip" install --quiet --disable-pip-version-check target/wheels/vallum-*.whl "pytest>=8" "mypy>=1.10" "spacy>=3.8,<3.9"
"$py_env/bin/python" -c "import vallum, sys; sys.exit(0 if vallum.__file__.startswith('$py_env') else 1)" \
    || { echo "python: the test venv did not import the freshly built wheel" >&2; exit 1; }
"$py_env/bin/python" -m pytest -q -p no:cacheprovider bindings-python/tests 2>&1 | tee -a "$log"

step "Node: build the addon (napi), npm pack, install the tarball into a fresh project, node --test"
(
    cd bindings-node
    if [ ! -x node_modules/.bin/napi ] || [ ! -x node_modules/.bin/tsc ]; then
        npm ci --no-audit --no-fund --loglevel=error
    fi
    npx napi build --platform --release --strip --js native.js --dts native.d.ts
)
node_project="$demo_dir/node-project"
mkdir -p "$node_project"
tarball=$(cd bindings-node && npm pack --silent --pack-destination "$node_project" | tail -n 1)
(
    cd "$node_project"
    echo '{"name": "vallum-node-consumer", "private": true}' > package.json
    npm install --no-audit --no-fund --loglevel=error "./$tarball"
)
node_pkg="$node_project/node_modules/@vallum/node"
[ -f "$node_pkg/vallum.linux-x64-gnu.node" ] || { echo "node: the packed tarball lacks the native addon" >&2; exit 1; }
VALLUM_NODE_PACKAGE="$node_pkg" node --test bindings-node/test/ 2>&1 | tee -a "$log"

step "Browser: @vallum/wasm (wasm-bindgen, wasm-opt), vectors in Node and headless Chromium; @vallum/react (vitest); the example end to end"
ensure_chromium
./scripts/build-wasm.sh | tee "$demo_dir/wasm-build.txt"
# The size budget: the whole browser package, gzipped, at most 1 MB.
wasm_pkg_gz=$(cat bindings-wasm/pkg/web/vallum_wasm_bg.wasm | gzip -9 | wc -c)
js_gz=$(cat bindings-wasm/pkg/web/vallum_wasm.js bindings-wasm/js/*.js | gzip -9 | wc -c)
echo "@vallum/wasm (browser): wasm $wasm_pkg_gz + JavaScript $js_gz bytes gzipped"
[ $((wasm_pkg_gz + js_gz)) -le 1000000 ] || { echo "wasm: the browser package is over its 1 MB gzip budget" >&2; exit 1; }
wasm_project="$demo_dir/wasm-project"
mkdir -p "$wasm_project"
wasm_tarball=$(cd bindings-wasm && npm pack --silent --pack-destination "$wasm_project" | tail -n 1)
(
    cd "$wasm_project"
    echo '{"name": "vallum-wasm-consumer", "private": true}' > package.json
    npm install --no-audit --no-fund --loglevel=error "./$wasm_tarball"
)
[ -f "$wasm_project/node_modules/@vallum/wasm/pkg/web/vallum_wasm_bg.wasm" ] || { echo "wasm: the packed tarball lacks the module" >&2; exit 1; }
VALLUM_WASM_PACKAGE="$wasm_project/node_modules/@vallum/wasm" node --test bindings-wasm/test/vectors.test.js bindings-wasm/test/panic.test.js bindings-wasm/test/recognizer.test.js bindings-wasm/test/browser.test.js 2>&1 | tee -a "$log"
NO_COLOR=1 node_modules/.bin/vitest run --root bindings-node/react 2>&1 | tee -a "$log"
node_modules/.bin/vite build examples/react-dashboard --logLevel warn
node --test examples/react-dashboard/e2e/ 2>&1 | tee -a "$log"
echo "screenshots: $(ls test-artifacts/*.png | tr '\n' ' ')"

step "LiteLLM's full price map loads (from the litellm wheel on PyPI)"
litellm_dir=target/litellm-1.109.1
if [ ! -s "$litellm_dir/model_prices.json" ]; then
    mkdir -p "$litellm_dir"
    python3 -m pip download --quiet --no-deps --disable-pip-version-check -d "$litellm_dir" "litellm==1.109.1"
    python3 - "$litellm_dir" <<'PY'
import glob, sys, zipfile
d = sys.argv[1]
with zipfile.ZipFile(glob.glob(d + "/litellm-*.whl")[0]) as z:
    data = z.read("litellm/model_prices_and_context_window_backup.json")
open(d + "/model_prices.json", "wb").write(data)
PY
    rm -f "$litellm_dir"/*.whl
fi
cargo run --quiet --locked -p vallum-examples --bin litellm_prices -- "$litellm_dir/model_prices.json"

echo
echo "all checks passed (benches are type-checked by clippy --all-targets; run them with: make bench)"
# One closing line with the totals of every cargo test binary above.
awk '/^test result:|^[0-9]+ passed/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     /^# pass [0-9]+$/ { p += $3 } /^# fail [0-9]+$/ { f += $3 }
     /^ +Tests +[0-9]/ { for (i = 1; i <= NF; i++) { if ($(i+1) == "passed") p += $i; if ($(i+1) == "failed") f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
