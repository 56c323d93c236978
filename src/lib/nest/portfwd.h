/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_PORTFWD_H
#define NN_PORTFWD_H

/*
 * The port driver: for each published port a socket in the host netns.  TCP: each
 * accepted connection is connected inside the nest (a socket created in the detached
 * netns) to child_ip:child_port, and bytes move with splice(2) both ways, with half-close,
 * all from a few event loops (portfwd_tcp_loop.c).
 * UDP: a flow per client address, a socket in the nest connected to child_ip:child_port;
 * replies go back to the client from the published socket (portfwd_udp.c).
 */

#include <jansson.h>

#include "err.h"
#include "nest.h"
#include "portspec.h"

/* A UDP flow idle this long in both directions is closed, seconds (RootlessKit's builtin
 * driver and docker-proxy: UDPConnTrackTimeout, 90 s). */
#ifndef NN_PORT_UDP_IDLE_S
#define NN_PORT_UDP_IDLE_S 90
#endif
/* At most this many flows per UDP port; a new client then takes the oldest flow's place. */
#define NN_PORT_UDP_FLOWS_MAX 4096

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
 * @spec:  a valid port (portspec.h): any of tcp, tcp4, tcp6, udp, udp4, udp6; child_ip ""
 *         dials the loopback address in the nest (nn_portspec_child_ip()); child_ip6, when
 *         set, is dialled for IPv6 clients, child_ip when it refuses (TCP: the
 *         connect; UDP: an ICMP error before the first reply, portfwd_udp.c)
 * @owner: sandbox name that owns the port (removed with it), or NULL
 * @id:    the new port's ID (from 1, as RootlessKit)
 * @err:   -EADDRINUSE naming the host port ("host port P", "host port P/udp") when it is
 *         taken or conflicts (nn_portspec_conflicts());
 *         -EACCES naming net.ipv4.ip_unprivileged_port_start when it is below it (ip(7));
 *         -EPROTONOSUPPORT "no PortDriver is available" (RootlessKit's words) when the
 *         nest has none (cfg.port_driver false)
 *
 * Thread-safe.  The host socket is made in the calling thread's netns, which must be the
 * host netns (as root the function enters it; rootless it cannot, and returns an error).
 * Return: 0; the errors under @err; -EINVAL when parent_ip or child_ip is not an address;
 * -ENOTCONN when the port driver is not running (nn_ports_init() has not run); -ENOMEM;
 * other negative errno of setns(2), socket(2), bind(2), listen(2).  Nothing is left
 * listening on failure.
 */
int nn_ports_add(struct nn_nest *n, const struct nn_portspec *spec, const char *owner, int *id,
		 struct nn_err *err);

/**
 * nn_ports_remove() - close port @id: its host socket, then its connections or flows
 * @n:   the live nest
 * @id:  the port's ID
 * @err: "unknown id: <id>" (RootlessKit's words) when there is no such port
 *
 * Returns once every connection, flow and thread of the port has ended.
 * Return: 0, -ENOENT.
 */
int nn_ports_remove(struct nn_nest *n, int id, struct nn_err *err);

/**
 * nn_ports_privileged() - the error of a host port bind(2) refused with EACCES
 * @port: the host port
 * @err:  set to "cannot expose privileged port P: it is below
 *        net.ipv4.ip_unprivileged_port_start (N) ..." (ip(7); RootlessKit docs/port.md gives
 *        the same hint)
 * Return: -EACCES.
 */
int nn_ports_privileged(unsigned port, struct nn_err *err);

/**
 * nn_ports_remove_owner() - close every port owned by sandbox @owner
 * @n:     the live nest
 * @owner: the sandbox name given to nn_ports_add(); NULL or "" does nothing
 */
void nn_ports_remove_owner(struct nn_nest *n, const char *owner);

/**
 * nn_ports_list() - RootlessKit's GET /v1/ports array [{"id", "spec"}], sorted by id, plus
 * "sandbox" (the owner) and "child_ip6" (what IPv6 clients dial) where there is one
 * @n: the nest
 * Return: a new reference, NULL on ENOMEM.
 */
json_t *nn_ports_list(struct nn_nest *n);

#endif
