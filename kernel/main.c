/* SPDX-License-Identifier: MIT */
/*
 * main.c - the boot hart's path from entry.S to a running kernel:
 *   1. read the device tree (through the boot table's direct map)
 *   2. the page allocator over what RAM is left
 *   3. the global kernel table (libsv39), satp, the UART
 *   4. onto this hart's guard-protected kernel stack, the real trap
 *      vector, the timer
 *   5. the report on the table, then boot_finish(): in the image that
 *      `make qemu` boots (boot_finish.c) the other harts, the first
 *      process and the scheduler on every hart; the kernel-test image
 *      (tests/kernel/ktest/) links its own.
 */
#include <sv39/sv39.h>

#include "cpu.h"
#include "exit.h"
#include "kernel.h"
#include "platform.h"
#include "proc.h"
#include "riscv.h"
#include "sbi.h"

static void __attribute__((noreturn)) boot_fail(const char *what, const char *msg, int code)
{
	kprintf("boot: %s: %s\n", what, msg);
	power_exit(code);
}

static void
print_platform(void)
{
	kprintf("boot: %d S-mode hart(s), boot hart %lu, timebase %lu Hz%s%s\n", plat.nharts,
		plat.hartid[0], plat.timebase, plat.svpbmt ? ", Svpbmt" : "",
		plat.svnapot ? ", Svnapot" : "");
	if (plat.harts_skipped)
		kprintf("boot: %d more hart(s) ignored (NCPU %d)\n", plat.harts_skipped, NCPU);
	for (int i = 0; i < plat.nmem; i++)
		kprintf("boot: RAM %lx..%lx (%lu MiB)\n", plat.mem[i].base,
			plat.mem[i].base + plat.mem[i].size, plat.mem[i].size >> 20);
	for (int i = 0; i < plat.nresv; i++)
		kprintf("boot: reserved %lx..%lx%s\n", plat.resv[i].base,
			plat.resv[i].base + plat.resv[i].size,
			plat.resv_nomap[i] ? " (no-map)" : "");
	kprintf("boot: device tree at %lx (%lu bytes), UART %s at %lx, PLIC at %lx, "
		"test device %lx\n",
		plat.fdt.base, plat.fdt.size,
		plat.uart_kind == UART_NS16550A ? "ns16550a" : "sifive,uart0", plat.uart.base,
		plat.plic.base, plat.poweroff_reg.base);
	kprintf("boot: bootargs \"%s\"\n", plat.bootargs);
}

/* Called from entry.S: the boot hart's and the other harts' first C code. */
void kmain(uint64_t hartid, uint64_t fdt_pa) __attribute__((noreturn));
void secondary_main(struct cpu *c) __attribute__((noreturn));
/* In entry.S: run fn(c) on c's kernel stack. */
void cpu_switch_stack(struct cpu *c, void (*fn)(struct cpu *)) __attribute__((noreturn));

static void kmain_on_kstack(struct cpu *c) __attribute__((noreturn));

void __attribute__((noreturn)) kmain(uint64_t hartid, uint64_t fdt_pa)
{
	const char *err;
	char sbi_found[80];

	kprintf("\nsv39 kernel (%s), hart %lu, device tree at %lx\n", BOARD_NAME, hartid, fdt_pa);
	sbi_init(sbi_found, sizeof(sbi_found));
	kprintf("%s\n", sbi_found);
	if (!fdt_pa || fdt_pa >= DIRECT_MAP_END - DIRECT_MAP_BASE - (1UL << 30))
		boot_fail("device tree", "a1 holds no usable device-tree address", EXIT_FDT);
	err = platform_parse(&plat, pa_to_kva(fdt_pa), fdt_pa, hartid);
	if (err)
		boot_fail("device tree", err, EXIT_FDT);
	if ((fdt_pa >> 30) != ((fdt_pa + plat.fdt.size - 1) >> 30))
		boot_fail("device tree", "the blob straddles a 1 GiB boundary", EXIT_FDT);
	power_set_poweroff_reg(plat.poweroff_reg.base);
	print_platform();
	cpus_init(&plat);

	kalloc_init(&plat);
	kprintf("boot: %lu free pages (%lu MiB) after the firmware, the image and "
		"the device tree\n",
		kalloc_nfree(), kalloc_nfree() >> 8);
	kvm_init(&plat);
	kvm_switch();
	kalloc_start();
	uart_init(plat.uart_kind, pa_to_kva(plat.uart.base), plat.uart_shift);
	console_use_uart();
	intr_init();
	cpu_switch_stack(&cpus[0], kmain_on_kstack);
}

static void __attribute__((noreturn)) kmain_on_kstack(struct cpu *c)
{
	trap_init_hart();
	kprintf("boot: paging on the global table, satp %lx, on the kernel stack "
		"%lx..%lx\n",
		kvm_satp, c->kstack_lo, c->kstack_hi);
	kvm_report();
	c->online = 1;
	timer_start();
	intr_on();
	boot_finish(plat.bootargs);
}

/*
 * A hart started by smp_start_others(), on the global table and its stack:
 * take traps and ticks, then run what the boot hart asked for.
 */
void __attribute__((noreturn)) secondary_main(struct cpu *c)
{
	trap_init_hart();
	timer_start();
	__sync_synchronize();
	c->online = 1;
	intr_on();
	smp_hart_main(c);
}
