/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_POOL_H
#define NN_POOL_H

/*
 * The netns pool of a nest (docs/sandboxes.md#the-netns-pool): network namespaces made
 * ahead of demand by a daemon thread, each already holding eth0, the peer of a veth whose
 * host end is a port of the nest's bridge, up, with lo up and no address; each with a
 * mount namespace made ahead too, as a sandbox's (/ rslave, a sysfs of that netns on /sys,
 * copies of the nest's resolv.conf and hosts of its own bound over the system's:
 * nn_sandbox_premount()).  A `netnest run` asks $STATE/pool.sock for a pair and gets both
 * nsfs fds (SCM_RIGHTS, unix(7)), then setns(2)s into them instead of unshare(CLONE_NEWNET | CLONE_NEWNS) and the mounts; the
 * daemon's POST handler finds the netns by inode (nn_pool_take()) and only adds the
 * lease's addresses and routes, on a socket the pool opened in that netns.
 *
 * A pair is handed out once and the daemon closes its fds as it does, so it lives exactly
 * as long as the sandbox's processes (and, until the POST, the pool's socket in the netns)
 * and never carries state from an earlier sandbox.  The pool makes NN_POOL_FIRST pair
 * once the daemon serves (nn_pool_serving()), and fills up to NN_POOL_SIZE after the first
 * request, refilling in the background after each one; nn_pool_stop() closes what is
 * left, and the kernel removes those netns and their veth pairs (a veth goes with its
 * peer: drivers/net/veth.c veth_dellink).
 */

#include <sys/types.h>

#include "err.h"
#include "nest.h"
#include "rtnl.h"
#include "sandbox_net.h"

#define NN_POOL_SIZE 8 /* pairs kept ready once a sandbox ran */
#define NN_POOL_FIRST 1 /* pairs made as soon as the daemon serves */
#define NN_POOL_FDS 2 /* a hand-out: the netns, the mount namespace */
#define NN_POOL_SOCK "pool.sock" /* in the state dir */

struct nn_pool;

/**
 * nn_pool_start() - start the pool service of a live nest (daemon side)
 * @n:   the live nest (cfg.state_dir, cfg.bridge, cfg.mtu, nest_netns); must outlive it
 * @out: set to the pool (owned by the caller; nn_pool_stop() frees it)
 * @err: error object
 *
 * Listens on $STATE/pool.sock (mode 0600) and starts the thread that answers it and the
 * thread that fills the pool: nothing until nn_pool_serving(), NN_POOL_FIRST then, and up
 * to NN_POOL_SIZE once the first request came.
 * Return: 0, or the negative errno of socket(2)/bind(2)/listen(2)/pthread_create(3).
 */
int nn_pool_start(struct nn_nest *n, struct nn_pool **out, struct nn_err *err);

/**
 * nn_pool_stop() - stop both threads, remove pool.sock and close every pooled namespace
 * @p: the pool, or NULL (then nothing happens); freed
 *
 * The kernel destroys each closed netns, with its eth0 and so the host end of the veth
 * (asynchronously: net/core/net_namespace.c cleanup_net).  Never fails.
 */
void nn_pool_stop(struct nn_pool *p);

/**
 * nn_pool_serving() - the daemon answers requests now: make the first pair, in the background
 * @p: the pool (may be NULL: then nothing)
 *
 * Called once the nest is up and its start reported (after `up -d` returned), so the
 * first `run` finds a pair and the pool's work is not on `up`'s path.  Never fails.
 */
void nn_pool_serving(struct nn_pool *p);

/**
 * nn_pool_take() - the pooled wiring of the netns with inode @ino, if the pool made it
 * @p:      the pool (may be NULL: then none)
 * @ino:    inode of the sandbox's netns (/proc/PID/ns/net)
 * @link:   filled with the host veth name, eth0's MAC and ifindex
 * @inside: set to the pool's rtnetlink socket in that netns (the caller's now: close it
 *          with nn_rtnl_close() after the join)
 *
 * Each handed-out netns can be taken once; the pool remembers the last 64 it handed out,
 * for 10 s each.  Until then its socket pins the netns, so an inode that matches is that
 * netns and no later one the kernel gave the number to (fs/nsfs.c).  Thread-safe.
 * Return: 0, or -ENOENT when the netns is not one the pool handed out (or was taken).
 */
int nn_pool_take(struct nn_pool *p, ino_t ino, struct nn_sandbox_link *link,
		 struct nn_rtnl *inside);

/**
 * nn_pool_joined() - a join that may have called nn_pool_take() is over
 * @p: the pool (may be NULL)
 *
 * Called by the POST handler once it answered (created or failed); the filler, which waits
 * for it (or 20 ms) after a hand-out, then refills, so that its netlink and CPU work is not
 * on that join's path.  Thread-safe; never fails.
 */
void nn_pool_joined(struct nn_pool *p);

/**
 * nn_pool_answer() - the pool's answer to one request on @conn: a pair, or none
 * @conn: the accepted connection
 * @fds:  the netns and mount namespace fds (not closed here), or NULL for none
 *
 * One byte, '1' with the two fds (SCM_RIGHTS, fdpass.h) or '0' without.  Errors (a client
 * that is gone) are ignored: it asks again or makes its own.
 */
void nn_pool_answer(int conn, const int fds[NN_POOL_FDS]);

/**
 * nn_pool_get() - ask a nest's pool for a network and a mount namespace (client side)
 * @state_dir: the nest's state dir
 * @fds:       set to the netns's and the mount namespace's nsfs fds (close-on-exec, owned
 *             by the caller)
 * @err:       error object
 *
 * Connects to @state_dir/pool.sock and receives both (nn_pool_answer()).  The caller
 * should setns(2) into them (which needs CAP_SYS_ADMIN in the nest's user namespace: call
 * it after entering that).
 * Return: 0; -ENOENT when the pool is empty or the daemon has none (the caller then makes
 * its own); -ETIMEDOUT when the daemon did not answer within 30 s (stopped or stuck); other
 * negative errno of socket(2)/connect(2)/recvmsg(2).
 */
int nn_pool_get(const char *state_dir, int fds[NN_POOL_FDS], struct nn_err *err);

#endif
