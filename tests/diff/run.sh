#!/bin/sh
# SPDX-License-Identifier: MIT
# The differential test: random, perturbed and mutated messages through
# libprotobuf (expected JSON or, for rejected bytes, the model's status and
# offset) and through `wpsdump --lines`; every line must match.
#   DIFF_COUNT (cases per direction, default 100000), DIFF_SEED (default 1).
# Prints "N passed, M failed"; exits 77 when the reference is not installed.
set -u
cd "$(dirname "$0")/../.."
py=/usr/bin/python3
if ! [ -x $py ] || ! command -v protoc >/dev/null 2>&1 || \
   ! $py -c 'import google.protobuf' 2>/dev/null; then
    echo "differential: needs protoc and Debian's python3-protobuf (apt-get install protobuf-compiler python3-protobuf)"
    exit 77
fi
count=${DIFF_COUNT:-100000}
seed=${DIFF_SEED:-1}
out=build/diff
mkdir -p $out
pass=0 fail=0
for dir in up down; do
    if ! $py tests/diff/gen_cases.py --dir $dir --count "$count" --seed "$seed" $out/$dir \
        2>$out/$dir.log >/dev/null; then
        grep -v '^\[libprotobuf' $out/$dir.log | tail -5
        echo "differential: generator failed for $dir"
        fail=$((fail + 1))
        continue
    fi
    # the one-shot decoder, then the streaming decoder fed 1 byte at a time
    # without a declared length, and 13 bytes at a time with one
    for mode in oneshot stream1 stream13; do
        case $mode in
            oneshot) opts= ;;
            stream1) opts="--stream-chunk=1 --unknown-length" ;;
            stream13) opts="--stream-chunk=13" ;;
        esac
        build/wpsdump --$dir --lines $opts $out/$dir.hex > $out/$dir.$mode.got
        total=$(wc -l < $out/$dir.expect)
        bad=$(paste -d '\n' $out/$dir.expect $out/$dir.$mode.got | \
              awk 'NR % 2 { e = $0; next } $0 != e { n++ } END { print n + 0 }')
        got_lines=$(wc -l < $out/$dir.$mode.got)
        if [ "$got_lines" -ne "$total" ]; then
            echo "differential $dir $mode: wpsdump printed $got_lines lines for $total inputs"
            bad=$total
        fi
        if [ "$bad" -ne 0 ]; then
            echo "differential $dir $mode: $bad mismatches; first ones:"
            paste -d '\n' $out/$dir.hex $out/$dir.expect $out/$dir.$mode.got | \
                awk 'NR % 3 == 1 { h = $0; next } NR % 3 == 2 { e = $0; next }
                     $0 != e && n++ < 3 { print "  input " h "\n  want  " e "\n  got   " $0 }'
        fi
        echo "differential $dir $mode: $total cases (seed $seed), $bad mismatches"
        pass=$((pass + total - bad))
        fail=$((fail + bad))
    done
done
echo "$pass passed, $fail failed"
