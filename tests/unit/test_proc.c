// SPDX-License-Identifier: GPL-2.0-or-later
/* test_proc.c - /proc/PID/stat parsing, and reading our own process, unprivileged */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/core/proc.h"

/* A real line (Linux 6.1, cat), 52 fields: tpgid -1, starttime 98765 (field 22). */
static const char cat_line[] =
	"1234 (cat) S 1 1234 1234 34816 -1 4194304 100 0 0 0 0 0 0 0 20 0 1 0 98765 "
	"5828608 250 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 3 0 0 0 0 0 0 0 0 0 0 0 "
	"0 0\n";

static void a_stat_line_gives_pid_comm_state_ppid_and_start_time(void **state)
{
	struct nn_proc_stat st;

	(void)state;
	assert_int_equal(nn_proc_stat_parse(cat_line, strlen(cat_line), &st), 0);
	assert_int_equal(st.pid, 1234);
	assert_string_equal(st.comm, "cat");
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.ppid, 1);
	assert_true(st.starttime == 98765);
}

static void a_comm_with_spaces_and_parentheses_ends_at_the_last_one(void **state)
{
	static const char line[] =
		"42 (a) b (c)) Z 7 0 0 0 -1 0 0 0 0 0 0 0 0 0 -2 -5 1 0 555 0 0\n";
	static const char nl[] = "43 (two\nlines) R 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 7 0\n";
	struct nn_proc_stat st;

	(void)state;
	assert_int_equal(nn_proc_stat_parse(line, strlen(line), &st), 0);
	assert_int_equal(st.pid, 42);
	assert_string_equal(st.comm, "a) b (c)");
	assert_int_equal(st.state, 'Z');
	assert_int_equal(st.ppid, 7);
	assert_true(st.starttime == 555);
	assert_int_equal(nn_proc_stat_parse(nl, strlen(nl), &st), 0);
	assert_string_equal(st.comm, "two\nlines");
	assert_int_equal(st.state, 'R');
	assert_true(st.starttime == 7);
}

static void a_cut_off_line_is_refused_at_every_length(void **state)
{
	/* the start time ends where its trailing space is; any shorter text is refused */
	size_t full = strlen(cat_line), need = strstr(cat_line, " 98765 ") - cat_line + 7;
	struct nn_proc_stat st;

	(void)state;
	for (size_t len = 0; len < need; len++)
		assert_int_equal(nn_proc_stat_parse(cat_line, len, &st), -EINVAL);
	/* the bytes after @len exist but are never read: a longer start time is not seen */
	for (size_t len = need; len <= full; len++) {
		assert_int_equal(nn_proc_stat_parse(cat_line, len, &st), 0);
		assert_true(st.starttime == 98765);
	}
}

static void text_that_is_not_a_stat_line_is_refused(void **state)
{
	static const char *const bad[] = {
		"", "abc", "1234", "1234 (cat", "1234 cat) S 1", "(cat) S 1 2 3",
		"0 (cat) S 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9 0\n",     /* PID 0 */
		"x1 (cat) S 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9 0\n",    /* not a number */
		"1 (cat) SS 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9 0\n",    /* two-letter state */
		"1 (cat)  S 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9 0\n",    /* double space */
		"1 (cat) S -1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9 0\n",    /* negative ppid */
		"1 (cat) S 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 -9 0\n",    /* negative start */
		"1 (cat) S 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99999999999999999999 0\n",
		"1 (cat) S 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0\n",         /* 21 fields */
	};
	struct nn_proc_stat st;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(nn_proc_stat_parse(bad[i], strlen(bad[i]), &st), -EINVAL);
}

static void our_own_process_reads_back_as_itself(void **state)
{
	struct nn_proc_stat st, again;
	struct nn_err err = { 0 };
	char comm[NN_PROC_COMM_MAX], exe[PATH_MAX];
	char *cmd = NULL;

	(void)state;
	assert_int_equal(nn_proc_stat(getpid(), &st, &err), 0);
	assert_int_equal(st.pid, getpid());
	assert_int_equal(st.ppid, getppid());
	assert_int_equal(st.state, 'R');
	assert_true(st.starttime > 0);
	assert_int_equal(nn_proc_stat(getpid(), &again, NULL), 0);
	assert_true(again.starttime == st.starttime);
	assert_int_equal(nn_proc_comm(getpid(), comm, sizeof(comm), NULL), 0);
	assert_string_equal(comm, "test_proc");
	assert_string_equal(st.comm, "test_proc");
	assert_false(nn_proc_exited(getpid()));
	assert_int_equal(nn_proc_cmdline(getpid(), &cmd, NULL), 0);
	assert_non_null(strstr(cmd, "test_proc"));
	free(cmd);
	assert_int_equal(nn_proc_exe(getpid(), exe, sizeof(exe), NULL), 0);
	assert_non_null(strrchr(exe, '/'));
	assert_string_equal(strrchr(exe, '/'), "/test_proc");
	assert_int_equal(nn_proc_exe(getpid(), exe, 4, NULL), 0);
	assert_int_equal(strlen(exe), 3);
}

static void a_zombie_has_exited_and_a_reaped_process_is_gone(void **state)
{
	struct nn_proc_stat st;
	struct nn_err err = { 0 };
	char *cmd = (char *)"x";
	siginfo_t si;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	/* wait for the exit but leave the zombie (WNOWAIT) */
	assert_int_equal(waitid(P_PID, pid, &si, WEXITED | WNOWAIT), 0);
	assert_true(nn_proc_exited(pid));
	assert_int_equal(nn_proc_stat(pid, &st, NULL), 0);
	assert_int_equal(st.state, 'Z');
	assert_int_equal(st.ppid, getpid());
	assert_int_equal(nn_proc_cmdline(pid, &cmd, &err), -ENODATA);
	assert_null(cmd);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_false(nn_proc_exited(pid));
	assert_int_equal(nn_proc_stat(pid, &st, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "/stat"));
}

static void an_environment_block_gives_the_first_value_of_a_name(void **state)
{
	static const char env[] = "PATH=/bin\0ROOTLESSKIT_STATE_DIRX=no\0EMPTY=\0"
				  "ROOTLESSKIT_STATE_DIR=/tmp/rootlesskit1\0"
				  "ROOTLESSKIT_STATE_DIR=/second\0=x\0NOEQUALS\0LAST=cut";
	char v[32];

	(void)state;
	assert_int_equal(
		nn_proc_env_find(env, sizeof(env) - 1, "ROOTLESSKIT_STATE_DIR", v, sizeof(v)), 0);
	assert_string_equal(v, "/tmp/rootlesskit1");
	assert_int_equal(nn_proc_env_find(env, sizeof(env) - 1, "PATH", v, sizeof(v)), 0);
	assert_string_equal(v, "/bin");
	assert_int_equal(nn_proc_env_find(env, sizeof(env) - 1, "EMPTY", v, sizeof(v)), 0);
	assert_string_equal(v, "");
	/* the last entry needs no NUL; nothing past @len is read */
	assert_int_equal(nn_proc_env_find(env, sizeof(env) - 1, "LAST", v, sizeof(v)), 0);
	assert_string_equal(v, "cut");
	assert_int_equal(nn_proc_env_find(env, sizeof(env) - 2, "LAST", v, sizeof(v)), 0);
	assert_string_equal(v, "cu");
	/* a name is whole: no prefix, no suffix, no entry without '=' */
	assert_int_equal(nn_proc_env_find(env, sizeof(env) - 1, "ROOTLESSKIT", v, sizeof(v)),
			 -ENOENT);
	assert_int_equal(nn_proc_env_find(env, sizeof(env) - 1, "NOEQUALS", v, sizeof(v)), -ENOENT);
	assert_int_equal(nn_proc_env_find(env, 0, "PATH", v, sizeof(v)), -ENOENT);
	/* a value that does not fit is refused, not cut */
	assert_int_equal(nn_proc_env_find(env, sizeof(env) - 1, "ROOTLESSKIT_STATE_DIR", v, 17),
			 -ENAMETOOLONG);
	assert_string_equal(v, "");
	assert_int_equal(nn_proc_env_find(env, sizeof(env) - 1, "ROOTLESSKIT_STATE_DIR", v, 18), 0);
	assert_string_equal(v, "/tmp/rootlesskit1");
}

static void a_child_s_environment_is_the_one_it_was_started_with(void **state)
{
	char *const argv[] = { (char *)"sleep", (char *)"10", NULL };
	char *const envp[] = { (char *)"A=1", (char *)"ROOTLESSKIT_STATE_DIR=/tmp/rk 1", NULL };
	struct nn_err err = { 0 };
	char comm[NN_PROC_COMM_MAX] = "", v[64];
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execve("/bin/sleep", argv, envp);
		_exit(127);
	}
	/* execve() sets the comm before it lays out the new stack: until then
	 * environ reads empty (fs/exec.c begin_new_exec, then create_elf_tables
	 * sets mm->env_start), so wait for the environment itself */
	for (int i = 0; i < 2000 && (strcmp(comm, "sleep") ||
				     nn_proc_getenv(pid, "A", v, sizeof(v), NULL)); i++) {
		usleep(1000);
		nn_proc_comm(pid, comm, sizeof(comm), NULL);
	}
	assert_string_equal(comm, "sleep");
	assert_string_equal(v, "1");
	assert_int_equal(nn_proc_getenv(pid, "ROOTLESSKIT_STATE_DIR", v, sizeof(v), &err), 0);
	assert_string_equal(v, "/tmp/rk 1");
	assert_int_equal(nn_proc_getenv(pid, "PATH", v, sizeof(v), &err), -ENOENT);
	assert_int_equal(err.code, ENOENT);
	assert_non_null(strstr(err.msg, "/environ: PATH is not set"));
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(nn_proc_getenv(pid, "A", v, sizeof(v), NULL), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_stat_line_gives_pid_comm_state_ppid_and_start_time),
		cmocka_unit_test(a_comm_with_spaces_and_parentheses_ends_at_the_last_one),
		cmocka_unit_test(a_cut_off_line_is_refused_at_every_length),
		cmocka_unit_test(text_that_is_not_a_stat_line_is_refused),
		cmocka_unit_test(our_own_process_reads_back_as_itself),
		cmocka_unit_test(a_zombie_has_exited_and_a_reaped_process_is_gone),
		cmocka_unit_test(an_environment_block_gives_the_first_value_of_a_name),
		cmocka_unit_test(a_child_s_environment_is_the_one_it_was_started_with),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
