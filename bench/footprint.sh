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
# The worst-case stack of each image comes from GCC's call graphs
# (bench/footprint/stack_report.py; its method and bounds are in its
# header), checked first on tiny images of known depth
# (bench/footprint/stack_test/run.sh): that of the -flto image itself
# (the link-time graph) and that of the build without -flto; both are
# printed, and the gate takes the larger.
#
#   bench/footprint.sh [OUT_DIR]
#   FLASH_MAX (default 32768) and RAM_MAX (default 8192) set the gate on
#   the relay + proxy + OnOff image, on both cores: its flash, and its RAM
#   as static RAM + the larger of the two worst-case stacks. Both are issue #9's targets (32 KiB
#   of flash, mbed TLS excluded; 8 KiB of RAM with the stack); the
#   "target:" lines say where each image stands. Set them lower to see the
#   gate fail.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build-footprint}
FLASH_MAX=${FLASH_MAX:-32768}
RAM_MAX=${RAM_MAX:-8192}
FLASH_TARGET=32768
RAM_TARGET=8192
jobs=$(nproc 2>/dev/null || echo 2)
status=0
bench/footprint/stack_test/run.sh "$out/stack-test" || status=1
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
        ram=$(python3 bench/footprint/size_report.py "$out/$cpu/$cfg.map" |
              awk '/^flash/ {print $5}')
        if [ "$cfg" = relay_proxy_onoff ]; then
            python3 bench/footprint/size_report.py "$out/$cpu/$cfg.map" \
                --flash-max "$FLASH_MAX" | grep '^flash' || status=1
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
        echo "-- worst-case stack of the -flto image (its link-time call graph):"
        python3 bench/footprint/stack_report.py "$out/$cpu/$cfg.map" --static-ram "$ram" |
            tee "$out/$cpu-$cfg.lto.stack" || status=1
        echo "-- worst-case stack of the build without -flto (per-file call graph):"
        python3 bench/footprint/stack_report.py "$out/$cpu-layers/$cfg.map" --static-ram "$ram" |
            tee "$out/$cpu-$cfg.stack" || status=1
        if [ "$cfg" = relay_proxy_onoff ]; then
            lto=$(awk '/^stack/ {print $2}' "$out/$cpu-$cfg.lto.stack")
            layers=$(awk '/^stack/ {print $2}' "$out/$cpu-$cfg.stack")
            stack=$(( ${lto:-99999} > ${layers:-99999} ? ${lto:-99999} : ${layers:-99999} ))
            total=$((ram + stack))
            if [ "$total" -le "$RAM_MAX" ]; then
                verdict=ok
            else
                verdict=OVER
                status=1
            fi
            echo "RAM gate: $ram static + max(-flto $lto, without -flto $layers) stack =" \
                 "$total octets  RAM $total <= $RAM_MAX: $verdict"
            if [ "$total" -le "$RAM_TARGET" ]; then
                echo "target: RAM (static + stack) under 8 KiB: met ($total octets)"
            else
                echo "target: RAM (static + stack) under 8 KiB: NOT met ($total octets)"
            fi
        fi
    done
done
if [ $status -ne 0 ]; then
    echo "size-check: the relay + proxy + OnOff image is over its flash limit (FLASH_MAX=$FLASH_MAX)" \
         "or its static RAM + stack over RAM_MAX=$RAM_MAX, a stack has no bound, or stack_test failed" >&2
fi
exit $status
