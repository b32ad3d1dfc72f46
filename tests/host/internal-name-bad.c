/* SPDX-License-Identifier: MIT */
/* Deliberately a global name that looks public: check-internal-names must reject it. */
int sv39_looks_public(int x);

int
sv39_looks_public(int x)
{
	return x + 1;
}
