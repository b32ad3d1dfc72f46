/* SPDX-License-Identifier: MIT */
/*
 * test_publish_order - a table is complete before it becomes reachable.
 *
 * A checker thread plays another hart's walker: it reads the tree with
 * acquire loads (a hardware walk follows each pointer, so it sees what was
 * stored before the pointer was published) while the main thread maps a
 * range into an empty part of a space with sv39_map, or mirrors it there
 * with sv39_clone_range. Every table the checker can reach must already
 * hold its final contents for the range: at level 1 a pointer in every
 * slot of the range, at level 0 exactly the leaf the call is writing.
 * A call that links a new table and then fills it lets the checker see a
 * half-filled table. (On the host, x86's store order makes "fill, then
 * link" enough; on RISC-V the fence before the link is also needed, and
 * tests/host/check-fence.py checks that the riscv64 library has it.)
 *
 * Both with the range's level-1 table created by the call (only the root
 * entry makes it reachable) and with it already live (each new level-0
 * table becomes reachable on its own). The checker pauses while the main thread unmaps, so that it never reads
 * a table page after it was freed.
 *
 * Usage: test_publish_order [ITERATIONS] (default 1000 per operation).
 */
#include <pthread.h>

#include "testutil.h"

#define VA 0x0000000040000000ULL
#define SIZE (64 * MEGA) /* 32 level-0 tables under one new level-1 table */
#define PA 0x0000000100000000ULL
#define ANCHOR (VA + GIGA - PG) /* same level-1 table, another level-0 one */
#define PERM (SV39_PTE_R | SV39_PTE_W)

struct shared {
	struct ramops *r;
	sv39_pa_t root;	 /* of the space being filled */
	uint64_t bits;	 /* non-PPN bits of every leaf the call writes */
	bool l1_fresh;	 /* the call creates the level-1 table too */
	int go, busy;	 /* seq_cst handshake: checker walks only while go */
	int stop;	 /* the checker ends */
	unsigned seen;	 /* checker: level-0 tables it found linked and checked */
	unsigned errors; /* checker: incomplete tables seen */
	char first[160]; /* the first error, for the log */
};

static sv39_pte_t *
table_at(struct shared *sh, sv39_pa_t pa)
{
	return (sv39_pte_t *)(void *)(sh->r->mem + (pa - RAMOPS_PA_BASE));
}

static sv39_pte_t
load(const sv39_pte_t *slot)
{
	return __atomic_load_n(slot, __ATOMIC_ACQUIRE);
}

static void
bad(struct shared *sh, const char *what, sv39_va_t va, sv39_pte_t e)
{
	if (sh->errors++ == 0)
		snprintf(sh->first, sizeof(sh->first), "%s at va 0x%llx: pte 0x%llx", what,
			 (unsigned long long)va, (unsigned long long)e);
}

/* One walk of [VA, VA + SIZE): every reachable table must be complete. */
static void
check_once(struct shared *sh)
{
	sv39_pte_t e2 = load(&table_at(sh, sh->root)[(VA >> 30) & 511]);
	const sv39_pte_t *l1;

	if (!(e2 & SV39_PTE_V))
		return; /* nothing published yet */
	l1 = table_at(sh, sv39_pte_pa(e2));
	for (sv39_va_t va = VA; va < VA + SIZE; va += MEGA) {
		sv39_pte_t e1 = load(&l1[(va >> 21) & 511]);
		const sv39_pte_t *l0;

		if (!(e1 & SV39_PTE_V) && !sh->l1_fresh)
			continue; /* a live level-1 table: this one is not linked yet */
		if (!(e1 & SV39_PTE_V) || sv39_pte_is_leaf(e1)) {
			bad(sh, "level-1 table reachable before it is filled", va, e1);
			return;
		}
		sh->seen++;
		l0 = table_at(sh, sv39_pte_pa(e1));
		for (unsigned i = 0; i < 512; i++) {
			sv39_va_t pva = va + (uint64_t)i * PG;
			sv39_pte_t want = sv39_pte_make(PA + (pva - VA), sh->bits);
			sv39_pte_t e0 = load(&l0[i]);

			if (e0 != want) {
				bad(sh, "level-0 table reachable before it is filled", pva, e0);
				return;
			}
		}
	}
}

static void *
checker(void *arg)
{
	struct shared *sh = arg;

	while (!__atomic_load_n(&sh->stop, __ATOMIC_SEQ_CST)) {
		if (!__atomic_load_n(&sh->go, __ATOMIC_SEQ_CST))
			continue;
		__atomic_store_n(&sh->busy, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&sh->go, __ATOMIC_SEQ_CST))
			check_once(sh);
		__atomic_store_n(&sh->busy, 0, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

/*
 * Let the checker walk s (whose new leaves carry bits) until quiesce.
 * l1_fresh: the call creates the range's level-1 table.
 */
static void
release_checker(struct shared *sh, const struct sv39_space *s, uint64_t bits, bool l1_fresh)
{
	sh->root = s->root;
	sh->bits = bits;
	sh->l1_fresh = l1_fresh;
	__atomic_store_n(&sh->go, 1, __ATOMIC_SEQ_CST);
}

/* Stop the checker walking and wait until it is out of the tables. */
static void
quiesce(struct shared *sh)
{
	__atomic_store_n(&sh->go, 0, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&sh->busy, __ATOMIC_SEQ_CST))
		;
}

/*
 * With anchor, one page mapped elsewhere in the same gigabyte keeps the
 * level-1 table alive: the calls then link new level-0 tables into a table
 * a walker can already reach. Without, they create the level-1 table too.
 */
static void
run_map(struct ramops *r, struct shared *sh, unsigned iterations, bool anchor)
{
	struct sv39_space s;

	check_begin(anchor ? "sv39_map, live level-1 table" : "sv39_map, new level-1 table");
	if (!t_space(r, &s))
		return;
	if (anchor)
		CHECK_EQ(sv39_map(&s, ANCHOR, PA, PG, PERM, 0), 0);
	for (unsigned k = 0; k < iterations; k++) {
		release_checker(sh, &s, t_leaf_flags(PERM, 0), !anchor);
		CHECK_EQ(sv39_map(&s, VA, PA, SIZE, PERM, 0), 0);
		quiesce(sh);
		CHECK_EQ(sv39_unmap(&s, VA, SIZE, 0), 0);
	}
	t_destroy(r, &s, 0);
}

static void
run_clone(struct ramops *r, struct shared *sh, unsigned iterations, bool anchor)
{
	struct sv39_space src, dst;

	check_begin(anchor ? "sv39_clone_range, live level-1 table"
			   : "sv39_clone_range, new level-1 table");
	if (!t_space(r, &src) || !t_space(r, &dst))
		return;
	CHECK_EQ(sv39_map(&src, VA, PA, SIZE, PERM | SV39_PTE_U, 0), 0);
	if (anchor)
		CHECK_EQ(sv39_map(&dst, ANCHOR, PA, PG, PERM, 0), 0);
	for (unsigned k = 0; k < iterations; k++) {
		release_checker(sh, &dst, t_leaf_flags(PERM, 0), !anchor);
		CHECK_EQ(sv39_clone_range(&dst, &src, VA, SIZE, SV39_PTE_U, 0), 0);
		quiesce(sh);
		CHECK_EQ(sv39_unmap(&dst, VA, SIZE, 0), 0);
	}
	t_destroy(r, &dst, 0);
	t_destroy(r, &src, 0);
}

/* Run one of the above; the checker's errors are its own. */
static void
run(struct ramops *r, struct shared *sh, unsigned iterations, bool clone, bool anchor)
{
	sh->errors = 0;
	if (clone)
		run_clone(r, sh, iterations, anchor);
	else
		run_map(r, sh, iterations, anchor);
	if (!CHECK_EQ(sh->errors, 0))
		printf("%u incomplete tables seen, first: %s\n", sh->errors, sh->first);
}

int
main(int argc, char **argv)
{
	static struct shared sh;
	unsigned iterations = argc > 1 ? (unsigned)atoi(argv[1]) : 1000;
	struct ramops r;
	pthread_t th;

	t_env_init(&r, 256, 0);
	sh.r = &r;
	if (!CHECK_EQ(pthread_create(&th, NULL, checker, &sh), 0))
		return 1;
	for (int clone = 0; clone < 2; clone++)
		for (int anchor = 0; anchor < 2; anchor++)
			run(&r, &sh, iterations, clone, anchor);
	__atomic_store_n(&sh.stop, 1, __ATOMIC_SEQ_CST);
	pthread_join(th, NULL);
	printf("level-0 tables the checker found linked and complete: %u\n", sh.seen);
	t_env_fini(&r);
	ramops_fini(&r);
	return check_finish();
}
