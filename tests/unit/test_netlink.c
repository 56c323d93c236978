// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_netlink.c - what rtnetlink dumps put in the topology model: a real dump (taken in a
 * netns made for it, fuzz/corpus/netlink/all) read through nn_rtnl_run() into the link,
 * address and route parsers, and the malformed messages fuzz_netlink and its review found:
 * a length over 2 GiB, a name without its NUL, an address of the wrong size, a message
 * shorter than its family header, an MPLS route.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "lib/core/rtnl.h"
#include "lib/core/util.h"
#include "lib/inspect/topo_internal.h"

#ifndef AF_MPLS
#define AF_MPLS 28
#endif

/* a netns model to fill; free with done() */
struct model {
	struct nn_ns ns;
	struct nn_topo_netns n;
};

static void start(struct model *m)
{
	memset(m, 0, sizeof(*m));
	m->ns = (struct nn_ns){ .type = NN_NS_NET, .fd = -1 };
	m->n.ns = &m->ns;
}

static void done(struct model *m)
{
	for (size_t k = 0; k < m->n.nlinks; k++)
		free(m->n.links[k].addrs);
	free(m->n.links);
	free(m->n.routes);
}

/* parse() - run @len bytes of @buf through the three parsers, as nn_rtnl_dump() would */
static void parse(struct model *m, const void *buf, size_t len)
{
	assert_true(nn_rtnl_run(buf, len, 0, 0, nn_topo_link_cb, &m->n) >= MNL_CB_STOP);
	assert_true(nn_rtnl_run(buf, len, 0, 0, nn_topo_addr_cb, &m->n) >= MNL_CB_STOP);
	assert_true(nn_rtnl_run(buf, len, 0, 0, nn_topo_route_cb, &m->n) >= MNL_CB_STOP);
}

static const struct nn_topo_route *route_to(const struct nn_topo_netns *n, int family,
					    const char *dst)
{
	for (size_t i = 0; i < n->nroutes; i++)
		if (n->routes[i].family == family && !strcmp(n->routes[i].dst, dst))
			return &n->routes[i];
	return NULL;
}

static bool has_addr(const struct nn_topo_link *l, const char *local, unsigned prefix)
{
	for (size_t i = 0; i < l->naddrs; i++)
		if (!strcmp(l->addrs[i].local, local) && l->addrs[i].prefixlen == prefix)
			return true;
	return false;
}

/*
 * lo, bridge br0 with port veth1, its veth peer veth0, tap0, and vout whose peer vin
 * went to another netns (link-netnsid 0); 10.4.0.1/24 on br0, 10.4.0.2/24 and
 * fd00:4::2/64 on veth0, 10.0.2.100/24 on tap0; default via 10.0.2.2 dev tap0, IPv6
 * default via fd00:4::1 dev veth0, 192.168.7.0/24 dev vout src 10.0.2.100.
 */
static void a_real_dump_reads_into_links_addresses_and_routes(void **state)
{
	char path[4096];
	_cleanup_free_ char *buf = NULL;
	const struct nn_topo_link *l, *br, *tap;
	const struct nn_topo_route *r;
	struct model m;
	size_t len;

	(void)state;
	snprintf(path, sizeof(path), "%s/fuzz/corpus/netlink/all", NN_SRCDIR);
	assert_int_equal(nn_read_file(AT_FDCWD, path, &buf, &len, NULL), 0);
	start(&m);
	parse(&m, buf, len);
	assert_int_equal(m.n.nlinks, 6);
	assert_non_null(l = nn_topo_link_in(&m.n, "lo", 0));
	assert_int_equal(l->mtu, 65536);
	assert_string_equal(l->operstate, "UNKNOWN");
	assert_true(has_addr(l, "127.0.0.1", 8) && has_addr(l, "::1", 128));
	assert_non_null(br = nn_topo_link_in(&m.n, "br0", 0));
	assert_string_equal(br->kind, "bridge");
	assert_true(has_addr(br, "10.4.0.1", 24));
	assert_non_null(l = nn_topo_link_in(&m.n, "veth1", 0));
	assert_string_equal(l->kind, "veth");
	assert_string_equal(l->slave_kind, "bridge");
	assert_int_equal(l->master, br->ifindex);
	assert_int_equal(l->link, nn_topo_link_in(&m.n, "veth0", 0)->ifindex);
	assert_int_equal(l->link_netnsid, -1);
	assert_non_null(l = nn_topo_link_in(&m.n, "veth0", 0));
	assert_int_equal(l->naddrs, 3); /* and its fe80:: */
	assert_true(has_addr(l, "10.4.0.2", 24) && has_addr(l, "fd00:4::2", 64));
	assert_int_equal(strlen(l->address), 17);
	assert_non_null(tap = nn_topo_link_in(&m.n, "tap0", 0));
	assert_string_equal(tap->kind, "tun");
	assert_int_equal(tap->tun_type, 2); /* IFF_TAP */
	assert_true(has_addr(tap, "10.0.2.100", 24));
	assert_non_null(l = nn_topo_link_in(&m.n, "vout", 0));
	assert_int_equal(l->link_netnsid, 0);
	assert_string_equal(l->operstate, "LOWERLAYERDOWN");
	assert_non_null(r = route_to(&m.n, AF_INET, "default"));
	assert_string_equal(r->gateway, "10.0.2.2");
	assert_int_equal(r->oif, tap->ifindex);
	assert_ptr_equal(nn_topo_default_link(&m.n), tap);
	assert_non_null(r = route_to(&m.n, AF_INET6, "default"));
	assert_string_equal(r->gateway, "fd00:4::1");
	assert_non_null(r = route_to(&m.n, AF_INET, "192.168.7.0/24"));
	assert_string_equal(r->prefsrc, "10.0.2.100");
	assert_non_null(route_to(&m.n, AF_INET, "10.4.0.0/24"));
	assert_null(route_to(&m.n, AF_INET, "10.4.0.1/32")); /* local table: not read */
	done(&m);
}

/* put_link() - an RTM_NEWLINK of ifindex @idx in @buf; attributes are added after */
static struct nlmsghdr *put_link(void *buf, int idx)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = idx;
	return nlh;
}

/* fuzz_netlink found it: libmnl walked a message whose nlmsg_len is 0x803e0004 */
static void a_length_over_2_gib_is_refused_whole(void **state)
{
	_Alignas(struct nlmsghdr) char buf[256] = { 0 };
	struct nlmsghdr *nlh = put_link(buf, 1), *bad;
	struct model m;
	size_t len;

	(void)state;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "lo");
	len = nlh->nlmsg_len;
	bad = (struct nlmsghdr *)(buf + len);
	bad->nlmsg_len = 0x803e0004;
	bad->nlmsg_type = RTM_NEWLINK;
	len += 64;
	start(&m);
	errno = 0;
	assert_int_equal(nn_rtnl_run(buf, len, 0, 0, nn_topo_link_cb, &m.n), MNL_CB_ERROR);
	assert_int_equal(errno, EBADMSG);
	assert_int_equal(m.n.nlinks, 0); /* nothing of a bad datagram is used */
	/* shorter than a header, or longer than what is left: the same */
	bad->nlmsg_len = 8;
	assert_int_equal(nn_rtnl_run(buf, len, 0, 0, nn_topo_link_cb, &m.n), MNL_CB_ERROR);
	bad->nlmsg_len = 65;
	assert_int_equal(nn_rtnl_run(buf, len, 0, 0, nn_topo_link_cb, &m.n), MNL_CB_ERROR);
	bad->nlmsg_len = 64;
	assert_int_equal(nn_rtnl_run(buf, len, 0, 0, nn_topo_link_cb, &m.n), MNL_CB_OK);
	assert_int_equal(m.n.nlinks, 2);
	done(&m);
}

/* a name at the very end of a datagram without its NUL was read past the end (ASan) */
static void a_name_without_its_nul_is_left_out(void **state)
{
	_Alignas(struct nlmsghdr) char buf[256] = { 0 };
	struct nlmsghdr *nlh = put_link(buf, 5);
	struct model m;

	(void)state;
	mnl_attr_put(nlh, IFLA_IFNAME, 3, "abc");
	mnl_attr_put_u8(nlh, IFLA_MTU, 1); /* an integer too short: left out too */
	start(&m);
	parse(&m, buf, nlh->nlmsg_len);
	assert_int_equal(m.n.nlinks, 1);
	assert_int_equal(m.n.links[0].ifindex, 5);
	assert_string_equal(m.n.links[0].ifname, "");
	assert_int_equal(m.n.links[0].mtu, 0);
	done(&m);
}

static struct nlmsghdr *put_addr(void *buf, int family, int idx)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = RTM_NEWADDR;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = family;
	ifa->ifa_prefixlen = 24;
	ifa->ifa_index = idx;
	return nlh;
}

static struct nlmsghdr *put_route(void *buf, int family)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;

	nlh->nlmsg_type = RTM_NEWROUTE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = family;
	rtm->rtm_dst_len = 20;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_type = RTN_UNICAST;
	return nlh;
}

/* inet_ntop() read 4 or 16 bytes of whatever an attribute held */
static void addresses_of_the_wrong_size_or_family_are_left_out(void **state)
{
	_Alignas(struct nlmsghdr) char buf[1024] = { 0 };
	const uint8_t v4[4] = { 10, 4, 0, 9 }, v6[16] = { 0xfd };
	struct nlmsghdr *nlh = put_link(buf, 5);
	size_t len = nlh->nlmsg_len;
	struct model m;

	(void)state;
	nlh = put_addr(buf + len, AF_INET, 5);
	mnl_attr_put(nlh, IFA_LOCAL, 1, v4);         /* short: IFA_ADDRESS is used */
	mnl_attr_put(nlh, IFA_ADDRESS, 4, v4);
	len += nlh->nlmsg_len;
	nlh = put_addr(buf + len, AF_INET6, 5);
	mnl_attr_put(nlh, IFA_ADDRESS, 4, v4);       /* an IPv4 size in an IPv6 message */
	len += nlh->nlmsg_len;
	nlh = put_addr(buf + len, AF_PACKET, 5);
	mnl_attr_put(nlh, IFA_ADDRESS, 0, v4);       /* not IP */
	len += nlh->nlmsg_len;
	nlh = put_route(buf + len, AF_INET);
	mnl_attr_put(nlh, RTA_DST, 16, v6);          /* IPv6 size: no route, not a default */
	len += nlh->nlmsg_len;
	nlh = put_route(buf + len, AF_INET);
	((struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_dst_len = 0;
	mnl_attr_put(nlh, RTA_GATEWAY, 3, v4);       /* a default route, its gateway short */
	mnl_attr_put(nlh, RTA_OIF, 2, v4);
	len += nlh->nlmsg_len;
	nlh = put_route(buf + len, AF_INET6);
	mnl_attr_put(nlh, RTA_DST, 16, v6);
	len += nlh->nlmsg_len;
	start(&m);
	parse(&m, buf, len);
	assert_int_equal(m.n.nlinks, 1);
	assert_int_equal(m.n.links[0].naddrs, 1);
	assert_string_equal(m.n.links[0].addrs[0].local, "10.4.0.9");
	assert_int_equal(m.n.nroutes, 2);
	assert_string_equal(m.n.routes[0].dst, "default");
	assert_string_equal(m.n.routes[0].gateway, "");
	assert_int_equal(m.n.routes[0].oif, 0);
	assert_string_equal(m.n.routes[1].dst, "fd00::/20");
	done(&m);
}

/* the family header was read past a message that has none */
static void a_message_shorter_than_its_family_header_is_skipped(void **state)
{
	_Alignas(struct nlmsghdr) char buf[256] = { 0 };
	struct nlmsghdr *nlh;
	struct model m;
	size_t len = 0;

	(void)state;
	for (int type = RTM_NEWLINK; type <= RTM_NEWROUTE; type += 4) {
		nlh = mnl_nlmsg_put_header(buf + len);
		nlh->nlmsg_type = type; /* RTM_NEWLINK, RTM_NEWADDR, RTM_NEWROUTE */
		mnl_nlmsg_put_extra_header(nlh, 4);
		len += nlh->nlmsg_len;
	}
	start(&m);
	parse(&m, buf, len);
	assert_int_equal(m.n.nlinks, 0);
	assert_int_equal(m.n.nroutes, 0);
	done(&m);
}

/* an MPLS route sits in the main table too; its RTA_DST is a label, not an address */
static void an_mpls_route_is_not_an_ip_route(void **state)
{
	_Alignas(struct nlmsghdr) char buf[256] = { 0 };
	struct nlmsghdr *nlh = put_route(buf, AF_MPLS);
	const uint8_t label[4] = { 0, 0x64, 0x01, 0 };
	struct model m;

	(void)state;
	mnl_attr_put(nlh, RTA_DST, 4, label);
	start(&m);
	parse(&m, buf, nlh->nlmsg_len);
	assert_int_equal(m.n.nroutes, 0);
	done(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_real_dump_reads_into_links_addresses_and_routes),
		cmocka_unit_test(a_length_over_2_gib_is_refused_whole),
		cmocka_unit_test(a_name_without_its_nul_is_left_out),
		cmocka_unit_test(addresses_of_the_wrong_size_or_family_are_left_out),
		cmocka_unit_test(a_message_shorter_than_its_family_header_is_skipped),
		cmocka_unit_test(an_mpls_route_is_not_an_ip_route),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
