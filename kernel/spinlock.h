/* SPDX-License-Identifier: MIT */
/*
 * spinlock.h - a test-and-set lock (amoswap.w.aq / release store).
 * spin_lock() does not turn interrupts off: use it only for locks no
 * trap handler takes. acquire()/release() also keep this hart's
 * interrupts off while held (push_off/pop_off nest), so that a timer
 * interrupt on this hart can never spin on a lock the interrupted code
 * holds: the process table and the console input use them.
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

struct spinlock {
	volatile unsigned int locked;
};

static inline void
spin_lock(struct spinlock *l)
{
	while (__sync_lock_test_and_set(&l->locked, 1))
		;
	__sync_synchronize();
}

static inline void
spin_unlock(struct spinlock *l)
{
	__sync_synchronize();
	__sync_lock_release(&l->locked);
}

#include "cpu.h"
#include "riscv.h"

/* Interrupts off on this hart, counting; pop_off() restores at depth 0. */
static inline void
push_off(void)
{
	uint64_t sie = csr_read(sstatus) & SSTATUS_SIE;
	struct cpu *c;

	intr_off();
	c = mycpu();
	if (c->noff++ == 0)
		c->intena = sie != 0;
}

static inline void
pop_off(void)
{
	struct cpu *c = mycpu();

	if (--c->noff == 0 && c->intena)
		intr_on();
}

static inline void
acquire(struct spinlock *l)
{
	push_off();
	spin_lock(l);
}

static inline void
release(struct spinlock *l)
{
	spin_unlock(l);
	pop_off();
}
#endif /* KERNEL_SPINLOCK_H */
