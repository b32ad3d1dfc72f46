/* SPDX-License-Identifier: MIT */
/*
 * plic.c - the Platform-Level Interrupt Controller (riscv,plic0): routes
 * the console UART's interrupt to the S-mode context of every hart that
 * has one, so whichever hart takes it first reads the input (trap.c).
 *
 * Registers (32 bits each), for source s and context c:
 *   priority   base + 4 s                   0 = never delivered
 *   enable     base + 0x2000 + 0x80 c       one bit per source
 *   threshold  base + 0x200000 + 0x1000 c   deliver priorities above it
 *   claim      base + 0x200004 + 0x1000 c   read: the highest pending
 *              source, now claimed (0: none left); write it back to
 *              complete, after the device has been served
 * The contexts come from the device tree (platform.c: plic_contexts).
 */
#include "cpu.h"
#include "kernel.h"
#include "platform.h"
#include "riscv.h"

#define PLIC_PRIORITY(s) (4UL * (s))
#define PLIC_ENABLE(c, s) (0x2000UL + 0x80UL * (uint64_t)(c) + 4UL * ((s) / 32))
#define PLIC_THRESHOLD(c) (0x200000UL + 0x1000UL * (uint64_t)(c))
#define PLIC_CLAIM(c) (PLIC_THRESHOLD(c) + 4)

static volatile uint8_t *plic_base;
static uint64_t plic_size;
static uint32_t plic_source; /* the one source enabled; 0: none */
static int plic_ctx[NCPU];   /* cpus[i]'s S-mode context, -1: none */

static volatile uint32_t *
plic_reg(uint64_t off)
{
	return (volatile uint32_t *)(plic_base + off);
}

/* A context the device tree named, whose registers lie inside reg. */
static int
plic_ctx_ok(int ctx)
{
	return ctx >= 0 && PLIC_CLAIM(ctx) + 4 <= plic_size;
}

/*
 * Boot hart, the PLIC mapped: give source src priority 1 and remember
 * each hart's context. Return: 1 if some hart will take it, 0 if not
 * (no source, or no usable context: the caller polls instead).
 */
int
plic_init(const struct platform *pl, uint32_t src)
{
	int any = 0;

	plic_base = pa_to_kva(pl->plic.base);
	plic_size = pl->plic.size;
	for (int i = 0; i < NCPU; i++) {
		plic_ctx[i] = i < pl->nharts && plic_ctx_ok(pl->plic_ctx[i]) ? pl->plic_ctx[i] : -1;
		any |= plic_ctx[i] >= 0;
	}
	if (!src || !any || PLIC_PRIORITY(src) + 4 > plic_size)
		return 0;
	plic_source = src;
	*plic_reg(PLIC_PRIORITY(src)) = 1;
	return 1;
}

/* This hart takes the source from now on (if it has a context). */
void
plic_init_hart(void)
{
	int ctx = plic_ctx[mycpu()->id];

	if (!plic_source || ctx < 0)
		return;
	*plic_reg(PLIC_ENABLE(ctx, plic_source)) = 1u << (plic_source % 32);
	*plic_reg(PLIC_THRESHOLD(ctx)) = 0;
	csr_set(sie, SIE_SEIE);
}

/* The next pending source for this hart, claimed; 0 when none is left. */
uint32_t
plic_claim(void)
{
	int ctx = plic_ctx[mycpu()->id];

	return ctx < 0 ? 0 : *plic_reg(PLIC_CLAIM(ctx));
}

/* The device behind src has been served: it may interrupt again. */
void
plic_complete(uint32_t src)
{
	*plic_reg(PLIC_CLAIM(plic_ctx[mycpu()->id])) = src;
}

/* cpus[i]'s context, -1 for none (boot report). */
int
plic_context(int i)
{
	return plic_ctx[i];
}
