#!/bin/sh
# SPDX-License-Identifier: MIT
# fuzz/run_fuzz.sh BUILD_DIR HARNESS... - `make fuzz`: runs each libFuzzer
# binary BUILD_DIR/lf/HARNESS for FUZZ_SECONDS (one at a time, one process
# each), with the dictionary and the checked-in seeds; new corpus entries go
# to BUILD_DIR/corpus/HARNESS, findings to BUILD_DIR/artifacts/HARNESS/.
# Prints per harness: executions, executions per second, coverage (libFuzzer's
# final "cov:" edges and "ft:" features), corpus size and findings.  Exits 1
# when any harness found something.
set -u
cd "$(dirname "$0")/.."
b=$1
shift
secs=${FUZZ_SECONDS:-60}
max_len=${FUZZ_MAX_LEN:-4096}
found=0
summary=""
for h in "$@"; do
    corpus=$b/corpus/$h
    art=$b/artifacts/$h
    log=$b/$h.log
    mkdir -p "$corpus" "$art" fuzz/corpus/$h
    echo "== $h: ${secs}s"
    # findings of this run only: artifacts newer than this mark
    touch "$b/.mark-$h"
    # The first corpus directory receives new entries; the checked-in seeds
    # are only read.
    # shellcheck disable=SC2086 # FUZZ_ARGS is a list of options
    "$b/lf/$h" -max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 -max_len="$max_len" \
        -dict=fuzz/wps.dict -print_final_stats=1 -artifact_prefix="$art/" \
        ${FUZZ_ARGS:-} "$corpus" "fuzz/corpus/$h" > "$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    corp=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    arts=$(find "$art" -type f -newer "$b/.mark-$h" | wc -l)
    if [ $rc -ne 0 ] || [ "$arts" -ne 0 ]; then
        result="FOUND SOMETHING (exit $rc; $arts new file(s) in $art)"
        found=1
        grep -E 'FUZZ FINDING|ERROR: (AddressSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|runtime error|SUMMARY|Test unit written' \
            "$log" | head -20
    else
        result="nothing found"
    fi
    line="$h: ${execs:-?} execs, ${eps:-?} exec/s, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}; $result"
    echo "$line"
    summary="$summary$line
"
done
echo "== summary (${secs}s each; logs in $b/*.log)"
printf '%s' "$summary"
[ $found -eq 0 ]
