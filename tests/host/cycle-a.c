/* SPDX-License-Identifier: MIT */
/* Half of a deliberate file cycle: check-file-order must reject it. */
int cycle_b_(int x);
int cycle_a_(int x);

int
cycle_a_(int x)
{
	return x ? cycle_b_(x - 1) : 0;
}
