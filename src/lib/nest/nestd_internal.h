/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_NESTD_INTERNAL_H
#define NN_NESTD_INTERNAL_H

/*
 * Inside the nest daemon (nestd.c: its life, services, signals and teardown; nestd_net.c:
 * the nest's netns, tap0, bridge and engine).  Not for use outside them; everyone else has
 * nest.h.
 */

#include <limits.h>
#include <stdbool.h>

#include "child.h"
#include "nest.h"
#include "state.h"
#include "util.h"

/* What the daemon has made so far, undone in reverse by nestd_teardown(). */
struct nestd {
	struct nn_nest *n;
	int tap_fd;
	int engine_report; /* until nn_engine_ready() */
	bool netns_mounted, services;
	char netns_path[PATH_MAX + 8]; /* "" when the netns is not bind-mounted */
	/* RootlessKit mode */
	struct nn_child child;
	int sweep_fd;      /* the namespace whose processes go at the end (sweep.h) */
	int sweep_type;    /* CLONE_NEWUSER (rootless) or CLONE_NEWNS (the child's, as root) */
	int status;        /* the daemon's exit status */
	struct nn_err last;/* its last word to the rootlesskit process, when code != 0 */
	/* why it stopped itself (the engine died), "" on a stop signal; up -d leaves it */
	char why[sizeof(((struct nn_state_stopped *)0)->why)];
	bool left_stopped; /* "stopped" written: the teardown leaves it, lock and log */
};

/*
 * nn_nestd_make_netns() - the nest's detached netns, made in a thread and bind-mounted on
 * the placeholder @d->n->cfg.state_dir/netns (created here, 0400), or, for RootlessKit's
 * child without --detach-netns, only opened (the child lives in it; nothing is mounted).
 * Sets @d->n->nest_netns (an O_CLOEXEC fd the caller owns) and @d->netns_mounted.  Errors:
 * -errno with @err set (unshare, open, mount); what was made is undone by the teardown.
 */
int nn_nestd_make_netns(struct nestd *d, struct nn_err *err);

/*
 * nn_nestd_make_links() - in the nest's netns: lo up; then, but for --net=none, tap0 (the
 * daemon's persistent tap with its MTU, address, IPv6, default routes, the engine started
 * on it; or pasta, which makes tap0 itself and is waited for here), and the bridge with
 * its addresses and IPv4/IPv6 forwarding where the nest has one (RootlessKit's netns has
 * tap0 alone, set operationally up).  The builtin engine and slirp4netns are left starting:
 * nn_nestd_engine_ready() waits for them.  Errors: -errno with @err set, naming the link
 * or the sysctl.
 */
int nn_nestd_make_links(struct nestd *d, struct nn_err *err);

/*
 * nn_nestd_engine_ready() - wait for the engine that nn_nestd_make_links() started to say
 * it is ready on @d->engine_report (which it closes); on failure the engine is stopped and
 * reaped, @d->n->engine_pid is 0 and -errno is returned with @err set.
 */
int nn_nestd_engine_ready(struct nestd *d, struct nn_err *err);

#endif
