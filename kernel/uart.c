/* SPDX-License-Identifier: MIT */
/*
 * uart.c - transmit-only console UART, polled. OpenSBI has already set
 * the baud rate and line format; we only wait for room and write.
 *
 * ns16550a (virt): byte registers, spaced 1 << reg-shift apart. THR (0)
 * takes the byte; LSR (5) bit 5 (THRE) says the holding register is empty.
 * sifive,uart0 (sifive_u): 32-bit registers. Writing txdata (0x00) queues
 * a byte; reading it returns bit 31 set while the FIFO is full.
 */
#include "kernel.h"

#define NS16550_THR 0
#define NS16550_LSR 5
#define NS16550_LSR_THRE (1u << 5)
#define SIFIVE_TXDATA 0x00
#define SIFIVE_TXDATA_FULL (1u << 31)

static int uart_kind;
static volatile uint8_t *uart_base;
static unsigned uart_shift;

void
uart_init(int kind, void *base, unsigned reg_shift)
{
	uart_base = base;
	uart_shift = reg_shift;
	uart_kind = kind;
}

void
uart_putc(char c)
{
	if (uart_kind == UART_NS16550A) {
		while (!(uart_base[NS16550_LSR << uart_shift] & NS16550_LSR_THRE))
			;
		uart_base[NS16550_THR << uart_shift] = (uint8_t)c;
	} else {
		volatile uint32_t *tx = (volatile uint32_t *)(uart_base + SIFIVE_TXDATA);

		while (*tx & SIFIVE_TXDATA_FULL)
			;
		*tx = (uint8_t)c;
	}
}
