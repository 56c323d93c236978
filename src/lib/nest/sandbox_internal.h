/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_SANDBOX_INTERNAL_H
#define NN_SANDBOX_INTERNAL_H

/*
 * Inside the sandbox service: its state and the parsed POST /netnest/v1/sandboxes request
 * (the latter exported for the unit tests and the fuzzer too), shared by its lifecycle
 * (sandbox.c: start, stop, create; sandbox_teardown.c: teardown, the watcher, DELETE) and
 * its records (sandbox_record.c: the body, the record, the list, the wait for a release,
 * the ports of a record).  Not for use outside those three; everyone else has sandbox.h.
 */

#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "err.h"
#include "ipam.h"
#include "nest.h"
#include "portspec.h"
#include "rtnl.h"
#include "sandbox_net.h"
#include "state.h"

#define WAIT_MAX_S 30 /* POST .../<name>/wait gives up after this (nn_sb_api_wait()) */
#define WATCH_STOP 0 /* epoll cookies of the watcher: stopfd, */
#define WATCH_LINKS UINT64_MAX /* the nest netns's link notifications; else a sandbox's serial */

struct nn_bypass;
struct nn_pool;

struct sandbox {
	struct sandbox *next; /* in the list, or once unlisted in the dying list */
	struct sandbox *all_next, **all_pprev; /* in `all` from create to release()'s end */
	int64_t deadline_ms; /* dying: CLOCK_MONOTONIC ms at which the veth is deleted anyway */
	uint64_t serial; /* epoll cookie: survives the struct being freed */
	char name[NN_NAME_MAX + 1];
	bool listed; /* in the list: its name and ports are taken */
	pid_t pid; /* the main process */
	int pidfd;
	int netns; /* nsfs fd of its netns, until its processes are swept (sweep.h); else -1 */
	char veth[IFNAMSIZ];
	struct in_addr ip; /* the lease */
	bool leased; /* the lease is still taken (an exited one's goes before its veth) */
	struct in6_addr ip6; /* its IPv6 twin (sandbox_ip6()); has_ip6 false: none */
	bool has_ip6;
	json_t *record; /* what $STATE/sandboxes/<name>.json holds (nn_sb_record()) */
	struct nn_bypass *bp; /* --bypass, else NULL */
};

struct nn_sandboxes {
	pthread_mutex_t lock; /* the list, every create, the first half of a teardown */
	struct sandbox *list;
	struct sandbox *dying; /* exited, waiting for the kernel to delete the veth (sandbox.c) */
	struct sandbox *all; /* every sandbox, listed, exited or in teardown, until it is freed */
	uint64_t next_serial;
	struct nn_ipam ipam;
	struct nn_rtnl nest; /* rtnetlink socket in the nest netns, under lock */
	pthread_mutex_t unwire_lock;
	struct nn_rtnl unwire; /* another one for the second half, under unwire_lock */
	unsigned unwiring; /* teardowns in their second half, under lock */
	pthread_cond_t unwired; /* signalled when one ends (CLOCK_MONOTONIC) */
	int dirfd; /* $STATE/sandboxes */
	struct nn_rtnl events; /* the nest netns's link notifications, for the watcher */
	int epfd; /* pidfds, stopfd and events */
	int stopfd; /* eventfd: the watcher ends */
	pthread_t watcher;
	struct nn_pool *pool; /* prewired netns (pool.h) */
};

/* A create request, its strings borrowed from the body it was parsed from. */
struct create_req {
	const char *name;
	pid_t pid;
	json_t *publish; /* borrowed, may be NULL */
	json_t *command; /* borrowed, may be NULL */
	bool bypass; /* "bypass": true (bypass.h) */
	int seccomp_fd; /* "seccomp_fd": its listener's fd number in process pid */
};

/**
 * nn_sandbox_parse_create() - check the body of POST /netnest/v1/sandboxes
 * @body: {"name","pid","publish":[Docker -p specs],"command":[argv]} (borrowed; NULL when
 *        the request had none)
 * @req:  filled; its members point into @body and live as long as it
 * @err:  error object: "sandbox request: body must be a JSON object", "sandbox request:
 *        \"name\" must be a string", "sandbox name 'NAME' <why>" (nn_sandbox_name_ok()),
 *        "sandbox NAME: \"pid\" must be a positive integer", "sandbox NAME: \"publish\"
 *        must be an array of at most 64 strings", "sandbox NAME: \"command\"[3] is not a
 *        string", "sandbox NAME: \"bypass\" must be true or false", "sandbox NAME:
 *        \"bypass\" needs \"seccomp_fd\", ...", ...
 *
 * "bypass": true asks for the socket bypass (bypass.h); "seccomp_fd" then names the fd, in
 * process "pid", of a seccomp listener (nn_bypass_install()).
 *
 * Only the shape is checked: the specs in "publish" are parsed when they are published
 * (nn_portspec_parse()), the PID is looked up when its netns is opened.
 * Return: 0 or -EINVAL.
 */
int nn_sandbox_parse_create(json_t *body, struct create_req *req, struct nn_err *err);

/* the sandbox service of @n, or NULL when it is not running */
struct nn_sandboxes *nn_sb_of(struct nn_nest *n);

/* the sandbox named @name, or NULL; the caller holds s->lock */
struct sandbox *nn_sb_find_locked(struct nn_sandboxes *s, const char *name);

/* free the service @s, its pool stopped first (nn_pool_stop()); no thread may use it */
void nn_sb_free(struct nn_sandboxes *s);

/*
 * nn_sb_watcher_main() - the watcher thread (sandbox_teardown.c), @arg the nest: it buries
 * each sandbox whose main process exited (its pidfd polls readable) and releases a dying
 * one once the kernel deleted its veth (RTM_DELLINK), or after DYING_MS; it ends on stopfd.
 */
void *nn_sb_watcher_main(void *arg);

/*
 * nn_sb_api_delete() - DELETE /netnest/v1/sandboxes/<name> (the api.h route handler shape;
 * its contract is at its definition in sandbox_teardown.c)
 */
int nn_sb_api_delete(struct nn_nest *n, const char *path, json_t *body, json_t **resp,
		     unsigned *status, struct nn_err *err);

/*
 * nn_sb_target() - the addresses @spec dials in the sandbox at @ip (and @ip6, NULL for
 * none), unless the client named child_ip itself: IPv4 clients dial @ip; IPv6 clients
 * @ip6 (child_ip6), and @ip when nothing listens there (nn_ports_add()); in a sandbox
 * without IPv6 every client dials @ip, so [::1]:P reaches it too (docs/ports.md#ipv6).
 */
void nn_sb_target(struct nn_portspec *spec, struct in_addr ip, const struct in6_addr *ip6);

/**
 * nn_sb_record() - the record of a new sandbox (sandbox.h lists its keys)
 * @n:         the live nest (cfg: bridge_ip, subnet, bridge_ip6, subnet6)
 * @req:       the parsed request (name, pid, command)
 * @starttime: field 22 of /proc/PID/stat
 * @ip:        the lease
 * @ip6:       its IPv6 twin, or NULL for none (the "ip6" keys are then null)
 * @link:      the host veth and eth0's MAC
 * @netns:     the inode of the sandbox's netns
 * @ports:     the IDs of its published ports (a reference is taken)
 * Return: the new record (owned by the caller), or NULL when out of memory.
 */
json_t *nn_sb_record(struct nn_nest *n, const struct create_req *req, unsigned long long starttime,
		     struct in_addr ip, const struct in6_addr *ip6,
		     const struct nn_sandbox_link *link, ino_t netns, json_t *ports);

/**
 * nn_sb_record_write() - write @rec to $STATE/sandboxes/@name.json (a new file renamed over)
 * @s:    the service (its dirfd)
 * @name: the sandbox
 * @rec:  the record
 * @err:  error object
 * Return: 0, -ENOMEM, or the errors of nn_write_file() (state.h).
 */
int nn_sb_record_write(struct nn_sandboxes *s, const char *name, json_t *rec, struct nn_err *err);

/**
 * nn_sb_api_list() - GET /netnest/v1/sandboxes: {"sandboxes":[record...]} by name
 * @n:      the live nest
 * @path:   request path (unused beyond routing)
 * @body:   ignored
 * @resp:   the list (owned by the caller)
 * @status: left as 200
 * @err:    error object
 * Return: 0, -ESHUTDOWN if the sandbox service is not running, -ENOMEM.
 */
int nn_sb_api_list(struct nn_nest *n, const char *path, json_t *body, json_t **resp,
		   unsigned *status, struct nn_err *err);

/**
 * nn_sb_api_wait() - POST /netnest/v1/sandboxes/<name>/wait {"pid"}: block until the
 * sandbox of that name and main process has let go of its name, ports and lease
 * @n:      the live nest
 * @path:   "/netnest/v1/sandboxes/<name>/wait"
 * @body:   {"pid": the sandbox's main process, which has exited}
 * @resp:   left NULL (empty body)
 * @status: left as 200
 * @err:    error object
 *
 * A foreground `netnest run` asks this once its sandbox's main process has exited and
 * before it returns, as `docker run --rm` waits for the removal (Docker's POST
 * /containers/{id}/wait?condition=removed), so its name, ports and lease are free again
 * when it returns (docs/sandboxes.md).  The PID tells this sandbox from a later one of the
 * same name; the caller has not reaped it, so it is no other process's.  Answers at once
 * when no sandbox of that name has that PID (never made, or released already).
 * Return: 0; -ENOENT for a path other than .../<name>/wait; -EINVAL for a bad name or a
 * body without a positive "pid", and while that process still runs (the wait would last
 * as long as it does); -ETIMEDOUT after WAIT_MAX_S; -ESHUTDOWN if the service is not running.
 */
int nn_sb_api_wait(struct nn_nest *n, const char *path, json_t *body, json_t **resp,
		   unsigned *status, struct nn_err *err);

#endif
