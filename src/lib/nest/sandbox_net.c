// SPDX-License-Identifier: GPL-2.0-or-later
/* sandbox_net.c - veth wiring of a sandbox to the nest's bridge (see sandbox_net.h) */
#include <errno.h>
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
	struct in_addr ip;
	const struct in6_addr *ip6; /* NULL: IPv4 only */
	char *mac; /* 18 bytes */
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

static int configure_inside(void *arg, struct nn_err *err)
{
	struct inside *in = arg;
	const struct nn_nest_config *c = &in->n->cfg;
	struct nn_rtnl r;
	int ret;

	ret = nn_rtnl_open(&r, -1, in->label, err);
	if (ret < 0)
		return ret;
	if ((ret = nn_rtnl_link_up(&r, "lo", err)) < 0 ||
	    (ret = nn_rtnl_addr_add(&r, NN_SANDBOX_IFNAME, in->ip, c->subnet.prefix, err)) < 0 ||
	    (in->ip6 && (ret = nn_rtnl_addr6_add(&r, NN_SANDBOX_IFNAME, in->ip6, c->subnet6.prefix,
						 err)) < 0) ||
	    (ret = nn_rtnl_link_up(&r, NN_SANDBOX_IFNAME, err)) < 0 ||
	    (ret = nn_rtnl_route_add_default(&r, c->bridge_ip, NN_SANDBOX_IFNAME, err)) < 0 ||
	    (in->ip6 &&
	     (ret = nn_rtnl_route6_add_default(&r, &c->bridge_ip6, NN_SANDBOX_IFNAME, err)) < 0))
		goto out;
	ret = read_mac(NN_SANDBOX_IFNAME, in->mac, err);
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

int nn_sandbox_wire(struct nn_nest *n, struct nn_rtnl *nest, int sb_netns, const char *label,
		    struct in_addr ip, const struct in6_addr *ip6, struct nn_sandbox_link *out,
		    struct nn_err *err)
{
	struct inside in = { n, label, ip, ip6, out->mac };
	struct nn_err ignore;
	int r;

	r = create_pair(n, nest, sb_netns, label, out->veth, err);
	if (r < 0)
		return r;
	if (nn_rtnl_link_set_master(nest, out->veth, n->cfg.bridge, err) < 0 ||
	    nn_rtnl_link_up(nest, out->veth, err) < 0 ||
	    nn_netns_call(sb_netns, label, configure_inside, &in, err) < 0) {
		nn_rtnl_link_del(nest, out->veth, &ignore);
		return nn_err_wrap(err, "join %s to bridge %s", label, n->cfg.bridge);
	}
	return 0;
}

int nn_sandbox_unwire(struct nn_rtnl *nest, const char *veth, struct nn_err *err)
{
	int r = nn_rtnl_link_del(nest, veth, err);

	return r == -ENODEV ? 0 : r;
}
