#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check-file-order.py NM ARCHIVE [FROM:TO ...]: the archive's members form a strict order.

For each member (one source file), the members whose global symbols it uses
are the files it depends on. No two files may depend on each other, directly
or through others: like libfdt's fdt.c < fdt_ro.c < fdt_rw.c, every file can
be read knowing only the files before it. Prints the edges and any cycle.

Each FROM:TO names an upward edge the design needs (say, the scheduler's
first return to user mode: proc:usertrap). It is left out of the cycle
search, and must exist: a named edge that no file takes any more fails
too, so the list never outgrows the code.
"""
import collections
import os
import subprocess
import sys


def member_symbols(nm, archive):
    defs, uses = {}, collections.defaultdict(set)
    out = subprocess.run([nm, '-A', archive], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines():
        where, _, rest = line.rpartition(':')
        member = os.path.basename(where.split(':')[-1]).removesuffix('.o').removesuffix('.c')
        fields = rest.split()
        if len(fields) == 3 and fields[1] in 'TDBRG':
            defs[fields[2]] = member
        elif len(fields) == 2 and fields[0] == 'U':
            uses[member].add(fields[1])
    return defs, uses


def find_cycle(graph):
    state, path = {}, []

    def visit(node):
        state[node] = 'open'
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 'open':
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 'done'
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def drop_allowed(graph, allowed):
    """Remove the named upward edges; return those that are not there."""
    missing = []
    for edge in allowed:
        src, _, dst = edge.partition(':')
        if dst in graph.get(src, ()):
            graph[src].discard(dst)
            print(f'allowed upward: {src} uses {dst}')
        else:
            missing.append(edge)
    return missing


def main():
    nm, archive, allowed = sys.argv[1], sys.argv[2], sys.argv[3:]
    defs, uses = member_symbols(nm, archive)
    graph = collections.defaultdict(set)
    for member, syms in uses.items():
        for sym in syms:
            if sym in defs and defs[sym] != member:
                graph[member].add(defs[sym])
    for member in sorted(graph):
        print(f'{member} uses {", ".join(sorted(graph[member]))}')
    missing = drop_allowed(graph, allowed)
    if missing:
        print('check-file-order: named upward edges not taken: ' + ', '.join(missing))
        return 1
    cycle = find_cycle(graph)
    if cycle:
        print('check-file-order: a cycle: ' + ' -> '.join(cycle))
        return 1
    print('check-file-order: the files form a strict order')
    return 0


if __name__ == '__main__':
    sys.exit(main())
