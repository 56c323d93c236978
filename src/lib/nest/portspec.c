// SPDX-License-Identifier: GPL-2.0-or-later
/* portspec.c - Docker -p specs and RootlessKit PortSpec JSON (see portspec.h) */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "portspec.h"
#include "util.h"

/* Protocols RootlessKit's portutil accepts, less sctp (its builtin driver refuses it). */
static const char *const protos[] = { "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6" };

static bool valid_proto(const char *p)
{
	for (size_t i = 0; i < ARRAY_SIZE(protos); i++)
		if (!strcmp(p, protos[i]))
			return true;
	return false;
}

/* bad_proto() - refuse protocol @p for @label: sctp by name, anything else as unknown */
static int bad_proto(const char *label, const char *p, struct nn_err *err)
{
	if (!strcmp(p, "sctp"))
		return nn_errx(err, EINVAL, "%s: sctp is not supported: netnest publishes tcp "
			       "and udp", label);
	return nn_errx(err, EINVAL, "%s: unknown protocol \"%s\" (tcp or udp)", label, p);
}

/* any_ip() - true for the wildcard host addresses, which meet every address */
static bool any_ip(const char *ip)
{
	return !*ip || !strcmp(ip, "0.0.0.0") || !strcmp(ip, "::");
}

/* v4_mapped() - is canonical @ip an IPv4-mapped IPv6 address, "::ffff:a.b.c.d"? */
static bool v4_mapped(const char *ip)
{
	/* inet_ntop(3) writes every ::ffff:0:0/96 address so, with its dotted IPv4 tail */
	return !strncmp(ip, "::ffff:", 7) && strchr(ip + 7, '.') && !strchr(ip + 7, ':');
}

const char *nn_portspec_host_ip(const struct nn_portspec *p)
{
	return v4_mapped(p->parent_ip) ? p->parent_ip + 7 : p->parent_ip;
}

unsigned nn_portspec_families(const struct nn_portspec *p)
{
	const char *ip = nn_portspec_host_ip(p);

	if (p->proto[3] == '4')
		return NN_PORT_V4;
	if (p->proto[3] == '6')
		return NN_PORT_V6;
	if (any_ip(ip))
		return NN_PORT_V4 | NN_PORT_V6;
	return strchr(ip, ':') ? NN_PORT_V6 : NN_PORT_V4;
}

bool nn_portspec_is_udp(const struct nn_portspec *p)
{
	return !strncmp(p->proto, "udp", 3);
}

const char *nn_portspec_child_ip(const struct nn_portspec *p)
{
	if (*p->child_ip)
		return p->child_ip;
	return p->proto[3] == '6' ? "::1" : "127.0.0.1";
}

/*
 * check_family() - a tcp4/udp4 port listens on an IPv4 address, a tcp6/udp6 one on an IPv6
 * address (Go's net.Listen, which RootlessKit calls, refuses the other family too).  An
 * IPv4-mapped address is IPv4: tcp4 takes it, tcp6 does not (Go's "no suitable address").
 */
static int check_family(const struct nn_portspec *p, const char *label, struct nn_err *err)
{
	bool v6 = strchr(nn_portspec_host_ip(p), ':') != NULL;
	struct in6_addr a6;

	/* bind(2) of a link-local address wants its interface (sin6_scope_id, ipv6(7)), which
	 * a port spec has no place for: EINVAL from the kernel would name neither */
	if (v6 && inet_pton(AF_INET6, p->parent_ip, &a6) == 1 && IN6_IS_ADDR_LINKLOCAL(&a6))
		return nn_errx(err, EINVAL, "%s: host address %s is link-local: a socket on it "
			       "needs an interface, which a port spec cannot name (publish on a "
			       "global address, or on all)", label, p->parent_ip);
	if (!*p->parent_ip || p->proto[3] == '\0' || v6 == (p->proto[3] == '6'))
		return 0;
	return nn_errx(err, EINVAL, "%s: host address %s is not an IPv%c address (%s)%s", label,
		       p->parent_ip, p->proto[3], p->proto,
		       v4_mapped(p->parent_ip) ? ": an IPv4-mapped address is its IPv4 address" : "");
}

int nn_portspec_check_child(const struct nn_portspec *p, struct nn_err *err)
{
	unsigned fam = nn_portspec_families(p);
	bool host6 = fam == NN_PORT_V6, child6 = strchr(p->child_ip, ':') != NULL;
	const char *hip = *p->parent_ip ? p->parent_ip : host6 ? "::" : "0.0.0.0";

	if (!*p->child_ip || fam == (NN_PORT_V4 | NN_PORT_V6) || host6 == child6)
		return 0;
	return nn_errx(err, EINVAL,
		       "port spec \"%s %s%s%s:%u -> %s%s%s:%u\": mixed families: "
		       "host address %s is IPv%c but child address %s is IPv%c (give a child "
		       "address of the host's family)",
		       p->proto, host6 ? "[" : "", hip, host6 ? "]" : "", p->parent_port,
		       child6 ? "[" : "", p->child_ip, child6 ? "]" : "", p->child_port, hip,
		       host6 ? '6' : '4', p->child_ip, child6 ? '6' : '4');
}

/* parse_port() - @s as a port 1..65535, or an error naming spec @spec */
static int parse_port(const char *spec, const char *s, uint16_t *out, struct nn_err *err)
{
	unsigned long v;
	int r = nn_parse_uint(s, 1, 65535, &v);

	if (r == -ERANGE)
		return nn_errx(err, EINVAL, "port spec \"%s\": port %s is out of range 1-65535",
			       spec, s);
	if (r < 0)
		return nn_errx(err, EINVAL, "port spec \"%s\": \"%s\" is not a port number",
			       spec, s);
	*out = (uint16_t)v;
	return 0;
}

/*
 * parse_range() - @s as a port or a range "A-B" of ports (docker run --publish takes
 * 8000-8001:80-81), into [*lo, *hi]; errors name spec @spec.  A leading '-' is no range.
 */
static int parse_range(const char *spec, const char *s, uint16_t *lo, uint16_t *hi,
		       struct nn_err *err)
{
	const char *dash = *s ? strchr(s + 1, '-') : NULL;
	char first[8];
	size_t len = dash ? (size_t)(dash - s) : 0;

	if (!dash) {
		if (parse_port(spec, s, lo, err) < 0)
			return -EINVAL;
		*hi = *lo;
		return 0;
	}
	if (len >= sizeof(first) || !dash[1])
		return nn_errx(err, EINVAL, "port spec \"%s\": \"%s\" is not a port range", spec,
			       s);
	memcpy(first, s, len);
	first[len] = '\0';
	if (parse_port(spec, first, lo, err) < 0 || parse_port(spec, dash + 1, hi, err) < 0)
		return -EINVAL;
	if (*hi < *lo)
		return nn_errx(err, EINVAL, "port spec \"%s\": port range %s runs backwards", spec,
			       s);
	return 0;
}

/* normalize_ip() - check @ip (IPv4, or IPv6 when @v6) and write its canonical form */
static bool normalize_ip(const char *ip, bool v6, char out[64])
{
	unsigned char a[16];
	int af = v6 ? AF_INET6 : AF_INET;

	if (inet_pton(af, ip, a) != 1)
		return false;
	return inet_ntop(af, a, out, 64) != NULL;
}

int nn_portspec_parse(const char *s, struct nn_portspec *out, unsigned *count, struct nn_err *err)
{
	char buf[256], label[280], *rest, *slash, *host = NULL, *hport, *cport;
	uint16_t hlast, clast;
	unsigned hn, cn;
	bool v6 = false;

	memset(out, 0, sizeof(*out));
	*count = 0;
	if (strlen(s) >= sizeof(buf))
		return nn_errx(err, EINVAL, "port spec \"%.40s...\": too long", s);
	strcpy(buf, s);
	snprintf(label, sizeof(label), "port spec \"%s\"", s);
	strcpy(out->proto, "tcp");
	slash = strrchr(buf, '/');
	if (slash) {
		*slash = '\0';
		/* any case, as docker run -p (go-connections nat.SplitProtoPort lowers it) */
		for (char *c = slash + 1; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (!valid_proto(slash + 1))
			return bad_proto(label, slash + 1, err);
		strcpy(out->proto, slash + 1);
	}
	rest = buf;
	if (*rest == '[') {
		char *close = strchr(rest, ']');

		if (!close)
			return nn_errx(err, EINVAL,
				       "port spec \"%s\": missing ']' after the IPv6 address", s);
		if (close[1] != ':')
			return nn_errx(err, EINVAL, "port spec \"%s\": expected ':' after ']'", s);
		*close = '\0';
		host = rest + 1;
		rest = close + 2;
		v6 = true;
	}
	cport = strrchr(rest, ':');
	if (!cport)
		return nn_errx(err, EINVAL, "port spec \"%s\": missing sandbox port (want "
			       "[hostIP:]hostPort:sandboxPort[/tcp|udp])", s);
	*cport++ = '\0';
	hport = strrchr(rest, ':');
	if (hport) {
		if (host)
			return nn_errx(err, EINVAL, "port spec \"%s\": too many ':'", s);
		*hport++ = '\0';
		host = rest;
		if (strchr(host, ':')) {
			struct in6_addr a6;

			if (inet_pton(AF_INET6, host, &a6) == 1)
				return nn_errx(err, EINVAL, "port spec \"%s\": an IPv6 host "
					       "address must be in brackets, [::1]:8080:80", s);
			return nn_errx(err, EINVAL, "port spec \"%s\": too many ':' (want "
				       "[hostIP:]hostPort:sandboxPort[/tcp|udp])", s);
		}
	} else {
		hport = rest;
	}
	if (host) {
		if (!*host)
			return nn_errx(err, EINVAL, "port spec \"%s\": empty host address", s);
		if (!normalize_ip(host, v6, out->parent_ip))
			return nn_errx(err, EINVAL,
				       "port spec \"%s\": \"%s\" is not an IPv%d address", s, host,
				       v6 ? 6 : 4);
	}
	if (parse_range(s, hport, &out->parent_port, &hlast, err) < 0 ||
	    parse_range(s, cport, &out->child_port, &clast, err) < 0)
		return -EINVAL;
	hn = hlast - out->parent_port + 1u;
	cn = clast - out->child_port + 1u;
	if (hn != cn)
		return nn_errx(err, EINVAL,
			       "port spec \"%s\": host port%s %s (%u) and sandbox "
			       "port%s %s (%u) differ in number",
			       s, hn > 1 ? "s" : "", hport, hn, cn > 1 ? "s" : "", cport, cn);
	if (check_family(out, label, err) < 0)
		return -EINVAL;
	*count = hn;
	return 0;
}

bool nn_portspec_conflicts(const struct nn_portspec *a, const struct nn_portspec *b)
{
	const char *ia = nn_portspec_host_ip(a), *ib = nn_portspec_host_ip(b);

	/* tcp, tcp4 and tcp6 share a port space, but only where their families meet */
	if (strncmp(a->proto, b->proto, 3) || a->parent_port != b->parent_port ||
	    !(nn_portspec_families(a) & nn_portspec_families(b)))
		return false;
	/* two addresses of a family they share: the wildcard meets every address */
	return any_ip(ia) || any_ip(ib) || !strcmp(ia, ib);
}

struct nn_portspec nn_portspec_nth(const struct nn_portspec *first, unsigned i)
{
	struct nn_portspec p = *first;

	p.parent_port = (uint16_t)(first->parent_port + i);
	p.child_port = (uint16_t)(first->child_port + i);
	return p;
}

bool nn_portspec_ranges_conflict(const struct nn_portspec *a, unsigned na,
				 const struct nn_portspec *b, unsigned nb, uint16_t *port)
{
	unsigned lo = a->parent_port > b->parent_port ? a->parent_port : b->parent_port;
	unsigned end_a = a->parent_port + na, end_b = b->parent_port + nb;
	struct nn_portspec x = *a, y = *b;

	if (lo >= (end_a < end_b ? end_a : end_b))
		return false;
	/* the rest of the key is the same for every port of a range */
	x.parent_port = y.parent_port = (uint16_t)lo;
	if (!nn_portspec_conflicts(&x, &y))
		return false;
	*port = (uint16_t)lo;
	return true;
}

int nn_portspec_range_wrap(struct nn_err *err, const char *s, const struct nn_portspec *p)
{
	return nn_err_wrap(err, "port spec \"%s\" (host port %u/%.3s of the range)", s,
			   p->parent_port, p->proto);
}

/* host_ip_text() - the host address of @p as ps shows it: "0.0.0.0", "[::]", "[::1]" */
static void host_ip_text(const struct nn_portspec *p, char out[72])
{
	const char *ip = p->parent_ip;

	if (!*ip)
		ip = nn_portspec_families(p) == NN_PORT_V6 ? "::" : "0.0.0.0";
	snprintf(out, 72, strchr(ip, ':') ? "[%s]" : "%s", ip);
}

/* one_group() - "IP:P->Q/proto" or "IP:P-P2->Q-Q2/proto" with @note, at @buf + @*off */
static void one_group(const struct nn_portspec *p, unsigned n, const char *note, char *buf,
		      size_t len, size_t *off)
{
	char ip[72], hp[16] = "", cp[16] = "";
	int k;

	host_ip_text(p, ip);
	if (n > 1) {
		snprintf(hp, sizeof(hp), "-%u", p->parent_port + n - 1);
		snprintf(cp, sizeof(cp), "-%u", p->child_port + n - 1);
	}
	if (*off >= len)
		return;
	k = snprintf(buf + *off, len - *off, "%s%s:%u%s->%u%s/%s%s", *off ? "," : "", ip,
		     p->parent_port, hp, p->child_port, cp, p->proto, note ? note : "");
	*off += k < 0 ? 0 : (size_t)k;
}

/* next_of() - is @b the port after @a in one range: the same key, both ports one up? */
static bool next_of(const struct nn_portspec *a, const struct nn_portspec *b)
{
	return !strcmp(a->proto, b->proto) && !strcmp(a->parent_ip, b->parent_ip) &&
	       b->parent_port == a->parent_port + 1u && b->child_port == a->child_port + 1u;
}

size_t nn_portspec_list_text(const struct nn_portspec *ps, size_t n, const char *note, char *buf,
			     size_t len, size_t off)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i + 1;

		while (j < n && next_of(&ps[j - 1], &ps[j]))
			j++;
		one_group(&ps[i], (unsigned)(j - i), note, buf, len, &off);
		i = j;
	}
	return off;
}

/* json_port() - member @key of @j as a port, or an error */
static int json_port(json_t *j, const char *key, uint16_t *out, struct nn_err *err)
{
	json_t *v = nn_json_get_fold(j, key);

	/* Go's encoding/json leaves a missing number 0, and rootlessctl omits a port of 0 */
	if (!v)
		return nn_errx(err, EINVAL, "port spec: %s is missing (0 is out of range 1-65535)",
			       key);
	if (!json_is_integer(v))
		return nn_errx(err, EINVAL, "port spec: \"%s\" must be a number", key);
	if (json_integer_value(v) < 1 || json_integer_value(v) > 65535)
		return nn_errx(err, EINVAL, "port spec: %s %lld is out of range 1-65535", key,
			       (long long)json_integer_value(v));
	*out = (uint16_t)json_integer_value(v);
	return 0;
}

/* json_ip() - optional address member @key of @j into @out, canonical */
static int json_ip(json_t *j, const char *key, char out[64], struct nn_err *err)
{
	json_t *v = nn_json_get_fold(j, key);
	const char *s = json_string_value(v);

	if (!v || json_is_null(v) || (s && !*s))
		return 0;
	if (!s)
		return nn_errx(err, EINVAL, "port spec: \"%s\" must be a string", key);
	if (!normalize_ip(s, false, out) && !normalize_ip(s, true, out))
		return nn_errx(err, EINVAL, "port spec: %s \"%s\" is not an IP address", key, s);
	return 0;
}

int nn_portspec_from_json(json_t *j, struct nn_portspec *out, struct nn_err *err)
{
	json_t *pv = nn_json_get_fold(j, "proto");
	const char *proto = json_string_value(pv);

	memset(out, 0, sizeof(*out));
	if (!json_is_object(j))
		return nn_errx(err, EINVAL, "port spec: not a JSON object");
	if (pv && !proto)
		return nn_errx(err, EINVAL, "port spec: \"proto\" must be a string");
	if (!proto || !valid_proto(proto))
		return bad_proto("port spec", proto ? proto : "", err);
	strcpy(out->proto, proto);
	if (json_ip(j, "parentIP", out->parent_ip, err) < 0 ||
	    json_ip(j, "childIP", out->child_ip, err) < 0 ||
	    json_port(j, "parentPort", &out->parent_port, err) < 0 ||
	    json_port(j, "childPort", &out->child_port, err) < 0)
		return -EINVAL;
	return check_family(out, "port spec", err);
}

json_t *nn_portspec_to_json(const struct nn_portspec *p)
{
	json_t *j = json_object();

	if (!j)
		return NULL;
	json_object_set_new(j, "proto", json_string(p->proto));
	if (*p->parent_ip)
		json_object_set_new(j, "parentIP", json_string(p->parent_ip));
	json_object_set_new(j, "parentPort", json_integer(p->parent_port));
	json_object_set_new(j, "childPort", json_integer(p->child_port));
	if (*p->child_ip)
		json_object_set_new(j, "childIP", json_string(p->child_ip));
	return j;
}
