#!/bin/sh
# SPDX-License-Identifier: MIT
#
# check-amalgamation.sh NM SV39_C CC [CC_ARGS...]
#
# The one-file distribution builds like a kernel's own file: compile the
# amalgamated sv39.c (sv39/ headers beside it) freestanding with CC and the
# kernel-style flags given, -Wall -Wextra -Werror, and require `nm -u` of
# the object to be empty: one translation unit has no calls between files,
# so anything undefined would have to come from the kernel.
set -eu

if [ $# -lt 3 ]; then
	echo "usage: $0 NM SV39_C CC [CC_ARGS...]" >&2
	exit 2
fi
nm=$1
src=$2
shift 2

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# gcc may turn loops into memset/memcpy calls unless told not to.
extra=""
if "$@" -Werror -fno-tree-loop-distribute-patterns -x c -c /dev/null -o /dev/null 2>/dev/null; then
	extra=-fno-tree-loop-distribute-patterns
fi
# shellcheck disable=SC2086 # extra is empty or one flag
"$@" -std=gnu11 -O2 -ffreestanding -fno-builtin $extra -Wall -Wextra -Werror \
	-I"$(dirname "$src")" -c "$src" -o "$tmp/sv39.o"
"$nm" -u "$tmp/sv39.o" >"$tmp/undefined"
if [ -s "$tmp/undefined" ]; then
	echo "$src with $*: undefined symbols:"
	sed 's/^/  /' "$tmp/undefined"
	exit 1
fi
echo "$src with $*: $("$nm" --defined-only "$tmp/sv39.o" | grep -c ' T ') functions, nothing undefined"
