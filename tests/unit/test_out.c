// SPDX-License-Identifier: GPL-2.0-or-later
/* test_out.c - one print call renders the same fields as text and as JSON */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/core/out.h"

static char *render(bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct nn_out *o = nn_out_new(f, json);

	nn_out_string(o, "name", "%s ", "web");
	nn_out_uint(o, "pid", "%u\n", 42);
	nn_out_open_array(o, "pids");
	nn_out_uint(o, NULL, NULL, 7);
	nn_out_uint(o, NULL, NULL, 8);
	nn_out_close(o);
	nn_out_bool(o, "up", "up=%s\n", true);
	assert_int_equal(nn_out_finish(o), 0);
	fclose(f);
	return buf;
}

static void text_prints_each_field_with_its_format(void **state)
{
	char *s = render(false);

	(void)state;
	assert_string_equal(s, "web 42\nup=yes\n");
	free(s);
}

static void json_keeps_keys_and_array_elements_without_keys(void **state)
{
	char *s = render(true);

	(void)state;
	assert_non_null(strstr(s, "\"name\": \"web\""));
	assert_non_null(strstr(s, "\"pid\": 42"));
	assert_non_null(strstr(s, "\"pids\": [\n    7,\n    8\n  ]"));
	assert_non_null(strstr(s, "\"up\": true"));
	free(s);
}

static void json_shows_bytes_that_are_not_utf8_as_escapes(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct nn_out *o = nn_out_new(f, true);

	(void)state;
	nn_out_string(o, "name", NULL, "try1\xff\xc3\xa9");
	assert_int_equal(nn_out_finish(o), 0);
	fclose(f);
	/* the stray byte becomes the text \xff; the valid "\u00e9" stays as it is */
	assert_non_null(strstr(buf, "\"name\": \"try1\\\\xff\xc3\xa9\""));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(text_prints_each_field_with_its_format),
		cmocka_unit_test(json_keeps_keys_and_array_elements_without_keys),
		cmocka_unit_test(json_shows_bytes_that_are_not_utf8_as_escapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
