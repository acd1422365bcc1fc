# The two commands of the README:
#   make demo   - installs what is missing, builds, runs the main job
#   make check  - installs what is missing, builds and runs every test:
#                 gcc build, clang build with ASan+UBSan, all warnings as errors
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build
VECTORS ?= $(abspath ../shared/vectors)

.PHONY: all deps build demo check check-gcc check-asan cross clean python fuzz fuzz-replay bench size-check \
        lint memcheck

all: build

deps:
	@scripts/deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=gcc \
	      -DBM_VECTORS_DIR=$(VECTORS) >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

demo: build
	@scripts/demo.sh $(BUILD)/blemesh $(VECTORS) $(DEMO_ARGS)

check-gcc: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

check-asan: deps
	cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
	      -DBM_SANITIZE=ON -DBM_VECTORS_DIR=$(VECTORS) >/dev/null
	cmake --build $(BUILD)-asan -j$(JOBS)
	cd $(BUILD)-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	      ctest --output-on-failure -j$(JOBS)

cross: deps
	scripts/cross.sh $(BUILD)-cross

# The Python module (docs/python.md): builds it, runs its tests, and
# installs the blemesh package for /usr/bin/python3 (Debian's), so that
# `python3 -m blemesh.run SCRIPT.py` works afterwards.
python: build
	cd $(BUILD) && ctest -L python --output-on-failure
	cmake --install $(BUILD) --component python

check: check-gcc check-asan cross fuzz-replay size-check lint memcheck
	@echo "check: all tests passed (gcc, and clang with ASan+UBSan); the core builds for Cortex-M0+/M4"

# Static analysis and memcheck (docs/quality.md): cppcheck + clang-tidy over
# src/ port/ tools/ with zero findings; the host tool under valgrind.
lint: build
	scripts/lint.sh $(BUILD)

memcheck: build
	scripts/memcheck.sh $(BUILD)

# Fuzzing (docs/fuzzing.md): libFuzzer targets built with clang into $(BUILD)-fuzz.
# fuzz: each target for FUZZ_SECONDS (default 60); fuzz-replay: every
# checked-in corpus file once through its target (part of check).
FUZZ_SECONDS ?= 60
fuzz: deps
	$(MAKE) -C fuzz run OUT=$(abspath $(BUILD))-fuzz FUZZ_SECONDS=$(FUZZ_SECONDS) -j$(JOBS)

fuzz-replay: deps
	$(MAKE) -C fuzz replay OUT=$(abspath $(BUILD))-fuzz -j$(JOBS)

# Benchmarks (BENCHMARKS.md): every bench/ program, one printed report.
bench: deps
	bench/run.sh $(BUILD)-bench

# The Cortex-M footprint images, per layer; fails past the size limits
# (bench/footprint.sh).
size-check: deps
	bench/footprint.sh $(BUILD)-footprint

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-fuzz $(BUILD)-cross $(BUILD)-bench $(BUILD)-bench-footprint \
	       $(BUILD)-footprint
