#!/bin/sh
# SPDX-License-Identifier: MIT
# `make cross`: the library compiled for microcontrollers (Cortex-M0+,
# Cortex-M4, RV32IMC), freestanding (PBW_FREESTANDING: no libc headers), -Os, every warning of the native build
# check on; then, as markdown for README.md, the size of each object and the
# worst-case stack of every public function; and a check that the objects
# need nothing from libc but memcpy/memset/memmove/memcmp.
# Ends with "N passed, M failed" and exits non-zero on any failure.
#
# Environment (set by tests/portability.mk):
#   LIB_SRC         the library's sources
#   CORE_SRC        the core's (the variants build only these: the optional
#                   modules need what WPS_NO_ENCODER and such leave out)
#   CROSS_VARIANTS  more builds, one word each, its -D flags joined by commas:
#                   "-DPBW_MAX_DEPTH=4 -DPBW_MAX_DEPTH=8,-DFOO=1"
#   CROSS_STRICT=1  count libgcc helper calls (__aeabi_llsl, __clzdi2...) as
#                   failures too; by default they are listed, not failed,
#                   because gcc links libgcc into every program anyway.
set -u
cd "$(dirname "$0")/../.."
LIB_SRC=${LIB_SRC:-pbwire.c wps_messages.c}
CORE_SRC=${CORE_SRC:-pbwire.c wps_messages.c}
B=build/cross
pass=0 fail=0
bad() { echo "cross: $*"; fail=$((fail + 1)); }
rm -rf $B && mkdir -p $B

WARN='-std=c99 -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Wcast-qual -Wstrict-prototypes'
# -fstack-usage: each function's frame; -fcallgraph-info=su: who calls whom,
# with the frames, for stack.awk.
FLAGS='-Os -ffreestanding -ffunction-sections -fdata-sections -fstack-usage -fcallgraph-info=su'
# name|compiler|target flags|label for the tables
TARGETS='cm0plus|arm-none-eabi-gcc|-mthumb -mcpu=cortex-m0plus|Cortex-M0+
cm4|arm-none-eabi-gcc|-mthumb -mcpu=cortex-m4|Cortex-M4
rv32imc|riscv64-unknown-elf-gcc|-march=rv32imc -mabi=ilp32|RV32IMC'

# Every build is one line of $B/builds: dir|label|build flags label.
: > $B/builds
while IFS='|' read -r name cc tflags label; do
    if ! command -v $cc >/dev/null 2>&1; then
        bad "$cc not installed: no $label build"
        continue
    fi
    # PBW_FREESTANDING: no libc headers, so the same build whether or not
    # the toolchain ships a libc (Debian's riscv64-unknown-elf-gcc has none
    # without picolibc); the library declares memcpy & co itself, and
    # -nostdinc leaves only the compiler's own headers to prove it.
    libc="-DPBW_FREESTANDING=1 -nostdinc -isystem $($cc $tflags -print-file-name=include)"
    tools=${cc%gcc}
    for v in default ${CROSS_VARIANTS:-}; do
        if [ $v = default ]; then
            vflags= dir=$B/$name vlabel=default srcs=$LIB_SRC
        else
            srcs=$CORE_SRC
            vflags=$(echo "$v" | tr ',' ' ')
            vlabel=$vflags
            dir=$B/$name-$(echo "$v" | sed 's/-D//g' | tr -c 'A-Za-z0-9_=\n' '+')
        fi
        mkdir -p $dir
        # The encoder's recursion bound, read natively from this build's
        # schema tables (schema_depth.c); without it every recursive chain
        # reports UNBOUNDED.
        bounds=
        if cc -std=c99 $vflags tests/portability/schema_depth.c \
              $(echo $srcs | tr ' ' '\n' | grep -vx wps_messages.c) -o $dir/schema_depth &&
           bounds=$($dir/schema_depth); then
            echo "$bounds" > $dir/bounds
        else
            bad "$label ($vlabel): schema_depth failed: no recursion bound"
        fi
        objs=
        for src in $srcs; do
            obj=$dir/$(basename ${src%.c}).o
            if $cc $WARN $FLAGS $tflags $libc $vflags -c $src -o $obj 2>$obj.log; then
                if [ -s $obj.log ]; then
                    cat $obj.log
                    bad "$label ($vlabel): warnings in $src"
                else
                    pass=$((pass + 1))
                fi
                objs="$objs $obj"
            else
                cat $obj.log
                bad "$label ($vlabel): $src does not compile"
            fi
        done
        [ -n "$objs" ] || continue

        # Sizes: sections by kind, per object (-ffunction-sections splits
        # them; the small-data sections of RISC-V count with their kind).
        for obj in $objs; do
            ${tools}size -A $obj | awk -v o=$(basename $obj) '
                $1 ~ /^\.(text)/ { t += $2 }
                $1 ~ /^\.(s?rodata)/ { r += $2 }
                $1 ~ /^\.(s?data)/ { d += $2 }
                $1 ~ /^\.(s?bss)/ { b += $2 }
                END { print o, t + 0, r + 0, d + 0, b + 0 }'
        done > $dir/sizes

        # Stack: the worst chain from every public function.
        awk -v bounds="$bounds" -f tests/portability/stack.awk $dir/*.ci | sort > $dir/stack
        if grep -q UNBOUNDED $dir/stack; then
            grep UNBOUNDED $dir/stack
            bad "$label ($vlabel): no stack bound for some functions"
        else
            pass=$((pass + 1))
        fi

        # Undefined symbols: only mem* from libc; libgcc helpers are listed.
        ${tools}nm -g --defined-only $objs | awk 'NF == 3 { print $3 }' | sort -u > $dir/defined
        ${tools}nm -u $objs | awk '$1 == "U" { print $2 }' | sort -u |
            grep -vxF -f $dir/defined | grep -vxE 'memcpy|memset|memmove|memcmp' > $dir/undef
        ${tools}nm -g --defined-only "$($cc $tflags -print-libgcc-file-name)" 2>/dev/null |
            awk 'NF == 3 { print $3 }' | sort -u > $dir/libgcc
        helpers=$(grep -xF -f $dir/libgcc $dir/undef | tr '\n' ' ')
        other=$(grep -vxF -f $dir/libgcc $dir/undef | tr '\n' ' ')
        [ -z "$helpers" ] || echo "$label ($vlabel): libgcc helpers used: $helpers"
        if [ -n "$other" ]; then
            bad "$label ($vlabel): undefined symbols beyond memcpy/memset/memmove/memcmp: $other"
        elif [ -n "$helpers" ] && [ "${CROSS_STRICT:-0}" = 1 ]; then
            bad "$label ($vlabel): libgcc helpers with CROSS_STRICT=1: $helpers"
        else
            pass=$((pass + 1))
        fi
        echo "$dir|$label|$vlabel" >> $B/builds
    done
done <<EOF
$TARGETS
EOF

# The tables, also kept in $B/report.md.
{
    echo
    echo "Size in bytes (\`-Os -ffunction-sections -fdata-sections\`, before \`--gc-sections\`):"
    echo
    echo '| target | build | object | .text | .rodata | .data | .bss | total |'
    echo '|---|---|---|---:|---:|---:|---:|---:|'
    while IFS='|' read -r dir label vlabel; do
        # The core (wire layer and messages) is what firmware takes; the
        # optional modules (service, client) have their own lines.
        awk -v l="$label" -v v="$vlabel" '
            { printf "| %s | %s | %s | %d | %d | %d | %d | %d |\n", l, v, $1, $2, $3, $4, $5,
                     $2 + $3 + $4 + $5
              if ($1 ~ /^wps_(service|client)/) next
              t += $2; r += $3; d += $4; b += $5 }
            END { printf "| %s | %s | **core total** | **%d** | **%d** | **%d** | **%d** | **%d** |\n",
                         l, v, t, r, d, b, t + r + d + b }' $dir/sizes
    done < $B/builds
    echo
    echo "Worst-case stack in bytes, through the whole call graph:"
    echo
    # One column per build; rows are the public functions.
    awk -F'|' '{ printf "%s|%s%s\n", $1, $2, ($3 == "default" ? "" : " `" $3 "`") }' $B/builds |
    while IFS='|' read -r dir head; do
        printf '%s\n' "#$head"
        cut -f1,2,5 $dir/stack
    done | awk -F'\t' '
        /^#/ { ncol++; head[ncol] = substr($0, 2); next }
        { if (!($1 in row)) { row[$1] = 1; names[++nrow] = $1 }
          cell[$1, ncol] = ($3 == "" ? $2 : "UNBOUNDED") }
        END {
            line = "| function |"; sep = "|---|"
            for (c = 1; c <= ncol; c++) { line = line " " head[c] " |"; sep = sep "---:|" }
            print line; print sep
            for (r = 1; r <= nrow; r++) {
                line = "| `" names[r] "` |"
                for (c = 1; c <= ncol; c++) line = line " " cell[names[r], c] " |"
                print line
            }
        }'
    echo
    # "msg_size,msg_write=4 items_size,item_size,item_write=1" -> 4 and 1
    levels=$(sed 's/^[^=]*=\([0-9]*\).*=\([0-9]*\)$/\1 nested messages and \2 level of repeated items/' \
             $(head -1 $B/builds | cut -d'|' -f1)/bounds 2>/dev/null)
    echo "Frames from \`-fstack-usage\`, calls from \`-fcallgraph-info=su\`; the encoder" \
         "recurses on the schema only, bounded by its depth (${levels:-unknown})." \
         "Not counted: the frames of memcpy/memset/memcmp and of libgcc helpers."
} > $B/report.md
cat $B/report.md

# The deepest chain of each build, to show where the bytes go.
echo
while IFS='|' read -r dir label vlabel; do
    sort -t "$(printf '\t')" -k2,2n $dir/stack | tail -1 |
        awk -F'\t' -v l="$label ($vlabel)" '{ print l ": " $1 " " $2 " bytes: " $4 }'
done < $B/builds
echo "all chains: $B/*/stack"

echo "cross: $pass passed, $fail failed"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
