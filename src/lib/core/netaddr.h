/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_NETADDR_H
#define NN_NETADDR_H

/* IPv4 and IPv6 networks and addresses: parsing and arithmetic (owned by the nest). */

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"

/* An IPv4 network: @addr is the address as written (host bits may be set), @prefix 0..32. */
struct nn_cidr {
	struct in_addr addr;
	unsigned prefix;
};

/**
 * nn_cidr_parse() - parse "A.B.C.D/N"
 * @s:    text
 * @what: what it is, for the message ("--subnet")
 * @out:  result
 * @err:  error object: names @what and @s and says why (bad address, prefix over 32, ...)
 * Return: 0 or -EINVAL.
 */
int nn_cidr_parse(const char *s, const char *what, struct nn_cidr *out, struct nn_err *err);

/**
 * nn_cidr_network() - the network address of @c (host bits cleared)
 * @c: the network
 * Return: the address, network byte order.
 */
struct in_addr nn_cidr_network(const struct nn_cidr *c);

/**
 * nn_cidr_contains() - does @a lie in network @c?
 * @c: the network
 * @a: the address, network byte order
 * Return: true or false.
 */
bool nn_cidr_contains(const struct nn_cidr *c, struct in_addr a);

/**
 * nn_cidr_host() - the address at offset @n from the network address (n=1: .1)
 * @c:   the network
 * @n:   offset, 0 (the network address) up to the broadcast address
 * @out: the address, network byte order
 * Return: 0, or -ERANGE if @n is outside the network.
 */
int nn_cidr_host(const struct nn_cidr *c, uint32_t n, struct in_addr *out);

/* A range of IPv4 addresses that is never a LAN, from RFC 6890's special-purpose registry. */
struct nn_cidr_special {
	const char *net;  /* "224.0.0.0" */
	unsigned prefix;  /* 4 */
	const char *kind; /* "multicast", for "a multicast range" */
};

/**
 * nn_cidr_special() - the range that can never be a LAN which network @c lies in or holds
 * @c:      the network (host bits ignored)
 * @inside: set to true when @c lies inside the range, false when @c is larger and holds it
 *
 * The ranges (RFC 6890 section 2.2.2 and the IANA IPv4 Special-Purpose Address Registry):
 * 0.0.0.0/8 "this network" (RFC 791 section 3.2, RFC 1122 section 3.2.1.3), 127.0.0.0/8
 * loopback (RFC 1122 section 3.2.1.3), 169.254.0.0/16 link-local (RFC 3927), 224.0.0.0/4
 * multicast (RFC 5771) and 240.0.0.0/4 reserved, which holds the limited broadcast address
 * 255.255.255.255 (RFC 1112 section 4, RFC 919 section 7).  Private, shared (100.64.0.0/10)
 * and documentation ranges can be LANs and are not among them.
 * Return: the first range @c meets (a static entry), or NULL for none.
 */
const struct nn_cidr_special *nn_cidr_special(const struct nn_cidr *c, bool *inside);

/** nn_ip_parse() - parse a dotted IPv4 address; @what and @s named in @err. Return 0/-EINVAL */
int nn_ip_parse(const char *s, const char *what, struct in_addr *out, struct nn_err *err);

/* An IPv6 network: @addr as written (host bits may be set), @prefix 0..128. */
struct nn_cidr6 {
	struct in6_addr addr;
	unsigned prefix;
};

/**
 * nn_cidr6_parse() - parse "X:X::X/N"
 * @s:    text
 * @what: what it is, for the message ("--subnet6")
 * @out:  result
 * @err:  error object: names @what and @s and says why (not an IPv6 address, missing
 *        /prefix, prefix over 128)
 * Return: 0 or -EINVAL.
 */
int nn_cidr6_parse(const char *s, const char *what, struct nn_cidr6 *out, struct nn_err *err);

/**
 * nn_cidr6_network() - the network address of @c (host bits cleared)
 * @c: the network
 * Return: the address.
 */
struct in6_addr nn_cidr6_network(const struct nn_cidr6 *c);

/**
 * nn_cidr6_contains() - does @a lie in network @c?
 * @c: the network
 * @a: the address
 * Return: true or false.
 */
bool nn_cidr6_contains(const struct nn_cidr6 *c, const struct in6_addr *a);

/**
 * nn_cidr6_host() - the address at offset @n from the network address of @c
 * @c:   the network, prefix at most 96 (so any 32-bit offset fits in its host bits)
 * @n:   offset: added to the last 32 bits (n=1: ...::1)
 * @out: the address
 * Return: 0, or -ERANGE if @c is longer than /96.
 */
int nn_cidr6_host(const struct nn_cidr6 *c, uint32_t n, struct in6_addr *out);

#endif
