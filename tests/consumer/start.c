/* SPDX-License-Identifier: MIT */
/*
 * start.c - entry point for the freestanding riscv64 link of consumer.c.
 * It is never run (no stack is set up): the program exists only so that a
 * static link with -nostdlib proves libsv39 leaves no symbol undefined.
 */
int main(void);
void _start(void) __attribute__((noreturn));

void
_start(void)
{
	main();
	for (;;)
		;
}
