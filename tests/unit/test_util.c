// SPDX-License-Identifier: GPL-2.0-or-later
/* test_util.c - name and number parsing, JSON members as Go's encoding/json finds them */
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

/* fold() - the member @key of the object @text as nn_json_get_fold() finds it, as JSON */
static char *fold(const char *text, const char *key)
{
	json_t *o = json_loads(text, 0, NULL);
	json_t *v;
	char *s;

	assert_non_null(o);
	v = nn_json_get_fold(o, key);
	s = v ? json_dumps(v, JSON_ENCODE_ANY) : strdup("(none)");
	json_decref(o);
	return s;
}

/* Go's json.Unmarshal into a struct: a key in any case fills the field, the last one wins */
static void members_are_found_in_any_case_the_last_counting(void **state)
{
	static const struct { const char *text, *key, *want; } cases[] = {
		{ "{\"proto\":\"tcp\"}", "proto", "\"tcp\"" },
		{ "{\"Proto\":\"tcp\"}", "proto", "\"tcp\"" },
		{ "{\"PARENTIP\":\"::1\"}", "parentIP", "\"::1\"" },
		{ "{\"parentip\":1}", "parentIP", "1" },
		/* Debian's rootlesskit 1.1 (Go 1.19) on these: the later key wins */
		{ "{\"PROTO\":\"udp\",\"proto\":\"tcp\"}", "proto", "\"tcp\"" },
		{ "{\"proto\":\"tcp\",\"PROTO\":\"udp\"}", "proto", "\"udp\"" },
		{ "{\"PROTO\":\"udp\",\"Proto\":\"tcp\"}", "proto", "\"tcp\"" },
		{ "{\"proto\":\"tcp\",\"proto\":\"udp\"}", "proto", "\"udp\"" },
		/* not the name: another length, another letter, not ASCII */
		{ "{\"protos\":\"tcp\"}", "proto", "(none)" },
		{ "{\"prot\":\"tcp\"}", "proto", "(none)" },
		{ "{\"chıldIP\":\"::1\"}", "childIP", "(none)" },
		{ "{\"pr@to\":\"tcp\"}", "proto", "(none)" },
		{ "{}", "proto", "(none)" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = fold(cases[i].text, cases[i].key);

		if (strcmp(got, cases[i].want))
			fail_msg("%s in %s: %s, not %s", cases[i].key, cases[i].text, got,
				 cases[i].want);
		free(got);
	}
	assert_null(nn_json_get_fold(NULL, "proto"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_with_slash_dotdot_or_too_long_are_refused),
		cmocka_unit_test(numbers_outside_the_range_are_refused),
		cmocka_unit_test(members_are_found_in_any_case_the_last_counting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
