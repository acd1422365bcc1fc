#!/usr/bin/env bash
# Footprint (make size-check): builds the three device images of
# bench/footprint with the CMake toolchain file cmake/arm-none-eabi.cmake
# (arm-none-eabi-gcc -Os, newlib-nano, --gc-sections) for Cortex-M0+ and
# Cortex-M4, twice: with -flto (the image a product ships; its size is
# what the gate checks) and without (one object per source file, so the
# map attributes every section to its layer: the per-layer table). mbed
# TLS is excluded (an opaque stand-in library; see
# bench/footprint/mbedtls_stub.c and BENCHMARKS.md).
#
#   bench/footprint.sh [OUT_DIR]
#   FLASH_MAX (default 32768) and RAM_MAX (default 8192) set the gate on
#   the relay + proxy + OnOff image, on both cores. The defaults are issue
#   #9's targets (32 KiB of flash, 8 KiB of RAM, mbed TLS excluded); set
#   them lower to see the gate fail.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build-footprint}
FLASH_MAX=${FLASH_MAX:-32768}
RAM_MAX=${RAM_MAX:-8192}
FLASH_TARGET=32768
jobs=$(nproc 2>/dev/null || echo 2)
status=0
for cpu in cortex-m0plus cortex-m4; do
    for lto in ON OFF; do
        dir="$out/$cpu"
        [ $lto = OFF ] && dir="$out/$cpu-layers"
        cmake -S bench/footprint -B "$dir" -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/arm-none-eabi.cmake" \
              -DBM_CPU=$cpu -DBM_LTO=$lto >/dev/null
        cmake --build "$dir" -j"$jobs" 2>&1 | { grep -v -e "^\[" -e "lto-wrapper" || true; }
    done
    for cfg in relay_proxy_onoff lpn_switch friend; do
        echo "== $cpu $cfg (octets; layers from the build without -flto)"
        python3 bench/footprint/size_report.py "$out/$cpu-layers/$cfg.map" | grep -v '^flash'
        echo "-- the image with -flto:"
        if [ "$cfg" = relay_proxy_onoff ]; then
            python3 bench/footprint/size_report.py "$out/$cpu/$cfg.map" \
                --flash-max "$FLASH_MAX" --ram-max "$RAM_MAX" | grep '^flash' || status=1
            flash=$(python3 bench/footprint/size_report.py "$out/$cpu/$cfg.map" |
                    awk '/^flash/ {print $2}')
            if [ "$flash" -le "$FLASH_TARGET" ]; then
                echo "target: flash under 32 KiB: met ($flash octets)"
            else
                echo "target: flash under 32 KiB: NOT met ($flash octets)"
            fi
        else
            python3 bench/footprint/size_report.py "$out/$cpu/$cfg.map" | grep '^flash'
        fi
    done
done
if [ $status -ne 0 ]; then
    echo "size-check: the relay + proxy + OnOff image is over its flash limit (FLASH_MAX=$FLASH_MAX) or RAM_MAX=$RAM_MAX" >&2
fi
exit $status
