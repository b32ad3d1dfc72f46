/* SPDX-License-Identifier: MIT */
/*
 * sbi.c - the Supervisor Binary Interface: an ecall from S-mode traps to
 * the M-mode firmware. a7 = extension id, a6 = function id, a0..a5 =
 * arguments; the firmware returns an error in a0 and a value in a1.
 * The legacy (v0.1) console putchar uses a7 alone and no function id.
 */
#include "kernel.h"
#include "sbi.h"

/* Extensions the firmware has (sbi_init); the v0.1 calls stand in otherwise. */
static int has_time, has_rfence;
int sbi_has_hsm;

struct sbiret {
	long error;
	long value;
};

static struct sbiret
sbi_call(long ext, long fid, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t r_a0 __asm__("a0") = a0;
	register uint64_t r_a1 __asm__("a1") = a1;
	register uint64_t r_a2 __asm__("a2") = a2;
	register uint64_t r_a3 __asm__("a3") = a3;
	register uint64_t r_a6 __asm__("a6") = (uint64_t)fid;
	register uint64_t r_a7 __asm__("a7") = (uint64_t)ext;
	struct sbiret ret;

	__asm__ volatile("ecall"
			 : "+r"(r_a0), "+r"(r_a1)
			 : "r"(r_a2), "r"(r_a3), "r"(r_a6), "r"(r_a7)
			 : "memory");
	ret.error = (long)r_a0;
	ret.value = (long)r_a1;
	return ret;
}

/* Legacy extension 0x01: works before any device is known. */
void
sbi_console_putchar(int c)
{
	sbi_call(0x01, 0, (uint64_t)c, 0, 0, 0);
}

/*
 * TIME extension: raise the S-mode timer interrupt once the time CSR
 * reaches stime; a new call also clears the pending one. (OpenSBI uses
 * Sstc's stimecmp underneath when the hart has it.)
 */
void
sbi_set_timer(uint64_t stime)
{
	if (has_time)
		sbi_call(SBI_EXT_TIME, 0, stime, 0, 0, 0);
	else
		sbi_call(0x00, 0, stime, 0, 0, 0);
}

/* HSM hart_start: the hart begins at start_pa, MMU off, a1 = opaque. */
long
sbi_hart_start(uint64_t hartid, uint64_t start_pa, uint64_t opaque)
{
	return sbi_call(SBI_EXT_HSM, 0, hartid, start_pa, opaque, 0).error;
}

/*
 * RFENCE remote_sfence_vma: run sfence.vma for [va, va + size) on every
 * hart in hart_mask (hart ids from 0). size == (uint64_t)-1 flushes all.
 */
long
sbi_remote_sfence_vma(uint64_t hart_mask, uint64_t va, uint64_t size)
{
	if (!has_rfence) /* v0.1: the mask is passed by address */
		return sbi_call(0x06, 0, (uint64_t)&hart_mask, va, size, 0).error;
	return sbi_call(SBI_EXT_RFENCE, 1, hart_mask, 0, va, size).error;
}

/* SRST: returns only when the firmware cannot do it. */
void
sbi_system_reset(uint32_t type, uint32_t reason)
{
	sbi_call(SBI_EXT_SRST, 0, type, reason, 0, 0);
}

/* Base extension probe_extension: nonzero when ext is implemented. */
static int
sbi_probe(long ext)
{
	struct sbiret r = sbi_call(0x10, 3, (uint64_t)ext, 0, 0, 0);

	return r.error == SBI_SUCCESS && r.value != 0;
}

/*
 * Find out which extensions the firmware has; HSM is needed for SMP.
 * What was found goes into report (a line, no '\n', for the boot log:
 * sbi.c sits below the console and prints nothing itself).
 */
int
sbi_init(char *report, size_t size)
{
	int has_hsm = sbi_probe(SBI_EXT_HSM);

	has_time = sbi_probe(SBI_EXT_TIME);
	has_rfence = sbi_probe(SBI_EXT_RFENCE);
	snprintf(report, size, "sbi: TIME %s, HSM %s, RFENCE %s, SRST %s",
		 has_time ? "yes" : "no (v0.1)", has_hsm ? "yes" : "no",
		 has_rfence ? "yes" : "no (v0.1)", sbi_probe(SBI_EXT_SRST) ? "yes" : "no");
	sbi_has_hsm = has_hsm;
	return has_hsm;
}
