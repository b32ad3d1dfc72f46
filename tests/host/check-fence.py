#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check-fence.py [--only] OBJDUMP LIBRARY.a FUNCTION...

On RISC-V's weak memory model another hart's page-table walker may see a
store that links a new table before the stores that filled (or zeroed) it,
unless a fence orders them. This checks, over the control-flow graph of
every function of a library built with -DSV39_PUBLISH_MARKER, that every
store that links a table is preceded on every path from the function's
entry by a fence that orders earlier stores before later ones (fence w,w
or stronger), with no store to memory other than the stack, atomic, or
call in between.

Which store links a table: the sd or sc.d right after the marker HINT
`slti zero,zero,1441` (internal.h's pte_link_store and pte_link_cas),
wherever the compiler put it, in a block of its own or shared by several
paths. Each FUNCTION named (or a clone of it, map_apply.constprop.1) must
hold at least one, so that the check cannot pass by finding nothing.

The walk follows branches and jumps inside the function, treats jal/jalr
with a link register as a call, and anything leaving the function (ret,
tail, an indirect jump) as the end of a path. With --only, the functions
named are the only ones checked (a must-fail test then proves that the
fault in that one function is caught).
"""
import re
import subprocess
import sys

MARKER = ("slti", "zero,zero,1441")
BRANCHES = {"beq", "bne", "blt", "bge", "bltu", "bgeu", "beqz", "bnez", "blez",
            "bgez", "bltz", "bgtz", "bgt", "ble", "bgtu", "bleu"}


def parse(dis):
    """{function name: [(addr, op, args)]} from objdump -d output."""
    funcs, cur = {}, None
    for line in dis.splitlines():
        m = re.match(r"^[0-9a-f]+ <([^>]+)>:$", line)
        if m:
            name = m.group(1)
            if not name.startswith(".L"):
                cur = funcs.setdefault(name, [])
            continue
        m = re.match(r"^\s*([0-9a-f]+):\t(\S+)\s*(\S*)", line)
        if m and cur is not None:
            cur.append((int(m.group(1), 16), m.group(2), m.group(3)))
    return funcs


def orders_ww(args):
    if not args:
        return True  # bare fence: iorw,iorw
    pred, _, succ = args.partition(",")
    return "w" in pred and "w" in succ


def target(args):
    """The branch target address: objdump's last operand, in hex."""
    return int(args.split(",")[-1], 16)


def frame_pointer(insns):
    """Does the function set s0 to a stack address (an -O0 frame)?"""
    return any(op in ("add", "addi", "c.addi4spn") and re.match(r"s0,sp,", a)
               for _, op, a in insns[:12])


def kind(op, args, stack_regs):
    """What an instruction means to the check."""
    base = op[2:] if op.startswith("c.") else op
    if base == "fence":
        return "fence" if orders_ww(args) else "other"
    if re.fullmatch(r"s[bhwd]|fs[wd]|sc\..*|amo.*", base):
        m = re.search(r"\((\w+)\)$", args)
        if base[0] == "s" and not base.startswith("sc") and m and m.group(1) in stack_regs:
            return "other"  # a spill: no hart but this one reads it
        return "sd" if base in ("sd", "sc.d", "sc.d.rl", "sc.d.aqrl") else "store"
    to_zero = args.startswith(("zero", "x0"))
    if base in ("ret", "tail", "jr") or (base == "jalr" and to_zero):
        return "exit"  # leaves the function (an indirect jump: assume so)
    if base == "j" or (base == "jal" and to_zero):
        return "jump"
    if base in ("call", "jal", "jalr"):
        return "call"
    if base in BRANCHES:
        return "branch"
    return "other"


def successors(insns, i, k, addr_index):
    """Indices control may go to after instruction i (kind k)."""
    if k == "exit":
        return []
    out = []
    if k in ("jump", "branch"):
        t = addr_index.get(target(insns[i][2]))
        if t is not None:
            out.append(t)  # a jump out of the function is a tail call: path ends
    if k != "jump" and i + 1 < len(insns):
        out.append(i + 1)
    return out


def must_armed(insns, kinds, addr_index):
    """armed[i]: on every path to i, a fence w,w with nothing in between."""
    n = len(insns)
    armed = [True] * n  # optimistic start for the greatest fixed point
    preds = [[] for _ in range(n)]
    for i in range(n):
        for j in successors(insns, i, kinds[i], addr_index):
            preds[j].append(i)
    changed = True
    while changed:
        changed = False
        for i in range(n):
            # the entry, and code no path reaches, start unarmed
            ins = i > 0 and bool(preds[i]) and \
                all(out_state(armed[p], kinds[p]) for p in preds[i])
            if ins != armed[i]:
                armed[i] = ins
                changed = True
    return armed


def out_state(armed_in, k):
    if k == "fence":
        return True
    # A linking store keeps the order: what was before the fence is still
    # before whatever links next (and a failed sc.d stored nothing).
    if k in ("store", "sd", "call", "exit"):
        return False
    return armed_in


def check_marked(insns, kinds, addr_index):
    links = [i for i in range(len(insns)) if kinds[i] == "marked"]
    armed = must_armed(insns, kinds, addr_index)
    return ["linking sd at %x: a path reaches it without fence w,w" % insns[i][0]
            for i in links if not armed[i]]


def check(insns):
    stack_regs = {"sp", "s0"} if frame_pointer(insns) else {"sp"}
    kinds = [kind(op, a, stack_regs) for _, op, a in insns]
    marked = False
    for i, (_, op, a) in enumerate(insns):
        if (op, a) == MARKER and i + 1 < len(insns) and kinds[i + 1] == "sd":
            kinds[i] = "other"
            kinds[i + 1] = "marked"
            marked = True
    addr_index = {addr: i for i, (addr, _, _) in enumerate(insns)}
    if not marked:
        return ["no linking store (marked sd)"]
    return check_marked(insns, kinds, addr_index)


def main():
    argv = sys.argv[1:]
    only = argv[:1] == ["--only"]
    if only:
        argv = argv[1:]
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    objdump, lib, wanted = argv[0], argv[1], argv[2:]
    dis = subprocess.run([objdump, "-d", "--no-show-raw-insn", lib], check=True,
                         capture_output=True, text=True).stdout
    funcs = parse(dis)
    status = 0
    for fn in wanted:
        # gcc may clone a function: map_apply.constprop.1
        if not any(n == fn or n.startswith(fn + ".") for n in funcs):
            print("%s: not found in %s" % (fn, lib))
            status = 1
    for n, insns in sorted(funcs.items()):
        named = n.split(".")[0] in wanted
        if not named and (only or not any((op, a) == MARKER for _, op, a in insns)):
            continue
        errors = check(insns)
        for e in errors:
            print("%s: %s" % (n, e))
        if errors:
            status = 1
        else:
            print("%s: every linking store fenced" % n)
    return status


if __name__ == "__main__":
    sys.exit(main())
