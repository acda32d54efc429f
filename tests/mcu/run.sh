#!/bin/sh
# SPDX-License-Identifier: MIT
# `make mcu`: the codec run on emulated microcontrollers (tests/mcu/README).
# For each target: the library compiled as `make cross` compiles it, its
# static stack bounds (stack.awk), a bare-metal image with the suite and the
# vectors, run under qemu-system-arm -icount with semihosting; then, as
# markdown, the measured stack beside the static bound and the instruction
# counts (also in build/mcu/report.md).
# Ends with "N passed, M failed" and exits non-zero on any failure.
#
# Environment (set by tests/mcu/mcu.mk): LIB_SRC, the library's sources.
#   MCU_TARGETS  names of the targets to run (default: all three)
set -u
cd "$(dirname "$0")/../.."
LIB_SRC=${LIB_SRC:-pbwire.c wps_messages.c wps_service.c}
B=build/mcu
pass=0 fail=0
bad() { echo "mcu: $*"; fail=$((fail + 1)); }
rm -rf $B && mkdir -p $B

CC=arm-none-eabi-gcc
QEMU=qemu-system-arm
for tool in $CC $QEMU; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "mcu: $tool not installed (apt-get install gcc-arm-none-eabi" \
             "libnewlib-arm-none-eabi qemu-system-arm)"
        echo "0 passed, 1 failed"
        exit 1
    fi
done
if [ "$($CC -print-file-name=libc.a)" = libc.a ]; then
    echo "mcu: newlib not installed (apt-get install libnewlib-arm-none-eabi)"
    echo "0 passed, 1 failed"
    exit 1
fi

# As tests/portability/cross.sh compiles the library: no libc headers.
WARN='-std=c99 -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Wcast-qual -Wstrict-prototypes'
LIBFLAGS='-Os -ffreestanding -ffunction-sections -fdata-sections -fstack-usage -fcallgraph-info=su'
LIBC="-DPBW_FREESTANDING=1 -nostdinc -isystem $($CC -print-file-name=include)"
# The test code: newlib for printf and malloc; no startup files but ours.
# Debian's arm-none-eabi-gcc has its own <stdint.h>, which does not tell
# newlib's <inttypes.h> that 64-bit types exist (no PRIu64 without this).
TESTFLAGS='-std=c99 -O1 -g -Wall -Wextra -Wno-sign-conversion -ffunction-sections -fdata-sections
    -D__int64_t_defined=1 -DTEST_NO_EXHAUSTIVE'
LDFLAGS='-nostartfiles -T tests/mcu/mcu.ld --specs=nosys.specs -Wl,--gc-sections'
# name|board|target flags|label
TARGETS='cm4|mps2-an386|-mthumb -mcpu=cortex-m4|Cortex-M4
cm3|mps2-an385|-mthumb -mcpu=cortex-m3|Cortex-M3
cm0plus|mps2-an386|-mthumb -mcpu=cortex-m0plus|Cortex-M0+'
# -icount shift=7: one instruction is 128 ns of the virtual clock, 3.2 ticks
# of the boards' 25 MHz SysTick, so one operation is counted to the
# instruction.  Nothing else of the run depends on it.
QEMUFLAGS='-display none -monitor none -serial none -nodefaults
    -semihosting-config enable=on,target=native -icount shift=7'

if ! sh tests/mcu/gen_vectors.sh tests/vectors/golden.tsv tests/vectors/malformed.tsv > $B/vectors.c
then
    bad "cannot generate the vectors"
fi

# The encoder's recursion bound, read natively from the schema tables.
if cc -std=c99 tests/portability/schema_depth.c \
      $(echo $LIB_SRC | tr ' ' '\n' | grep -vx wps_messages.c) -o $B/schema_depth &&
   bounds=$($B/schema_depth); then
    :
else
    bad "schema_depth failed: no recursion bound"
    bounds=
fi

: > $B/ran
: > $B/built
while IFS='|' read -r name board tflags label; do
    case " ${MCU_TARGETS:-cm4 cm3 cm0plus} " in *" $name "*) ;; *) continue ;; esac
    echo "$name|$label|$board" >> $B/ran
    dir=$B/$name
    mkdir -p $dir
    ok=1
    objs=
    for src in $LIB_SRC; do
        obj=$dir/$(basename ${src%.c}).o
        if ! $CC $WARN $LIBFLAGS $tflags $LIBC -c $src -o $obj 2>$obj.log || [ -s $obj.log ]; then
            cat $obj.log
            ok=0
        fi
        objs="$objs $obj"
    done
    # Static bounds, from the objects in the image.
    awk -v bounds="$bounds" -f tests/portability/stack.awk $dir/*.ci | sort > $dir/stack
    if grep -q UNBOUNDED $dir/stack; then
        grep UNBOUNDED $dir/stack
        ok=0
    fi
    awk -F'\t' 'BEGIN { print "/* static stack bounds (stack.awk); generated */"
                        print "static const struct { const char *name; unsigned long bytes; }"
                        print "mcu_static_bounds[] = {" }
                { printf "    {\"%s\", %d},\n", $1, $2 }
                END { print "};" }' $dir/stack > $dir/bounds.h
    tobjs=
    for src in tests/mcu/startup.c tests/mcu/semihost.c tests/mcu/suite.c $B/vectors.c \
               tests/harness.c tests/test_pbwire.c tests/test_messages.c tools/wps_json.c; do
        obj=$dir/t_$(basename ${src%.c}).o
        if ! $CC $TESTFLAGS $tflags -Itests/mcu -I$dir -c $src -o $obj 2>$obj.log || [ -s $obj.log ]; then
            cat $obj.log
            ok=0
        fi
        tobjs="$tobjs $obj"
    done
    if [ $ok = 1 ] && $CC $tflags $LDFLAGS $tobjs $objs -o $dir/image.elf -Wl,-Map,$dir/image.map; then
        pass=$((pass + 1))
        echo "$name|$label|$board" >> $B/built
    else
        bad "$label: the image does not build"
    fi
done <<EOF
$TARGETS
EOF

# The images run side by side, one qemu each.
start=$(date +%s)
while IFS='|' read -r name label board; do
    (timeout 300 $QEMU -M $board $QEMUFLAGS -kernel $B/$name/image.elf > $B/$name/out.log 2>&1
     echo $? > $B/$name/rc) &
done < $B/built
wait
while IFS='|' read -r name label board; do
    echo "--- $label on $board ---"
    grep -v '^icount \|^stack \|has no peer$' $B/$name/out.log | tail -n 40
    rc=$(cat $B/$name/rc)
    case "$(tail -n 1 $B/$name/out.log)" in
        *" passed, 0 failed")
            if [ "$rc" = 0 ]; then pass=$((pass + 1)); else bad "$label: exit status $rc"; fi ;;
        *) bad "$label: the suite failed (qemu exit status $rc)" ;;
    esac
done < $B/built
echo "mcu: ran in $(($(date +%s) - start)) s"

# The tables, also kept in $B/report.md.
{
    echo
    echo "Stack in bytes, measured (painted, deepest use over every call of the suite) and" \
         "static (the bound of \`make cross\`, from the same objects):"
    echo
    head=
    sep=
    while IFS='|' read -r name label board; do
        head="$head $label measured | static |"
        sep="$sep---:|---:|"
    done < $B/built
    echo "| function |$head"
    echo "|---|$sep"
    # rows: the functions the suite measures, in its order
    first=$(head -n 1 $B/built | cut -d'|' -f1)
    grep '^stack ' $B/$first/out.log 2>/dev/null | awk '{ print $2 }' | while read -r fn; do
        line="| \`$fn\` |"
        while IFS='|' read -r name label board; do
            cell=$(awk -v f="$fn" '$1 == "stack" && $2 == f { print $6 " | " $8 }' $B/$name/out.log)
            line="$line ${cell:-- | -} |"
        done < $B/built
        echo "$line"
    done
    echo
    printf 'The libc mem* functions, not in the static bound, measured:'
    while IFS='|' read -r name label board; do
        printf ' %s %s B;' "$label" "$(awk '$1 == "mem*" { print $3 }' $B/$name/out.log)"
    done < $B/built
    echo
    echo
    echo "Instructions per call (qemu \`-icount\`; -Os; the vector's name, its size in bytes):"
    echo
    head=
    sep=
    while IFS='|' read -r name label board; do
        head="$head $label decode | encode |"
        sep="$sep---:|---:|"
    done < $B/built
    echo "| frame | bytes |$head"
    echo "|---|---:|$sep"
    grep '^icount .* bytes ' $B/$first/out.log 2>/dev/null | awk '{ print $2, $4 }' |
    while read -r frame bytes; do
        line="| \`$frame\` | $bytes |"
        while IFS='|' read -r name label board; do
            cell=$(awk -v f="$frame" '$1 == "icount" && $2 == f { print $6 " | " $8 }' $B/$name/out.log)
            line="$line ${cell:-- | -} |"
        done < $B/built
        echo "$line"
    done
} > $B/report.md
cat $B/report.md
echo

[ -s $B/ran ] || bad "no target ran"
echo "mcu: $pass passed, $fail failed"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
