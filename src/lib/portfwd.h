/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_PORTFWD_H
#define NN_PORTFWD_H

/*
 * The port driver: for each published port a listener in the host netns; each accepted
 * connection is connected inside the nest (a socket created in the detached netns) to
 * child_ip:child_port, and bytes move with splice(2) both ways, with half-close.
 */

#include <jansson.h>

#include "err.h"
#include "nest.h"
#include "portspec.h"

/**
 * nn_ports_add() - publish @spec
 * @n:     the live nest
 * @spec:  the port; child_ip "" dials 127.0.0.1 in the nest
 * @owner: sandbox name that owns the port (removed with it), or NULL
 * @id:    the new port's ID (from 1, as RootlessKit)
 * @err:   -EADDRINUSE naming the host port when it is taken or conflicts;
 *         -EACCES naming net.ipv4.ip_unprivileged_port_start when it is below it
 * Return: 0 or negative errno; nothing is left listening on failure.
 */
int nn_ports_add(struct nn_nest *n, const struct nn_portspec *spec, const char *owner, int *id,
		 struct nn_err *err);

/** nn_ports_remove() - close port @id and its connections. Return 0, -ENOENT */
int nn_ports_remove(struct nn_nest *n, int id, struct nn_err *err);

/** nn_ports_remove_owner() - close every port owned by sandbox @owner */
void nn_ports_remove_owner(struct nn_nest *n, const char *owner);

/** nn_ports_list() - RootlessKit's GET /v1/ports array: [{"id", "spec"}] (new reference) */
json_t *nn_ports_list(struct nn_nest *n);

#endif
