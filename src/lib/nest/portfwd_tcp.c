// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * portfwd_tcp.c - TCP ports of the port driver (see portfwd_internal.h)
 *
 * Event loops, one per CPU the daemon may run on (at most LOOPS_MAX), shared by every TCP
 * port of the driver.  Each loop thread enters the nest netns once (setns(2); it never
 * returns to the host netns, which a rootless daemon could not do) and serves, from one
 * epoll(7) instance, the listeners that portfwd.c made in the host netns (a socket keeps
 * the netns it was made in; every loop has every listener, EPOLLEXCLUSIVE, and whichever
 * is idle accepts), the dials to the target inside the nest (non-blocking connect(2), a
 * refused dial tried again from a timer) and the connections.  Bytes move with splice(2)
 * through a pipe from the loop's pool, held by a direction only while bytes are in flight:
 * an idle connection is two sockets and a struct tcp_conn.  The sockets are edge
 * triggered; a direction whose writer is full stops reading until EPOLLOUT, so a client
 * that never reads holds only its own connection.  Nothing but the loop thread touches a
 * connection; the API threads ask a loop to add or stop a port with a command (eventfd).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/queue.h>
#include <time.h>
#include <unistd.h>

#include "portfwd_internal.h"
#include "util.h"

#ifndef NN_PF_PIPE_SIZE
#define NN_PF_PIPE_SIZE (256 * 1024) /* F_SETPIPE_SZ of a pooled pipe, bytes (benchmarks.md) */
#endif
#define LOOPS_MAX 8                 /* loop threads at most, whatever the CPU count */
#define POOL_MAX 32                 /* idle pipes a loop keeps */
#define BUDGET (4 * NN_PF_PIPE_SIZE) /* bytes a direction moves per turn before the others */
#define ACCEPT_BATCH 64             /* accepts per listener event before the others */
#define DIAL_TRIES 10               /* RootlessKit: 10 tries, i x 5 ms apart */
#define DIAL_STEP_MS 5
#define PAUSE_MS 100                /* listeners rest this long when memory runs out */
#define LOG_EVERY_S 60              /* one line about refused connections at most this often */
#define POOL_IDLE_MS 1000           /* a loop idle this long closes its pooled pipes */
#define EVENTS 256

/* the low bits of epoll_data.u64 say what the rest points to (all 8-byte aligned) */
enum { TAG_WAKE, TAG_LISTEN, TAG_CLIENT, TAG_TARGET, TAG_MASK = 3 };
enum { CLIENT, TARGET };              /* c->fd[], and the direction reading from it */
enum { DIALING, WAITING, OPEN, DEAD }; /* c->state */

struct pipe_buf {
	int r, w;
	struct pipe_buf *next; /* in the pool */
};

/* One direction: bytes read from fd[side], written to fd[!side]. */
struct dir {
	struct pipe_buf *pipe; /* from the pool while @held > 0 */
	size_t held;           /* bytes in the pipe */
	bool eof, done;        /* EOF read; and passed on with shutdown(SHUT_WR) */
};

struct tcp_conn {
	struct port *port;
	int fd[2];              /* [CLIENT] accepted, host netns; [TARGET] nest netns or -1 */
	uint8_t state, tries;   /* tries: dials so far */
	bool queued;            /* on loop->ready: a direction used its budget */
	struct dir dir[2];      /* [CLIENT] client->target, [TARGET] target->client */
	int64_t due_ms;         /* WAITING: when to dial again (CLOCK_MONOTONIC) */
	LIST_ENTRY(tcp_conn) all;   /* loop->conns, or loop->dead once closed */
	LIST_ENTRY(tcp_conn) timer; /* loop->timers while WAITING */
	TAILQ_ENTRY(tcp_conn) ready;
};

/* A port as one loop has it. */
struct lport {
	struct port *p;
	bool gone;              /* stopped in this batch; freed at its end */
	struct lport *next;
};

struct cmd {
	enum { CMD_ADD, CMD_STOP, CMD_END } op;
	struct port *p;
	int result;             /* CMD_ADD: 0 or a negative errno */
	bool done;
	struct cmd *next;
};

struct loop {
	struct nn_pf_tcp *tcp;
	int ep, wake, spare;    /* epoll, eventfd for commands, a reserve fd for EMFILE */
	pthread_t thread;
	pthread_mutex_t lock;   /* guards cmds, started, done flags */
	pthread_cond_t cond;
	struct cmd *cmds;
	int started;            /* 1 running, negative errno when the thread failed */
	/* only the loop thread from here */
	bool ending;
	struct lport *ports;
	struct cmd *finished;   /* answered at the end of the batch */
	LIST_HEAD(, tcp_conn) conns, timers, dead;
	TAILQ_HEAD(, tcp_conn) ready;
	struct pipe_buf *pool;
	int pooled;
	int64_t paused_until;   /* listeners out of epoll until then, or 0 */
	int64_t busy_ms;        /* the last batch with events */
};

struct nn_pf_tcp {
	int nest_netns;         /* borrowed from the first port; a dup owned here */
	int backlog;
	pthread_mutex_t log_lock;
	int64_t logged_ms;      /* last line about refused connections, or 0 */
	unsigned long refused;  /* since then */
	int n;
	struct loop loop[];
};

static int64_t now_ms(void)
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
	int64_t now = now_ms();

	pthread_mutex_lock(&t->log_lock);
	t->refused++;
	if (!t->logged_ms || now - t->logged_ms >= LOG_EVERY_S * 1000) {
		nn_nest_log("host port %u: new connections refused (%lu so far) at %s: %s; live "
			    "connections go on", p->spec.parent_port, t->refused, what,
			    strerror(e));
		t->logged_ms = now;
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

/* pool_drain() - close the pooled pipes: nothing is held while nothing moves */
static void pool_drain(struct loop *l)
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

/* conn_close() - close @c's sockets, RST to the side @rst when it is not -1 (SO_LINGER 0) */
static void conn_close(struct loop *l, struct tcp_conn *c, int rst)
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
	if (c->state == WAITING)
		LIST_REMOVE(c, timer);
	if (c->queued)
		TAILQ_REMOVE(&l->ready, c, ready);
	c->queued = false;
	c->state = DEAD;
	LIST_REMOVE(c, all);
	LIST_INSERT_HEAD(&l->dead, c, all); /* freed after the batch that may still name it */
}

static int watch(struct loop *l, int fd, uint32_t events, const void *ptr, int tag)
{
	struct epoll_event ev = { .events = events, .data.u64 = (uintptr_t)ptr | tag };

	return epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev);
}

/*
 * move() - bytes of direction @s of @c (read from fd[@s], written to fd[!@s]) until a side
 * would block or the turn's budget is used; the EOF is passed on with shutdown(SHUT_WR)
 * (half-close) once the pipe is empty.  No SPLICE_F_MORE: it corks the socket.
 * Return: 0 blocked or done, 1 budget used (more to do), a negative errno with *@bad the
 * side it came from.
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
		if (!d->pipe && !(d->pipe = pipe_get(l))) {
			*bad = -1;
			return errno ? -errno : -ENOMEM;
		}
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

/* pump() - both directions of an open @c; closes it when both are done or one fails */
static void pump(struct loop *l, struct tcp_conn *c)
{
	bool more = false;

	for (int s = CLIENT; s <= TARGET; s++) {
		int bad = -1, r = move(l, c, s, &bad);

		if (r < 0) {
			/* a reset side is passed on as a reset (RST) of the other one */
			bool reset = (r == -ECONNRESET || r == -EPIPE) && bad >= 0;

			conn_close(l, c, reset ? !bad : -1);
			return;
		}
		more |= r > 0;
	}
	if (c->dir[CLIENT].done && c->dir[TARGET].done) {
		conn_close(l, c, -1);
	} else if (more && !c->queued) {
		TAILQ_INSERT_TAIL(&l->ready, c, ready);
		c->queued = true;
	}
}

/*
 * target_socket() - the socket that dials @p's target inside the nest (the calling loop
 * thread's netns), for a client at @client (@client_len bytes; may be used to keep the
 * client's address)
 * Return: a non-blocking SOCK_STREAM socket, not connected, or -1 with errno set.
 */
static int target_socket(const struct port *p, const struct sockaddr_storage *client,
			 socklen_t client_len)
{
	(void)client;
	(void)client_len;
	return socket(p->target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

static void dial_failed(struct loop *l, struct tcp_conn *c, int e);

/*
 * dial() - connect a new socket to @c's target; @client is the client's address from
 * accept(2), or NULL on a later try (then getpeername(2)).
 */
static void dial(struct loop *l, struct tcp_conn *c, const struct sockaddr_storage *client,
		 socklen_t client_len)
{
	const struct port *p = c->port;
	struct sockaddr_storage peer;
	int fd, one = 1;

	if (!client) {
		client_len = sizeof(peer);
		if (getpeername(c->fd[CLIENT], (struct sockaddr *)&peer, &client_len) < 0) {
			conn_close(l, c, -1); /* the client went while we waited */
			return;
		}
		client = &peer;
	}
	c->tries++;
	c->state = DIALING;
	fd = target_socket(p, client, client_len);
	if (fd < 0) {
		refused(l, p, errno, "the dial inside the nest");
		conn_close(l, c, -1);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->fd[TARGET] = fd;
	if (watch(l, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, c, TAG_TARGET) < 0) {
		refused(l, p, errno, "the dial inside the nest");
		conn_close(l, c, -1);
		return;
	}
	if (connect(fd, (const struct sockaddr *)&p->target, p->target_len) == 0) {
		c->state = OPEN;
		pump(l, c);
	} else if (errno != EINPROGRESS) {
		dial_failed(l, c, errno);
	}
}

/*
 * dial_failed() - RootlessKit's builtin driver tries 10 times, i x 5 ms apart, while the
 * target refuses: a server that is just starting gets its first client
 * (pkg/port/builtin/parent/tcp/tcp.go).  Any other failure closes the client's socket.
 */
static void dial_failed(struct loop *l, struct tcp_conn *c, int e)
{
	close(c->fd[TARGET]);
	c->fd[TARGET] = -1;
	if (e != ECONNREFUSED || c->tries >= DIAL_TRIES) {
		if (e == EMFILE || e == ENFILE || e == ENOMEM || e == ENOBUFS)
			refused(l, c->port, e, "the dial inside the nest");
		conn_close(l, c, -1);
		return;
	}
	c->state = WAITING;
	c->due_ms = now_ms() + (int64_t)c->tries * DIAL_STEP_MS;
	LIST_INSERT_HEAD(&l->timers, c, timer);
}

static void conn_new(struct loop *l, struct port *p, int fd, const struct sockaddr_storage *ss,
		     socklen_t len)
{
	struct tcp_conn *c = calloc(1, sizeof(*c));
	int one = 1;

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
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (watch(l, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, c, TAG_CLIENT) < 0) {
		refused(l, p, errno, "accept");
		conn_close(l, c, -1);
		return;
	}
	dial(l, c, ss, len);
}

static void listeners(struct loop *l, int op)
{
	for (struct lport *lp = l->ports; lp; lp = lp->next) {
		struct epoll_event ev = { EPOLLIN | EPOLLEXCLUSIVE, { .u64 = (uintptr_t)lp |
								       TAG_LISTEN } };

		if (!lp->gone)
			epoll_ctl(l->ep, op, lp->p->host_fd, op == EPOLL_CTL_DEL ? NULL : &ev);
	}
}

/* pause_listeners() - out of memory: leave new clients in the backlogs for PAUSE_MS */
static void pause_listeners(struct loop *l)
{
	if (l->paused_until)
		return;
	listeners(l, EPOLL_CTL_DEL);
	l->paused_until = now_ms() + PAUSE_MS;
}

/*
 * accept_some() - the clients waiting on @lp.  Out of descriptors (EMFILE, ENFILE), the
 * client is accepted on the reserve descriptor and closed at once, so it is refused and
 * not left to spin the loop (libev's and nginx's answer to accept(2)'s "EMFILE" in a
 * level-triggered loop); out of memory, the listeners rest.
 */
static void accept_some(struct loop *l, struct lport *lp)
{
	for (int i = 0; i < ACCEPT_BATCH && !lp->gone && !l->paused_until; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = accept4(lp->p->host_fd, (struct sockaddr *)&ss, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC), e = errno;

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

static void conn_event(struct loop *l, struct tcp_conn *c, int side, uint32_t events)
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
			conn_close(l, c, e == ECONNRESET || e == EPIPE ? !side : -1);
			return;
		}
	}
	pump(l, c);
}

static void stop_port(struct loop *l, struct port *p)
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
			conn_close(l, c, -1);
	}
}

/* commands() - the commands posted to @l, done now; answered at the end of the batch */
static void commands(struct loop *l)
{
	uint64_t v;
	struct cmd *q;

	if (read(l->wake, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&l->lock);
	q = l->cmds;
	l->cmds = NULL;
	pthread_mutex_unlock(&l->lock);
	while (q) {
		struct cmd *c = q;
		struct lport *lp;

		q = q->next;
		if (c->op == CMD_ADD) {
			lp = calloc(1, sizeof(*lp));
			c->result = lp ? 0 : -ENOMEM;
			if (lp) {
				struct epoll_event ev = { EPOLLIN | EPOLLEXCLUSIVE,
							  { .u64 = (uintptr_t)lp | TAG_LISTEN } };

				lp->p = c->p;
				lp->next = l->ports;
				l->ports = lp;
				if (!l->paused_until &&
				    epoll_ctl(l->ep, EPOLL_CTL_ADD, c->p->host_fd, &ev) < 0) {
					c->result = -errno;
					lp->gone = true;
				}
			}
		} else if (c->op == CMD_STOP) {
			stop_port(l, c->p);
		} else {
			struct tcp_conn *x;

			while ((x = LIST_FIRST(&l->conns)))
				conn_close(l, x, -1);
			l->ending = true;
		}
		c->next = l->finished;
		l->finished = c;
	}
}

/* timers() - redial the connections whose pause is over; listeners back after a rest */
static int timers(struct loop *l)
{
	int64_t now = now_ms(), next = -1;
	struct tcp_conn *c, *n;

	if (l->paused_until && now >= l->paused_until) {
		l->paused_until = 0;
		listeners(l, EPOLL_CTL_ADD);
	}
	for (c = LIST_FIRST(&l->timers); c; c = n) {
		n = LIST_NEXT(c, timer);
		if (c->due_ms <= now) {
			LIST_REMOVE(c, timer);
			dial(l, c, NULL, 0);
		}
	}
	if (l->pool && now - l->busy_ms >= POOL_IDLE_MS)
		pool_drain(l);
	else if (l->pool)
		next = l->busy_ms + POOL_IDLE_MS;
	LIST_FOREACH(c, &l->timers, timer)
		if (next < 0 || c->due_ms < next)
			next = c->due_ms;
	if (l->paused_until && (next < 0 || l->paused_until < next))
		next = l->paused_until;
	if (!TAILQ_EMPTY(&l->ready))
		return 0;
	return next < 0 ? -1 : (int)(next > now ? next - now : 0);
}

/* end_batch() - free what this batch closed, then answer its commands */
static void end_batch(struct loop *l)
{
	struct tcp_conn *c;
	struct lport **pp = &l->ports;

	while ((c = LIST_FIRST(&l->dead))) {
		LIST_REMOVE(c, all);
		free(c);
	}
	while (*pp) {
		struct lport *lp = *pp;

		if (lp->gone) {
			*pp = lp->next;
			free(lp);
		} else {
			pp = &lp->next;
		}
	}
	if (!l->finished)
		return;
	pthread_mutex_lock(&l->lock);
	for (struct cmd *q = l->finished; q; q = q->next)
		q->done = true;
	l->finished = NULL;
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->lock);
}

/* run_ready() - another turn for the connections that used their budget, in order */
static void run_ready(struct loop *l)
{
	int n = 0;
	struct tcp_conn *c;

	TAILQ_FOREACH(c, &l->ready, ready)
		n++;
	while (n-- > 0 && (c = TAILQ_FIRST(&l->ready))) {
		TAILQ_REMOVE(&l->ready, c, ready);
		c->queued = false;
		pump(l, c);
	}
}

static void *loop_main(void *arg)
{
	struct loop *l = arg;
	struct epoll_event ev[EVENTS];
	int r = 0, timeout = -1;

	pthread_setname_np(pthread_self(), "nn-port-tcp");
	if (setns(l->tcp->nest_netns, CLONE_NEWNET) < 0)
		r = -errno;
	pthread_mutex_lock(&l->lock);
	l->started = r < 0 ? r : 1;
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->lock);
	if (r < 0)
		return NULL;
	while (!l->ending) {
		int n = epoll_wait(l->ep, ev, EVENTS, timeout);

		if (n > 0)
			l->busy_ms = now_ms();

		for (int i = 0; i < n; i++) {
			void *ptr = (void *)(uintptr_t)(ev[i].data.u64 & ~(uint64_t)TAG_MASK);
			int tag = ev[i].data.u64 & TAG_MASK;

			if (tag == TAG_WAKE) {
				commands(l);
			} else if (tag == TAG_LISTEN) {
				accept_some(l, ptr);
			} else {
				struct tcp_conn *c = ptr;

				if (c->state != DEAD)
					conn_event(l, c, tag == TAG_CLIENT ? CLIENT : TARGET,
						   ev[i].events);
			}
		}
		run_ready(l);
		timeout = timers(l);
		end_batch(l);
	}
	return NULL;
}

/* post() - have @l do @op on @p and wait until it is done; Return: the command's result */
static int post(struct loop *l, int op, struct port *p)
{
	struct cmd c = { .op = op, .p = p };
	uint64_t one = 1;

	pthread_mutex_lock(&l->lock);
	c.next = l->cmds;
	l->cmds = &c;
	pthread_mutex_unlock(&l->lock);
	/* fails only when the counter would overflow (eventfd(2)): the loop is awake then */
	ssize_t w = write(l->wake, &one, sizeof(one));

	(void)w;
	pthread_mutex_lock(&l->lock);
	while (!c.done)
		pthread_cond_wait(&l->cond, &l->lock);
	pthread_mutex_unlock(&l->lock);
	return c.result;
}

static void loop_free(struct loop *l)
{
	pool_drain(l);
	if (l->ep >= 0)
		close(l->ep);
	if (l->wake >= 0)
		close(l->wake);
	if (l->spare >= 0)
		close(l->spare);
	pthread_cond_destroy(&l->cond);
	pthread_mutex_destroy(&l->lock);
}

static int loop_start(struct loop *l, struct nn_pf_tcp *t)
{
	int r;

	l->tcp = t;
	l->wake = l->spare = -1;
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->cond, NULL);
	LIST_INIT(&l->conns);
	LIST_INIT(&l->timers);
	LIST_INIT(&l->dead);
	TAILQ_INIT(&l->ready);
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	if (l->ep < 0)
		return -errno;
	l->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (l->wake < 0 || watch(l, l->wake, EPOLLIN, NULL, TAG_WAKE) < 0)
		return -errno;
	l->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	r = nn_pf_start_thread(&l->thread, loop_main, l, false);
	if (r < 0)
		return r;
	pthread_mutex_lock(&l->lock);
	while (!l->started)
		pthread_cond_wait(&l->cond, &l->lock);
	r = l->started < 0 ? l->started : 0;
	pthread_mutex_unlock(&l->lock);
	if (r < 0)
		pthread_join(l->thread, NULL);
	return r;
}

/* cpus() - the CPUs this process may run on (sched_getaffinity(2)), 1 at least */
static int cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return 1;
	return CPU_COUNT(&set) > 0 ? CPU_COUNT(&set) : 1;
}

/* somaxconn() - net.core.somaxconn of the calling thread's netns, or SOMAXCONN (listen(2)) */
static int somaxconn(void)
{
	_cleanup_free_ char *s = NULL;
	long v;

	if (nn_read_file(AT_FDCWD, "/proc/sys/net/core/somaxconn", &s, NULL, NULL) < 0)
		return SOMAXCONN;
	v = strtol(s, NULL, 10);
	return v > 0 && v <= INT32_MAX ? (int)v : SOMAXCONN;
}

static int tcp_new(int nest_netns, struct nn_pf_tcp **out, struct nn_err *err)
{
	int n = cpus() < LOOPS_MAX ? cpus() : LOOPS_MAX, r = 0;
	struct nn_pf_tcp *t = calloc(1, sizeof(*t) + n * sizeof(struct loop));

	if (!t)
		return nn_err(err, ENOMEM, "start the TCP port loops");
	t->nest_netns = fcntl(nest_netns, F_DUPFD_CLOEXEC, 0);
	if (t->nest_netns < 0) {
		free(t);
		return nn_err(err, errno, "start the TCP port loops: dup the nest netns fd");
	}
	pthread_mutex_init(&t->log_lock, NULL);
	t->backlog = somaxconn(); /* the listeners are in this thread's netns, the host's */
	for (t->n = 0; t->n < n; t->n++) {
		r = loop_start(&t->loop[t->n], t);
		if (r < 0)
			break;
	}
	if (r < 0) {
		loop_free(&t->loop[t->n]);
		nn_pf_tcp_end(t);
		return nn_err(err, -r, "start the TCP port loops");
	}
	*out = t;
	return 0;
}

int nn_pf_tcp_start(struct nn_pf_tcp **tcp, struct port *p, struct nn_err *err)
{
	int r, i;

	if (!*tcp) {
		r = tcp_new(p->nest_netns, tcp, err);
		if (r < 0)
			return r;
	}
	p->tcp = *tcp;
	if (fcntl(p->host_fd, F_SETFL, O_NONBLOCK) < 0 || listen(p->host_fd, p->tcp->backlog) < 0)
		return nn_err(err, errno, "listen on host port %u", p->spec.parent_port);
	for (i = 0; i < p->tcp->n; i++) {
		r = post(&p->tcp->loop[i], CMD_ADD, p);
		if (r < 0) {
			while (i-- > 0)
				post(&p->tcp->loop[i], CMD_STOP, p);
			return nn_err(err, -r, "publish host port %u: watch its socket",
				      p->spec.parent_port);
		}
	}
	return 0;
}

void nn_pf_tcp_stop(struct port *p)
{
	for (int i = 0; p->tcp && i < p->tcp->n; i++)
		post(&p->tcp->loop[i], CMD_STOP, p);
}

void nn_pf_tcp_end(struct nn_pf_tcp *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->n; i++) {
		post(&t->loop[i], CMD_END, NULL);
		pthread_join(t->loop[i].thread, NULL);
		loop_free(&t->loop[i]);
	}
	close(t->nest_netns);
	pthread_mutex_destroy(&t->log_lock);
	free(t);
}
