/* SPDX-License-Identifier: MIT */
/*
 * main.c - the boot hart's path from entry.S to a running kernel:
 *   1. read the device tree (through the boot table's direct map)
 *   2. the page allocator over what RAM is left
 *   3. the global kernel table (libsv39), satp, the UART
 *   4. onto this hart's guard-protected kernel stack, the real trap
 *      vector, the timer
 *   5. the report on the table, the other harts, then the kernel test
 *      named by "ktest=", or else the first process and the scheduler
 *      on every hart.
 */
#include <sv39/sv39.h>

#include "cpu.h"
#include "exit.h"
#include "kernel.h"
#include "platform.h"
#include "proc.h"
#include "riscv.h"
#include "sbi.h"

struct platform plat;
int sbi_has_hsm;
struct cpu cpus[NCPU];
int ncpu;
static char estacks[NCPU][ESTACK_SIZE] __attribute__((aligned(16)));

uint64_t
timebase_hz(void)
{
	return plat.timebase;
}

/* Fill in the cpus[] the device tree lists (cpus[0] = the boot hart). */
static void
cpus_init(void)
{
	ncpu = plat.nharts;
	for (int i = 0; i < ncpu; i++) {
		cpus[i].id = i;
		cpus[i].hartid = plat.hartid[i];
		cpus[i].estack_lo = (uint64_t)estacks[i];
		cpus[i].estack_hi = (uint64_t)estacks[i] + ESTACK_SIZE;
	}
}

static void __attribute__((noreturn)) boot_fail(const char *what, const char *msg, int code)
{
	kprintf("boot: %s: %s\n", what, msg);
	power_exit(code);
}

static void
print_platform(void)
{
	kprintf("boot: %d S-mode hart(s), boot hart %lu, timebase %lu Hz%s\n", plat.nharts,
		plat.hartid[0], plat.timebase, plat.svpbmt ? ", Svpbmt" : "");
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
		plat.plic.base, plat.testdev.base);
	kprintf("boot: bootargs \"%s\"\n", plat.bootargs);
}

/* entry.S */
void kmain(uint64_t hartid, uint64_t fdt_pa) __attribute__((noreturn));
void secondary_main(struct cpu *c) __attribute__((noreturn));
static void kmain_on_kstack(struct cpu *c) __attribute__((noreturn));
void cpu_switch_stack(struct cpu *c, void (*fn)(struct cpu *)) __attribute__((noreturn));

void __attribute__((noreturn)) kmain(uint64_t hartid, uint64_t fdt_pa)
{
	const char *err;

	kprintf("\nsv39 kernel (%s), hart %lu, device tree at %lx\n", BOARD_NAME, hartid, fdt_pa);
	sbi_has_hsm = sbi_init();
	if (!fdt_pa || fdt_pa >= DIRECT_MAP_END - DIRECT_MAP_BASE - (1UL << 30))
		boot_fail("device tree", "a1 holds no usable device-tree address", EXIT_FDT);
	err = platform_parse(&plat, pa_to_kva(fdt_pa), fdt_pa, hartid);
	if (err)
		boot_fail("device tree", err, EXIT_FDT);
	if ((fdt_pa >> 30) != ((fdt_pa + plat.fdt.size - 1) >> 30))
		boot_fail("device tree", "the blob straddles a 1 GiB boundary", EXIT_FDT);
	power_set_testdev(plat.testdev.base);
	print_platform();
	if (strstr(plat.bootargs, "ktest=earlytrap")) {
		/* Still on the boot table, where the low half is unmapped. */
		kprintf("ktest: earlytrap: a load from 0x1000 before the kernel table\n");
		(void)*(volatile uint64_t *)0x1000UL;
	}
	cpus_init();

	kalloc_init(&plat);
	kprintf("boot: %lu free pages (%lu MiB) after the firmware, the image and "
		"the device tree\n",
		kalloc_nfree(), kalloc_nfree() >> 8);
	kvm_init(&plat);
	kvm_switch();
	uart_init(plat.uart_kind, pa_to_kva(plat.uart.base), plat.uart_shift);
	console_use_uart();
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
	/*
	 * smp_entry=start sends the other harts to _start, the way OpenSBI's
	 * start race does (entry.S): the boot-smp-stray test proves that path.
	 */
	smp_start_others(strstr(plat.bootargs, "smp_entry=start") != NULL);
	kprintf("boot: %d hart(s) online, %lu free pages\n", smp_online_count(), kalloc_nfree());
	if (strstr(plat.bootargs, "ktest="))
		ktest_run(plat.bootargs);
	proc_start(plat.bootargs);
}

/* A hart started by smp_start_others(), on the global table and its stack. */
void __attribute__((noreturn)) secondary_main(struct cpu *c)
{
	trap_init_hart();
	timer_start();
	__sync_synchronize();
	c->online = 1;
	intr_on();
	for (;;) {
		wfi();
		/* A kernel test may ask this hart to load from an address. */
		if (c->mbox_va) {
			c->mbox_val = *(volatile uint64_t *)c->mbox_va;
			__sync_synchronize();
			c->mbox_va = 0;
		}
		if (c->mbox_fn) {
			c->mbox_fn();
			__sync_synchronize();
			c->mbox_fn = 0;
		}
		if (sched_running)
			scheduler();
	}
}
