// SPDX-License-Identifier: GPL-2.0-or-later
/* pool.c - network and mount namespaces made ahead of `netnest run` (see pool.h) */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include "fdpass.h"
#include "pool.h"
#include "rtnl.h"
#include "sandbox.h"
#include "util.h"

#define HANDED_MAX 64 /* handed-out netns remembered until their POST */
#define HANDED_TTL_MS 10000 /* a hand-out not taken by then: its client died before its POST */
#define RETRY_MS 1000 /* after a failed fill */
#define DEFER_MS 20 /* a refill waits this long for the POST of a hand-out */
#define POOL_WAIT_S 30 /* a run's wait for the pool's answer (nn_pool_get()), as client.c's */
#define FILL_WAIT_MS 10 /* a request finding the pool empty waits this long for a fill under way */

struct entry {
	int netns, mntns; /* nsfs fds; -1 once handed out */
	struct nn_rtnl inside; /* in the netns, pinning it (nn_sandbox_prewire()); nl NULL: none */
	ino_t ino; /* of the netns; 0: free slot */
	struct nn_sandbox_link link;
	struct timespec handed_at; /* CLOCK_MONOTONIC */
};

struct nn_pool {
	struct nn_nest *n;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* the filler: an entry went, a request came, or stop */
	pthread_cond_t filled; /* the server: an entry is ready, or a fill failed */
	struct entry ready[NN_POOL_SIZE];
	unsigned nready; /* ready[0..nready-1], oldest first */
	unsigned want; /* fill up to this: 0, NN_POOL_FIRST once serving, NN_POOL_SIZE once asked */
	bool filling; /* the filler is making one */
	struct entry handed[HANDED_MAX];
	unsigned next_handed; /* ring index */
	bool stop;
	unsigned long made; /* for labels */
	unsigned long handouts, takes; /* takes: joins done with a netns handed out */
	unsigned joining; /* taken, join not done yet */
	struct timespec handed_at; /* CLOCK_REALTIME of the last hand-out */
	struct nn_rtnl nest; /* the filler's socket in the nest netns */
	int lfd, stopfd;
	bool filler_up, server_up;
	pthread_t filler, server;
	char sock[PATH_MAX];
};

static void entry_close(struct entry *e)
{
	if (e->netns >= 0)
		close(e->netns);
	if (e->mntns >= 0)
		close(e->mntns);
	nn_rtnl_close(&e->inside);
	*e = (struct entry){ .netns = -1, .mntns = -1 };
}

/* @t + @ms milliseconds */
static struct timespec after_ms(struct timespec t, long ms)
{
	t.tv_nsec += ms * 1000000L;
	t.tv_sec += t.tv_nsec / 1000000000L;
	t.tv_nsec %= 1000000000L;
	return t;
}

/* One entry: a prewired netns, the socket in it, and a mount namespace set up. */
static int make_entry(struct nn_pool *p, const char *label, struct entry *e, struct nn_err *err)
{
	struct stat st;
	int r;

	r = nn_sandbox_prewire(p->n, &p->nest, label, &e->netns, &e->inside, &e->link, err);
	if (r < 0)
		return r;
	if (fstat(e->netns, &st) < 0)
		return nn_err(err, errno, "stat %s", label);
	e->ino = st.st_ino;
	e->mntns = nn_sandbox_premount(p->n->cfg.state_dir, e->netns, label, err);
	return e->mntns < 0 ? e->mntns : 0;
}

static void *filler_main(void *arg)
{
	struct nn_pool *p = arg;

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		struct entry e = { .netns = -1, .mntns = -1 };
		struct nn_err err;
		char label[48];
		int r;

		if (p->nready >= p->want) {
			pthread_cond_wait(&p->wake, &p->lock);
			continue;
		}
		/* Off the join's path: a sandbox that was just handed a netns is still wiring
		 * it (RTNL, CPU); refill after its POST, or DEFER_MS after a client that died. */
		if (p->takes < p->handouts) {
			struct timespec t = after_ms(p->handed_at, DEFER_MS);

			if (pthread_cond_timedwait(&p->wake, &p->lock, &t) != ETIMEDOUT)
				continue;
			p->takes = p->handouts;
		}
		snprintf(label, sizeof(label), "pooled netns %lu", ++p->made);
		p->filling = true;
		pthread_mutex_unlock(&p->lock);
		r = make_entry(p, label, &e, &err);
		pthread_mutex_lock(&p->lock);
		p->filling = false;
		pthread_cond_broadcast(&p->filled);
		if (r == 0 && !p->stop) {
			p->ready[p->nready++] = e;
			continue;
		}
		entry_close(&e);
		if (r < 0 && !p->stop) { /* run makes its own namespaces meanwhile */
			struct timespec t;

			clock_gettime(CLOCK_REALTIME, &t);
			t = after_ms(t, RETRY_MS);
			pthread_cond_timedwait(&p->wake, &p->lock, &t);
		}
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Hand-outs older than HANDED_TTL_MS: their client died before its POST; the lock is held. */
static void expire_handed_locked(struct nn_pool *p, struct timespec now)
{
	for (unsigned i = 0; i < HANDED_MAX; i++) {
		struct entry *h = &p->handed[i];

		if (h->ino && now.tv_sec - h->handed_at.tv_sec > HANDED_TTL_MS / 1000)
			entry_close(h);
	}
}

/*
 * The oldest ready entry, now remembered as handed out; its two fds are the caller's.
 * An empty pool with a fill under way (just after `up`, or many runs at once) waits up to
 * FILL_WAIT_MS for it.  Return: false when there is none.
 */
static bool hand_out(struct nn_pool *p, int fds[NN_POOL_FDS])
{
	struct timespec now, until;
	struct entry *h;

	clock_gettime(CLOCK_REALTIME, &until);
	until = after_ms(until, FILL_WAIT_MS);
	pthread_mutex_lock(&p->lock);
	if (p->want < NN_POOL_SIZE) {
		p->want = NN_POOL_SIZE;
		pthread_cond_signal(&p->wake);
	}
	while (!p->nready && p->filling && !p->stop)
		if (pthread_cond_timedwait(&p->filled, &p->lock, &until) == ETIMEDOUT)
			break;
	if (!p->nready || p->stop) {
		pthread_mutex_unlock(&p->lock);
		return false;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	expire_handed_locked(p, now);
	p->handouts++;
	clock_gettime(CLOCK_REALTIME, &p->handed_at);
	h = &p->handed[p->next_handed];
	entry_close(h); /* the ring came round: one never taken */
	*h = p->ready[0];
	memmove(p->ready, p->ready + 1, --p->nready * sizeof(p->ready[0]));
	fds[0] = h->netns;
	fds[1] = h->mntns;
	h->netns = h->mntns = -1;
	h->handed_at = now;
	p->next_handed = (p->next_handed + 1) % HANDED_MAX;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	return true;
}

static void *server_main(void *arg)
{
	struct nn_pool *p = arg;
	struct pollfd pf[2] = { { p->lfd, POLLIN, 0 }, { p->stopfd, POLLIN, 0 } };

	for (;;) {
		int conn, fds[NN_POOL_FDS];
		bool got;

		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			return NULL;
		if (pf[1].revents)
			return NULL;
		if (!(pf[0].revents & POLLIN))
			continue;
		conn = accept4(p->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0)
			continue;
		got = hand_out(p, fds);
		nn_pool_answer(conn, got ? fds : NULL);
		if (got) /* the client's now: never handed out again */
			close(fds[0]), close(fds[1]);
		close(conn);
	}
}

static int listen_on(struct nn_pool *p, struct nn_err *err)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	if (snprintf(p->sock, sizeof(p->sock), "%s/%s", p->n->cfg.state_dir, NN_POOL_SOCK) >=
	    (int)sizeof(a.sun_path))
		return nn_errx(err, ENAMETOOLONG, "netns pool socket %s/%s: path too long",
			       p->n->cfg.state_dir, NN_POOL_SOCK);
	memcpy(a.sun_path, p->sock, strlen(p->sock) + 1);
	p->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (p->lfd < 0)
		return nn_err(err, errno, "netns pool socket");
	unlink(p->sock);
	if (bind(p->lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || chmod(p->sock, 0600) < 0 ||
	    listen(p->lfd, 64) < 0)
		return nn_err(err, errno, "listen on %s", p->sock);
	return 0;
}

void nn_pool_stop(struct nn_pool *p)
{
	uint64_t one = 1;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_signal(&p->wake);
	pthread_cond_broadcast(&p->filled);
	pthread_mutex_unlock(&p->lock);
	if (p->server_up && write(p->stopfd, &one, sizeof(one)) == sizeof(one))
		pthread_join(p->server, NULL);
	if (p->filler_up)
		pthread_join(p->filler, NULL);
	if (p->lfd >= 0) {
		close(p->lfd);
		unlink(p->sock);
	}
	for (unsigned i = 0; i < p->nready; i++)
		entry_close(&p->ready[i]);
	for (unsigned i = 0; i < HANDED_MAX; i++)
		entry_close(&p->handed[i]);
	if (p->stopfd >= 0)
		close(p->stopfd);
	nn_rtnl_close(&p->nest);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->wake);
	pthread_cond_destroy(&p->filled);
	free(p);
}

int nn_pool_start(struct nn_nest *n, struct nn_pool **out, struct nn_err *err)
{
	struct nn_pool *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return nn_err(err, ENOMEM, "start the netns pool");
	p->n = n;
	p->lfd = -1;
	for (unsigned i = 0; i < HANDED_MAX; i++)
		p->handed[i] = (struct entry){ .netns = -1, .mntns = -1 };
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	pthread_cond_init(&p->filled, NULL);
	p->stopfd = eventfd(0, EFD_CLOEXEC);
	r = p->stopfd < 0 ? nn_err(err, errno, "netns pool: eventfd") : 0;
	if (r == 0)
		r = nn_rtnl_open(&p->nest, n->nest_netns, "nest", err);
	if (r == 0)
		r = listen_on(p, err);
	if (r == 0 && (r = pthread_create(&p->filler, NULL, filler_main, p)) != 0)
		r = nn_err(err, r, "start the netns pool filler");
	p->filler_up = r == 0;
	if (r == 0 && (r = pthread_create(&p->server, NULL, server_main, p)) != 0)
		r = nn_err(err, r, "start the netns pool server");
	p->server_up = r == 0;
	if (r < 0) {
		nn_pool_stop(p);
		return r;
	}
	*out = p;
	return 0;
}

void nn_pool_serving(struct nn_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	if (p->want < NN_POOL_FIRST) {
		p->want = NN_POOL_FIRST;
		pthread_cond_signal(&p->wake);
	}
	pthread_mutex_unlock(&p->lock);
}

int nn_pool_take(struct nn_pool *p, ino_t ino, struct nn_sandbox_link *link, struct nn_rtnl *inside)
{
	int r = -ENOENT;

	if (!p || !ino)
		return -ENOENT;
	pthread_mutex_lock(&p->lock);
	for (unsigned i = 0; i < HANDED_MAX; i++) {
		struct entry *h = &p->handed[i];

		if (h->ino != ino)
			continue;
		*link = h->link;
		*inside = h->inside;
		h->inside.nl = NULL;
		h->ino = 0;
		p->joining++;
		r = 0;
		break;
	}
	pthread_mutex_unlock(&p->lock);
	return r;
}

void nn_pool_answer(int conn, const int fds[NN_POOL_FDS])
{
	char byte = fds ? '1' : '0';

	(void)nn_fds_send(conn, &byte, 1, fds, fds ? NN_POOL_FDS : 0);
}

int nn_pool_get(const char *state_dir, int fds[NN_POOL_FDS], struct nn_err *err)
{
	char path[PATH_MAX];
	_cleanup_close_ int s = -1;
	char byte = 0;
	size_t n = 0;
	ssize_t r;

	if (snprintf(path, sizeof(path), "%s/%s", state_dir, NN_POOL_SOCK) >= (int)sizeof(path))
		return -ENOENT;
	s = nn_unix_connect(path, POOL_WAIT_S);
	if (s == -ENOENT || s == -ECONNREFUSED || s == -ENAMETOOLONG)
		return -ENOENT;
	if (s < 0)
		return nn_err(err, -s, "connect to %s", path);
	r = nn_fds_recv(s, &byte, 1, fds, NN_POOL_FDS, &n);
	if (r == -EAGAIN)
		return nn_errx(err, ETIMEDOUT, "receive namespaces from %s: no answer within %d s",
			       path, POOL_WAIT_S);
	if (r < 0 && r != -EMSGSIZE)
		return nn_err(err, (int)-r, "receive namespaces from %s", path);
	if (r == 1 && byte == '1' && n == NN_POOL_FDS)
		return 0;
	while (n)
		close(fds[--n]);
	return -ENOENT;
}

void nn_pool_joined(struct nn_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	if (p->joining) {
		p->joining--;
		p->takes++;
		pthread_cond_signal(&p->wake);
	}
	pthread_mutex_unlock(&p->lock);
}
