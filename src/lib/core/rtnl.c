// SPDX-License-Identifier: GPL-2.0-or-later
/* rtnl.c - rtnetlink requests with libmnl (see rtnl.h; rtnetlink(7), libmnl examples) */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "rtnl.h"
#include "util.h"

/*
 * One request, one reply buffer.  MNL_SOCKET_BUFFER_SIZE is at least 8 KiB, enough for
 * the single-link replies of a request; a dump gets RTNL_DUMP_BUF on the heap.
 */
#define RTNL_BUF MNL_SOCKET_BUFFER_SIZE
#define RTNL_DUMP_BUF (64 * 1024)

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

	/* A small stack: nat.c's 24 KiB of buffers are the deepest user. */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 512 * 1024);
	r = pthread_create(&t, &attr, netns_call_thread, &c);
	pthread_attr_destroy(&attr);
	if (r)
		return nn_err(err, r, "start a thread for netns %s", label);
	pthread_join(t, NULL);
	return c.ret;
}

int nn_rtnl_socket(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	return fd < 0 ? -errno : fd;
}

int nn_rtnl_open_fd(struct nn_rtnl *r, int fd, const char *label, struct nn_err *err)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK }; /* nl_pid 0: the kernel picks */

	memset(r, 0, sizeof(*r));
	snprintf(r->label, sizeof(r->label), "%s", label);
	/* bound first: mnl_socket_fdopen()'s getsockname(2) then reads the port id, which
	 * spares mnl_socket_bind()'s bind(2) + getsockname(2) after it */
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int e = errno;

		close(fd);
		return nn_err(err, e, "bind rtnetlink socket in netns %s", r->label);
	}
	r->nl = mnl_socket_fdopen(fd);
	if (!r->nl) {
		int e = errno;

		close(fd);
		return nn_err(err, e, "open rtnetlink socket in netns %s", r->label);
	}
	r->portid = mnl_socket_get_portid(r->nl);
	r->seq = (unsigned)time(NULL);
	return 0;
}

struct socket_in {
	const char *label;
	int fd;
};

/* in the netns to open in (nn_netns_call(), or the caller's own) */
static int socket_here(void *arg, struct nn_err *err)
{
	struct socket_in *in = arg;

	in->fd = nn_rtnl_socket();
	if (in->fd < 0)
		return nn_err(err, -in->fd, "open rtnetlink socket in netns %s", in->label);
	return 0;
}

int nn_rtnl_open(struct nn_rtnl *r, int netns_fd, const char *label, struct nn_err *err)
{
	struct socket_in in = { label, -1 };
	int ret;

	memset(r, 0, sizeof(*r));
	ret = netns_fd >= 0 ? nn_netns_call(netns_fd, label, socket_here, &in, err)
			    : socket_here(&in, err);
	if (ret < 0)
		return ret;
	return nn_rtnl_open_fd(r, in.fd, label, err);
}

void nn_rtnl_close(struct nn_rtnl *r)
{
	if (r->nl)
		mnl_socket_close(r->nl);
	r->nl = NULL;
}

int nn_rtnl_run(const void *buf, size_t len, unsigned seq, unsigned portid,
		int (*cb)(const struct nlmsghdr *nlh, void *data), void *data)
{
	const char *p = buf;
	size_t rem = len;

	while (rem >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)p;
		size_t step = NLMSG_ALIGN((size_t)nlh->nlmsg_len);

		if (nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > rem) {
			errno = EBADMSG;
			return MNL_CB_ERROR;
		}
		step = step < rem ? step : rem;
		p += step;
		rem -= step;
	}
	return mnl_cb_run(buf, len, seq, portid, cb, data);
}

/*
 * exchange() - send @nlh (flags set by the caller) and read the answers into @buf until
 * @cb returns MNL_CB_STOP or the kernel ends them: NLMSG_DONE after a dump, the ack of a
 * request (passt's nl_send() then nl_next() until nl_status()).  Return: 0, or the
 * negative errno the kernel answered with (-errno on socket errors); the caller names
 * the object.
 */
static int exchange(struct nn_rtnl *r, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
		    char *buf, size_t size)
{
	unsigned seq = ++r->seq;
	int ret;

	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(r->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		ssize_t n = mnl_socket_recvfrom(r->nl, buf, size);

		if (n < 0)
			return -errno;
		ret = nn_rtnl_run(buf, (size_t)n, seq, r->portid, cb, data);
	} while (ret > MNL_CB_STOP);
	return ret < 0 ? -errno : 0;
}

/*
 * Send @nlh with NLM_F_ACK and read until the ack.  @cb (may be NULL) sees each data
 * message.  Return: as exchange().
 */
static int rtnl_talk(struct nn_rtnl *r, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[RTNL_BUF];

	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	return exchange(r, nlh, cb, data, buf, sizeof(buf));
}

int nn_rtnl_dump(struct nn_rtnl *r, struct nlmsghdr *nlh,
		 int (*cb)(const struct nlmsghdr *nlh, void *data), void *data,
		 struct nn_err *err)
{
	/* on the heap: a _Thread_local buffer would sit in every thread of the daemon too */
	_cleanup_free_ char *buf = malloc(RTNL_DUMP_BUF);
	int ret;

	if (!buf)
		return nn_err(err, ENOMEM, "rtnetlink dump in netns %s", r->label);
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_DUMP;
	ret = exchange(r, nlh, cb, data, buf, RTNL_DUMP_BUF);
	if (ret < 0)
		return nn_err(err, -ret, "rtnetlink dump in netns %s", r->label);
	return 0;
}

static int nsid_attr_cb(const struct nlattr *a, void *data)
{
	int32_t *nsid = data;

	if (mnl_attr_get_type(a) == NETNSA_NSID && mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
		*nsid = (int32_t)mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

int nn_rtnl_netnsid_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type != RTM_NEWNSID)
		return MNL_CB_OK;
	if (mnl_attr_parse(nlh, sizeof(struct rtgenmsg), nsid_attr_cb, data) < 0)
		return MNL_CB_ERROR;
	return MNL_CB_STOP; /* the one answer ends the exchange (no ack was asked for) */
}

struct nlmsghdr *nn_rtnl_netnsid_msg(void *buf, int nsfd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtgenmsg *g;

	nlh->nlmsg_type = RTM_GETNSID;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NETNSA_FD, (uint32_t)nsfd);
	return nlh;
}

int nn_rtnl_netnsid(struct nn_rtnl *r, int nsfd, int32_t *nsid, struct nn_err *err)
{
	char req[NN_RTNL_NETNSID_MSG], buf[RTNL_BUF];
	int32_t id = -1;
	int ret;

	ret = exchange(r, nn_rtnl_netnsid_msg(req, nsfd), nn_rtnl_netnsid_cb, &id, buf,
		       sizeof(buf));
	if (ret < 0)
		return nn_err(err, -ret, "RTM_GETNSID for netns fd %d in netns %s", nsfd, r->label);
	*nsid = id;
	return 0;
}

int nn_rtnl_netnsids(struct nn_rtnl *r, const int *fds, size_t n, int32_t *nsids, bool *ok)
{
	_cleanup_free_ char *msgs = malloc((n ? n : 1) * NN_RTNL_NETNSID_MSG);
	_cleanup_free_ struct nn_rtnl_req *reqs = calloc(n ? n : 1, sizeof(*reqs));
	int ret;

	if (!msgs || !reqs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		nsids[i] = -1;
		reqs[i].nlh = nn_rtnl_netnsid_msg(msgs + i * NN_RTNL_NETNSID_MSG, fds[i]);
		reqs[i].cb = nn_rtnl_netnsid_cb;
		reqs[i].data = &nsids[i];
	}
	ret = nn_rtnl_batch(r, reqs, n, NULL, 0);
	for (size_t i = 0; i < n; i++)
		ok[i] = ret == 0 && reqs[i].ret == 0;
	return ret;
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

/*
 * RTM_NEWLINK on an existing @ifname (found by name, net/core/rtnetlink.c __rtnl_newlink):
 * @flags set, then IFLA_MTU, IFLA_MASTER and IFLA_OPERSTATE when > 0; and if @no_ll,
 * IFLA_INET6_ADDR_GEN_MODE none: no IPv6 link-local address once up, so no DAD, MLD
 * report or router solicitation from it (net/ipv6/addrconf.c inet6_set_link_af; before
 * the link is up, since the address is made at NETDEV_UP).
 */
static int link_change_af(struct nn_rtnl *r, const char *ifname, unsigned flags, int mtu,
			  int master, int operstate, bool no_ll, const char *what,
			  struct nn_err *err)
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
	if (operstate > 0)
		mnl_attr_put_u8(nlh, IFLA_OPERSTATE, (uint8_t)operstate);
	if (no_ll) {
		struct nlattr *spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
		struct nlattr *inet6 = mnl_attr_nest_start(nlh, AF_INET6);

		mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
		mnl_attr_nest_end(nlh, inet6);
		mnl_attr_nest_end(nlh, spec);
	}
	ret = rtnl_talk(r, nlh, NULL, NULL);
	/* a device without IPv6 (an MTU below 1280, RFC 8200 section 5; no IPv6 in the
	 * kernel) has no address generation to turn off: net/ipv6/addrconf.c
	 * inet6_validate_link_af() says EAFNOSUPPORT */
	if (ret == -EAFNOSUPPORT && no_ll)
		return link_change_af(r, ifname, flags, mtu, master, operstate, false, what, err);
	if (ret < 0)
		return nn_err(err, -ret, "%s %s in netns %s", what, ifname, r->label);
	return 0;
}

static int link_change(struct nn_rtnl *r, const char *ifname, unsigned flags, int mtu, int master,
		       int operstate, const char *what, struct nn_err *err)
{
	return link_change_af(r, ifname, flags, mtu, master, operstate, false, what, err);
}

int nn_rtnl_link_up(struct nn_rtnl *r, const char *ifname, struct nn_err *err)
{
	return link_change(r, ifname, IFF_UP, 0, 0, 0, "set up interface", err);
}

int nn_rtnl_link_set_mtu(struct nn_rtnl *r, const char *ifname, unsigned mtu, struct nn_err *err)
{
	return link_change(r, ifname, 0, (int)mtu, 0, 0, "set MTU of interface", err);
}

int nn_rtnl_link_set_oper_up(struct nn_rtnl *r, const char *ifname, struct nn_err *err)
{
	return link_change(r, ifname, 0, 0, 0, IF_OPER_UP, "set operationally up the interface",
			   err);
}

int nn_rtnl_link_set_master(struct nn_rtnl *r, const char *ifname, const char *master,
			    struct nn_err *err)
{
	int idx, ret = nn_rtnl_ifindex(r, master, &idx, err);
	char what[64 + IFNAMSIZ];

	if (ret < 0)
		return ret;
	snprintf(what, sizeof(what), "attach to bridge %s the interface", master);
	return link_change_af(r, ifname, 0, 0, idx, 0, true, what, err);
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

/*
 * addr_add() - RTM_NEWADDR of @addr (@family, 4 or 16 bytes) with @flags (IFA_FLAGS,
 * e.g. IFA_F_NODAD: rtnetlink(7), include/uapi/linux/if_addr.h)
 */
/* In @buf, an RTM_NEWADDR of @addr (@family, 4 or 16 bytes) on ifindex @idx with @flags. */
static struct nlmsghdr *addr_msg(char *buf, int idx, int family, const void *addr,
				 unsigned prefix, uint32_t flags)
{
	size_t alen = family == AF_INET ? 4 : 16;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = family;
	ifa->ifa_prefixlen = prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = idx;
	mnl_attr_put(nlh, IFA_LOCAL, alen, addr);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, addr);
	if (flags)
		mnl_attr_put_u32(nlh, IFA_FLAGS, flags);
	return nlh;
}

/*
 * addr_add() - RTM_NEWADDR of @addr (@family, 4 or 16 bytes) with @flags (IFA_FLAGS,
 * e.g. IFA_F_NODAD: rtnetlink(7), include/uapi/linux/if_addr.h)
 */
static int addr_add(struct nn_rtnl *r, const char *ifname, int family, const void *addr,
		    unsigned prefix, uint32_t flags, struct nn_err *err)
{
	char buf[RTNL_BUF], text[INET6_ADDRSTRLEN];
	int idx, ret = nn_rtnl_ifindex(r, ifname, &idx, err);

	if (ret < 0)
		return ret;
	ret = rtnl_talk(r, addr_msg(buf, idx, family, addr, prefix, flags), NULL, NULL);
	if (ret < 0)
		return nn_err(err, -ret, "add address %s/%u to %s in netns %s",
			      inet_ntop(family, addr, text, sizeof(text)), prefix, ifname,
			      r->label);
	return 0;
}

int nn_rtnl_addr_add(struct nn_rtnl *r, const char *ifname, struct in_addr addr, unsigned prefix,
		     struct nn_err *err)
{
	return addr_add(r, ifname, AF_INET, &addr, prefix, 0, err);
}

int nn_rtnl_addr6_add(struct nn_rtnl *r, const char *ifname, const struct in6_addr *addr,
		      unsigned prefix, struct nn_err *err)
{
	return addr_add(r, ifname, AF_INET6, addr, prefix, IFA_F_NODAD, err);
}

/*
 * default_route_msg() - in @buf, an RTM_NEWROUTE of a @family default route (dst_len 0) of
 * @type and @scope in @table (RTA_TABLE too, so ids above 255 work) out of ifindex @oif,
 * with @flags (rtnetlink(7))
 */
static struct nlmsghdr *default_route_msg(char *buf, int family, uint16_t flags, uint32_t table,
					  unsigned char scope, unsigned char type, int oif)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;

	nlh->nlmsg_type = RTM_NEWROUTE;
	nlh->nlmsg_flags = NLM_F_CREATE | flags;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)family;
	rtm->rtm_dst_len = 0;
	rtm->rtm_table = table < 256 ? (unsigned char)table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = scope;
	rtm->rtm_type = type;
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	mnl_attr_put_u32(nlh, RTA_OIF, oif);
	return nlh;
}

/* route_default() - RTM_NEWROUTE of the @family default route via @gw (4 or 16 bytes) */
static int route_default(struct nn_rtnl *r, int family, const void *gw, const char *ifname,
			 struct nn_err *err)
{
	char buf[RTNL_BUF], text[INET6_ADDRSTRLEN];
	struct nlmsghdr *nlh;
	int idx, ret = nn_rtnl_ifindex(r, ifname, &idx, err);

	if (ret < 0)
		return ret;
	nlh = default_route_msg(buf, family, NLM_F_EXCL, RT_TABLE_MAIN, RT_SCOPE_UNIVERSE,
				RTN_UNICAST, idx);
	mnl_attr_put(nlh, RTA_GATEWAY, family == AF_INET ? 4 : 16, gw);
	ret = rtnl_talk(r, nlh, NULL, NULL);
	if (ret < 0)
		return nn_err(err, -ret, "add default route via %s dev %s in netns %s",
			      inet_ntop(family, gw, text, sizeof(text)), ifname, r->label);
	return 0;
}

int nn_rtnl_route_add_default(struct nn_rtnl *r, struct in_addr gw, const char *ifname,
			      struct nn_err *err)
{
	return route_default(r, AF_INET, &gw, ifname, err);
}

int nn_rtnl_route6_add_default(struct nn_rtnl *r, const struct in6_addr *gw, const char *ifname,
			       struct nn_err *err)
{
	return route_default(r, AF_INET6, gw, ifname, err);
}

int nn_rtnl_route_add_local_default(struct nn_rtnl *r, int family, uint32_t table,
				    const char *ifname, struct nn_err *err)
{
	char buf[RTNL_BUF];
	struct nlmsghdr *nlh;
	int idx, ret = nn_rtnl_ifindex(r, ifname, &idx, err);

	if (ret < 0)
		return ret;
	nlh = default_route_msg(buf, family, NLM_F_REPLACE, table, RT_SCOPE_HOST, RTN_LOCAL, idx);
	ret = rtnl_talk(r, nlh, NULL, NULL);
	if (ret < 0)
		return nn_err(err, -ret,
			      "add route \"local default dev %s table %u\" (%s) in netns %s",
			      ifname, table, family == AF_INET6 ? "IPv6" : "IPv4", r->label);
	return 0;
}

int nn_rtnl_rule_add_fwmark(struct nn_rtnl *r, int family, uint32_t mark, uint32_t table,
			    uint32_t priority, struct nn_err *err)
{
	char buf[RTNL_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct fib_rule_hdr *frh;
	int ret;

	nlh->nlmsg_type = RTM_NEWRULE;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	frh->family = (unsigned char)family;
	frh->table = table < 256 ? (unsigned char)table : RT_TABLE_UNSPEC;
	frh->action = FR_ACT_TO_TBL;
	mnl_attr_put_u32(nlh, FRA_TABLE, table);
	mnl_attr_put_u32(nlh, FRA_FWMARK, mark);
	mnl_attr_put_u32(nlh, FRA_FWMASK, 0xffffffffu);
	mnl_attr_put_u32(nlh, FRA_PRIORITY, priority);
	ret = rtnl_talk(r, nlh, NULL, NULL);
	if (ret == -EEXIST)
		return 0; /* the same rule, made before (an earlier start of the same daemon) */
	if (ret < 0)
		return nn_err(err, -ret, "add rule \"fwmark %#x lookup %u\" (%s) in netns %s", mark,
			      table, family == AF_INET6 ? "IPv6" : "IPv4", r->label);
	return 0;
}

/* Send the @n requests in @buf (@len bytes) at once; read their @n acks.  -errno of the first
 * that failed, its index in *@which. */
static int batch_talk(struct nn_rtnl *r, char *buf, size_t len, unsigned n, unsigned *which)
{
	unsigned first = r->seq + 1, acks = 0;
	char ans[RTNL_BUF];
	int ret = 0;

	for (size_t off = 0; off < len;) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)(buf + off);

		nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
		nlh->nlmsg_seq = ++r->seq;
		off += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	if (mnl_socket_sendto(r->nl, buf, len) < 0)
		return -errno;
	while (acks < n) {
		ssize_t got = mnl_socket_recvfrom(r->nl, ans, sizeof(ans));
		size_t rem;

		if (got < 0)
			return -errno;
		rem = (size_t)got;
		for (struct nlmsghdr *h = (struct nlmsghdr *)ans; mnl_nlmsg_ok(h, (int)rem);
		     h = mnl_nlmsg_next(h, (int *)&rem)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);

			if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_seq < first ||
			    h->nlmsg_seq >= first + n)
				continue;
			acks++;
			if (e->error < 0 && !ret) {
				ret = e->error;
				*which = h->nlmsg_seq - first;
			}
		}
	}
	return ret;
}

int nn_rtnl_iface_addrs(struct nn_rtnl *r, const struct nn_rtnl_iface_addrs *a,
			struct nn_err *err)
{
	static const char *const what[] = { "address", "address", "default route via",
					    "default route via" };
	char buf[4 * 128], text[INET6_ADDRSTRLEN];
	const void *shown[4] = { &a->ip, a->ip6, &a->gw, a->gw6 };
	int fam[4] = { AF_INET, AF_INET6, AF_INET, AF_INET6 };
	unsigned n = 0, which = 0, idx[4];
	size_t len = 0;
	int ret;

	for (unsigned i = 0; i < 4; i++) {
		struct nlmsghdr *nlh;

		if (fam[i] == AF_INET6 && !a->ip6)
			continue;
		if (i < 2) {
			nlh = addr_msg(buf + len, a->ifindex, fam[i], shown[i],
				       i ? a->prefix6 : a->prefix, i ? IFA_F_NODAD : 0);
		} else {
			nlh = default_route_msg(buf + len, fam[i], NLM_F_EXCL, RT_TABLE_MAIN,
						RT_SCOPE_UNIVERSE, RTN_UNICAST, a->ifindex);
			mnl_attr_put(nlh, RTA_GATEWAY, fam[i] == AF_INET ? 4 : 16, shown[i]);
		}
		len += NLMSG_ALIGN(nlh->nlmsg_len);
		idx[n++] = i;
	}
	ret = batch_talk(r, buf, len, n, &which);
	if (ret < 0)
		return nn_err(err, -ret, "add %s %s on ifindex %d in netns %s", what[idx[which]],
			      inet_ntop(fam[idx[which]], shown[idx[which]], text, sizeof(text)),
			      a->ifindex, r->label);
	return 0;
}

int nn_rtnl_fd(const struct nn_rtnl *r)
{
	return mnl_socket_get_fd(r->nl);
}

int nn_rtnl_watch_links(struct nn_rtnl *r, struct nn_err *err)
{
	int fd = mnl_socket_get_fd(r->nl), group = RTNLGRP_LINK, size = 1 << 20;

	/* as much buffer as the kernel grants (net.core.rmem_max): fewer lost bursts */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0)
		return nn_err(err, errno, "watch the links of netns %s", r->label);
	return 0;
}

struct gone_links {
	void (*gone)(const char *ifname, void *arg);
	void *arg;
};

static int gone_link_attr(const struct nlattr *a, void *data)
{
	const char **name = data;

	if (mnl_attr_get_type(a) == IFLA_IFNAME && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		*name = mnl_attr_get_str(a);
	return MNL_CB_OK;
}

static int gone_link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct gone_links *g = data;
	const char *name = NULL;

	if (nlh->nlmsg_type != RTM_DELLINK)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(struct ifinfomsg), gone_link_attr, &name);
	if (name)
		g->gone(name, g->arg);
	return MNL_CB_OK;
}

int nn_rtnl_gone_links(struct nn_rtnl *r, void (*gone)(const char *ifname, void *arg), void *arg)
{
	struct gone_links g = { gone, arg };
	char buf[RTNL_BUF];

	for (;;) {
		ssize_t n = recv(mnl_socket_get_fd(r->nl), buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		/* notifications: seq 0, portid 0 (the kernel's) */
		if (mnl_cb_run(buf, (size_t)n, 0, 0, gone_link_cb, &g) < 0 && errno != ESRCH)
			return -errno;
	}
}
