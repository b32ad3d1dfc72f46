/* SPDX-License-Identifier: MIT */
/*
 * usertrap.c - traps from user mode, and the way back.
 *
 * trampoline.S's uservec saved the user registers in the TRAPFRAME page,
 * switched satp to the process's kernel table and jumped to usertrap()
 * on the process's kernel stack. Here:
 *   ecall from U          a system call (syscall.c)
 *   S-mode timer          a tick; then the process yields the hart
 *   S-mode external       a device (the console UART, through the PLIC)
 *   any other exception   (page faults, illegal or misaligned
 *                         instructions, breakpoints, ...): the process is
 *                         killed with status -1, the kernel carries on
 * usertrapret() sets the trap vector back to uservec and leaves through
 * userret, which loads the user table and returns to user mode.
 *
 * FP registers: the kernel never touches them, so the user's values stay
 * in the hart while the process is in the kernel. They are saved when the
 * process dirtied them (sstatus.FS) and restored on every return, so a
 * process that migrates or is switched out finds them again.
 */
#include "cpu.h"
#include "kernel.h"
#include "proc.h"
#include "riscv.h"

#define SSTATUS_FS (3UL << 13)
#define SSTATUS_FS_INITIAL (1UL << 13)
#define SSTATUS_FS_CLEAN (2UL << 13)
#define SSTATUS_FS_DIRTY (3UL << 13)
#define IRQ_S_SOFT 1

extern char trampoline[], uservec[], userret[], trap_vector[];
extern char ucopy_begin[], ucopy_end[], ucopy_fault[];

static const char *
exc_name(uint64_t cause)
{
	static const char *const names[] = {
		"instruction address misaligned",
		"instruction access fault",
		"illegal instruction",
		"breakpoint",
		"load address misaligned",
		"load access fault",
		"store address misaligned",
		"store access fault",
		"ecall from U-mode",
		"ecall from S-mode",
		"exception 10",
		"exception 11",
		"instruction page fault",
		"load page fault",
		"exception 14",
		"store page fault",
	};

	return cause < ARRAY_SIZE(names) ? names[cause] : "exception";
}

void __attribute__((noreturn)) usertrap(void)
{
	struct proc *p = myproc();
	uint64_t cause = csr_read(scause), sstatus = csr_read(sstatus);
	int yield = 0;

	csr_write(stvec, (uint64_t)trap_vector); /* kernel traps from now on */
	p->tf->epc = csr_read(sepc);
	if ((sstatus & SSTATUS_FS) == SSTATUS_FS_DIRTY) {
		fp_save(p->fpregs);
		p->fp_valid = 1;
		csr_clear(sstatus, SSTATUS_FS);
		csr_set(sstatus, SSTATUS_FS_CLEAN);
	}
	if (cause == EXC_ECALL_U) {
		if (proc_killed(p))
			proc_exit(-1);
		p->tf->epc += 4;
		intr_on();
		syscall(p);
	} else if (cause == (SCAUSE_INTR | IRQ_S_TIMER)) {
		timer_interrupt();
		yield = 1;
	} else if (cause == (SCAUSE_INTR | IRQ_S_EXTERNAL)) {
		external_interrupt();
	} else if (cause == (SCAUSE_INTR | IRQ_S_SOFT)) {
		csr_clear(sip, 2);
	} else if (cause & SCAUSE_INTR) {
		kprintf("usertrap: pid %d: unexpected interrupt %lx\n", p->pid, cause);
	} else {
		kprintf("usertrap: pid %d (%s): %s at %lx, pc %lx: killed\n", p->pid, p->name,
			exc_name(cause), csr_read(stval), p->tf->epc);
		proc_set_killed(p);
	}
	if (proc_killed(p))
		proc_exit(-1);
	if (yield)
		proc_yield();
	usertrapret();
}

void __attribute__((noreturn)) usertrapret(void)
{
	struct proc *p = myproc();
	uint64_t satp = p->upt_satp;
	void (*ret)(uint64_t, uint64_t);

	intr_off();
	csr_write(stvec, TRAMPOLINE + (uint64_t)(uservec - trampoline));
	p->tf->kernel_satp = p->kpt_satp;
	p->tf->kernel_sp = PKSTACK_HI;
	p->tf->kernel_trap = (uint64_t)usertrap;
	p->tf->kernel_tp = (uint64_t)mycpu();
	p->tf->kernel_flush = !use_asids;
	csr_clear(sstatus, SSTATUS_SPP | SSTATUS_FS); /* sret to U-mode */
	csr_set(sstatus, SSTATUS_SPIE);		      /* with interrupts on */
	if (p->fp_valid) {
		csr_set(sstatus, SSTATUS_FS_CLEAN);
		fp_restore(p->fpregs);
		csr_clear(sstatus, SSTATUS_FS);
		csr_set(sstatus, SSTATUS_FS_CLEAN);
	} else {
		csr_set(sstatus, SSTATUS_FS_INITIAL);
	}
	csr_write(sepc, p->tf->epc);
	ret = (void (*)(uint64_t, uint64_t))(TRAMPOLINE + (uint64_t)(userret - trampoline));
	ret(satp, !use_asids);
	__builtin_unreachable();
}

/*
 * A page fault in ucopy.S on a user address: resume at ucopy_fault
 * (returns -1). 1 if it was such a fault.
 */
int
ucopy_fixup(struct trapframe *tf)
{
	if (tf->sepc < (uint64_t)ucopy_begin || tf->sepc >= (uint64_t)ucopy_end)
		return 0;
	if (tf->scause != EXC_LOAD_PAGE_FAULT && tf->scause != EXC_STORE_PAGE_FAULT &&
	    tf->scause != EXC_LOAD_ACCESS && tf->scause != EXC_STORE_ACCESS)
		return 0;
	if (tf->stval >= SV39_LOW_END)
		return 0; /* a kernel address: a kernel bug, not the user's */
	tf->sepc = (uint64_t)ucopy_fault;
	return 1;
}
