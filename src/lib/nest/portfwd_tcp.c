// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * portfwd_tcp.c - TCP connections of the port driver (see portfwd_tcp.h)
 *
 * A loop (portfwd_tcp_loop.c) accepts a client on a listener that portfwd.c made in the
 * host netns (a socket keeps the netns it was made in), dials the target from the loop
 * thread, which lives in the nest netns (non-blocking connect(2); a refused dial tried
 * again from a timer), and moves bytes with splice(2) through a pipe from the loop's
 * pool, held by a direction only while bytes are in flight: an idle connection is two
 * sockets and a struct tcp_conn.  The sockets are edge triggered; a direction whose
 * writer is full stops reading until EPOLLOUT, so a client that never reads holds only
 * its own connection.  EOF is passed on as a half-close, a reset as a reset.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "portfwd_tcp.h"

#ifndef NN_PF_PIPE_SIZE
#define NN_PF_PIPE_SIZE (256 * 1024) /* F_SETPIPE_SZ of a pooled pipe, bytes (benchmarks.md) */
#endif
#define POOL_MAX 32 /* idle pipes a loop keeps */
#define BUDGET (4 * NN_PF_PIPE_SIZE) /* bytes a direction moves per turn before the others */
#define ACCEPT_BATCH 64 /* accepts per listener event before the others */
#define DIAL_TRIES 10 /* RootlessKit: 10 tries, i x 5 ms apart */
#define DIAL_STEP_MS 5
#define PAUSE_MS 100 /* listeners rest this long when memory runs out */
#define STARVED_MS 10 /* a direction without a pipe tries again this late */
#ifndef NN_PF_NOTSENT_LOWAT
#define NN_PF_NOTSENT_LOWAT (128 * 1024) /* unsent bytes a socket of ours queues at most */
#endif
#define LOG_EVERY_S 60 /* one line about refused connections at most this often */

int64_t nn_tcp_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/*
 * refused() - a new connection of @p was refused because of @e at @what: counted, and one
 * line on the daemon's log at most every LOG_EVERY_S (nn_nest_log()).
 */
static void refused(struct loop *l, const struct port *p, int e, const char *what)
{
	struct nn_pf_tcp *t = l->tcp;
	int64_t now = nn_tcp_now_ms();

	pthread_mutex_lock(&t->log_lock);
	t->refused++;
	if (!t->logged_ms || now - t->logged_ms >= LOG_EVERY_S * 1000) {
		nn_nest_log("new connections refused at %s: %s (this one on host port %u; %lu "
			    "refused on the published TCP ports since the last such line); live "
			    "connections go on",
			    what, strerror(e), p->spec.parent_port, t->refused);
		t->logged_ms = now;
		t->refused = 0;
	}
	pthread_mutex_unlock(&t->log_lock);
}

static struct pipe_buf *pipe_get(struct loop *l)
{
	struct pipe_buf *b = l->pool;
	int fd[2];

	if (b) {
		l->pool = b->next;
		l->pooled--;
		return b;
	}
	b = malloc(sizeof(*b));
	if (!b)
		return NULL;
	if (pipe2(fd, O_CLOEXEC | O_NONBLOCK) < 0) {
		free(b);
		return NULL;
	}
	/* best effort: a smaller pipe still works (fs/pipe.c: pipe-user-pages-soft) */
	fcntl(fd[1], F_SETPIPE_SZ, NN_PF_PIPE_SIZE);
	b->r = fd[0];
	b->w = fd[1];
	return b;
}

/* nn_tcp_pool_drain() - close the pooled pipes: nothing is held while nothing moves */
void nn_tcp_pool_drain(struct loop *l)
{
	struct pipe_buf *b;

	while ((b = l->pool)) {
		l->pool = b->next;
		close(b->r);
		close(b->w);
		free(b);
	}
	l->pooled = 0;
}

/* pipe_put() - @d's pipe back to the pool when empty, else closed with what it holds */
static void pipe_put(struct loop *l, struct dir *d)
{
	struct pipe_buf *b = d->pipe;

	if (!b)
		return;
	d->pipe = NULL;
	if (d->held || l->pooled >= POOL_MAX) {
		close(b->r);
		close(b->w);
		free(b);
	} else {
		b->next = l->pool;
		l->pool = b;
		l->pooled++;
	}
	d->held = 0;
}

/* nn_tcp_close() - close @c's sockets, RST to the side @rst when it is not -1 (SO_LINGER 0) */
void nn_tcp_close(struct loop *l, struct tcp_conn *c, int rst)
{
	if (c->state == DEAD)
		return;
	if (rst >= 0 && c->fd[rst] >= 0) {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(c->fd[rst], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	for (int s = CLIENT; s <= TARGET; s++) {
		if (c->fd[s] >= 0)
			close(c->fd[s]); /* and out of the epoll set: no other fd refers to it */
		c->fd[s] = -1;
		pipe_put(l, &c->dir[s]);
	}
	if (c->timed)
		LIST_REMOVE(c, timer);
	c->timed = false;
	if (c->queued)
		TAILQ_REMOVE(&l->ready, c, ready);
	c->queued = false;
	c->state = DEAD;
	LIST_REMOVE(c, all);
	LIST_INSERT_HEAD(&l->dead, c, all); /* freed after the batch that may still name it */
}

int nn_tcp_watch(struct loop *l, int fd, uint32_t events, const void *ptr, int tag)
{
	struct epoll_event ev = { .events = events, .data.u64 = (uintptr_t)ptr | tag };

	return epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev);
}

/*
 * move() - bytes of direction @s of @c (read from fd[@s], written to fd[!@s]) until a side
 * would block or the turn's budget is used; the EOF is passed on with shutdown(SHUT_WR)
 * (half-close) once the pipe is empty.  No SPLICE_F_MORE: it corks the socket.
 * Return: 0 blocked or done, 1 budget used (more to do), 2 no pipe to be had (out of
 * descriptors or memory: the connection waits, it is not broken), a negative errno with
 * *@bad the side it came from.
 */
static int move(struct loop *l, struct tcp_conn *c, int s, int *bad)
{
	struct dir *d = &c->dir[s];
	int in = c->fd[s], out = c->fd[!s];
	size_t budget = BUDGET;

	if (d->done)
		return 0;
	for (;;) {
		ssize_t n;

		while (d->held) {
			n = splice(d->pipe->r, NULL, out, NULL, d->held,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == EAGAIN)
				return 0; /* EPOLLOUT on out brings us back */
			if (n <= 0) {
				*bad = !s;
				return n < 0 ? -errno : -EPIPE;
			}
			d->held -= n;
		}
		if (d->eof) {
			shutdown(out, SHUT_WR);
			d->done = true;
			pipe_put(l, d);
			return 0;
		}
		if (!budget)
			return 1;
		if (!d->pipe && !(d->pipe = pipe_get(l)))
			return 2;
		n = splice(in, NULL, d->pipe->w, NULL, NN_PF_PIPE_SIZE,
			   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n > 0) {
			d->held = n;
			budget = budget > (size_t)n ? budget - n : 0;
		} else if (n == 0) {
			d->eof = true;
		} else if (errno == EAGAIN) {
			pipe_put(l, d); /* nothing in flight: the pipe serves others */
			return 0;
		} else if (errno != EINTR) {
			*bad = s;
			return -errno;
		}
	}
}

static void timer_add(struct loop *l, struct tcp_conn *c, int64_t due)
{
	if (c->timed)
		return;
	c->due_ms = due;
	c->timed = true;
	LIST_INSERT_HEAD(&l->timers, c, timer);
}

/* nn_tcp_pump() - both directions of an open @c; closes it when both are done or one fails */
void nn_tcp_pump(struct loop *l, struct tcp_conn *c)
{
	bool more = false, starved = false;

	for (int s = CLIENT; s <= TARGET; s++) {
		int bad = -1, r = move(l, c, s, &bad);

		if (r < 0) {
			/* a reset side is passed on as a reset (RST) of the other one */
			bool reset = (r == -ECONNRESET || r == -EPIPE) && bad >= 0;

			nn_tcp_close(l, c, reset ? !bad : -1);
			return;
		}
		more |= r == 1;
		starved |= r == 2;
	}
	if (c->dir[CLIENT].done && c->dir[TARGET].done) {
		nn_tcp_close(l, c, -1);
	} else if (more && !c->queued) {
		TAILQ_INSERT_TAIL(&l->ready, c, ready);
		c->queued = true;
	}
	if (starved)
		timer_add(l, c, nn_tcp_now_ms() + STARVED_MS);
}

/*
 * tune() - TCP_NODELAY, as the bytes come (the client's own Nagle already ran); and
 * TCP_NOTSENT_LOWAT, so a peer that does not read holds NN_PF_NOTSENT_LOWAT of unsent bytes in
 * our socket instead of a send buffer autotuned up to tcp_wmem's 4 MiB: write(2) and
 * splice(2) see EAGAIN past it (tcp(7); net/ipv4/tcp.c tcp_stream_memory_free).  A
 * thousand stalled clients would take the host's TCP memory to tcp_mem's limit else, and
 * every socket on it to its minimum buffers.
 */
static void tune(int fd)
{
	int one = 1, lowat = NN_PF_NOTSENT_LOWAT;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
#if NN_PF_NOTSENT_LOWAT
	setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat, sizeof(lowat));
#else
	(void)lowat;
#endif
}

/*
 * target_socket() - the socket that dials @t (@tlen bytes), a target of @p, inside the nest
 * (the calling loop thread's netns), for a client at @client (@client_len bytes), bound to
 * the client's own address where it can be kept (nn_pf_target_socket(), portfwd_src.c)
 * Return: a non-blocking SOCK_STREAM socket, not connected, or -1 with errno set.
 */
static int target_socket(const struct port *p, const struct sockaddr_storage *t, socklen_t tlen,
			 const struct sockaddr_storage *client, socklen_t client_len)
{
	int fd = nn_pf_target_socket(p, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, t, tlen,
				     (const struct sockaddr *)client, client_len, NULL);

	if (fd < 0) {
		errno = -fd;
		return -1;
	}
	return fd;
}

static void dial_failed(struct loop *l, struct tcp_conn *c, int e);

/*
 * nn_tcp_dial() - connect a new socket to @c's target; @client is the client's address from
 * accept(2), or NULL on a later try (then getpeername(2)).
 */
void nn_tcp_dial(struct loop *l, struct tcp_conn *c, const struct sockaddr_storage *client,
		 socklen_t client_len)
{
	const struct port *p = c->port;
	const struct sockaddr_storage *t;
	struct sockaddr_storage peer;
	socklen_t tlen;
	int fd;

	if (!client) {
		client_len = sizeof(peer);
		if (getpeername(c->fd[CLIENT], (struct sockaddr *)&peer, &client_len) < 0) {
			nn_tcp_close(l, c, -1); /* the client went while we waited */
			return;
		}
		client = &peer;
	}
	c->tries++;
	c->state = DIALING;
	t = nn_pf_target(p, client, c->v4, &tlen);
	c->on6 = t == &p->target6;
	fd = target_socket(p, t, tlen, client, client_len);
	if (fd < 0) {
		refused(l, p, errno, "the dial inside the nest");
		nn_tcp_close(l, c, -1);
		return;
	}
	tune(fd);
	c->fd[TARGET] = fd;
	if (nn_tcp_watch(l, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, c, TAG_TARGET) < 0) {
		refused(l, p, errno, "the dial inside the nest");
		nn_tcp_close(l, c, -1);
		return;
	}
	if (connect(fd, (const struct sockaddr *)t, tlen) == 0) {
		c->state = OPEN;
		nn_tcp_pump(l, c);
	} else if (errno != EINPROGRESS) {
		dial_failed(l, c, errno);
	}
}

/*
 * dial_failed() - an IPv6 target that refuses is followed by the IPv4 one at once; then
 * RootlessKit's builtin driver tries 10 times, i x 5 ms apart, while the
 * target refuses: a server that is just starting gets its first client
 * (pkg/port/builtin/parent/tcp/tcp.go).  Any other failure closes the client's socket.
 */
static void dial_failed(struct loop *l, struct tcp_conn *c, int e)
{
	close(c->fd[TARGET]);
	c->fd[TARGET] = -1;
	if (e == ECONNREFUSED && c->on6 && !c->v4) {
		/* nothing on the sandbox's IPv6 address: its IPv4 one (docs/ports.md#ipv6) */
		c->v4 = true;
		c->tries--;
		nn_tcp_dial(l, c, NULL, 0);
		return;
	}
	if (e != ECONNREFUSED || c->tries >= DIAL_TRIES) {
		if (e == EMFILE || e == ENFILE || e == ENOMEM || e == ENOBUFS)
			refused(l, c->port, e, "the dial inside the nest");
		nn_tcp_close(l, c, -1);
		return;
	}
	c->state = WAITING;
	timer_add(l, c, nn_tcp_now_ms() + (int64_t)c->tries * DIAL_STEP_MS);
}

static void conn_new(struct loop *l, struct port *p, int fd, const struct sockaddr_storage *ss,
		     socklen_t len)
{
	struct tcp_conn *c = calloc(1, sizeof(*c));

	if (!c) {
		refused(l, p, ENOMEM, "accept");
		close(fd);
		return;
	}
	c->port = p;
	c->fd[CLIENT] = fd;
	c->fd[TARGET] = -1;
	c->state = DIALING;
	LIST_INSERT_HEAD(&l->conns, c, all);
	tune(fd);
	if (nn_tcp_watch(l, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, c, TAG_CLIENT) < 0) {
		refused(l, p, errno, "accept");
		nn_tcp_close(l, c, -1);
		return;
	}
	nn_tcp_dial(l, c, ss, len);
}

void nn_tcp_listeners(struct loop *l, int op)
{
	for (struct lport *lp = l->ports; lp; lp = lp->next) {
		struct epoll_event ev = { EPOLLIN | EPOLLEXCLUSIVE,
					  { .u64 = (uintptr_t)lp | TAG_LISTEN } };

		if (!lp->gone)
			epoll_ctl(l->ep, op, lp->p->host_fd, op == EPOLL_CTL_DEL ? NULL : &ev);
	}
}

/* pause_listeners() - out of memory: leave new clients in the backlogs for PAUSE_MS */
static void pause_listeners(struct loop *l)
{
	if (l->paused_until)
		return;
	nn_tcp_listeners(l, EPOLL_CTL_DEL);
	l->paused_until = nn_tcp_now_ms() + PAUSE_MS;
}

/*
 * nn_tcp_accept() - the clients waiting on @lp.  Out of descriptors (EMFILE, ENFILE), the
 * client is accepted on the reserve descriptor and closed at once, so it is refused and
 * not left to spin the loop (libev's and nginx's answer to accept(2)'s "EMFILE" in a
 * level-triggered loop); out of memory, the listeners rest.
 */
void nn_tcp_accept(struct loop *l, struct lport *lp)
{
	for (int i = 0; i < ACCEPT_BATCH && !lp->gone && !l->paused_until; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = accept4(lp->p->host_fd, (struct sockaddr *)&ss, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC),
		    e = errno;

		if (fd >= 0) {
			conn_new(l, lp->p, fd, &ss, len);
			continue;
		}
		if (e == EINTR || e == ECONNABORTED || e == EPROTO)
			continue;
		if ((e == EMFILE || e == ENFILE) && l->spare >= 0) {
			close(l->spare);
			fd = accept4(lp->p->host_fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd >= 0)
				close(fd);
			l->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
			refused(l, lp->p, e, "accept");
			continue;
		}
		if (e == EMFILE || e == ENFILE || e == ENOMEM || e == ENOBUFS) {
			refused(l, lp->p, e, "accept");
			pause_listeners(l);
		}
		return; /* EAGAIN, or the listener is gone */
	}
}

void nn_tcp_event(struct loop *l, struct tcp_conn *c, int side, uint32_t events)
{
	int e = 0;
	socklen_t len = sizeof(e);

	if (c->state == DIALING && side == TARGET) {
		getsockopt(c->fd[TARGET], SOL_SOCKET, SO_ERROR, &e, &len);
		if (e)
			dial_failed(l, c, e);
		else if (events & EPOLLOUT)
			c->state = OPEN;
	}
	if (c->state != OPEN)
		return; /* the client's bytes wait in its socket until the dial is done */
	if (events & EPOLLERR) {
		getsockopt(c->fd[side], SOL_SOCKET, SO_ERROR, &e, &len);
		if (e) {
			/* e.g. a reset while the other direction is stalled */
			nn_tcp_close(l, c, e == ECONNRESET || e == EPIPE ? !side : -1);
			return;
		}
	}
	nn_tcp_pump(l, c);
}

void nn_tcp_stop_port(struct loop *l, struct port *p)
{
	struct tcp_conn *c, *next;

	for (struct lport *lp = l->ports; lp; lp = lp->next) {
		if (lp->p != p || lp->gone)
			continue;
		if (!l->paused_until)
			epoll_ctl(l->ep, EPOLL_CTL_DEL, p->host_fd, NULL);
		lp->gone = true;
	}
	for (c = LIST_FIRST(&l->conns); c; c = next) {
		next = LIST_NEXT(c, all);
		if (c->port == p)
			nn_tcp_close(l, c, -1);
	}
}
