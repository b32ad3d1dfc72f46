/* SPDX-License-Identifier: MIT */
/*
 * trap.c - what to do with a trap (trapvec.S saved the registers).
 *
 *   S-mode timer interrupt   count a tick, set the next one (stimecmp
 *                            with Sstc, else SBI set_timer), end the
 *                            running process's time slice; the boot
 *                            hart also keeps uptime() (and polls the
 *                            UART when its interrupt cannot be used)
 *   S-mode external          the PLIC: claim, read the UART, complete
 *   page fault in ucopy.S    a bad user address in copyin/copyout: the
 *                            copy returns -1 (ucopy_fixup)
 *   kernel stack overflow    trapvec.S moved us to the emergency stack:
 *                            report, end the run (EXIT_STACK_OVERFLOW)
 *   anything from U-mode     cannot happen: user processes trap through
 *                            the trampoline (trampoline.S, usertrap.c)
 *   anything else            panic with scause, sepc, stval
 */
#include "cpu.h"
#include "exit.h"
#include "kernel.h"
#include "platform.h"
#include "proc.h"
#include "riscv.h"
#include "sbi.h"

#define TICK_HZ 100

extern char trap_vector[];

static int use_sstc;	  /* program stimecmp ourselves (every hart has Sstc) */
static uint32_t uart_irq; /* the UART's PLIC source; 0: polled by the tick */

static uint64_t
tick_interval(void)
{
	return timebase_hz() / TICK_HZ;
}

/* This hart takes its traps here from now on; sscratch = tp = its cpu. */
void
trap_init_hart(void)
{
	csr_write(sscratch, (uint64_t)mycpu());
	csr_write(stvec, (uint64_t)trap_vector);
}

/*
 * Boot hart, after the UART and the PLIC are mapped, before any timer:
 * how ticks are set and how console input arrives, for every hart.
 * Sstc: the device tree's riscv,isa of every hart names it (QEMU 7.2's
 * virt does for its default CPU; OpenSBI 1.1 then sets menvcfg.STCE, so
 * S-mode may write stimecmp). Input: by interrupt when the tree gives
 * the UART's PLIC source and some hart an S-mode context.
 */
void
intr_init(void)
{
	use_sstc = plat.sstc;
	if (plic_init(&plat, plat.uart_irq)) {
		uart_irq = plat.uart_irq;
		uart_rx_intr_on();
	}
	kprintf("trap: timer by %s; console input by %s",
		use_sstc ? "stimecmp (Sstc)" : "SBI set_timer",
		uart_irq ? "PLIC interrupt" : "the boot hart's tick (polled)");
	if (uart_irq) {
		kprintf(", source %u, S-mode contexts", uart_irq);
		for (int i = 0; i < plat.nharts; i++)
			kprintf(" %d", plic_context(i));
	}
	kprintf("\n");
}

/* The next tick of this hart at time when; clears the pending one. */
static void
timer_set(uint64_t when)
{
	if (use_sstc)
		csr_write_stimecmp(when);
	else
		sbi_set_timer(when);
}

void
timer_start(void)
{
	timer_set(rdtime() + tick_interval());
	csr_set(sie, SIE_STIE);
	plic_init_hart();
}

/* Everything the UART has received, into the console. Interrupts off. */
static void
uart_drain(void)
{
	int ch;

	while ((ch = uart_getc()) >= 0)
		console_rx(ch);
}

/* Interrupts are off here, wherever the tick came from. */
void
timer_interrupt(void)
{
	struct cpu *c = mycpu();

	c->ticks++;
	timer_set(rdtime() + tick_interval());
	if (c->proc)
		c->need_resched = 1; /* its time slice is over: proc_resched_point() */
	if (c->id != 0)
		return;
	clock_tick();
	if (sched_running && !uart_irq)
		uart_drain();
}

/*
 * The PLIC signalled: serve every source it gives this hart. Another hart
 * may have claimed the same interrupt first; then the claim reads 0.
 */
void
external_interrupt(void)
{
	uint32_t src;

	while ((src = plic_claim()) != 0) {
		if (src == uart_irq) {
			mycpu()->uart_intrs++;
			uart_drain();
		}
		plic_complete(src);
	}
}

/* The privileged spec's name for an exception code (scause without INTR). */
const char *
trap_cause_name(uint64_t cause)
{
	static const char *const names[] = {
		[EXC_INSN_MISALIGNED] = "instruction address misaligned",
		[EXC_INSN_ACCESS] = "instruction access fault",
		[EXC_ILLEGAL_INSN] = "illegal instruction",
		[EXC_BREAKPOINT] = "breakpoint",
		[4] = "load address misaligned",
		[EXC_LOAD_ACCESS] = "load access fault",
		[6] = "store address misaligned",
		[EXC_STORE_ACCESS] = "store access fault",
		[EXC_ECALL_U] = "ecall from U-mode",
		[9] = "ecall from S-mode",
		[EXC_INSN_PAGE_FAULT] = "instruction page fault",
		[EXC_LOAD_PAGE_FAULT] = "load page fault",
		[EXC_STORE_PAGE_FAULT] = "store page fault",
	};

	if (cause < ARRAY_SIZE(names) && names[cause])
		return names[cause];
	return "unknown exception";
}

static void __attribute__((noreturn)) trap_panic(struct trapframe *tf, const char *why)
{
	kprintf("trap: %s on hart %lu: scause %lx (%s) sepc %lx stval %lx\n"
		"trap: ra %lx sp %lx sstatus %lx\n",
		why, mycpu()->hartid, tf->scause, trap_cause_name(tf->scause), tf->sepc, tf->stval,
		tf->ra, tf->sp, tf->sstatus);
	power_exit(EXIT_PANIC);
}

/*
 * Running on the emergency stack: the kernel stack ran into its guard page.
 * Nothing below the overflow can be resumed.
 */
static void __attribute__((noreturn)) stack_overflow(struct trapframe *tf)
{
	struct cpu *c = mycpu();
	/* A process's kernel stack has its own guard, in its kernel table. */
	uint64_t guard = c->proc ? PKSTACK_GUARD : c->kstack_guard;
	int in_guard = tf->stval >= guard && tf->stval < guard + PAGE_SIZE;

	kprintf("trap: kernel stack overflow on hart %lu%s: %s at %lx (%s guard page "
		"%lx), sp %lx, sepc %lx\n",
		c->hartid, c->proc ? " (a process's kernel stack)" : "",
		trap_cause_name(tf->scause), tf->stval, in_guard ? "in the" : "NOT in the", guard,
		tf->sp, tf->sepc);
	if (in_guard)
		power_exit(EXIT_STACK_OVERFLOW); /* diagnosed: the guard page did its job */
	trap_panic(tf, "kernel stack overflow");
}

extern char ucopy_begin[], ucopy_end[], ucopy_fault[];

/*
 * A page fault in ucopy.S on a user address: note where and why in the
 * process (copyin and friends ask uvm_fault to satisfy it and resume),
 * and resume at ucopy_fault (returns -1). 1 if it was such a fault.
 */
static int
ucopy_fixup(struct trapframe *tf)
{
	if (tf->sepc < (uint64_t)ucopy_begin || tf->sepc >= (uint64_t)ucopy_end)
		return 0;
	if (tf->scause != EXC_LOAD_PAGE_FAULT && tf->scause != EXC_STORE_PAGE_FAULT &&
	    tf->scause != EXC_LOAD_ACCESS && tf->scause != EXC_STORE_ACCESS)
		return 0;
	if (tf->stval >= SV39_LOW_END)
		return 0; /* a kernel address: a kernel bug, not the user's */
	if (myproc()) {
		myproc()->ucopy_va = tf->stval;
		myproc()->ucopy_cause = tf->scause;
	}
	tf->sepc = (uint64_t)ucopy_fault;
	return 1;
}

void trap_handler(struct trapframe *tf); /* trapvec.S */

void
trap_handler(struct trapframe *tf)
{
	struct cpu *c = mycpu();
	uint64_t cause = tf->scause;

	if (cause & SCAUSE_INTR) {
		if ((cause & ~SCAUSE_INTR) == IRQ_S_TIMER)
			timer_interrupt();
		else if ((cause & ~SCAUSE_INTR) == IRQ_S_EXTERNAL)
			external_interrupt();
		else
			trap_panic(tf, "unexpected interrupt");
		return;
	}
	if (c->overflow)
		stack_overflow(tf);
	if ((tf->sstatus & SSTATUS_SPP) && ucopy_fixup(tf))
		return;
	trap_panic(tf, (tf->sstatus & SSTATUS_SPP) ? "kernel trap" : "user trap");
}
