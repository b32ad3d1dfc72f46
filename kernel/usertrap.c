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
 *   page fault            uvm_fault (pagefault.c): a lazy page, a store
 *                         to a shared page; retried if satisfied, else
 *                         the process is killed like any other exception
 *   any other exception   (illegal or misaligned
 *                         instructions, breakpoints, ...): the process is
 *                         killed with status -1, the kernel carries on
 * usertrapret() sets the trap vector back to uservec and leaves through
 * userret, which loads the user table and returns to user mode.
 *
 * FP registers, tracked with sstatus.FS (docs/kernel.md, "FP state"):
 *   - a process starts, and every exec starts, in the Initial state: all
 *     32 registers and fcsr zero, nothing saved (fp_valid 0);
 *   - it runs with FS = Initial (never wrote FP) or Clean (its saved
 *     state is in the registers); the hardware makes it Dirty on the
 *     first FP write, and only then does a trap save the registers;
 *   - in the kernel FS is Off: the kernel never uses FP, and a stray FP
 *     instruction would trap instead of touching a user's values;
 *   - on the way back the registers are loaded with the process's state,
 *     or zeroed, unless this hart's registers are known to hold exactly
 *     that already (fp_hart[]): a process that never uses FP costs one
 *     load and compare per return, and zeroing only after another
 *     process's values were in the hart.
 */
#include "cpu.h"
#include "kernel.h"
#include "proc.h"
#include "uvm.h"
#include "riscv.h"
#include "syscall_nr.h"

#define IRQ_S_SOFT 1

extern char trampoline[], uservec[], userret[], trap_vector[];

/*
 * What each hart's FP registers hold: the saved state of owner (when
 * owner->fp_cpu is this hart too: the state was not reloaded and
 * changed on another hart since), all zeros (zero), or neither (both
 * clear: the firmware's values, or another process's not yet saved).
 * Read and written only by the hart itself, with interrupts off.
 */
static struct {
	const struct proc *owner;
	int zero;
} fp_hart[NCPU];

/* Entry from U-mode: keep the process's FP state if it changed; FS Off. */
static void
fp_trap_entry(struct proc *p, uint64_t status)
{
	if ((status & SSTATUS_FS) == SSTATUS_FS_DIRTY) {
		int id = mycpu()->id;

		fp_save(p->fpregs);
		p->fp_valid = 1;
		p->fp_cpu = id;
		fp_hart[id].owner = p;
		fp_hart[id].zero = 0;
	}
	csr_clear(sstatus, SSTATUS_FS);
}

/*
 * Before sret: the registers get p's state (FS Clean) or zeros (FS
 * Initial), reloaded only when this hart's registers do not hold that
 * already. Interrupts off.
 */
static void
fp_trap_return(struct proc *p)
{
	int id = mycpu()->id;

	if (p->fp_valid) {
		csr_set(sstatus, SSTATUS_FS_CLEAN);
		if (fp_hart[id].owner != p || p->fp_cpu != id) {
			fp_restore(p->fpregs);
			p->fp_cpu = id;
			fp_hart[id].owner = p;
			fp_hart[id].zero = 0;
		}
	} else {
		csr_set(sstatus, SSTATUS_FS_INITIAL);
		if (!fp_hart[id].zero) {
			fp_zero();
			fp_hart[id].owner = NULL;
			fp_hart[id].zero = 1;
		}
	}
	/* fp_restore and fp_zero write the registers: Dirty, but they are saved. */
	csr_clear(sstatus, SSTATUS_FS);
	csr_set(sstatus, p->fp_valid ? SSTATUS_FS_CLEAN : SSTATUS_FS_INITIAL);
}

/*
 * A page fault from user mode that the VM satisfies (uvm_fault): 1, and
 * the instruction runs again. Served with interrupts on, like a system
 * call: a copy-on-write copy or a megapage promotion takes a while.
 */
static int
user_page_fault(struct proc *p, uint64_t cause)
{
	uint64_t va = csr_read(stval);
	int ok;

	if (cause != EXC_LOAD_PAGE_FAULT && cause != EXC_STORE_PAGE_FAULT &&
	    cause != EXC_INSN_PAGE_FAULT)
		return 0;
	intr_on();
	ok = !uvm_fault(p, va, cause);
	intr_off();
	return ok;
}

void __attribute__((noreturn)) usertrap(void)
{
	struct proc *p = myproc();
	uint64_t cause = csr_read(scause), sstatus = csr_read(sstatus);
	int yield = 0;

	csr_write(stvec, (uint64_t)trap_vector); /* kernel traps from now on */
	p->tf->epc = csr_read(sepc);
	fp_trap_entry(p, sstatus);
	if (cause == EXC_ECALL_U) {
		/* Killed: end at this entry, unless it is the process's own exit. */
		if (p->tf->a7 != SYS_exit && proc_killed(p))
			proc_exit(-1);
		p->tf->epc += 4;
		intr_on();
		syscall(p);
		/*
		 * Killed meanwhile: a call that failed (one the kill cut short,
		 * like a sleep) ends the process here; one that completed takes
		 * its result (a typed line, a reaped child) back to user mode.
		 */
		if ((long)p->tf->a0 == -1 && proc_killed(p))
			proc_exit(-1);
	} else if (cause == (SCAUSE_INTR | IRQ_S_TIMER)) {
		timer_interrupt();
		yield = 1;
	} else if (cause == (SCAUSE_INTR | IRQ_S_EXTERNAL)) {
		external_interrupt();
	} else if (cause == (SCAUSE_INTR | IRQ_S_SOFT)) {
		csr_clear(sip, 2);
	} else if (cause & SCAUSE_INTR) {
		kprintf("usertrap: pid %d: unexpected interrupt %lx\n", p->pid, cause);
	} else if (user_page_fault(p, cause)) {
		yield = mycpu()->need_resched; /* a tick came while it was served */
	} else {
		kprintf("usertrap: pid %d (%s): %s at %lx, pc %lx: killed\n", p->pid, p->name,
			trap_cause_name(cause), csr_read(stval), p->tf->epc);
		proc_set_killed(p);
	}
	/* After a system call: above (docs/kernel.md, "When a kill takes effect"). */
	if (cause != EXC_ECALL_U && proc_killed(p))
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
	fp_trap_return(p);
	csr_write(sepc, p->tf->epc);
	ret = (void (*)(uint64_t, uint64_t))(TRAMPOLINE + (uint64_t)(userret - trampoline));
	ret(satp, !use_asids);
	__builtin_unreachable();
}
