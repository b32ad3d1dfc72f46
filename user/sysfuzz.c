/* SPDX-License-Identifier: MIT */
/*
 * sysfuzz - no user program can panic, hang or leak the kernel through
 * system calls.
 *
 * usage: sysfuzz [rounds [seed [calls [par]]]]   (defaults 400, 1, 300, 1)
 *
 * Each round forks par children at once (1..4: more harts, more races),
 * and each issues `calls` system calls: a number in 0..40 (unknown ones
 * included; now and then garbage in a7's high bits) with six arguments
 * drawn from the classes that break kernels: 0, small and negative
 * ints, INT_MIN and INT_MAX, huge lengths, ints with garbage in the high
 * 32 bits, pointers into its own text, data, stack and heap, unmapped
 * user addresses, the kernel half, the reserved top pages, ranges that
 * wrap, misaligned and non-canonical pointers, random words.
 * Half the calls get arguments of the right kind in the right places
 * (shape()), to reach past the first check. A child's seed (from the
 * seed, the round and its index) fixes everything the kernel does not
 * return, so a failure replays with the same arguments.
 *
 * What a child never does, or the run could not end: halt; read(0) into
 * memory it may write (there is no input: it would wait forever); kill
 * anything but itself and its own children; sleep more than 2 ticks;
 * wait with no child; exec a program other than nop. Nor does it let
 * the kernel print its memory (a write() whose first 256 bytes it can
 * read gets length 0) or write into its own data or stack outside the
 * scratch buffers (wait's status, pgaccess's mask are moved there). Its
 * heap grows by at most HEAP_CAP. A call that would end it (exit, kill
 * of itself, a working exec) comes only after the `calls` random ones,
 * chosen from the round's seed, so the parent knows the status to expect.
 *
 * A child also checks what it can: an unknown number returns -1, so do
 * a read and a write the sanitising above left with a bad buffer, and
 * getpid() matches the USYSCALL page.
 *
 * The parent, each round: a watchdog child kills the fuzzing children after
 * WATCHDOG_TICKS (a kernel that hangs is reported, not waited out); the
 * exit status must be the expected one (a kill, status -1, is reported
 * and tolerated); then the kernel must still work (getpid, uptime, fork
 * and wait of a trivial child) and freepages() must be back at the
 * baseline taken before the first round. Exits 0 only if all of it held.
 */
#include "user.h"
#include "user_program_names.h" /* generated: USER_PROGRAM_NAMES */

#define NSYSCALLS 41 /* numbers 0..40 */
#define KILLED (-1)
#define CHILD_FAILED 1 /* a child saw a wrong result */
#define DOG_FIRED 55   /* the watchdog had to kill the child */
#define TRIVIAL 7      /* the post-round fork check's status */
#define WATCHDOG_TICKS 1000
#define HEAP_CAP (4 * 1024 * 1024) /* how far a child may grow its heap */
#define MAX_KIDS 8		   /* grandchildren alive at once */
#define MAX_PAR 4		   /* fuzzing children at once */
#define SCRATCH 512		   /* bytes of each writable scratch buffer */
#define HEAP_SCRATCH (8 * PGSIZE)
#define WRITE_CHUNK 256 /* console_write_user copies (and prints) this much at once */
#define EXEC_PATH_MAX 64

#define INT_MIN_ (-2147483647 - 1)
#define INT_MAX_ 2147483647

extern char etext[], end[]; /* user.ld */

/* What the child does after its random calls (from the round's seed). */
enum final {
	FINAL_RETURN, /* return 0 from the round: status 0 */
	FINAL_EXIT,   /* exit() with a status from exit_statuses[] */
	FINAL_KILL,   /* kill(getpid()): status -1 */
	FINAL_EXEC,   /* exec("nop", a random argv): status 0 either way */
};

static const int exit_statuses[] = { 0x12345678, INT_MIN_, INT_MAX_, 255, 256, -2, 3 };
static const char *const programs[] = { USER_PROGRAM_NAMES };
static const char *const exec_names[] = { "nop", "sh", "sysfuzz", "nosuch", "", "nop/" };

/* The layout every child inherits, found once by the parent. */
static uint64 text_lo = UTEXT, text_hi, data_lo, data_hi, stack_guard, stack_hi, heap_lo;
static char bss_scratch[SCRATCH];
static char *heap_scratch;

/* Per child. */
static uint64 rng, brk, brk0;
static char *stack_scratch;
static int kids[MAX_KIDS], nkids, mypid, failures;
static int round_no;

#define CFAIL(...)                                                 \
	do {                                                       \
		fprintf(2, "sysfuzz: FAIL: round %d: ", round_no); \
		fprintf(2, __VA_ARGS__);                           \
		failures++;                                        \
	} while (0)

/* splitmix64: turns (seed, round) into a well-mixed round seed. */
static uint64
mix(uint64 x)
{
	x += 0x9e3779b97f4a7c15UL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9UL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebUL;
	return x ^ (x >> 31);
}

/* xorshift64*: the child's stream. rng is never 0 (mix() output, | 1). */
static uint64
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dUL;
}

static uint64
round_seed(uint64 seed, int round)
{
	return mix(seed ^ mix((uint64)round)) | 1;
}

/* The raw call: any a7, six 64-bit arguments, nothing interpreted. */
static uint64
rawcall(uint64 num, const uint64 *a)
{
	register uint64 a0 __asm__("a0") = a[0];
	register uint64 a1 __asm__("a1") = a[1];
	register uint64 a2 __asm__("a2") = a[2];
	register uint64 a3 __asm__("a3") = a[3];
	register uint64 a4 __asm__("a4") = a[4];
	register uint64 a5 __asm__("a5") = a[5];
	register uint64 a7 __asm__("a7") = num;

	__asm__ volatile("ecall"
			 : "+r"(a0)
			 : "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5), "r"(a7)
			 : "memory");
	return a0;
}

/* The int the kernel sees in a 64-bit argument register (argint). */
static int
as_int(uint64 v)
{
	return (int)v;
}

/* v with its low 32 bits replaced by x: the high garbage stays. */
static uint64
with_int(uint64 v, int x)
{
	return (v & ~0xffffffffUL) | (uint32)x;
}

/*
 * May the kernel access the bytes of the page at pg below hi with the
 * bits in need (R, W) on this process's behalf? Yes when its PTE has them;
 * a page marked shared (copy-on-write since a fork) is writable, since
 * the first store makes it the process's own; an unmapped heap page is
 * readable and writable for the bytes below the break (the first touch
 * maps a zeroed page), and for no byte at or past it.
 */
static int
page_can(uint64 pg, uint64 hi, uint64 need)
{
	uint64 pte = pgpte((void *)pg);

	if (pte == 0)
		return pg >= heap_lo && hi <= brk;
	if ((pte & SV39_PTE_RSW_EMBEDDER) &&
	    (pte & (PTE_V | PTE_U | PTE_R)) == (PTE_V | PTE_U | PTE_R))
		pte |= PTE_W;
	need |= PTE_V | PTE_U;
	return (pte & need) == need;
}

/* May the kernel access every byte of [va, va + len) with the bits in need? */
static int
user_can(uint64 va, uint64 len, uint64 need)
{
	uint64 pg, hi;

	if (va + len < va)
		return 0;
	for (pg = PGROUNDDOWN(va); pg < va + len; pg += PGSIZE) {
		hi = pg + PGSIZE < va + len ? pg + PGSIZE : va + len;
		if (!page_can(pg, hi, need))
			return 0;
	}
	return 1;
}

/* The string at va if this process can read all of it (NUL within max), else NULL. */
static const char *
user_string(uint64 va, int max)
{
	int i;

	for (i = 0; i < max; i++) {
		if ((i == 0 || ((va + (uint64)i) & (PGSIZE - 1)) == 0) &&
		    !user_can(va + (uint64)i, 1, PTE_R))
			return NULL;
		if (*(const char *)(va + (uint64)i) == '\0')
			return (const char *)va;
	}
	return NULL;
}

static uint64
pick_int(void)
{
	uint64 r = rnd();

	switch (rnd() % 11) {
	case 0:
		return 0;
	case 1:
		return r % 17;
	case 2:
		return (uint64) - (long)(1 + r % 16);
	case 3:
		return r & 1 ? (uint64)(long)INT_MIN_ : 0x80000000UL;
	case 4:
		return r & 1 ? (uint64)INT_MAX_ : 0xffffffffUL;
	case 5:
		return 1UL << (20 + r % 12); /* huge lengths, up to 2^31 */
	case 6:
		return (r << 32) | (rnd() % 17); /* a small int under high garbage */
	case 7:
		return PGSIZE * (r % 70) + (uint64)(long)(int)(rnd() % 3) - 1;
	case 8:
		return (uint64)(long)(int)(r % 65) * (r & 1 ? 1 : -1);
	case 9:
		return 0xffffffffffffffffUL - r % 4;
	default:
		return r;
	}
}

static uint64
pick_ptr(void)
{
	uint64 r = rnd();

	switch (rnd() % 17) {
	case 0:
		return r % 32; /* NULL and the page below UTEXT */
	case 1:
		return text_lo + r % (text_hi - text_lo);
	case 2:
		return (uint64)bss_scratch + r % SCRATCH;
	case 3:
		return (uint64)stack_scratch + r % SCRATCH;
	case 4:
		return heap_lo + r % (brk - heap_lo + 1); /* may be gone after a shrink */
	case 5:
		return PGROUNDUP(brk) + PGSIZE * (r % 64) + rnd() % 16; /* unmapped above */
	case 6:
		return 0x2000000000UL + r % 0x1000000000UL; /* mid user half */
	case 7:
		return r & 1 ? KERNEL_BASE + rnd() % (1UL << 32) : KERNEL_IMAGE + rnd() % 0x200000;
	case 8:
		return TOP_PAGES + r % (3 * PGSIZE);
	case 9:
		return 0xfffffffffffff000UL + r % PGSIZE; /* wraps with most lengths */
	case 10:
		return (uint64)heap_scratch + r % HEAP_SCRATCH + 1 + rnd() % 7; /* misaligned */
	case 11:
		return r & 1 ? MAXVA + rnd() % (1UL << 20) : 1UL << (39 + r % 25); /* hole */
	case 12:
		return stack_guard + r % PGSIZE;
	case 13:
		return brk - r % 16; /* straddles the end of the heap */
	case 14:
		return r & 1 ? UVM_TOP - rnd() % 64 : USYSCALL + rnd() % PGSIZE;
	case 15:
		return data_lo + r % (data_hi - data_lo); /* own data and bss */
	default:
		return r;
	}
}

static uint64
pick_arg(void)
{
	return rnd() & 1 ? pick_int() : pick_ptr();
}

/* A length: 0, small, around a page or a 2 MiB megapage, or any int. */
static uint64
pick_len(void)
{
	uint64 r = rnd();

	switch (r % 5) {
	case 0:
		return r % 17;
	case 1:
		return PGSIZE * (1 + rnd() % 4) + rnd() % 3 - 1;
	case 2:
		return MEGASIZE * (rnd() % 3) + rnd() % 3 - 1;
	case 3:
		return rnd() % 70000;
	default:
		return pick_int();
	}
}

/*
 * Half of the calls get arguments of the right kind in the right places
 * (an fd where the fd goes, a page-aligned base for pgaccess), so that
 * they get past the first check and into the deeper paths.
 */
static void
shape(uint64 num, uint64 *a)
{
	uint64 r = rnd();

	switch (num) {
	case SYS_read:
	case SYS_write:
		a[0] = r % 4;
		a[1] = pick_ptr();
		a[2] = pick_len();
		break;
	case SYS_pgaccess:
		a[0] = PGROUNDDOWN(pick_ptr());
		a[1] = r & 1 ? 1 + rnd() % 70 : pick_int();
		a[2] = r & 2 ? (uint64)bss_scratch + rnd() % 16 : pick_ptr();
		break;
	case SYS_copybench:
		a[0] = r % 6;
		a[1] = pick_ptr();
		a[2] = pick_len();
		break;
	case SYS_sbrk:
		a[0] = (uint64)(long)(r & 1 ? 1 : -1) * pick_len();
		break;
	case SYS_kill:
		a[0] = nkids && r % 4 ? (uint64)kids[rnd() % (uint64)nkids] : pick_int();
		break;
	case SYS_vmprint:
		a[0] = r % 3;
		break;
	default:
		a[0] = pick_ptr();
		a[1] = pick_ptr();
		break;
	}
}

/* A bad pointer for sure: no user page. */
static uint64
bad_ptr(void)
{
	static const uint64 bad[] = { 0, KERNEL_BASE, TOP_PAGES, MAXVA, 0xfffffffffffffff8UL };

	return bad[rnd() % (sizeof(bad) / sizeof(bad[0]))];
}

/*
 * A pointer the kernel may store len bytes at: outside this process's
 * data and stack, or inside a scratch buffer. Anything else is moved
 * into a scratch buffer (at the same misalignment), so the kernel never
 * clobbers the fuzzer's own state.
 */
static uint64
fix_out(uint64 va, uint64 len)
{
	uint64 s;

	if (va + len < va || va + len <= data_lo || va >= stack_hi)
		return va;
	if (va >= (uint64)bss_scratch && va + len <= (uint64)bss_scratch + SCRATCH)
		return va;
	if (va >= (uint64)stack_scratch && va + len <= (uint64)stack_scratch + SCRATCH)
		return va;
	s = rnd() & 1 ? (uint64)bss_scratch : (uint64)stack_scratch;
	return s + 8 * (rnd() % ((SCRATCH - 16) / 8)) + (va & 7);
}

static int
is_kid(int pid)
{
	int i;

	for (i = 0; i < nkids; i++)
		if (kids[i] == pid)
			return 1;
	return 0;
}

static void
forget_kid(int pid)
{
	int i;

	for (i = 0; i < nkids; i++)
		if (kids[i] == pid) {
			kids[i] = kids[--nkids];
			return;
		}
}

static int
names_program(const char *s)
{
	unsigned long i;

	for (i = 0; i < sizeof(programs) / sizeof(programs[0]); i++)
		if (strcmp(s, programs[i]) == 0)
			return 1;
	return 0;
}

/*
 * read(0, buf, n) with a buffer the child may write would wait forever
 * for input that never comes: its length becomes 0. With a bad buffer
 * it must fail. Other fds and lengths are left as they are.
 */
static void
sanitise_read(uint64 *a, int *expect_fail)
{
	int n = as_int(a[2]);

	if (as_int(a[0]) != 0 || n <= 0)
		return;
	if (user_can(a[1], (uint64)n, PTE_W)) {
		a[2] = with_int(a[2], 0); /* a good buffer would wait for input */
		return;
	}
	*expect_fail = 1;
}

/*
 * write(1 or 2, buf, n) with a buffer the child can read would print its
 * memory on the console: its length becomes 0. With a bad buffer it must
 * fail. Only the first WRITE_CHUNK bytes count: the kernel copies that
 * much before it prints, so a bad page there fails with nothing printed.
 */
static void
sanitise_write(uint64 *a, int *expect_fail)
{
	int n = as_int(a[2]), t = as_int(a[0]);

	if ((t != 1 && t != 2) || n <= 0)
		return;
	if (user_can(a[1], (uint64)(n < WRITE_CHUNK ? n : WRITE_CHUNK), PTE_R)) {
		a[2] = with_int(a[2], 0); /* readable: it would print garbage */
		return;
	}
	*expect_fail = 1;
}

/*
 * kill(pid) may only aim at no process or at one of the child's own
 * children; any other pid (itself, the parent, a sibling, the watchdog)
 * becomes one of its children, or -1 if it has none.
 */
static void
sanitise_kill(uint64 *a)
{
	int t = as_int(a[0]);

	if (t <= 0 || t >= (1 << 30) || (t != mypid && is_kid(t)))
		return; /* no such process, or one of ours */
	t = nkids ? kids[rnd() % (uint64)nkids] : -1;
	a[0] = with_int(a[0], t);
}

/*
 * exec(path, argv) must not work, or the child would stop fuzzing: now
 * and then it gets a real program's name, and whenever the path names a
 * program, argv becomes a bad pointer so that it fails there.
 */
static void
sanitise_exec(uint64 *a)
{
	const char *s;

	if (rnd() % 4 == 0)
		a[0] = (uint64)exec_names[rnd() % (sizeof(exec_names) / sizeof(exec_names[0]))];
	s = user_string(a[0], EXEC_PATH_MAX);
	if (s != NULL && names_program(s))
		a[1] = bad_ptr(); /* it must fail on argv, whatever the path */
}

/*
 * Make a random call safe to issue (see the top of the file). Returns 0
 * to skip it, 1 to issue it; *expect_fail says the result must be -1.
 */
static int
sanitise(uint64 *num, uint64 *a, int *expect_fail)
{
	int n, t;

	*expect_fail = 0;
	switch (*num) {
	case SYS_halt:
		return 0;
	case SYS_exit: /* only as the child's final act */
		*num = SYS_getpid;
		return 1;
	case SYS_fork:
		return nkids < MAX_KIDS;
	case SYS_wait:
		if (nkids == 0)
			return 0;
		a[0] = fix_out(a[0], 4);
		return 1;
	case SYS_read:
		sanitise_read(a, expect_fail);
		return 1;
	case SYS_write:
		sanitise_write(a, expect_fail);
		return 1;
	case SYS_kill:
		sanitise_kill(a);
		return 1;
	case SYS_exec:
		sanitise_exec(a);
		return 1;
	case SYS_sleep:
		if (as_int(a[0]) > 2)
			a[0] = with_int(a[0], (int)(rnd() % 3));
		return 1;
	case SYS_sbrk:
		n = as_int(a[0]);
		if (n > 0 && brk + (uint64)n > brk0 + HEAP_CAP)
			a[0] = with_int(a[0], (int)(rnd() % (brk0 + HEAP_CAP - brk + 1)));
		return 1;
	case SYS_pgaccess:
		a[2] = fix_out(a[2], 8);
		return 1;
	case SYS_vmprint:
		/* a whole table on the console: rarely */
		t = as_int(a[0]);
		if ((t == 0 || t == 1) && rnd() % 256 != 0)
			a[0] = with_int(a[0], 2);
		return 1;
	default:
		return 1;
	}
}

/* One random system call number: mostly 0..40, sometimes garbage above. */
static uint64
pick_num(void)
{
	uint64 r = rnd();

	if (r % 64 == 0)
		return (rnd() << 32) | (rnd() % NSYSCALLS); /* unknown: high bits set */
	if (r % 64 == 1)
		return (uint64) - (long)(1 + rnd() % 4);
	return r % NSYSCALLS;
}

/*
 * An argv for the final exec("nop"): a good one; a random pointer; or up
 * to 40 entries (the kernel takes 32) in vec, each a bad pointer or a
 * string of up to 5000 bytes (the strings must fit one page), NULL-ended
 * or not. Strings go into the heap scratch if the child's sbrk calls left
 * it mapped, else into bss_scratch.
 */
static char **
exec_argv(char *vec)
{
	static char *argv_nop[] = { "nop", "x", NULL };
	char **v = (char **)vec, *buf = heap_scratch, *str;
	uint64 size = HEAP_SCRATCH, n, len, i;

	switch (rnd() % 4) {
	case 0:
		return argv_nop;
	case 1:
		return (char **)pick_ptr();
	default:
		break;
	}
	if (!user_can((uint64)buf, size, PTE_W)) {
		buf = bss_scratch;
		size = SCRATCH;
	}
	n = rnd() % 41;
	for (i = 0; i < n; i++) {
		if (rnd() % 8 == 0) {
			v[i] = (char *)bad_ptr();
			continue;
		}
		len = rnd() % 2 ? rnd() % 16 : rnd() % 5000;
		if (len >= size)
			len = size - 1;
		str = buf + rnd() % (size - len);
		memset(str, 'a' + (int)(i % 26), len);
		str[len] = '\0';
		v[i] = str;
	}
	v[n] = rnd() % 16 ? NULL : (char *)bad_ptr();
	return v;
}

/* Does the kernel have a call with this number (syscall_nr.h)? */
static int
is_known(uint64 num)
{
	switch (num) {
	case SYS_fork:
	case SYS_exit:
	case SYS_wait:
	case SYS_read:
	case SYS_kill:
	case SYS_exec:
	case SYS_getpid:
	case SYS_sbrk:
	case SYS_sleep:
	case SYS_uptime:
	case SYS_write:
		return 1;
	default:
		return num >= SYS_pgaccess && num <= SYS_MAX;
	}
}

/* Reap whatever grandchildren are left (they exit at once). */
static void
reap_kids(void)
{
	while (wait(NULL) > 0)
		;
	nkids = 0;
}

static int
child(uint64 seed, int calls, enum final final, int status)
{
	char scratch[SCRATCH] __attribute__((aligned(16)));
	uint64 a[6], num, r;
	int i, j, expect_fail, unknown;

	rng = seed;
	stack_scratch = scratch;
	memset(scratch, 's', sizeof(scratch));
	mypid = getpid();
	brk = brk0 = (uint64)sbrk(0);
	for (i = 0; i < calls; i++) {
		do {
			num = pick_num();
			for (j = 0; j < 6; j++)
				a[j] = pick_arg();
			if (rnd() & 1)
				shape(num, a);
		} while (!sanitise(&num, a, &expect_fail));
		unknown = !is_known(num);
		r = rawcall(num, a);
		if (num == SYS_fork && r == 0)
			exit(0); /* grandchildren do nothing more */
		if (num == SYS_fork && (long)r > 0)
			kids[nkids++] = (int)r;
		if (num == SYS_wait && (long)r > 0)
			forget_kid((int)r);
		if (num == SYS_sbrk)
			brk = (uint64)sbrk(0);
		if ((unknown || expect_fail) && r != (uint64)-1)
			CFAIL("call %d: %lu(%lx, %lx, %lx) returned %lx, want -1\n", i, num, a[0],
			      a[1], a[2], r);
		if (num == SYS_getpid && r != (uint64)ugetpid())
			CFAIL("call %d: getpid() %ld, USYSCALL says %d\n", i, (long)r, ugetpid());
	}
	reap_kids();
	if (failures)
		exit(CHILD_FAILED);
	switch (final) {
	case FINAL_EXIT:
		exit(status);
	case FINAL_KILL:
		kill(mypid);
		CFAIL("kill(getpid()) returned\n");
		exit(CHILD_FAILED);
	case FINAL_EXEC:
		/* a random argv: exec works or fails, nop or we exit 0 */
		exec("nop", exec_argv(scratch));
		break;
	case FINAL_RETURN:
		break;
	}
	exit(0);
}

static int failed;

#define FAIL(...)                                          \
	do {                                               \
		fprintf(2, "sysfuzz: FAIL: " __VA_ARGS__); \
		failed++;                                  \
	} while (0)

/* Round r's final act and the status it must leave; from the seed alone. */
static enum final
final_of(uint64 rs, int *status)
{
	uint64 f = mix(rs);

	*status = 0;
	switch (f % 8) {
	case 5:
		*status = exit_statuses[(f >> 8) %
					(sizeof(exit_statuses) / sizeof(exit_statuses[0]))];
		return FINAL_EXIT;
	case 6:
		*status = KILLED;
		return FINAL_KILL;
	case 7:
		return FINAL_EXEC;
	default:
		return FINAL_RETURN;
	}
}

/* What the rounds add up to. */
struct tally {
	int kills;	/* children that ended with status -1 */
	int unexpected; /* of those, the ones that were not meant to */
	int orphans;	/* grandchildren left to us by a child that died */
};

/* A round's fuzzing children: who they are, what each must leave, what it did. */
struct fuzzers {
	int par;	   /* how many the round forks */
	int pid[MAX_PAR];  /* < 0: that fork failed */
	int want[MAX_PAR]; /* the exit status its final act leaves */
	int got[MAX_PAR];  /* the status wait() gave, -2 until then */
};

/*
 * Fork the watchdog: after WATCHDOG_TICKS it kills every fuzzing child
 * of f and exits DOG_FIRED, so a hang is reported, not waited out. Returns
 * its pid (< 0 if the fork failed); the caller kills it when all are done.
 */
static int
start_watchdog(const struct fuzzers *f, int r)
{
	int dog, k;

	dog = fork();
	if (dog == 0) {
		sleep(WATCHDOG_TICKS);
		for (k = 0; k < f->par; k++)
			if (f->pid[k] > 0)
				kill(f->pid[k]);
		exit(DOG_FIRED);
	}
	if (dog < 0)
		FAIL("round %d: fork of the watchdog failed\n", r);
	return dog;
}

/*
 * Compare each child's exit status with the one it must leave, and count
 * the kills in t: an unexpected kill (status -1) is reported but
 * tolerated, any other wrong status is a failure.
 */
static void
check_statuses(const struct fuzzers *f, uint64 seed, int r, struct tally *t)
{
	int k;

	for (k = 0; k < f->par; k++) {
		if (f->pid[k] < 0)
			continue;
		if (f->got[k] == KILLED)
			t->kills++;
		if (f->got[k] == f->want[k])
			continue;
		if (f->got[k] == KILLED) {
			t->unexpected++;
			printf("sysfuzz: round %d: child %d was killed (want status %d)\n", r, k,
			       f->want[k]);
		} else {
			FAIL("round %d (seed %lu): child %d: status %d, want %d\n", r, seed, k,
			     f->got[k], f->want[k]);
		}
	}
}

/*
 * Run round r: par fuzzing children at once (child k takes the seed of
 * stream r * par + k), and a watchdog that kills them all if the round
 * outlives WATCHDOG_TICKS.
 */
static void
run_round(uint64 seed, int r, int par, int calls, struct tally *t)
{
	struct fuzzers f;
	int left = 0, dog, dst = -2, who, st, k;
	uint64 rs;

	round_no = r;
	f.par = par;
	for (k = 0; k < par; k++) {
		enum final final;

		rs = round_seed(seed, r * par + k);
		final = final_of(rs, &f.want[k]);
		f.got[k] = -2;
		f.pid[k] = fork();
		if (f.pid[k] == 0)
			child(rs, calls, final, f.want[k]);
		if (f.pid[k] < 0)
			FAIL("round %d: fork failed\n", r);
		else
			left++;
	}
	dog = start_watchdog(&f, r);
	while (left > 0 || dog > 0) {
		who = wait(&st);
		if (who < 0) {
			FAIL("round %d: wait failed\n", r);
			return;
		}
		if (who == dog) {
			dst = st;
			dog = 0;
			continue;
		}
		for (k = 0; k < par && f.pid[k] != who; k++)
			;
		if (k == par) {
			t->orphans++; /* a grandchild left behind by a killed child */
			continue;
		}
		f.got[k] = st;
		if (--left == 0 && dog > 0)
			kill(dog);
	}
	if (dst == DOG_FIRED)
		FAIL("round %d (seed %lu): a child hung (%d ticks)\n", r, seed, WATCHDOG_TICKS);
	check_statuses(&f, seed, r, t);
	while (wait(NULL) > 0)
		t->orphans++;
}

/* The kernel still works: getpid, uptime, a fork of a trivial child. */
static void
check_alive(int r, int *last_uptime)
{
	int pid, st = -2, up = uptime();

	if (getpid() != ugetpid())
		FAIL("round %d: getpid() %d, USYSCALL says %d\n", r, getpid(), ugetpid());
	if (up < *last_uptime)
		FAIL("round %d: uptime went back from %d to %d\n", r, *last_uptime, up);
	*last_uptime = up;
	pid = fork();
	if (pid == 0)
		exit(TRIVIAL);
	if (pid < 0 || wait(&st) != pid || st != TRIVIAL)
		FAIL("round %d: fork/wait of a trivial child failed (pid %d, status %d)\n", r, pid,
		     st);
}

int
main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 400, calls = argc > 3 ? atoi(argv[3]) : 300;
	int par = argc > 4 ? atoi(argv[4]) : 1;
	uint64 seed = argc > 2 ? (uint64)atoi(argv[2]) : 1;
	int r, free0, free1, up = 0, t0, leaks = 0;
	struct tally t = { 0, 0, 0 };

	if (par < 1 || par > MAX_PAR || calls < 0) {
		fprintf(2, "usage: sysfuzz [rounds [seed [calls [1..%d children at once]]]]\n",
			MAX_PAR);
		return 2;
	}
	printf("sysfuzz: %d rounds of %d x %d calls, seed %lu (replay: sysfuzz %d %lu %d %d)\n",
	       rounds, par, calls, seed, rounds, seed, calls, par);
	/* The layout the children aim at; the heap scratch before the baseline. */
	heap_scratch = malloc(HEAP_SCRATCH);
	if (heap_scratch == NULL) {
		FAIL("malloc failed\n");
		return 1;
	}
	memset(heap_scratch, 'h', HEAP_SCRATCH);
	memset(bss_scratch, 'b', SCRATCH);
	text_hi = (uint64)etext;
	data_lo = PGROUNDUP(text_hi);
	data_hi = PGROUNDUP((uint64)end);
	stack_guard = stack_guard_page();
	stack_hi = PGROUNDUP((uint64)argv + 1); /* argv sits in the top stack page */
	heap_lo = stack_hi;
	if (stack_guard == 0 || stack_hi <= stack_guard) {
		FAIL("cannot find the stack (guard %lx, top %lx)\n", stack_guard, stack_hi);
		return 1;
	}
	brk = (uint64)sbrk(0);
	check_alive(-1, &up); /* warm up: the first fork */
	free0 = freepages();
	t0 = uptime();
	for (r = 0; r < rounds; r++) {
		run_round(seed, r, par, calls, &t);
		check_alive(r, &up);
		free1 = freepages();
		if (free1 != free0 && leaks++ < 5)
			FAIL("round %d (seed %lu): %d free pages, %d before the first round\n", r,
			     seed, free1, free0);
		if (failed > 20) {
			printf("sysfuzz: too many failures, stopping at round %d\n", r);
			break;
		}
	}
	free1 = freepages();
	printf("sysfuzz: %d rounds, %ld calls, %d children killed (%d unexpectedly), %d "
	       "orphans reaped, free pages %d -> %d, %d ticks\n",
	       r, (long)r * par * calls, t.kills, t.unexpected, t.orphans, free0, free1,
	       uptime() - t0);
	if (free1 != free0)
		FAIL("%d free pages at the end, %d at the start\n", free1, free0);
	if (failed) {
		printf("sysfuzz: %d FAILED (seed %lu)\n", failed, seed);
		return 1;
	}
	printf("sysfuzz: OK\n");
	return 0;
}
