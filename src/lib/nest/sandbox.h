/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_SANDBOX_H
#define NN_SANDBOX_H

/*
 * Sandboxes: a process in its own netns (owned by the nest's user namespace) joined to the
 * nest's bridge by a veth pair, in the manner of nerdctl + the CNI bridge and host-local
 * plugins (docs/facts-cni.md#bridge-plugin, #host-local-layout, #nerdctl-default-network).
 *
 * Client side (`netnest run`, the user's process): nn_sandbox_enter() moves the caller into
 * the daemon's user namespace, then into a netns and a mount namespace from the nest's pool
 * (pool.h), or makes both itself, the mount ns with copies of the nest's resolv.conf and
 * hosts of its own bound in; then POST /netnest/v1/sandboxes names the caller's PID.
 *
 * Daemon side: the handlers of nn_sandbox_routes, called by the API router (api.c) for
 *   POST   /netnest/v1/sandboxes          {"name","pid","publish":[spec...],"command":[...]}
 *                                         -> 201 + the record
 *   GET    /netnest/v1/sandboxes          -> 200 {"sandboxes":[record...]}
 *   DELETE /netnest/v1/sandboxes/<name>   -> 200 once everything is cleaned up
 *   POST   /netnest/v1/sandboxes/<name>/wait {"pid"} -> 200 once that sandbox, its main
 *                                         process gone, has let go of its name, ports and
 *                                         lease (a foreground `run` asks it before it returns)
 * The record, also written to $STATE/sandboxes/<name>.json while the sandbox lives:
 *   {"name","pid","starttime" (field 22 of /proc/PID/stat),"ip","prefix","gateway","veth",
 *    "ifname":"eth0","mac","netns" (inode),"ports":[ids],"command":[...],
 *    "ip6","prefix6","gateway6" (null in a nest without IPv6)}
 * In API answers each record also has "publish":[{"id","spec":{PortSpec}}].
 * A sandbox's processes are every process of its netns (the daemon holds an fd of it):
 * stop and down end them all, and when the main process exits the rest are SIGKILLed
 * (sweep.h).  A watcher thread holds a pidfd per sandbox (pidfd_open(2)); when the main
 * process exits its processes, ports, host veth, lease and record are removed.
 */

#include <stdbool.h>
#include <sys/types.h>

#include <jansson.h>

#include "api.h"
#include "err.h"
#include "nest.h"
#include "portspec.h"

#define NN_SANDBOX_IFNAME "eth0"
#define NN_SANDBOX_API "/netnest/v1/sandboxes"
#define NN_SANDBOX_PUBLISH_MAX 64 /* most "publish" specs in one POST (run -p flags) */

/**
 * nn_sandboxes_init() - prepare the sandbox service of a live nest
 * @n:   the live nest (cfg, state_fd and nest_netns set); not owned, must outlive the service
 * @err: error object
 *
 * Creates $STATE/sandboxes, $STATE/etc (where each sandbox mounts the tmpfs of its /etc
 * copies: nn_sandbox_enter()) and $STATE/ipam/netnest if missing, starts the watcher
 * thread and the netns pool (pool.h: $STATE/pool.sock and its threads).
 * One nest per daemon process.  Called by the daemon (nestd.c) before the API answers.
 * Return: 0, or negative errno (mkdirat(2), epoll_create1(2), pthread_create(3)).
 */
int nn_sandboxes_init(struct nn_nest *n, struct nn_err *err);

/**
 * nn_sandboxes_serving() - the nest is up and has said so: the pool makes its first pair
 * @n: the live nest (its sandbox service may be absent: then nothing)
 *
 * Called by the daemon (nestd.c) right after it reported a successful start, so the
 * pool's work (nn_pool_serving()) runs while `up -d` returns, not before.  Never fails.
 */
void nn_sandboxes_serving(struct nn_nest *n);

/**
 * nn_sandboxes_stop_all() - stop every sandbox and the watcher thread
 * @n: the live nest
 *
 * The netns pool stops first (nn_pool_stop()).  Every process of every sandbox's netns
 * gets SIGTERM, in one sweep (nn_sweep()), SIGKILL after 2 s, and each sandbox is cleaned
 * up (ports, veth, lease, record).  Idempotent; never fails.  Called by the daemon
 * (nestd.c) after the API has stopped.
 */
void nn_sandboxes_stop_all(struct nn_nest *n);

/**
 * nn_sandbox_name_ok() - can @name be a sandbox's name?
 * @name: the name
 * @why:  set to the reason when it cannot, a phrase after "sandbox name 'NAME' "
 *
 * nn_valid_name() (no '/', not '..', at most NN_NAME_MAX bytes), and not a name that
 * exec and ns resolve to something else first (enter.c nn_target_resolve()): "nest" is the
 * nest's own netns, and a number from 1 to 2^31-1 is a PID.
 * Return: true or false.
 */
bool nn_sandbox_name_ok(const char *name, const char **why);

/*
 * The routes of the sandbox service for nn_api_start() (api.h): POST, GET and DELETE on
 * NN_SANDBOX_API, as above; ended by an entry with a NULL method.
 */
extern const struct nn_api_route nn_sandbox_routes[];

/**
 * nn_sandbox_publish() - publish a port to a running sandbox (for POST /v1/ports with a
 * "sandbox" owner and `netnest port add NAME SPEC`)
 * @n:    the live nest
 * @name: the sandbox
 * @spec: the port; an empty child_ip is set to the sandbox's IPv4 address and, when the
 *        host socket serves IPv6 and the sandbox has it, child_ip6 to its IPv6 address
 *        (docs/ports.md#ipv6)
 * @id:   the new port's ID
 * @err:  error object
 *
 * Under the sandbox lock, so the port cannot outlive a sandbox that exits meanwhile: the
 * port is owned by @name (removed with it) and its ID is added to the record's "ports".
 * Return: 0; -ENOENT ("no sandbox named NAME"); -ESHUTDOWN if the sandbox service is not
 * running; the errors of nn_ports_add() (portfwd.h).
 */
int nn_sandbox_publish(struct nn_nest *n, const char *name, struct nn_portspec *spec, int *id,
		       struct nn_err *err);

/**
 * nn_sandbox_unpublish() - remove port @id (DELETE /v1/ports/{id}, `netnest port rm`)
 * @n:   the live nest
 * @id:  the port's ID
 * @err: error object
 *
 * nn_ports_remove() under the sandbox lock, then the ID leaves its owner's record "ports"
 * (the record on disk is rewritten), so the record lists only the ports that are open.
 * Return: 0; the errors of nn_ports_remove() (portfwd.h).
 */
int nn_sandbox_unpublish(struct nn_nest *n, int id, struct nn_err *err);

/**
 * nn_sandbox_enter() - make the calling process a sandbox-to-be of a nest (client side)
 * @state_dir:     the nest's state dir
 * @daemon_pid:    the nest daemon (child_pid)
 * @sysfs_refused: set to 0, or to the errno of the kernel's refusal when /sys could not
 *                 be a sysfs of the sandbox's netns (then it is the host's, as before)
 * @err:           error object
 *
 * Must be called single-threaded (setns(2) into a user namespace requires it).
 * If the daemon's user namespace differs from the caller's (rootless), setns(2) into it
 * (the caller becomes the mapped root, as nsenter -U does).  Then, with a pair from the
 * nest's pool (nn_pool_get()), setns(2) into its netns and its mount namespace, which the
 * pool set up as below (should its /sys still be the host's, the sysfs mount is tried
 * again here, for the reason); without one, setns(2) into the daemon's mount namespace,
 * unshare(CLONE_NEWNET | CLONE_NEWNS), make / rslave, mount a sysfs of the new netns on
 * /sys with the old /sys/fs/cgroup mounts moved under it (nn_sysfs_fresh(), so
 * /sys/class/net lists eth0 and lo), mount a tmpfs of this mount namespace's own on
 * @state_dir/etc (room for 64 KiB more than the files it gets), copy @state_dir/resolv.conf
 * and @state_dir/hosts into it (mode 0644) and bind-mount the copies over /etc/resolv.conf
 * and /etc/hosts (over the target when /etc/resolv.conf is a symlink), so what the
 * sandbox writes there reaches neither the nest's files nor another sandbox, and goes
 * with the mount namespace.  Either way the caller ends in its cwd (or /).
 * Half-done work needs no undo: the caller exits on failure and its namespaces go with it.
 * Return: 0, or the negative errno of open(2)/setns(2)/unshare(2)/mount(2)/open_tree(2)/
 * move_mount(2)/sendfile(2) naming the step.
 */
int nn_sandbox_enter(const char *state_dir, pid_t daemon_pid, int *sysfs_refused,
		     struct nn_err *err);

/**
 * nn_sandbox_premount() - a sandbox's mount namespace made ahead, for the pool (pool.h)
 * @state_dir: the nest's state dir (its resolv.conf and hosts)
 * @netns:     the pooled netns the mount namespace goes with (nsfs fd)
 * @label:     for messages ("pooled netns 3")
 * @err:       error object
 *
 * In a short-lived thread of the daemon that entered @netns (nn_netns_call(), whose thread
 * has a mount namespace and fs_struct of its own once it unshares: kernel/fork.c
 * ksys_unshare), unshare(CLONE_NEWNS) from the daemon's, make / rslave, mount a sysfs of
 * @netns on /sys (sysfs takes the netns of the mounting task) and bind copies of the nest's
 * resolv.conf and hosts of its own over the system's, exactly as nn_sandbox_enter() does
 * without a pool (so the copies hold the nest's files as they were when the pool made
 * the namespace: the nest writes them once, at up); the thread's end leaves the namespace
 * alive only in the returned fd.  A sysfs the kernel refuses
 * leaves the old /sys in place (nn_sandbox_enter() finds it).  The sysfs holds a reference
 * on @netns for as long as the mount namespace lives.
 * Return: the nsfs fd of the new mount namespace (owned by the caller), or negative errno.
 */
int nn_sandbox_premount(const char *state_dir, int netns, const char *label,
			struct nn_err *err);

#endif
