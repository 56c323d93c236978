// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_pool.c - the client side of the netns pool (pool.h): a server on a real unix socket
 * in a temporary state dir hands it an nsfs fd, or says it has none, or is not there
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/nest/pool.h"

struct server {
	int lfd;
	int fd; /* sent with '1', or -1: '0' and no fd */
};

/* one connection: answer as pool.c's server does */
static void *serve_one(void *arg)
{
	struct server *s = arg;
	char byte = s->fd >= 0 ? '1' : '0';
	struct iovec iov = { &byte, 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u = { 0 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	int c = accept(s->lfd, NULL, NULL);

	if (s->fd >= 0) {
		m.msg_control = u.buf;
		m.msg_controllen = sizeof(u.buf);
		CMSG_FIRSTHDR(&m)->cmsg_level = SOL_SOCKET;
		CMSG_FIRSTHDR(&m)->cmsg_type = SCM_RIGHTS;
		CMSG_FIRSTHDR(&m)->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(CMSG_FIRSTHDR(&m)), &s->fd, sizeof(int));
	}
	if (c >= 0) {
		(void)!sendmsg(c, &m, MSG_NOSIGNAL);
		close(c);
	}
	return NULL;
}

/* In a new temp dir @dir, a pool.sock served once with @fd; returns the thread. */
static pthread_t serve(char dir[64], struct server *s, int fd)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	pthread_t t;

	snprintf(dir, 64, "/tmp/nn-test-pool.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/%s", dir, NN_POOL_SOCK);
	s->fd = fd;
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s->lfd >= 0);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->lfd, 1), 0);
	assert_int_equal(pthread_create(&t, NULL, serve_one, s), 0);
	return t;
}

static void done(char dir[64], struct server *s, pthread_t t)
{
	char path[128];

	pthread_join(t, NULL);
	close(s->lfd);
	snprintf(path, sizeof(path), "%s/%s", dir, NN_POOL_SOCK);
	unlink(path);
	rmdir(dir);
}

static void the_fd_the_pool_sends_is_the_callers_and_close_on_exec(void **state)
{
	struct stat want, got;
	struct server s;
	struct nn_err err;
	char dir[64];
	int ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), fd;
	pthread_t t;

	(void)state;
	assert_true(ns >= 0);
	t = serve(dir, &s, ns);
	fd = nn_pool_get(dir, &err);
	done(dir, &s, t);
	assert_true(fd >= 0);
	assert_int_not_equal(fd, ns);
	assert_int_equal(fstat(ns, &want), 0);
	assert_int_equal(fstat(fd, &got), 0);
	assert_int_equal(got.st_ino, want.st_ino);
	assert_int_equal(got.st_dev, want.st_dev);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	close(ns);
}

static void an_empty_pool_and_no_pool_are_enoent(void **state)
{
	struct server s;
	struct nn_err err;
	char dir[64];
	pthread_t t;

	(void)state;
	t = serve(dir, &s, -1);
	assert_int_equal(nn_pool_get(dir, &err), -ENOENT);
	done(dir, &s, t);
	/* no pool.sock at all: a daemon without a pool */
	assert_int_equal(nn_pool_get("/nonexistent-netnest-state", &err), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_fd_the_pool_sends_is_the_callers_and_close_on_exec),
		cmocka_unit_test(an_empty_pool_and_no_pool_are_enoent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
