// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_sandbox.c - the parser of POST /netnest/v1/sandboxes (nn_sandbox_parse_create()):
 * what `netnest run` sends is accepted as it is, and every bad body is refused with -EINVAL
 * and the message the API answers with.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "lib/nest/sandbox.h"
#include "lib/nest/sandbox_internal.h"

/* refused() - @text is refused with -EINVAL and exactly @msg */
static void refused(const char *text, const char *msg)
{
	json_t *body = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
	struct nn_err err = { 0 };
	struct create_req req;

	if (text && !body)
		fail_msg("test body is not JSON: %s", text);
	assert_int_equal(nn_sandbox_parse_create(body, &req, &err), -EINVAL);
	assert_int_equal(err.code, EINVAL);
	if (strcmp(err.msg, msg))
		fail_msg("body %s: message \"%s\", not \"%s\"", text, err.msg, msg);
	json_decref(body);
}

static void what_run_sends_is_accepted(void **state)
{
	json_t *body = json_pack("{s:s, s:i, s:[s,s], s:[s,s,s]}", "name", "web", "pid", 4242,
				 "publish", "8080:80", "127.0.0.1:8443:443/tcp",
				 "command", "nginx", "-g", "daemon off;");
	struct nn_err err = { 0 };
	struct create_req req;

	(void)state;
	assert_int_equal(nn_sandbox_parse_create(body, &req, &err), 0);
	assert_string_equal(req.name, "web");
	assert_int_equal(req.pid, 4242);
	assert_ptr_equal(req.publish, json_object_get(body, "publish"));
	assert_int_equal(json_array_size(req.command), 3);
	assert_int_equal(err.code, 0);
	json_decref(body);
}

static void publish_and_command_may_be_left_out(void **state)
{
	json_t *body = json_pack("{s:s, s:i, s:s}", "name", "db", "pid", 1, "other", "ignored");
	struct create_req req;

	(void)state;
	assert_int_equal(nn_sandbox_parse_create(body, &req, NULL), 0);
	assert_string_equal(req.name, "db");
	assert_null(req.publish);
	assert_null(req.command);
	json_decref(body);
	body = json_pack("{s:s, s:i, s:[], s:[]}", "name", "a", "pid", INT32_MAX, "publish",
			 "command");
	assert_int_equal(nn_sandbox_parse_create(body, &req, NULL), 0);
	assert_int_equal(req.pid, INT32_MAX);
	assert_int_equal(json_array_size(req.publish), 0);
	json_decref(body);
}

static void a_body_that_is_not_an_object_is_refused(void **state)
{
	(void)state;
	refused(NULL, "sandbox request: body must be a JSON object");
	refused("[\"web\",42]", "sandbox request: body must be a JSON object");
	refused("\"web\"", "sandbox request: body must be a JSON object");
}

static void a_bad_name_is_refused_with_why(void **state)
{
	(void)state;
	refused("{\"pid\":42}", "sandbox request: \"name\" must be a string");
	refused("{\"name\":7,\"pid\":42}", "sandbox request: \"name\" must be a string");
	refused("{\"name\":\"../x\",\"pid\":42}", "sandbox name '../x' contains '/'");
	refused("{\"name\":\"nest\",\"pid\":42}", "sandbox name 'nest' is reserved: exec and ns "
		"take 'nest' for the nest's own netns");
	refused("{\"name\":\"123\",\"pid\":42}", "sandbox name '123' is a number: exec and ns "
		"would take it for a PID");
	refused("{\"name\":\"\",\"pid\":42}", "sandbox name '' is empty");
}

static void a_pid_that_is_not_a_positive_int_is_refused(void **state)
{
	static const char *const pids[] = { "0", "-3", "2147483648", "\"42\"", "4.2", "null" };
	char text[128];

	(void)state;
	refused("{\"name\":\"x\"}", "sandbox x: \"pid\" must be a positive integer");
	for (size_t i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
		snprintf(text, sizeof(text), "{\"name\":\"x\",\"pid\":%s}", pids[i]);
		refused(text, "sandbox x: \"pid\" must be a positive integer");
	}
}

static void publish_and_command_must_be_string_arrays(void **state)
{
	json_t *body = json_pack("{s:s, s:i, s:[]}", "name", "x", "pid", 42, "publish");
	json_t *many = json_object_get(body, "publish");
	struct nn_err err = { 0 };
	struct create_req req;

	(void)state;
	refused("{\"name\":\"x\",\"pid\":42,\"publish\":\"8080:80\"}",
		"sandbox x: \"publish\" must be an array of at most 64 strings");
	refused("{\"name\":\"x\",\"pid\":42,\"publish\":[8080]}",
		"sandbox x: \"publish\"[0] is not a string");
	refused("{\"name\":\"x\",\"pid\":42,\"command\":[\"sh\",null]}",
		"sandbox x: \"command\"[1] is not a string");
	refused("{\"name\":\"x\",\"pid\":42,\"command\":{}}",
		"sandbox x: \"command\" must be an array of at most 4096 strings");
	/* as many -p as run takes, and one more */
	for (int i = 0; i < NN_SANDBOX_PUBLISH_MAX; i++)
		json_array_append_new(many, json_string("8080:80"));
	assert_int_equal(nn_sandbox_parse_create(body, &req, &err), 0);
	json_array_append_new(many, json_string("8081:80"));
	assert_int_equal(nn_sandbox_parse_create(body, &req, &err), -EINVAL);
	assert_string_equal(err.msg, "sandbox x: \"publish\" must be an array of at most 64 "
			    "strings");
	json_decref(body);
}

static void bypass_is_a_boolean_and_needs_the_listener(void **state)
{
	json_t *body = json_pack("{s:s, s:i, s:b, s:i}", "name", "b", "pid", 42, "bypass", 1,
				 "seccomp_fd", 5);
	struct create_req req;

	(void)state;
	assert_int_equal(nn_sandbox_parse_create(body, &req, NULL), 0);
	assert_true(req.bypass);
	assert_int_equal(req.seccomp_fd, 5);
	json_decref(body);
	body = json_pack("{s:s, s:i, s:b}", "name", "b", "pid", 42, "bypass", 0);
	assert_int_equal(nn_sandbox_parse_create(body, &req, NULL), 0);
	assert_false(req.bypass);
	json_decref(body);
	refused("{\"name\":\"x\",\"pid\":42,\"bypass\":\"yes\"}",
		"sandbox x: \"bypass\" must be true or false");
	refused("{\"name\":\"x\",\"pid\":42,\"bypass\":1}",
		"sandbox x: \"bypass\" must be true or false");
	refused("{\"name\":\"x\",\"pid\":42,\"bypass\":true}",
		"sandbox x: \"bypass\" needs \"seccomp_fd\": the fd of the process's seccomp "
		"listener (netnest run --bypass installs one)");
	refused("{\"name\":\"x\",\"pid\":42,\"bypass\":true,\"seccomp_fd\":-1}",
		"sandbox x: \"bypass\" needs \"seccomp_fd\": the fd of the process's seccomp "
		"listener (netnest run --bypass installs one)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(what_run_sends_is_accepted),
		cmocka_unit_test(publish_and_command_may_be_left_out),
		cmocka_unit_test(a_body_that_is_not_an_object_is_refused),
		cmocka_unit_test(a_bad_name_is_refused_with_why),
		cmocka_unit_test(a_pid_that_is_not_a_positive_int_is_refused),
		cmocka_unit_test(publish_and_command_must_be_string_arrays),
		cmocka_unit_test(bypass_is_a_boolean_and_needs_the_listener),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
