#!/usr/bin/env bash
# Builds the core library (src/, no host code) for Cortex-M0+ and Cortex-M4
# with arm-none-eabi-gcc -Os, warnings as errors, and prints the size of
# each layer (text/data/bss of its object files, not yet linked). mbed TLS
# is not compiled here: only its headers are used, from Debian's
# libmbedtls-dev, so its size is not in these figures.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build-cross}
rm -rf "$out"
mkdir -p "$out/inc"
ln -s /usr/include/mbedtls "$out/inc/mbedtls" # the headers only, not the host's libc
for cpu in cortex-m0plus cortex-m4; do
    mkdir -p "$out/$cpu"
    for src in src/*.c src/*/*.c; do
        obj="$out/$cpu/$(echo "${src#src/}" | tr / _ | sed "s/\.c$//").o"
        arm-none-eabi-gcc -std=c11 -mcpu=$cpu -mthumb -Os -ffunction-sections -fdata-sections \
            -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-missing-field-initializers -Iinclude -Isrc -isystem "$out/inc" -c "$src" -o "$obj"
    done
    echo "== $cpu: size per layer (octets, objects before linking)"
    printf "%-12s %8s %8s %8s\n" layer text data bss
    for layer in $(cd src && ls -d */ | tr -d /) core; do
        if [ "$layer" = core ]; then pat="$out/$cpu/errors.o"; else pat="$out/$cpu/${layer}_*.o"; fi
        # shellcheck disable=SC2086
        ls $pat >/dev/null 2>&1 || continue
        # shellcheck disable=SC2086
        arm-none-eabi-size $pat | awk -v l="$layer" 'NR>1 {t+=$1; d+=$2; b+=$3}
            END {printf "%-12s %8d %8d %8d\n", l, t, d, b}'
    done
    arm-none-eabi-size "$out/$cpu"/*.o | awk 'NR>1 {t+=$1; d+=$2; b+=$3}
        END {printf "%-12s %8d %8d %8d\n", "total", t, d, b}'
    # The core keeps no global state: every byte lives in the caller's
    # node context, so data and bss must stay empty.
    state=$(arm-none-eabi-size "$out/$cpu"/*.o | awk 'NR>1 {s+=$2+$3} END {print s+0}')
    if [ "$state" -ne 0 ]; then
        echo "cross: the core has $state octets of static data/bss (global state is not allowed):" >&2
        arm-none-eabi-size "$out/$cpu"/*.o | awk 'NR>1 && $2+$3>0' >&2
        exit 1
    fi
done
