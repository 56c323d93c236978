// SPDX-License-Identifier: GPL-2.0-or-later
/* test_err.c - error objects: the code and the return value cannot disagree */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "lib/core/err.h"

static void nn_err_appends_the_errno_text_and_returns_its_negative(void **state)
{
	struct nn_err err = { 0 };
	char want[128];

	(void)state;
	snprintf(want, sizeof(want), "open /x/y: %s", strerror(ENOENT));
	assert_int_equal(nn_err(&err, ENOENT, "open %s", "/x/y"), -ENOENT);
	assert_int_equal(err.code, ENOENT);
	assert_string_equal(err.msg, want);
	/* a negative errno (-r of a callee) is taken as the same errno */
	assert_int_equal(nn_err(&err, -EACCES, "bind"), -EACCES);
	assert_int_equal(err.code, EACCES);
}

static void nn_err_with_errno_0_records_eio(void **state)
{
	struct nn_err err = { 0 };
	char want[128];

	(void)state;
	snprintf(want, sizeof(want), "read x: %s", strerror(EIO));
	assert_int_equal(nn_err(&err, 0, "read x"), -EIO);
	assert_int_equal(err.code, EIO);
	assert_string_equal(err.msg, want);
}

static void nn_errx_appends_nothing_and_returns_the_negative_code(void **state)
{
	struct nn_err err = { 0 };

	(void)state;
	assert_int_equal(nn_errx(&err, EEXIST, "sandbox %s already exists", "web"), -EEXIST);
	assert_int_equal(err.code, EEXIST);
	assert_string_equal(err.msg, "sandbox web already exists");
	assert_int_equal(nn_errx(&err, -ENOTTY, "not a namespace"), -ENOTTY);
	assert_int_equal(err.code, ENOTTY);
	assert_int_equal(nn_errx(&err, 0, "no code"), -EIO);
	assert_int_equal(err.code, EIO);
	assert_string_equal(err.msg, "no code");
}

static void nn_err_wrap_keeps_the_code(void **state)
{
	struct nn_err err = { 0 };

	(void)state;
	nn_errx(&err, ENOENT, "no sandbox named web");
	assert_int_equal(nn_err_wrap(&err, "stop %s", "web"), -ENOENT);
	assert_int_equal(err.code, ENOENT);
	assert_string_equal(err.msg, "stop web: no sandbox named web");
	nn_err(&err, EPERM, "mount");
	assert_int_equal(nn_err_wrap(&err, "a"), -EPERM);
	assert_int_equal(nn_err_wrap(&err, "b"), -EPERM);
	assert_int_equal(strncmp(err.msg, "b: a: mount: ", 13), 0);
}

static void a_null_error_object_still_gives_the_code(void **state)
{
	(void)state;
	assert_int_equal(nn_err(NULL, ENOMEM, "x"), -ENOMEM);
	assert_int_equal(nn_err(NULL, 0, "x"), -EIO);
	assert_int_equal(nn_errx(NULL, ENOTCONN, "x"), -ENOTCONN);
	assert_int_equal(nn_errx(NULL, 0, "x"), -EIO);
	assert_int_equal(nn_err_wrap(NULL, "x"), -EIO);
}

static void long_messages_are_cut_to_the_buffer(void **state)
{
	static char big[3 * NN_ERR_MSG];
	struct nn_err err = { 0 };

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	assert_int_equal(nn_err(&err, EINVAL, "%s", big), -EINVAL);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(strlen(err.msg), NN_ERR_MSG - 1);
	assert_int_equal(nn_errx(&err, E2BIG, "%s", big), -E2BIG);
	assert_int_equal(strlen(err.msg), NN_ERR_MSG - 1);
	/* a message that just fits gets what of ": why" fits after it */
	big[NN_ERR_MSG - 4] = '\0';
	assert_int_equal(nn_err(&err, EINVAL, "%s", big), -EINVAL);
	assert_int_equal(strlen(err.msg), NN_ERR_MSG - 1);
	assert_int_equal(strncmp(err.msg + NN_ERR_MSG - 4, ": ", 2), 0);
	big[NN_ERR_MSG - 4] = 'a';
	/* wrapping a full message keeps the context and cuts the rest */
	assert_int_equal(nn_err_wrap(&err, "ctx"), -EINVAL);
	assert_int_equal(strlen(err.msg), NN_ERR_MSG - 1);
	assert_int_equal(strncmp(err.msg, "ctx: aaa", 8), 0);
	assert_int_equal(nn_err_wrap(&err, "%s", big), -EINVAL);
	assert_int_equal(strlen(err.msg), NN_ERR_MSG - 1);
	assert_int_equal(err.code, EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nn_err_appends_the_errno_text_and_returns_its_negative),
		cmocka_unit_test(nn_err_with_errno_0_records_eio),
		cmocka_unit_test(nn_errx_appends_nothing_and_returns_the_negative_code),
		cmocka_unit_test(nn_err_wrap_keeps_the_code),
		cmocka_unit_test(a_null_error_object_still_gives_the_code),
		cmocka_unit_test(long_messages_are_cut_to_the_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
