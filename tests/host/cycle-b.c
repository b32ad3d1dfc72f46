/* SPDX-License-Identifier: MIT */
/* The other half of the deliberate cycle (cycle-a.c). */
int cycle_a_(int x);
int cycle_b_(int x);

int
cycle_b_(int x)
{
	return x ? cycle_a_(x - 1) : 1;
}
