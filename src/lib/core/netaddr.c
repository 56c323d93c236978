// SPDX-License-Identifier: GPL-2.0-or-later
/* netaddr.c - IPv4 and IPv6 networks and addresses: parsing and arithmetic (see netaddr.h) */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "netaddr.h"
#include "util.h"

/* Longest dotted quad plus "/32" and the NUL. */
#define CIDR_TEXT_MAX (INET_ADDRSTRLEN + 3)

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

int nn_cidr_parse(const char *s, const char *what, struct nn_cidr *out, struct nn_err *err)
{
	char buf[CIDR_TEXT_MAX];
	unsigned long prefix;
	const char *slash;
	size_t alen;
	int r;

	if (!s)
		return nn_errx(err, EINVAL, "%s: missing network (A.B.C.D/N)", what);
	slash = strchr(s, '/');
	if (!slash)
		return nn_errx(err, EINVAL, "%s %s: missing /prefix (A.B.C.D/N)", what, s);
	alen = slash - s;
	if (alen >= sizeof(buf))
		return nn_errx(err, EINVAL, "%s %s: not an IPv4 address before '/'", what, s);
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, &out->addr) != 1)
		return nn_errx(err, EINVAL, "%s %s: '%s' is not an IPv4 address", what, s, buf);
	r = nn_parse_uint(slash + 1, 0, 32, &prefix);
	if (r == -ERANGE)
		return nn_errx(err, EINVAL, "%s %s: prefix length %s is over 32", what, s,
			       slash + 1);
	if (r < 0)
		return nn_errx(err, EINVAL, "%s %s: prefix length '%s' is not a number 0..32",
			       what, s, slash + 1);
	out->prefix = prefix;
	return 0;
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

int nn_cidr6_parse(const char *s, const char *what, struct nn_cidr6 *out, struct nn_err *err)
{
	char buf[INET6_ADDRSTRLEN];
	unsigned long prefix;
	const char *slash;
	size_t alen;
	int r;

	if (!s)
		return nn_errx(err, EINVAL, "%s: missing network (X:X::X/N)", what);
	slash = strchr(s, '/');
	if (!slash)
		return nn_errx(err, EINVAL, "%s %s: missing /prefix (X:X::X/N)", what, s);
	alen = slash - s;
	if (alen >= sizeof(buf))
		return nn_errx(err, EINVAL, "%s %s: not an IPv6 address before '/'", what, s);
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET6, buf, &out->addr) != 1)
		return nn_errx(err, EINVAL, "%s %s: '%s' is not an IPv6 address", what, s, buf);
	r = nn_parse_uint(slash + 1, 0, 128, &prefix);
	if (r == -ERANGE)
		return nn_errx(err, EINVAL, "%s %s: prefix length %s is over 128", what, s,
			       slash + 1);
	if (r < 0)
		return nn_errx(err, EINVAL, "%s %s: prefix length '%s' is not a number 0..128",
			       what, s, slash + 1);
	out->prefix = prefix;
	return 0;
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
