#!/bin/sh
# SPDX-License-Identifier: MIT
#
# check-fence.sh OBJDUMP LIBRARY.a FUNCTION...
#
# On RISC-V's weak memory model another hart's page-table walker may see a
# store that links a new table before the stores that filled (or zeroed) it,
# unless a fence orders them. Each FUNCTION named (one that links a table:
# map_apply, clone_apply, sv39_split_leaf_, sv39_walk) must contain a fence
# that orders earlier stores before later ones (fence w,w or stronger)
# followed, before any call or other store, by the doubleword store (sd, or
# the sc.d of a compare-and-swap) that links the table.
set -eu

if [ $# -lt 3 ]; then
	echo "usage: $0 OBJDUMP LIBRARY.a FUNCTION..." >&2
	exit 2
fi
objdump=$1
lib=$2
shift 2

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$objdump" -d --no-show-raw-insn "$lib" >"$tmp/dis"

status=0
for fn in "$@"; do
	# Instructions of fn only: from "<fn>:" to the next symbol that is not
	# a local label (.L...).
	awk -v fn="$fn" '
		/^[0-9a-f]+ <[^.][^>]*>:$/ { inside = ($2 == "<" fn ">:") ; next }
		inside && /^ *[0-9a-f]+:\t/ { sub(/^ *[0-9a-f]+:\t/, ""); print }
	' "$tmp/dis" >"$tmp/fn"
	if [ ! -s "$tmp/fn" ]; then
		echo "$fn: not found in $lib"
		status=1
		continue
	fi
	# After a fence with w in both sets, the next store or call must be
	# an sd/sc.d (an lr.d and plain arithmetic may come between).
	if awk '
		function orders_ww(op, args) {
			if (args == "") return 1          # bare fence: iorw,iorw
			split(args, s, ",")
			return s[1] ~ /w/ && s[2] ~ /w/
		}
		$1 == "fence" { armed = orders_ww($1, $2); next }
		armed && ($1 ~ /^(c\.)?sd$/ || $1 ~ /^sc\.d/) { found = 1; armed = 0; next }
		armed && ($1 ~ /^(c\.)?s[bhwd]$/ || $1 ~ /^(c\.)?fs[wd]$/ || $1 ~ /^sc\./ ||
			  $1 ~ /^amo/ || $1 ~ /^(c\.)?jalr?$/ || $1 == "call" || $1 == "ret" ||
			  $1 == "tail") { armed = 0 }
		END { exit !found }
	' "$tmp/fn"; then
		echo "$fn: fence, then the linking store"
	else
		echo "$fn: no fence w,w (or stronger) right before a doubleword store"
		status=1
	fi
done
exit $status
