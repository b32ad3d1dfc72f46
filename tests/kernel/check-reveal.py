#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check-reveal.py OUTPUT: what `hostile reveal` shows a process, checked.

Reads the console output of `run=hostile reveal` (run-ktest's KTEST_CHECK)
and decodes its two vmprint dumps into leaves (virtual page, frame, flags),
whatever their size: 4 KiB, a 64 KiB Svnapot group (N set, the low four
bits of the PPN 1000), 2 MiB or 1 GiB. What docs/kernel.md ("What the
debugging calls reveal") allows and forbids, independent of how the kernel
maps its own image:

  vmprint(0), the user table: no kernel-half entry (KPTI), and no page
    without U but TRAMPOLINE's and TRAPFRAME's (the frames pgpte gave).
  vmprint(1), the caller's kernel table: the kernel image's first frame at
    its link address and in the direct map (the layout is no secret); the
    trampoline's frame inside the image; no U anywhere; in the lower half
    only the user table's own pages (the mirror: same page, same frame)
    and, in the top 2 MiB, the caller's kernel stack and trampoline.
  Neither dump reaches the child's private frame except through the
    direct map, which maps all of RAM: no other process's table is shown.
Exits 0 if all holds, else prints each violation and exits 1.
"""
import re
import sys

PTE_R, PTE_W, PTE_X, PTE_U = 2, 4, 8, 16
PTE_N = 1 << 63
PAGE = 4096
LOWER_TOP = 0x4000000000  # one past the last lower-half address
RESERVED_TOP = LOWER_TOP - (2 << 20)  # the top 2 MiB: trampoline, stacks
DIRECT_MAP = (0xFFFFFFC000000000, 0xFFFFFFFF80000000)  # then the image's GiB
IMAGE_PA, IMAGE_VA = 0x80200000, 0xFFFFFFFF80200000
IMAGE_MAX = 16 << 20
LEVEL_SHIFT = {1: 30, 2: 21, 3: 12}  # ' ..' groups in a line -> its shift
LINE = re.compile(r"^((?: \.\.)+)(\d+): pte 0x([0-9a-f]{16}) pa 0x[0-9a-f]{16}$")


def parse_dump(lines):
    """The leaves of one vmprint dump: [(va, size, frame, pte)], one a line.

    A Svnapot member's PPN names its group (low four bits 1000): its own
    frame is the group's base plus its index in the group."""
    leaves, index = [], {}
    for line in lines:
        m = LINE.match(line)
        if not m:
            raise ValueError(f"not a vmprint line: {line!r}")
        depth, pte = len(m.group(1)) // 3, int(m.group(3), 16)
        index[depth] = int(m.group(2))
        if not pte & (PTE_R | PTE_W | PTE_X):
            continue  # a table: its entries follow
        va = sum(index[d] << LEVEL_SHIFT[d] for d in range(1, depth + 1))
        if va & (1 << 38):
            va |= ~((1 << 39) - 1) & (2**64 - 1)  # the upper half, sign-extended
        ppn = (pte >> 10) & ((1 << 44) - 1)
        if depth == 3 and pte & PTE_N and ppn & 0xF == 0x8:
            ppn = (ppn & ~0xF) | (index[3] & 0xF)
        leaves.append((va, 1 << LEVEL_SHIFT[depth], ppn << 12, pte))
    return leaves


def frame_at(leaves, va):
    """The frame a dump maps va to, whatever the leaf's size, or None."""
    for base, size, frame, _ in leaves:
        if base <= va < base + size:
            return frame + (va - base)
    return None


def in_direct_map(va):
    return DIRECT_MAP[0] <= va < DIRECT_MAP[1]


def section(out, start, end):
    body = out[out.index(start) + 1 : out.index(end)]
    return body[1:] if body and body[0].startswith("page table ") else body


def check_user(user, tramp, tf, bad):
    for va, _, frame, pte in user:
        if va >= LOWER_TOP:
            bad.append(f"vmprint(0) shows a kernel-half page {va:#x}")
        elif not pte & PTE_U and frame not in (tramp, tf):
            bad.append(f"vmprint(0): page {va:#x} without U at frame {frame:#x}")


def check_kernel(kern, user, tramp, bad):
    if frame_at(kern, IMAGE_VA) != IMAGE_PA:
        bad.append("vmprint(1) does not show the image's first frame at its link address")
    if frame_at(kern, DIRECT_MAP[0] + IMAGE_PA) != IMAGE_PA:
        bad.append("vmprint(1) does not show the image's first frame in the direct map")
    image = [leaf for leaf in kern if leaf[0] >= DIRECT_MAP[1]]
    if not IMAGE_PA <= tramp < IMAGE_PA + IMAGE_MAX or not any(
        frame <= tramp < frame + size for _, size, frame, _ in image
    ):
        bad.append(f"the trampoline's frame {tramp:#x} is not one of the image's")
    for va, size, frame, pte in kern:
        if pte & PTE_U:
            bad.append(f"vmprint(1): page {va:#x} with U")
        if va >= RESERVED_TOP:
            continue  # kernel half; or the caller's kernel stack, trampoline
        for off in range(0, size, PAGE):
            if frame_at(user, va + off) != frame + off:
                bad.append(f"vmprint(1): lower-half page {va + off:#x} is not the user table's")
                break


def check_witness(dumps, child, bad):
    for name, leaves in dumps.items():
        for va, size, frame, _ in leaves:
            if not in_direct_map(va) and frame <= child < frame + size:
                bad.append(f"{name} maps the child's frame {child:#x} at {va:#x}")


def main():
    out = open(sys.argv[1], errors="replace").read().splitlines()
    tops = [re.match(r"^hostile: trampoline at pa ([0-9a-f]+), trapframe at pa ([0-9a-f]+)$", l)
            for l in out]
    tops = [m for m in tops if m]
    kids = [re.match(r"^hostile: child frame pa ([0-9a-f]+)$", l) for l in out]
    kids = [m for m in kids if m]
    if not tops or not kids:
        print("check-reveal: no trampoline or child frame line")
        return 1
    tramp, tf = int(tops[0].group(1), 16), int(tops[0].group(2), 16)
    child = int(kids[0].group(1), 16)
    user = parse_dump(section(out, "hostile: vmprint(0) follows", "hostile: vmprint(1) follows"))
    kern = parse_dump(section(out, "hostile: vmprint(1) follows", "hostile: end of dumps"))
    bad = []
    check_user(user, tramp, tf, bad)
    check_kernel(kern, user, tramp, bad)
    check_witness({"vmprint(0)": user, "vmprint(1)": kern}, child, bad)
    for b in bad:
        print("check-reveal: " + b)
    print(f"check-reveal: {len(user)} user pages, {len(kern)} kernel-table pages: "
          + ("FAIL" if bad else "ok"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
