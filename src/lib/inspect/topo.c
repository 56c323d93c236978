// SPDX-License-Identifier: GPL-2.0-or-later
/* topo.c - the topology model: links, addresses, routes and veth pairs per netns */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "topo_internal.h"
#include "util.h"

void nn_topo_add_gap(struct nn_topo *t, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	nn_gap_addv(&t->gaps, &t->ngaps, code, fmt, ap); /* -ENOMEM: the gap goes unsaid */
	va_end(ap);
}

void *nn_topo_grow(void *arr, size_t *n, size_t size)
{
	void **a = arr;
	char *p = realloc(*a, (*n + 1) * size);

	if (!p)
		return NULL;
	*a = p;
	memset(p + *n * size, 0, size);
	return p + (*n)++ * size;
}

static const char *const operstates[] = {
	"UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP",
};

/* attribute table: newer kernels send types beyond this build's *_MAX; skip those */
struct attrs {
	const struct nlattr **tb;
	int max;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct attrs *t = data;
	int type = mnl_attr_get_type(a);

	if (type <= t->max)
		t->tb[type] = a;
	return MNL_CB_OK;
}

#define ATTRS(tb) (&(struct attrs){ (tb), (int)ARRAY_SIZE(tb) - 1 })

/*
 * need() - keep @tb[@type] only if it is a valid @t (mnl_attr_validate(): a string ends in
 * its NUL, an integer is long enough).  The parsers read through libmnl and libc, which
 * trust the lengths; a socket in someone else's netns may carry a message made by a
 * process, not the kernel (rtnl.h nn_rtnl_run()).
 */
static void need(const struct nlattr **tb, int type, enum mnl_attr_data_type t)
{
	if (tb[type] && mnl_attr_validate(tb[type], t) < 0)
		tb[type] = NULL;
}

/*
 * need_ip() - keep @tb[@type] only if it holds an address of @family: 4 bytes for AF_INET,
 * 16 for AF_INET6, and nothing of any other family
 */
static void need_ip(const struct nlattr **tb, int type, int family)
{
	size_t len = family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;

	if (tb[type] && (!len || mnl_attr_get_payload_len(tb[type]) != len))
		tb[type] = NULL;
}

static void parse_linkinfo(const struct nlattr *li, struct nn_topo_link *l)
{
	const struct nlattr *tb[IFLA_INFO_MAX + 1] = { 0 };
	const struct nlattr *td[IFLA_TUN_MAX + 1] = { 0 };

	mnl_attr_parse_nested(li, attr_cb, ATTRS(tb));
	need(tb, IFLA_INFO_KIND, MNL_TYPE_NUL_STRING);
	need(tb, IFLA_INFO_SLAVE_KIND, MNL_TYPE_NUL_STRING);
	need(tb, IFLA_INFO_DATA, MNL_TYPE_NESTED);
	if (tb[IFLA_INFO_KIND])
		snprintf(l->kind, sizeof(l->kind), "%s", mnl_attr_get_str(tb[IFLA_INFO_KIND]));
	if (tb[IFLA_INFO_SLAVE_KIND])
		snprintf(l->slave_kind, sizeof(l->slave_kind), "%s",
			 mnl_attr_get_str(tb[IFLA_INFO_SLAVE_KIND]));
	if (!strcmp(l->kind, "tun") && tb[IFLA_INFO_DATA]) {
		mnl_attr_parse_nested(tb[IFLA_INFO_DATA], attr_cb, ATTRS(td));
		need(td, IFLA_TUN_TYPE, MNL_TYPE_U8);
		if (td[IFLA_TUN_TYPE])
			l->tun_type = mnl_attr_get_u8(td[IFLA_TUN_TYPE]);
	}
}

int nn_topo_link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct nn_topo_netns *n = data;
	struct nn_topo_link *l;

	if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifi), attr_cb, ATTRS(tb));
	need(tb, IFLA_IFNAME, MNL_TYPE_NUL_STRING);
	need(tb, IFLA_MTU, MNL_TYPE_U32);
	need(tb, IFLA_OPERSTATE, MNL_TYPE_U8);
	need(tb, IFLA_MASTER, MNL_TYPE_U32);
	need(tb, IFLA_LINK, MNL_TYPE_U32);
	need(tb, IFLA_LINK_NETNSID, MNL_TYPE_U32);
	need(tb, IFLA_LINKINFO, MNL_TYPE_NESTED);
	l = nn_topo_grow(&n->links, &n->nlinks, sizeof(*l));
	if (!l)
		return MNL_CB_ERROR;
	l->ifindex = ifi->ifi_index;
	l->type = ifi->ifi_type;
	l->link_netnsid = -1;
	l->peer_ns = -1;
	if (tb[IFLA_IFNAME])
		snprintf(l->ifname, sizeof(l->ifname), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	if (tb[IFLA_MTU])
		l->mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_OPERSTATE]) {
		uint8_t s = mnl_attr_get_u8(tb[IFLA_OPERSTATE]);
		snprintf(l->operstate, sizeof(l->operstate), "%s",
			 s < ARRAY_SIZE(operstates) ? operstates[s] : "UNKNOWN");
	}
	if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6) {
		const uint8_t *m = mnl_attr_get_payload(tb[IFLA_ADDRESS]);
		snprintf(l->address, sizeof(l->address), "%02x:%02x:%02x:%02x:%02x:%02x",
			 m[0], m[1], m[2], m[3], m[4], m[5]);
	}
	if (tb[IFLA_MASTER])
		l->master = mnl_attr_get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_LINK])
		l->link = mnl_attr_get_u32(tb[IFLA_LINK]);
	if (tb[IFLA_LINK_NETNSID])
		l->link_netnsid = (int32_t)mnl_attr_get_u32(tb[IFLA_LINK_NETNSID]);
	if (tb[IFLA_LINKINFO])
		parse_linkinfo(tb[IFLA_LINKINFO], l);
	return MNL_CB_OK;
}

int nn_topo_addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IFA_MAX + 1] = { 0 };
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct nn_topo_netns *n = data;
	const struct nlattr *a;
	struct nn_topo_link *l;
	struct nn_topo_addr *x;

	if (nlh->nlmsg_type != RTM_NEWADDR || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifa), attr_cb, ATTRS(tb));
	need_ip(tb, IFA_LOCAL, ifa->ifa_family);
	need_ip(tb, IFA_ADDRESS, ifa->ifa_family);
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	l = nn_topo_link_in(n, NULL, (int)ifa->ifa_index);
	if (!a || !l)
		return MNL_CB_OK;
	x = nn_topo_grow(&l->addrs, &l->naddrs, sizeof(*x));
	if (!x)
		return MNL_CB_ERROR;
	x->family = ifa->ifa_family;
	x->prefixlen = ifa->ifa_prefixlen;
	inet_ntop(x->family, mnl_attr_get_payload(a), x->local, sizeof(x->local));
	return MNL_CB_OK;
}

int nn_topo_route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[RTA_MAX + 1] = { 0 };
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct nn_topo_netns *n = data;
	struct nn_topo_route *rt;
	char dst[INET6_ADDRSTRLEN];
	uint32_t table;

	if (nlh->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return MNL_CB_OK;
	/* an AF_UNSPEC dump has AF_MPLS routes too, in the main table: not IP, not ours */
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*rtm), attr_cb, ATTRS(tb));
	need(tb, RTA_TABLE, MNL_TYPE_U32);
	need(tb, RTA_OIF, MNL_TYPE_U32);
	need_ip(tb, RTA_DST, rtm->rtm_family);
	need_ip(tb, RTA_GATEWAY, rtm->rtm_family);
	need_ip(tb, RTA_PREFSRC, rtm->rtm_family);
	table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	if (table != RT_TABLE_MAIN || rtm->rtm_type != RTN_UNICAST)
		return MNL_CB_OK;
	if (rtm->rtm_dst_len && !tb[RTA_DST])
		return MNL_CB_OK; /* a prefix without its address is not a default route */
	rt = nn_topo_grow(&n->routes, &n->nroutes, sizeof(*rt));
	if (!rt)
		return MNL_CB_ERROR;
	rt->family = rtm->rtm_family;
	if (rtm->rtm_dst_len == 0) {
		snprintf(rt->dst, sizeof(rt->dst), "default");
	} else {
		inet_ntop(rt->family, mnl_attr_get_payload(tb[RTA_DST]), dst, sizeof(dst));
		snprintf(rt->dst, sizeof(rt->dst), "%s/%u", dst, rtm->rtm_dst_len);
	}
	if (tb[RTA_GATEWAY])
		inet_ntop(rt->family, mnl_attr_get_payload(tb[RTA_GATEWAY]), rt->gateway,
			  sizeof(rt->gateway));
	if (tb[RTA_PREFSRC])
		inet_ntop(rt->family, mnl_attr_get_payload(tb[RTA_PREFSRC]), rt->prefsrc,
			  sizeof(rt->prefsrc));
	if (tb[RTA_OIF])
		rt->oif = mnl_attr_get_u32(tb[RTA_OIF]);
	return MNL_CB_OK;
}

ssize_t nn_topo_nsid_lookup(const struct nn_topo_netns *n, int nsid)
{
	for (size_t i = 0; i < n->nnsids; i++)
		if (n->nsids[i].nsid == nsid)
			return n->nsids[i].ns;
	return -1;
}

struct nn_topo_link *nn_topo_link_in(const struct nn_topo_netns *n, const char *ifname,
				     int ifindex)
{
	for (size_t i = 0; i < n->nlinks; i++)
		if (ifname ? !strcmp(n->links[i].ifname, ifname) : n->links[i].ifindex == ifindex)
			return &n->links[i];
	return NULL;
}

const struct nn_topo_link *nn_topo_default_link(const struct nn_topo_netns *n)
{
	for (size_t i = 0; i < n->nroutes; i++)
		if (!strcmp(n->routes[i].dst, "default") && n->routes[i].oif)
			return nn_topo_link_in(n, NULL, n->routes[i].oif);
	return NULL;
}

struct nn_topo_link *nn_topo_find_link(const struct nn_topo *t, size_t ns, const char *ifname,
				       int ifindex)
{
	return ns < t->n ? nn_topo_link_in(&t->netns[ns], ifname, ifindex) : NULL;
}

ssize_t nn_topo_find_ns(const struct nn_topo *t, struct nn_nsid id)
{
	for (size_t i = 0; i < t->n; i++)
		if (nn_nsid_equal(t->netns[i].ns->id, id))
			return (ssize_t)i;
	return -1;
}

void nn_topo_pair_veths(struct nn_topo *t)
{
	for (size_t i = 0; i < t->n; i++) {
		struct nn_topo_netns *n = &t->netns[i];

		for (size_t k = 0; k < n->nlinks; k++) {
			struct nn_topo_link *l = &n->links[k], *p;
			ssize_t m = (ssize_t)i;

			if (strcmp(l->kind, "veth"))
				continue;
			if (l->link_netnsid >= 0) {
				m = nn_topo_nsid_lookup(n, l->link_netnsid);
				if (m < 0) {
					nn_topo_add_gap(t, ENXIO, "peer of %s in netns %llu: "
							"link-netnsid %d names a netns not found",
							l->ifname, (unsigned long long)n->ns->id.ino,
							l->link_netnsid);
					continue;
				}
			}
			/* no IFLA_LINK with a netnsid: older kernels, same index (Ghostwire) */
			if (!t->netns[m].read) {
				/* the netns is known, its links are not: keep (netns, ifindex) */
				l->peer_ns = m;
				l->peer_ifindex = l->link ? l->link : l->ifindex;
				continue;
			}
			p = nn_topo_find_link(t, (size_t)m, NULL, l->link ? l->link : l->ifindex);
			if (!p || strcmp(p->kind, "veth")) {
				nn_topo_add_gap(t, ENODEV, "peer of %s in netns %llu: ifindex %d "
						"is not a veth there", l->ifname,
						(unsigned long long)n->ns->id.ino, l->link);
				continue;
			}
			l->peer_ns = m;
			l->peer_ifindex = p->ifindex;
		}
	}
	for (size_t i = 0; i < t->n; i++)
		for (size_t k = 0; k < t->netns[i].nlinks; k++) {
			struct nn_topo_link *l = &t->netns[i].links[k], *p;

			if (l->peer_ns < 0)
				continue;
			p = nn_topo_find_link(t, (size_t)l->peer_ns, NULL, l->peer_ifindex);
			l->peer_symmetric = p && p->peer_ns == (ssize_t)i &&
					    p->peer_ifindex == l->ifindex;
		}
}

int nn_topo_build(struct nn_topo *t, unsigned flags, struct nn_err *err)
{
	size_t nread;
	int ret;

	/* owners only for the netns setns refuses (nn_topo_open_socks()) */
	ret = nn_discover_with(&t->table, 1u << NN_NS_NET,
			       NN_DISCOVER_NO_OWNERS | NN_DISCOVER_NO_NSIDS, err);
	if (ret < 0)
		return ret;
	t->netns = calloc(t->table.n ? t->table.n : 1, sizeof(*t->netns));
	if (!t->netns)
		return nn_err(err, ENOMEM, "build the topology model");
	for (size_t i = 0; i < t->table.n; i++)
		if (t->table.ns[i].type == NN_NS_NET)
			t->netns[t->n++].ns = &t->table.ns[i];
	nread = nn_topo_read(t);
	if (t->n && !nread)
		return nn_err(err, EACCES, "no network namespace could be read (%s)",
			      t->gaps ? t->gaps[0].what : "no netns found");
	nn_topo_pair_veths(t);
	if (flags & NN_TOPO_HOLDERS)
		nn_topo_tun_holders(t);
	nn_topo_roles(t);
	return 0;
}

void nn_topo_free(struct nn_topo *t)
{
	for (size_t i = 0; i < t->n; i++) {
		struct nn_topo_netns *n = &t->netns[i];

		for (size_t k = 0; k < n->nlinks; k++) {
			free(n->links[k].addrs);
			free(n->links[k].holders);
		}
		free(n->links);
		free(n->routes);
		free(n->nsids);
	}
	free(t->netns);
	for (size_t i = 0; i < t->ngaps; i++)
		free(t->gaps[i].what);
	free(t->gaps);
	nn_ns_table_free(&t->table);
	memset(t, 0, sizeof(*t));
}
