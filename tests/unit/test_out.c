// SPDX-License-Identifier: GPL-2.0-or-later
/* test_out.c - one print call renders the same fields as text and as JSON */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

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

/* the nn_out calls of one document, with the jansson tree they meant alongside (@j) */
static void document(struct nn_out *o, json_t *j)
{
	static const char *const texts[] = {
		"plain",
		"",
		"quote \" backslash \\ slash /",
		"tab\tnl\ncr\rbs\bff\f",
		"\x01\x1f\x7f esc\x1b",
		"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7",
		"bad \xff \xc3 \xed\xa0\x80 \xc0\xaf \xf4\x90\x80\x80 end",
	};
	json_t *arr = json_array(), *obj = json_object(), *inner = json_array();

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		char key[16];

		snprintf(key, sizeof(key), "s%zu", i);
		nn_out_string(o, key, NULL, texts[i]);
		json_object_set_new(j, key, nn_json_text(texts[i]));
	}
	nn_out_string(o, "null", NULL, NULL);
	json_object_set_new(j, "null", json_null());
	nn_out_uint(o, "big", NULL, UINT64_MAX);
	json_object_set_new(j, "big", json_integer((json_int_t)UINT64_MAX));
	nn_out_int(o, "min", NULL, INT64_MIN);
	json_object_set_new(j, "min", json_integer(INT64_MIN));
	nn_out_int(o, "zero", NULL, 0);
	json_object_set_new(j, "zero", json_integer(0));
	nn_out_bool(o, "t", NULL, true);
	json_object_set_new(j, "t", json_true());
	nn_out_null(o, "n", NULL);
	json_object_set_new(j, "n", json_null());
	nn_out_open_array(o, "empty_array");
	nn_out_close(o);
	json_object_set_new(j, "empty_array", json_array());
	nn_out_open_object(o, "empty_object");
	nn_out_close(o);
	json_object_set_new(j, "empty_object", json_object());
	nn_out_open_array(o, "arr");
	nn_out_int(o, "ignored", NULL, -7);
	json_array_append_new(arr, json_integer(-7));
	nn_out_string(o, NULL, NULL, "x");
	json_array_append_new(arr, json_string("x"));
	nn_out_open_object(o, NULL);
	nn_out_bool(o, "f", NULL, false);
	json_object_set_new(obj, "f", json_false());
	nn_out_open_array(o, "inner");
	nn_out_null(o, NULL, NULL);
	json_array_append_new(inner, json_null());
	nn_out_close(o);
	json_object_set_new(obj, "inner", inner);
	nn_out_close(o);
	json_array_append_new(arr, obj);
	nn_out_close(o);
	json_object_set_new(j, "arr", arr);
}

static void json_is_laid_out_as_jansson_dumps_it(void **state)
{
	char *buf = NULL, *want;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct nn_out *o = nn_out_new(f, true);
	json_t *j = json_object();

	(void)state;
	document(o, j);
	assert_int_equal(nn_out_finish(o), 0);
	fclose(f);
	/* the layout nn_out_finish() had when it was json_dumpf() of such a tree, and a "\n" */
	want = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	assert_non_null(want);
	assert_int_equal(len, strlen(want) + 1);
	assert_memory_equal(buf, want, strlen(want));
	assert_int_equal(buf[len - 1], '\n');
	free(want);
	json_decref(j);
	free(buf);
}

static void json_leaves_out_members_without_keys_and_closes_what_is_open(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct nn_out *o = nn_out_new(f, true);

	(void)state;
	nn_out_close(o); /* the root stays open */
	nn_out_uint(o, NULL, "text only %llu", 1);
	nn_out_open_object(o, NULL); /* an object's member without a key: left out, */
	nn_out_uint(o, "inside", NULL, 2); /* with all it holds */
	nn_out_open_array(o, "deeper");
	nn_out_uint(o, NULL, NULL, 3);
	nn_out_close(o);
	nn_out_close(o);
	nn_out_string(o, "kept", NULL, "yes");
	nn_out_open_array(o, "open");
	nn_out_open_object(o, NULL);
	nn_out_uint(o, "n", NULL, 4);
	assert_int_equal(nn_out_finish(o), 0);
	fclose(f);
	assert_string_equal(buf, "{\n  \"kept\": \"yes\",\n  \"open\": [\n    {\n      \"n\": 4\n"
				 "    }\n  ]\n}\n");
	free(buf);
}

static void empty_json_document_is_an_empty_object(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_int_equal(nn_out_finish(nn_out_new(f, true)), 0);
	fclose(f);
	assert_string_equal(buf, "{}\n");
	free(buf);
}

static void words_a_shell_reads_back_stay_on_one_line(void **state)
{
	char out[64] = "";

	(void)state;
	nn_shell_word(out, sizeof(out), "sh");
	strcat(out, " ");
	nn_shell_word(out, sizeof(out), "-c");
	strcat(out, " ");
	nn_shell_word(out, sizeof(out), "echo 'hi'\nthere");
	strcat(out, " ");
	nn_shell_word(out, sizeof(out), "");
	strcat(out, " ");
	nn_shell_word(out, sizeof(out), "a=b,c/d:e@f%g+h_i.j-k");
	assert_string_equal(out, "sh -c 'echo '\\''hi'\\''?there' '' a=b,c/d:e@f%g+h_i.j-k");
	/* cut at the buffer's end, still terminated */
	char small[6] = "";
	nn_shell_word(small, sizeof(small), "a b c d");
	assert_string_equal(small, "'a b ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(words_a_shell_reads_back_stay_on_one_line),
		cmocka_unit_test(text_prints_each_field_with_its_format),
		cmocka_unit_test(json_keeps_keys_and_array_elements_without_keys),
		cmocka_unit_test(json_shows_bytes_that_are_not_utf8_as_escapes),
		cmocka_unit_test(json_is_laid_out_as_jansson_dumps_it),
		cmocka_unit_test(json_leaves_out_members_without_keys_and_closes_what_is_open),
		cmocka_unit_test(empty_json_document_is_an_empty_object),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
