/* SPDX-License-Identifier: MIT */
/*
 * kernel.h - what the kernel's files share: one section per subsystem,
 * named by the file that implements it.
 */
#ifndef KERNEL_KERNEL_H
#define KERNEL_KERNEL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "memlayout.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a)-1))
#define ALIGN_UP(x, a) ALIGN_DOWN((x) + (uint64_t)(a)-1, a)
#define PAGE_SIZE 4096UL

struct platform;

/* The direct map: every RAM page and MMIO region at DIRECT_MAP_BASE + pa. */
static inline void *
pa_to_kva(uint64_t pa)
{
	return (void *)(pa + DIRECT_MAP_BASE);
}

static inline uint64_t
kva_to_pa(const void *va)
{
	return (uint64_t)va - DIRECT_MAP_BASE;
}

/* The image's own symbols are linked at pa + KIMAGE_OFFSET. */
static inline uint64_t
kimage_to_pa(const void *va)
{
	return (uint64_t)va - KIMAGE_OFFSET;
}

/* Linker symbols (kernel.ld.S). */
extern char _text[], _etext[], _srodata[], _erodata[], _sdata[], _end[];
extern char _kstack_region[];

/* string.c */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strstr(const char *hay, const char *needle);

/* printf.c */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* console.c */
void console_use_uart(void);
void console_write_n(const char *s, size_t n);
void console_echo(char c); /* no lock: tty.c's echo */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kputs_line(void *arg, const char *line); /* sv39_dump's out */

/* uart.c */
#define UART_NS16550A 1
#define UART_SIFIVE 2
void uart_init(int kind, void *base, unsigned reg_shift);
void uart_putc(char c);
int uart_getc(void); /* -1: nothing received */
void uart_rx_intr_on(void);

/* plic.c */
int plic_init(const struct platform *pl, uint32_t src);
void plic_init_hart(void);
uint32_t plic_claim(void);
void plic_complete(uint32_t src);
int plic_context(int i);

/* power.c */
void power_set_poweroff_reg(uint64_t pa);
void power_exit(int code) __attribute__((noreturn));
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* kalloc.c */
void kalloc_init(const struct platform *plat);
void kalloc_start(void); /* once the kernel table maps all RAM */
uint64_t kalloc(void);	 /* a zeroed page's pa, or 0 */
void kfree(uint64_t pa);
uint64_t kalloc_contig(uint64_t size, uint64_t align); /* 0 if none */
void kfree_contig(uint64_t pa, uint64_t size);
uint64_t kalloc_nfree(void);		      /* free pages */
void frame_share(uint64_t pa, uint64_t size); /* one more holder per page */
void frame_put(uint64_t pa, uint64_t size);   /* one fewer; freed at none */
int frame_shared(uint64_t pa, uint64_t size); /* a page with another holder? */

/* kvm.c */
struct sv39_space;
extern uint64_t kvm_satp;
extern struct sv39_space kvm_space;
void kvm_init(const struct platform *plat);
void kvm_switch(void);
void kvm_report(void);
int kvm_check_wx(const struct sv39_space *s);
uint64_t kvm_table_pages(void);
void kvm_flush(uint64_t va, uint64_t size);
void kvm_flush_local(uint64_t va, uint64_t size);
int kvm_lend_kernel_half(struct sv39_space *b);
void kvm_destroy_borrower(struct sv39_space *b);

/* trap.c */
void trap_init_hart(void);
void intr_init(void);
void timer_start(void);
void timer_interrupt(void);
const char *trap_cause_name(uint64_t cause);
void external_interrupt(void);

/* platform.c: the platform the device tree describes, read once at boot */
extern struct platform plat;
uint64_t timebase_hz(void);

/* sbi.c */
extern int sbi_has_hsm; /* the firmware can start harts (SBI HSM) */

/* smp.c */
struct cpu;
extern char secondary_entry[], _start[]; /* entry.S: where a started hart begins */
void cpus_init(const struct platform *p);
void smp_start_others(const char *entry, void (*main)(struct cpu *));
void smp_hart_main(struct cpu *c) __attribute__((noreturn));
uint64_t smp_online_mask_others(void);
int smp_online_count(void);

/*
 * The end of the boot, once paging, traps and the timer are on: start the
 * other harts and run. boot_finish.c in the image `make qemu` boots; the
 * kernel-test image (tests/kernel/ktest/) has its own.
 */
void boot_finish(const char *bootargs) __attribute__((noreturn));

#endif /* KERNEL_KERNEL_H */
