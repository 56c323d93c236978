// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_api.c - the API's routing and its errors through nn_api_dispatch(), as the daemon
 * answers them but without a socket: 404, 405 with Allow, 413, 400 for a body that is not
 * JSON, the status of each handler error, and the daemon's own tables on a nest that runs
 * no service.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "lib/nest/api.h"
#include "lib/nest/api_ports.h"
#include "lib/nest/child.h"
#include "lib/nest/sandbox.h"

static struct nn_services no_services;
static struct nn_nest nest = { .state_fd = -1, .host_netns = -1, .nest_netns = -1,
			       .svc = &no_services };

/* test handlers: each answers what its path asks for */
static int echo(struct nn_nest *n, const char *path, json_t *body, json_t **resp,
		unsigned *status, struct nn_err *err)
{
	(void)n;
	(void)err;
	if (!strcmp(path, "/t/created"))
		*status = 201;
	if (!strcmp(path, "/t/empty"))
		return 0;
	*resp = json_pack("{s:s, s:O?}", "path", path, "body", body);
	return 0;
}

static int fails(struct nn_nest *n, const char *path, json_t *body, json_t **resp,
		 unsigned *status, struct nn_err *err)
{
	static const struct { const char *path; int code; } codes[] = {
		{ "/f/noent", ENOENT }, { "/f/inval", EINVAL }, { "/f/exist", EEXIST },
		{ "/f/inuse", EADDRINUSE }, { "/f/acces", EACCES },
		{ "/f/proto", EPROTONOSUPPORT }, { "/f/big", E2BIG }, { "/f/io", EIO },
	};

	(void)n;
	(void)body;
	(void)status;
	*resp = json_pack("{s:s}", "dropped", "on error"); /* the server drops it */
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (!strcmp(path, codes[i].path))
			return nn_errx(err, codes[i].code, "failed on %s", path);
	return nn_errx(err, ENOSYS, "failed on %s", path);
}

static const struct nn_api_route test_routes[] = {
	{ "GET", "/t", echo, NN_API_TREE, NN_API_JSON },
	{ "POST", "/t", echo, NN_API_TREE, NN_API_JSON },
	{ "GET", "/f", fails, NN_API_TREE, NN_API_JSON },
	{ NULL, NULL, NULL, NN_API_TREE, NN_API_JSON },
};

/* ask() - dispatch @body (NUL-terminated, or NULL) and check the status */
/* @rt of @tables for the unit nest, with the port driver (nn_nest_config_init()'s default) */
static void ports_router(struct nn_api_router *rt, const struct nn_api_route *const *tables)
{
	strcpy(nest.cfg.name, "unit");
	nest.cfg.port_driver = true;
	assert_int_equal(nn_api_router_init(rt, tables, NULL), 0);
}

static struct nn_api_answer ask(const struct nn_api_router *rt, const char *method,
				const char *path, const char *body, unsigned status)
{
	struct nn_api_answer a;

	nn_api_dispatch(rt, &nest, method, path, body, body ? strlen(body) : 0, &a);
	if (a.status != status)
		fail_msg("%s %s: status %u, not %u", method, path, a.status, status);
	return a;
}

/* the answer's "message", which an error must have */
static const char *message(const struct nn_api_answer *a)
{
	const char *m = json_string_value(json_object_get(a->body, "message"));

	assert_non_null(m);
	return m;
}

static void test_router(struct nn_api_router *rt)
{
	const struct nn_api_route *const tables[] = { test_routes, NULL };

	assert_int_equal(nn_api_router_init(rt, tables, NULL), 0);
}

static void an_unknown_path_is_404_naming_method_and_path(void **state)
{
	struct nn_api_router rt;
	struct nn_api_answer a;

	(void)state;
	test_router(&rt);
	a = ask(&rt, "GET", "/v1/nothing", NULL, 404);
	assert_string_equal(message(&a), "no route for GET /v1/nothing");
	assert_string_equal(a.allow, "");
	json_decref(a.body);
	/* a prefix is a whole path segment: /tx is not under /t */
	a = ask(&rt, "GET", "/tx", NULL, 404);
	json_decref(a.body);
}

static void a_method_a_known_path_does_not_take_is_405_with_allow(void **state)
{
	struct nn_api_router rt;
	struct nn_api_answer a;

	(void)state;
	test_router(&rt);
	a = ask(&rt, "DELETE", "/t/x", NULL, 405);
	assert_string_equal(a.allow, "GET, POST");
	assert_string_equal(message(&a),
			    "method DELETE is not allowed on /t/x (allowed: GET, POST)");
	json_decref(a.body);
	a = ask(&rt, "POST", "/v1/info", NULL, 405);
	assert_string_equal(a.allow, "GET");
	json_decref(a.body);
}

static void a_body_over_the_limit_is_413_and_is_not_read(void **state)
{
	struct nn_api_router rt;
	struct nn_api_answer a;
	char *big = malloc(NN_API_BODY_MAX + 1);

	(void)state;
	assert_non_null(big);
	test_router(&rt);
	memset(big, ' ', NN_API_BODY_MAX + 1);
	nn_api_dispatch(&rt, &nest, "POST", "/t", big, NN_API_BODY_MAX + 1, &a);
	assert_int_equal(a.status, 413);
	assert_string_equal(message(&a), "request body is larger than 65536 bytes");
	json_decref(a.body);
	/* the server passes what it cut as NN_API_BODY_MAX + 1 with no bytes */
	nn_api_dispatch(&rt, &nest, "GET", "/nowhere", NULL, NN_API_BODY_MAX + 1, &a);
	assert_int_equal(a.status, 413);
	json_decref(a.body);
	/* exactly the limit is read: 64 KiB of blanks then a JSON value */
	big[NN_API_BODY_MAX - 2] = '{';
	big[NN_API_BODY_MAX - 1] = '}';
	nn_api_dispatch(&rt, &nest, "POST", "/t", big, NN_API_BODY_MAX, &a);
	assert_int_equal(a.status, 200);
	assert_true(json_is_object(json_object_get(a.body, "body")));
	json_decref(a.body);
	free(big);
}

static void a_body_that_is_not_json_is_400_with_where(void **state)
{
	struct nn_api_router rt;
	struct nn_api_answer a;

	(void)state;
	test_router(&rt);
	a = ask(&rt, "POST", "/t", "{bad", 400);
	assert_non_null(strstr(message(&a), "bad JSON in the request body: "));
	assert_non_null(strstr(message(&a), "(line 1, column "));
	json_decref(a.body);
	a = ask(&rt, "POST", "/t", "{\"a\":1} trailing", 400);
	json_decref(a.body);
	/* JSON that is not an object is the handler's to judge */
	a = ask(&rt, "POST", "/t", "[1,2]", 200);
	assert_true(json_is_array(json_object_get(a.body, "body")));
	json_decref(a.body);
}

static void handlers_answer_their_status_body_or_error(void **state)
{
	static const struct { const char *path; unsigned status; } want[] = {
		{ "/f/noent", 404 }, { "/f/inval", 400 }, { "/f/exist", 400 },
		{ "/f/inuse", 400 }, { "/f/acces", 400 }, { "/f/proto", 400 },
		{ "/f/big", 400 }, { "/f/io", 500 }, { "/f/other", 500 },
	};
	struct nn_api_router rt;
	struct nn_api_answer a;
	char m[64];

	(void)state;
	test_router(&rt);
	a = ask(&rt, "GET", "/t/sub/path", NULL, 200);
	assert_string_equal(json_string_value(json_object_get(a.body, "path")), "/t/sub/path");
	assert_true(json_is_null(json_object_get(a.body, "body"))); /* no body: NULL */
	json_decref(a.body);
	a = ask(&rt, "GET", "/t/created", NULL, 201);
	json_decref(a.body);
	a = ask(&rt, "GET", "/t/empty", NULL, 200);
	assert_null(a.body);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		a = ask(&rt, "GET", want[i].path, NULL, want[i].status);
		snprintf(m, sizeof(m), "failed on %s", want[i].path);
		assert_string_equal(message(&a), m);
		assert_null(json_object_get(a.body, "dropped"));
		json_decref(a.body);
	}
}

/* fuzz_api found it: a path that is not UTF-8 gave a 404 with an empty body */
static void a_path_that_is_not_utf8_is_named_in_the_message(void **state)
{
	struct nn_api_router rt;
	struct nn_api_answer a;

	(void)state;
	test_router(&rt);
	a = ask(&rt, "UPT", "/wv1/port\xcc", NULL, 404);
	assert_string_equal(message(&a), "no route for UPT /wv1/port\\xcc");
	json_decref(a.body);
	a = ask(&rt, "GET", "/f/\xff\xfe", NULL, 500);
	assert_string_equal(message(&a), "failed on /f/\\xff\\xfe");
	json_decref(a.body);
}

static void a_full_route_table_is_refused(void **state)
{
	struct nn_api_route many[NN_API_ROUTES_MAX + 1];
	const struct nn_api_route *const tables[] = { many, NULL };
	struct nn_api_router rt;
	struct nn_err err = { 0 };

	(void)state;
	for (size_t i = 0; i < NN_API_ROUTES_MAX; i++)
		many[i] = (struct nn_api_route){ "GET", "/t", echo, NN_API_TREE, NN_API_JSON };
	/* cppcheck-suppress unreadVariable ; the table's end, read by nn_api_router_init() */
	many[NN_API_ROUTES_MAX] = (struct nn_api_route){ NULL, NULL, NULL, NN_API_TREE, NN_API_JSON };
	/* GET /v1/info comes first: one route too many */
	assert_int_equal(nn_api_router_init(&rt, tables, &err), -ENOSPC);
	assert_int_equal(err.code, ENOSPC);
	assert_non_null(strstr(err.msg, "the table is full (16 routes)"));
}

/* the daemon's own tables, on a nest whose services are not running */
static void the_daemons_routes_answer_without_their_services(void **state)
{
	const struct nn_api_route *const tables[] = { nn_api_ports_routes, nn_sandbox_routes,
						      NULL };
	struct nn_api_router rt;
	struct nn_api_answer a;

	(void)state;
	strcpy(nest.cfg.name, "unit");
	strcpy(nest.cfg.state_dir, "/nonexistent/netnest-unit");
	nest.cfg.port_driver = true; /* the default (nn_nest_config_init()) */
	assert_int_equal(nn_api_router_init(&rt, tables, NULL), 0);
	a = ask(&rt, "GET", "/v1/info", NULL, 200);
	assert_string_equal(json_string_value(json_object_get(a.body, "apiVersion")), "1.1.1");
	assert_string_equal(json_string_value(json_object_get(a.body, "stateDir")),
			    "/nonexistent/netnest-unit");
	json_decref(a.body);
	a = ask(&rt, "PUT", "/v1/ports", NULL, 405);
	assert_string_equal(a.allow, "GET, POST");
	json_decref(a.body);
	a = ask(&rt, "POST", "/v1/ports", "{\"proto\":\"tcp\",\"parentPort\":0,\"childPort\":80}",
		400);
	assert_string_equal(message(&a), "port spec: parentPort 0 is out of range 1-65535");
	json_decref(a.body);
	a = ask(&rt, "DELETE", "/v1/ports/abc", NULL, 400);
	assert_string_equal(message(&a), "bad port id \"abc\"");
	json_decref(a.body);
	a = ask(&rt, "DELETE", "/v1/ports/99", NULL, 400);
	assert_string_equal(message(&a), "unknown id: 99");
	json_decref(a.body);
	a = ask(&rt, "GET", "/v1/ports/1", NULL, 405);
	json_decref(a.body);
	a = ask(&rt, "POST", NN_SANDBOX_API, "{\"name\":\"web\",\"pid\":1}", 500);
	assert_non_null(strstr(message(&a), "the sandbox service is not running"));
	json_decref(a.body);
}

/* answer() - @a's status, Allow and message, "405 [DELETE] method GET is ..." */
static void answer(const struct nn_api_answer *a, char *buf, size_t size)
{
	const char *m = json_string_value(json_object_get(a->body, "message"));

	snprintf(buf, size, "%u [%s] %s", a->status, a->allow, m ? m : "(no message)");
}

/*
 * RootlessKit's routes as gorilla/mux routes them (pkg/api/router/router.go AddRoutes):
 * GET and POST on /v1/ports alone, DELETE on /v1/ports/{id}, GET on /v1/info alone.  A
 * method a path does not take is 405 with that path's Allow; a path no route takes is 404,
 * never a handler's strerror (Debian's rootlesskit 1.1: 405 for GET, POST and PUT on
 * /v1/ports/1; 404 for /v1/ports/, /v1/ports/1/2 and /v1/info/).
 */
static void rootlesskits_paths_are_routed_as_its_mux_routes_them(void **state)
{
	static const struct { const char *method, *path, *want; } cases[] = {
		{ "GET", "/v1/ports/1", "405 [DELETE] method GET is not allowed on /v1/ports/1 "
					"(allowed: DELETE)" },
		{ "POST", "/v1/ports/1", "405 [DELETE] method POST is not allowed on /v1/ports/1 "
					 "(allowed: DELETE)" },
		{ "PUT", "/v1/ports/1", "405 [DELETE] method PUT is not allowed on /v1/ports/1 "
					"(allowed: DELETE)" },
		{ "PUT", "/v1/ports", "405 [GET, POST] method PUT is not allowed on /v1/ports "
				      "(allowed: GET, POST)" },
		{ "DELETE", "/v1/ports", "405 [GET, POST] method DELETE is not allowed on "
					 "/v1/ports (allowed: GET, POST)" },
		{ "POST", "/v1/info", "405 [GET] method POST is not allowed on /v1/info "
				      "(allowed: GET)" },
		{ "GET", "/v1/ports/", "404 [] no route for GET /v1/ports/" },
		{ "DELETE", "/v1/ports/", "404 [] no route for DELETE /v1/ports/" },
		{ "DELETE", "/v1/ports/1/2", "404 [] no route for DELETE /v1/ports/1/2" },
		{ "DELETE", "/v1/ports/1/", "404 [] no route for DELETE /v1/ports/1/" },
		{ "GET", "/v1/info/", "404 [] no route for GET /v1/info/" },
		{ "GET", "/v1/info/x", "404 [] no route for GET /v1/info/x" },
		{ "GET", "/v1/portsx", "404 [] no route for GET /v1/portsx" },
		{ "DELETE", "/v1/ports/abc", "400 [] bad port id \"abc\"" },
		{ "DELETE", "/v1/ports/7", "400 [] unknown id: 7" },
	};
	const struct nn_api_route *const tables[] = { nn_api_ports_routes, nn_sandbox_routes,
						      NULL };
	struct nn_api_router rt;
	struct nn_api_answer a;
	char got[256];

	(void)state;
	ports_router(&rt, tables);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		nn_api_dispatch(&rt, &nest, cases[i].method, cases[i].path, NULL, 0, &a);
		answer(&a, got, sizeof(got));
		if (strcmp(got, cases[i].want))
			fail_msg("%s %s: \"%s\", not \"%s\"", cases[i].method, cases[i].path, got,
				 cases[i].want);
		json_decref(a.body);
	}
	/* netnest's own sandbox API keeps its subtree */
	a = ask(&rt, "PUT", NN_SANDBOX_API "/web", NULL, 405);
	assert_string_equal(a.allow, "POST, GET, DELETE");
	json_decref(a.body);
}

/*
 * RootlessKit reads a POST /v1/ports body with json.Decoder.Decode: its first JSON value,
 * whatever follows ignored; its GET and DELETE handlers never read one.  netnest's own
 * routes keep to one JSON text (a_body_that_is_not_json_is_400_with_where).
 */
static void rootlesskits_routes_read_their_bodies_as_go_does(void **state)
{
	static const char *const after[] = { " trailing", "{}", "\n{\"proto\":\"udp\"}", "]" };
	const struct nn_api_route *const tables[] = { nn_api_ports_routes, NULL };
	struct nn_api_router rt;
	struct nn_api_answer a;
	char body[128];

	(void)state;
	ports_router(&rt, tables);
	for (size_t i = 0; i < sizeof(after) / sizeof(after[0]); i++) {
		/* parentPort 0: the handler's own 400, so the body got that far */
		snprintf(body, sizeof(body), "{\"proto\":\"tcp\",\"parentPort\":0,"
			 "\"childPort\":80}%s", after[i]);
		a = ask(&rt, "POST", "/v1/ports", body, 400);
		assert_string_equal(message(&a), "port spec: parentPort 0 is out of range 1-65535");
		json_decref(a.body);
	}
	a = ask(&rt, "POST", "/v1/ports", "{\"proto\":\"tcp\"", 400);
	assert_non_null(strstr(message(&a), "bad JSON in the request body: "));
	json_decref(a.body);
	/* not read at all */
	a = ask(&rt, "DELETE", "/v1/ports/7", "not json", 400);
	assert_string_equal(message(&a), "unknown id: 7");
	json_decref(a.body);
	a = ask(&rt, "GET", "/v1/info", "not json", 200);
	json_decref(a.body);
}

/* fd00::3 after 10.0.2.3 when the engine speaks IPv6, in /v1/info and resolv.conf alike
 * (RootlessKit's slirp4netns driver with --ipv6) */
static void with_ipv6_the_dns_is_10_0_2_3_then_fd00_3(void **state)
{
	const struct nn_api_route *const tables[] = { NULL };
	struct nn_api_router rt;
	struct nn_api_answer a;
	char buf[NN_RESOLV_CONF_MAX], *s;

	(void)state;
	strcpy(nest.cfg.name, "unit");
	inet_pton(AF_INET, "10.0.2.3", &nest.cfg.dns);
	inet_pton(AF_INET6, "fd00::3", &nest.cfg.dns6);
	nest.engine_pid = 1; /* networkDriver is there only with an engine */
	assert_int_equal(nn_api_router_init(&rt, tables, NULL), 0);
	for (int v6 = 0; v6 < 2; v6++) {
		nest.cfg.ipv6 = v6;
		a = ask(&rt, "GET", "/v1/info", NULL, 200);
		s = json_dumps(json_object_get(json_object_get(a.body, "networkDriver"), "dns"),
			       JSON_COMPACT);
		assert_string_equal(s, v6 ? "[\"10.0.2.3\",\"fd00::3\"]" : "[\"10.0.2.3\"]");
		free(s);
		json_decref(a.body);
		assert_int_equal(nn_child_resolv_conf(&nest.cfg, buf), v6 ? 39 : 20);
		assert_string_equal(buf, v6 ? "nameserver 10.0.2.3\nnameserver fd00::3\n" :
					      "nameserver 10.0.2.3\n");
	}
	nest.engine_pid = 0;
	nest.cfg.ipv6 = false;
}

/* --port-driver=none: /v1/info has no portDriver and every ports route says so, as
 * RootlessKit's pkg/api/router answers without a port driver */
static void without_a_port_driver_the_ports_routes_say_so(void **state)
{
	const struct nn_api_route *const tables[] = { nn_api_ports_routes, NULL };
	struct nn_api_router rt;
	struct nn_api_answer a;

	(void)state;
	strcpy(nest.cfg.name, "unit");
	nest.cfg.port_driver = false;
	assert_int_equal(nn_api_router_init(&rt, tables, NULL), 0);
	a = ask(&rt, "GET", "/v1/info", NULL, 200);
	assert_null(json_object_get(a.body, "portDriver"));
	json_decref(a.body);
	a = ask(&rt, "GET", "/v1/ports", NULL, 400);
	assert_string_equal(message(&a), "no PortDriver is available");
	json_decref(a.body);
	a = ask(&rt, "POST", "/v1/ports", "{\"proto\":\"tcp\",\"parentPort\":8080,\"childPort\":80}",
		400);
	assert_string_equal(message(&a), "no PortDriver is available");
	json_decref(a.body);
	a = ask(&rt, "DELETE", "/v1/ports/1", NULL, 400);
	assert_string_equal(message(&a), "no PortDriver is available");
	json_decref(a.body);
	nest.cfg.port_driver = true;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(an_unknown_path_is_404_naming_method_and_path),
		cmocka_unit_test(a_method_a_known_path_does_not_take_is_405_with_allow),
		cmocka_unit_test(a_body_over_the_limit_is_413_and_is_not_read),
		cmocka_unit_test(a_body_that_is_not_json_is_400_with_where),
		cmocka_unit_test(handlers_answer_their_status_body_or_error),
		cmocka_unit_test(a_path_that_is_not_utf8_is_named_in_the_message),
		cmocka_unit_test(a_full_route_table_is_refused),
		cmocka_unit_test(the_daemons_routes_answer_without_their_services),
		cmocka_unit_test(rootlesskits_paths_are_routed_as_its_mux_routes_them),
		cmocka_unit_test(rootlesskits_routes_read_their_bodies_as_go_does),
		cmocka_unit_test(with_ipv6_the_dns_is_10_0_2_3_then_fd00_3),
		cmocka_unit_test(without_a_port_driver_the_ports_routes_say_so),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
