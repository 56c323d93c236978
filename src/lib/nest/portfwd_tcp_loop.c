// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * portfwd_tcp_loop.c - the TCP event loops of the port driver (see portfwd_tcp.h)
 *
 * One loop per CPU the daemon may run on (at most LOOPS_MAX), shared by every TCP port of
 * the driver and started with its first one.  Each loop thread enters the nest netns once
 * (setns(2); it never returns to the host netns, which a rootless daemon could not do) and
 * serves from one epoll(7) instance every listener (EPOLLEXCLUSIVE: whichever loop is idle
 * accepts), its connections, and its timers (the epoll_wait(2) timeout).  Nothing but the
 * loop thread touches a connection; the API threads ask each loop to add or stop a port
 * with a command (a list under the loop's lock and an eventfd), answered once the batch
 * that did it is over, so nothing of the port is left in the loop when they return.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "portfwd_tcp.h"
#include "util.h"

#define LOOPS_MAX 8 /* loop threads at most, whatever the CPU count */
#define POOL_IDLE_MS 1000 /* a loop idle this long closes its pooled pipes */
#define EVENTS 256

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
			nn_tcp_stop_port(l, c->p);
		} else {
			struct tcp_conn *x;

			while ((x = LIST_FIRST(&l->conns)))
				nn_tcp_close(l, x, -1);
			l->ending = true;
		}
		c->next = l->finished;
		l->finished = c;
	}
}

/* timers() - redial or pump the connections whose pause is over; listeners back after a
 * rest; the pooled pipes closed after POOL_IDLE_MS without events.  Return: the timeout
 * for epoll_wait(2), ms */
static int timers(struct loop *l)
{
	int64_t now = nn_tcp_now_ms(), next = -1;
	struct tcp_conn *c, *n;

	if (l->paused_until && now >= l->paused_until) {
		l->paused_until = 0;
		nn_tcp_listeners(l, EPOLL_CTL_ADD);
	}
	for (c = LIST_FIRST(&l->timers); c; c = n) {
		n = LIST_NEXT(c, timer);
		if (c->due_ms > now)
			continue;
		LIST_REMOVE(c, timer);
		c->timed = false;
		if (c->state == WAITING)
			nn_tcp_dial(l, c, NULL, 0);
		else
			nn_tcp_pump(l, c);
	}
	if (l->pool && now - l->busy_ms >= POOL_IDLE_MS)
		nn_tcp_pool_drain(l);
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
		nn_tcp_pump(l, c);
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
			l->busy_ms = nn_tcp_now_ms();

		for (int i = 0; i < n; i++) {
			void *ptr = (void *)(uintptr_t)(ev[i].data.u64 & ~(uint64_t)TAG_MASK);
			int tag = ev[i].data.u64 & TAG_MASK;

			if (tag == TAG_WAKE) {
				commands(l);
			} else if (tag == TAG_LISTEN) {
				nn_tcp_accept(l, ptr);
			} else {
				struct tcp_conn *c = ptr;

				if (c->state != DEAD)
					nn_tcp_event(l, c, tag == TAG_CLIENT ? CLIENT : TARGET,
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
	/* cppcheck-suppress autoVariables ; the loop is done with it before we return */
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
	nn_tcp_pool_drain(l);
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
	if (l->wake < 0 || nn_tcp_watch(l, l->wake, EPOLLIN, NULL, TAG_WAKE) < 0)
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
