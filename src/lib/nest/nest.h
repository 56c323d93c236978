/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_NEST_H
#define NN_NEST_H

/*
 * The nest: a rootless container network stack in the shape of RootlessKit --detach-netns
 * + slirp4netns (docs/design.md#the-nest, docs/facts-rootlesskit.md#detached-netns).
 *
 *   `netnest up` process  --clone(NEWUSER|NEWNS)-->  nest daemon ("child", child_pid)
 *                                                      host netns, nest userns + mntns
 *                                                      |-- detached netns ($STATE/netns)
 *                                                      |     tap0, netnest0, nft table
 *                                                      |-- engine process (libslirp, tap fd)
 *                                                      `-- services: API, ports, sandboxes
 *
 * RootlessKit mode (the rootlesskit verb, cfg.child set: docs/rootlesskit.md) has no bridge
 * and no sandbox service; the daemon forks RootlessKit's "child" (child.h), which runs the
 * command, and the nest lives as long as that command.
 */

#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "err.h"
#include "netaddr.h"
#include "userns.h"

/* The network of a nest (RootlessKit --net). */
enum nn_net {
	NN_NET_ENGINE, /* netnest's engine on tap0 (--net=slirp4netns; `up` always) */
	NN_NET_NONE,   /* a netns with lo only, no engine (--net=none) */
	NN_NET_HOST,   /* no netns of its own: the host's (--net=host) */
};

/*
 * The engine on tap0 (`up --net`, docs/engines.md): netnest's own (libslirp in
 * netnest-engine, the default), or Debian's slirp4netns or pasta run the way RootlessKit's
 * drivers run them (pkg/network/slirp4netns, pkg/network/pasta).
 */
enum nn_engine {
	NN_ENGINE_BUILTIN,     /* "builtin": engine.h */
	NN_ENGINE_SLIRP4NETNS, /* "slirp4netns": extengine.h */
	NN_ENGINE_PASTA,       /* "pasta": extengine.h; IPv4 only */
};

struct nn_child_config; /* child.h */

struct nn_nest_config {
	char name[65];           /* nest name, default "default" */
	char state_dir[PATH_MAX];
	struct nn_cidr cidr;     /* tap network, default 10.0.2.0/24 (--cidr) */
	struct in_addr tap_ip;   /* cidr + 100 */
	struct in_addr gateway;  /* cidr + 2, inside the engine */
	struct in_addr dns;      /* cidr + 3, inside the engine */
	struct nn_cidr subnet;   /* bridge network, default 10.4.0.0/24 (--subnet) */
	struct in_addr bridge_ip;/* bridge gateway, default subnet + 1 (--gateway) */
	/* IPv6: the engine's network is slirp4netns's fixed fd00::/64 (docs/design.md#ipv6) */
	bool ipv6;               /* engine, tap0, bridge and sandboxes speak IPv6: `up` unless
				    --subnet6 none; RootlessKit mode with --ipv6 */
	struct nn_cidr6 cidr6;   /* fd00::/64, the engine's prefix (libslirp vprefix_addr6) */
	struct in6_addr tap_ip6; /* fd00::100 */
	struct in6_addr gateway6;/* fd00::2, inside the engine (vhost6) */
	struct in6_addr dns6;    /* fd00::3, inside the engine (vnameserver6) */
	struct nn_cidr6 subnet6; /* bridge IPv6 network, default fd00:4::/64 (--subnet6) */
	struct in6_addr bridge_ip6; /* subnet6 + the offset of bridge_ip in subnet */
	unsigned mtu;            /* tap, bridge and veth MTU, default 65520 (--mtu) */
	bool allow_host_loopback;/* gateway reaches the host's 127.0.0.1 */
	bool rootless;           /* euid != 0: user namespace */
	char tap[IFNAMSIZ];      /* "tap0" */
	char bridge[IFNAMSIZ];   /* "netnest0"; "" for no bridge (RootlessKit's shape, which
				    has none: docs/rootlesskit.md) */
	bool port_driver;        /* publish ports (RootlessKit --port-driver=builtin, the
				    default); false: --port-driver=none */
	bool keep_source;        /* published ports keep the client's source address where
				    they can (docs/ports.md#source-address), the default;
				    false: RootlessKit --source-ip-transparent=false */
	enum nn_subid_source subid_source; /* subordinate IDs from (--subid-source), default
					      NN_SUBID_AUTO (userns.h) */
	enum nn_net net;         /* NN_NET_ENGINE unless the rootlesskit verb says */
	enum nn_engine engine;   /* which engine, with NN_NET_ENGINE (default builtin) */
	char engine_bin[PATH_MAX]; /* its binary's absolute path (nn_extengine_check()), ""
				      for the builtin engine */
	const struct nn_child_config *child; /* RootlessKit mode: the child and its command
						(child.h, owned by the caller); NULL for `up` */
};

struct nn_api;       /* api.c: the HTTP server and its route table */
struct nn_ports;     /* portfwd.c */
struct nn_sandboxes; /* sandbox.c */

/* The nest's services, n->svc: started and stopped by the daemon (nestd.c). */
struct nn_services {
	struct nn_api *api;
	struct nn_ports *ports;
	struct nn_sandboxes *sandboxes;
};

/* The live nest, inside the daemon. */
struct nn_nest {
	struct nn_nest_config cfg;
	int state_fd;            /* O_DIRECTORY fd of cfg.state_dir */
	int host_netns;          /* nsfs fd of the host netns (the daemon's own) */
	int nest_netns;          /* nsfs fd of the detached netns */
	pid_t engine_pid;
	pid_t child_pid;         /* RootlessKit's child (the rootlesskit verb), 0 for `up` */
	pid_t up_pid;            /* the process that started the daemon (nn_nest_start()) */
	bool detached;           /* `up -d`: no one waits for the daemon's last word */
	struct nn_services *svc; /* owned by nestd.c, NULL while no service runs */
};

/**
 * nn_nest_config_init() - the defaults of docs/design.md#defaults, without a state dir
 * @cfg:  filled (zeroed first) as nn_nest_config_default() does, but state_dir is ""
 * @name: nest name (copied, cut to fit; not validated)
 */
void nn_nest_config_init(struct nn_nest_config *cfg, const char *name);

/**
 * nn_nest_config_default() - the defaults of docs/design.md#defaults for nest @name
 * @cfg:  filled (zeroed first): state dir, cidr 10.0.2.0/24, subnet 10.4.0.0/24, MTU 65520,
 *        tap0, bridge netnest0, rootless when euid != 0, IPv6 on with the engine's
 *        fd00::/64 (tap fd00::100, gateway ::2, DNS ::3) and subnet6 fd00:4::/64
 * @name: nest name (validated by nn_state_dir())
 * @err:  error object
 * Return: 0, or the errors of nn_state_dir() (-EINVAL for a bad name or a missing
 * $XDG_RUNTIME_DIR).
 */
int nn_nest_config_default(struct nn_nest_config *cfg, const char *name, struct nn_err *err);

/**
 * nn_nest_config_finish() - check a config filled from the defaults and options, and
 * derive the addresses in it
 * @cfg: config; tap_ip (cidr + 100), gateway (+ 2) and dns (+ 3) are set here
 * @err: error object naming the option and the reason
 *
 * Refuses, as --cidr or --subnet, a network that cannot be a LAN: one that is or holds
 * 0.0.0.0/8, 127.0.0.0/8, 169.254.0.0/16, 224.0.0.0/4 or 240.0.0.0/4 (nn_cidr_special())
 * or is larger than a /8 (NN_LAN_PREFIX_MIN).  Refuses --cidr that is not a network address
 * or too small for .100 (RootlessKit --cidr rule, docs/facts-rootlesskit.md#network-defaults;
 * slirp4netns's /25), --subnet with host bits or smaller than /30 (the bridge's address and a
 * sandbox's), --gateway outside --subnet or equal to its network or broadcast address,
 * --mtu outside 576..65521 (libslirp's limit, docs/facts-slirp.md#mtu), and
 * a --subnet that overlaps --cidr.  With IPv6 on: a --subnet6 with host bits, longer than
 * /64, outside the unique local fc00::/7 (RFC 4193 section 3.1) or overlapping the
 * engine's fd00::/64; bridge_ip6 is derived here.  With no bridge (cfg->bridge "") the
 * --subnet, --subnet6 and --gateway checks are skipped.  With the pasta engine IPv6 is
 * turned off (RootlessKit's pasta driver passes --ipv4-only without --ipv6); and with an
 * MTU below NN_IPV6_MTU_MIN (1280), where the kernel disables IPv6 on the device, it is
 * turned off too, with a notice in @err for the caller to show.
 * Return: 0; 1 when IPv6 was turned off for the MTU (the notice in @err); -EINVAL.
 */
int nn_nest_config_finish(struct nn_nest_config *cfg, struct nn_err *err);

#define NN_MTU_MIN 576
#define NN_LAN_PREFIX_MIN 8 /* --cidr and --subnet: no larger than 10.0.0.0/8 (RFC 1918) */
#define NN_ENGINE_CIDR6 "fd00::/64"     /* slirp4netns's IPv6 network (slirp4netns.1) */
#define NN_SUBNET6_DEFAULT "fd00:4::/64" /* the bridge's, beside 10.4.0.0/24 */
#define NN_MTU_MAX 65521
#define NN_IPV6_MTU_MIN 1280 /* RFC 8200 section 5: IPv6's minimum link MTU */

/* A nest started by nn_nest_start(), seen from the `up` process. */
struct nn_nest_start {
	pid_t daemon_pid;
	pid_t child_pid;         /* RootlessKit mode: the child (its child_pid file), else 0 */
	int sock;                /* RootlessKit mode and a foreground `up`: the daemon's
				    last word comes here (nn_rk_wait(), nn_nest_wait());
				    -1 when detached */
	char notice[NN_ERR_MSG]; /* ID-map notice: ranges left out, single mapping (userns.h) */
};

/**
 * nn_nest_start() - start the nest daemon and wait until it is ready
 * @cfg:    a finished config (nn_nest_config_finish())
 * @detach: true: the daemon leaves the caller's session (setsid(2)) and its stdio goes to
 *          /dev/null; false: it dies with the caller (PR_SET_PDEATHSIG SIGTERM)
 * @st:     filled with the daemon's PID; @st->notice also on failure
 * @err:    error object: the daemon's own message when it failed
 *
 * Creates the state dir (0700, parents too) and takes its lock (flock(2) LOCK_EX|LOCK_NB),
 * collects a stale nest's leftovers (sandboxes whose pid and starttime still match their
 * record are SIGKILLed, every file but the lock removed), then forks the daemon into a new
 * user namespace (rootless, maps from nn_userns_map()) and mount namespace.  On failure
 * nothing is left: no process, mount or file.
 * Blocks SIGINT, SIGTERM, SIGHUP and SIGCHLD in the caller (for nn_nest_wait()); in
 * RootlessKit mode (@cfg->child) every signal it can, for nn_rk_wait(), and the daemon
 * always dies with the caller (@detach must be false).
 * Return: 0 once child_pid is written; -EBUSY if a live nest holds the state dir; the
 * daemon's negative errno.
 */
int nn_nest_start(const struct nn_nest_config *cfg, bool detach, struct nn_nest_start *st,
		  struct nn_err *err);

/**
 * nn_nest_wait() - wait for a foreground nest to end, passing SIGINT/SIGTERM/SIGHUP on to
 * the daemon as SIGTERM
 * @st:  from nn_nest_start(detach=false); @st->sock is closed here
 * @err: why the nest stopped by itself, when it did (@err->code set): the engine's death
 *       ("the network engine netnest-engine (pid N) was killed by signal 9 (Killed); the
 *       nest is stopped"), or the daemon's own ("the nest daemon (pid N) was killed by
 *       signal 9 (Killed)")
 * Return: the daemon's exit status (0 after a clean teardown, 1 when @err is set).
 */
int nn_nest_wait(struct nn_nest_start *st, struct nn_err *err);

/**
 * nn_nest_stop() - stop the nest whose state dir is @state_dir, and wait until it is gone
 * @name:      nest name, for messages
 * @state_dir: its state dir
 * @pid:       set to the daemon's PID that was stopped (may be NULL)
 * @err:       error object
 *
 * Checks that child_pid names a netnest daemon (/proc/PID/comm "netnest"), sends SIGTERM
 * and waits on a pidfd (pidfd_open(2)) for 10 s, then SIGKILLs it and waits 10 s more.
 * A nest whose daemon is gone (SIGKILLed, crashed) while its state dir and lock are free,
 * or had to be SIGKILLed, is collected: its sandboxes (pid and starttime as recorded) are
 * SIGKILLed and waited for, then (rootless) every process left in its user namespace
 * (the state dir's "userns", nn_sweep()), and the state dir is removed; then @err holds a
 * notice saying so.  So is the state dir a detached nest left when it stopped itself
 * (state.h NN_STATE_STOPPED: lock, log and stopped), also when that stop was under way
 * as @name was stopped; the notice gives its time and reason.
 * Return: 0; 1 when a stale nest was collected (notice in @err, with code ESRCH: its
 * daemon was gone; ETIMEDOUT: it had to be killed); -ENOENT "no nest named NAME is
 * running"; -ESRCH if the PID is not netnest's; -ETIMEDOUT if it outlived SIGKILL by 10 s.
 */
int nn_nest_stop(const char *name, const char *state_dir, pid_t *pid, struct nn_err *err);

/**
 * nn_nestd_run() - the nest daemon's life, in its user and mount namespaces (nestd.c)
 * @n:         @n->cfg is a finished config; the fds and engine_pid are set here
 * @report_fd: where the start outcome goes (report.h); closed once reported
 *
 * Builds the detached netns, tap0, the bridge, NAT, the engine and the services, writes
 * the state files and child_pid last, then serves until SIGTERM/SIGINT/SIGHUP or the
 * engine's death, and tears everything down in reverse.  On a failed start it undoes what
 * it made and reports why.
 * RootlessKit mode (@n->cfg.child): no bridge, no sandbox service; RootlessKit's child is
 * started (child.h) before child_pid (its PID) and api.sock, and the daemon serves until
 * that child exits or the process that started the daemon dies; then it kills every
 * process left in the nest's user namespace (sweep.h) and removes the whole state dir.
 * Its last word (a message, if any: the engine's death, a child killed by a signal) goes
 * on @report_fd before it exits, also for a foreground `up` (@n->detached false).  A
 * detached nest (@n->detached, not RootlessKit mode) that stops itself (the engine died,
 * its signals cannot be read) has no one to hear it: the last word goes on its log, the
 * reason in the state file "stopped" (nn_state_stopped_write()), and its teardown leaves
 * the state dir with lock, log and stopped (state.h).
 * Return: the exit status for the daemon process: 0 after a clean teardown, 1 otherwise
 * (the engine died);
 * in RootlessKit mode the command's (255 when a signal ended it).
 */
int nn_nestd_run(struct nn_nest *n, int report_fd);

/**
 * nn_nest_log() - one line on the daemon's log: its stderr, which is the file log in the
 * state dir for a detached daemon (`up -d`) and the terminal otherwise (`up`, RootlessKit
 * mode, as RootlessKit logs to stderr)
 * @fmt: printf(3) format of the line, without the newline; "netnest: " and the UTC time
 *       go before it
 *
 * For what no caller is there to hear (a limit reached by the port driver); thread-safe.
 */
void nn_nest_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * nn_nestd_signals() - the signals a nest process handles itself (nestd.c): blocked, then
 * read from a signalfd (the daemon) or with sigwaitinfo(2) (the `up` process); SIGINT,
 * SIGTERM and SIGHUP stop the nest, SIGCHLD reports the engine's (or the daemon's) death
 * @set: filled
 */
void nn_nestd_signals(sigset_t *set);

#endif
