#!/bin/sh
# SPDX-License-Identifier: MIT
#
# consumer-pkgconfig: keep `meson install` and the plain-Makefile recipe real.
#   1. install the library (headers, static lib, libsv39.pc) into a temporary
#      DESTDIR, build consumer.c against that copy through pkg-config;
#   2. build consumer.c from libsv39/src/*.c with Makefile.example;
#   3. build consumer.c with the one-file distribution (amalgamated sv39.c,
#      sv39/ headers beside it), when its path is given.
# Native: each consumer must run and exit 0. Cross (riscv64): each is linked
# statically with -nostdlib and a whole-archive library, so one undefined
# symbol anywhere in libsv39 fails the test.
#
# usage: run.sh BUILD_DIR LIBSV39_SRC_DIR native|cross "CC..." [SANITIZE [SV39_C]]
set -eu

build=$1
libsrc=$2
mode=$3
cc=$4
sanitize=${5:-none}
amalg=${6:-}
here=$(cd "$(dirname "$0")" && pwd)

command -v pkg-config >/dev/null 2>&1 || { echo "SKIP: no pkg-config"; exit 77; }
command -v make >/dev/null 2>&1 || { echo "SKIP: no make"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

fail() {
	echo "FAIL: $*"
	exit 1
}

# Flags the installed archive was built with that its users must share.
extra=""
if [ "$sanitize" != none ]; then
	extra="-fsanitize=$sanitize"
fi

# check_consumer HOW EXE: run EXE when native (a cross link is the check).
check_consumer() {
	how=$1
	exe=$2
	if [ "$mode" = native ]; then
		"$exe" || fail "$how: consumer exited $?"
		echo "ok: $how: consumer built and ran"
	else
		echo "ok: $how: consumer linked with -nostdlib -static"
	fi
}

# --- 1. installed copy through pkg-config ----------------------------------
dest=$tmp/destdir
# --tags devel: the headers, the static library and the .pc file, not the
# kernel image or anything else a build might install.
meson install -C "$build" --destdir "$dest" --no-rebuild --tags devel \
	>"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; fail "meson install"; }

pc=$(find "$dest" -name libsv39.pc | head -n 1)
[ -n "$pc" ] || { cat "$tmp/install.log"; fail "no libsv39.pc installed"; }
for h in sv39.h pte.h; do
	[ -n "$(find "$dest" -path "*/include/sv39/$h")" ] || fail "sv39/$h not installed"
done

# Only the temporary tree: never a libsv39 installed on this machine.
PKG_CONFIG_LIBDIR=$(dirname "$pc")
PKG_CONFIG_PATH=
PKG_CONFIG_SYSROOT_DIR=$dest
export PKG_CONFIG_LIBDIR PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
cflags=$(pkg-config --cflags libsv39)
libs=$(pkg-config --libs --static libsv39)
echo "pkg-config: cflags '$cflags' libs '$libs'"
case "$libs" in
*"$dest"*) ;;
*) fail "pkg-config --libs does not point into DESTDIR: $libs" ;;
esac

warn="-std=gnu11 -O2 -Wall -Wextra -Werror"
if [ "$mode" = native ]; then
	# shellcheck disable=SC2086 # cc, cflags and libs are word lists
	$cc $warn $extra -o "$tmp/consumer-pc" "$here/consumer.c" $cflags $libs \
		|| fail "pkg-config: build"
else
	# shellcheck disable=SC2086
	$cc $warn -ffreestanding -nostdlib -static -o "$tmp/consumer-pc" \
		"$here/start.c" "$here/consumer.c" $cflags \
		-Wl,--whole-archive $libs -Wl,--no-whole-archive \
		|| fail "pkg-config: freestanding static link"
fi
check_consumer pkg-config "$tmp/consumer-pc"

# --- 2. plain Makefile: add libsv39/src/*.c ---------------------------------
unset PKG_CONFIG_LIBDIR PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
if [ "$mode" = native ]; then
	make -s -f "$here/Makefile.example" SV39="$libsrc" O="$tmp/plain" CC="$cc" \
		|| fail "Makefile.example: build"
else
	make -s -f "$here/Makefile.example" SV39="$libsrc" O="$tmp/plain" CC="$cc" \
		FREESTANDING=1 || fail "Makefile.example: freestanding build"
fi
nsrc=$(ls "$libsrc"/src/*.c | wc -l)
nobj=$(ls "$tmp"/plain/sv39/*.o | wc -l)
[ "$nsrc" -eq "$nobj" ] || fail "Makefile.example built $nobj of $nsrc sources"
check_consumer Makefile.example "$tmp/plain/consumer"

# --- 3. one file: the amalgamated sv39.c -------------------------------------
if [ -n "$amalg" ]; then
	nolibcall=""
	# shellcheck disable=SC2086
	if $cc -Werror -fno-tree-loop-distribute-patterns -x c -c /dev/null -o /dev/null \
		2>/dev/null; then
		nolibcall=-fno-tree-loop-distribute-patterns
	fi
	onefile="-ffreestanding -fno-builtin $nolibcall -I$(dirname "$amalg")"
	if [ "$mode" = native ]; then
		# shellcheck disable=SC2086
		$cc $warn $extra -o "$tmp/consumer-onefile" "$here/consumer.c" "$amalg" $onefile \
			|| fail "one file: build"
	else
		# shellcheck disable=SC2086
		$cc $warn $onefile -nostdlib -static -o "$tmp/consumer-onefile" "$here/start.c" \
			"$here/consumer.c" "$amalg" || fail "one file: freestanding static link"
	fi
	check_consumer "one file" "$tmp/consumer-onefile"
fi
