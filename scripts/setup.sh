# Idempotent set-up shared by demo.sh and test.sh. Sourced, not run.
# Installs only what is missing; safe to run any number of times.

ensure_rust() {
    if ! command -v cargo >/dev/null 2>&1; then
        if [ -x "$HOME/.cargo/bin/cargo" ]; then
            export PATH="$HOME/.cargo/bin:$PATH"
        else
            echo "error: cargo not found. This project needs Rust (rustup) as on the project's machines." >&2
            exit 1
        fi
    fi
}

ensure_rust_components() {
    ensure_rust
    local installed
    installed=$(rustup component list --installed 2>/dev/null || true)
    for c in rustfmt clippy; do
        if ! grep -q "^$c" <<<"$installed"; then
            rustup component add "$c"
        fi
    done
}

ensure_wasm_target() {
    ensure_rust
    if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
        rustup target add wasm32-unknown-unknown
    fi
}

# The npm workspace at the repository root: @vallum/wasm, @vallum/react and
# the React example, with their build and test tools (package-lock.json).
ensure_js_workspace() {
    if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.vallum-lock; then
        npm ci --no-audit --no-fund --loglevel=error
        cp package-lock.json node_modules/.vallum-lock
    fi
}

# Debian's Chromium, for the browser tests (playwright-core drives it).
ensure_chromium() {
    if ! command -v chromium >/dev/null 2>&1; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    fi
}
