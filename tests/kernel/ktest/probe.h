/* SPDX-License-Identifier: MIT */
/*
 * probe.h - accesses that may fault on purpose (probe.S), from S-mode and
 * from U-mode, for the kernel tests and mmudiff.
 *
 * A probe points stvec at a vector of its own for the one access and puts
 * the kernel's back afterwards, the way OpenSBI's unit tests expect a trap:
 * the kernel's trap path (trap.c, trapvec.S) knows nothing about probes.
 * Interrupts are held off while a probe's vector is live.
 */
#ifndef KTEST_PROBE_H
#define KTEST_PROBE_H

#include <stdint.h>

/* What one probe saw: the value loaded or fetched, scause or 0, stval. */
struct probe_result {
	uint64_t val;
	uint64_t cause;
	uint64_t stval;
};

/* The S-mode probes: a load, a store, and a call of the code at va. */
void probe_ld(struct probe_result *r, uint64_t va);
void probe_sd(struct probe_result *r, uint64_t va, uint64_t val);
void probe_exec(struct probe_result *r, uint64_t va);

/* The U-mode probe stubs, copied into a user page (offsets in it). */
extern const char uprobe_code[], uprobe_code_end[];
#define UPROBE_LOAD 0
#define UPROBE_STORE 8
#define UPROBE_FETCH 16

/*
 * uprobe_call - run the stub at pc in U-mode with a0, a1 until it traps:
 * its ecall (cause 0, val = its a0) or a fault (cause = scause).
 */
void uprobe_call(struct probe_result *r, uint64_t pc, uint64_t a0, uint64_t a1);

#endif /* KTEST_PROBE_H */
