/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_PORTSPEC_H
#define NN_PORTSPEC_H

/*
 * Published-port specs, Docker -p syntax: [hostIP:]hostPort:sandboxPort[/tcp|udp], IPv6
 * host addresses in brackets (DESIGN.md section 3), and RootlessKit's PortSpec JSON
 * {"proto","parentIP","parentPort","childIP","childPort"} (reference/rootlesskit.md s.4).
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
 * @s:   "[hostIP:]hostPort:sandboxPort[/proto]"
 * @out: filled; child_ip is left "" (the caller sets the sandbox address)
 * @err: names @s and says why ("port 0 is out of range 1-65535", "missing ']'", ...)
 * Return: 0 or -EINVAL.
 */
int nn_portspec_parse(const char *s, struct nn_portspec *out, struct nn_err *err);

/** nn_portspec_conflicts() - true if @a and @b share (proto, hostIP, hostPort); 0.0.0.0 meets all */
bool nn_portspec_conflicts(const struct nn_portspec *a, const struct nn_portspec *b);

/** nn_portspec_from_json() - RootlessKit PortSpec object to @out. Return 0, -EINVAL */
int nn_portspec_from_json(json_t *j, struct nn_portspec *out, struct nn_err *err);

/** nn_portspec_to_json() - @p as a RootlessKit PortSpec object (empty fields omitted) */
json_t *nn_portspec_to_json(const struct nn_portspec *p);

#endif
