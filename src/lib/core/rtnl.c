// SPDX-License-Identifier: GPL-2.0-or-later
/* rtnl.c - rtnetlink requests with libmnl (see rtnl.h; rtnetlink(7), libmnl examples) */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "rtnl.h"
#include "util.h"

/*
 * One request, one reply buffer.  MNL_SOCKET_BUFFER_SIZE is at least 8 KiB, enough for
 * the single-link replies asked for here (no dumps).
 */
#define RTNL_BUF MNL_SOCKET_BUFFER_SIZE

struct netns_call {
	int netns_fd;
	const char *label;
	int (*fn)(void *arg, struct nn_err *err);
	void *arg;
	struct nn_err *err;
	int ret;
};

static void *netns_call_thread(void *p)
{
	struct netns_call *c = p;

	if (c->netns_fd >= 0 && setns(c->netns_fd, CLONE_NEWNET) < 0)
		c->ret = nn_err(c->err, errno, "enter netns %s", c->label);
	else
		c->ret = c->fn(c->arg, c->err);
	return NULL;
}

int nn_netns_call(int netns_fd, const char *label, int (*fn)(void *arg, struct nn_err *err),
		  void *arg, struct nn_err *err)
{
	struct netns_call c = { netns_fd, label, fn, arg, err, 0 };
	pthread_attr_t attr;
	pthread_t t;
	int r;

	/* A small stack: libnftables' parser is the deepest user. */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 512 * 1024);
	r = pthread_create(&t, &attr, netns_call_thread, &c);
	pthread_attr_destroy(&attr);
	if (r)
		return nn_err(err, r, "start a thread for netns %s", label);
	pthread_join(t, NULL);
	return c.ret;
}

static int rtnl_open_here(void *arg, struct nn_err *err)
{
	struct nn_rtnl *r = arg;

	r->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!r->nl)
		return nn_err(err, errno, "open rtnetlink socket in netns %s", r->label);
	if (mnl_socket_bind(r->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		nn_rtnl_close(r);
		return nn_err(err, e, "bind rtnetlink socket in netns %s", r->label);
	}
	return 0;
}

int nn_rtnl_open(struct nn_rtnl *r, int netns_fd, const char *label, struct nn_err *err)
{
	int ret;

	memset(r, 0, sizeof(*r));
	snprintf(r->label, sizeof(r->label), "%s", label);
	ret = netns_fd >= 0 ? nn_netns_call(netns_fd, label, rtnl_open_here, r, err)
			    : rtnl_open_here(r, err);
	if (ret < 0)
		return ret;
	r->portid = mnl_socket_get_portid(r->nl);
	r->seq = (unsigned)time(NULL);
	return 0;
}

void nn_rtnl_close(struct nn_rtnl *r)
{
	if (r->nl)
		mnl_socket_close(r->nl);
	r->nl = NULL;
}

/*
 * Send @nlh with NLM_F_ACK and read until the ack.  @cb (may be NULL) sees each data
 * message.  Return: 0 or the negative errno the kernel acked with (-errno on socket
 * errors); the caller names the object.
 */
static int rtnl_talk(struct nn_rtnl *r, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[RTNL_BUF];
	int ret;

	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++r->seq;
	if (mnl_socket_sendto(r->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		ssize_t n = mnl_socket_recvfrom(r->nl, buf, sizeof(buf));

		if (n < 0)
			return -errno;
		ret = mnl_cb_run(buf, n, nlh->nlmsg_seq, r->portid, cb, data);
	} while (ret > MNL_CB_STOP);
	return ret < 0 ? -errno : 0;
}

static struct nlmsghdr *link_msg(char *buf, uint16_t type, uint16_t flags, int ifindex)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return nlh;
}

static int ifindex_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type == RTM_NEWLINK)
		*(int *)data = ifi->ifi_index;
	return MNL_CB_OK;
}

int nn_rtnl_ifindex(struct nn_rtnl *r, const char *ifname, int *ifindex, struct nn_err *err)
{
	char buf[RTNL_BUF];
	struct nlmsghdr *nlh = link_msg(buf, RTM_GETLINK, 0, 0);
	int ret;

	/* Lookup by IFLA_IFNAME when ifi_index is 0 (net/core/rtnetlink.c rtnl_getlink). */
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	*ifindex = 0;
	ret = rtnl_talk(r, nlh, ifindex_cb, ifindex);
	if (ret == 0 && *ifindex <= 0)
		ret = -ENODEV;
	if (ret < 0)
		return nn_err(err, -ret, "find interface %s in netns %s", ifname, r->label);
	return 0;
}

/* RTM_NEWLINK on an existing @ifname (found by name, net/core/rtnetlink.c __rtnl_newlink). */
static int link_change(struct nn_rtnl *r, const char *ifname, unsigned flags, int mtu, int master,
		       const char *what, struct nn_err *err)
{
	char buf[RTNL_BUF];
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	int ret;

	ifi->ifi_flags = flags;
	ifi->ifi_change = flags;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	if (mtu > 0)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	if (master > 0)
		mnl_attr_put_u32(nlh, IFLA_MASTER, master);
	ret = rtnl_talk(r, nlh, NULL, NULL);
	if (ret < 0)
		return nn_err(err, -ret, "%s %s in netns %s", what, ifname, r->label);
	return 0;
}

int nn_rtnl_link_up(struct nn_rtnl *r, const char *ifname, struct nn_err *err)
{
	return link_change(r, ifname, IFF_UP, 0, 0, "set up interface", err);
}

int nn_rtnl_link_set_mtu(struct nn_rtnl *r, const char *ifname, unsigned mtu, struct nn_err *err)
{
	return link_change(r, ifname, 0, (int)mtu, 0, "set MTU of interface", err);
}

int nn_rtnl_link_set_master(struct nn_rtnl *r, const char *ifname, const char *master,
			    struct nn_err *err)
{
	int idx, ret = nn_rtnl_ifindex(r, master, &idx, err);
	char what[64 + IFNAMSIZ];

	if (ret < 0)
		return ret;
	snprintf(what, sizeof(what), "attach to bridge %s the interface", master);
	return link_change(r, ifname, 0, 0, idx, what, err);
}

int nn_rtnl_link_del(struct nn_rtnl *r, const char *ifname, struct nn_err *err)
{
	char buf[RTNL_BUF];
	struct nlmsghdr *nlh = link_msg(buf, RTM_DELLINK, 0, 0);
	int ret;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	ret = rtnl_talk(r, nlh, NULL, NULL);
	if (ret < 0)
		return nn_err(err, -ret, "delete interface %s in netns %s", ifname, r->label);
	return 0;
}

int nn_rtnl_bridge_add(struct nn_rtnl *r, const char *name, unsigned mtu, struct nn_err *err)
{
	char buf[RTNL_BUF];
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	struct nlattr *linkinfo;
	int ret;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, linkinfo);
	ret = rtnl_talk(r, nlh, NULL, NULL);
	if (ret < 0)
		return nn_err(err, -ret, "create bridge %s in netns %s", name, r->label);
	return 0;
}

int nn_rtnl_veth_add(struct nn_rtnl *r, const char *name, const char *peer, int peer_netns,
		     unsigned mtu, struct nn_err *err)
{
	char buf[RTNL_BUF];
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	struct nlattr *linkinfo, *data, *peerinfo;
	struct ifinfomsg *pifi;
	int ret;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	/* VETH_INFO_PEER carries a struct ifinfomsg then the peer's attributes
	 * (drivers/net/veth.c veth_newlink). */
	peerinfo = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	pifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifi));
	memset(pifi, 0, sizeof(*pifi));
	pifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	if (peer_netns >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, peer_netns);
	mnl_attr_nest_end(nlh, peerinfo);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	ret = rtnl_talk(r, nlh, NULL, NULL);
	if (ret < 0)
		return nn_err(err, -ret, "create veth pair %s/%s in netns %s", name, peer, r->label);
	return 0;
}

int nn_rtnl_addr_add(struct nn_rtnl *r, const char *ifname, struct in_addr addr, unsigned prefix,
		     struct nn_err *err)
{
	char buf[RTNL_BUF], text[INET_ADDRSTRLEN];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	int idx, ret = nn_rtnl_ifindex(r, ifname, &idx, err);

	if (ret < 0)
		return ret;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = idx;
	mnl_attr_put(nlh, IFA_LOCAL, sizeof(addr), &addr);
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof(addr), &addr);
	ret = rtnl_talk(r, nlh, NULL, NULL);
	if (ret < 0)
		return nn_err(err, -ret, "add address %s/%u to %s in netns %s",
			      inet_ntop(AF_INET, &addr, text, sizeof(text)), prefix, ifname,
			      r->label);
	return 0;
}

int nn_rtnl_route_add_default(struct nn_rtnl *r, struct in_addr gw, const char *ifname,
			      struct nn_err *err)
{
	char buf[RTNL_BUF], text[INET_ADDRSTRLEN];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	int idx, ret = nn_rtnl_ifindex(r, ifname, &idx, err);

	if (ret < 0)
		return ret;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWROUTE;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 0;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_GATEWAY, sizeof(gw), &gw);
	mnl_attr_put_u32(nlh, RTA_OIF, idx);
	ret = rtnl_talk(r, nlh, NULL, NULL);
	if (ret < 0)
		return nn_err(err, -ret, "add default route via %s dev %s in netns %s",
			      inet_ntop(AF_INET, &gw, text, sizeof(text)), ifname, r->label);
	return 0;
}
