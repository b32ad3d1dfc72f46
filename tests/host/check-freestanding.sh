#!/bin/sh
# SPDX-License-Identifier: MIT
#
# check-freestanding.sh NM LIBRARY.a
#
# libsv39 is freestanding: the archive may not reference any symbol it does
# not define itself (no memcpy/memset the compiler invented, no libc, no
# __stack_chk_fail). nm -u lists every undefined reference of every member,
# including calls between the library's own files, so subtract what the
# archive defines; whatever is left would have to come from outside.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 NM LIBRARY.a" >&2
	exit 2
fi
nm=$1
lib=$2

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# "U name" (undefined) and "w"/"v" (weak undefined) lines; skip "member.o:".
"$nm" -u "$lib" | awk 'NF == 2 && ($1 == "U" || $1 == "w" || $1 == "v") { print $2 }' |
	sort -u >"$tmp/undefined"
"$nm" --defined-only "$lib" | awk 'NF == 3 { print $3 }' | sort -u >"$tmp/defined"
comm -23 "$tmp/undefined" "$tmp/defined" >"$tmp/external"

members=$("$nm" --defined-only "$lib" | grep -c ':$' || true)
if [ -s "$tmp/external" ]; then
	echo "$lib references symbols it does not define:"
	sed 's/^/  /' "$tmp/external"
	exit 1
fi
echo "$lib: $members objects, no external references"
