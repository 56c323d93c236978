/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_SANDBOX_NET_H
#define NN_SANDBOX_NET_H

/*
 * The wiring of one sandbox to the nest's bridge, as the CNI bridge plugin does it
 * (plugins/main/bridge/bridge.go cmdAdd, docs/facts-cni.md#bridge-plugin): a veth pair
 * made in one request with the host end veth<8 hex> in the nest netns and the peer eth0
 * placed straight into the sandbox netns, the host end a port of the bridge, eth0 addressed
 * with a default route via the bridge, lo up.  Used by sandbox.c inside the daemon.
 *
 * The daemon's threads live in the host netns, which a rootless daemon cannot setns(2) back
 * into (the host netns belongs to the initial user namespace), so the work inside the sandbox
 * netns runs in a short-lived thread of its own (nn_netns_call(), rtnl.h).
 */

#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>

#include "err.h"
#include "nest.h"
#include "rtnl.h"

struct nn_sandbox_link {
	char veth[IFNAMSIZ]; /* host end, in the nest netns */
	char mac[18];        /* eth0's MAC, "aa:bb:cc:dd:ee:ff" */
	int ifindex; /* eth0's, in the sandbox netns */
};

/**
 * nn_sandbox_wire() - join the netns @sb_netns to the nest's bridge with address @ip
 * @n:        the live nest (cfg.bridge, cfg.bridge_ip, cfg.subnet, cfg.mtu)
 * @nest:     rtnetlink socket in the nest netns (nn_rtnl_open()); used under the
 *            caller's lock
 * @sb_netns: nsfs fd of the sandbox netns (not owned)
 * @label:    the sandbox, for messages ("sandbox web")
 * @ip:       the leased address; prefix is the subnet's
 * @ip6:      the sandbox's IPv6 address in cfg.subnet6, or NULL for none
 * @out:      the host veth name and eth0's MAC
 * @err:      error object
 *
 * Picks a free veth%08x name (4 random bytes, up to 10 tries, as the bridge plugin), creates
 * the pair with MTU cfg.mtu, enslaves and raises the host end, then in @sb_netns adds
 * @ip/prefix (and @ip6/prefix6, with no DAD: nn_rtnl_addr6_add()) to eth0, raises lo and
 * eth0 and adds the default routes via cfg.bridge_ip (and cfg.bridge_ip6).
 * On failure the pair is deleted again (deleting one end deletes both, drivers/net/veth.c).
 * Return: 0; -EEXIST when eth0 already exists in @sb_netns; other negative errno.
 */
int nn_sandbox_wire(struct nn_nest *n, struct nn_rtnl *nest, int sb_netns, const char *label,
		    struct in_addr ip, const struct in6_addr *ip6, struct nn_sandbox_link *out,
		    struct nn_err *err);

/**
 * nn_sandbox_prewire() - a new netns already joined to the bridge, for the pool (pool.h)
 * @n:      the live nest (cfg.bridge, cfg.mtu)
 * @nest:   rtnetlink socket in the nest netns; used under the caller's lock
 * @label:  for messages ("pooled netns 3")
 * @netns:  set to the new netns's nsfs fd (owned by the caller)
 * @inside: set to an rtnetlink socket opened in the new netns (the caller closes it,
 *          nn_rtnl_close()): the join adds the addresses on it, and while it is open the
 *          netns cannot be freed, so no other netns can have its inode number
 *          (fs/nsfs.c; net/core/net_namespace.c: a socket holds its netns)
 * @out:    the host veth name, eth0's MAC and ifindex
 * @err:    error object
 *
 * unshare(CLONE_NEWNET) in a short-lived thread (nn_netns_call()), then as
 * nn_sandbox_wire() but without addresses or routes: the pair, the host end enslaved and
 * up, lo and eth0 up.  On failure nothing is left (closing the fd destroys the netns).
 * Return: 0, or negative errno.
 */
int nn_sandbox_prewire(struct nn_nest *n, struct nn_rtnl *nest, const char *label, int *netns,
		       struct nn_rtnl *inside, struct nn_sandbox_link *out, struct nn_err *err);

/**
 * nn_sandbox_wire_pooled() - the second half of nn_sandbox_wire() for a prewired netns
 * @n:      the live nest (cfg.bridge_ip, cfg.subnet, cfg.bridge_ip6, cfg.subnet6)
 * @nest:   rtnetlink socket in the nest netns, to delete the pair on failure
 * @inside: the socket nn_sandbox_prewire() opened in that netns (not closed here)
 * @label:  the sandbox, for messages
 * @ip:     the leased address; prefix is the subnet's
 * @ip6:    the IPv6 address, or NULL for none
 * @link:   what nn_sandbox_prewire() returned for it
 * @err:    error object
 *
 * Adds @ip (and @ip6, no DAD) to eth0 and the default routes via the bridge, in one
 * netlink batch on @inside: no thread and no setns(2) on the join's path.  On failure the
 * pair is deleted.
 * Return: 0, or negative errno.
 */
int nn_sandbox_wire_pooled(struct nn_nest *n, struct nn_rtnl *nest, struct nn_rtnl *inside,
			   const char *label, struct in_addr ip, const struct in6_addr *ip6,
			   const struct nn_sandbox_link *link, struct nn_err *err);

/**
 * nn_sandbox_unwire() - delete the host veth @veth (and so its peer) from the nest netns
 * @nest: rtnetlink socket in the nest netns
 * @veth: host end name
 * @err:  error object
 * Return: 0, also when it is already gone (its netns died), or negative errno.
 */
int nn_sandbox_unwire(struct nn_rtnl *nest, const char *veth, struct nn_err *err);

#endif
