// SPDX-License-Identifier: GPL-2.0-or-later
/* test_state.c - the sandbox records of a state dir as the inspector and a stale nest read
 * them; the record a nest that stopped itself leaves */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/proc.h"
#include "lib/core/state.h"

struct fixture {
	char dir[64]; /* the state dir; records go to dir/sandboxes */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char sub[96];

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_state.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(sub, sizeof(sub), "%s/sandboxes", f->dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* put_top(f, FILE, TEXT): write dir/FILE */
static void put_top(const struct fixture *f, const char *file, const char *text)
{
	char path[160];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", f->dir, file);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
}

/* put(f, FILE, TEXT): write dir/sandboxes/FILE */
static void put(const struct fixture *f, const char *file, const char *text)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "sandboxes/%s", file);
	put_top(f, rel, text);
}

/* the start time of this process, field 22 of /proc/self/stat */
static unsigned long long my_starttime(void)
{
	struct nn_proc_stat st;

	assert_int_equal(nn_proc_stat(getpid(), &st, NULL), 0);
	return st.starttime;
}

static void a_record_the_daemon_wrote_gives_name_pid_and_start_time(void **state)
{
	struct fixture *f = *state;
	struct nn_sandbox_rec rec;
	struct nn_err err = { 0 };
	char text[512];

	/* every field of sandbox.h's record; only four are read */
	snprintf(text, sizeof(text),
		 "{\"name\": \"web\", \"pid\": %d, \"starttime\": %llu, \"ip\": \"10.4.0.2\", "
		 "\"prefix\": 24, \"gateway\": \"10.4.0.1\", \"veth\": \"veth1a2b3c4d\", "
		 "\"ifname\": \"eth0\", \"mac\": \"d2:4c:19:7e:05:b3\", \"netns\": 4026532301, "
		 "\"ports\": [], \"command\": [\"sleep\", \"60\"]}\n",
		 (int)getpid(), my_starttime());
	put(f, "web.json", text);
	assert_int_equal(nn_state_sandbox_read(f->dir, "web", &rec, &err), 0);
	assert_string_equal(rec.name, "web");
	assert_int_equal(rec.pid, getpid());
	assert_true(rec.starttime == my_starttime());
	assert_true(rec.netns == 4026532301ULL);
	assert_true(nn_state_sandbox_live(&rec));
	/* the same PID with another start time is a reused PID, not the sandbox */
	rec.starttime++;
	assert_false(nn_state_sandbox_live(&rec));
	/* a record without a start time cannot tell: the PID is taken as it is */
	rec.starttime = 0;
	assert_true(nn_state_sandbox_live(&rec));
}

static void a_record_without_a_pid_is_refused_and_names_the_file(void **state)
{
	static const char *const bad[] = {
		"{\"name\": \"web\", \"starttime\": 5}",
		"{\"name\": \"web\", \"pid\": 0, \"starttime\": 5}",
		"{\"name\": \"web\", \"pid\": -3}",
		"{\"name\": \"web\", \"pid\": \"42\"}",
		"{\"name\": \"web\", \"pid\": 4294967297}",
		"{\"name\": \"web\", \"pid\": 1.5}",
		"[1, 2]",
	};
	struct fixture *f = *state;
	struct nn_sandbox_rec rec;
	char want[160];

	snprintf(want, sizeof(want), "read %s/sandboxes/web.json: no \"pid\"", f->dir);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct nn_err err = { 0 };

		put(f, "web.json", bad[i]);
		assert_int_equal(nn_state_sandbox_read(f->dir, "web", &rec, &err), -EINVAL);
		assert_int_equal(err.code, EINVAL);
		assert_string_equal(err.msg, want);
	}
}

static void a_file_that_is_not_json_is_refused_with_jansson_s_reason(void **state)
{
	static const char *const bad[] = { "", "not json", "{\"pid\": 12", "42" };
	struct fixture *f = *state;
	struct nn_sandbox_rec rec;
	char want[160];

	snprintf(want, sizeof(want), "read %s/sandboxes/web.json: ", f->dir);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct nn_err err = { 0 };

		put(f, "web.json", bad[i]);
		assert_int_equal(nn_state_sandbox_read(f->dir, "web", &rec, &err), -EINVAL);
		assert_int_equal(strncmp(err.msg, want, strlen(want)), 0);
		/* jansson says why, after the path */
		assert_true(strlen(err.msg) > strlen(want));
	}
}

static void a_missing_record_is_enoent_and_names_the_path(void **state)
{
	struct fixture *f = *state;
	struct nn_sandbox_rec rec;
	struct nn_err err = { 0 };
	char want[160], dir[96];

	snprintf(want, sizeof(want), "%s/sandboxes/nope.json: No such file or directory", f->dir);
	assert_int_equal(nn_state_sandbox_read(f->dir, "nope", &rec, &err), -ENOENT);
	assert_int_equal(err.code, ENOENT);
	assert_string_equal(err.msg, want);
	/* no sandboxes dir at all (no sandbox ever ran): the same */
	snprintf(dir, sizeof(dir), "%s/sandboxes", f->dir);
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(nn_state_sandbox_read(f->dir, "nope", &rec, NULL), -ENOENT);
}

static void a_bad_sandbox_name_is_refused_before_any_file_is_opened(void **state)
{
	struct fixture *f = *state;
	struct nn_sandbox_rec rec;
	struct nn_err err = { 0 };

	put(f, "x.json", "{\"pid\": 1}");
	assert_int_equal(nn_state_sandbox_read(f->dir, "../sandboxes/x", &rec, &err), -EINVAL);
	assert_string_equal(err.msg, "sandbox name '../sandboxes/x' contains '/'");
	assert_int_equal(nn_state_sandbox_read(f->dir, "..", &rec, NULL), -EINVAL);
	assert_int_equal(nn_state_sandbox_read(f->dir, "", &rec, NULL), -EINVAL);
}

static void a_record_without_a_name_takes_the_file_s(void **state)
{
	struct fixture *f = *state;
	struct nn_sandbox_rec rec;

	put(f, "db.json", "{\"pid\": 77}");
	assert_int_equal(nn_state_sandbox_read(f->dir, "db", &rec, NULL), 0);
	assert_string_equal(rec.name, "db");
	assert_int_equal(rec.pid, 77);
	assert_true(rec.starttime == 0);
	assert_true(rec.netns == 0);
	put(f, "db.json", "{\"pid\": 77, \"name\": 5, \"starttime\": -1}");
	assert_int_equal(nn_state_sandbox_read(f->dir, "db", &rec, NULL), 0);
	assert_string_equal(rec.name, "db");
	assert_true(rec.starttime == 0);
}

struct seen {
	char names[8][NN_NAME_MAX + 1];
	pid_t pids[8];
	size_t n;
	size_t stop_after; /* return 7 from the callback after this many; 0: never */
};

static int collect(const struct nn_sandbox_rec *rec, void *arg)
{
	struct seen *s = arg;

	assert_true(s->n < 8);
	snprintf(s->names[s->n], sizeof(s->names[s->n]), "%s", rec->name);
	s->pids[s->n++] = rec->pid;
	return s->stop_after && s->n == s->stop_after ? 7 : 0;
}

static pid_t pid_of(const struct seen *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->names[i], name))
			return s->pids[i];
	return 0;
}

static void the_walk_visits_every_record_and_skips_what_is_not_one(void **state)
{
	struct fixture *f = *state;
	struct seen s = { 0 };
	char sub[128];

	put(f, "a.json", "{\"name\": \"a\", \"pid\": 11, \"starttime\": 1}");
	put(f, "b.json", "{\"name\": \"b\", \"pid\": 12}");
	put(f, "broken.json", "{");
	put(f, "nopid.json", "{\"name\": \"nopid\"}");
	put(f, "notes.txt", "{\"name\": \"notes\", \"pid\": 13}");
	put(f, ".json", "{\"pid\": 14}");
	put(f, "b.json.tmp", "{\"name\": \"b\", \"pid\": 15}"); /* nn_write_file()'s temp */
	snprintf(sub, sizeof(sub), "%s/sandboxes/dir.json", f->dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(nn_state_sandboxes(f->dir, collect, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(pid_of(&s, "a"), 11);
	assert_int_equal(pid_of(&s, "b"), 12);
	/* a non-zero return stops the walk and is returned */
	s = (struct seen){ .stop_after = 1 };
	assert_int_equal(nn_state_sandboxes(f->dir, collect, &s), 7);
	assert_int_equal(s.n, 1);
}

static void the_walk_of_a_nest_without_a_sandboxes_dir_visits_nothing(void **state)
{
	struct fixture *f = *state;
	struct seen s = { 0 };
	char sub[96];

	snprintf(sub, sizeof(sub), "%s/sandboxes", f->dir);
	assert_int_equal(rmdir(sub), 0);
	assert_int_equal(nn_state_sandboxes(f->dir, collect, &s), 0);
	assert_int_equal(nn_state_sandboxes("/nonexistent/netnest/x", collect, &s), 0);
	assert_int_equal(s.n, 0);
}

static void the_stopped_record_reads_back_its_time_and_reason_one_line(void **state)
{
	struct fixture *f = *state;
	struct nn_state_stopped rec;
	char path[160], line[600];
	struct stat st;
	FILE *fp;
	int dfd = open(f->dir, O_RDONLY | O_DIRECTORY);

	assert_true(dfd >= 0);
	assert_int_equal(nn_state_stopped_read(f->dir, &rec), -ENOENT);
	/* a newline in the reason would make two lines of it */
	assert_int_equal(nn_state_stopped_write(dfd,
						"the network engine netnest-engine "
						"(pid 42) was killed\nby signal 9 (Killed)",
						NULL),
			 0);
	close(dfd);
	assert_int_equal(nn_state_stopped_read(f->dir, &rec), 0);
	assert_string_equal(rec.why, "the network engine netnest-engine (pid 42) was killed by "
				     "signal 9 (Killed)");
	/* 2026-12-03T14:05:07Z */
	assert_int_equal(strlen(rec.when), 20);
	assert_int_equal(rec.when[4], '-');
	assert_int_equal(rec.when[10], 'T');
	assert_int_equal(rec.when[19], 'Z');
	snprintf(path, sizeof(path), "%s/stopped", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0444);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(line, sizeof(line), fp));
	assert_null(fgets(line + strlen(line), 2, fp));
	fclose(fp);
	assert_int_equal(line[strlen(line) - 1], '\n');
	assert_int_equal(strncmp(line, rec.when, 20), 0);
	assert_string_equal(line + 21, "the network engine netnest-engine (pid 42) was killed by "
				       "signal 9 (Killed)\n");
}

static void a_stopped_file_that_is_not_time_and_reason_is_refused(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {
		"",
		"\n",
		"2026-12-03T14:05:07Z",
		"2026-12-03T14:05:07Z \n",
		" why\n",
		"2026-12-03T14:05:07Z one\ntwo\n",
		"2026-12-03T14:05:07Z-and-much-too-long-for-a-time why\n",
	};
	struct nn_state_stopped rec;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put_top(f, "stopped", bad[i]);
		assert_int_equal(nn_state_stopped_read(f->dir, &rec), -EINVAL);
	}
	put_top(f, "stopped", "2026-12-03T14:05:07Z why\n");
	assert_int_equal(nn_state_stopped_read(f->dir, &rec), 0);
	assert_string_equal(rec.when, "2026-12-03T14:05:07Z");
	assert_string_equal(rec.why, "why");
}

static void clearing_a_stopped_nest_s_dir_leaves_lock_log_and_stopped(void **state)
{
	struct fixture *f = *state;
	char path[160];
	int dfd = open(f->dir, O_RDONLY | O_DIRECTORY);

	assert_true(dfd >= 0);
	put(f, "s1.json", "{\"pid\": 1}");
	for (const char *const *n = (const char *const[]){ "lock", "log", "stopped", "child_pid",
							   "engine_pid", "userns", NULL };
	     *n; n++)
		put_top(f, *n, "x\n");
	nn_state_clear_stopped(dfd);
	close(dfd);
	for (const char *const *n = (const char *const[]){ "lock", "log", "stopped", NULL }; *n;
	     n++) {
		snprintf(path, sizeof(path), "%s/%s", f->dir, *n);
		assert_int_equal(access(path, F_OK), 0);
	}
	for (const char *const *n = (const char *const[]){ "child_pid", "engine_pid", "userns",
							   "sandboxes", NULL };
	     *n; n++) {
		snprintf(path, sizeof(path), "%s/%s", f->dir, *n);
		assert_int_equal(access(path, F_OK), -1);
	}
}

/* each test gets a fresh state dir */
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(a_record_the_daemon_wrote_gives_name_pid_and_start_time),
		T(a_record_without_a_pid_is_refused_and_names_the_file),
		T(a_file_that_is_not_json_is_refused_with_jansson_s_reason),
		T(a_missing_record_is_enoent_and_names_the_path),
		T(a_bad_sandbox_name_is_refused_before_any_file_is_opened),
		T(a_record_without_a_name_takes_the_file_s),
		T(the_walk_visits_every_record_and_skips_what_is_not_one),
		T(the_walk_of_a_nest_without_a_sandboxes_dir_visits_nothing),
		T(the_stopped_record_reads_back_its_time_and_reason_one_line),
		T(a_stopped_file_that_is_not_time_and_reason_is_refused),
		T(clearing_a_stopped_nest_s_dir_leaves_lock_log_and_stopped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
