# SPDX-License-Identifier: MIT
#
# A thin wrapper around meson, the way QEMU's Makefile wraps its build.
#   make qemu    set up, build, boot the kernel in QEMU (the shell)
#   make test    set up, build, run every meson suite (+ sanitizers, fuzzing)
#   make bench   the host benchmark of libsv39 (then the in-kernel one)
# Run as root on a fresh Debian 12 machine, `make` installs missing packages.

BUILD     ?= build
SAN_BUILD ?= build-san
BOARD     ?= qemu-virt
FUZZ_SECONDS ?= 30
# make test fuzzes reproducibly (scripts/run-fuzz); make fuzz explores anew.
FUZZ_SEED ?= 1
MESON_OPTS ?=

DEBIAN_PACKAGES := gcc-riscv64-linux-gnu binutils-riscv64-linux-gnu \
	qemu-system-misc opensbi meson ninja-build pkg-config \
	clang libclang-rt-14-dev clang-format lld gcc make

.PHONY: all deps build san qemu qemu-gdb test test-host test-kernel test-kernel-svnapot fuzz \
	bench clean

all: build

# Install what is missing (as root), or say exactly what to run.
deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' \
			|| missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "make: installing$$missing"; \
			apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
		else \
			echo "make: missing Debian packages. Run:"; \
			echo "  sudo apt-get install -y$$missing"; \
			exit 1; \
		fi; \
	fi

$(BUILD)/build.ninja: | deps
	meson setup --cross-file cross-riscv64.txt -Dboard=$(BOARD) \
		-Dextra_programs=$(CURDIR)/tests/kernel/extra/hello.c $(MESON_OPTS) $(BUILD)

# The sanitizer build is native (no cross file) and uses clang, so that the
# same directory also builds the libFuzzer target.
$(SAN_BUILD)/build.ninja: | deps
	CC=clang meson setup -Db_sanitize=address,undefined -Db_lundef=false \
		-Dfuzz=enabled $(SAN_BUILD)

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

san: $(SAN_BUILD)/build.ninja
	ninja -C $(SAN_BUILD)

qemu: build
	scripts/run-qemu $(BUILD) $(BOARD)

qemu-gdb: build
	scripts/run-qemu $(BUILD) $(BOARD) -S -gdb tcp::1234

test-host: build
	meson test -C $(BUILD) --suite host --print-errorlogs

test-kernel: build
	meson test -C $(BUILD) --suite kernel --print-errorlogs

# The kernel tests again on a cpu with Svnapot (make test runs it too).
test-kernel-svnapot: build
	meson test -C $(BUILD) --suite kernel-svnapot --print-errorlogs

fuzz: san
	scripts/run-fuzz $(SAN_BUILD) $(FUZZ_SECONDS)

# Every suite of the cross build: host, kernel and kernel-svnapot.
test: build san
	meson test -C $(BUILD) --print-errorlogs
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C $(SAN_BUILD) --suite host --print-errorlogs
	scripts/run-fuzz $(SAN_BUILD) $(FUZZ_SECONDS) $(FUZZ_SEED)

bench: build
	$(BUILD)/bench/sv39-bench
	@echo
	$(BUILD)/bench/sv39-bench-direct translate translate-hot
	@if [ -x scripts/run-kernel-bench ]; then scripts/run-kernel-bench $(BUILD) $(BOARD); fi

clean:
	rm -rf $(BUILD) $(SAN_BUILD)
