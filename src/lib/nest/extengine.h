/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_EXTENGINE_H
#define NN_EXTENGINE_H

/*
 * Outside engines (`up --net slirp4netns|pasta`, docs/engines.md): Debian's slirp4netns or
 * pasta, started by the nest daemon as RootlessKit's drivers start them
 * (pkg/network/slirp4netns/slirp4netns.go, pkg/network/pasta/pasta.go): the engine is given
 * the nest's netns, lives in the daemon's (the host's) netns, dies with the daemon, and its
 * PID is the nest's engine_pid.
 *   slirp4netns attaches to the tap0 the daemon made (as RootlessKit's PrepareTap does) and
 *   the daemon configures tap0 as for its own engine.
 *   pasta makes and configures tap0 itself (--config-net) with the nest's addresses
 *   (.100/prefix, gateway .2, DNS .3), its own port forwarding off.
 */

#include <sys/types.h>

#include "err.h"
#include "nest.h"

/**
 * nn_engine_parse() - the engine named by `up --net`
 * @name: "builtin", "slirp4netns" or "pasta"
 * @out:  set on success
 * @err:  error object naming @name
 * Return: 0 or -EINVAL.
 */
int nn_engine_parse(const char *name, enum nn_engine *out, struct nn_err *err);

/**
 * nn_engine_name() - the name nn_engine_parse() takes for @e
 * @e: an engine
 * Return: a static string.
 */
const char *nn_engine_name(enum nn_engine e);

/**
 * nn_extengine_check() - can the outside engine of @cfg run here? Run before the daemon
 * starts, in the host netns
 * @cfg: a finished config; for slirp4netns and pasta, engine_bin is set here to the
 *       binary found in $PATH
 * @err: error object naming the engine and the reason
 *
 * Checks that the binary is in $PATH, that its --help lists every flag netnest passes
 * (slirp4netns --ready-fd and --netns-type=path arrived in v0.4.0: RootlessKit issue 143),
 * and for pasta that the host has an IPv4 default route (/proc/net/route, proc(5)): pasta
 * refuses to start without an outbound interface (passt.1, "No external routable
 * interface").  Nothing for the builtin engine.
 * Return: 0; -ENOENT (no binary), -ENOTSUP (a flag missing: too old), -ENETUNREACH (pasta,
 * no default route), or the errno of pipe2(2)/posix_spawn(3).
 */
int nn_extengine_check(struct nn_nest_config *cfg, struct nn_err *err);

/**
 * nn_extengine_spawn() - start the outside engine of @cfg on the nest's netns
 * @cfg:      a config checked by nn_extengine_check()
 * @netns_fd: nsfs fd of the nest's netns; the engine opens it as /proc/self/fd/4
 * @pid:      the engine's PID (a child of the caller), for nn_engine_stop()
 * @ready_fd: read end of the pipe the engine writes once it is ready (slirp4netns
 *            --ready-fd, pasta --pid), for nn_extengine_ready(); owned by the caller
 * @err:      error object
 *
 * The engine keeps fds 0-2, 3 (the ready pipe) and 4 (the netns), and dies with the
 * caller (PR_SET_PDEATHSIG SIGKILL, as RootlessKit sets Pdeathsig).
 * Return: 0, or the negative errno of pipe2(2)/fork(2).
 */
int nn_extengine_spawn(const struct nn_nest_config *cfg, int netns_fd, pid_t *pid,
		       int *ready_fd, struct nn_err *err);

/**
 * nn_extengine_ready() - wait until the outside engine is ready
 * @cfg:      its config (for the messages)
 * @pid:      from nn_extengine_spawn()
 * @ready_fd: from nn_extengine_spawn(); closed here
 * @err:      error object: the engine's exit status, or a timeout (10 s)
 * Return: 0, -ECHILD if the engine exited first, -ETIMEDOUT; the engine is then stopped
 * and reaped.
 */
int nn_extengine_ready(const struct nn_nest_config *cfg, pid_t pid, int ready_fd,
		       struct nn_err *err);

#endif
