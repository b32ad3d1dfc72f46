/* SPDX-License-Identifier: MIT */
/*
 * smp.c - starting the other harts with SBI HSM. Each starts at
 * secondary_entry (entry.S) with the MMU off and a1 = its struct cpu;
 * it turns on paging on the global table and its own kernel stack, then
 * reports online. A hart that does not come up within a second fails the
 * boot: a test that asked for N harts must get N.
 */
#include "cpu.h"
#include "exit.h"
#include "kernel.h"
#include "platform.h"
#include "riscv.h"
#include "sbi.h"

struct cpu cpus[NCPU];
int ncpu;
static char estacks[NCPU][ESTACK_SIZE] __attribute__((aligned(16)));

/* Fill in the cpus[] the device tree lists (cpus[0] = the boot hart). */
void
cpus_init(const struct platform *p)
{
	ncpu = p->nharts;
	for (int i = 0; i < ncpu; i++) {
		cpus[i].id = i;
		cpus[i].hartid = p->hartid[i];
		cpus[i].estack_lo = (uint64_t)estacks[i];
		cpus[i].estack_hi = (uint64_t)estacks[i] + ESTACK_SIZE;
	}
}

/*
 * The struct cpu of each hart we start, by hartid: for a hart the firmware
 * sends to _start instead of secondary_entry (entry.S explains when).
 */
struct cpu *hart_cpu[HART_CPU_MAX];

/* What each started hart runs once it is up (secondary_main). */
static void (*hart_main)(struct cpu *);

void
smp_hart_main(struct cpu *c)
{
	hart_main(c);
	panic("smp: hart %lu's main function returned", c->hartid);
}

/*
 * Start every other hart at entry (secondary_entry; _start works too, as
 * entry.S recognises a started hart there, which is where OpenSBI 1.1's
 * start race sends one) and have it run main once it is up.
 */
void
smp_start_others(const char *entry, void (*main)(struct cpu *))
{
	hart_main = main;
	if (ncpu > 1 && !sbi_has_hsm) {
		kprintf("smp: the firmware has no SBI HSM: cannot start %d hart(s)\n", ncpu - 1);
		power_exit(EXIT_SMP);
	}
	for (int i = 1; i < ncpu; i++) {
		struct cpu *c = &cpus[i];
		uint64_t deadline;
		long err;

		if (c->hartid >= HART_CPU_MAX) {
			kprintf("smp: hart id %lu is beyond %d\n", c->hartid, HART_CPU_MAX);
			power_exit(EXIT_SMP);
		}
		hart_cpu[c->hartid] = c;
		__sync_synchronize(); /* stored before the hart can run */
		err = sbi_hart_start(c->hartid, kimage_to_pa(entry), (uint64_t)c);
		deadline = rdtime() + timebase_hz();
		if (err) {
			kprintf("smp: SBI hart_start(%lu) failed: %ld\n", c->hartid, err);
			power_exit(EXIT_SMP);
		}
		while (!c->online)
			if (rdtime() > deadline) {
				kprintf("smp: hart %lu did not come up\n", c->hartid);
				power_exit(EXIT_SMP);
			}
	}
	kprintf("boot: %d hart(s) online, %lu free pages\n", smp_online_count(), kalloc_nfree());
}

/* Online harts other than this one, as an SBI hart mask (base 0). */
uint64_t
smp_online_mask_others(void)
{
	struct cpu *me = mycpu();
	uint64_t mask = 0;

	for (int i = 0; i < ncpu; i++)
		if (cpus[i].online && &cpus[i] != me)
			mask |= 1UL << cpus[i].hartid;
	return mask;
}

int
smp_online_count(void)
{
	int n = 0;

	for (int i = 0; i < ncpu; i++)
		n += cpus[i].online;
	return n;
}
