#!/bin/sh
# SPDX-License-Identifier: MIT
# The JavaScript tests (bindings/js/test/*.test.mjs) through node's test
# runner, summarised as "N passed, M failed".  Skipped, with a line saying
# why, when node, clang or wasm-ld is missing (REQUIRE_JS=1, as CI sets it,
# makes that a failure).
cd "$(dirname "$0")/../../.." || exit 1
skip() {
    if [ "${REQUIRE_JS:-0}" = 1 ]; then
        echo "js: required (REQUIRE_JS=1) but $1"
        echo "0 passed, 1 failed"
        exit 1
    fi
    echo "js: $1; skipped"
    echo "0 passed, 0 failed"
    exit 0
}
for tool in node clang wasm-ld; do
    if ! command -v $tool >/dev/null 2>&1; then
        skip "$tool not installed"
    fi
done
if [ ! -d node_modules/@azure/web-pubsub-client ]; then
    skip "node_modules missing (run npm ci at the repository root)"
fi
make -s wasm || { echo "js: the WebAssembly build failed"; echo "0 passed, 1 failed"; exit 1; }
mkdir -p build
log=build/js-tests.tap
# --test-force-exit (node >= 20.14): the official client leaves timers
# behind after stop() (a 30 s recovery window) that would hold the run.
force=
node --test-force-exit -e 0 >/dev/null 2>&1 && force=--test-force-exit
node --test $force --test-reporter=tap bindings/js/test/ > $log 2>&1
rc=$?
# every failing test with its reason, then the skips
grep -E '^not ok|^# Subtest' $log | grep -B1 '^not ok' | grep '^not ok' || true
grep -E '# SKIP' $log || true
pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' $log | tail -1)
fail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' $log | tail -1)
if [ -z "$pass" ] || [ -z "$fail" ]; then
    tail -20 $log
    echo "js: node's test runner gave no summary (exit $rc)"
    echo "0 passed, 1 failed"
    exit 1
fi
[ "$fail" -gt 0 ] && echo "js: failures in $log"
echo "js tests (node --test): $pass passed, $fail failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
