/* SPDX-License-Identifier: MIT */
/*
 * boot_finish.c - the end of the boot in the image `make qemu` boots: the
 * other harts come up and wait for work, and pid 1 starts (proc.c). The
 * kernel-test image links tests/kernel/ktest/ in place of this file.
 */
#include "bootargs.h"
#include "kernel.h"
#include "proc.h"

void
boot_finish(const char *bootargs)
{
	smp_start_others(secondary_entry, hart_schedule);
	proc_start(bootarg_init_command(bootargs), bootarg_present(bootargs, "vmprint"));
}
