// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * portfwd_src.c - the client's source address, kept (see portfwd_internal.h)
 *
 * The socket the port driver makes in the nest for a client is bound, with IP_TRANSPARENT
 * (IPV6_TRANSPARENT for IPv6), to the client's own address and port, so the server in a
 * sandbox sees the client, not the nest.  ip(7): the option lets a socket bind to a
 * nonlocal address, needs CAP_NET_ADMIN (which the nest's user namespace holds over the
 * nest's netns), and "requires that routing be set up in a way that packets going to the
 * foreign address are routed through" this host.  That routing is made once, on the first
 * client that needs it, in the nest's netns (Documentation/networking/tproxy.rst's
 * recipe, as RootlessKit's builtin driver makes it since v3.0:
 * pkg/port/builtin/child/child.go; the facts: docs/facts-netns.md#transparent-sockets):
 *
 *   socket      SO_MARK SRC_SOCK_MARK (socket(7): a mark on every packet it sends)
 *   nftables    output:     meta mark SRC_SOCK_MARK  -> ct mark SRC_ROUTE_MARK
 *               prerouting: ct mark SRC_ROUTE_MARK   -> meta mark SRC_ROUTE_MARK
 *               (table inet netnest_src, nat.c)
 *   rules       fwmark SRC_ROUTE_MARK lookup SRC_TABLE, priority SRC_RULE_PRIO (v4, v6)
 *   routes      local default dev lo table SRC_TABLE (v4, v6)
 *
 * So the replies of a sandbox, which leave it towards the client's address and reach
 * the nest over the bridge, are delivered locally to the transparent socket instead of
 * being routed out of tap0.  The socket's own mark is not the route mark: its packets
 * to the sandbox are routed by the main table.
 *
 * Where this cannot work, the socket is an ordinary one and the sandbox sees the nest's
 * address, as before: a loopback client; a client of the other family than the target;
 * a target that is an address of the nest itself (127.0.0.1, the child_ip "" of the
 * rootlesskit drop-in: a server in the nest's netns would answer the client through the
 * main table, out of tap0); a client the nest reaches by the same way as the target (an
 * address on the target's own bridge: the sandbox would look for it on that link); the
 * routing setup failing; or the socket refusing the options or the bind.  All but the
 * first are said once per daemon (nn_notice()).  The state is the daemon's, which
 * serves one nest.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "nat.h"
#include "portfwd_internal.h"
#include "rtnl.h"
#include "util.h"

/* netnest's own numbers (docs/design.md#client-address): "nn" is 0x6e6e */
#define SRC_SOCK_MARK 0x6e6e0001u /* SO_MARK of the transparent sockets */
#define SRC_ROUTE_MARK 0x6e6e0002u /* the mark of their replies, routed by SRC_TABLE */
#define SRC_TABLE 28270u /* 0x6e6e: "local default dev lo" */
#define SRC_RULE_PRIO 28270u /* before the main table's rule (32766) */

/* What cannot be kept, each said once (a bit of `said`). */
enum why {
	WHY_SETUP = 1, /* the routing setup failed */
	WHY_LOCAL = 2, /* the target is an address of the nest */
	WHY_LINK = 4, /* the client is reached as the target is */
	WHY_SOCKET = 8, /* the socket refused the options or the bind */
	WHY_FAMILY = 16, /* an IPv6 client, an IPv4 target */
};

static pthread_mutex_t setup_lock = PTHREAD_MUTEX_INITIALIZER;
/*
 * Set under setup_lock, read without it: 0 not tried, 1 routing made, -1 failed.  A failed
 * setup is not tried again, and what its first steps made is inert: a table no rule leads
 * to, or a rule no mark matches.
 */
static int ready;
static unsigned said; /* under setup_lock: the reasons told already */

/* tell() - say once why the client's address is not kept, and what the sandbox sees */
static void tell(const struct port *p, enum why why, const char *what, const char *detail)
{
	bool first;

	pthread_mutex_lock(&setup_lock);
	first = !(said & why);
	said |= why;
	pthread_mutex_unlock(&setup_lock);
	if (first)
		nn_notice("published %s port %u: the client's address is not kept (%s%s%s): the "
			  "sandbox sees the nest's address (said once)",
			  p->spec.proto, p->spec.parent_port, what, detail ? ": " : "",
			  detail ? detail : "");
}

/* make_routing() - the rules, routes and table of the file's comment; in the nest */
static int make_routing(void *arg, struct nn_err *err)
{
	const struct port *p = arg;
	static const int families[] = { AF_INET, AF_INET6 };
	struct nn_rtnl r;
	int ret = nn_rtnl_socket();

	if (ret < 0)
		return nn_err(err, -ret, "open rtnetlink socket in the nest's netns");
	ret = nn_rtnl_open_fd(&r, ret, "of the nest", err);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < ARRAY_SIZE(families) && ret >= 0; i++) {
		int f = families[i];

		ret = nn_rtnl_route_add_local_default(&r, f, SRC_TABLE, "lo", err);
		if (ret >= 0)
			ret = nn_rtnl_rule_add_fwmark(&r, f, SRC_ROUTE_MARK, SRC_TABLE,
						      SRC_RULE_PRIO, err);
		/* a nest without IPv6 keeps IPv4 clients */
		if (f == AF_INET6 && (ret == -EAFNOSUPPORT || ret == -EACCES))
			ret = 0;
	}
	nn_rtnl_close(&r);
	if (ret < 0)
		return ret;
	return nn_nat_add_keep_source(p->nest_netns, SRC_SOCK_MARK, SRC_ROUTE_MARK, err);
}

/* routing_ready() - make the routing once; whether it is there */
static bool routing_ready(const struct port *p)
{
	struct nn_err err = { 0 };
	int r = __atomic_load_n(&ready, __ATOMIC_ACQUIRE);

	if (r)
		return r > 0; /* decided before: no lock on the way of every connection */
	pthread_mutex_lock(&setup_lock);
	if (!ready) {
		/* a thread of its own: the callers run on small stacks, in any netns */
		int e = nn_netns_call(p->nest_netns, "of the nest", make_routing, (void *)p, &err);

		__atomic_store_n(&ready, e < 0 ? -1 : 1, __ATOMIC_RELEASE);
	}
	r = ready;
	pthread_mutex_unlock(&setup_lock);
	if (r < 0 && err.code)
		tell(p, WHY_SETUP, "routing it", err.msg);
	return r > 0;
}

/* ip_of() - the address bytes of @ss and their length */
static const void *ip_of(const struct sockaddr_storage *ss, size_t *len)
{
	if (ss->ss_family == AF_INET6) {
		*len = sizeof(struct in6_addr);
		return &((const struct sockaddr_in6 *)ss)->sin6_addr;
	}
	*len = sizeof(struct in_addr);
	return &((const struct sockaddr_in *)ss)->sin_addr;
}

static bool same_ip(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	size_t la, lb;
	const void *ka = ip_of(a, &la), *kb = ip_of(b, &lb);

	return a->ss_family == b->ss_family && la == lb && !memcmp(ka, kb, la);
}

/*
 * as_family() - @client as a socket address of @family, the target's, in @out (an
 * IPv4 client of a dual-stack listener comes as ::ffff:a.b.c.d, ipv6(7)).  Return: its
 * length; 0 when it has no such form, or is a loopback, unspecified or link-local one.
 */
static socklen_t as_family(const struct port *p, int family, const struct sockaddr *client,
			   socklen_t len, struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	if (client->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *c6 = (const struct sockaddr_in6 *)client;

		if (family == AF_INET && IN6_IS_ADDR_V4MAPPED(&c6->sin6_addr)) {
			struct sockaddr_in *o = (struct sockaddr_in *)out;

			o->sin_family = AF_INET;
			o->sin_port = c6->sin6_port;
			memcpy(&o->sin_addr, &c6->sin6_addr.s6_addr[12], 4);
		} else if (family == AF_INET6 && !IN6_IS_ADDR_V4MAPPED(&c6->sin6_addr)) {
			if (IN6_IS_ADDR_LOOPBACK(&c6->sin6_addr) ||
			    IN6_IS_ADDR_UNSPECIFIED(&c6->sin6_addr) ||
			    IN6_IS_ADDR_LINKLOCAL(&c6->sin6_addr))
				return 0;
			memcpy(out, c6, sizeof(*c6));
			((struct sockaddr_in6 *)out)->sin6_scope_id = 0;
			return sizeof(*c6);
		} else {
			if (!IN6_IS_ADDR_V4MAPPED(&c6->sin6_addr) &&
			    !IN6_IS_ADDR_LOOPBACK(&c6->sin6_addr))
				tell(p, WHY_FAMILY, "an IPv6 client of an IPv4 target", NULL);
			return 0;
		}
	} else if (client->sa_family == AF_INET && family == AF_INET &&
		   len >= sizeof(struct sockaddr_in)) {
		memcpy(out, client, sizeof(struct sockaddr_in));
	} else {
		return 0;
	}
	{
		uint32_t a = ntohl(((struct sockaddr_in *)out)->sin_addr.s_addr);

		if ((a >> 24) == 127 || a == 0)
			return 0;
	}
	return sizeof(struct sockaddr_in);
}

/*
 * source_towards() - the source address the nest's routing picks for @to: connect(2) of
 * the UDP socket @probe (which sends nothing) then getsockname(2).  An AF_UNSPEC
 * connect first dissolves the last one, which would keep its source (connect(2), udp(7)).
 * Return: 0 or -errno.
 */
static int source_towards(int probe, const struct sockaddr_storage *to, socklen_t len,
			  struct sockaddr_storage *src)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	socklen_t slen = sizeof(*src);

	if (connect(probe, &unspec, sizeof(unspec)) < 0 ||
	    connect(probe, (const struct sockaddr *)to, len) < 0 ||
	    getsockname(probe, (struct sockaddr *)src, &slen) < 0)
		return -errno;
	return 0;
}

/* keepable() - whether the server at @t (@tlen bytes) can answer @c (of its family) through
 * us */
static bool keepable(const struct port *p, const struct sockaddr_storage *t, socklen_t tlen,
		     const struct sockaddr_storage *c, socklen_t clen)
{
	struct sockaddr_storage st, sc;
	int probe = socket(t->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok = false;

	if (probe < 0)
		return false;
	if (source_towards(probe, t, tlen, &st) < 0 || same_ip(&st, t))
		tell(p, WHY_LOCAL, "the target is an address of the nest itself", NULL);
	else if (source_towards(probe, c, clen, &sc) < 0 || same_ip(&sc, &st))
		tell(p, WHY_LINK,
		     "the nest reaches the client on the target's own link, or not at all", NULL);
	else
		ok = true;
	close(probe);
	return ok;
}

/* transparent() - bind @fd to @src with IP_TRANSPARENT and the socket mark; 0 or -errno */
static int transparent(int fd, const struct sockaddr_storage *src, socklen_t len)
{
	bool v6 = src->ss_family == AF_INET6;
	int one = 1, mark = (int)SRC_SOCK_MARK;

	if (setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_TRANSPARENT : IP_TRANSPARENT,
		       &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0 ||
	    /* a client may reach two published ports from one address and port */
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (const struct sockaddr *)src, len) < 0)
		return -errno;
	return 0;
}

/* plain() - an ordinary socket of @family for @p: the nest's address is the client's */
static int plain(const struct port *p, int family, int type, struct nn_err *err)
{
	int fd = socket(family, type, 0);

	if (fd < 0)
		return nn_err(err, errno, "make a socket in the nest for host port %u",
			      p->spec.parent_port);
	return fd;
}

int nn_pf_target_socket(const struct port *p, int type, const struct sockaddr_storage *target,
			socklen_t target_len, const struct sockaddr *client, socklen_t client_len,
			struct nn_err *err)
{
	int family = target->ss_family;
	struct sockaddr_storage src;
	socklen_t src_len = 0;
	int fd, e;

	if (client && p->keep_source)
		src_len = as_family(p, family, client, client_len, &src);
	if (src_len && !(keepable(p, target, target_len, &src, src_len) && routing_ready(p)))
		src_len = 0;
	fd = plain(p, family, type, err);
	if (fd < 0 || !src_len)
		return fd;
	e = transparent(fd, &src, src_len);
	if (!e)
		return fd;
	close(fd);
	tell(p, WHY_SOCKET, "a transparent socket bound to it", strerror(-e));
	return plain(p, family, type, err);
}
