/* SPDX-License-Identifier: MIT */
/*
 * probe.h - accesses that may fault on purpose (probe.S), from S-mode and
 * from U-mode, for the kernel tests and mmudiff.
 */
#ifndef KERNEL_PROBE_H
#define KERNEL_PROBE_H

#include <stdint.h>

struct trapframe;

/* What one probe saw: the value loaded or fetched, and scause or 0. */
struct probe_result {
	uint64_t val;
	uint64_t cause;
};

/*
 * The S-mode probes. Only valid between probe_arm() and probe_disarm() on
 * the same hart; a fault elsewhere is still a panic.
 */
struct probe_result probe_ld(uint64_t va);
struct probe_result probe_sd(uint64_t va, uint64_t val);
struct probe_result probe_exec(uint64_t va);
void probe_arm(void);
void probe_disarm(void);

/* The U-mode probe stubs, copied into a user page (offsets in it). */
extern const char uprobe_code[], uprobe_code_end[];
#define UPROBE_LOAD 0
#define UPROBE_STORE 8
#define UPROBE_FETCH 16

/* Saved S-mode context of a running U-mode probe; results after it. */
struct uprobe_ctx {
	uint64_t regs[14]; /* ra, sp, s0..s11: probe.S's layout */
	uint64_t cause;	   /* scause of the trap that ended it */
	uint64_t stval;
	uint64_t a0; /* the U-mode a0 at that trap */
};

/*
 * uprobe_call - run the stub at pc in U-mode with a0, a1; return when it
 * traps (ecall: done, anything else: the fault). Interrupts stay as the
 * caller had them in S-mode.
 */
struct probe_result uprobe_call(uint64_t pc, uint64_t a0, uint64_t a1);

/* trap.c: handle a trap the probes caused; 1 if it was theirs. */
int probe_trap(struct trapframe *tf);
#endif /* KERNEL_PROBE_H */
