// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_netaddr.c - IPv4 networks and addresses as --cidr, --subnet and the API take them
 * (nn_cidr_parse(), nn_ip_parse()), and the arithmetic on what they return: the network
 * address lies in its network, the hosts at offsets 0 and size-1 are the network and
 * broadcast addresses, and the first offset past them is refused.  IPv6 networks as
 * --subnet6 takes them (nn_cidr6_parse()): the network address lies in its network and is
 * host 0, and a host offset lies in the network (up to /96) or is refused (longer).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "lib/core/netaddr.h"

static void check_cidr(const struct nn_cidr *c)
{
	struct in_addr net = nn_cidr_network(c), a;
	uint64_t size;

	if (c->prefix > 32 || !nn_cidr_contains(c, c->addr) || !nn_cidr_contains(c, net))
		abort();
	size = 1ull << (32 - c->prefix);
	if (nn_cidr_host(c, 0, &a) < 0 || a.s_addr != net.s_addr)
		abort();
	if (nn_cidr_host(c, (uint32_t)(size - 1), &a) < 0 || !nn_cidr_contains(c, a))
		abort();
	if (size <= UINT32_MAX && nn_cidr_host(c, (uint32_t)size, &a) != -ERANGE)
		abort();
}

static void check_cidr6(const struct nn_cidr6 *c)
{
	struct in6_addr net = nn_cidr6_network(c), a;

	if (c->prefix > 128 || !nn_cidr6_contains(c, &c->addr) || !nn_cidr6_contains(c, &net))
		abort();
	if (c->prefix > 96) {
		if (nn_cidr6_host(c, 1, &a) != -ERANGE)
			abort();
		return;
	}
	if (nn_cidr6_host(c, 0, &a) < 0 || memcmp(&a, &net, sizeof(a)))
		abort();
	if (nn_cidr6_host(c, UINT32_MAX, &a) < 0 || !nn_cidr6_contains(c, &a))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	struct nn_err err = { 0 };
	struct nn_cidr c;
	struct nn_cidr6 c6;
	struct in_addr a;
	int r;

	if (!s)
		return 0;
	r = nn_cidr_parse(s, "--subnet", &c, &err);
	if (r < 0)
		fuzz_check_err(r, &err);
	else
		check_cidr(&c);
	memset(&err, 0, sizeof(err));
	r = nn_cidr6_parse(s, "--subnet6", &c6, &err);
	if (r < 0)
		fuzz_check_err(r, &err);
	else
		check_cidr6(&c6);
	memset(&err, 0, sizeof(err));
	r = nn_ip_parse(s, "--dns", &a, &err);
	if (r < 0)
		fuzz_check_err(r, &err);
	free(s);
	return 0;
}
