#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/host/check-internal-names.sh NM ARCHIVE HEADER
# Every global symbol ARCHIVE defines is either public (a function HEADER,
# sv39/sv39.h, declares) or visibly internal: its name ends in '_'. An
# embedder linking the library gets no surprise names in its namespace.
set -eu
nm=$1 archive=$2 header=$3
bad=0
for sym in $("$nm" -g --defined-only "$archive" | awk 'NF == 3 { print $3 }' | sort -u); do
	case "$sym" in
	*_) continue ;;
	esac
	if grep -Eq "(^|[^A-Za-z0-9_])$sym\(" "$header"; then
		continue
	fi
	echo "check-internal-names: $sym is neither declared in $(basename "$header") nor ends in '_'"
	bad=1
done
[ $bad = 0 ] && echo "check-internal-names: every global symbol is public or ends in '_'"
exit $bad
