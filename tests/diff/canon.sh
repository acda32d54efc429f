#!/bin/sh
# SPDX-License-Identifier: MIT
# Canonical maps against libprotobuf: the differential's map cases decoded
# and re-encoded with WPS_ENCODE_SORTED_MAPS must be byte-identical to
# libprotobuf's deterministic serialisation (tests/diff/canon_maps.py).
#   CANON_COUNT (generated messages per direction, default 20000), DIFF_SEED.
# Prints "N passed, M failed"; exits 77 when the reference is not installed.
set -u
cd "$(dirname "$0")/../.."
py=/usr/bin/python3
if ! [ -x $py ] || ! command -v protoc >/dev/null 2>&1 || \
   ! $py -c 'import google.protobuf' 2>/dev/null; then
    echo "canonical maps: needs protoc and Debian's python3-protobuf"
    exit 77
fi
count=${CANON_COUNT:-20000}
seed=${DIFF_SEED:-1}
out=build/diff
mkdir -p $out
${CC:-cc} -O1 -std=c99 -Wall -Wextra tests/diff/reencode.c pbwire.c wps_messages.c -o $out/reencode || {
    echo "canonical maps: reencode does not build"; echo "0 passed, 1 failed"; exit 1; }
pass=0 fail=0
for dir in up down; do
    if ! $py tests/diff/canon_maps.py --dir $dir --count "$count" --seed "$seed" \
            $out/canon_$dir 2>$out/canon_$dir.log; then
        grep -v '^\[libprotobuf' $out/canon_$dir.log | tail -3
        fail=$((fail + 1))
        continue
    fi
    $out/reencode --$dir < $out/canon_$dir.hex > $out/canon_$dir.got
    total=$(wc -l < $out/canon_$dir.expect)
    bad=$(paste -d '\n' $out/canon_$dir.expect $out/canon_$dir.got | \
          awk 'NR % 2 { e = $0; next } $0 != e { n++ } END { print n + 0 }')
    [ "$(wc -l < $out/canon_$dir.got)" -eq "$total" ] || bad=$total
    if [ "$bad" -ne 0 ]; then
        paste -d '\n' $out/canon_$dir.hex $out/canon_$dir.expect $out/canon_$dir.got | \
            awk 'NR % 3 == 1 { h = $0; next } NR % 3 == 2 { e = $0; next }
                 $0 != e && n++ < 3 { print "  input " h "\n  want  " e "\n  got   " $0 }'
    fi
    echo "canonical maps $dir: $total messages, $bad mismatches"
    pass=$((pass + total - bad))
    fail=$((fail + bad))
done
echo "$pass passed, $fail failed"
