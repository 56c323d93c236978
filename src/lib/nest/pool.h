/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_POOL_H
#define NN_POOL_H

/*
 * The netns pool of a nest (docs/sandboxes.md#the-netns-pool): network namespaces made
 * ahead of demand by a daemon thread, each already holding eth0, the peer of a veth whose
 * host end is a port of the nest's bridge, up, with lo up and no address.  A `netnest run`
 * asks $STATE/pool.sock for one and gets its nsfs fd (SCM_RIGHTS, unix(7)), then
 * setns(2)s into it instead of unshare(CLONE_NEWNET); the daemon's POST handler finds the
 * netns by inode (nn_pool_take()) and only adds the lease's addresses and routes.
 *
 * A pooled netns is handed out once and the daemon closes its fd as it does, so it lives
 * exactly as long as the sandbox's processes and never carries state from an earlier
 * sandbox.  The pool is filled only after the first request (a nest that runs no sandbox
 * makes none) and refilled in the background after each one; nn_pool_stop() closes what
 * is left, and the kernel removes those netns and their veth pairs (a veth goes with its
 * peer: drivers/net/veth.c veth_dellink).
 */

#include <sys/types.h>

#include "err.h"
#include "nest.h"
#include "sandbox_net.h"

#define NN_POOL_SIZE 8 /* netns kept ready */
#define NN_POOL_SOCK "pool.sock" /* in the state dir */

struct nn_pool;

/**
 * nn_pool_start() - start the pool service of a live nest (daemon side)
 * @n:   the live nest (cfg.state_dir, cfg.bridge, cfg.mtu, nest_netns); must outlive it
 * @out: set to the pool (owned by the caller; nn_pool_stop() frees it)
 * @err: error object
 *
 * Listens on $STATE/pool.sock (mode 0600) and starts the thread that answers it and the
 * thread that fills the pool up to NN_POOL_SIZE once the first request came.
 * Return: 0, or the negative errno of socket(2)/bind(2)/listen(2)/pthread_create(3).
 */
int nn_pool_start(struct nn_nest *n, struct nn_pool **out, struct nn_err *err);

/**
 * nn_pool_stop() - stop both threads, remove pool.sock and close every pooled netns
 * @p: the pool, or NULL (then nothing happens); freed
 *
 * The kernel destroys each closed netns, with its eth0 and so the host end of the veth
 * (asynchronously: net/core/net_namespace.c cleanup_net).  Never fails.
 */
void nn_pool_stop(struct nn_pool *p);

/**
 * nn_pool_take() - the pooled wiring of the netns with inode @ino, if the pool made it
 * @p:    the pool (may be NULL: then none)
 * @ino:  inode of the sandbox's netns (/proc/PID/ns/net)
 * @link: filled with the host veth name and eth0's MAC
 *
 * Each handed-out netns can be taken once; the pool remembers the last 64 it handed out.
 * Thread-safe.
 * Return: 0, or -ENOENT when the netns is not one the pool handed out (or was taken).
 */
int nn_pool_take(struct nn_pool *p, ino_t ino, struct nn_sandbox_link *link);

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
 * nn_pool_get() - ask a nest's pool for a network namespace (client side)
 * @state_dir: the nest's state dir
 * @err:       error object
 *
 * Connects to @state_dir/pool.sock and receives one nsfs fd (SCM_RIGHTS, unix(7);
 * close-on-exec).  The caller owns the fd and should setns(2) into it (which needs
 * CAP_SYS_ADMIN in the nest's user namespace: call it after entering that).
 * Return: the fd; -ENOENT when the pool is empty or the daemon has none (the caller then
 * makes its own netns); other negative errno of socket(2)/connect(2)/recvmsg(2).
 */
int nn_pool_get(const char *state_dir, struct nn_err *err);

#endif
