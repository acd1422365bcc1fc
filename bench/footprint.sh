#!/usr/bin/env bash
# Footprint (make size-check): builds the three device images of
# bench/footprint with the CMake toolchain file cmake/arm-none-eabi.cmake
# (arm-none-eabi-gcc -Os, newlib-nano, --gc-sections) for Cortex-M0+ and
# Cortex-M4, prints the size per layer of each, and fails when the relay +
# proxy + OnOff image is over its limits. mbed TLS is excluded (stubbed;
# see bench/footprint/mbedtls_stub.c and BENCHMARKS.md).
#
#   bench/footprint.sh [OUT_DIR]
#   FLASH_MAX (octets, default 51200) and RAM_MAX (default 8192) set the
#   gate. RAM_MAX is issue #9's target (8 KiB). The flash target is 32 KiB,
#   which the core does not meet yet (BENCHMARKS.md says where the rest
#   goes): FLASH_MAX is a ratchet, today's largest light image (48 464
#   octets, Cortex-M0+) plus about 2.7 KB, to be lowered as the image
#   shrinks, never raised.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build-footprint}
FLASH_MAX=${FLASH_MAX:-51200}
RAM_MAX=${RAM_MAX:-8192}
FLASH_TARGET=32768
status=0
for cpu in cortex-m0plus cortex-m4; do
    cmake -S bench/footprint -B "$out/$cpu" -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/arm-none-eabi.cmake" \
          -DBM_CPU=$cpu >/dev/null
    cmake --build "$out/$cpu" -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
    for cfg in relay_proxy_onoff lpn_switch friend; do
        echo "== $cpu $cfg (octets, linked with --gc-sections)"
        if [ "$cfg" = relay_proxy_onoff ]; then
            python3 bench/footprint/size_report.py "$out/$cpu/$cfg.map" \
                --flash-max "$FLASH_MAX" --ram-max "$RAM_MAX" || status=1
            flash=$(python3 bench/footprint/size_report.py "$out/$cpu/$cfg.map" |
                    awk '/^flash/ {print $2}')
            if [ "$flash" -le "$FLASH_TARGET" ]; then
                echo "target: flash under 32 KiB: met"
            else
                echo "target: flash under 32 KiB: NOT met ($flash octets)"
            fi
        else
            python3 bench/footprint/size_report.py "$out/$cpu/$cfg.map"
        fi
    done
done
if [ $status -ne 0 ]; then
    echo "size-check: the relay + proxy + OnOff image is over FLASH_MAX=$FLASH_MAX or RAM_MAX=$RAM_MAX" >&2
fi
exit $status
