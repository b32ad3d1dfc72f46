/* SPDX-License-Identifier: MIT */
/*
 * bootargs.c - the one parser of the kernel command line. Every reader of
 * the line (the boot sequence, the kernel tests, pid 1) goes through these
 * three calls, so they all agree on where a word ends and that "run="
 * swallows the rest of the line.
 */
#include "bootargs.h"
#include "kernel.h"

#define RUN_KEY "run"

/* Length of the word at w (up to a space or the end). */
static size_t
word_len(const char *w)
{
	size_t n = 0;

	while (w[n] && w[n] != ' ')
		n++;
	return n;
}

/* Does the word at w (of length n) name key, bare or as "key=..."? */
static int
word_is(const char *w, size_t n, const char *key)
{
	size_t klen = strlen(key);

	return n >= klen && !strncmp(w, key, klen) && (n == klen || w[klen] == '=');
}

/*
 * The word naming key, or NULL. The scan stops at run=, whose value is the
 * rest of the line and holds no kernel arguments.
 */
static const char *
find_word(const char *args, const char *key)
{
	for (const char *w = args; *w;) {
		size_t n;

		while (*w == ' ')
			w++;
		n = word_len(w);
		if (n && word_is(w, n, key))
			return w;
		if (n && word_is(w, n, RUN_KEY))
			return NULL;
		w += n;
	}
	return NULL;
}

const char *
bootarg_rest(const char *args, const char *key)
{
	const char *w = find_word(args, key);
	size_t klen = strlen(key);

	if (!w || w[klen] != '=')
		return NULL;
	return w + klen + 1;
}

int
bootarg_value(const char *args, const char *key, char *buf, size_t size)
{
	const char *w = find_word(args, key);
	size_t klen = strlen(key), n = 0;

	if (!w || w[klen] != '=' || size == 0)
		return 0;
	for (w += klen + 1; *w && *w != ' ' && n + 1 < size; w++)
		buf[n++] = *w;
	buf[n] = '\0';
	return 1;
}

int
bootarg_present(const char *args, const char *key)
{
	return find_word(args, key) != NULL;
}

const char *
bootarg_init_command(const char *args)
{
	const char *run = bootarg_rest(args, RUN_KEY);

	return run ? run : "sh";
}
