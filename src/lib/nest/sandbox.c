// SPDX-License-Identifier: GPL-2.0-or-later
/* sandbox.c - the sandbox service inside the nest daemon (see sandbox.h): its start and
 * stop, and the create of a sandbox; the end of one is in sandbox_teardown.c */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>

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
#include "util.h"

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
		return nn_err_wrap(err, "nest %s: %s: lease an address", n->cfg.name, label);
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

const struct nn_api_route nn_sandbox_routes[] = {
	{ "POST", NN_SANDBOX_API, api_create, NN_API_TREE, NN_API_JSON },
	{ "GET", NN_SANDBOX_API, nn_sb_api_list, NN_API_TREE, NN_API_JSON },
	{ "DELETE", NN_SANDBOX_API, nn_sb_api_delete, NN_API_TREE, NN_API_JSON },
	{ NULL, NULL, NULL, NN_API_TREE, NN_API_JSON },
};

void nn_sb_free(struct nn_sandboxes *s)
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
	if (r == 0 && (r = pthread_create(&s->watcher, NULL, nn_sb_watcher_main, n)) != 0)
		r = nn_err(err, r, "start the sandbox watcher");
	if (r < 0) {
		n->svc->sandboxes = NULL;
		nn_sb_free(s);
	}
	return r;
}

void nn_sandboxes_serving(struct nn_nest *n)
{
	struct nn_sandboxes *s = nn_sb_of(n);

	if (s)
		nn_pool_serving(s->pool);
}
