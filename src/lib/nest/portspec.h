/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_PORTSPEC_H
#define NN_PORTSPEC_H

/*
 * Published-port specs, Docker -p syntax: [hostIP:]hostPort:sandboxPort[/tcp|udp], IPv6
 * host addresses in brackets (docs/design.md#port-specs), and RootlessKit's PortSpec JSON
 * {"proto","parentIP","parentPort","childIP","childPort"} 
 * (docs/facts-rootlesskit.md#port-specs).
 *
 * The protocols are RootlessKit's builtin driver's: tcp, tcp4, tcp6, udp, udp4, udp6.  A
 * "4" or "6" names the one IP family the host socket serves; plain tcp/udp on a wildcard
 * address ("", 0.0.0.0, ::) serves both (one dual-stack [::] socket, as Go's net.Listen
 * gives RootlessKit), and on an address, that address's family.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

struct nn_portspec {
	char proto[8];        /* "tcp", "tcp4", "tcp6", "udp", "udp4" or "udp6" */
	char parent_ip[64];   /* host address to listen on; "" means all (of the families) */
	uint16_t parent_port; /* 1..65535 */
	char child_ip[64];    /* address dialled inside the nest; "" means 127.0.0.1 (::1
				 for tcp6/udp6): nn_portspec_child_ip() */
	uint16_t child_port;  /* 1..65535 */
	char child_ip6[64];   /* netnest's own, never in the JSON: a sandbox's IPv6 address,
				 dialled for IPv6 clients first while child_ip is its IPv4
				 one (set by the sandbox service, docs/ports.md#ipv6); ""
				 for none */
};

#define NN_PORT_V4 1u /* nn_portspec_families(): the host socket serves IPv4 */
#define NN_PORT_V6 2u /* ... IPv6 */

/**
 * nn_portspec_parse() - parse a Docker-style -p spec: one port, or a range of ports
 * @s:     "[hostIP:]hostPort:sandboxPort[/proto]", each port a number or a range "A-B" of
 *         the same size on both sides; an IPv6 hostIP goes in brackets (docker run
 *         --publish, RootlessKit pkg/port/portutil ParsePortSpec; Docker's
 *         nat.ParsePortSpec makes one mapping per port of a range, hostPort i to
 *         sandboxPort i, as nerdctl does)
 * @out:   filled with the first port: parent_ip canonical (inet_ntop(3)) or "" for all
 *         addresses, an IPv4-mapped one ([::ffff:127.0.0.1]) kept as such
 *         (nn_portspec_host_ip() is what it binds); child_ip is left "" (the caller sets
 *         the sandbox address); proto "tcp" unless given.  The others are nn_portspec_nth(@out, 1 .. @count - 1).
 * @count: set to the number of ports, 1 for a single port (0 on error)
 * @err:   "port spec \"<s>\": <why>", why being "missing sandbox port", "port 0 is out of
 *         range 1-65535", "\"abc\" is not a port number", "missing ']' ...", "unknown
 *         protocol", "sctp is not supported ...", "... is not an IPv4 address", "host
 *         address ::1 is not an IPv4 address (tcp4)", "host ports 8000-8002 (3) and
 *         sandbox ports 80-81 (2) differ in number", "port range 8002-8000 runs
 *         backwards", ...
 *
 * Return: 0 or -EINVAL.
 */
int nn_portspec_parse(const char *s, struct nn_portspec *out, unsigned *count, struct nn_err *err);

/**
 * nn_portspec_nth() - port @i of a range
 * @first: the range's first port (nn_portspec_parse())
 * @i:     0 .. count - 1
 * Return: @first with its host and sandbox ports each moved up by @i.
 */
struct nn_portspec nn_portspec_nth(const struct nn_portspec *first, unsigned i);

/**
 * nn_portspec_ranges_conflict() - does any port of one range want a host socket of another?
 * @a:    first port of a range of @na ports
 * @na:   its size, at least 1
 * @b:    first port of a range of @nb ports
 * @nb:   its size, at least 1
 * @port: set, on a conflict, to the lowest host port both want
 *
 * nn_portspec_conflicts() on the host ports the two ranges share.
 * Return: true on a conflict.
 */
bool nn_portspec_ranges_conflict(const struct nn_portspec *a, unsigned na,
				 const struct nn_portspec *b, unsigned nb, uint16_t *port);

/**
 * nn_portspec_range_wrap() - name the port of a range that failed in @err
 * @err: the error of publishing port @p
 * @s:   the spec as given ("8000-8002:80-82")
 * @p:   the port of it that failed
 *
 * The message becomes "port spec \"8000-8002:80-82\" (host port 8001/tcp of the range):
 * <old message>".
 * Return: -@err->code.
 */
int nn_portspec_range_wrap(struct nn_err *err, const char *s, const struct nn_portspec *p);

/**
 * nn_portspec_list_text() - ports as `netnest ps` shows them, runs of a range as one
 * @ps:   the ports, in the order published
 * @n:    how many
 * @note: text after each ("(loopback)"), or NULL
 * @buf:  written from @off on, comma-separated: "0.0.0.0:8080->80/tcp",
 *        "[::1]:8000-8002->80-82/tcp" for ports that follow each other on both sides with
 *        the same proto and host address (docker ps groups such runs too, cli
 *        formatter DisplayablePorts, but only where host and container ports are equal);
 *        cut at @len, always NUL-terminated when @off < @len
 * @len:  size of @buf
 * @off:  where to start: 0, or what a call before returned (a comma goes before)
 * Return: the new offset (may pass @len when cut).
 */
size_t nn_portspec_list_text(const struct nn_portspec *ps, size_t n, const char *note, char *buf,
			     size_t len, size_t off);

/**
 * nn_portspec_host_ip() - the host address the socket of @p binds
 * @p: a valid port (nn_portspec_parse(), nn_portspec_from_json())
 *
 * An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is its IPv4 address, as Go's net.IP.To4
 * makes it for RootlessKit's net.Listen (net/ipsock_posix.go favoriteAddrFamily; Debian's
 * rootlesskit 1.1 listens on 127.0.0.1 for it: docs/facts-rootlesskit.md#port-specs);
 * @p->parent_ip keeps the address as given, which the API reports back.
 * Return: @p->parent_ip, or the IPv4 part of it (a pointer into it); "" for all addresses.
 */
const char *nn_portspec_host_ip(const struct nn_portspec *p);

/**
 * nn_portspec_families() - the IP families the host socket of @p serves
 * @p: a valid port (nn_portspec_parse(), nn_portspec_from_json())
 * Return: NN_PORT_V4, NN_PORT_V6, or both for plain tcp/udp on a wildcard address.
 */
unsigned nn_portspec_families(const struct nn_portspec *p);

/**
 * nn_portspec_is_udp() - is @p a udp, udp4 or udp6 port?
 * @p: a port
 * Return: true for UDP, false for TCP.
 */
bool nn_portspec_is_udp(const struct nn_portspec *p);

/**
 * nn_portspec_child_ip() - the address the port driver dials inside the nest
 * @p: a port
 * Return: @p->child_ip, or when it is "" the loopback address: ::1 for tcp6/udp6,
 * 127.0.0.1 otherwise (a string constant or @p's own buffer).
 */
const char *nn_portspec_child_ip(const struct nn_portspec *p);

/**
 * nn_portspec_conflicts() - do two published ports want the same host socket?
 * @a: a port
 * @b: another port
 *
 * The key is (transport, family, hostIP, hostPort): tcp, tcp4 and tcp6 share one port
 * space, but only in the families both serve (nn_portspec_families()), so tcp4 0.0.0.0:P
 * and tcp6 :::P coexist, as Docker asks for -p P:80 (two sockets, the IPv6 one V6ONLY).
 * Within a family the wildcard ("", 0.0.0.0, ::) meets every address, and an IPv4-mapped
 * address is its IPv4 address (nn_portspec_host_ip()) (docs/design.md#port-specs;
 * stricter than RootlessKit's string compare in pkg/port/portutil ValidatePortSpec, which
 * leaves the rest to bind(2); docs/facts-rootlesskit.md#port-specs).
 * Return: true on a conflict.
 */
bool nn_portspec_conflicts(const struct nn_portspec *a, const struct nn_portspec *b);

/**
 * nn_portspec_from_json() - a RootlessKit PortSpec object to @out
 * @j:   {"proto","parentIP","parentPort","childIP","childPort"} (borrowed); other members
 *       are ignored (RootlessKit pkg/port/port.go PortSpec); the names in any case, the
 *       last of a name counting, as Go's encoding/json decodes them (nn_json_get_fold())
 * @out: filled; addresses canonical
 * @err: names the bad member and why; a host address of the wrong family for a tcp4/6
 *       or udp4/6 proto is refused
 * Return: 0, -EINVAL.
 */
int nn_portspec_from_json(json_t *j, struct nn_portspec *out, struct nn_err *err);

/**
 * nn_portspec_check_child() - refuse a child address given by a client in the other family
 * than a host socket of one family serves
 * @p:   a port to a sandbox as a client gave it (the API's POST /v1/ports naming a sandbox
 *       or a childIP in the bridge's networks: api_ports.c)
 * @err: "port spec \"tcp [::1]:80 -> 10.4.0.2:80\": mixed families: host address ::1 is
 *       IPv6 but child address 10.4.0.2 is IPv4 ..." (issue 8's bad input)
 *
 * A socket of both families takes a child address of either.  The addresses the sandbox
 * service picks itself are not checked: it dials an IPv4-only sandbox from [::1] on purpose
 * (docs/ports.md#ipv6).
 * Return: 0 or -EINVAL.
 */
int nn_portspec_check_child(const struct nn_portspec *p, struct nn_err *err);

/**
 * nn_portspec_to_json() - @p as a RootlessKit PortSpec object
 * @p: the port
 *
 * In RootlessKit's field order (proto, parentIP, parentPort, childPort, childIP: the Go
 * struct's); empty addresses are left out, as Go's omitempty does in RootlessKit's PortSpec.
 * Return: a new reference, NULL on ENOMEM.
 */
json_t *nn_portspec_to_json(const struct nn_portspec *p);

#endif
