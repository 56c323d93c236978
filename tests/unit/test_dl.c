// SPDX-License-Identifier: GPL-2.0-or-later
/* test_dl.c - a library that cannot be loaded is not taken for a missing file */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "lib/core/dl.h"
#include "lib/core/util.h"

static void a_missing_library_is_elibacc_not_enoent(void **state)
{
	static const char *const names[] = { "json_object" };
	struct nn_err err = { 0 };
	void *fn;

	(void)state;
	/* nn_client_nest_request() reads -ENOENT as "no api.sock": "no nest named X" */
	assert_int_equal(nn_dl_load("libnetnest-no-such.so.0", names, &fn, 1, NULL, &err),
			 -ELIBACC);
	assert_int_equal(err.code, ELIBACC);
	assert_int_equal(strncmp(err.msg, "load libnetnest-no-such.so.0: ", 30), 0);
}

static void a_missing_symbol_is_elibbad(void **state)
{
	static const char *const names[] = { "json_object", "nn_no_such_symbol" };
	struct nn_err err = { 0 };
	void *fns[2];

	(void)state;
	assert_int_equal(nn_dl_load("libjansson.so.4", names, fns, 2, NULL, &err), -ELIBBAD);
	assert_int_equal(err.code, ELIBBAD);
	assert_string_equal(err.msg, "load libjansson.so.4: no symbol nn_no_such_symbol");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_missing_library_is_elibacc_not_enoent),
		cmocka_unit_test(a_missing_symbol_is_elibbad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
