/* SPDX-License-Identifier: MIT */
/*
 * uart.c - the console UART. OpenSBI has already set the baud rate and
 * line format. Output is polled: wait for room, write. Input interrupts
 * through the PLIC once uart_rx_intr_on() has run (trap.c then reads
 * every waiting byte with uart_getc); without it, a timer tick polls.
 *
 * ns16550a (virt): byte registers, spaced 1 << reg-shift apart. THR (0)
 * takes the byte; LSR (5) bit 5 (THRE) says the holding register is empty.
 * RBR (0, read) holds a received byte while LSR bit 0 (DR) is set.
 * IER (1) bit 0 raises the interrupt while a received byte waits.
 * sifive,uart0 (sifive_u): 32-bit registers. Writing txdata (0x00) queues
 * a byte; reading it returns bit 31 set while the FIFO is full. rxdata
 * (0x04) returns a byte, or bit 31 set when the receive FIFO is empty;
 * rxctrl (0x0c) bit 0 enables the receiver; its bits 16..18 (rxcnt) are
 * the receive watermark: ip (0x14) bit 1 (rxwm) is pending, and raises
 * the interrupt if ie (0x10) bit 1 is set, while the FIFO holds more
 * than rxcnt bytes.
 */
#include "kernel.h"

#define NS16550_THR 0
#define NS16550_LSR 5
#define NS16550_LSR_THRE (1u << 5)
#define SIFIVE_TXDATA 0x00
#define SIFIVE_TXDATA_FULL (1u << 31)
#define NS16550_RBR 0
#define NS16550_LSR_DR (1u << 0)
#define SIFIVE_RXDATA 0x04
#define SIFIVE_RXDATA_EMPTY (1u << 31)
#define SIFIVE_RXCTRL 0x0c
#define SIFIVE_RXCTRL_RXCNT (7u << 16)
#define SIFIVE_IE 0x10
#define SIFIVE_IE_RXWM (1u << 1)
#define NS16550_IER 1
#define NS16550_IER_RDI (1u << 0)

static int uart_kind;
static volatile uint8_t *uart_base;
static unsigned uart_shift;

void
uart_init(int kind, void *base, unsigned reg_shift)
{
	uart_base = base;
	uart_shift = reg_shift;
	uart_kind = kind;
	if (kind == UART_SIFIVE)
		*(volatile uint32_t *)(uart_base + SIFIVE_RXCTRL) |= 1;
}

/* Interrupt as soon as one received byte waits. */
void
uart_rx_intr_on(void)
{
	if (uart_kind == UART_NS16550A) {
		uart_base[NS16550_IER << uart_shift] = NS16550_IER_RDI;
	} else {
		volatile uint32_t *rxctrl = (volatile uint32_t *)(uart_base + SIFIVE_RXCTRL);

		*rxctrl &= ~SIFIVE_RXCTRL_RXCNT; /* watermark 0: any byte */
		*(volatile uint32_t *)(uart_base + SIFIVE_IE) |= SIFIVE_IE_RXWM;
	}
}

/* A received byte, or -1 if none is waiting. */
int
uart_getc(void)
{
	if (!uart_base)
		return -1;
	if (uart_kind == UART_NS16550A) {
		if (!(uart_base[NS16550_LSR << uart_shift] & NS16550_LSR_DR))
			return -1;
		return uart_base[NS16550_RBR << uart_shift];
	} else {
		uint32_t v = *(volatile uint32_t *)(uart_base + SIFIVE_RXDATA);

		return (v & SIFIVE_RXDATA_EMPTY) ? -1 : (int)(v & 0xff);
	}
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
