/* SPDX-License-Identifier: MIT */
/* nop - does nothing and exits 0: the cheapest program to exec. */
#include "user.h"

int
main(void)
{
	return 0;
}
