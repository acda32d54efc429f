#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/callgrind.sh - instructions per message of our columns, from
# callgrind (repeatable on a loaded machine, unlike time), and the streaming
# columns as ratios to the one-shot decode.
#
#   sh bench/callgrind.sh [CLASS...]     (make bench-cg CG_CLASSES="...")
# Needs valgrind and build/bench.  Each figure: Ir of the column's run_*
# function over one verified pass of the class, divided by its messages.
set -e
B=${B:-build}
CORPUS=${CORPUS:-../shared/corpus}
CLASSES=${*:-"up_mix down_mix up_ctl_all down_ctl_all up_send_bin64 up_send_bin64k up_send_bin1m up_send_text16 down_data_bin64 down_data_bin64k down_data_bin1m"}
if ! command -v valgrind >/dev/null 2>&1; then
    echo "bench-cg: skipped (valgrind is not installed)"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
count() { # column fn class -> Ir per message
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" --toggle-collect="$2" \
        "$B/bench" --corpus "$CORPUS" --count "$1" "$3" >"$tmp/out" 2>"$tmp/err"
    msgs=$(awk '{print $3}' "$tmp/out")
    ir=$(awk '/^summary:/ {print $2}' "$tmp/cg")
    awk -v i="$ir" -v m="$msgs" 'BEGIN { printf "%.0f", i / m }'
}
printf '%-18s %10s %10s %10s %10s %9s %9s\n' class decode stream1460 stream100 encode s1460/dec s100/dec
for c in $CLASSES; do
    d=$(count decode run_decode "$c")
    s=$(count stream1460 run_stream "$c")
    h=$(count stream100 run_stream100 "$c")
    e=$(count encode run_encode "$c")
    awk -v c="$c" -v d="$d" -v s="$s" -v h="$h" -v e="$e" \
        'BEGIN { printf "%-18s %10d %10d %10d %10d %9.2f %9.2f\n", c, d, s, h, e, s / d, h / d }'
done
