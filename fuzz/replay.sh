#!/bin/sh
# SPDX-License-Identifier: MIT
# fuzz/replay.sh DIR HARNESS... - `make fuzz-replay`: runs DIR/replay-HARNESS
# (a harness linked with replay_main.c) over fuzz/regressions/HARNESS and
# fuzz/corpus/HARNESS.  "-HARNESS" means: not built here, skipped.
# FUZZ_REPLAY_RUN, if set, prefixes each run (e.g. valgrind).
# Ends with "N passed, M failed"; exits 1 when something failed.
set -u
cd "$(dirname "$0")/.."
dir=$1
shift
pass=0 fail=0
for h in "$@"; do
    case $h in
    -*)
        echo "${h#-}: skipped (needs protoc, libprotobuf-dev and the schema)"
        continue
        ;;
    esac
    log=$dir/$h.log
    # shellcheck disable=SC2086 # FUZZ_REPLAY_RUN is a command line
    ${FUZZ_REPLAY_RUN:-} "$dir/replay-$h" "fuzz/regressions/$h" "fuzz/corpus/$h" > "$log" 2>&1
    rc=$?
    line=$(grep -E "^replay-$h: [0-9]+ passed, [0-9]+ failed\$" "$log" | tail -1)
    if [ -z "$line" ]; then
        head -200 "$log"
        echo "$h: the replay did not finish (exit $rc); counted as 1 failure"
        fail=$((fail + 1))
        continue
    fi
    p=${line#*: }
    p=${p%% passed*}
    f=${line#* passed, }
    f=${f%% failed}
    if [ "$f" -ne 0 ] || [ $rc -ne 0 ]; then
        head -200 "$log"
        [ "$f" -ne 0 ] || f=1
    fi
    echo "$h: $p passed, $f failed (regressions and seed corpus)"
    pass=$((pass + p))
    fail=$((fail + f))
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
