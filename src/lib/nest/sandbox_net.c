// SPDX-License-Identifier: GPL-2.0-or-later
/* sandbox_net.c - veth wiring of a sandbox to the nest's bridge (see sandbox_net.h) */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>

#include "sandbox.h"
#include "sandbox_net.h"
#include "util.h"

#define VETH_TRIES 10 /* bridge.go SetupVeth retries a clashing random name */

/* The sandbox side, run inside its netns by nn_netns_call() (rtnl.h). */
struct inside {
	struct nn_nest *n;
	const char *label;
	bool links; /* raise lo and eth0; fill link's ifindex, MAC and cookie */
	bool addrs; /* add the addresses and default routes (links: after; else check cookie) */
	struct in_addr ip;
	const struct in6_addr *ip6; /* NULL: IPv4 only */
	struct nn_sandbox_link *link;
};

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
 * The netns's cookie (SO_NETNS_COOKIE, socket(7), Linux 5.14): unlike its inode number,
 * which the kernel gives to a new namespace once the old one is freed (fs/nsfs.c,
 * fs/proc/generic.c proc_alloc_inum), it is never reused.
 */
static int netns_cookie(struct nn_rtnl *r, uint64_t *cookie, struct nn_err *err)
{
	socklen_t len = sizeof(*cookie);

	if (getsockopt(mnl_socket_get_fd(r->nl), SOL_SOCKET, SO_NETNS_COOKIE, cookie, &len) < 0)
		return nn_err(err, errno, "read the cookie of netns %s", r->label);
	return 0;
}

static int configure_inside(void *arg, struct nn_err *err)
{
	struct inside *in = arg;
	const struct nn_nest_config *c = &in->n->cfg;
	struct nn_sandbox_link *l = in->link;
	struct nn_rtnl_iface_addrs a = {
		.ip = in->ip, .gw = c->bridge_ip, .prefix = c->subnet.prefix,
		.ip6 = in->ip6, .gw6 = &c->bridge_ip6, .prefix6 = c->subnet6.prefix,
	};
	struct nn_rtnl r;
	uint64_t cookie;
	int ret;

	ret = nn_rtnl_open(&r, -1, in->label, err);
	if (ret < 0)
		return ret;
	if ((ret = netns_cookie(&r, &cookie, err)) < 0)
		goto out;
	if (!in->links && cookie != l->cookie) {
		ret = nn_errx(err, ESTALE, "%s: not the pooled netns of the same inode", in->label);
		goto out;
	}
	if (in->links &&
	    ((ret = nn_rtnl_link_up(&r, "lo", err)) < 0 ||
	     (ret = nn_rtnl_link_up(&r, NN_SANDBOX_IFNAME, err)) < 0 ||
	     (ret = nn_rtnl_ifindex(&r, NN_SANDBOX_IFNAME, &l->ifindex, err)) < 0 ||
	     (ret = read_mac(NN_SANDBOX_IFNAME, l->mac, err)) < 0))
		goto out;
	l->cookie = cookie;
	a.ifindex = l->ifindex;
	if (in->addrs)
		ret = nn_rtnl_iface_addrs(&r, &a, err);
out:
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
	struct inside in = { n, label, true, true, ip, ip6, out };
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
		       struct nn_sandbox_link *out, struct nn_err *err)
{
	struct inside in = { n, label, true, false, { 0 }, NULL, out };
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

int nn_sandbox_wire_pooled(struct nn_nest *n, struct nn_rtnl *nest, int sb_netns,
			   const char *label, struct in_addr ip, const struct in6_addr *ip6,
			   const struct nn_sandbox_link *link, struct nn_err *err)
{
	struct nn_sandbox_link l = *link;
	struct inside in = { n, label, false, true, ip, ip6, &l };
	struct nn_err ignore;
	int r;

	r = nn_netns_call(sb_netns, label, configure_inside, &in, err);
	if (r == -ESTALE)
		return r;
	if (r < 0) {
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
