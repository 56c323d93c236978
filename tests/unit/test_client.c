// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_client.c - the API client: replies parsed (status, Content-Length, bad replies cut
 * at every length), and one request over a real unix socket to a server that answers a
 * fixed reply and keeps what it was sent
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/nest/client.h"

/*
 * a 201 in the header order of libevent 2.1.12's evhttp (tests/api.bats POST /v1/ports),
 * its body padded with blanks
 */
static const char created[] =
	"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
	"Date: Wed, 02 Dec 2026 01:00:00 GMT\r\nContent-Length: 13\r\nConnection: close\r\n\r\n"
	"{\"id\":1}     ";

static void a_reply_gives_its_status_and_its_content_length_of_body(void **state)
{
	const char *body;
	unsigned status;
	size_t blen;
	bool framed;

	(void)state;
	assert_int_equal(
		nn_client_parse_reply(created, strlen(created), &status, &body, &blen, &framed), 0);
	assert_true(framed);
	assert_int_equal(status, 201);
	assert_int_equal(blen, 13);
	assert_memory_equal(body, "{\"id\":1}", 8);
}

static void a_reply_without_a_length_runs_to_the_end_and_a_204_has_no_body(void **state)
{
	static const char no_len[] =
		"HTTP/1.0 404 Not Found\r\nServer: x\r\n\r\n{\"message\":\"m\"}";
	static const char no_content[] = "HTTP/1.1 204 No Content\r\n\r\n";
	const char *body;
	unsigned status;
	size_t blen;
	bool framed;

	(void)state;
	assert_int_equal(
		nn_client_parse_reply(no_len, strlen(no_len), &status, &body, &blen, &framed), 0);
	assert_false(framed); /* only the server's close ends it */
	assert_int_equal(status, 404);
	assert_int_equal(blen, strlen("{\"message\":\"m\"}"));
	assert_int_equal(nn_client_parse_reply(no_content, strlen(no_content), &status, &body,
					       &blen, &framed),
			 0);
	assert_true(framed);
	assert_int_equal(status, 204);
	assert_int_equal(blen, 0);
}

static void a_reply_cut_anywhere_before_its_body_ends_is_refused(void **state)
{
	const char *body;
	unsigned status;
	size_t blen, whole = strlen(created); /* its Content-Length is its last byte */
	bool framed;

	(void)state;
	for (size_t len = 0; len < whole; len++) {
		char *copy = malloc(len ? len : 1); /* exactly @len bytes: ASan sees a read past */

		memcpy(copy, created, len);
		if (nn_client_parse_reply(copy, len, &status, &body, &blen, &framed) != -EINVAL)
			fail_msg("a reply cut at %zu of %zu bytes was taken", len, whole);
		free(copy);
	}
}

static void replies_that_are_not_netnest_s_are_refused(void **state)
{
	static const char *const bad[] = {
		"HTTP/2 200 OK\r\n\r\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1 600 Odd\r\n\r\n",
		"ICY 200 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n{",
		"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n{",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n{}",
	};
	const char *body;
	unsigned status;
	size_t blen;
	bool framed;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (nn_client_parse_reply(bad[i], strlen(bad[i]), &status, &body, &blen,
					  &framed) != -EINVAL)
			fail_msg("taken: %s", bad[i]);
}

/* a server of one connection: reads the request to its end, answers @reply, closes */
struct server {
	int fd;
	const char *reply;
	char got[1024];
	bool hold; /* keep the connection open after the reply, until the client closes it */
	bool client_closed; /* with @hold: the client closed first (within 2 s) */
};

static void *serve_one(void *arg)
{
	struct server *s = arg;
	int c = accept(s->fd, NULL, NULL);
	size_t len = 0;
	const char *hdr_end = NULL;

	while (c >= 0 && len < sizeof(s->got) - 1) {
		ssize_t n = read(c, s->got + len, sizeof(s->got) - 1 - len);

		if (n <= 0)
			break;
		len += (size_t)n;
		s->got[len] = '\0';
		hdr_end = strstr(s->got, "\r\n\r\n");
		if (hdr_end &&
		    (!strstr(s->got, "Content-Length: ") ||
		     strlen(hdr_end + 4) >= (size_t)atoi(strstr(s->got, "Content-Length: ") + 16)))
			break;
	}
	if (c >= 0) {
		if (write(c, s->reply, strlen(s->reply)) < 0)
			s->got[0] = '\0';
		if (s->hold) {
			struct pollfd p = { .fd = c, .events = POLLIN };
			char x;

			s->client_closed = poll(&p, 1, 2000) == 1 && read(c, &x, 1) == 0;
		}
		close(c);
	}
	return NULL;
}

static void a_request_goes_over_the_socket_and_an_error_reply_is_its_message(void **state)
{
	char dir[] = "/tmp/nn-test-client.XXXXXX", path[128];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct server s = { .reply = "HTTP/1.1 400 Bad Request\r\nContent-Length: 28\r\n\r\n"
				     "{\"message\":\"port 0 is bad\"}\n" };
	struct nn_err err = { 0 };
	json_t *body = json_pack("{s:i}", "port", 0), *resp = NULL;
	unsigned status;
	pthread_t t;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/api.sock", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	s.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(s.fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s.fd, 1), 0);
	assert_int_equal(pthread_create(&t, NULL, serve_one, &s), 0);
	assert_int_equal(nn_client_request(path, "POST", "/v1/ports", body, &status, &resp, &err),
			 -EINVAL);
	pthread_join(t, NULL);
	assert_int_equal(status, 400);
	assert_string_equal(err.msg, "port 0 is bad");
	assert_null(resp);
	assert_non_null(strstr(s.got, "POST /v1/ports HTTP/1.1\r\n"));
	assert_non_null(strstr(s.got, "Connection: close\r\n"));
	assert_non_null(strstr(s.got, "Content-Length: 10\r\n\r\n{\"port\":0}"));
	close(s.fd);
	/* nobody listens any more: the socket file is there, the connection is refused */
	assert_int_equal(nn_client_request(path, "GET", "/v1/info", NULL, &status, &resp, &err),
			 -ECONNREFUSED);
	assert_int_equal(status, 0);
	unlink(path);
	assert_int_equal(nn_client_request(path, "GET", "/v1/info", NULL, &status, &resp, &err),
			 -ENOENT);
	rmdir(dir);
	json_decref(body);
}

/* serve @s->reply once on a new api.sock in a temp dir; a POST there, its return value */
static int request_served(struct server *sv, json_t **resp, unsigned *status)
{
	char dir[] = "/tmp/nn-test-client.XXXXXX", path[128];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct server s = *sv;
	struct nn_err err = { 0 };
	pthread_t t;
	int r;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/api.sock", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	s.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(s.fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s.fd, 1), 0);
	assert_int_equal(pthread_create(&t, NULL, serve_one, &s), 0);
	r = nn_client_request(path, "POST", "/netnest/v1/sandboxes", NULL, status, resp, &err);
	pthread_join(t, NULL);
	close(s.fd);
	unlink(path);
	rmdir(dir);
	*sv = s;
	return r;
}

static int request_once(const char *reply, json_t **resp, unsigned *status)
{
	struct server s = { .reply = reply };

	return request_served(&s, resp, status);
}

static void a_reply_whole_by_its_length_does_not_wait_for_the_server_s_close(void **state)
{
	struct server s = { .reply = "HTTP/1.1 201 Created\r\nContent-Length: 8\r\n\r\n{\"id\":1}",
			    .hold = true };
	json_t *resp = NULL;
	unsigned status;

	(void)state;
	assert_int_equal(request_served(&s, &resp, &status), 0);
	assert_true(s.client_closed); /* the client hung up on a server still holding on */
	assert_int_equal(status, 201);
	assert_int_equal(json_integer_value(json_object_get(resp, "id")), 1);
	json_decref(resp);
	/* no length: the reply runs to the server's close, which the client waits for */
	s = (struct server){ .reply = "HTTP/1.1 200 OK\r\n\r\n{\"id\":2}" };
	assert_int_equal(request_served(&s, &resp, &status), 0);
	assert_int_equal(json_integer_value(json_object_get(resp, "id")), 2);
	json_decref(resp);
}

static void a_success_body_is_parsed_only_for_a_caller_that_wants_it(void **state)
{
	static const char *reply = "HTTP/1.1 201 Created\r\nContent-Length: 9\r\n\r\nnot json!";
	json_t *resp = NULL;
	unsigned status;

	(void)state;
	assert_int_equal(request_once(reply, NULL, &status), 0);
	assert_int_equal(status, 201);
	assert_int_equal(request_once(reply, &resp, &status), -EIO);
	assert_null(resp);
}

static void a_server_that_closes_with_no_reply_is_one_that_does_not_serve(void **state)
{
	unsigned status = 1;

	(void)state;
	/* what a daemon going down does to a request its API took (nestd.c services_stop) */
	assert_int_equal(request_once("", NULL, &status), -ECONNRESET);
	assert_int_equal(status, 0);
	assert_true(nn_client_unserved(-ECONNRESET, 0));
	assert_true(nn_client_unserved(-ENOENT, 0));
	assert_true(nn_client_unserved(-ECONNREFUSED, 0));
	assert_true(nn_client_unserved(-EPIPE, 0));
	assert_false(nn_client_unserved(-ENOENT, 404)); /* "no sandbox named X" */
	assert_false(nn_client_unserved(-EIO, 0));
	/* one byte is a reply, if not HTTP */
	assert_int_equal(request_once("x", NULL, &status), -EIO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_reply_gives_its_status_and_its_content_length_of_body),
		cmocka_unit_test(a_reply_without_a_length_runs_to_the_end_and_a_204_has_no_body),
		cmocka_unit_test(a_reply_cut_anywhere_before_its_body_ends_is_refused),
		cmocka_unit_test(replies_that_are_not_netnest_s_are_refused),
		cmocka_unit_test(a_request_goes_over_the_socket_and_an_error_reply_is_its_message),
		cmocka_unit_test(a_success_body_is_parsed_only_for_a_caller_that_wants_it),
		cmocka_unit_test(a_reply_whole_by_its_length_does_not_wait_for_the_server_s_close),
		cmocka_unit_test(a_server_that_closes_with_no_reply_is_one_that_does_not_serve),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
