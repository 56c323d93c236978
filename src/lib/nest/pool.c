// SPDX-License-Identifier: GPL-2.0-or-later
/* pool.c - network namespaces made ahead of `netnest run` (see pool.h) */
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

#include "pool.h"
#include "rtnl.h"
#include "util.h"

#define HANDED_MAX 64 /* handed-out netns remembered until their POST */
#define RETRY_MS 1000 /* after a failed fill */
#define DEFER_MS 20 /* a refill waits this long for the POST of a hand-out */

struct entry {
	int fd; /* nsfs; -1 once handed out */
	ino_t ino; /* 0: free slot */
	struct nn_sandbox_link link;
};

struct nn_pool {
	struct nn_nest *n;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* the filler: an entry went, or stop */
	struct entry ready[NN_POOL_SIZE];
	unsigned nready; /* ready[0..nready-1], oldest first */
	struct entry handed[HANDED_MAX];
	unsigned next_handed; /* ring index */
	bool active, stop; /* a request came; stopping */
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

static void *filler_main(void *arg)
{
	struct nn_pool *p = arg;

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		struct entry e = { .fd = -1 };
		struct nn_err err;
		char label[48];
		struct stat st;
		int r;

		if (!p->active || p->nready == NN_POOL_SIZE) {
			pthread_cond_wait(&p->wake, &p->lock);
			continue;
		}
		/* Off the join's path: a sandbox that was just handed a netns is still wiring
		 * it (RTNL, CPU); refill after its POST, or DEFER_MS after a client that died. */
		if (p->takes < p->handouts) {
			struct timespec t = p->handed_at;

			t.tv_nsec += DEFER_MS * 1000000L;
			t.tv_sec += t.tv_nsec / 1000000000L;
			t.tv_nsec %= 1000000000L;
			if (pthread_cond_timedwait(&p->wake, &p->lock, &t) != ETIMEDOUT)
				continue;
			p->takes = p->handouts;
		}
		snprintf(label, sizeof(label), "pooled netns %lu", ++p->made);
		pthread_mutex_unlock(&p->lock);
		r = nn_sandbox_prewire(p->n, &p->nest, label, &e.fd, &e.link, &err);
		if (r == 0 && fstat(e.fd, &st) < 0)
			r = -errno;
		pthread_mutex_lock(&p->lock);
		if (r == 0 && !p->stop) {
			e.ino = st.st_ino;
			p->ready[p->nready++] = e;
			continue;
		}
		if (e.fd >= 0)
			close(e.fd);
		if (r < 0 && !p->stop) { /* run falls back to a netns of its own meanwhile */
			struct timespec t;

			clock_gettime(CLOCK_REALTIME, &t);
			t.tv_sec += RETRY_MS / 1000;
			pthread_cond_timedwait(&p->wake, &p->lock, &t);
		}
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* The oldest ready netns, now remembered as handed out; its fd is the caller's. -1: none. */
static int hand_out(struct nn_pool *p)
{
	struct entry e;

	pthread_mutex_lock(&p->lock);
	p->active = true;
	if (!p->nready) {
		pthread_cond_signal(&p->wake);
		pthread_mutex_unlock(&p->lock);
		return -1;
	}
	p->handouts++;
	clock_gettime(CLOCK_REALTIME, &p->handed_at);
	e = p->ready[0];
	memmove(p->ready, p->ready + 1, --p->nready * sizeof(p->ready[0]));
	p->handed[p->next_handed] = e;
	p->handed[p->next_handed].fd = -1;
	p->next_handed = (p->next_handed + 1) % HANDED_MAX;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	return e.fd;
}

/* One byte, with the fd as SCM_RIGHTS when there is one (unix(7), cmsg(3)). */
static void answer(int conn, int fd)
{
	char byte = fd >= 0 ? '1' : '0';
	struct iovec iov = { &byte, 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u = { 0 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		m.msg_control = u.buf;
		m.msg_controllen = sizeof(u.buf);
		CMSG_FIRSTHDR(&m)->cmsg_level = SOL_SOCKET;
		CMSG_FIRSTHDR(&m)->cmsg_type = SCM_RIGHTS;
		CMSG_FIRSTHDR(&m)->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(CMSG_FIRSTHDR(&m)), &fd, sizeof(int));
	}
	(void)!sendmsg(conn, &m, MSG_NOSIGNAL);
}

static void *server_main(void *arg)
{
	struct nn_pool *p = arg;
	struct pollfd pf[2] = { { p->lfd, POLLIN, 0 }, { p->stopfd, POLLIN, 0 } };

	for (;;) {
		int conn, fd;

		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			return NULL;
		if (pf[1].revents)
			return NULL;
		if (!(pf[0].revents & POLLIN))
			continue;
		conn = accept4(p->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0)
			continue;
		fd = hand_out(p);
		answer(conn, fd);
		if (fd >= 0)
			close(fd); /* the client's now: never handed out again */
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
		close(p->ready[i].fd);
	if (p->stopfd >= 0)
		close(p->stopfd);
	nn_rtnl_close(&p->nest);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->wake);
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
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
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

int nn_pool_take(struct nn_pool *p, ino_t ino, struct nn_sandbox_link *link)
{
	int r = -ENOENT;

	if (!p || !ino)
		return -ENOENT;
	pthread_mutex_lock(&p->lock);
	for (unsigned i = 0; i < HANDED_MAX; i++) {
		if (p->handed[i].ino != ino)
			continue;
		*link = p->handed[i].link;
		p->handed[i].ino = 0;
		p->joining++;
		r = 0;
		break;
	}
	pthread_mutex_unlock(&p->lock);
	return r;
}

int nn_pool_get(const char *state_dir, struct nn_err *err)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	_cleanup_close_ int s = -1;
	char byte = 0;
	struct iovec iov = { &byte, 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	int fd;

	if (snprintf(a.sun_path, sizeof(a.sun_path), "%s/%s", state_dir, NN_POOL_SOCK) >=
	    (int)sizeof(a.sun_path))
		return -ENOENT;
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return nn_err(err, errno, "netns pool socket");
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		return errno == ENOENT || errno == ECONNREFUSED ?
			       -ENOENT :
			       nn_err(err, errno, "connect to %s", a.sun_path);
	if (recvmsg(s, &m, MSG_CMSG_CLOEXEC) < 0)
		return nn_err(err, errno, "receive a netns from %s", a.sun_path);
	c = CMSG_FIRSTHDR(&m);
	if (byte != '1' || !c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -ENOENT;
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	return fd;
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
