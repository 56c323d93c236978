// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sandbox_teardown.c - the end of sandboxes (see sandbox.h): a teardown in two halves, the
 * dying list of exited ones whose netns the kernel has yet to destroy, the watcher that
 * buries a sandbox whose main process exited, DELETE (stop) and the stop of them all
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "bypass.h"
#include "ipam.h"
#include "pidfd.h"
#include "pool.h"
#include "portfwd.h"
#include "sandbox.h"
#include "sandbox_internal.h"
#include "sandbox_net.h"
#include "sweep.h"
#include "util.h"

#define STOP_GRACE_MS 5000 /* DELETE: SIGTERM, then SIGKILL after this */
#define STOP_ALL_GRACE_MS 2000 /* nest shutdown: the same, shorter (api.h) */
#define KILL_WAIT_MS 5000 /* after SIGKILL: longer means uninterruptible sleep */
#define BURY_WAIT_MS 1000 /* the watcher's wait for the rest of an exited sandbox's processes */
#define DYING_MS 1000 /* an exited sandbox's netns that has not died by then: veth deleted */
#define WATCH_BATCH 16 /* events the watcher takes at once */

static void unlink_all_locked(struct sandbox *sb)
{
	*sb->all_pprev = sb->all_next;
	if (sb->all_next)
		sb->all_next->all_pprev = sb->all_pprev;
}

/*
 * A teardown, in two halves.  The first, under the lock: the sandbox leaves the list, its
 * ports and its record go, so nothing sees it any more and its name is free.  The second,
 * without it: the veth and then the lease.  Until the struct is freed at the end of the
 * second half it stays on `all`, and no new sandbox is leased its address (on_bridge()),
 * so none gets it while the old veth may be on the bridge.
 *
 * The sandbox's processes are those of its netns (sweep.h), the daemon holding the netns
 * fd until they have all gone: `stop` and `down` end them all (SIGTERM, then SIGKILL), and
 * when the main process exits by itself the watcher SIGKILLs the rest (bury()), as the
 * kernel does in a PID namespace whose init exits.  Its netns then normally dies, and the
 * kernel deletes both ends of the pair itself (net/core/net_namespace.c cleanup_net,
 * default_device_exit_batch; drivers/net/veth.c veth_dellink), several netns in one batch.
 * Deleting the host end ourselves as well held RTNL through an RCU grace period
 * (net/core/dev.c unregister_netdevice_many: synchronize_net), 10-50 ms here, on the next
 * join's path.  So the watcher releases the lease at once (a foreground run waits for that,
 * nn_sb_api_wait(), not for the kernel), puts the sandbox on the dying list and waits for
 * the host end's RTM_DELLINK (nn_rtnl_watch_links()).  A netns that outlives its processes
 * (a bind mount, an fd passed on, a process SIGKILL could not end) sends none: after
 * DYING_MS its host end is deleted as before, which cuts it off the bridge.  `stop`
 * deletes it at once, as before; `down` does not (the nest's netns takes every port).
 */
static struct sandbox *unlist_locked(struct nn_nest *n, struct nn_sandboxes *s, uint64_t serial)
{
	for (struct sandbox **pp = &s->list; *pp; pp = &(*pp)->next) {
		struct sandbox *sb = *pp;
		char file[NN_NAME_MAX + 8];

		if (sb->serial != serial)
			continue;
		*pp = sb->next;
		sb->listed = false;
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, sb->pidfd, NULL);
		nn_ports_remove_owner(n, sb->name);
		snprintf(file, sizeof(file), "%s.json", sb->name);
		unlinkat(s->dirfd, file, 0);
		s->unwiring++;
		return sb;
	}
	return NULL;
}

/* The second half: the host veth (unless the kernel deleted it), the lease; no lock held. */
static void release(struct nn_sandboxes *s, struct sandbox *sb, bool delete_veth)
{
	struct nn_err ignore;

	if (!sb)
		return;
	/* The netns first: with its processes gone it dies and the kernel removes both ends
	 * of the pair with it, many netns in one batch (net/core/net_namespace.c
	 * cleanup_net); a delete of the veth while the netns lives waits for an RCU grace
	 * period each (30 ms apiece with 1000 sandboxes, so 10 s for a down). */
	if (sb->netns >= 0)
		close(sb->netns);
	sb->netns = -1;
	if (delete_veth && *sb->veth) {
		pthread_mutex_lock(&s->unwire_lock);
		nn_sandbox_unwire(&s->unwire, sb->veth, &ignore);
		pthread_mutex_unlock(&s->unwire_lock);
	}
	if (sb->leased)
		nn_ipam_release(&s->ipam, sb->ip, sb->name, NN_SANDBOX_IFNAME, &ignore);
	nn_bypass_stop(sb->bp);
	pthread_mutex_lock(&s->lock);
	unlink_all_locked(sb); /* a waiter (nn_sb_api_wait()) reads its pidfd under the lock */
	s->unwiring--;
	pthread_cond_broadcast(&s->unwired);
	pthread_mutex_unlock(&s->lock);
	if (sb->pidfd >= 0)
		close(sb->pidfd);
	json_decref(sb->record);
	free(sb);
}

/* The second half of a teardown that deletes the veth itself (stop). */
static void unwire(struct nn_sandboxes *s, struct sandbox *sb)
{
	release(s, sb, true);
}

/* Wait until no teardown is in its second half; the caller holds the lock. */
static void wait_unwired_locked(struct nn_sandboxes *s)
{
	while (s->unwiring)
		pthread_cond_wait(&s->unwired, &s->lock);
}

static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Take from the dying list the sandbox with @serial, or (@veth not NULL) the one whose host
 * veth is @veth, or (both 0/NULL) the first whose deadline is before @now; lock held. */
static struct sandbox *take_dying_locked(struct nn_sandboxes *s, uint64_t serial, const char *veth,
					 int64_t now)
{
	for (struct sandbox **pp = &s->dying; *pp; pp = &(*pp)->next) {
		struct sandbox *sb = *pp;

		if (serial ? sb->serial != serial :
		    veth   ? strcmp(sb->veth, veth) :
			     sb->deadline_ms > now)
			continue;
		*pp = sb->next;
		return sb;
	}
	return NULL;
}

/* nn_rtnl_gone_links(): @ifname was deleted in the nest netns */
static void veth_gone(const char *ifname, void *arg)
{
	struct nn_sandboxes *s = arg;
	struct sandbox *sb;

	pthread_mutex_lock(&s->lock);
	sb = take_dying_locked(s, 0, ifname, 0);
	pthread_mutex_unlock(&s->lock);
	release(s, sb, false);
}

/* Notifications were lost: look up each dying sandbox's veth; gone ones are released. */
static void recheck_dying(struct nn_sandboxes *s)
{
	struct sandbox *sb, *todo, *keep = NULL;
	struct nn_err ignore;
	int idx;

	pthread_mutex_lock(&s->lock);
	todo = s->dying;
	s->dying = NULL;
	pthread_mutex_unlock(&s->lock);
	while ((sb = todo)) {
		int r;

		todo = sb->next;
		pthread_mutex_lock(&s->unwire_lock);
		r = nn_rtnl_ifindex(&s->unwire, sb->veth, &idx, &ignore);
		pthread_mutex_unlock(&s->unwire_lock);
		if (r == -ENODEV) {
			release(s, sb, false);
			continue;
		}
		sb->next = keep;
		keep = sb;
	}
	pthread_mutex_lock(&s->lock);
	while ((sb = keep)) {
		keep = sb->next;
		sb->next = s->dying;
		s->dying = sb;
	}
	pthread_mutex_unlock(&s->lock);
}

/* epoll_wait(2)'s timeout: until the first deadline of the dying list, or none */
static int dying_timeout(struct nn_sandboxes *s)
{
	int64_t first = INT64_MAX, now = now_ms();

	pthread_mutex_lock(&s->lock);
	for (struct sandbox *sb = s->dying; sb; sb = sb->next)
		if (sb->deadline_ms < first)
			first = sb->deadline_ms;
	pthread_mutex_unlock(&s->lock);
	if (first == INT64_MAX)
		return -1;
	return first <= now ? 0 : (int)(first - now);
}

/*
 * Every dying sandbox whose deadline is before @now loses its veth.  At the watcher's stop
 * (@now INT64_MAX: the nest is going down) every one is released and no veth deleted: the
 * nest's netns goes with the daemon and takes them all at once, where a delete each held
 * RTNL through an RCU grace period (release()), 10-25 ms of a `down` right after a run.
 */
static void expire_dying(struct nn_sandboxes *s, int64_t now)
{
	for (;;) {
		struct sandbox *sb;

		pthread_mutex_lock(&s->lock);
		sb = take_dying_locked(s, 0, NULL, now);
		pthread_mutex_unlock(&s->lock);
		if (!sb)
			return;
		release(s, sb, now != INT64_MAX);
	}
}

/*
 * others_locked() - the sorted PIDs of the main processes of the listed sandboxes but the
 * one with @serial (0: none), for nn_sweep_sparing(): each was in its own netns when it
 * joined (open_sandbox_netns()), so a sweep of another netns need not read it; *@n their
 * number.  NULL (and *@n 0) when there are none or memory is short: then all are read.
 */
static pid_t *others_locked(const struct nn_sandboxes *s, uint64_t serial, size_t *n)
{
	size_t cap = 0, k = 0;
	pid_t *pids;

	*n = 0;
	for (const struct sandbox *sb = s->list; sb; sb = sb->next)
		cap++;
	pids = cap ? malloc(cap * sizeof(*pids)) : NULL;
	if (!pids)
		return NULL;
	for (const struct sandbox *sb = s->list; sb; sb = sb->next)
		if (sb->serial != serial && sb->pid > 0)
			pids[k++] = sb->pid;
	nn_sweep_sort_spare(pids, k);
	*n = k;
	return pids;
}

/*
 * The main processes of @list (unlisted, at most WATCH_BATCH) have exited: the rest of
 * each sandbox's processes, those of its netns, go at once (SIGKILL, as the kernel ends a
 * PID namespace whose init exits: pid_namespaces(7)), all in one sweep.  Then its netns fd
 * is let go, so that the netns can die; its lease goes, so that a foreground run waiting
 * for it (nn_sb_api_wait()) need not wait for the kernel's end of the netns (on_bridge()
 * keeps the address from new sandboxes until then); and it joins the dying list.
 */
static void bury(struct nn_sandboxes *s, struct sandbox *list)
{
	int fds[WATCH_BATCH];
	size_t k = 0, nspare;
	struct sandbox *sb;
	struct nn_err ignore;
	_cleanup_free_ pid_t *spare = NULL;

	for (sb = list; sb && k < ARRAY_SIZE(fds); sb = sb->next)
		if (sb->netns >= 0)
			fds[k++] = sb->netns;
	pthread_mutex_lock(&s->lock);
	spare = others_locked(s, 0, &nspare); /* @list is no longer listed */
	pthread_mutex_unlock(&s->lock);
	nn_sweep_sparing(fds, k, CLONE_NEWNET, spare, nspare, -1, BURY_WAIT_MS);
	pthread_mutex_lock(&s->lock);
	while ((sb = list)) {
		list = sb->next;
		if (sb->netns >= 0)
			close(sb->netns);
		sb->netns = -1;
		if (nn_ipam_release(&s->ipam, sb->ip, sb->name, NN_SANDBOX_IFNAME, &ignore) == 0)
			sb->leased = false;
		sb->deadline_ms = now_ms() + DYING_MS;
		sb->next = s->dying;
		s->dying = sb;
	}
	pthread_cond_broadcast(&s->unwired);
	pthread_mutex_unlock(&s->lock);
}

void *nn_sb_watcher_main(void *arg)
{
	struct nn_nest *n = arg;
	struct nn_sandboxes *s = nn_sb_of(n);

	for (;;) {
		struct epoll_event ev[WATCH_BATCH];
		int k = epoll_wait(s->epfd, ev, ARRAY_SIZE(ev), dying_timeout(s));
		bool links = false, stop = false;
		struct sandbox *exited = NULL;

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			break;
		/* the exits first: an RTM_DELLINK read in the same round then finds its sandbox */
		pthread_mutex_lock(&s->lock);
		for (int i = 0; i < k; i++) {
			struct sandbox *sb;

			if (ev[i].data.u64 == WATCH_STOP || ev[i].data.u64 == WATCH_LINKS) {
				stop |= ev[i].data.u64 == WATCH_STOP;
				links |= ev[i].data.u64 == WATCH_LINKS;
				continue;
			}
			sb = unlist_locked(n, s, ev[i].data.u64);
			if (!sb)
				continue;
			sb->next = exited;
			exited = sb;
		}
		pthread_mutex_unlock(&s->lock);
		if (exited)
			bury(s, exited);
		if (links && nn_rtnl_gone_links(&s->events, veth_gone, s) == -ENOBUFS)
			recheck_dying(s);
		if (stop)
			break;
		expire_dying(s, now_ms());
	}
	expire_dying(s, INT64_MAX);
	return NULL;
}

/**
 * nn_sb_api_delete() - DELETE /netnest/v1/sandboxes/<name>
 * @n:      the live nest
 * @path:   "/netnest/v1/sandboxes/<name>"
 * @body:   ignored
 * @resp:   left NULL (empty body)
 * @status: left as 200
 * @err:    error object
 *
 * SIGTERM to every process of the sandbox's netns, the main one too (nn_sweep()), SIGKILL
 * to those left after 5 s (and to a main process that left the netns), then waits for the
 * cleanup to finish.
 * Return: 0; -ENOENT naming the sandbox when there is none; -EINVAL when @path has no
 * name; -ESHUTDOWN if the sandbox service is not running; -ETIMEDOUT if a process
 * outlives SIGKILL by 5 s; other negative errno of pidfd_send_signal(2) or fcntl(2).
 */
int nn_sb_api_delete(struct nn_nest *n, const char *path, json_t *body, json_t **resp,
		     unsigned *status, struct nn_err *err)
{
	struct nn_sandboxes *s = nn_sb_of(n);
	const char *name = path + strlen(NN_SANDBOX_API);
	_cleanup_close_ int pidfd = -1, netns = -1;
	_cleanup_free_ pid_t *spare = NULL;
	struct sandbox *sb;
	uint64_t serial = 0;
	size_t nspare = 0;
	int r;

	(void)body, (void)resp, (void)status;
	if (!s)
		return nn_err(err, ESHUTDOWN, "DELETE %s: the sandbox service is not running",
			      path);
	if (*name != '/' || !name[1])
		return nn_errx(err, EINVAL, "DELETE %s: no sandbox name in the path", path);
	name++;
	pthread_mutex_lock(&s->lock);
	sb = nn_sb_find_locked(s, name);
	if (sb) {
		serial = sb->serial;
		pidfd = fcntl(sb->pidfd, F_DUPFD_CLOEXEC, 0);
		if (pidfd >= 0)
			netns = fcntl(sb->netns, F_DUPFD_CLOEXEC, 0);
		spare = others_locked(s, serial, &nspare);
	}
	pthread_mutex_unlock(&s->lock);
	if (!sb)
		return nn_errx(err, ENOENT, "no sandbox named %s", name);
	if (pidfd < 0 || netns < 0)
		return nn_err(err, errno, "stop sandbox %s", name);
	r = nn_sweep_sparing(&netns, 1, CLONE_NEWNET, spare, nspare, STOP_GRACE_MS, KILL_WAIT_MS);
	if (r != -ETIMEDOUT)
		/* the main process was one of them unless it left the netns (or /proc could
		 * not be read: then it has the grace period alone) */
		r = nn_pidfd_terminate(pidfd, r < 0 ? STOP_GRACE_MS : -1, KILL_WAIT_MS);
	if (r < 0)
		return nn_err(err, -r, "stop sandbox %s", name);
	/* our copy would keep the netns, so a teardown the watcher took first would wait
	 * DYING_MS for a veth the kernel deletes only with the netns */
	close(steal_fd(&netns));
	/* The watcher may have taken it first (then it is dying, or done); either way its
	 * teardown is over after this. */
	pthread_mutex_lock(&s->lock);
	sb = unlist_locked(n, s, serial);
	if (!sb)
		sb = take_dying_locked(s, serial, NULL, 0);
	pthread_mutex_unlock(&s->lock);
	unwire(s, sb);
	pthread_mutex_lock(&s->lock);
	wait_unwired_locked(s);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

void nn_sandboxes_stop_all(struct nn_nest *n)
{
	struct nn_sandboxes *s = nn_sb_of(n);
	uint64_t one = 1;
	size_t k = 0;
	int *fds;

	if (!s)
		return;
	nn_pool_stop(s->pool); /* no netns handed out while we stop */
	s->pool = NULL;
	/* The watcher goes first, so nothing else reaps while we do. */
	if (write(s->stopfd, &one, sizeof(one)) == sizeof(one))
		pthread_join(s->watcher, NULL);
	pthread_mutex_lock(&s->lock);
	for (struct sandbox *sb = s->list; sb; sb = sb->next)
		k++;
	fds = calloc(k ?: 1, sizeof(*fds));
	k = 0;
	for (struct sandbox *sb = s->list; fds && sb; sb = sb->next)
		fds[k++] = sb->netns;
	/* every process of every sandbox's netns, in one sweep: SIGTERM, SIGKILL after 2 s */
	nn_sweep(fds, k, CLONE_NEWNET, STOP_ALL_GRACE_MS, KILL_WAIT_MS);
	free(fds);
	for (struct sandbox *sb = s->list; sb; sb = sb->next)
		if (!nn_pidfd_wait(sb->pidfd, 0))
			/* it left its netns (or no memory for the sweep): the network goes
			 * either way */
			nn_pidfd_terminate(sb->pidfd, -1, KILL_WAIT_MS);
	/* No veth is deleted: the nest's netns goes with the daemon, and the kernel removes
	 * every device in it at once (net/core/dev.c default_device_exit_batch). */
	while (s->list) {
		struct sandbox *sb = unlist_locked(n, s, s->list->serial);

		pthread_mutex_unlock(&s->lock);
		release(s, sb, false);
		pthread_mutex_lock(&s->lock);
	}
	wait_unwired_locked(s);
	pthread_mutex_unlock(&s->lock);
	n->svc->sandboxes = NULL;
	nn_sb_free(s);
}
