/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_ENGINE_H
#define NN_ENGINE_H

/*
 * The network engine: a child process of the nest daemon that holds the tap fd and runs
 * libslirp on it (reference/usermode-net.md section 1), like slirp4netns does, sandboxed
 * with no_new_privs, its own mount namespace and a seccomp deny-list (slirp4netns
 * sandbox.c / seccompfilter.c).  It lives in the daemon's netns (the host's), so the
 * sockets libslirp opens are ordinary host sockets.
 */

#include <sys/types.h>

#include "err.h"
#include "nest.h"

/**
 * nn_engine_start() - fork the engine process and wait until libslirp is running
 * @cfg:    nest config: cidr (vnetwork, vhost .2, vdhcp_start .15, vnameserver .3), mtu
 *          (if_mtu and if_mru) and allow_host_loopback (libslirp disable_host_loopback)
 * @tap_fd: the tap0 fd (IFF_TAP|IFF_NO_PI); the child gets a copy, the caller keeps its own
 * @pid:    the engine's PID, to stop with nn_engine_stop()
 * @err:    error object
 *
 * The child dies with the daemon (PR_SET_PDEATHSIG SIGKILL) and is named "netnest-engine"
 * (PR_SET_NAME).  It reports its start over a pipe: a setup step that fails in the child
 * (mount namespace, seccomp, slirp_new) comes back here as an error.
 * Return: 0, or the negative errno of fork(2) or of the failed step in the child.
 */
int nn_engine_start(const struct nn_nest_config *cfg, int tap_fd, pid_t *pid,
		    struct nn_err *err);

/**
 * nn_engine_stop() - SIGTERM the engine and reap it
 * @pid: from nn_engine_start(); ignored when <= 0
 *
 * Waits at most 2 s, then SIGKILLs.  Never fails.
 */
void nn_engine_stop(pid_t pid);

#endif
