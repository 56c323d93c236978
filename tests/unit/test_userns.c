// SPDX-License-Identifier: GPL-2.0-or-later
/* test_userns.c - subordinate ID ranges as newuidmap reads them (subuid(5)) */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/nest/userns.h"

static char path[] = "/tmp/test_userns.XXXXXX";

static int write_subuid(void **state)
{
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	(void)state;
	if (!f)
		return -1;
	fputs("# comment\n"
	      "bob:x:1\n"
	      "carol:5000\n"
	      "alice:100000:65536\n"
	      "1002:200000:1000\n"
	      "alice:900000:10\n"
	      "dave:0:10\n",
	      f);
	return fclose(f);
}

static int remove_subuid(void **state)
{
	(void)state;
	return unlink(path);
}

static void a_user_is_found_by_name_and_the_first_range_wins(void **state)
{
	unsigned long start, count;

	(void)state;
	assert_int_equal(nn_subid_range(path, "alice", 1001, &start, &count), 0);
	assert_int_equal(start, 100000);
	assert_int_equal(count, 65536);
}

static void a_user_is_found_by_uid(void **state)
{
	unsigned long start, count;

	(void)state;
	assert_int_equal(nn_subid_range(path, "erin", 1002, &start, &count), 0);
	assert_int_equal(start, 200000);
	assert_int_equal(count, 1000);
	assert_int_equal(nn_subid_range(path, NULL, 1002, &start, &count), 0);
	assert_int_equal(start, 200000);
}

static void malformed_lines_and_missing_users_give_no_range(void **state)
{
	unsigned long start, count;

	(void)state;
	assert_int_equal(nn_subid_range(path, "bob", 1003, &start, &count), -ENOENT);
	assert_int_equal(nn_subid_range(path, "carol", 1004, &start, &count), -ENOENT);
	assert_int_equal(nn_subid_range(path, "dave", 1005, &start, &count), -ENOENT);
	assert_int_equal(nn_subid_range(path, "nntest2", 1006, &start, &count), -ENOENT);
	assert_int_equal(nn_subid_range("/nonexistent/subuid", "alice", 1001, &start, &count),
			 -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_user_is_found_by_name_and_the_first_range_wins),
		cmocka_unit_test(a_user_is_found_by_uid),
		cmocka_unit_test(malformed_lines_and_missing_users_give_no_range),
	};

	return cmocka_run_group_tests(tests, write_subuid, remove_subuid);
}
