/* SPDX-License-Identifier: MIT */
/*
 * proc.c - the process table, the scheduler, fork, exit, wait, kill,
 * sleep and wakeup.
 *
 * One lock (proc_lock, taken with interrupts off) guards every process's
 * state, parent, chan, killed and xstate, and the pid counter: simple,
 * and the table is small. Every hart runs scheduler(): it picks the next
 * RUNNABLE process round-robin, switches satp to that process's kernel
 * table and swtch()es to its kernel thread; the timer interrupt from
 * user mode makes the process yield (usertrap.c), one taken in the kernel
 * at the next preemption point (proc_resched_point). The kernel itself is
 * not preempted.
 *
 * Where a process's kernel stack lives: in its own kernel table, at
 * PKSTACK_LO..PKSTACK_HI in the lower half, above an unmapped guard page
 * (memlayout.h, docs/kernel.md). It needs no global-table change (no
 * remote fence) when a process comes or goes, and it costs no extra
 * table page: the level-1 and level-0 tables holding it are the ones
 * the TRAMPOLINE needs anyway. The price: the stack is reachable only
 * while that process's kernel table is loaded, so the scheduler changes
 * satp before swtch() (on the hart's own stack, mapped everywhere).
 */
#include <sv39/sv39.h>

#include "exit.h"
#include "kernel.h"
#include "proc.h"
#include "uvm.h"
#include "riscv.h"

struct spinlock proc_lock;
volatile uint64_t ticks;
volatile int sched_running;
int boot_vmprint;

static struct proc procs[NPROC];
static struct proc *initproc;
static int next_pid = 1;
static char init_args[256]; /* the words of run=, or "sh" */

/* A free slot, USED, with its spaces and kernel stack; NULL if none. */
static struct proc *
proc_alloc(void)
{
	struct proc *p = NULL;

	acquire(&proc_lock);
	for (int i = 0; i < NPROC; i++)
		if (procs[i].state == UNUSED) {
			p = &procs[i];
			/*
			 * Reset killed before the pid is visible: a kill() of
			 * the new pid that lands while fork is still building
			 * the child must not be wiped out below.
			 */
			p->killed = 0;
			p->state = USED;
			p->pid = next_pid++;
			break;
		}
	release(&proc_lock);
	if (!p)
		return NULL;
	p->xstate = 0;
	p->fork_eager = 0;
	p->parent = NULL;
	p->chan = NULL;
	fp_state_init(p);
	p->name[0] = '\0';
	p->slot = (int)(p - procs);
	p->last_cpu = -1;
	if (uvm_create(p)) {
		acquire(&proc_lock);
		p->state = UNUSED;
		release(&proc_lock);
		return NULL;
	}
	extern void forkret(void);
	memset(&p->context, 0, sizeof(p->context));
	p->context.ra = (uint64_t)forkret;
	p->context.sp = PKSTACK_HI;
	return p;
}

/* Give a ZOMBIE's (or a half-made process's) resources back. Lock not held. */
static void
proc_free(struct proc *p)
{
	uvm_destroy(p);
	acquire(&proc_lock);
	p->pid = 0;
	p->parent = NULL;
	p->name[0] = '\0';
	p->state = UNUSED;
	release(&proc_lock);
}

/* pid 1's first step: exec the words of run= (or "sh"); no pid 1, no run. */
static void
init_exec(struct proc *p)
{
	char buf[sizeof(init_args)], *argv[33];
	int argc = 0, r;

	memcpy(buf, init_args, sizeof(buf));
	for (char *s = buf; *s && argc < 32;) {
		while (*s == ' ')
			*s++ = '\0';
		if (!*s)
			break;
		argv[argc++] = s;
		while (*s && *s != ' ')
			s++;
	}
	argv[argc] = NULL;
	r = argc ? exec(p, argv[0], argv) : -1;
	if (r < 0) {
		kprintf("init: cannot exec \"%s\"\n", argc ? argv[0] : "");
		power_exit(EXIT_PANIC);
	}
	p->tf->a0 = (uint64_t)r;
}

/*
 * A new process's first return from the scheduler lands here, still
 * holding proc_lock; then to user mode. pid 1 first execs its program.
 */
void forkret(void);
void
forkret(void)
{
	struct proc *p = myproc();

	release(&proc_lock);
	if (p == initproc && !p->sz) {
		init_exec(p);
		uvm_report_layout(p, boot_vmprint);
	}
	usertrapret();
}

/*
 * Back to the scheduler. proc_lock held (and nothing else), state already
 * changed. The interrupt-enable state belongs to this thread, not the hart.
 */
static void
sched(struct proc *p)
{
	int intena;

	if (mycpu()->noff != 1 || p->state == RUNNING)
		panic("sched: noff %d, state %d", mycpu()->noff, p->state);
	intena = mycpu()->intena;
	swtch(&p->context, &mycpu()->context);
	mycpu()->intena = intena;
}

/*
 * Give up the hart: the running process goes back to RUNNABLE and the
 * scheduler picks the next one; returns when this process is run again.
 * Takes proc_lock; the caller holds no lock (sched panics otherwise).
 * Cannot fail.
 */
void
proc_yield(void)
{
	struct proc *p = myproc();

	acquire(&proc_lock);
	p->state = RUNNABLE;
	sched(p);
	release(&proc_lock);
}

/*
 * A preemption point: the running process gives up the hart if a timer
 * tick arrived since it was scheduled (timer_interrupt sets
 * need_resched, run_on_this_hart() clears it). The kernel is not preempted at an
 * arbitrary instruction, because spin_lock() holders (console output,
 * kalloc, the kvm share lock) keep interrupts on and would then sleep
 * holding the lock. So a caller must hold no lock at all, neither
 * acquire()d nor spin_lock()ed, and must not be inside a libsv39 call
 * that changes a table (the eager fork's sv39_for_each callback is
 * inside a read-only walk of the caller's own table, which nobody else
 * changes): the system call return (syscall.c), a satisfied page fault,
 * the steps of long loops (the eager fork bench's copy), the pieces of a
 * fork (pagefault.c) and of a long free of user memory (uvm.c) call it.
 * docs/kernel.md lists them.
 */
void
proc_resched_point(void)
{
	if (mycpu()->need_resched && myproc())
		proc_yield();
}

/*
 * Run p on this hart until it gives the hart back. proc_lock held.
 * Translations this hart may hold for p's ASIDs are stale if p last ran
 * on another hart (its tables may have changed there, flushed there
 * only) or if another process of the same slot used them here: drop
 * them then, and only then.
 */
static void
run_on_this_hart(struct cpu *c, struct proc *p)
{
	p->state = RUNNING;
	c->proc = p;
	/* Interrupts are off: trapvec.S must see the stack bounds switch atomically. */
	c->kstack_lo = PKSTACK_LO;
	c->kstack_hi = PKSTACK_HI;
	csr_write(satp, p->kpt_satp);
	if (!use_asids) {
		sfence_vma_all();
	} else if (p->last_cpu != c->id || c->asid_pid[p->slot] != p->pid) {
		sfence_vma_asid(p->upt.asid);
		sfence_vma_asid(p->kpt.asid);
		c->asid_pid[p->slot] = p->pid;
	}
	p->last_cpu = c->id;
	c->need_resched = 0; /* a fresh time slice: until the next tick */
	swtch(&c->context, &p->context);
	/* Off p's table before anyone may free it (after release). */
	csr_write(satp, kvm_satp);
	if (!use_asids)
		sfence_vma_all();
	c->kstack_lo = c->hart_kstack_lo;
	c->kstack_hi = c->hart_kstack_hi;
	c->proc = NULL;
}

void __attribute__((noreturn)) scheduler(void)
{
	struct cpu *c = mycpu();
	int next = c->id; /* harts start their round-robin at different slots */

	c->hart_kstack_lo = c->kstack_lo;
	c->hart_kstack_hi = c->kstack_hi;
	csr_write(scounteren, 2); /* TM: user mode may read the time CSR */
	for (;;) {
		int found = 0;

		intr_on();
		acquire(&proc_lock);
		for (int n = 0; n < NPROC; n++) {
			struct proc *p = &procs[(next + n) % NPROC];

			if (p->state != RUNNABLE)
				continue;
			next = (int)(p - procs) + 1;
			run_on_this_hart(c, p);
			found = 1;
			break;
		}
		release(&proc_lock);
		if (!found)
			wfi(); /* the next timer tick ends it at the latest */
	}
}

/*
 * Sleep on chan, giving up lk; wakeup(chan) makes the process runnable.
 * With lk == &proc_lock nothing is released in between.
 */
void
sleep(void *chan, struct spinlock *lk)
{
	struct proc *p = myproc();

	if (lk != &proc_lock) {
		acquire(&proc_lock);
		release(lk);
	}
	p->chan = chan;
	p->state = SLEEPING;
	sched(p);
	p->chan = NULL;
	if (lk != &proc_lock) {
		release(&proc_lock);
		acquire(lk);
	}
}

/* proc_lock held. */
static void
wakeup_locked(void *chan)
{
	for (int i = 0; i < NPROC; i++)
		if (procs[i].state == SLEEPING && procs[i].chan == chan)
			procs[i].state = RUNNABLE;
}

/*
 * Make every process sleeping on chan RUNNABLE (they run when a hart's
 * scheduler picks them). Returns nothing; a chan nobody sleeps on is a
 * no-op. Takes proc_lock, so the caller must not hold it.
 */
void
wakeup(void *chan)
{
	acquire(&proc_lock);
	wakeup_locked(chan);
	release(&proc_lock);
}

/* The boot hart's timer: uptime() and sleep() count these. */
void
clock_tick(void)
{
	ticks++;
	if (sched_running)
		wakeup((void *)&ticks);
}

/*
 * Has p been killed (proc_kill, or a fault it could not survive)? 1 or 0,
 * read under proc_lock, which the caller must not hold. A killed process
 * ends at its next kernel entry or return to user mode (usertrap.c).
 */
int
proc_killed(struct proc *p)
{
	int k;

	acquire(&proc_lock);
	k = p->killed;
	release(&proc_lock);
	return k;
}

/*
 * Mark p killed, under proc_lock (which the caller must not hold); unlike
 * proc_kill it wakes nothing, since p is the caller or not asleep. p
 * ends at its next kernel entry or return to user mode. Cannot fail.
 */
void
proc_set_killed(struct proc *p)
{
	acquire(&proc_lock);
	p->killed = 1;
	release(&proc_lock);
}

/*
 * fork(): a child of the running process with a copy-on-write copy of its
 * memory (uvm_copy), its registers (a0 = 0), FP state and name, made
 * RUNNABLE. The child's pid, or -1 (no slot, or memory ran out) with the
 * child and everything it held freed. Takes proc_lock; holds none on entry.
 */
int
proc_fork(void)
{
	struct proc *p = myproc(), *np = proc_alloc();
	int pid;

	if (!np)
		return -1;
	if (uvm_copy(p, np)) {
		proc_free(np);
		return -1;
	}
	*np->tf = *p->tf;
	np->tf->a0 = 0; /* fork() returns 0 in the child */
	fp_state_fork(np, p);
	memcpy(np->name, p->name, sizeof(np->name));
	acquire(&proc_lock);
	pid = np->pid;
	np->parent = p;
	np->state = RUNNABLE;
	release(&proc_lock);
	return pid;
}

/*
 * Exit: the user memory and the USYSCALL page are freed at once, the
 * children go to init, the parent is woken, and the process becomes a
 * ZOMBIE until wait() frees its tables, trapframe and kernel stack. pid 1's exit ends the run:
 * with run=PROG its status is QEMU's exit code.
 */
void
proc_exit(int status)
{
	struct proc *p = myproc();

	if (p == initproc) {
		kprintf("init: %s exited with status %d\n", p->name, status);
		power_exit(status & 0xff);
	}
	uvm_release_user(p);
	acquire(&proc_lock);
	for (int i = 0; i < NPROC; i++)
		if (procs[i].parent == p) {
			procs[i].parent = initproc;
			if (procs[i].state == ZOMBIE)
				wakeup_locked(initproc);
		}
	wakeup_locked(p->parent);
	p->xstate = status;
	p->state = ZOMBIE;
	sched(p);
	panic("zombie exit");
}

/*
 * Wait for a child to exit; its status goes to status_va unless that is
 * 0. A bad status_va gives -1 and leaves the child for the next wait.
 */
int
proc_wait(uint64_t status_va)
{
	struct proc *p = myproc();

	acquire(&proc_lock);
	for (;;) {
		int have = 0;

		for (int i = 0; i < NPROC; i++) {
			struct proc *q = &procs[i];
			int pid, xstate;

			if (q->parent != p)
				continue;
			have = 1;
			if (q->state != ZOMBIE)
				continue;
			pid = q->pid;
			xstate = q->xstate;
			release(&proc_lock);
			if (status_va && copyout(p, status_va, &xstate, sizeof(xstate)))
				return -1;
			/* Only this parent reaps q, and q no longer runs anywhere. */
			proc_free(q);
			return pid;
		}
		if (!have || p->killed) {
			release(&proc_lock);
			return -1;
		}
		sleep(p, &proc_lock);
	}
}

/*
 * Mark pid killed (it ends at its next kernel entry, usertrap.c) and wake
 * it from sleep. 0, or -1 if there is no such live process. pid 1 is
 * refused: its exit ends the run, and powering off is halt's job.
 */
int
proc_kill(int pid)
{
	if (pid == 1)
		return -1;
	acquire(&proc_lock);
	for (int i = 0; i < NPROC; i++) {
		struct proc *p = &procs[i];

		if (p->pid == pid && p->state != UNUSED && p->state != ZOMBIE) {
			p->killed = 1;
			if (p->state == SLEEPING)
				p->state = RUNNABLE;
			release(&proc_lock);
			return 0;
		}
	}
	release(&proc_lock);
	return -1;
}

/* The boot hart: make pid 1, let every hart schedule. */
void
proc_start(const char *init_cmd, int vmprint)
{
	snprintf(init_args, sizeof(init_args), "%s", init_cmd);
	boot_vmprint = vmprint;
	uvm_set_features();
	pagefault_set_features();
	uvm_asid_init();
	initproc = proc_alloc();
	if (!initproc)
		panic("proc: cannot create init");
	snprintf(initproc->name, sizeof(initproc->name), "init");
	acquire(&proc_lock);
	initproc->state = RUNNABLE;
	release(&proc_lock);
	kprintf("proc: init will run \"%s\"%s\n", init_args, boot_vmprint ? " (vmprint)" : "");
	__sync_synchronize();
	sched_running = 1;
	scheduler();
}

/* A hart other than the boot hart: idle until pid 1 exists, then schedule. */
void __attribute__((noreturn)) hart_schedule(struct cpu *c)
{
	(void)c;
	while (!sched_running)
		wfi();
	scheduler();
}
