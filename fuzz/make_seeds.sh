#!/bin/sh
# SPDX-License-Identifier: MIT
# fuzz/make_seeds.sh - regenerates the checked-in seed corpora fuzz/corpus/*
# from the golden and malformed vectors (tests/vectors/*.tsv, hex column)
# and the first record of each class of the shared corpus
# (../shared/corpus/*.bin: uint32 little-endian length, then the message;
# classes over 4200 bytes are left out).  Deterministic; needs xxd, awk, od.
#
# A few hundred small files in all: per harness a handful of vectors of each
# message kind (the groups of the vector names), a few malformed inputs of
# every status, and the shared corpus records.  fuzz_stream seeds carry the
# harness's 2-byte-plus-plan header (fuzz_stream.c) with varied options.
#
#   sh fuzz/make_seeds.sh [SHARED_CORPUS_DIR]
set -eu
cd "$(dirname "$0")/.."
shared=${1:-../shared/corpus}
out=fuzz/corpus
for h in fuzz_decode_up fuzz_decode_down fuzz_roundtrip fuzz_stream fuzz_diff; do
    rm -rf "${out:?}/$h"
    mkdir -p "$out/$h"
done

# put HARNESS NAME HEX: one seed file
put() {
    printf '%s' "$3" | xxd -r -p > "$out/$1/$2"
}

# Lines "harness name hex" for the vectors, chosen by their group (the
# first two parts of the name: dir.kind) and their position in it.
{
    awk -F'\t' '!/^#/ {
        split($2, a, "."); g = a[1] "." a[2]; i = seen[g]++
        dec = $1 == "up" ? "fuzz_decode_up" : "fuzz_decode_down"
        if (i < 4) print dec, "g-" $2, $3
        if (i % 3 == 0 && i < 9) print "fuzz_roundtrip", "g-" $2, $3
        if (i % 3 == 1 || (i == 0 && $2 !~ /\.empty$/)) if (i < 9) print "fuzz_diff", "g-" $2, $3
        if (i % 4 == 0 && i < 8) {
            # stream header: direction, then options varied by seed number
            j = nstream++
            opt = ($1 == "down") + 2 * (j % 2) + 8 * (int(j / 2) % 4) + 32 * (int(j / 8) % 2) + \
                  4 * (j % 11 == 5)
            k = j % 4
            plan = k == 0 ? "" : k == 1 ? "01" : k == 2 ? "0300" : "07ff02"
            printf "fuzz_stream g-%s %02x%02x%s%s\n", $2, opt, 128 + k, plan, $3
        }
    }' tests/vectors/golden.tsv
    awk -F'\t' '!/^#/ {
        s = $1 "." $4; i = seen[s]++
        dec = $1 == "up" ? "fuzz_decode_up" : "fuzz_decode_down"
        if (i < 3) print dec, "m-" $2, $3
        if (i == 0) print "fuzz_diff", "m-" $2, $3
        if (i == 1) {
            opt = ($1 == "down") + 2 * (nstream % 2)
            nstream++
            printf "fuzz_stream m-%s %02x8102%s\n", $2, opt, $3
        }
    }' tests/vectors/malformed.tsv
} | while read -r h name hex; do
    put "$h" "$name" "$hex"
done

# The first record of each shared corpus class.
if [ -d "$shared" ]; then
    n=0
    for f in "$shared"/*.bin; do
        class=$(basename "$f" .bin)
        set -- $(od -An -tu1 -N4 "$f")
        len=$(($1 + 256 * $2 + 65536 * $3 + 16777216 * $4))
        [ "$len" -le 4200 ] || continue
        hex=$(dd if="$f" bs=1 skip=4 count="$len" 2>/dev/null | xxd -p | tr -d '\n')
        case $class in
        up_*) dec=fuzz_decode_up down=0 ;;
        *) dec=fuzz_decode_down down=1 ;;
        esac
        put $dec "c-$class" "$hex"
        case $((n % 3)) in
        0) put fuzz_roundtrip "c-$class" "$hex" ;;
        1) put fuzz_diff "c-$class" "$hex" ;;
        2) put fuzz_stream "c-$class" "$(printf '%02x82' $((down + 2 * (n % 2))))0d00$hex" ;;
        esac
        n=$((n + 1))
    done
else
    echo "make_seeds: $shared not found; shared corpus records left out" >&2
fi
for h in fuzz_decode_up fuzz_decode_down fuzz_roundtrip fuzz_stream fuzz_diff; do
    echo "$h: $(ls "$out/$h" | wc -l) seeds, $(cat "$out/$h"/* | wc -c) bytes"
done
