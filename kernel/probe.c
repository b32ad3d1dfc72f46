/* SPDX-License-Identifier: MIT */
/*
 * probe.c - the C half of probe.S: arming, and turning a probe's fault
 * into a result instead of a panic.
 */
#include "cpu.h"
#include "kernel.h"
#include "probe.h"
#include "riscv.h"

extern char probe_ld_insn[], probe_sd_insn[], probe_exec_ret[];
void uprobe_return(struct uprobe_ctx *ctx) __attribute__((noreturn));
int uprobe_run(struct uprobe_ctx *ctx, uint64_t pc, uint64_t a0, uint64_t a1);

void
probe_arm(void)
{
	mycpu()->probe_armed = 1;
}

void
probe_disarm(void)
{
	mycpu()->probe_armed = 0;
}

static int
is_access_fault(uint64_t cause)
{
	switch (cause) {
	case EXC_INSN_ACCESS:
	case EXC_LOAD_ACCESS:
	case EXC_STORE_ACCESS:
	case EXC_INSN_PAGE_FAULT:
	case EXC_LOAD_PAGE_FAULT:
	case EXC_STORE_PAGE_FAULT:
		return 1;
	}
	return 0;
}

struct probe_result
uprobe_call(uint64_t pc, uint64_t a0, uint64_t a1)
{
	struct uprobe_ctx ctx;
	struct cpu *c = mycpu();
	uint64_t sie = csr_read(sstatus) & SSTATUS_SIE;
	struct probe_result r;

	ctx.cause = 0;
	c->uprobe = &ctx;
	uprobe_run(&ctx, pc, a0, a1);
	c->uprobe = NULL;
	c->user_sp = 0;
	if (sie)
		intr_on();
	r.val = ctx.a0;
	r.cause = ctx.cause == EXC_ECALL_U ? 0 : ctx.cause;
	c->probe_stval = ctx.stval;
	return r;
}

int
probe_trap(struct trapframe *tf)
{
	struct cpu *c = mycpu();

	if (!(tf->sstatus & SSTATUS_SPP)) {
		struct uprobe_ctx *u = c->uprobe;

		if (!u)
			return 0;
		/* Back to uprobe_call() in S-mode; this frame is dropped. */
		u->cause = tf->scause;
		u->stval = tf->stval;
		u->a0 = tf->a0;
		uprobe_return(u);
	}
	if (!c->probe_armed || !is_access_fault(tf->scause))
		return 0;
	if (tf->sepc == (uint64_t)probe_ld_insn || tf->sepc == (uint64_t)probe_sd_insn) {
		tf->sepc += 4;
	} else if (tf->ra == (uint64_t)probe_exec_ret &&
		   (tf->scause == EXC_INSN_PAGE_FAULT || tf->scause == EXC_INSN_ACCESS) &&
		   tf->sepc == tf->stval) {
		/* The fetch at the call target faulted: return to the caller. */
		tf->sepc = tf->ra;
	} else {
		return 0;
	}
	tf->a1 = tf->scause;
	c->probe_stval = tf->stval;
	return 1;
}
