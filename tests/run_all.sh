#!/bin/sh
# SPDX-License-Identifier: MIT
# `make test`: every part of the test suite, then one summary line.
# Each part reports "N passed, M failed" as its last line; this adds them up.
set -u
cd "$(dirname "$0")/.."
B=build
PART_LOGS=$B/test-logs
mkdir -p $PART_LOGS
. tests/parts.sh

# The library builds without a warning, freestanding (also with
# PBW_FREESTANDING and no libc headers), with gcc and clang,
# and its objects need nothing from libc but memcpy/memset/memmove/memcmp.
build_checks() {
    p=0 f=0
    for cc in gcc clang; do
        command -v $cc >/dev/null 2>&1 || { echo "build: $cc not installed, skipped"; continue; }
        for src in pbwire.c wps_messages.c wps_service.c wps_client.c; do
            if $cc -std=c99 -O2 -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Wcast-qual \
                   -Wstrict-prototypes -Werror -ffreestanding -c $src -o $B/check-$cc-${src%.c}.o; then
                p=$((p + 1))
            else
                echo "build: $cc warns on $src"; f=$((f + 1))
            fi
            # PBW_FREESTANDING with no libc headers at all: only the compiler's own.
            if $cc -std=c99 -O2 -Wall -Wextra -Wpedantic -Wconversion -Werror -ffreestanding \
                   -DPBW_FREESTANDING=1 -nostdinc -isystem "$($cc -print-file-name=include)" \
                   -c $src -o $B/check-free-$cc.o; then
                p=$((p + 1))
            else
                echo "build: $cc fails on $src with PBW_FREESTANDING and no libc headers"; f=$((f + 1))
            fi
        done
    done
    objs=$(ls $B/check-gcc-*.o $B/check-clang-*.o 2>/dev/null)
    if [ -n "$objs" ]; then
        nm -g --defined-only $objs | awk 'NF == 3 { print $3 }' | sort -u > $B/defined.txt
        extra=$(nm -u $objs | awk 'NF { print $NF }' | grep -v ':$' | sort -u | \
                grep -vxF -f $B/defined.txt | grep -vxE 'memcpy|memset|memmove|memcmp')
        if [ -z "$extra" ]; then
            p=$((p + 1))
        else
            echo "build: the library needs symbols beyond memcpy/memset/memmove/memcmp:" $extra
            f=$((f + 1))
        fi
    fi
    # The headers from C++: compiled as C++, linked with the C library.
    for cxx in g++ clang++; do
        command -v $cxx >/dev/null 2>&1 || continue
        if $cxx -std=c++11 -Wall -Wextra -Wpedantic -Werror tests/compile_cxx.cpp $B/libwpspb_client.a $B/libwpspb_service.a $B/libwpspb.a \
               -o $B/compile_cxx-$cxx && $B/compile_cxx-$cxx; then
            p=$((p + 1))
        else
            echo "build: headers unusable from C++ with $cxx"; f=$((f + 1))
        fi
    done
    echo "build checks: $p passed, $f failed"
    echo "$p passed, $f failed"
}

# Every ```c block of README.md is a complete program: it must compile
# against the library without warnings and run successfully.
readme_examples() {
    p=0 f=0
    rm -rf $B/readme && mkdir -p $B/readme
    awk -v dir=$B/readme '/^```c$/ { n++; f = dir "/example" n ".c"; next }
                          /^```/ { f = ""; next }
                          f { print > f }' README.md
    for src in $B/readme/example*.c; do
        [ -e "$src" ] || break
        exe=${src%.c}
        if cc -std=c99 -Wall -Wextra -Werror -I. "$src" pbwire.c wps_messages.c wps_service.c -o "$exe" && \
           (cd $B/readme && "./${exe##*/}" > "${exe##*/}.out"); then
            p=$((p + 1))
        else
            echo "readme: $src failed"; f=$((f + 1))
        fi
    done
    [ $p -gt 0 ] || { echo "readme: no examples found"; f=$((f + 1)); }
    echo "$p passed, $f failed"
}

# The library's compile-time options: each build keeps its promises.
options() {
    p=0 f=0
    for set in "-DWPS_SMALL=1" "-DWPS_NO_ENCODER=1" "-DWPS_NO_STREAM=1" \
               "-DWPS_SMALL=1 -DWPS_NO_ENCODER=1 -DWPS_NO_STREAM=1"; do
        if cc -std=c99 -O1 -Wall -Wextra -Werror $set tests/options.c tests/harness.c \
                tools/wps_json.c pbwire.c wps_messages.c -o $B/options && $B/options > $B/options.log; then
            tail -2 $B/options.log | head -1
            line=$(tail -1 $B/options.log)
            p=$((p + ${line%% passed*}))
        else
            cat $B/options.log 2>/dev/null | grep -v passed | head -5
            echo "options: $set failed"; f=$((f + 1))
        fi
    done
    echo "$p passed, $f failed"
}

differential() {
    sh tests/diff/run.sh
    rc=$?
    if [ $rc -eq 77 ]; then
        if [ "${REQUIRE_DIFF:-0}" = 1 ]; then
            echo "differential: required (REQUIRE_DIFF=1) but not runnable"
            echo "0 passed, 1 failed"
        else
            echo "differential: SKIPPED"
            echo "0 passed, 0 failed"
        fi
        return 0
    fi
    return $rc
}

part unit $B/run_tests
part unit-small $B/run_tests_small
san_cc=$(command -v clang >/dev/null 2>&1 && echo clang || echo cc)
if echo 'int main(void){return 0;}' | $san_cc -fsanitize=address,undefined -x c - -o $B/san-probe \
        >/dev/null 2>&1; then
    part unit-asan sh -c "make -s $B/run_tests_asan && $B/run_tests_asan"
else
    echo "unit-asan: this compiler has no sanitizers; skipped"
fi
part build build_checks
part readme readme_examples
part options options
part service-py make -s test-service-py
part client make -s test-client
part client-e2e make -s test-client-e2e
part fuzz-replay make -s fuzz-replay
part wpsdump-as make -s test-wpsdump-as
part consumers sh tests/consumers/run.sh
part packaging python3 tests/packaging/check.py
part examples make -s run-examples
part differential differential
part real-client make -s test-json-client
part wpsdump-json make -s test-wpsdump-json
part canonical-maps sh -c 'sh tests/diff/canon.sh; rc=$?; [ $rc -ne 77 ] && exit $rc; if [ "${REQUIRE_DIFF:-0}" = 1 ]; then echo "0 passed, 1 failed"; else echo "canonical maps: SKIPPED"; echo "0 passed, 0 failed"; fi'
part js sh bindings/js/test/run.sh
parts_done
