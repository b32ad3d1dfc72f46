/* SPDX-License-Identifier: MIT */
/*
 * probe.S - accesses made on purpose that may fault (probe.h).
 *
 * With cpu->probe_armed set, trap_handler() turns a page or access fault
 * at probe_ld_insn / probe_sd_insn into a1 = scause and resumes after the
 * instruction, and a fetch fault while probe_exec's target runs into
 * a1 = scause and a return to probe_exec_ret. The probed instructions are
 * uncompressed so that "after" is always sepc + 4.
 */
#include "cpu.h"
#include "riscv.h"
#include "callee_saved.h"

	.text
	.option push
	.option norvc

/* struct probe_result probe_ld(uint64_t va): a0 = value, a1 = scause/0 */
	.globl probe_ld, probe_ld_insn
probe_ld:
	mv	t0, a0
	li	a0, 0
	li	a1, 0
probe_ld_insn:
	ld	a0, 0(t0)
	ret

/* struct probe_result probe_sd(uint64_t va, uint64_t val) */
	.globl probe_sd, probe_sd_insn
probe_sd:
	mv	t0, a0
	mv	t1, a1
	li	a0, 0
	li	a1, 0
probe_sd_insn:
	sd	t1, 0(t0)
	ret

/*
 * struct probe_result probe_exec(uint64_t va): calls va, which must hold
 * code that sets a0 and returns (mmudiff's frames hold "lui a0, N; ret").
 */
	.globl probe_exec, probe_exec_ret
probe_exec:
	addi	sp, sp, -16
	sd	ra, 0(sp)
	mv	t0, a0
	li	a0, 0
	li	a1, 0
	jalr	ra, 0(t0)
probe_exec_ret:
	ld	ra, 0(sp)
	addi	sp, sp, 16
	ret

/*
 * The U-mode probe stubs. mmudiff copies [uprobe_code, uprobe_code_end)
 * into a user page; each stub does one access on a0 (a1 = value to
 * store) and then ecalls back. The kernel's uprobe_run() enters them.
 */
	.globl uprobe_code, uprobe_code_end
	.balign 8
uprobe_code:
	/* +0: load */
	ld	a0, 0(a0)
	ecall
	/* +8: store */
	sd	a1, 0(a0)
	ecall
	/* +16: fetch: the target sets a0 and returns here */
	jalr	ra, 0(a0)
	ecall
uprobe_code_end:

/*
 * int uprobe_run(struct uprobe_ctx *ctx, uint64_t pc, uint64_t a0, uint64_t a1):
 * save the callee-saved registers in ctx, then sret to U-mode at pc.
 * Returns (through uprobe_return) when the U-mode code traps back.
 */
	.globl uprobe_run
uprobe_run:
	save_callee_saved	a0
	sd	sp, CPU_USER_SP(tp)	/* frames of U traps go below us */
	csrw	sepc, a1
	li	t0, SSTATUS_SPP
	csrc	sstatus, t0		/* sret goes to U-mode */
	mv	a0, a2
	mv	a1, a3
	sret

/* void uprobe_return(struct uprobe_ctx *ctx): back out of uprobe_run. */
	.globl uprobe_return
uprobe_return:
	load_callee_saved	a0
	li	a0, 0
	ret
	.option pop
