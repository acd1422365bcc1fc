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
#   ok.c again with -flto, linked as bench/footprint links its -flto
#   images (-flto-partition=one -fstack-usage -fcallgraph-info=su
#   -save-temps): the report reads the link-time graph. There GCC 12
#   inlines dispatch into main, so main holds both indirect calls (the
#   table's and the_log's) and the type match, per calling function,
#   lets main reach big, small and logger; logger is the deepest:
#   main > ok.c:logger, frames from the LTRANS unit's .su.
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

    l="$d/lto"
    mkdir -p "$l"
    # shellcheck disable=SC2086
    arm-none-eabi-gcc ${flags/-fstack-usage -fcallgraph-info=su/} -flto -c "$here/ok.c" -o "$l/ok.o"
    (cd "$l" && arm-none-eabi-gcc -mcpu=$cpu -mthumb -Os -flto -flto-partition=one -fstack-usage \
        -fcallgraph-info=su -save-temps -nostartfiles --specs=nano.specs --specs=nosys.specs \
        -Wl,--gc-sections -Wl,-emain -Wl,-Map=ok.map ok.o -o ok.elf)
    lsu() { awk -F'\t' -v f="$1" '{n=split($1, a, ":")} a[n] == f {print $2}' "$l/ok.elf.ltrans0.ltrans.su"; }
    main=$(lsu main) big=$(lsu big) logger=$(lsu logger)
    check "$cpu -flto: dispatch inlined" "$(lsu dispatch)" ""
    check "$cpu -flto: logger deeper than big > memcpy" $((logger > big + 24)) 1
    got=$(cd "$l" && $report ok.map --indirect) || { echo "stack_test: $cpu -flto ok: exit 1" >&2; fail=1; }
    check "$cpu -flto worst path" "$(echo "$got" | grep '^stack')" \
        "stack $((main + logger)) octets: main($main) > ok.c:logger($logger)"
    check "$cpu -flto indirect calls" "$(echo "$got" | grep '^indirect: main')" \
        "indirect: main -> (by type) ok.c:big, ok.c:logger, ok.c:small"
done
if [ $fail -ne 0 ]; then
    exit 1
fi
echo "stack_test: stack_report.py gives the hand-checked paths and figures (Cortex-M0+ and M4; ok.c also with -flto)"
