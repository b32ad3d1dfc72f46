#!/bin/sh
# SPDX-License-Identifier: MIT
#
# check-opt-levels.sh LIBSV39_DIR SV39_C [NM]
#
# Kernels build the library with their own flags, and a warning that only
# one optimisation level's analysis finds (gcc's maybe-uninitialized at -O1,
# say) breaks a -Werror kernel build. So compile every libsv39/src/*.c and
# the amalgamated SV39_C at -O0, -O1, -Og, -Os, -O2 and -O3, each with
# -Wall -Wextra -Werror, freestanding, with every compiler found among: gcc
# and clang for the host, riscv64-linux-gnu-gcc (rv64imac/lp64) and clang
# --target=riscv64-unknown-elf (rv64gc/lp64d). With NM (riscv64-linux-gnu-nm),
# each riscv64 amalgamation object must also have nothing undefined at every
# level: no memcpy/memset, and no libgcc helper a bare `ld` would not find.
# Exit 77 when no compiler is there.
set -eu

if [ $# -lt 2 ]; then
	echo "usage: $0 LIBSV39_DIR SV39_C [NM]" >&2
	exit 2
fi
lib=$1
amalg=$2
nm=${3:-}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
built=0

# build NAME CC [FLAGS...]: every level, the sources and the amalgamation
# (compiler words never hold spaces, so the command is kept as one string)
build() {
	name=$1
	shift
	if ! command -v "$1" >/dev/null 2>&1; then
		echo "SKIP: $name: $1 not found"
		return 0
	fi
	cc="$*"
	before=$failed
	# gcc may turn loops into memset/memcpy calls unless told not to
	if $cc -Werror -fno-tree-loop-distribute-patterns -x c -c /dev/null \
		-o /dev/null 2>/dev/null; then
		cc="$cc -fno-tree-loop-distribute-patterns"
	fi
	for level in -O0 -O1 -Og -Os -O2 -O3; do
		out="$tmp/$name$level"
		flags="-std=gnu11 $level -ffreestanding -fno-builtin -Wall -Wextra -Werror"
		mkdir -p "$out"
		# shellcheck disable=SC2086 # word splitting of the command is meant
		if ! (cd "$out" && $cc $flags -I"$lib/include" -c "$lib"/src/*.c) \
			>"$out.log" 2>&1; then
			echo "FAIL: $name $level: $lib/src/*.c"
			sed 's/^/  /' "$out.log"
			failed=1
		fi
		# shellcheck disable=SC2086
		if ! $cc $flags -I"$(dirname "$amalg")" -c "$amalg" -o "$out/sv39.o" \
			>"$out.log" 2>&1; then
			echo "FAIL: $name $level: $amalg"
			sed 's/^/  /' "$out.log"
			failed=1
		elif [ -n "$nm" ] && [ "${name#rv64}" != "$name" ] &&
			[ -n "$("$nm" -u "$out/sv39.o")" ]; then
			echo "FAIL: $name $level: the amalgamation needs symbols from outside:"
			"$nm" -u "$out/sv39.o" | sed 's/^/  /'
			failed=1
		fi
	done
	[ "$failed" = "$before" ] &&
		echo "ok: $name ($cc): -O0 -O1 -Og -Os -O2 -O3, sources and amalgamation"
	built=$((built + 1))
}

build host-gcc gcc
build host-clang clang
build rv64-gcc riscv64-linux-gnu-gcc -march=rv64imac -mabi=lp64 -mcmodel=medany
build rv64-clang clang --target=riscv64-unknown-elf -march=rv64gc -mabi=lp64d \
	-mcmodel=medany

if [ "$built" -eq 0 ]; then
	echo "SKIP: no compiler"
	exit 77
fi
exit "$failed"
