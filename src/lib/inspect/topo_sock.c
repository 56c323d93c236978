// SPDX-License-Identifier: GPL-2.0-or-later
/* topo_sock.c - one NETLINK_ROUTE socket inside each of many netns, fast (see topo.h) */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <linux/nsfs.h>

#include "discover.h"
#include "ns.h"
#include "rtnl.h"
#include "topo_internal.h"
#include "util.h"

#define WALK_THREADS 8          /* walking threads at most */
#define WALK_MIN_PER_THREAD 32  /* fewer netns per thread is not worth a thread */

struct batch {
	const int *fds;
	int *socks;
	int *errs;
	size_t n;
	atomic_size_t next;     /* next netns to take, shared by the walking threads */
	nn_topo_sock_cb got;    /* given each socket made, or NULL */
	void *arg;
};

/* hand socket @i to the callback, with a scratch buffer of the calling thread's */
static void hand_over(struct batch *b, size_t i, void **scratch)
{
	if (!b->got || b->socks[i] < 0)
		return;
	if (!*scratch)
		*scratch = malloc(NN_RTNL_BATCH_SCRATCH); /* NULL: nn_rtnl_batch() makes its own */
	b->got(b->arg, *scratch, i, b->socks[i]);
}

/* nn_rtnl_socket() in the calling thread's netns: @sock the fd or -1, @e its errno or 0 */
static void socket_here(int *sock, int *e)
{
	int fd = nn_rtnl_socket();

	*sock = fd < 0 ? -1 : fd;
	*e = fd < 0 ? -fd : 0;
}

/*
 * Walking threads take the netns one by one: setns(2) then socket(2), and hand the socket
 * over at once, so the first netns are read while the last sockets are still to be made.
 * A thread may change its netns in a multithreaded process (setns(2)); the socket stays
 * bound to the netns it was made in (rtnetlink(7)), and reads from any.  The threads end
 * there, so no one returns.  A socket the caller made before (its own netns) is handed
 * over by a walking thread too.
 */
static void *walk_thread(void *p)
{
	struct batch *b = p;
	void *scratch = NULL;
	size_t i;

	while ((i = atomic_fetch_add(&b->next, 1)) < b->n) {
		if (b->fds[i] < 0)
			continue;
		if (b->socks[i] < 0 && setns(b->fds[i], CLONE_NEWNET) < 0)
			b->errs[i] = errno;
		else if (b->socks[i] < 0)
			socket_here(&b->socks[i], &b->errs[i]);
		hand_over(b, i, &scratch);
	}
	free(scratch);
	return NULL;
}

/* the child of through_userns(): enter @userns, then each netns of @idx; send the sockets */
static void userns_child(int chan, int userns, const int *fds, const size_t *idx, size_t k)
{
	bool in = setns(userns, CLONE_NEWUSER) == 0;
	int e = in ? 0 : errno;

	for (size_t j = 0; j < k; j++) {
		char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
		int msg[2] = { (int)idx[j], e }, s = -1;
		struct iovec iov = { .iov_base = msg, .iov_len = sizeof(msg) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
		struct cmsghdr *c;

		if (in && setns(fds[idx[j]], CLONE_NEWNET) < 0)
			msg[1] = errno; /* cppcheck-suppress unreadVariable ; sent through iov */
		else if (in)
			socket_here(&s, &msg[1]);
		if (s >= 0) {
			m.msg_control = cbuf;
			m.msg_controllen = sizeof(cbuf);
			c = CMSG_FIRSTHDR(&m);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &s, sizeof(int));
		}
		if (sendmsg(chan, &m, 0) < 0)
			_exit(1);
		if (s >= 0)
			close(s);
	}
	_exit(0);
}

/*
 * Sockets in the netns @idx[0..@k) that share one owning user namespace, made by a forked
 * child that enters that userns first, as nsenter -U -n does: setns(2) into a netns needs
 * CAP_SYS_ADMIN over its owning userns and over the caller's (net/core/net_namespace.c
 * netns_install), which the userns's owner has once inside it.  Sockets come back over
 * SCM_RIGHTS (unix(7)).
 */
static void through_userns(struct batch *b, const size_t *idx, size_t k, void **scratch)
{
	_cleanup_close_ int userns = ioctl(b->fds[idx[0]], NS_GET_USERNS);
	struct stat own, st;
	int sv[2], status;
	pid_t pid;

	/* errs[] keep the EPERM of the plain setns when there is no other userns to enter */
	if (userns < 0 || fstat(userns, &st) < 0 || stat("/proc/self/ns/user", &own) < 0 ||
	    (st.st_dev == own.st_dev && st.st_ino == own.st_ino))
		return;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		userns_child(sv[1], userns, b->fds, idx, k);
	}
	close(sv[1]);
	for (size_t j = 0; pid > 0 && j < k; j++) {
		char cbuf[CMSG_SPACE(sizeof(int))];
		int msg[2];
		struct iovec iov = { .iov_base = msg, .iov_len = sizeof(msg) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *c;

		/* cppcheck-suppress uninitvar ; recvmsg() fills msg[] through iov */
		if (recvmsg(sv[0], &m, MSG_CMSG_CLOEXEC) != sizeof(msg) || msg[0] < 0 ||
		    (size_t)msg[0] >= b->n)
			break;
		c = CMSG_FIRSTHDR(&m);
		if (c && c->cmsg_type == SCM_RIGHTS) {
			memcpy(&b->socks[msg[0]], CMSG_DATA(c), sizeof(int));
			b->errs[msg[0]] = 0;
			hand_over(b, (size_t)msg[0], scratch);
		} else if (msg[1]) {
			b->errs[msg[0]] = msg[1];
		}
	}
	close(sv[0]);
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

void nn_topo_reserve_fds(const int *fds, size_t n)
{
	int top = 2;

	for (size_t i = 0; i < n; i++)
		if (fds[i] > top)
			top = fds[i];
	nn_fd_table_reserve(top, n);
}

void nn_topo_open_socks(const int *fds, uint64_t *userns, size_t n, ssize_t self, int *socks,
			int *errs, nn_topo_sock_cb got, void *arg)
{
	struct batch b = { fds, socks, errs, n, 0, got, arg };
	_cleanup_free_ void *scratch = NULL;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	pthread_t th[WALK_THREADS];
	size_t nth = 0, want;
	_cleanup_free_ size_t *idx = calloc(n ? n : 1, sizeof(*idx));
	_cleanup_free_ bool *tried = calloc(n ? n : 1, sizeof(*tried));

	for (size_t i = 0; i < n; i++) {
		socks[i] = -1;
		errs[i] = fds[i] < 0 ? EBADF : 0;
	}
	/* our own netns needs no setns (which wants CAP_SYS_ADMIN even there) */
	if (self >= 0 && (size_t)self < n && fds[self] >= 0)
		socket_here(&socks[self], &errs[self]);
	/* threads, never the caller: its own netns must not change */
	want = n / WALK_MIN_PER_THREAD;
	if (cpus > 0 && want > (size_t)cpus)
		want = (size_t)cpus;
	if (want > WALK_THREADS)
		want = WALK_THREADS;
	while (nth < (want ? want : 1) && pthread_create(&th[nth], NULL, walk_thread, &b) == 0)
		nth++;
	if (!nth) {
		for (size_t i = 0; i < n; i++)
			if (socks[i] < 0 && !errs[i])
				errs[i] = EAGAIN;
			else
				hand_over(&b, i, &scratch);
		return;
	}
	while (nth)
		pthread_join(th[--nth], NULL);
	if (!idx || !tried)
		return;
	/* what plain setns refused: once per owning user namespace */
	for (size_t i = 0; i < n; i++) {
		uid_t uid;

		if (socks[i] < 0 && errs[i] == EPERM && !userns[i])
			nn_ns_owner(fds[i], &userns[i], &uid, NULL);
	}
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;

		if (socks[i] >= 0 || errs[i] != EPERM || tried[i])
			continue;
		for (size_t j = i; j < n; j++)
			if (socks[j] < 0 && errs[j] == EPERM && userns[j] == userns[i]) {
				idx[k++] = j;
				tried[j] = true;
			}
		through_userns(&b, idx, k, &scratch);
	}
}
