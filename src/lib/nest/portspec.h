/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_PORTSPEC_H
#define NN_PORTSPEC_H

/*
 * Published-port specs, Docker -p syntax: [hostIP:]hostPort:sandboxPort[/tcp|udp], IPv6
 * host addresses in brackets (docs/design.md#port-specs), and RootlessKit's PortSpec JSON
 * {"proto","parentIP","parentPort","childIP","childPort"}
 * (docs/facts-rootlesskit.md#port-specs).
 */

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

struct nn_portspec {
	char proto[8];        /* "tcp" (or "udp", "tcp4", "tcp6", ...) */
	char parent_ip[64];   /* host address to listen on; "" means all (0.0.0.0) */
	uint16_t parent_port; /* 1..65535 */
	char child_ip[64];    /* address dialled inside the nest; "" means 127.0.0.1 */
	uint16_t child_port;  /* 1..65535 */
};

/**
 * nn_portspec_parse() - parse a Docker-style -p spec
 * @s:   "[hostIP:]hostPort:sandboxPort[/proto]"; an IPv6 hostIP goes in brackets
 *       (docker run --publish, RootlessKit pkg/port/portutil ParsePortSpec)
 * @out: filled; parent_ip canonical (inet_ntop(3)) or "" for all addresses; child_ip is
 *       left "" (the caller sets the sandbox address); proto "tcp" unless given
 * @err: "port spec \"<s>\": <why>", why being "missing sandbox port", "port 0 is out of
 *       range 1-65535", "\"abc\" is not a port number", "missing ']' ...", "unknown
 *       protocol", "... is not an IPv4 address", ...
 *
 * udp, tcp4/6 and udp4/6 are accepted here; the port driver decides what it can publish.
 * Return: 0 or -EINVAL.
 */
int nn_portspec_parse(const char *s, struct nn_portspec *out, struct nn_err *err);

/**
 * nn_portspec_conflicts() - do two published ports want the same host socket?
 * @a: a port
 * @b: another port
 *
 * The key is (proto family, hostIP, hostPort), tcp4/tcp6 counting as tcp; "", 0.0.0.0 and
 * :: meet every address (docs/design.md#port-specs; RootlessKit pkg/port/portutil
 * ValidatePortSpec, docs/facts-rootlesskit.md#port-specs).
 * Return: true on a conflict.
 */
bool nn_portspec_conflicts(const struct nn_portspec *a, const struct nn_portspec *b);

/**
 * nn_portspec_from_json() - a RootlessKit PortSpec object to @out
 * @j:   {"proto","parentIP","parentPort","childIP","childPort"} (borrowed); other members
 *       are ignored (RootlessKit pkg/port/port.go PortSpec)
 * @out: filled; addresses canonical
 * @err: names the bad member and why
 * Return: 0, -EINVAL.
 */
int nn_portspec_from_json(json_t *j, struct nn_portspec *out, struct nn_err *err);

/**
 * nn_portspec_to_json() - @p as a RootlessKit PortSpec object
 * @p: the port
 *
 * Empty addresses are left out, as Go's omitempty does in RootlessKit's PortSpec.
 * Return: a new reference, NULL on ENOMEM.
 */
json_t *nn_portspec_to_json(const struct nn_portspec *p);

#endif
