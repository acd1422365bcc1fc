#!/usr/bin/env bash
# Checks stack_report.py on two tiny images built with the footprint
# images' compiler and flags (bench/footprint.sh runs it first; exit 1 on
# any mismatch). The expected figures are read from the .su files, which
# the report does not use, along the paths these sources are written to
# have:
#   ok.c:  main > dispatch > (through the ops table) big > memcpy, the
#          library allowance of memcpy being 24; the table's call reaches
#          small and big only, not logger (address-taken, another type),
#          and with --any-address-taken it does reach logger;
#          the RAM gate passes at static + stack and fails one below.
#   bad.c: a recursion (walk) and a VLA (vla): both named, exit 1.
#
#   bench/footprint/stack_test/run.sh [OUT_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-build-stack-test}
report="python3 $here/../stack_report.py"
mkdir -p "$out"
out=$(cd "$out" && pwd)
fail=0
check() { # what, got, want
    if [ "$2" != "$3" ]; then
        echo "stack_test: $1: got '$2', want '$3'" >&2
        fail=1
    fi
}
for cpu in cortex-m0plus cortex-m4; do
    d="$out/$cpu"
    mkdir -p "$d"
    flags="-std=c11 -mcpu=$cpu -mthumb -Os -ffunction-sections -fdata-sections -Wall -Wextra -Werror
           -fstack-usage -fcallgraph-info=su"
    for p in ok bad; do
        # shellcheck disable=SC2086
        arm-none-eabi-gcc $flags -c "$here/$p.c" -o "$d/$p.o"
        arm-none-eabi-gcc -mcpu=$cpu -mthumb -nostartfiles --specs=nano.specs --specs=nosys.specs \
            -Wl,--gc-sections -Wl,-emain -Wl,-Map="$d/$p.map" "$d/$p.o" -o "$d/$p.elf"
    done
    su() { awk -F'\t' -v f="$2" '{n=split($1, a, ":")} a[n] == f {print $2}' "$d/$1.su"; }
    main=$(su ok main) dispatch=$(su ok dispatch) big=$(su ok big) logger=$(su ok logger)
    total=$((main + dispatch + big + 24))

    got=$(cd "$d" && $report ok.map --indirect) || { echo "stack_test: $cpu ok: exit 1" >&2; fail=1; }
    check "$cpu worst path" "$(echo "$got" | grep '^stack')" \
        "stack $total octets: main($main) > dispatch($dispatch) > ok.c:big($big) > memcpy(24)"
    check "$cpu table call" "$(echo "$got" | grep '^indirect: dispatch')" \
        "indirect: dispatch -> (by type) ok.c:big, ok.c:small"
    check "$cpu hook call" "$(echo "$got" | grep '^indirect: main')" \
        "indirect: main -> (by type) ok.c:logger"
    got=$(cd "$d" && $report ok.map --any-address-taken | grep '^stack')
    check "$cpu any address-taken" "$got" \
        "stack $((main + dispatch + logger)) octets: main($main) > dispatch($dispatch) > ok.c:logger($logger)"
    (cd "$d" && $report ok.map --static-ram 1000 --ram-max $((1000 + total)) >/dev/null) ||
        check "$cpu gate at the limit" fail pass
    (cd "$d" && $report ok.map --static-ram 1000 --ram-max $((999 + total)) >/dev/null) &&
        check "$cpu gate one below" pass fail

    if got=$(cd "$d" && $report bad.map); then
        check "$cpu bad.c exit" 0 1
    fi
    check "$cpu recursion" "$(echo "$got" | grep -c '^recursion: walk -> walk$')" 1
    check "$cpu VLA" "$(echo "$got" | grep -c '^unbounded frame (dynamic): vla ')" 1
done
if [ $fail -ne 0 ]; then
    exit 1
fi
echo "stack_test: stack_report.py gives the hand-checked paths and figures (Cortex-M0+ and M4)"
