// SPDX-License-Identifier: GPL-2.0-or-later
/* test_userns.c - subordinate ID ranges as newuidmap and RootlessKit read them (subuid(5)) */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/nest/userns.h"

static char path[] = "/tmp/test_userns.XXXXXX";
static char dir[] = "/tmp/test_userns_d.XXXXXX";
static char fake[64]; /* a fake getsubids(1) in @dir */

static int write_file(const char *p, const char *text, mode_t mode)
{
	FILE *f = fopen(p, "w");

	if (!f || fputs(text, f) < 0)
		return -1;
	return fclose(f) || chmod(p, mode) ? -1 : 0;
}

static int setup(void **state)
{
	int fd = mkstemp(path);

	(void)state;
	if (fd < 0 || close(fd) < 0 || !mkdtemp(dir))
		return -1;
	snprintf(fake, sizeof(fake), "%s/getsubids", dir);
	/* a getsubids that answers for "alice" and for uid 1001 (-g: other ranges), and
	 * fails for any other owner as shadow's does ("Error fetching ranges", exit 1) */
	if (write_file(fake,
		       "#!/bin/sh\n"
		       "g=; [ \"$1\" = -g ] && { g=1; shift; }\n"
		       "case $1$g in\n"
		       "alice) echo '0: alice 100000 65536'; echo '1: alice 500000 10' ;;\n"
		       "1001) echo '0: 1001 500000 10' ;;\n"
		       "alice1) echo '0: alice 700000 65536' ;;\n"
		       "garbage) echo 'no ranges here'; echo '0: x 5'; echo '1 x 5 6' ;;\n"
		       "*) echo 'Error fetching ranges' >&2; exit 1 ;;\n"
		       "esac\n",
		       0755) < 0)
		return -1;
	return write_file(path,
			  "# comment\n"
			  "bob:x:1\n"
			  "carol:5000\n"
			  "alice:100000:65536\n"
			  "1002:200000:1000\n"
			  "alice:900000:10\n"
			  "dave:0:10\n"
			  "erin:300000:0\n"
			  "frank:4294967290:100\n"
			  "1001:900000:10\n"
			  "1001:950000:20\n"
			  "\n"
			  ":1:2\n"
			  "1001:1:2:3\n"
			  "1001::5\n",
			  0644);
}

static int teardown(void **state)
{
	(void)state;
	unlink(fake);
	rmdir(dir);
	return unlink(path);
}

static void assert_range(const struct nn_subids *s, size_t i, unsigned long start,
			 unsigned long count)
{
	assert_true(i < s->n);
	assert_int_equal(s->r[i].start, start);
	assert_int_equal(s->r[i].count, count);
}

static void every_range_of_a_user_by_name_and_by_uid_comes_in_file_order(void **state)
{
	struct nn_subids s = { 0 };

	(void)state;
	assert_int_equal(nn_subid_file(path, "alice", 1001, &s), 0);
	/* alice:900000:10 and 1001:900000:10 are one range, kept where it first came */
	assert_int_equal(s.n, 3);
	assert_range(&s, 0, 100000, 65536);
	assert_range(&s, 1, 900000, 10);
	assert_range(&s, 2, 950000, 20);
}

static void a_user_is_found_by_uid_alone(void **state)
{
	struct nn_subids s = { 0 };

	(void)state;
	assert_int_equal(nn_subid_file(path, "erin", 1002, &s), 0);
	assert_int_equal(s.n, 1);
	assert_range(&s, 0, 200000, 1000);
	s.n = 0;
	assert_int_equal(nn_subid_file(path, NULL, 1002, &s), 0);
	assert_int_equal(s.n, 1);
	assert_range(&s, 0, 200000, 1000);
}

static void malformed_lines_and_missing_users_give_no_range(void **state)
{
	struct nn_subids s = { 0 };

	(void)state;
	/* "x" is no number, carol has no count, dave starts at 0, erin counts 0, frank runs
	 * past 2^32 - 2, and nntest2 has no line */
	for (const char *const *u = (const char *const[]){ "bob", "carol", "dave", "erin", "frank",
							    "nntest2", NULL };
	     *u; u++) {
		assert_int_equal(nn_subid_file(path, *u, 1003, &s), 0);
		assert_int_equal(s.n, 0);
	}
	assert_int_equal(nn_subid_file(path, "", 1003, &s), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(nn_subid_file("/nonexistent/subuid", "alice", 1001, &s), -ENOENT);
}

static void identical_ranges_are_kept_once_and_the_list_has_an_end(void **state)
{
	struct nn_subids s = { 0 };

	(void)state;
	assert_int_equal(nn_subid_add(&s, 100, 10), 1);
	assert_int_equal(nn_subid_add(&s, 100, 10), 0);
	assert_int_equal(nn_subid_add(&s, 100, 11), 1);
	assert_int_equal(s.n, 2);
	for (unsigned long i = 2; i < NN_SUBID_MAX; i++)
		assert_int_equal(nn_subid_add(&s, 1000 * i, 10), 1);
	assert_int_equal(nn_subid_add(&s, 1, 1), -E2BIG);
	assert_int_equal(nn_subid_add(&s, 100, 10), 0);
	assert_int_equal(s.n, NN_SUBID_MAX);
}

static void getsubids_output_is_parsed_and_bad_lines_skipped(void **state)
{
	struct nn_subids s = { 0 };

	(void)state;
	assert_int_equal(nn_subid_parse_getsubids("0: nnrk 165536 65536\n"
						  "1: nnrk 300000 65536\n"
						  "2: nnrk 400000 1000\n"
						  "3: nnrk 400000 1000\n" /* the uid-keyed twin */
						  "Error fetching ranges\n"
						  "4: nnrk 5\n"
						  "5 nnrk 6 7\n"
						  "6: nnrk 8 9 10\n"
						  "7: nnrk 0 9\n"
						  "8: nnrk 600000 20",
						  &s),
			 0);
	assert_int_equal(s.n, 4);
	assert_range(&s, 0, 165536, 65536);
	assert_range(&s, 1, 300000, 65536);
	assert_range(&s, 2, 400000, 1000);
	assert_range(&s, 3, 600000, 20);
	s.n = 0;
	assert_int_equal(nn_subid_parse_getsubids("", &s), 0);
	assert_int_equal(s.n, 0);
}

static void a_range_holding_the_users_own_id_or_an_earlier_range_is_left_out(void **state)
{
	struct nn_subids s = { 0 };
	char notice[512] = "";

	(void)state;
	nn_subid_add(&s, 100000, 65536);
	nn_subid_add(&s, 1000, 10);     /* holds uid 1003 */
	nn_subid_add(&s, 165000, 1000); /* overlaps the first */
	nn_subid_add(&s, 300000, 10);
	assert_int_equal(nn_subid_check(&s, 1003, "subuid", notice, sizeof(notice)), 2);
	assert_int_equal(s.n, 2);
	assert_range(&s, 0, 100000, 65536);
	assert_range(&s, 1, 300000, 10);
	assert_string_equal(notice,
			    "subuid range 1000-1009 (10 IDs) holds the user's own ID, which ID 0 "
			    "maps: left out; subuid range 165000-165999 (1000 IDs) overlaps an "
			    "earlier range: left out");
	/* the edges of the own ID: just below and just above the range are fine */
	s.n = 0;
	notice[0] = '\0';
	nn_subid_add(&s, 1004, 10);
	nn_subid_add(&s, 993, 10);
	assert_int_equal(nn_subid_check(&s, 1003, "subgid", notice, sizeof(notice)), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(notice, "");
}

static void ranges_that_do_not_fit_the_id_space_when_packed_are_left_out(void **state)
{
	struct nn_subids s = { 0 };
	char notice[256] = "";

	(void)state;
	nn_subid_add(&s, 1, 4000000000UL);
	nn_subid_add(&s, 4000000001UL, 294967295UL); /* packed from 4000000001: past 2^32 - 2 */
	nn_subid_add(&s, 4000000001UL, 294967294UL); /* ends at ID 4294967294 exactly */
	assert_int_equal(nn_subid_check(&s, 0, "subuid", notice, sizeof(notice)), 1);
	assert_int_equal(s.n, 2);
	assert_range(&s, 1, 4000000001UL, 294967294UL);
	assert_non_null(strstr(notice, "does not fit"));
}

static void subid_sources_are_named_as_rootlesskit_names_them(void **state)
{
	enum nn_subid_source src = NN_SUBID_STATIC;

	(void)state;
	assert_int_equal(nn_subid_source_parse("auto", &src), 0);
	assert_int_equal(src, NN_SUBID_AUTO);
	assert_int_equal(nn_subid_source_parse("dynamic", &src), 0);
	assert_int_equal(src, NN_SUBID_DYNAMIC);
	assert_int_equal(nn_subid_source_parse("static", &src), 0);
	assert_int_equal(src, NN_SUBID_STATIC);
	assert_int_equal(nn_subid_source_parse("bogus", &src), -EINVAL);
	assert_int_equal(nn_subid_source_parse("", &src), -EINVAL);
	assert_int_equal(nn_subid_source_parse("Static", &src), -EINVAL);
}

static void the_dynamic_source_asks_getsubids_by_name_and_by_uid(void **state)
{
	struct nn_subids s = { 0 };
	const char *from = NULL;

	(void)state;
	setenv("GETSUBIDS", fake, 1);
	assert_int_equal(nn_subid_lookup(NN_SUBID_DYNAMIC, false, "alice", 1001, &s, &from), 0);
	assert_string_equal(from, "getsubids");
	assert_int_equal(s.n, 2); /* 500000 10 came twice */
	assert_range(&s, 0, 100000, 65536);
	assert_range(&s, 1, 500000, 10);
	assert_int_equal(nn_subid_lookup(NN_SUBID_DYNAMIC, true, "alice", 1001, &s, &from), 0);
	assert_string_equal(from, "getsubids -g");
	assert_int_equal(s.n, 1);
	assert_range(&s, 0, 700000, 65536);
	/* a user getsubids knows nothing of: no range, and no error */
	assert_int_equal(nn_subid_lookup(NN_SUBID_DYNAMIC, false, "zed", 4242, &s, &from), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(nn_subid_lookup(NN_SUBID_DYNAMIC, false, "garbage", 4242, &s, &from), 0);
	assert_int_equal(s.n, 0);
	/* auto takes getsubids when $GETSUBIDS names one */
	assert_int_equal(nn_subid_lookup(NN_SUBID_AUTO, false, "alice", 1001, &s, &from), 0);
	assert_string_equal(from, "getsubids");
	assert_int_equal(s.n, 2);
	/* no getsubids at all: an error for dynamic, the files for auto */
	setenv("GETSUBIDS", "/nonexistent/getsubids", 1);
	assert_int_equal(nn_subid_lookup(NN_SUBID_DYNAMIC, false, "alice", 1001, &s, &from),
			 -ENOENT);
	assert_int_equal(nn_subid_lookup(NN_SUBID_AUTO, false, "nn-no-such-user", 4242, &s,
					 &from),
			 0);
	assert_string_equal(from, "/etc/subuid");
	assert_int_equal(s.n, 0);
	/* static never runs getsubids */
	setenv("GETSUBIDS", fake, 1);
	assert_int_equal(nn_subid_lookup(NN_SUBID_STATIC, true, "alice", 1001, &s, &from), 0);
	assert_string_equal(from, "/etc/subgid");
	unsetenv("GETSUBIDS");
}

static void a_helper_that_cannot_work_is_named_with_the_reason(void **state)
{
	char why[256], p[96];

	(void)state;
	assert_int_equal(nn_idmap_helper_check("/nonexistent/newuidmap", why, sizeof(why)),
			 -ENOENT);
	assert_string_equal(why, "/nonexistent/newuidmap is missing");
	/* an executable with no setuid bit (made by this unprivileged test: nobody's setuid) */
	snprintf(p, sizeof(p), "%s/newuidmap", dir);
	assert_int_equal(write_file(p, "#!/bin/sh\n", 0755), 0);
	assert_int_equal(nn_idmap_helper_check(p, why, sizeof(why)), -EACCES);
	assert_string_equal(why + strlen(p), " cannot work: it has neither the setuid bit "
			    "(owner root) nor a file capability");
	assert_int_equal(chmod(p, 0644), 0);
	assert_int_equal(nn_idmap_helper_check(p, why, sizeof(why)), -ENOENT);
	assert_string_equal(why + strlen(p), " is not executable");
	unlink(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_range_of_a_user_by_name_and_by_uid_comes_in_file_order),
		cmocka_unit_test(a_user_is_found_by_uid_alone),
		cmocka_unit_test(malformed_lines_and_missing_users_give_no_range),
		cmocka_unit_test(identical_ranges_are_kept_once_and_the_list_has_an_end),
		cmocka_unit_test(getsubids_output_is_parsed_and_bad_lines_skipped),
		cmocka_unit_test(a_range_holding_the_users_own_id_or_an_earlier_range_is_left_out),
		cmocka_unit_test(ranges_that_do_not_fit_the_id_space_when_packed_are_left_out),
		cmocka_unit_test(subid_sources_are_named_as_rootlesskit_names_them),
		cmocka_unit_test(the_dynamic_source_asks_getsubids_by_name_and_by_uid),
		cmocka_unit_test(a_helper_that_cannot_work_is_named_with_the_reason),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
