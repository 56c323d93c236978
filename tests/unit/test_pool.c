// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_pool.c - the client side of the netns pool (pool.h): a server on a real unix socket
 * in a temporary state dir answers as the pool does (nn_pool_answer()) with a netns and a
 * mount namespace, or says it has none, or sends half a pair, or is not there
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

#include "lib/core/fdpass.h"
#include "lib/nest/pool.h"

struct server {
	int lfd;
	int fds[NN_POOL_FDS];
	size_t nfds; /* 0: '0' and no fd; NN_POOL_FDS: the pool's answer; 1: a broken one */
};

/* one connection: answer as pool.c's server does (nn_pool_answer()), or with one fd */
static void *serve_one(void *arg)
{
	struct server *s = arg;
	int c = accept(s->lfd, NULL, NULL);

	if (c < 0)
		return NULL;
	if (s->nfds == 1)
		(void)nn_fds_send(c, "1", 1, s->fds, 1);
	else
		nn_pool_answer(c, s->nfds ? s->fds : NULL);
	close(c);
	return NULL;
}

/* In a new temp dir @dir, a pool.sock served once with @nfds of @fds; returns the thread. */
static pthread_t serve(char dir[64], struct server *s, const int *fds, size_t nfds)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	pthread_t t;

	snprintf(dir, 64, "/tmp/nn-test-pool.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/%s", dir, NN_POOL_SOCK);
	s->nfds = nfds;
	for (size_t i = 0; i < nfds; i++)
		s->fds[i] = fds[i];
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

static void the_pair_the_pool_sends_is_the_callers_and_close_on_exec(void **state)
{
	int ns[NN_POOL_FDS] = { open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC),
				open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC) };
	int got[NN_POOL_FDS] = { -1, -1 };
	struct stat want, st;
	struct server s;
	struct nn_err err;
	char dir[64];
	pthread_t t;

	(void)state;
	assert_true(ns[0] >= 0 && ns[1] >= 0);
	t = serve(dir, &s, ns, NN_POOL_FDS);
	assert_int_equal(nn_pool_get(dir, got, &err), 0);
	done(dir, &s, t);
	for (int i = 0; i < NN_POOL_FDS; i++) {
		assert_true(got[i] >= 0);
		assert_int_not_equal(got[i], ns[i]);
		assert_int_equal(fstat(ns[i], &want), 0);
		assert_int_equal(fstat(got[i], &st), 0);
		/* in order: the netns first, then the mount namespace */
		assert_int_equal(st.st_ino, want.st_ino);
		assert_int_equal(st.st_dev, want.st_dev);
		assert_true(fcntl(got[i], F_GETFD) & FD_CLOEXEC);
		close(got[i]);
		close(ns[i]);
	}
}

/* the highest fd open now: a refused answer must leave none behind */
static int top_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	close(fd);
	return fd;
}

static void an_empty_pool_no_pool_and_half_a_pair_are_enoent(void **state)
{
	int ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), got[NN_POOL_FDS] = { -1, -1 };
	struct server s;
	struct nn_err err;
	char dir[64];
	pthread_t t;
	int top;

	(void)state;
	assert_true(ns >= 0);
	t = serve(dir, &s, NULL, 0);
	assert_int_equal(nn_pool_get(dir, got, &err), -ENOENT);
	done(dir, &s, t);
	/* one fd where the pool sends two: refused, and the fd that came is closed */
	top = top_fd();
	t = serve(dir, &s, &ns, 1);
	assert_int_equal(nn_pool_get(dir, got, &err), -ENOENT);
	done(dir, &s, t);
	assert_int_equal(top_fd(), top);
	/* no pool.sock at all: a daemon without a pool */
	assert_int_equal(nn_pool_get("/nonexistent-netnest-state", got, &err), -ENOENT);
	close(ns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_pair_the_pool_sends_is_the_callers_and_close_on_exec),
		cmocka_unit_test(an_empty_pool_no_pool_and_half_a_pair_are_enoent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
