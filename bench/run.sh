#!/usr/bin/env bash
# make bench: builds the bench programs (-O2, RelWithDebInfo, like make
# build) and runs them all, printing one report (also kept in
# OUT/bench.txt). Takes a few minutes on one core. valgrind (for the
# instruction counts) is optional: without it the relay bench gives ns only
# and says how to install it.
#
#   bench/run.sh [OUT_DIR] [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build-bench}
quick=${2:-}
cmake -S . -B "$out" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=gcc \
      -DBM_BUILD_BENCH=ON -DBM_BUILD_TESTS=OFF >/dev/null
cmake --build "$out" -j"$(nproc 2>/dev/null || echo 2)" \
      --target bench_relay bench_sim bench_latency bench_socket >/dev/null

{
    echo "== machine"
    echo "cpu:      $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') ($(nproc) cores online)"
    echo "kernel:   $(uname -sr)"
    echo "compiler: $(gcc --version | head -1), -O2 -g (RelWithDebInfo)"
    echo "mbed TLS: $(dpkg-query -W -f='${Version}' libmbedtls-dev 2>/dev/null || echo unknown) (Debian libmbedtls-dev)"
    echo "commit:   $(git rev-parse --short HEAD 2>/dev/null || echo none)$(git diff --quiet 2>/dev/null || echo ' + uncommitted changes')"
    echo
    relay_args=()
    if ! command -v valgrind >/dev/null; then
        echo "(valgrind not found: instruction counts skipped; sudo apt-get install -y valgrind)"
        relay_args+=(--no-callgrind)
    fi
    "$out/bench/bench_relay" "${relay_args[@]}"
    echo
    "$out/bench/bench_latency"
    echo
    "$out/bench/bench_latency" --reps 500 --collisions
    echo
    if [ "$quick" = --quick ]; then
        "$out/bench/bench_sim" --quick
    else
        "$out/bench/bench_sim"
    fi
    echo
    "$out/bench/bench_socket"
    echo
    echo "== footprint (bench/footprint.sh, also make size-check)"
    bench/footprint.sh "$out-footprint" || true
    echo
    echo "== mbed TLS modules the backend uses, x86-64 objects of Debian's libmbedcrypto.a (for information)"
    lib=$(ls /usr/lib/*/libmbedcrypto.a 2>/dev/null | head -1 || true)
    if [ -n "$lib" ]; then
        tmp=$(mktemp -d)
        (cd "$tmp" && ar x "$lib" aes.c.o aesni.c.o ccm.c.o cipher.c.o cipher_wrap.c.o cmac.c.o \
            md.c.o sha256.c.o ecp.c.o ecp_curves.c.o ecdh.c.o bignum.c.o constant_time.c.o \
            platform_util.c.o && size -t ./*.o)
        rm -rf "$tmp"
    fi
} 2>&1 | tee "$out/bench.txt"
