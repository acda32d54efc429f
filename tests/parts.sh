# SPDX-License-Identifier: MIT
# Sourced by tests/run_all.sh and tests/portability/run.sh: a test run made
# of parts, each ending with a line "N passed, M failed", added up into one.
# Set PART_LOGS (the directory for the parts' logs) before sourcing.
total_pass=0 total_fail=0

# part NAME COMMAND...: runs it, shows its output, adds its last summary
# line.  A part without one, or that exits non-zero while reporting no
# failure, counts as one failure: nothing passes by saying nothing.
part() {
    name=$1
    shift
    "$@" > "$PART_LOGS/$name.log" 2>&1
    rc=$?
    cat "$PART_LOGS/$name.log"
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$PART_LOGS/$name.log" | tail -1)
    if [ -z "$line" ]; then
        echo "$name: no summary line (exit $rc); counted as 1 failure"
        line="0 passed, 1 failed"
    elif [ $rc -ne 0 ] && [ "${line#* passed, }" = "0 failed" ]; then
        echo "$name: exit status $rc; counted as 1 failure"
        line="${line%% *} passed, 1 failed"
    fi
    p=${line%% passed*}
    f=${line#* passed, }
    f=${f%% failed}
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
}

# The overall line, and the exit status.
parts_done() {
    echo "$total_pass passed, $total_fail failed"
    [ $total_fail -eq 0 ]
}
