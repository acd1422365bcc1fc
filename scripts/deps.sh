#!/usr/bin/env bash
# Installs the Debian packages blemesh needs, or says which are missing.
# As root it runs apt-get; otherwise it prints the apt-get line and fails.
set -euo pipefail

# build-essential/cmake: the build; clang: the second compiler and the
# sanitizer build; libclang-rt-14-dev: clang's ASan/UBSan/libFuzzer runtimes
# (only a Recommends of clang, which --no-install-recommends skips); libmbedtls-dev: AES, CMAC, CCM, ECDH P-256; libcjson-dev:
# the tool's Mesh Configuration Database and the tests' JSON sample data; python3: the CLI tests;
# python3-dev + python3-pytest: the Python module (python/) and its tests;
# gcc-arm-none-eabi + libnewlib-arm-none-eabi: the Cortex-M build of the core;
# cppcheck + clang-tidy: make lint; valgrind: make memcheck runs the host tool
# under memcheck (leaks and errors ASan's build does not see in the gcc binary).
PACKAGES=(build-essential cmake clang libclang-rt-14-dev libmbedtls-dev libcjson-dev python3 python3-dev python3-pytest
          gcc-arm-none-eabi
          libnewlib-arm-none-eabi
          cppcheck clang-tidy valgrind)

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    echo "deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || true
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
    echo "deps: missing Debian packages. Run:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
