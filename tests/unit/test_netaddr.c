// SPDX-License-Identifier: GPL-2.0-or-later
/* test_netaddr.c - CIDR and address parsing, network arithmetic */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>

#include "lib/core/netaddr.h"

static const char *ntoa(struct in_addr a)
{
	static char buf[INET_ADDRSTRLEN];

	return inet_ntop(AF_INET, &a, buf, sizeof(buf));
}

static void a_cidr_keeps_address_and_prefix(void **state)
{
	struct nn_cidr c;
	struct nn_err err = { 0 };

	(void)state;
	assert_int_equal(nn_cidr_parse("10.4.0.7/24", "--subnet", &c, &err), 0);
	assert_string_equal(ntoa(c.addr), "10.4.0.7");
	assert_int_equal(c.prefix, 24);
	assert_string_equal(ntoa(nn_cidr_network(&c)), "10.4.0.0");
	assert_int_equal(nn_cidr_parse("0.0.0.0/0", "--cidr", &c, &err), 0);
	assert_string_equal(ntoa(nn_cidr_network(&c)), "0.0.0.0");
	assert_int_equal(nn_cidr_parse("192.168.1.1/32", "--cidr", &c, &err), 0);
	assert_string_equal(ntoa(nn_cidr_network(&c)), "192.168.1.1");
}

static void bad_cidrs_are_refused_with_the_reason(void **state)
{
	struct nn_cidr c;
	struct nn_err err = { 0 };

	(void)state;
	assert_int_equal(nn_cidr_parse("10.4.0.0/33", "--subnet", &c, &err), -EINVAL);
	assert_string_equal(err.msg, "--subnet 10.4.0.0/33: prefix length 33 is over 32");
	assert_int_equal(nn_cidr_parse("10.4.0.0", "--subnet", &c, &err), -EINVAL);
	assert_string_equal(err.msg, "--subnet 10.4.0.0: missing /prefix (A.B.C.D/N)");
	assert_int_equal(nn_cidr_parse("10.4.0/24", "--cidr", &c, &err), -EINVAL);
	assert_string_equal(err.msg, "--cidr 10.4.0/24: '10.4.0' is not an IPv4 address");
	assert_int_equal(nn_cidr_parse("10.4.0.256/24", "--cidr", &c, &err), -EINVAL);
	assert_int_equal(nn_cidr_parse("10.4.0.0/", "--cidr", &c, &err), -EINVAL);
	assert_int_equal(nn_cidr_parse("10.4.0.0/-1", "--cidr", &c, &err), -EINVAL);
	assert_int_equal(nn_cidr_parse("10.4.0.0/24x", "--cidr", &c, &err), -EINVAL);
	assert_string_equal(err.msg, "--cidr 10.4.0.0/24x: prefix length '24x' is not a number 0..32");
	assert_int_equal(nn_cidr_parse("/24", "--cidr", &c, &err), -EINVAL);
	assert_int_equal(nn_cidr_parse("", "--cidr", &c, &err), -EINVAL);
	assert_int_equal(nn_cidr_parse("1111111111111111111111/8", "--cidr", &c, &err), -EINVAL);
}

static void membership_follows_the_prefix(void **state)
{
	struct nn_cidr c;
	struct in_addr a;

	(void)state;
	assert_int_equal(nn_cidr_parse("10.4.0.0/24", "x", &c, NULL), 0);
	inet_pton(AF_INET, "10.4.0.254", &a);
	assert_true(nn_cidr_contains(&c, a));
	inet_pton(AF_INET, "10.4.1.1", &a);
	assert_false(nn_cidr_contains(&c, a));
	assert_int_equal(nn_cidr_parse("0.0.0.0/0", "x", &c, NULL), 0);
	assert_true(nn_cidr_contains(&c, a));
}

static void hosts_are_counted_from_the_network_address(void **state)
{
	struct nn_cidr c;
	struct in_addr a;

	(void)state;
	assert_int_equal(nn_cidr_parse("10.0.2.77/24", "x", &c, NULL), 0);
	assert_int_equal(nn_cidr_host(&c, 2, &a), 0);
	assert_string_equal(ntoa(a), "10.0.2.2");
	assert_int_equal(nn_cidr_host(&c, 100, &a), 0);
	assert_string_equal(ntoa(a), "10.0.2.100");
	assert_int_equal(nn_cidr_host(&c, 255, &a), 0);
	assert_string_equal(ntoa(a), "10.0.2.255");
	assert_int_equal(nn_cidr_host(&c, 256, &a), -ERANGE);
	assert_int_equal(nn_cidr_parse("10.4.0.0/30", "x", &c, NULL), 0);
	assert_int_equal(nn_cidr_host(&c, 4, &a), -ERANGE);
}

static void addresses_parse_strictly(void **state)
{
	struct in_addr a;
	struct nn_err err = { 0 };

	(void)state;
	assert_int_equal(nn_ip_parse("10.4.0.1", "--gateway", &a, &err), 0);
	assert_string_equal(ntoa(a), "10.4.0.1");
	assert_int_equal(nn_ip_parse("10.4.1", "--gateway", &a, &err), -EINVAL);
	assert_string_equal(err.msg, "--gateway 10.4.1: not an IPv4 address (A.B.C.D)");
	assert_int_equal(nn_ip_parse("10.4.0.1/24", "--gateway", &a, &err), -EINVAL);
	assert_int_equal(nn_ip_parse("::1", "--gateway", &a, &err), -EINVAL);
}

static void ipv6_networks_parse_and_count(void **state)
{
	struct nn_cidr6 c, d;
	struct in6_addr a, n;
	struct nn_err err = { 0 };
	char t[INET6_ADDRSTRLEN];

	(void)state;
	assert_int_equal(nn_cidr6_parse("fd00:4::1/64", "--subnet6", &c, &err), 0);
	assert_int_equal(c.prefix, 64);
	n = nn_cidr6_network(&c);
	assert_string_equal(inet_ntop(AF_INET6, &n, t, sizeof(t)), "fd00:4::");
	assert_int_equal(nn_cidr6_host(&c, 2, &a), 0);
	assert_string_equal(inet_ntop(AF_INET6, &a, t, sizeof(t)), "fd00:4::2");
	assert_int_equal(nn_cidr6_host(&c, 0x100, &a), 0);
	assert_string_equal(inet_ntop(AF_INET6, &a, t, sizeof(t)), "fd00:4::100");
	assert_true(nn_cidr6_contains(&c, &a));
	inet_pton(AF_INET6, "fd00:5::2", &a);
	assert_false(nn_cidr6_contains(&c, &a));
	assert_int_equal(nn_cidr6_parse("fd00:4:0:1::/63", "--subnet6", &d, &err), 0);
	n = nn_cidr6_network(&d);
	assert_string_equal(inet_ntop(AF_INET6, &n, t, sizeof(t)), "fd00:4::");
	assert_int_equal(nn_cidr6_parse("fd00::/112", "x", &d, &err), 0);
	assert_int_equal(nn_cidr6_host(&d, 1, &a), -ERANGE);

	assert_int_equal(nn_cidr6_parse("fd00::", "--subnet6", &c, &err), -EINVAL);
	assert_string_equal(err.msg, "--subnet6 fd00::: missing /prefix (X:X::X/N)");
	assert_int_equal(nn_cidr6_parse("garbage/64", "--subnet6", &c, &err), -EINVAL);
	assert_string_equal(err.msg, "--subnet6 garbage/64: 'garbage' is not an IPv6 address");
	assert_int_equal(nn_cidr6_parse("10.4.0.0/24", "--subnet6", &c, &err), -EINVAL);
	assert_int_equal(nn_cidr6_parse("fd00::/129", "--subnet6", &c, &err), -EINVAL);
	assert_string_equal(err.msg, "--subnet6 fd00::/129: prefix length 129 is over 128");
	assert_int_equal(nn_cidr6_parse("fd00::/x", "--subnet6", &c, &err), -EINVAL);
}

/* @s is, or holds (@inside false), the special range @net/@prefix of kind @kind */
static void special(const char *s, bool inside, const char *net, unsigned prefix,
		    const char *kind)
{
	const struct nn_cidr_special *sp;
	struct nn_cidr c;
	bool in;

	assert_int_equal(nn_cidr_parse(s, "x", &c, NULL), 0);
	sp = nn_cidr_special(&c, &in);
	if (!sp)
		fail_msg("%s: no special range", s);
	assert_string_equal(sp->net, net);
	assert_int_equal(sp->prefix, prefix);
	assert_string_equal(sp->kind, kind);
	assert_int_equal(in, inside);
}

static void ranges_that_are_never_a_lan_are_found_inside_and_around(void **state)
{
	static const char *const lans[] = { "10.4.0.0/24", "10.0.0.0/8", "192.168.0.0/16",
					    "172.16.0.0/12", "100.64.0.0/10", "192.0.2.0/24",
					    "1.0.0.0/8", "126.255.255.252/30", "128.0.0.0/8",
					    "169.253.0.0/16", "169.255.0.0/16", "223.255.255.0/24" };
	struct nn_cidr c;
	bool in;

	(void)state;
	special("224.0.0.0/24", true, "224.0.0.0", 4, "multicast");
	special("239.255.255.0/30", true, "224.0.0.0", 4, "multicast");
	special("127.0.0.0/24", true, "127.0.0.0", 8, "loopback");
	special("127.0.0.1/8", true, "127.0.0.0", 8, "loopback");
	special("0.0.0.0/16", true, "0.0.0.0", 8, "\"this network\"");
	special("169.254.0.0/16", true, "169.254.0.0", 16, "link-local");
	special("169.254.7.0/24", true, "169.254.0.0", 16, "link-local");
	special("240.0.0.0/24", true, "240.0.0.0", 4, "reserved");
	special("255.255.255.255/32", true, "240.0.0.0", 4, "reserved"); /* the broadcast */
	/* larger networks that hold one */
	special("169.0.0.0/8", false, "169.254.0.0", 16, "link-local");
	special("169.252.0.0/14", false, "169.254.0.0", 16, "link-local");
	special("0.0.0.0/0", false, "0.0.0.0", 8, "\"this network\"");
	special("192.0.0.0/2", false, "224.0.0.0", 4, "multicast");
	for (size_t i = 0; i < sizeof(lans) / sizeof(lans[0]); i++) {
		assert_int_equal(nn_cidr_parse(lans[i], "x", &c, NULL), 0);
		if (nn_cidr_special(&c, &in))
			fail_msg("%s taken for a special range", lans[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_cidr_keeps_address_and_prefix),
		cmocka_unit_test(bad_cidrs_are_refused_with_the_reason),
		cmocka_unit_test(membership_follows_the_prefix),
		cmocka_unit_test(hosts_are_counted_from_the_network_address),
		cmocka_unit_test(addresses_parse_strictly),
		cmocka_unit_test(ipv6_networks_parse_and_count),
		cmocka_unit_test(ranges_that_are_never_a_lan_are_found_inside_and_around),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
