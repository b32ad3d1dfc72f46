/* SPDX-License-Identifier: MIT */
/*
 * console.c - the kernel's output: kprintf. Through the SBI console until
 * the UART is mapped, then straight to the UART. One lock keeps lines
 * from different harts whole. A panic waits for it like any writer: the
 * lock is held with interrupts off, only around uart_putc or the SBI
 * call, neither of which can trap, so its holder always lets go. It
 * sits at the bottom of the kernel (over uart.c, sbi.c and
 * printf.c only), so every file may log; console input, which needs
 * processes, is tty.c.
 */
#include "kernel.h"
#include "sbi.h"
#include "spinlock.h"

static struct spinlock console_lock;
static int console_uart;

/*
 * From now on kernel output goes straight to the UART rather than the
 * SBI console: called once the UART is initialised and mapped. No lock
 * (a word store a racing writer sees before or after); cannot fail.
 */
void
console_use_uart(void)
{
	console_uart = 1;
}

static void
console_putc(char c)
{
	if (c == '\n')
		console_putc('\r');
	if (console_uart)
		uart_putc(c);
	else
		sbi_console_putchar(c);
}

/*
 * One character straight out, without the output lock: tty.c's echo from
 * the receive interrupt, whose interrupted code may hold that lock.
 */
void
console_echo(char c)
{
	console_putc(c);
}

static void
console_write(const char *s)
{
	spin_lock(&console_lock);
	while (*s)
		console_putc(*s++);
	spin_unlock(&console_lock);
}

/*
 * Write n bytes of s (NULs included) to the console as one piece, under
 * the output lock, so lines from other harts do not interleave with it.
 * The caller must not hold the output lock. Cannot fail.
 */
void
console_write_n(const char *s, size_t n)
{
	spin_lock(&console_lock);
	while (n--)
		console_putc(*s++);
	spin_unlock(&console_lock);
}

/*
 * printf to the console (printf.c's formats), at most 255 bytes a call
 * (the rest is cut), written whole under the output lock. Usable from
 * any layer and any hart, with interrupts on or off; the caller must not
 * hold the output lock. Returns nothing.
 */
void
kprintf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(buf);
}

/* One line of sv39_dump output. */
void
kputs_line(void *arg, const char *line)
{
	(void)arg;
	kprintf("%s\n", line);
}
