/* SPDX-License-Identifier: MIT */
/*
 * sh - the interactive shell: `prog args...` runs a built-in program
 * (fork, exec, wait) and shows its exit status when it is not 0.
 * Shell commands: help, halt [code].
 */
#include "user.h"
#include "user_program_names.h" /* generated: USER_PROGRAM_NAMES */

#define MAXLINE 128
#define MAXARGS 16

static const char *const programs[] = { USER_PROGRAM_NAMES };
#define NPROGRAMS ((int)(sizeof(programs) / sizeof(programs[0])))

static void
list_programs(void)
{
	int i;

	printf("programs:");
	for (i = 0; i < NPROGRAMS; i++)
		printf(" %s", programs[i]);
	printf("\n");
}

static void
help(void)
{
	printf("run a program:  NAME [ARGS...]\n"
	       "shell commands: help, halt [CODE] (power off)\n");
	list_programs();
}

/* Split line into blank-separated words, in place; returns their count. */
static int
split(char *line, char *argv[], int max)
{
	int argc = 0;

	for (;;) {
		while (*line == ' ' || *line == '\t' || *line == '\n' || *line == '\r')
			*line++ = '\0';
		if (*line == '\0' || argc == max - 1)
			break;
		argv[argc++] = line;
		while (*line != '\0' && *line != ' ' && *line != '\t' && *line != '\n' &&
		       *line != '\r')
			line++;
	}
	argv[argc] = NULL;
	return argc;
}

/*
 * Wait for the command's own process. The shell is pid 1, so orphans
 * become its children: one that exits meanwhile is reaped here quietly,
 * not taken for the command. 0, or -1 if the command cannot be waited for.
 */
static int
wait_for(int pid, int *status)
{
	for (;;) {
		int got = wait(status);

		if (got == pid)
			return 0;
		if (got < 0)
			return -1;
	}
}

static void
run(char *argv[])
{
	int pid, status = 0;

	pid = fork();
	if (pid < 0) {
		fprintf(2, "sh: fork failed\n");
		return;
	}
	if (pid == 0) {
		exec(argv[0], argv);
		fprintf(2, "sh: %s: no such program (try help)\n", argv[0]);
		exit(127);
	}
	if (wait_for(pid, &status))
		fprintf(2, "sh: wait failed\n");
	else if (status == -1)
		printf("[%s: status -1 (killed?)]\n", argv[0]);
	else if (status != 0 && status != 127)
		printf("[%s: exit status %d]\n", argv[0], status);
}

int
main(void)
{
	static char line[MAXLINE];
	char *argv[MAXARGS];
	int argc;

	printf("\nsv39 shell: type a program name, or help\n");
	list_programs();
	for (;;) {
		printf("$ ");
		gets(line, sizeof(line));
		if (line[0] == '\0')
			break; /* end of input */
		if (strchr(line, '\n') == NULL && strchr(line, '\r') == NULL &&
		    strlen(line) == sizeof(line) - 1) {
			while (gets(line, sizeof(line))[0] != '\0' && strchr(line, '\n') == NULL &&
			       strchr(line, '\r') == NULL)
				;
			fprintf(2, "sh: line too long (at most %d characters)\n", MAXLINE - 2);
			continue;
		}
		argc = split(line, argv, MAXARGS);
		if (argc == 0)
			continue;
		if (strcmp(argv[0], "help") == 0)
			help();
		else if (strcmp(argv[0], "halt") == 0)
			fprintf(2, "sh: halt failed (%d)\n", halt(argc > 1 ? atoi(argv[1]) : 0));
		else
			run(argv);
	}
	return 0;
}
