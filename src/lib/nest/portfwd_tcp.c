// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * portfwd_tcp.c - TCP ports of the port driver (see portfwd_internal.h)
 *
 * Threads: one acceptor per published port, blocked in accept(2) on a listener in the host
 * netns.  Each accepted connection gets a thread that enters the nest netns (setns(2) only
 * for itself; it never returns to the host netns, which a rootless daemon could not do),
 * dials the target there, and then copies sandbox->client while a second thread copies
 * client->sandbox.  Both copy with splice(2) through a pipe, without a copy to user space.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "portfwd_internal.h"
#include "util.h"

#define PIPE_SIZE (1024 * 1024) /* F_SETPIPE_SZ; /proc/sys/fs/pipe-max-size is 1 MiB */

struct tcp_conn {
	struct port *port;
	int client;      /* accepted socket, host netns */
	int target;      /* socket dialled in the nest netns, or -1 */
	int done;        /* directions finished, under port->lock */
	struct tcp_conn *next;
};

/*
 * conn_finish() - one direction of @c is over; the second one closes both sockets and
 * frees @c.  Also called once for a connection that never got its second thread.
 */
static void conn_finish(struct tcp_conn *c, int directions)
{
	struct port *p = c->port;
	bool last;

	pthread_mutex_lock(&p->lock);
	c->done += directions;
	last = c->done == 2;
	if (last) {
		for (struct tcp_conn **pp = &p->conns; *pp; pp = &(*pp)->next)
			if (*pp == c) {
				*pp = c->next;
				break;
			}
		if (!p->conns)
			pthread_cond_broadcast(&p->idle);
	}
	pthread_mutex_unlock(&p->lock);
	if (!last)
		return;
	close(c->client);
	if (c->target >= 0)
		close(c->target);
	free(c);
}

/*
 * copy() - move bytes from @in to @out with splice(2) through a pipe until EOF, then
 * half-close @out (shutdown(SHUT_WR)), so the peer sees the EOF while the other direction
 * goes on.  On an error both sockets are shut down, which ends the other direction too.
 */
static void copy(int in, int out)
{
	/* cppcheck-suppress unreadVariable ; the -1s are read by _cleanup_close_ */
	_cleanup_close_ int pr = -1, pw = -1;
	int pfd[2];
	bool ok = false;

	if (pipe2(pfd, O_CLOEXEC) == 0) {
		pr = pfd[0];
		pw = pfd[1];
		fcntl(pw, F_SETPIPE_SZ, PIPE_SIZE); /* best effort: a smaller pipe still works */
		for (;;) {
			ssize_t n = splice(in, NULL, pw, NULL, PIPE_SIZE, SPLICE_F_MOVE);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				ok = n == 0;
				break;
			}
			while (n > 0) {
				/* no SPLICE_F_MORE here: it corks the socket (MSG_MORE), slower */
				ssize_t m = splice(pr, NULL, out, NULL, n, SPLICE_F_MOVE);

				if (m < 0 && errno == EINTR)
					continue;
				if (m <= 0)
					goto out;
				n -= m;
			}
		}
	}
out:
	if (ok) {
		shutdown(out, SHUT_WR);
	} else {
		shutdown(in, SHUT_RDWR);
		shutdown(out, SHUT_RDWR);
	}
}

static void *copy_up(void *arg)
{
	struct tcp_conn *c = arg;

	pthread_setname_np(pthread_self(), "nn-port-up");
	copy(c->client, c->target);
	conn_finish(c, 1);
	return NULL;
}

/* dial() - in the nest netns (this thread stays there), connect to the port's target */
static int dial(const struct port *p, int client)
{
	struct sockaddr_storage peer = { 0 };
	socklen_t plen = sizeof(peer);
	int fd = -ECONNREFUSED;

	if (setns(p->nest_netns, CLONE_NEWNET) < 0)
		return -1;
	getpeername(client, (struct sockaddr *)&peer, &plen);
	/* RootlessKit's builtin driver tries 10 times, i x 5 ms apart: a server that is just
	 * starting gets its first client (pkg/port/builtin/parent/tcp/tcp.go) */
	for (int i = 0; i < 10 && fd == -ECONNREFUSED; i++) {
		struct timespec pause = { 0, i * 5 * 1000 * 1000L };

		nanosleep(&pause, NULL);
		fd = nn_pf_connect(p, &peer, SOCK_STREAM);
	}
	return fd < 0 ? -1 : fd;
}

static void *conn_main(void *arg)
{
	struct tcp_conn *c = arg;
	int one = 1, fd;

	pthread_setname_np(pthread_self(), "nn-port-down");
	fd = dial(c->port, c->client);
	pthread_mutex_lock(&c->port->lock);
	c->target = fd;
	if (fd >= 0 && c->port->closing)
		shutdown(fd, SHUT_RDWR);
	pthread_mutex_unlock(&c->port->lock);
	if (fd < 0) {
		conn_finish(c, 2); /* refused inside the nest: the client sees its socket close */
		return NULL;
	}
	setsockopt(c->target, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (nn_pf_start_thread(NULL, copy_up, c, true) < 0) {
		conn_finish(c, 2);
		return NULL;
	}
	copy(c->target, c->client);
	conn_finish(c, 1);
	return NULL;
}

static void *acceptor_main(void *arg)
{
	struct port *p = arg;
	char name[16];

	snprintf(name, sizeof(name), "nn-port-%u", p->spec.parent_port);
	pthread_setname_np(pthread_self(), name); /* ps -L shows which port a thread serves */
	for (;;) {
		int fd = accept4(p->host_fd, NULL, NULL, SOCK_CLOEXEC);
		struct tcp_conn *c;
		int one = 1;

		if (fd < 0) {
			int e = errno;

			if (e == EINTR || e == ECONNABORTED || e == EMFILE || e == ENFILE ||
			    e == ENOBUFS || e == ENOMEM) {
				struct timespec pause = { 0, 10 * 1000 * 1000 };
				bool closing;

				pthread_mutex_lock(&p->lock);
				closing = p->closing;
				pthread_mutex_unlock(&p->lock);
				if (closing)
					return NULL;
				if (e != EINTR && e != ECONNABORTED)
					nanosleep(&pause, NULL); /* out of fds or memory: no busy loop */
				continue;
			}
			return NULL; /* the listener was shut down: the port is being removed */
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->port = p;
		c->client = fd;
		c->target = -1;
		pthread_mutex_lock(&p->lock);
		c->next = p->conns;
		p->conns = c;
		pthread_mutex_unlock(&p->lock);
		if (nn_pf_start_thread(NULL, conn_main, c, true) < 0)
			conn_finish(c, 2);
	}
}

int nn_pf_tcp_start(struct port *p, struct nn_err *err)
{
	int r;

	if (listen(p->host_fd, SOMAXCONN) < 0)
		return nn_err(err, errno, "listen on host port %u", p->spec.parent_port);
	r = nn_pf_start_thread(&p->thread, acceptor_main, p, false);
	if (r < 0)
		return nn_err(err, -r, "publish host port %u: start its thread",
			      p->spec.parent_port);
	return 0;
}

void nn_pf_tcp_stop(struct port *p)
{
	pthread_mutex_lock(&p->lock);
	p->closing = true;
	pthread_mutex_unlock(&p->lock);
	shutdown(p->host_fd, SHUT_RDWR); /* wakes accept(2) with EINVAL */
	pthread_join(p->thread, NULL);
	pthread_mutex_lock(&p->lock);
	while (p->conns) {
		struct timespec t;

		/* Again every 100 ms: a connection may have dialled since the last round. */
		for (struct tcp_conn *c = p->conns; c; c = c->next) {
			shutdown(c->client, SHUT_RDWR);
			if (c->target >= 0)
				shutdown(c->target, SHUT_RDWR);
		}
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += 100 * 1000 * 1000;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&p->idle, &p->lock, &t);
	}
	pthread_mutex_unlock(&p->lock);
}
