/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_ENGINE_H
#define NN_ENGINE_H

/*
 * The network engine: a child process of the nest daemon that holds the tap fd and runs
 * libslirp on it (docs/facts-slirp.md#libslirp), like slirp4netns does; once libslirp is
 * loaded and made, it isolates itself (isolate.h: empty root, no capabilities, rlimits,
 * seccomp allow-list, docs/design.md#engine-isolation).  It lives in the daemon's netns
 * (the host's), so the sockets libslirp opens are ordinary host sockets.
 */

#include <sys/types.h>

#include "err.h"
#include "nest.h"

/**
 * nn_engine_spawn() - fork the engine process; it sets itself up while the caller goes on
 * @cfg:       nest config: cidr (vnetwork, vhost .2, vdhcp_start .15, vnameserver .3), mtu
 *             (if_mtu and if_mru), allow_host_loopback (libslirp disable_host_loopback),
 *             and ipv6 with cidr6, gateway6, dns6 (in6_enabled, vprefix_addr6/len, vhost6,
 *             vnameserver6: libslirp.h SlirpConfig)
 * @tap_fd:    the tap0 fd (IFF_TAP|IFF_NO_PI, and IFF_VNET_HDR for offloads: engine_tap.h);
 *             the child gets a copy, the caller keeps its own
 * @pid:       the engine's PID, to stop with nn_engine_stop()
 * @report_fd: read end of the pipe on which the engine reports its start (report.h), for
 *             nn_engine_ready(); owned by the caller
 * @err:       error object
 *
 * The child dies with the daemon (PR_SET_PDEATHSIG SIGKILL), is named "netnest-engine"
 * (PR_SET_NAME), and keeps only fds 0-2, the tap and the report pipe.
 * Return: 0, or the negative errno of pipe2(2)/fork(2).
 */
int nn_engine_spawn(const struct nn_nest_config *cfg, int tap_fd, pid_t *pid, int *report_fd,
		    struct nn_err *err);

/**
 * nn_engine_ready() - wait until the engine runs libslirp
 * @pid:       from nn_engine_spawn()
 * @report_fd: from nn_engine_spawn(); closed here
 * @err:       error object: a step that failed in the child (loading libslirp,
 *             slirp_new, a step of nn_isolate_engine()) comes back here
 *
 * Return: 0, or the engine's negative errno (the engine is then stopped and reaped).
 */
int nn_engine_ready(pid_t pid, int report_fd, struct nn_err *err);

/**
 * nn_engine_stop() - SIGTERM the engine and reap it
 * @pid: from nn_engine_spawn(); ignored when <= 0
 *
 * Waits at most 2 s, then SIGKILLs.  Never fails.
 */
void nn_engine_stop(pid_t pid);

#endif
