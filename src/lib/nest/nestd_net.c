// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nestd_net.c - the nest's network, made by its daemon: the detached netns, tap0 and the
 * engine on it, the bridge and the sysctls (see nestd_internal.h, docs/design.md#the-nest,
 * docs/facts-rootlesskit.md#detached-netns).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#include "engine.h"
#include "extengine.h"
#include "nestd_internal.h"
#include "rtnl.h"

/*
 * In a thread (nn_netns_call()): unshare(CLONE_NEWNET) and bind the thread's new netns
 * onto the placeholder, like RootlessKit's "unshare -n mount --bind /proc/self/ns/net"
 * child; the daemon itself never leaves the host netns.
 */
static int netns_here(void *arg, struct nn_err *err)
{
	struct nestd *d = arg;

	if (unshare(CLONE_NEWNET) < 0)
		return nn_err(err, errno, "create the detached netns of nest %s", d->n->cfg.name);
	d->n->nest_netns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (d->n->nest_netns < 0)
		return nn_err(err, errno, "open /proc/thread-self/ns/net");
	if (!d->netns_path[0])
		return 0; /* RootlessKit 1's shape: the child lives in it, nothing is mounted */
	if (mount("/proc/thread-self/ns/net", d->netns_path, NULL, MS_BIND, NULL) < 0)
		return nn_err(err, errno, "bind-mount the nest's netns on %s", d->netns_path);
	d->netns_mounted = true;
	return 0;
}

int nn_nestd_make_netns(struct nestd *d, struct nn_err *err)
{
	const struct nn_nest_config *c = &d->n->cfg;
	_cleanup_close_ int ph = -1;

	if (c->child && !c->child->detach_netns)
		return nn_netns_call(-1, "new", netns_here, d, err);
	snprintf(d->netns_path, sizeof(d->netns_path), "%s/netns", d->n->cfg.state_dir);
	ph = open(d->netns_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0400);
	if (ph < 0)
		return nn_err(err, errno, "create netns placeholder %s", d->netns_path);
	return nn_netns_call(-1, "new", netns_here, d, err);
}

/* Open /dev/net/tun inside the nest's netns: the tap is made where the opener is. */
static int open_tap(void *arg, struct nn_err *err)
{
	struct nestd *d = arg;
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	_cleanup_close_ int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return nn_err(err, errno, "open /dev/net/tun");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", d->n->cfg.tap);
	/* netnest's engine takes offloaded frames (engine_tap.h); outside engines do not */
	if (d->n->cfg.engine == NN_ENGINE_BUILTIN)
		ifr.ifr_flags |= IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		return nn_err(err, errno, "create tap %s with /dev/net/tun (TUNSETIFF)",
			      d->n->cfg.tap);
	/*
	 * Persistent, so the engine's exit does not unregister tap0 itself (about 25 ms of
	 * RCU waits in its exit, on `down`'s path); the device goes with the netns, which the
	 * kernel tears down in the background (drivers/net/tun.c tun_detach, TUNSETPERSIST;
	 * net/core/dev.c default_device_exit_batch).
	 */
	if (ioctl(fd, TUNSETPERSIST, 1) < 0)
		return nn_err(err, errno, "make tap %s persistent (TUNSETPERSIST)", d->n->cfg.tap);
	d->tap_fd = steal_fd(&fd);
	return 0;
}

/* A sysctl to set in the nest's netns: its /proc/sys path and value. */
struct sysctl {
	char path[96];
	const char *val;
};

/* In the nest's netns (nn_netns_call()): nn_write_sysctl() of @arg. */
static int set_sysctl(void *arg, struct nn_err *err)
{
	const struct sysctl *s = arg;

	return nn_write_sysctl(s->path, s->val, "the nest's netns", err);
}

/*
 * The engine, as soon as tap0 exists: it sets itself up (its sandbox, loading libslirp and
 * glib: several ms) while tap0 is configured, the bridge made and the NAT table sent;
 * nn_nestd_engine_ready() waits for it after all of that.  It needs only the tap's fd: the
 * tap's address and state are the nest netns' business, and libslirp sends nothing before
 * a frame comes from the tap.  slirp4netns attaches to tap0 itself (TUNSETIFF on the
 * persistent device), so the daemon lets go of it first: a tap without IFF_MULTI_QUEUE
 * takes one fd (drivers/net/tun.c tun_attach).
 */
static int start_engine(struct nestd *d, struct nn_err *err)
{
	struct nn_nest *n = d->n;
	int r;

	if (n->cfg.engine == NN_ENGINE_BUILTIN) {
		r = nn_engine_spawn(&n->cfg, d->tap_fd, &n->engine_pid, &d->engine_report, err);
	} else {
		close(d->tap_fd);
		d->tap_fd = -1;
		return nn_extengine_spawn(&n->cfg, n->nest_netns, &n->engine_pid,
					  &d->engine_report, err);
	}
	if (r == 0) {
		/* the engine holds tap0 now: one holder, as slirp4netns is (topo shows holders) */
		close(d->tap_fd);
		d->tap_fd = -1;
	}
	return r;
}

/* Wait for the engine start_engine() started; on failure it is stopped and reaped. */
int nn_nestd_engine_ready(struct nestd *d, struct nn_err *err)
{
	struct nn_nest *n = d->n;
	int fd = steal_fd(&d->engine_report), r;

	if (n->cfg.engine == NN_ENGINE_BUILTIN)
		r = nn_engine_ready(n->engine_pid, fd, err);
	else
		r = nn_extengine_ready(&n->cfg, n->engine_pid, fd, err);
	if (r < 0)
		n->engine_pid = 0;
	return r;
}

/*
 * pasta makes tap0 itself and gives it the nest's address, MTU and default route
 * (--config-net: pasta.go): it starts, and is waited for, before the bridge.
 */
static int start_pasta(struct nestd *d, struct nn_err *err)
{
	int r = start_engine(d, err);

	return r < 0 ? r : nn_nestd_engine_ready(d, err);
}

static int sysctl_in(struct nestd *d, const char *label, const char *path, const char *val,
		     struct nn_err *err)
{
	struct sysctl s = { .val = val };

	snprintf(s.path, sizeof(s.path), "%s", path);
	return nn_netns_call(d->n->nest_netns, label, set_sysctl, &s, err);
}

/*
 * tap0's IPv6 (docs/design.md#ipv6): no router advertisements taken (libslirp sends them:
 * ip6_icmp.c ndp_send_ra), a static fd00::100/64 with no DAD instead of slirp4netns's
 * SLAAC, so the nest routes IPv6 the moment it is up (ip-sysctl.rst accept_ra).  A kernel
 * without IPv6 (no /proc/sys/net/ipv6) gives a nest without it.
 */
static int tap_ipv6(struct nestd *d, struct nn_rtnl *r, const char *label, struct nn_err *err)
{
	struct nn_nest_config *c = &d->n->cfg;
	char path[96];
	int ret;

	if (!c->ipv6)
		return 0;
	if (access("/proc/sys/net/ipv6", F_OK) < 0) {
		c->ipv6 = false;
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/accept_ra", c->tap);
	ret = sysctl_in(d, label, path, "0\n", err);
	if (ret < 0)
		return ret;
	return nn_rtnl_addr6_add(r, c->tap, &c->tap_ip6, c->cidr6.prefix, err);
}

/* The bridge's IPv6 address and IPv6 forwarding, beside IPv4's. */
static int bridge_ipv6(struct nestd *d, struct nn_rtnl *r, const char *label, struct nn_err *err)
{
	const struct nn_nest_config *c = &d->n->cfg;
	int ret;

	if (!c->ipv6)
		return 0;
	ret = nn_rtnl_addr6_add(r, c->bridge, &c->bridge_ip6, c->subnet6.prefix, err);
	if (ret == 0)
		ret = sysctl_in(d, label, "/proc/sys/net/ipv6/conf/all/forwarding", "1\n", err);
	return ret;
}

/*
 * No duplicate address detection of the bridge's own link-local address: the kernel
 * makes it when the first port comes up and gives the bridge its carrier
 * (net/ipv6/addrconf.c addrconf_notify NETDEV_CHANGE), and its probe, to a solicited-node
 * group, is flooded to every port, a sandbox that has just joined among them.  Before the
 * bridge is up; no IPv6 in the kernel: nothing to do.
 */
static int bridge_no_dad(struct nestd *d, const char *label, struct nn_err *err)
{
	char path[96];
	int ret;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/accept_dad", d->n->cfg.bridge);
	ret = sysctl_in(d, label, path, "0\n", err);
	return ret == -ENOENT ? 0 : ret;
}

/* tap0 made and configured by the daemon, with the engine on it (all but pasta) */
static int make_tap(struct nestd *d, struct nn_rtnl *r, const char *label, struct nn_err *err)
{
	const struct nn_nest_config *c = &d->n->cfg;
	int ret = nn_netns_call(d->n->nest_netns, label, open_tap, d, err);

	if (ret == 0 && c->net == NN_NET_ENGINE)
		ret = start_engine(d, err);
	if (ret == 0)
		ret = nn_rtnl_link_set_mtu(r, c->tap, c->mtu, err);
	if (ret == 0)
		ret = nn_rtnl_addr_add(r, c->tap, c->tap_ip, c->cidr.prefix, err);
	if (ret == 0)
		ret = tap_ipv6(d, r, label, err);
	if (ret == 0)
		ret = nn_rtnl_link_up(r, c->tap, err);
	if (ret == 0)
		ret = nn_rtnl_route_add_default(r, c->gateway, c->tap, err);
	return ret;
}

/* lo, tap0 (and the engine on it), tap0's MTU, addresses, up, default routes, the bridge,
 * forwarding. */
int nn_nestd_make_links(struct nestd *d, struct nn_err *err)
{
	const struct nn_nest_config *c = &d->n->cfg;
	char label[96];
	struct nn_rtnl r __attribute__((cleanup(nn_rtnl_close))) = { 0 };
	int ret;

	snprintf(label, sizeof(label), "nest %s", c->name);
	ret = nn_rtnl_open(&r, d->n->nest_netns, label, err);
	if (ret == 0)
		ret = nn_rtnl_link_up(&r, "lo", err);
	if (ret < 0 || c->net == NN_NET_NONE)
		return ret;
	if (c->net == NN_NET_ENGINE && c->engine == NN_ENGINE_PASTA)
		ret = start_pasta(d, err);
	else
		ret = make_tap(d, &r, label, err);
	if (ret == 0 && c->ipv6)
		ret = nn_rtnl_route6_add_default(&r, &c->gateway6, c->tap, err);
	/*
	 * RootlessKit's netns has tap0 alone, operationally UP as slirp4netns's tap is once it
	 * attaches (ours had its carrier from the start: "UNKNOWN"), and forwarding off until
	 * dockerd turns it on.
	 */
	if (ret < 0 || !c->bridge[0])
		return ret == 0 && c->child ? nn_rtnl_link_set_oper_up(&r, c->tap, err) : ret;
	if (ret == 0)
		ret = nn_rtnl_bridge_add(&r, c->bridge, c->mtu, err);
	if (ret == 0)
		ret = bridge_no_dad(d, label, err);
	if (ret == 0)
		ret = nn_rtnl_addr_add(&r, c->bridge, c->bridge_ip, c->subnet.prefix, err);
	if (ret == 0)
		ret = nn_rtnl_link_up(&r, c->bridge, err);
	if (ret == 0)
		ret = sysctl_in(d, label, "/proc/sys/net/ipv4/ip_forward", "1\n", err);
	if (ret == 0)
		ret = bridge_ipv6(d, &r, label, err);
	return ret;
}

