#!/usr/bin/env bash
# Builds @vallum/wasm: the core compiled to wasm32 (size profile), the
# wasm-bindgen glue for browsers (`web`) and Node (`nodejs`), each shrunk by
# wasm-opt -Oz (npm `binaryen`), and the shared client types. Idempotent;
# installs the pinned wasm-bindgen CLI and the npm tools when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
ensure_wasm_target

WASM_BINDGEN_VERSION=0.2.130
if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
    # --debug: the CLI's speed does not matter and it builds in a third of the time.
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --debug
fi
ensure_js_workspace

cargo build --locked -p vallum-wasm --target wasm32-unknown-unknown --profile wasm-release
raw=target/wasm32-unknown-unknown/wasm-release/vallum_wasm.wasm
out=bindings-wasm/pkg
rm -rf "$out"
wasm_opt=node_modules/.bin/wasm-opt
for target in web nodejs; do
    dir="$out/${target/nodejs/node}"
    wasm-bindgen --target "$target" --out-dir "$dir" --out-name vallum_wasm --no-typescript "$raw"
    # --merge-similar-functions first merges monomorphized copies that
    # differ only in constants (they get a parameter instead). --converge
    # repeats -Oz until it stops shrinking. --low-memory-unused lets
    # wasm-opt fold constant offsets into loads and stores: rustc links
    # wasm32 with --stack-first, so the lowest 1 KiB is the far end of the
    # 1 MiB stack, reached only past a stack overflow (which then traps
    # instead of wrapping). Together they save ~15 KB gzipped.
    "$wasm_opt" --merge-similar-functions -Oz --converge --low-memory-unused --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
        --enable-mutable-globals --enable-reference-types --enable-multivalue \
        --strip-debug --strip-producers "$dir/vallum_wasm_bg.wasm" -o "$dir/vallum_wasm_bg.wasm"
done
# The nodejs glue is CommonJS; keep the package's "type": "module" away from it.
echo '{"type": "commonjs"}' > "$out/node/package.json"
cp bindings-node/client.d.ts bindings-wasm/client.d.ts

raw_size=$(stat -c %s "$raw")
size=$(stat -c %s "$out/web/vallum_wasm_bg.wasm")
gz=$(gzip -9 -c "$out/web/vallum_wasm_bg.wasm" | wc -c)
echo "wasm: $raw_size bytes from rustc, $size after wasm-opt -Oz, $gz gzipped (web build)"
