/* SPDX-License-Identifier: MIT */
/*
 * power.c - ending a run. On virt, QEMU's SiFive test device ("finisher")
 * at 0x100000 exits QEMU: writing 0x5555 exits with status 0, 0x3333 |
 * code << 16 with status code. Elsewhere (sifive_u), and if that write
 * somehow returns, the SBI system reset ends the run; its reason does not
 * reach QEMU's exit status, so the console line printed first is what a
 * test runner reads there.
 */
#include "cpu.h"
#include "exit.h"
#include "kernel.h"
#include "riscv.h"
#include "sbi.h"

static volatile uint32_t *poweroff_reg =
	BOARD_POWEROFF_REG_PA ? (volatile uint32_t *)(DIRECT_MAP_BASE + BOARD_POWEROFF_REG_PA)
			      : NULL;

/*
 * The device tree's test device, the power-off register (pa 0: none);
 * mapped in the direct map.
 */
void
power_set_poweroff_reg(uint64_t pa)
{
	poweroff_reg = pa ? (volatile uint32_t *)pa_to_kva(pa) : NULL;
}

/*
 * End the run with code (0: success): interrupts off, an "exit: code"
 * line, then the power-off register if there is one, else (or if that
 * returns) SBI shutdown, then reset. Never returns; takes no lock but
 * the console's, so the caller must not hold that.
 */
void
power_exit(int code)
{
	intr_off();
	kprintf("exit: code %d\n", code);
	if (poweroff_reg)
		*poweroff_reg =
			code ? POWEROFF_REG_FAIL | ((uint32_t)code << 16) : POWEROFF_REG_PASS;
	sbi_system_reset(SBI_SRST_SHUTDOWN, code ? SBI_SRST_REASON_FAILURE : SBI_SRST_REASON_NONE);
	sbi_system_reset(SBI_SRST_COLD_REBOOT,
			 code ? SBI_SRST_REASON_FAILURE : SBI_SRST_REASON_NONE);
	for (;;)
		wfi();
}

/*
 * A kernel bug or an unusable machine: print the message (formatted as
 * kprintf does, at most 199 bytes) with the hart's id, and end the run
 * with EXIT_PANIC through power_exit. Never returns; frees nothing.
 * The caller must not hold the console lock.
 */
void
panic(const char *fmt, ...)
{
	char buf[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (mycpu())
		kprintf("panic (hart %lu): %s\n", mycpu()->hartid, buf);
	else
		kprintf("panic (boot): %s\n", buf);
	power_exit(EXIT_PANIC);
}
