/* SPDX-License-Identifier: MIT */
/*
 * tty.c - the console as processes see it. The UART's receive interrupt
 * (through the PLIC, on whichever hart takes it), or the boot hart's
 * timer tick where it cannot be used, hands each byte to console_rx.
 * Lines are edited here (backspace, ^U) and echoed; read() gets whole
 * lines ('\r' becomes '\n'), or what is there at ^D (end of input when
 * the line is empty). write() to fd 1 and 2 copies from user memory into
 * console.c's output.
 */
#include "kernel.h"
#include "proc.h"
#include "uvm.h"
#include "spinlock.h"

#define RX_SIZE 256
#define CTRL(c) ((c) - '@')

/*
 * write(1 or 2, src, n): copied in 256 bytes at a time. n or -1. A
 * preemption point between chunks (docs/kernel.md, "Preemption"): the
 * UART takes about 1.7 us a byte under QEMU, so one large write would
 * otherwise keep the hart for many ticks. No lock is held there, and the
 * caller's buffer stays mapped while it waits: only the caller changes
 * its own memory.
 */
int
console_write_user(struct proc *p, uint64_t src, int n)
{
	char buf[256];

	for (int done = 0; done < n;) {
		int k = n - done > (int)sizeof(buf) ? (int)sizeof(buf) : n - done;

		proc_resched_point();
		if (copyin(p, buf, src + (uint64_t)done, (uint64_t)k))
			return -1;
		console_write_n(buf, (size_t)k);
		done += k;
	}
	return n;
}

static struct spinlock rx_lock;
static char rx_buf[RX_SIZE];
static uint64_t rx_r, rx_w, rx_e; /* read, written (whole lines), edit */

/* Echo one input character, without the output lock (see console_rx). */
static void
rx_echo(int c)
{
	if (c == '\b') {
		console_echo('\b');
		console_echo(' ');
		console_echo('\b');
	} else {
		console_echo((char)c);
	}
}

/*
 * One received character, from the UART's interrupt or the polling tick
 * (interrupts off).
 * The echo bypasses console_lock: the interrupted code may hold it.
 */
void
console_rx(int c)
{
	acquire(&rx_lock);
	switch (c) {
	case CTRL('U'):
		while (rx_e != rx_w && rx_buf[(rx_e - 1) % RX_SIZE] != '\n') {
			rx_e--;
			rx_echo('\b');
		}
		break;
	case '\b':
	case 0x7f:
		if (rx_e != rx_w) {
			rx_e--;
			rx_echo('\b');
		}
		break;
	default:
		if (c == '\r')
			c = '\n';
		if (!c || rx_e - rx_r >= RX_SIZE)
			break;
		if (c != CTRL('D'))
			rx_echo(c);
		rx_buf[rx_e++ % RX_SIZE] = (char)c;
		if (c == '\n' || c == CTRL('D') || rx_e - rx_r == RX_SIZE) {
			rx_w = rx_e;
			wakeup(&rx_r);
		}
	}
	release(&rx_lock);
}

/*
 * Take up to n bytes of the first whole line: through its '\n', or up to
 * a ^D (left for the next read, which then returns 0). rx_lock held, a
 * line waiting. Return: the count taken.
 */
static int
rx_take_line(char *dst, int n)
{
	int got = 0;

	while (got < n && rx_r != rx_w) {
		char c = rx_buf[rx_r % RX_SIZE];

		if (c == CTRL('D')) {
			if (!got)
				rx_r++; /* ^D on an empty line: end of input, once */
			break;
		}
		rx_r++;
		dst[got++] = c;
		if (c == '\n')
			break;
	}
	return got;
}

/*
 * read(0, dst, n): wait for a line, copy up to n bytes of it. The buffer
 * is checked before waiting, so a bad pointer never blocks. 0 at ^D on
 * an empty line. The bytes leave the input buffer under rx_lock in one
 * go and are copied out after it is dropped: concurrent readers each get
 * whole lines (a line longer than n is taken n bytes at a time, and the
 * rest may go to another reader). A killed reader takes nothing: the kill
 * is checked under rx_lock before every take, not only while the buffer
 * is empty, since a line may arrive between a kill and the reader's next
 * run. A reader that took its line before the kill returns it to user
 * mode (usertrap.c: a kill takes effect at the next entry).
 */
int
console_read(struct proc *p, uint64_t dst, int n)
{
	char line[RX_SIZE];
	int got;

	if (!n)
		return 0;
	if (!uvm_user_ok(p, dst, (uint64_t)n, SV39_PTE_W))
		return -1;
	if (n > RX_SIZE)
		n = RX_SIZE; /* a line is never longer than the buffer */
	acquire(&rx_lock);
	for (;;) {
		if (proc_killed(p)) {
			release(&rx_lock);
			return -1;
		}
		if (rx_r != rx_w)
			break;
		sleep(&rx_r, &rx_lock);
	}
	got = rx_take_line(line, n);
	release(&rx_lock);
	if (got && copyout(p, dst, line, (uint64_t)got))
		return -1;
	return got;
}
