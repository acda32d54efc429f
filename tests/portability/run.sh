#!/bin/sh
# SPDX-License-Identifier: MIT
# `make portability`: the unit suites (build/run_tests' sources and flags,
# from tests/tests.mk) built and run as 32-bit x86, as 32-bit ARM (armhf)
# and as big-endian s390x, and the headers used from C++ with g++ and
# clang++.  Each part ends with "N passed, M failed"; then one overall line;
# the exit status is non-zero on any failure.
#
# Binaries are linked statically, so qemu-user needs no sysroot.  Each runs
# directly when this machine can (a native CPU, or a binfmt_misc handler),
# else under qemu-<arch>: some x86-64 kernels cannot run i386 code at all.
# The suites read tests/vectors/*.tsv, so they run from the repo root.
set -u
cd "$(dirname "$0")/../.."
B=build/portability
: "${TEST_SRC:?set by tests/portability.mk}" "${TEST_CFLAGS:?}" "${LIB_SRC:?}"
mkdir -p $B
PART_LOGS=$B
. tests/parts.sh

# suite NAME QEMU CC FLAGS...: builds the unit suites with CC, runs them.
suite() {
    name=$1 qemu=$2 cc=$3
    shift 3
    exe=$B/run_tests-$name
    if ! command -v $cc >/dev/null 2>&1; then
        echo "$name: $cc not installed"
        echo "0 passed, 1 failed"
        return 1
    fi
    # Warnings are shown, not failed: the suites' own flags decide those.
    if ! $cc "$@" -static $TEST_CFLAGS $TEST_SRC $LIB_SRC -o $exe; then
        echo "$name: the unit suites do not build with $cc${*:+ $*}"
        echo "0 passed, 1 failed"
        return 1
    fi
    echo 'int main(void) { return 0; }' > $B/probe.c
    run=
    if ! { $cc "$@" -static $B/probe.c -o $B/probe-$name && $B/probe-$name; } 2>/dev/null; then
        if ! command -v $qemu >/dev/null 2>&1; then
            echo "$name: this machine cannot run $name code and $qemu is not installed"
            echo "0 passed, 1 failed"
            return 1
        fi
        run=$qemu
    fi
    start=$(date +%s)
    $run $exe > $B/$name.out 2>&1
    rc=$?
    cat $B/$name.out
    echo "$name: built with $cc${*:+ $*}, run ${run:-natively}: $(($(date +%s) - start)) s, exit $rc"
    # The suites' own summary, again, as the part's last line.
    grep -E '^[0-9]+ passed, [0-9]+ failed$' $B/$name.out | tail -1
    return $rc
}

# The headers from C++: each translation unit compiled by each C++
# compiler and standard with every warning an error, linked with the
# library compiled as C, and run.
cxx() {
    p=0 f=0
    mkdir -p $B/cxx
    for src in $LIB_SRC; do
        cc -std=c99 -O2 -c $src -o $B/cxx/$(basename ${src%.c}).o || f=$((f + 1))
    done
    for cxx in g++ clang++; do
        if ! command -v $cxx >/dev/null 2>&1; then
            echo "c++: $cxx not installed"
            f=$((f + 1))
            continue
        fi
        for std in c++11 c++17 c++20; do
            for tu in tests/compile_cxx.cpp tests/portability/cxx_api.cpp; do
                exe=$B/cxx/$(basename ${tu%.cpp})-$cxx-$std
                rm -f $exe $exe.out
                if $cxx -std=$std -Wall -Wextra -Wpedantic -Werror $tu $B/cxx/*.o -o $exe &&
                   $exe > $exe.out 2>&1; then
                    p=$((p + 1))
                else
                    cat $exe.out 2>/dev/null
                    echo "c++: $tu fails with $cxx -std=$std"
                    f=$((f + 1))
                fi
            done
        done
    done
    echo "$p passed, $f failed"
}

part i386 suite i386 qemu-i386 gcc -m32
part armhf suite armhf qemu-arm arm-linux-gnueabihf-gcc
part s390x suite s390x qemu-s390x s390x-linux-gnu-gcc
part c++ cxx
echo "portability: $total_pass passed, $total_fail failed"
parts_done
