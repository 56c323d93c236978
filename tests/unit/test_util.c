// SPDX-License-Identifier: GPL-2.0-or-later
/* test_util.c - name and number parsing */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "lib/core/util.h"

static void names_with_slash_dotdot_or_too_long_are_refused(void **state)
{
	const char *why;
	char longname[80];

	(void)state;
	assert_true(nn_valid_name("web", 64, &why));
	assert_true(nn_valid_name("a-b_c.1", 64, &why));
	assert_false(nn_valid_name("", 64, &why));
	assert_false(nn_valid_name("a/b", 64, &why));
	assert_string_equal(why, "contains '/'");
	assert_false(nn_valid_name("a..b", 64, &why));
	assert_string_equal(why, "contains '..'");
	assert_false(nn_valid_name("-x", 64, &why));
	memset(longname, 'a', 65);
	longname[65] = '\0';
	assert_false(nn_valid_name(longname, 64, &why));
	assert_string_equal(why, "is longer than 64 bytes");
	longname[64] = '\0';
	assert_true(nn_valid_name(longname, 64, &why));
}

static void numbers_outside_the_range_are_refused(void **state)
{
	unsigned long v;

	(void)state;
	assert_int_equal(nn_parse_uint("80", 1, 65535, &v), 0);
	assert_int_equal(v, 80);
	assert_int_equal(nn_parse_uint("65535", 1, 65535, &v), 0);
	assert_int_equal(nn_parse_uint("65536", 1, 65535, &v), -ERANGE);
	assert_int_equal(nn_parse_uint("0", 1, 65535, &v), -ERANGE);
	assert_int_equal(nn_parse_uint("abc", 1, 65535, &v), -EINVAL);
	assert_int_equal(nn_parse_uint("", 1, 65535, &v), -EINVAL);
	assert_int_equal(nn_parse_uint("-1", 0, 65535, &v), -EINVAL);
	assert_int_equal(nn_parse_uint("99999999999999999999999", 0, 65535, &v), -ERANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_with_slash_dotdot_or_too_long_are_refused),
		cmocka_unit_test(numbers_outside_the_range_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
