// SPDX-License-Identifier: GPL-2.0-or-later
/* sandbox.c - the sandbox service inside the nest daemon (see sandbox.h) */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>

#include "bypass.h"
#include "ipam.h"
#include "pidfd.h"
#include "pool.h"
#include "portfwd.h"
#include "portspec.h"
#include "proc.h"
#include "sandbox.h"
#include "sandbox_internal.h"
#include "sandbox_net.h"
#include "state.h"
#include "sweep.h"
#include "util.h"

#define STOP_GRACE_MS 5000     /* DELETE: SIGTERM, then SIGKILL after this */
#define STOP_ALL_GRACE_MS 2000 /* nest shutdown: the same, shorter (api.h) */
#define KILL_WAIT_MS 5000      /* after SIGKILL: longer means uninterruptible sleep */
#define BURY_WAIT_MS 1000 /* the watcher's wait for the rest of an exited sandbox's processes */
#define DYING_MS 1000 /* an exited sandbox's netns that has not died by then: veth deleted */
#define WATCH_STOP 0 /* epoll cookies of the watcher: stopfd, */
#define WATCH_LINKS UINT64_MAX /* the nest netns's link notifications; else a sandbox's serial */
#define WATCH_BATCH 16 /* events the watcher takes at once */

struct nn_sandboxes *nn_sb_of(struct nn_nest *n)
{
	return n->svc ? n->svc->sandboxes : NULL;
}

/* @sb joins `all` (sandbox_internal.h), which it leaves when release() ends; lock held */
static void link_all_locked(struct nn_sandboxes *s, struct sandbox *sb)
{
	sb->all_next = s->all;
	if (s->all)
		s->all->all_pprev = &sb->all_next;
	sb->all_pprev = &s->all;
	s->all = sb;
}

static void unlink_all_locked(struct sandbox *sb)
{
	*sb->all_pprev = sb->all_next;
	if (sb->all_next)
		sb->all_next->all_pprev = sb->all_pprev;
}

/*
 * nn_ipam_allocate()'s skip: the address of a sandbox not yet freed, whose veth may still
 * be on the bridge, is not leased again, even when an exited one's lease went before its
 * veth (bury()); lock held.
 */
static bool on_bridge(struct in_addr a, void *arg)
{
	struct nn_sandboxes *s = arg;

	for (struct sandbox *sb = s->all; sb; sb = sb->all_next)
		if (sb->ip.s_addr == a.s_addr)
			return true;
	return false;
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
	size_t k = 0;
	struct sandbox *sb;
	struct nn_err ignore;

	for (sb = list; sb && k < ARRAY_SIZE(fds); sb = sb->next)
		if (sb->netns >= 0)
			fds[k++] = sb->netns;
	nn_sweep(fds, k, CLONE_NEWNET, -1, BURY_WAIT_MS);
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

static void *watcher_main(void *arg)
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

struct sandbox *nn_sb_find_locked(struct nn_sandboxes *s, const char *name)
{
	for (struct sandbox *sb = s->list; sb; sb = sb->next)
		if (!strcmp(sb->name, name))
			return sb;
	return NULL;
}

/* /proc/PID/ns/net, refused when it is the nest's or the host's own netns. */
static int open_sandbox_netns(struct nn_nest *n, const struct create_req *req, ino_t *ino,
			      struct nn_err *err)
{
	char path[64];
	struct stat st, other;
	_cleanup_close_ int fd = -1;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", req->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return nn_err(err, errno, "sandbox %s: open %s", req->name, path);
	if (fstat(fd, &st) < 0)
		return nn_err(err, errno, "sandbox %s: stat %s", req->name, path);
	if ((fstat(n->nest_netns, &other) == 0 && other.st_ino == st.st_ino) ||
	    (fstat(n->host_netns, &other) == 0 && other.st_ino == st.st_ino))
		return nn_errx(err, EINVAL, "sandbox %s: process %d has no netns of its own",
			       req->name, req->pid);
	*ino = st.st_ino;
	return steal_fd(&fd);
}

/*
 * sandbox_ip6() - the IPv6 address of the sandbox leased @ip: the same offset in subnet6
 * as @ip has in subnet (10.4.0.2 -> fd00:4::2), so it is unique while the lease is, and
 * needs no lease of its own (docs/sandboxes.md#ipv6).  Return: false for an IPv4-only nest.
 */
static bool sandbox_ip6(const struct nn_nest *n, struct in_addr ip, struct in6_addr *out)
{
	uint32_t off = ntohl(ip.s_addr) - ntohl(nn_cidr_network(&n->cfg.subnet).s_addr);

	return n->cfg.ipv6 && nn_cidr6_host(&n->cfg.subnet6, off, out) == 0;
}

/* The addresses a port of the sandbox dials (sandbox_internal.h). */
void nn_sb_target(struct nn_portspec *spec, struct in_addr ip, const struct in6_addr *ip6)
{
	if (*spec->child_ip)
		return;
	inet_ntop(AF_INET, &ip, spec->child_ip, sizeof(spec->child_ip));
	if (ip6 && (nn_portspec_families(spec) & NN_PORT_V6))
		inet_ntop(AF_INET6, ip6, spec->child_ip6, sizeof(spec->child_ip6));
}

/* Publish each port of each spec (a range port by port: docs/ports.md#ranges) to @ip
 * (@ip6), owned by the sandbox; fills @ids. On failure removes all, naming a range's port. */
static int publish(struct nn_nest *n, const struct create_req *req, struct in_addr ip,
		   const struct in6_addr *ip6, json_t *ids, struct nn_err *err)
{
	json_t *v;
	size_t i;

	json_array_foreach(req->publish, i, v) {
		struct nn_portspec first, spec;
		unsigned count = 0;
		int id, r = nn_portspec_parse(json_string_value(v), &first, &count, err);

		for (unsigned k = 0; r == 0 && k < count; k++) {
			spec = nn_portspec_nth(&first, k);
			if (req->bypass && nn_bypass_takes(&spec))
				continue; /* it listens in the host netns itself */
			nn_sb_target(&spec, ip, ip6);
			if ((r = nn_ports_add(n, &spec, req->name, &id, err)) == 0)
				json_array_append_new(ids, json_integer(id));
			else if (count > 1)
				nn_portspec_range_wrap(err, json_string_value(v), &spec);
		}
		if (r < 0) {
			nn_ports_remove_owner(n, req->name);
			return nn_err_wrap(err, "sandbox %s", req->name);
		}
	}
	return 0;
}

/* The steps of a create after the request is parsed; the caller holds the lock. */
static int create_locked(struct nn_nest *n, struct nn_sandboxes *s, const struct create_req *req,
			 json_t **resp, struct nn_err *err)
{
	_cleanup_close_ int pidfd = -1, netns = -1;
	_cleanup_free_ struct sandbox *sb = NULL;
	const struct sandbox *holder;
	struct nn_sandbox_link link = { 0 };
	struct nn_rtnl inside;
	struct nn_proc_stat st;
	struct epoll_event ev = { .events = EPOLLIN };
	char label[NN_NAME_MAX + 16];
	json_t *ports = NULL, *rec = NULL;
	struct in_addr ip;
	struct in6_addr ip6, *ip6p = NULL;
	ino_t ino = 0;
	int r;

	snprintf(label, sizeof(label), "sandbox %s", req->name);
	holder = nn_sb_find_locked(s, req->name);
	if (holder)
		return nn_errx(err, EEXIST,
			       "nest %s: sandbox name %s is already in use (by process %d)",
			       n->cfg.name, req->name, (int)holder->pid);
	sb = calloc(1, sizeof(*sb));
	if (!sb)
		return nn_err(err, ENOMEM, "%s", label);
	pidfd = nn_pidfd_open(req->pid);
	if (pidfd < 0 && errno == ESRCH)
		goto no_process;
	if (pidfd < 0)
		return nn_err(err, errno, "%s: process %d", label, req->pid);
	if (nn_proc_stat(req->pid, &st, err) < 0)
		return nn_err_wrap(err, "%s", label);
	netns = open_sandbox_netns(n, req, &ino, err);
	if (netns < 0)
		return netns;
	if (nn_pidfd_wait(pidfd, 0)) /* it died already, maybe its PID was reused under us */
		goto no_process;

	r = nn_ipam_allocate(&s->ipam, req->name, NN_SANDBOX_IFNAME, on_bridge, s, &ip, err);
	if (r < 0)
		return nn_err_wrap(err, "%s: lease an address", label);
	if (sandbox_ip6(n, ip, &ip6))
		ip6p = &ip6;
	/* A netns from the pool has its veth already: only the addresses are left (pool.h). */
	if (nn_pool_take(s->pool, ino, &link, &inside) == 0) {
		r = nn_sandbox_wire_pooled(n, &s->nest, &inside, label, ip, ip6p, &link, err);
		nn_rtnl_close(&inside);
	} else {
		r = nn_sandbox_wire(n, &s->nest, netns, label, ip, ip6p, &link, err);
	}
	if (r < 0)
		goto undo_lease;
	ports = json_array();
	if (!ports) {
		r = nn_err(err, ENOMEM, "%s", label);
		goto undo_wire;
	}
	if (req->publish && (r = publish(n, req, ip, ip6p, ports, err)) < 0)
		goto undo_wire;
	rec = nn_sb_record(n, req, st.starttime, ip, ip6p, &link, ino, ports);
	if (!rec) {
		r = nn_err(err, ENOMEM, "%s: record", label);
		goto undo_ports;
	}
	json_object_set_new(rec, "bypass", json_boolean(req->bypass));
	if ((r = nn_sb_record_write(s, req->name, rec, err)) < 0)
		goto undo_ports;
	if (req->bypass && (r = nn_bypass_start(n, req->name, pidfd, ino, req->seccomp_fd,
						req->publish, &sb->bp, err)) < 0)
		goto undo_record;
	sb->serial = ++s->next_serial;
	ev.data.u64 = sb->serial;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, pidfd, &ev) < 0) {
		nn_bypass_stop(sb->bp);
		r = nn_err(err, errno, "%s: watch process %d", label, req->pid);
		goto undo_record;
	}
	snprintf(sb->name, sizeof(sb->name), "%s", req->name);
	sb->pid = req->pid;
	sb->netns = steal_fd(&netns); /* held until its processes are swept */
	snprintf(sb->veth, sizeof(sb->veth), "%s", link.veth);
	sb->ip = ip;
	sb->leased = true;
	sb->ip6 = ip6;
	sb->has_ip6 = ip6p != NULL;
	sb->pidfd = steal_fd(&pidfd);
	sb->record = rec;
	sb->next = s->list;
	sb->listed = true;
	link_all_locked(s, sb);
	s->list = steal_pointer(&sb);
	json_decref(ports);
	*resp = json_incref(rec);
	return 0;

undo_record:
	{
		char file[NN_NAME_MAX + 8];

		snprintf(file, sizeof(file), "%s.json", req->name);
		unlinkat(s->dirfd, file, 0);
	}
undo_ports:
	json_decref(rec);
	nn_ports_remove_owner(n, req->name);
undo_wire:
	json_decref(ports);
	nn_sandbox_unwire(&s->nest, link.veth, &(struct nn_err){ 0 });
undo_lease:
	nn_ipam_release(&s->ipam, ip, req->name, NN_SANDBOX_IFNAME, &(struct nn_err){ 0 });
	return r;
no_process:
	return nn_errx(err, ENOENT, "%s: no process %d", label, req->pid); /* 404 */
}

/**
 * api_create() - POST /netnest/v1/sandboxes (an nn_api_handler, api.h)
 * @n:      the live nest
 * @path:   request path (unused beyond routing)
 * @body:   {"name","pid","publish":[Docker -p specs],"command":[argv]}
 * @resp:   the new record (owned by the caller)
 * @status: 201
 * @err:    error object
 *
 * Opens /proc/PID/ns/net, leases an address, creates veth<8 hex> in the nest netns (port of
 * the bridge, up, nest MTU) with its peer eth0 placed straight into the sandbox netns
 * (drivers/net/veth.c veth_newlink), sets eth0's address, lo and eth0 up and the default
 * route via the bridge, publishes the ports, writes the record and starts watching the PID.
 * Every step is undone in reverse when a later one fails.
 * Return: 0; -EINVAL (bad body or name), -EEXIST (name in use), -ENOENT (no such PID),
 * -EADDRINUSE/-EACCES (a port), -ENOSPC (no address left), -ESHUTDOWN (the sandbox service
 * is not running), other negative errno.
 */
static int api_create(struct nn_nest *n, const char *path, json_t *body, json_t **resp,
		      unsigned *status, struct nn_err *err)
{
	struct nn_sandboxes *s = nn_sb_of(n);
	struct create_req req;
	int r;

	if (strcmp(path, NN_SANDBOX_API))
		return nn_sb_api_wait(n, path, body, resp, status, err); /* .../<name>/wait */
	if (!s)
		return nn_err(err, ESHUTDOWN, "create a sandbox: the sandbox service is not "
			      "running");
	r = nn_sandbox_parse_create(body, &req, err);
	if (r < 0)
		return r;
	pthread_mutex_lock(&s->lock);
	r = create_locked(n, s, &req, resp, err);
	pthread_mutex_unlock(&s->lock);
	nn_pool_joined(s->pool);
	if (r == 0)
		*status = 201;
	return r;
}

/**
 * api_delete() - DELETE /netnest/v1/sandboxes/<name>
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
static int api_delete(struct nn_nest *n, const char *path, json_t *body, json_t **resp,
		      unsigned *status, struct nn_err *err)
{
	struct nn_sandboxes *s = nn_sb_of(n);
	const char *name = path + strlen(NN_SANDBOX_API);
	_cleanup_close_ int pidfd = -1, netns = -1;
	struct sandbox *sb;
	uint64_t serial = 0;
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
	}
	pthread_mutex_unlock(&s->lock);
	if (!sb)
		return nn_errx(err, ENOENT, "no sandbox named %s", name);
	if (pidfd < 0 || netns < 0)
		return nn_err(err, errno, "stop sandbox %s", name);
	r = nn_sweep(&netns, 1, CLONE_NEWNET, STOP_GRACE_MS, KILL_WAIT_MS);
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

const struct nn_api_route nn_sandbox_routes[] = {
	{ "POST", NN_SANDBOX_API, api_create, NN_API_TREE, NN_API_JSON },
	{ "GET", NN_SANDBOX_API, nn_sb_api_list, NN_API_TREE, NN_API_JSON },
	{ "DELETE", NN_SANDBOX_API, api_delete, NN_API_TREE, NN_API_JSON },
	{ NULL, NULL, NULL, NN_API_TREE, NN_API_JSON },
};

static void sandboxes_free(struct nn_sandboxes *s)
{
	nn_pool_stop(s->pool);
	nn_rtnl_close(&s->nest);
	nn_rtnl_close(&s->unwire);
	nn_rtnl_close(&s->events);
	nn_ipam_close(&s->ipam);
	if (s->dirfd >= 0)
		close(s->dirfd);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->stopfd >= 0)
		close(s->stopfd);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->unwire_lock);
	pthread_cond_destroy(&s->unwired);
	free(s);
}

static int sandboxes_setup(struct nn_nest *n, struct nn_sandboxes *s, struct nn_err *err)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0 };
	int r;

	if (mkdirat(n->state_fd, "sandboxes", 0755) < 0 && errno != EEXIST)
		return nn_err(err, errno, "create %s/sandboxes", n->cfg.state_dir);
	s->dirfd = openat(n->state_fd, "sandboxes", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0)
		return nn_err(err, errno, "open %s/sandboxes", n->cfg.state_dir);
	/* where each sandbox mounts the tmpfs of its /etc copies (sandbox_enter.c) */
	if (mkdirat(n->state_fd, NN_STATE_ETC, 0755) < 0 && errno != EEXIST)
		return nn_err(err, errno, "create %s/%s", n->cfg.state_dir, NN_STATE_ETC);
	r = nn_ipam_open(&s->ipam, n->state_fd, NN_IPAM_NETWORK, &n->cfg.subnet, n->cfg.bridge_ip,
			 err);
	if (r < 0)
		return r;
	r = nn_rtnl_open(&s->nest, n->nest_netns, "nest", err);
	if (r == 0)
		r = nn_rtnl_open(&s->unwire, n->nest_netns, "nest", err);
	if (r == 0)
		r = nn_rtnl_open(&s->events, n->nest_netns, "nest", err);
	if (r == 0)
		r = nn_rtnl_watch_links(&s->events, err);
	if (r < 0)
		return r;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0)
		return nn_err(err, errno, "sandbox watcher: epoll_create1");
	s->stopfd = eventfd(0, EFD_CLOEXEC);
	if (s->stopfd < 0)
		return nn_err(err, errno, "sandbox watcher: eventfd");
	ev.data.u64 = WATCH_STOP;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->stopfd, &ev) < 0)
		return nn_err(err, errno, "sandbox watcher: epoll_ctl");
	ev.data.u64 = WATCH_LINKS;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, nn_rtnl_fd(&s->events), &ev) < 0)
		return nn_err(err, errno, "sandbox watcher: epoll_ctl");
	return nn_pool_start(n, &s->pool, err);
}

int nn_sandboxes_init(struct nn_nest *n, struct nn_err *err)
{
	struct nn_sandboxes *s = calloc(1, sizeof(*s));
	pthread_condattr_t ca;
	int r;

	if (!s)
		return nn_err(err, ENOMEM, "start the sandbox service");
	s->dirfd = s->epfd = s->stopfd = s->ipam.dirfd = -1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->unwire_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->unwired, &ca);
	pthread_condattr_destroy(&ca);
	n->svc->sandboxes = s;
	r = sandboxes_setup(n, s, err);
	if (r == 0 && (r = pthread_create(&s->watcher, NULL, watcher_main, n)) != 0)
		r = nn_err(err, r, "start the sandbox watcher");
	if (r < 0) {
		n->svc->sandboxes = NULL;
		sandboxes_free(s);
	}
	return r;
}

void nn_sandboxes_serving(struct nn_nest *n)
{
	struct nn_sandboxes *s = nn_sb_of(n);

	if (s)
		nn_pool_serving(s->pool);
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
	sandboxes_free(s);
}
