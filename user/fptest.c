/* SPDX-License-Identifier: MIT */
/*
 * fptest - the FP registers are private to a process and to an image.
 *
 *   child    a child fills f0..f31 and fcsr with nonzero values and
 *            exits; the parent, which never wrote an FP register, must
 *            then read all 32 registers and fcsr as zero
 *   busy     children keep every hart's FP registers full of their own
 *            values (and check that they keep them across traps and
 *            preemption) while the parent sleeps and wakes (on whichever
 *            hart takes it) and reads its own registers: zero, every time
 *   exec     a child fills the registers and execs this program again
 *            ("fptest fresh"): the new image must read all zeros
 *
 * The registers are read with fmv.x.d and frcsr, which do not make the
 * FP state dirty; nothing in this program writes an FP register except
 * fill(). Exits 0 only if every check passed.
 */
#include "user.h"

#define ROUNDS 20
#define BUSY_CHILDREN 6
#define BUSY_TICKS 60
#define FRESH_OK 0
#define FRESH_BAD 3

static int failures;

/* f0..f31 as 64-bit patterns, then fcsr. */
struct fpstate {
	uint64 f[32];
	uint64 fcsr;
};

/* Read every FP register and fcsr without writing one (fsd only reads). */
static void __attribute__((noinline)) read_fp(struct fpstate *s)
{
	__asm__ volatile(".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,"
			 "24,25,26,27,28,29,30,31\n"
			 "	fsd f\\n, 8*\\n(%0)\n"
			 "	.endr\n"
			 "	frcsr t0\n"
			 "	sd t0, 256(%0)\n"
			 :
			 : "r"(s)
			 : "t0", "memory");
}

/*
 * fill_fp(v): f<n> = v + n for every n, fcsr = 0x3f (frm 1, round towards
 * zero, and every exception flag). Plain assembler: a C function with
 * clobbers would save and restore the callee-saved fs0..fs11 around it.
 */
void fill_fp(uint64 v);
__asm__(".text\n"
	".globl fill_fp\n"
	"fill_fp:\n"
	"	.irp n, "
	"0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
	"	addi t0, a0, \\n\n"
	"	fmv.d.x f\\n, t0\n"
	"	.endr\n"
	"	li t0, 0x3f\n"
	"	fscsr t0\n"
	"	ret\n");

/* The first register that is not zero, -1 for none (32 is fcsr). */
static int
first_nonzero(const struct fpstate *s)
{
	for (int i = 0; i < 32; i++)
		if (s->f[i] != 0)
			return i;
	return s->fcsr != 0 ? 32 : -1;
}

static void
report(const char *test, const struct fpstate *s, int round)
{
	int r = first_nonzero(s);

	if (r < 0)
		return;
	if (r == 32)
		fprintf(2, "fptest: FAIL: %s (round %d): fcsr is %lx, want 0\n", test, round,
			s->fcsr);
	else
		fprintf(2, "fptest: FAIL: %s (round %d): f%d is %lx, want 0\n", test, round, r,
			s->f[r]);
	failures++;
}

static void
child_test(void)
{
	struct fpstate s;
	int before = failures;

	for (int round = 0; round < ROUNDS; round++) {
		int pid = fork();

		if (pid == 0) {
			fill_fp(0x1111000000000000UL * (uint64)(round % 15 + 1));
			exit(0);
		}
		if (pid < 0 || wait(NULL) != pid) {
			fprintf(2, "fptest: FAIL: fork or wait failed\n");
			failures++;
			return;
		}
		read_fp(&s);
		report("the parent after a child filled the registers", &s, round);
		if (failures != before)
			return;
	}
	printf("fptest: child: OK (%d rounds)\n", ROUNDS);
}

/*
 * Keeps its values in the registers and checks they survive traps,
 * timer preemption and other processes on the same hart.
 */
static void __attribute__((noreturn)) busy_child(int n)
{
	struct fpstate s;
	int t0 = uptime();
	uint64 v;

	for (uint64 i = 0; uptime() - t0 < BUSY_TICKS + 10; i++) {
		v = 0x2222000000000000UL + ((uint64)n << 32) + (i << 8);
		fill_fp(v);
		getpid(); /* through the kernel with dirty registers */
		for (volatile int spin = 0; spin < 2000; spin++)
			;
		read_fp(&s);
		for (int r = 0; r < 32; r++)
			if (s.f[r] != v + (uint64)r) {
				fprintf(2, "fptest: FAIL: busy child %d: f%d is %lx, want %lx\n", n,
					r, s.f[r], v + (uint64)r);
				exit(1);
			}
		if (s.fcsr != 0x3f) {
			fprintf(2, "fptest: FAIL: busy child %d: fcsr is %lx\n", n, s.fcsr);
			exit(1);
		}
	}
	exit(0);
}

static void
busy_test(void)
{
	struct fpstate s;
	int before = failures, n = 0;

	for (int i = 0; i < BUSY_CHILDREN; i++) {
		int pid = fork();

		if (pid == 0)
			busy_child(i);
		if (pid < 0) {
			fprintf(2, "fptest: FAIL: fork failed\n");
			failures++;
		}
	}
	for (int t0 = uptime(); uptime() - t0 < BUSY_TICKS && failures == before; n++) {
		sleep(1);
		read_fp(&s);
		report("the parent among FP-busy children", &s, n);
	}
	for (int status; wait(&status) >= 0;)
		if (status != 0) {
			fprintf(2, "fptest: FAIL: a busy child lost its FP values\n");
			failures++;
		}
	if (failures == before)
		printf("fptest: busy: OK (%d wake-ups)\n", n);
}

static void
exec_test(void)
{
	char *argv[] = { "fptest", "fresh", NULL };
	int pid, status = -1;

	pid = fork();
	if (pid == 0) {
		fill_fp(0x3333000000000000UL);
		exec("fptest", argv);
		exit(2);
	}
	if (pid < 0 || wait(&status) != pid) {
		fprintf(2, "fptest: FAIL: fork or wait failed\n");
		failures++;
		return;
	}
	if (status != FRESH_OK) {
		fprintf(2, "fptest: FAIL: exec: the fresh image saw FP values (status %d)\n",
			status);
		failures++;
		return;
	}
	printf("fptest: exec: OK\n");
}

int
main(int argc, char **argv)
{
	struct fpstate s;

	/* First thing: what a fresh image finds in the registers. */
	read_fp(&s);
	if (argc == 2 && !strcmp(argv[1], "fresh")) {
		report("a freshly exec'd image", &s, 0);
		return failures ? FRESH_BAD : FRESH_OK;
	}
	report("init's fresh image", &s, 0);
	child_test();
	busy_test();
	exec_test();
	if (failures) {
		printf("fptest: %d FAILED\n", failures);
		return 1;
	}
	printf("fptest: all tests passed\n");
	return 0;
}
