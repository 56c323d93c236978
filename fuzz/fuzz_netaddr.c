// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_netaddr.c - IPv4 networks and addresses as --cidr, --subnet and the API take them
 * (nn_cidr_parse(), nn_ip_parse()), and the arithmetic on what they return: the network
 * address lies in its network, the hosts at offsets 0 and size-1 are the network and
 * broadcast addresses, and the first offset past them is refused.
 */
#include <arpa/inet.h>
#include <errno.h>

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	struct nn_err err = { 0 };
	struct nn_cidr c;
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
	r = nn_ip_parse(s, "--dns", &a, &err);
	if (r < 0)
		fuzz_check_err(r, &err);
	free(s);
	return 0;
}
