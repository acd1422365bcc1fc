#!/usr/bin/env bash
# Static analysis (make lint, part of make check): cppcheck and clang-tidy
# over src/, port/ and tools/, zero findings (docs/quality.md).
#   scripts/lint.sh BUILD_DIR
# BUILD_DIR is a configured gcc build (its compile_commands.json gives
# clang-tidy the flags, and cppcheck the host build's -DBM_CFG_* values).
# Configuration: .cppcheck-suppressions, scripts/cppcheck-blemesh.cfg, .clang-tidy.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
db=$build/compile_commands.json
jobs=$(nproc 2>/dev/null || echo 2)
[ -f "$db" ] || { echo "lint: $db missing (configure the build first)" >&2; exit 1; }

# The host build's definitions (CMakeLists.txt target_compile_definitions)
# and the files of src/, port/, tools/ in the build.
defs=$(python3 -c '
import json, re, sys
db = json.load(open(sys.argv[1]))
cmd = next(e["command"] for e in db if "/src/" in e["file"])
print(" ".join(sorted(set(re.findall(r"-DBM_CFG_\w+=\S+", cmd)))))' "$db")
mapfile -t files < <(python3 -c '
import json, os, sys
root = os.getcwd() + "/"
db = json.load(open(sys.argv[1]))
rel = sorted({os.path.relpath(e["file"], root) for e in db})
print("\n".join(f for f in rel if f.split("/")[0] in ("src", "port", "tools")))' "$db")

echo "lint: cppcheck $(cppcheck --version | cut -d' ' -f2) over src port tools ($defs)"
# shellcheck disable=SC2086
cppcheck --enable=warning,style,performance,portability --std=c11 --inline-suppr \
    --error-exitcode=1 -UBM_CFG_USER_HEADER $defs \
    -Iinclude -Isrc -Itools -Iport/posix -Iport/sim \
    --library=posix --library=scripts/cppcheck-blemesh.cfg \
    --suppressions-list=.cppcheck-suppressions \
    -j"$jobs" --quiet --template=gcc src port tools

echo "lint: $(clang-tidy --version | grep -o 'LLVM version [0-9.]*' | sed 's/LLVM/clang-tidy/') over ${#files[@]} files"
log=$build/clang-tidy.log
if ! printf '%s\n' "${files[@]}" | xargs -P"$jobs" -n4 clang-tidy -p "$build" --quiet >"$log" 2>&1; then
    grep -v 'warnings\? generated\.$' "$log" >&2
    echo "lint: clang-tidy findings (above; configuration in .clang-tidy)" >&2
    exit 1
fi
echo "lint: no findings"
