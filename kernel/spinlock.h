/* SPDX-License-Identifier: MIT */
/*
 * spinlock.h - a test-and-set lock (amoswap.w.aq / release store). It
 * does not turn interrupts off: no lock here is taken in a trap handler.
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
#endif /* KERNEL_SPINLOCK_H */
