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
 * nn_ports_init() - start the port driver of @n (no port yet)
 * @n:   the nest; n->svc is allocated (by the daemon, nestd.c)
 * @err: error object
 * Return: 0, -ENOMEM.
 */
int nn_ports_init(struct nn_nest *n, struct nn_err *err);

/**
 * nn_ports_stop() - close every port and its connections, then free the driver.  Idempotent.
 * @n: the nest
 */
void nn_ports_stop(struct nn_nest *n);

/**
 * nn_ports_add() - publish @spec
 * @n:     the live nest
 * @spec:  the port; child_ip "" dials 127.0.0.1 in the nest
 * @owner: sandbox name that owns the port (removed with it), or NULL
 * @id:    the new port's ID (from 1, as RootlessKit)
 * @err:   -EADDRINUSE naming the host port when it is taken or conflicts;
 *         -EACCES naming net.ipv4.ip_unprivileged_port_start when it is below it (ip(7));
 *         -EPROTONOSUPPORT for udp (not supported yet)
 *
 * Thread-safe.  The listener is made in the calling thread's netns, which must be the host
 * netns (as root the function enters it; rootless it cannot, and returns an error).
 * Return: 0; the errors under @err; -EINVAL when parent_ip is not an IP address;
 * -ENOTCONN when the port driver is not running (nn_ports_init() has not run); -ENOMEM;
 * other negative errno of setns(2), socket(2), bind(2), listen(2).  Nothing is left
 * listening on failure.
 */
int nn_ports_add(struct nn_nest *n, const struct nn_portspec *spec, const char *owner, int *id,
		 struct nn_err *err);

/**
 * nn_ports_remove() - close port @id: its listener, then its connections
 * @n:   the live nest
 * @id:  the port's ID
 * @err: "unknown id: <id>" (RootlessKit's words) when there is no such port
 *
 * Returns once every connection thread of the port has ended.
 * Return: 0, -ENOENT.
 */
int nn_ports_remove(struct nn_nest *n, int id, struct nn_err *err);

/**
 * nn_ports_remove_owner() - close every port owned by sandbox @owner
 * @n:     the live nest
 * @owner: the sandbox name given to nn_ports_add(); NULL or "" does nothing
 */
void nn_ports_remove_owner(struct nn_nest *n, const char *owner);

/**
 * nn_ports_list() - RootlessKit's GET /v1/ports array [{"id", "spec"}], sorted by id, plus
 * "sandbox" (the owner) where there is one
 * @n: the nest
 * Return: a new reference, NULL on ENOMEM.
 */
json_t *nn_ports_list(struct nn_nest *n);

#endif
