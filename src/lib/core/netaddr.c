// SPDX-License-Identifier: GPL-2.0-or-later
/* netaddr.c - IPv4 and IPv6 networks and addresses: parsing and arithmetic (see netaddr.h) */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "netaddr.h"
#include "util.h"

static uint32_t prefix_mask(unsigned prefix)
{
	return prefix ? htonl(~0u << (32 - prefix)) : 0;
}

int nn_ip_parse(const char *s, const char *what, struct in_addr *out, struct nn_err *err)
{
	/* inet_pton(3) accepts exactly four decimal parts, no octal or shorthand forms. */
	if (!s || inet_pton(AF_INET, s, out) != 1)
		return nn_errx(err, EINVAL, "%s %s: not an IPv4 address (A.B.C.D)", what,
			       s ? s : "(none)");
	return 0;
}

/*
 * cidr_parse() - "ADDR/N" of @family (AF_INET: A.B.C.D/N, prefix 0..32; AF_INET6:
 * X:X::X/N, 0..128) into @addr (4 or 16 bytes) and @prefix
 */
static int cidr_parse(const char *s, const char *what, int family, void *addr, unsigned *prefix,
		      struct nn_err *err)
{
	const bool v6 = family == AF_INET6;
	const char *form = v6 ? "X:X::X/N" : "A.B.C.D/N";
	const unsigned max = v6 ? 128 : 32;
	char buf[INET6_ADDRSTRLEN];
	unsigned long p;
	const char *slash;
	size_t alen;
	int r;

	if (!s)
		return nn_errx(err, EINVAL, "%s: missing network (%s)", what, form);
	slash = strchr(s, '/');
	if (!slash)
		return nn_errx(err, EINVAL, "%s %s: missing /prefix (%s)", what, s, form);
	alen = slash - s;
	if (alen >= (v6 ? INET6_ADDRSTRLEN : INET_ADDRSTRLEN))
		return nn_errx(err, EINVAL, "%s %s: not an IPv%c address before '/'", what, s,
			       v6 ? '6' : '4');
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(family, buf, addr) != 1)
		return nn_errx(err, EINVAL, "%s %s: '%s' is not an IPv%c address", what, s, buf,
			       v6 ? '6' : '4');
	r = nn_parse_uint(slash + 1, 0, max, &p);
	if (r == -ERANGE)
		return nn_errx(err, EINVAL, "%s %s: prefix length %s is over %u", what, s,
			       slash + 1, max);
	if (r < 0)
		return nn_errx(err, EINVAL, "%s %s: prefix length '%s' is not a number 0..%u", what,
			       s, slash + 1, max);
	*prefix = p;
	return 0;
}

int nn_cidr_parse(const char *s, const char *what, struct nn_cidr *out, struct nn_err *err)
{
	return cidr_parse(s, what, AF_INET, &out->addr, &out->prefix, err);
}

struct in_addr nn_cidr_network(const struct nn_cidr *c)
{
	struct in_addr a = { .s_addr = c->addr.s_addr & prefix_mask(c->prefix) };

	return a;
}

bool nn_cidr_contains(const struct nn_cidr *c, struct in_addr a)
{
	uint32_t m = prefix_mask(c->prefix);

	return (a.s_addr & m) == (c->addr.s_addr & m);
}

int nn_cidr_host(const struct nn_cidr *c, uint32_t n, struct in_addr *out)
{
	uint64_t size = 1ull << (32 - c->prefix);

	if (n >= size)
		return -ERANGE;
	out->s_addr = htonl(ntohl(nn_cidr_network(c).s_addr) + n);
	return 0;
}

const struct nn_cidr_special *nn_cidr_special(const struct nn_cidr *c, bool *inside)
{
	static const struct nn_cidr_special ranges[] = {
		{ "0.0.0.0", 8, "\"this network\"" }, { "127.0.0.0", 8, "loopback" },
		{ "169.254.0.0", 16, "link-local" },   { "224.0.0.0", 4, "multicast" },
		{ "240.0.0.0", 4, "reserved" },
	};
	struct in_addr net = nn_cidr_network(c);

	for (size_t i = 0; i < ARRAY_SIZE(ranges); i++) {
		struct nn_cidr r = { .prefix = ranges[i].prefix };

		inet_pton(AF_INET, ranges[i].net, &r.addr);
		/* two networks overlap when the larger one holds the other's network address */
		*inside = c->prefix >= r.prefix;
		if (*inside ? nn_cidr_contains(&r, net) : nn_cidr_contains(c, r.addr))
			return &ranges[i];
	}
	return NULL;
}

int nn_cidr6_parse(const char *s, const char *what, struct nn_cidr6 *out, struct nn_err *err)
{
	return cidr_parse(s, what, AF_INET6, &out->addr, &out->prefix, err);
}

struct in6_addr nn_cidr6_network(const struct nn_cidr6 *c)
{
	struct in6_addr a = c->addr;

	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = c->prefix > i * 8 ? c->prefix - i * 8 : 0;

		a.s6_addr[i] &= bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
	}
	return a;
}

bool nn_cidr6_contains(const struct nn_cidr6 *c, const struct in6_addr *a)
{
	struct nn_cidr6 other = { *a, c->prefix };
	struct in6_addr x = nn_cidr6_network(c), y = nn_cidr6_network(&other);

	return !memcmp(&x, &y, sizeof(x));
}

int nn_cidr6_host(const struct nn_cidr6 *c, uint32_t n, struct in6_addr *out)
{
	uint32_t last;

	if (c->prefix > 96)
		return -ERANGE;
	*out = nn_cidr6_network(c);
	memcpy(&last, &out->s6_addr[12], 4);
	last = htonl(ntohl(last) + n);
	memcpy(&out->s6_addr[12], &last, 4);
	return 0;
}
