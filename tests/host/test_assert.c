/* SPDX-License-Identifier: MIT */
/*
 * SV39_ASSERT is on in every host test build: a prepare step that counted
 * fewer tables than its apply step takes, or more, traps. Each case runs in
 * a forked child built on the library's internal transaction calls and must
 * die by a signal; a clean reserve/take/finish must not.
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "txn.h"
#include "testutil.h"

/* Apply takes one table more than prepare counted. */
static void
take_too_many(struct sv39_space *s)
{
	struct sv39_txn t;

	sv39_txn_init_(&t, s);
	t.need = 1;
	if (sv39_txn_reserve_(&t) != 0)
		exit(3);
	(void)sv39_txn_take_(&t);
	(void)sv39_txn_take_(&t); /* the reserve is empty: must trap */
}

/* Apply takes one table fewer than prepare counted. */
static void
take_too_few(struct sv39_space *s)
{
	struct sv39_txn t;

	sv39_txn_init_(&t, s);
	t.need = 2;
	if (sv39_txn_reserve_(&t) != 0)
		exit(3);
	s->ops->free_table(s->ctx, sv39_txn_take_(&t));
	sv39_txn_finish_(&t); /* one page still reserved: must trap */
}

/* The counts agree. */
static void
take_exact(struct sv39_space *s)
{
	struct sv39_txn t;

	sv39_txn_init_(&t, s);
	t.need = 2;
	if (sv39_txn_reserve_(&t) != 0)
		exit(3);
	s->ops->free_table(s->ctx, sv39_txn_take_(&t));
	s->ops->free_table(s->ctx, sv39_txn_take_(&t));
	sv39_txn_finish_(&t);
}

/* Run fn in a child; true when the child died by a signal. */
static bool
dies(void (*fn)(struct sv39_space *s))
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		struct ramops r;
		struct sv39_space s;

		t_env_init(&r, 16, 0);
		if (!t_space(&r, &s))
			_exit(2);
		fn(&s);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return false;
	return WIFSIGNALED(status);
}

int
main(void)
{
	check_begin("reserve guard");
	CHECK(dies(take_too_many));
	CHECK(dies(take_too_few));
	CHECK(!dies(take_exact));
	return check_finish();
}
