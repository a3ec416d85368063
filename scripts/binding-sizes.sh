#!/usr/bin/env bash
# Each binding only converts types and errors (logic goes in the core): its
# Rust plus its host-language code, generated files excluded, must stay
# under 10 % of the core's lines. Prints the table; fails when one is over.
set -euo pipefail
cd "$(dirname "$0")/.."
lines() { cat "$@" | wc -l; }
core=$(lines $(git ls-files 'core/src/*.rs'))
declare -A parts=(
    [node]="$(git ls-files 'bindings-node/src/*.rs' bindings-node/build.rs bindings-node/index.js bindings-node/model.js bindings-node/client.d.ts bindings-node/index.d.ts)"
    [python]="$(git ls-files 'bindings-python/src/*.rs' 'bindings-python/python/vallum/*.py' 'bindings-python/python/vallum/*.pyi')"
    [wasm]="$(git ls-files 'bindings-wasm/src/*.rs' 'bindings-wasm/js/*.js' bindings-wasm/vallum.d.ts)"
)
status=0
echo "core/src: $core lines; budget per binding: $((core / 10))"
for b in node python wasm; do
    # shellcheck disable=SC2086
    n=$(lines ${parts[$b]})
    pct=$((n * 1000 / core))
    echo "  $b: $n lines ($((pct / 10)).$((pct % 10)) %)"
    if [ $((n * 10)) -ge "$core" ]; then
        echo "binding $b is over 10 % of the core" >&2
        status=1
    fi
done
exit $status
