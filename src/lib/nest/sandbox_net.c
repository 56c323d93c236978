// SPDX-License-Identifier: GPL-2.0-or-later
/* sandbox_net.c - veth wiring of a sandbox to the nest's bridge (see sandbox_net.h) */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "sandbox.h"
#include "sandbox_net.h"
#include "util.h"

#define VETH_TRIES 10 /* bridge.go SetupVeth retries a clashing random name */

/* The sandbox side, run inside its netns by nn_netns_call() (rtnl.h). */
struct inside {
	struct nn_nest *n;
	const char *label;
	bool addrs; /* after lo and eth0 are up, add the addresses and default routes */
	struct in_addr ip;
	const struct in6_addr *ip6; /* NULL: IPv4 only */
	struct nn_sandbox_link *link;
	struct nn_rtnl *keep; /* not NULL: the socket in the netns stays open, here */
};

/* eth0's addresses and default routes, in one batch, on @r in the sandbox netns */
static int add_addrs(struct nn_rtnl *r, const struct nn_nest_config *c, struct in_addr ip,
		     const struct in6_addr *ip6, int ifindex, struct nn_err *err)
{
	struct nn_rtnl_iface_addrs a = {
		.ifindex = ifindex,
		.ip = ip,
		.gw = c->bridge_ip,
		.prefix = c->subnet.prefix,
		.ip6 = ip6,
		.gw6 = &c->bridge_ip6,
		.prefix6 = c->subnet6.prefix,
	};

	return nn_rtnl_iface_addrs(r, &a, err);
}

static int read_mac(const char *ifname, char mac[18], struct nn_err *err)
{
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = { 0 };
	unsigned char *a;

	if (fd < 0)
		return nn_err(err, errno, "open a socket to read the MAC of %s", ifname);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) /* netdevice(7) */
		return nn_err(err, errno, "read the MAC of %s", ifname);
	a = (unsigned char *)ifr.ifr_hwaddr.sa_data;
	snprintf(mac, 18, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);
	return 0;
}

/*
 * Keep eth0 from sending what the bridge floods to every port, before eth0 is up (the
 * first packets follow its up; net/ipv6/addrconf.c):
 * - no router solicitations: the nest sends no router advertisement (its routes are
 *   static), and each one goes to ff02::2; the kernel's default of -1 retries without end
 *   (ip-sysctl.rst router_solicitations), so 1000 sandboxes kept a thousand netns busy;
 * - no duplicate address detection of the link-local address (accept_dad 0, as the
 *   new netns's "all" has it: addrconf_dad_begin()), so it is valid at once: its probe
 *   goes to a solicited-node group, flooded, and the MAC it is made from is random; the
 *   nest's own addresses are added with IFA_F_NODAD already.
 * (Its MLDv2 reports are still sent twice each: the robustness variable, mld_qrv, is the
 * initial netns's alone.)  No IPv6 in the kernel: nothing to do.
 */
static int quiet_eth0(const char *label, struct nn_err *err)
{
	static const char *const set[][2] = {
		{ "/proc/sys/net/ipv6/conf/" NN_SANDBOX_IFNAME "/router_solicitations", "0\n" },
		{ "/proc/sys/net/ipv6/conf/" NN_SANDBOX_IFNAME "/accept_dad", "0\n" },
	};
	char where[128];

	snprintf(where, sizeof(where), "the netns of %s", label);
	for (size_t i = 0; i < ARRAY_SIZE(set); i++) {
		int r = nn_write_sysctl(set[i][0], set[i][1], where, err);

		if (r < 0 && r != -ENOENT)
			return r;
	}
	return 0;
}

static int configure_inside(void *arg, struct nn_err *err)
{
	struct inside *in = arg;
	struct nn_sandbox_link *l = in->link;
	struct nn_rtnl r;
	int ret;

	ret = quiet_eth0(in->label, err);
	if (ret < 0)
		return ret;
	ret = nn_rtnl_open(&r, -1, in->label, err);
	if (ret < 0)
		return ret;
	if ((ret = nn_rtnl_link_up(&r, "lo", err)) < 0 ||
	    (ret = nn_rtnl_link_up(&r, NN_SANDBOX_IFNAME, err)) < 0 ||
	    (ret = nn_rtnl_ifindex(&r, NN_SANDBOX_IFNAME, &l->ifindex, err)) < 0 ||
	    (ret = read_mac(NN_SANDBOX_IFNAME, l->mac, err)) < 0)
		goto out;
	if (in->addrs)
		ret = add_addrs(&r, &in->n->cfg, in->ip, in->ip6, l->ifindex, err);
out:
	if (ret == 0 && in->keep)
		*in->keep = r;
	else
		nn_rtnl_close(&r);
	return ret;
}

static int create_pair(struct nn_nest *n, struct nn_rtnl *nest, int sb_netns, const char *label,
		       char veth[IFNAMSIZ], struct nn_err *err)
{
	struct nn_err ignore;
	int r = -EEXIST, idx;

	for (int i = 0; i < VETH_TRIES && r == -EEXIST; i++) {
		uint32_t rnd;

		if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
			return nn_err(err, errno, "pick a veth name for %s", label);
		snprintf(veth, IFNAMSIZ, "veth%08x", rnd);
		r = nn_rtnl_veth_add(nest, veth, NN_SANDBOX_IFNAME, sb_netns, n->cfg.mtu, err);
		/* A clash of the random name is retried; eth0 taken in the sandbox is not. */
		if (r == -EEXIST && nn_rtnl_ifindex(nest, veth, &idx, &ignore) < 0)
			break;
	}
	if (r < 0)
		return nn_err_wrap(err, "join %s to bridge %s", label, n->cfg.bridge);
	return 0;
}

/* The pair, the host end a port of the bridge and up; on failure nothing is left. */
static int wire_host(struct nn_nest *n, struct nn_rtnl *nest, int sb_netns, const char *label,
		     char veth[IFNAMSIZ], struct nn_err *err)
{
	struct nn_err ignore;
	int r;

	r = create_pair(n, nest, sb_netns, label, veth, err);
	if (r < 0)
		return r;
	if (nn_rtnl_link_set_master(nest, veth, n->cfg.bridge, err) < 0 ||
	    nn_rtnl_link_up(nest, veth, err) < 0) {
		nn_rtnl_link_del(nest, veth, &ignore);
		return nn_err_wrap(err, "join %s to bridge %s", label, n->cfg.bridge);
	}
	return 0;
}

int nn_sandbox_wire(struct nn_nest *n, struct nn_rtnl *nest, int sb_netns, const char *label,
		    struct in_addr ip, const struct in6_addr *ip6, struct nn_sandbox_link *out,
		    struct nn_err *err)
{
	struct inside in = { n, label, true, ip, ip6, out, NULL };
	struct nn_err ignore;
	int r;

	r = wire_host(n, nest, sb_netns, label, out->veth, err);
	if (r < 0)
		return r;
	if (nn_netns_call(sb_netns, label, configure_inside, &in, err) < 0) {
		nn_rtnl_link_del(nest, out->veth, &ignore);
		return nn_err_wrap(err, "join %s to bridge %s", label, n->cfg.bridge);
	}
	return 0;
}

/* In a thread of nn_netns_call(-1): a netns of its own, and its nsfs fd in *arg. */
static int new_netns(void *arg, struct nn_err *err)
{
	int *fd = arg;

	if (unshare(CLONE_NEWNET) < 0)
		return nn_err(err, errno, "unshare a network namespace");
	*fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return nn_err(err, errno, "open /proc/thread-self/ns/net");
	return 0;
}

int nn_sandbox_prewire(struct nn_nest *n, struct nn_rtnl *nest, const char *label, int *netns,
		       struct nn_rtnl *inside, struct nn_sandbox_link *out, struct nn_err *err)
{
	struct inside in = { n, label, false, { 0 }, NULL, out, inside };
	_cleanup_close_ int fd = -1;
	struct nn_err ignore;
	int r;

	r = nn_netns_call(-1, label, new_netns, &fd, err);
	if (r < 0)
		return r;
	r = wire_host(n, nest, fd, label, out->veth, err);
	if (r < 0)
		return r;
	if (nn_netns_call(fd, label, configure_inside, &in, err) < 0) {
		nn_rtnl_link_del(nest, out->veth, &ignore);
		return nn_err_wrap(err, "join %s to bridge %s", label, n->cfg.bridge);
	}
	*netns = steal_fd(&fd);
	return 0;
}

int nn_sandbox_wire_pooled(struct nn_nest *n, struct nn_rtnl *nest, struct nn_rtnl *inside,
			   const char *label, struct in_addr ip, const struct in6_addr *ip6,
			   const struct nn_sandbox_link *link, struct nn_err *err)
{
	struct nn_err ignore;

	if (add_addrs(inside, &n->cfg, ip, ip6, link->ifindex, err) < 0) {
		nn_rtnl_link_del(nest, link->veth, &ignore);
		return nn_err_wrap(err, "address %s", label);
	}
	return 0;
}

int nn_sandbox_unwire(struct nn_rtnl *nest, const char *veth, struct nn_err *err)
{
	int r = nn_rtnl_link_del(nest, veth, err);

	return r == -ENODEV ? 0 : r;
}
