# The two commands a newcomer needs: `make run` (start doorman on the demo config) and
# `make test` (every test through CTest). Both install missing Debian packages first.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
CTEST_JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 20

.PHONY: all deps release debug fuzz-build run test unit e2e bench format clean deb

all: release

deps:
	./scripts/install-deps

release: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

debug: deps
	cmake --preset debug -DDOORMAN_FUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null
	cmake --build --preset debug -j $(JOBS)

# libFuzzer targets need clang-19 (installed by deps); CTest skips fuzz runs when this is absent.
fuzz-build: deps
	@if command -v clang++-19 >/dev/null; then \
	  cmake --preset fuzz >/dev/null && cmake --build --preset fuzz -j $(JOBS); \
	else echo "clang++-19 not found: fuzz targets not built"; fi

# The Debian package (binary, starter config, systemd unit, docs): build/release/doorman_*.deb.
deb: release
	cd build/release && cpack -G DEB
	@ls build/release/doorman_*.deb

run: release
	./build/release/doorman serve --config examples/demo.toml

# Unit tests, corpus replays, end-to-end tests and short fuzz runs, in parallel through CTest.
test: debug fuzz-build
	ctest --preset debug -j $(CTEST_JOBS)

unit: debug
	ctest --preset debug -j $(CTEST_JOBS) -L unit

e2e: debug
	ctest --preset debug -j $(CTEST_JOBS) -L e2e

bench: release
	@for b in build/release/bench/*_bench; do echo "== $$b"; $$b; done

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf build
