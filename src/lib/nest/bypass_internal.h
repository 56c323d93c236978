/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_BYPASS_INTERNAL_H
#define NN_BYPASS_INTERNAL_H

/*
 * Inside the bypass (bypass.c: the filter, the thread, the record; bypass_notif.c: one
 * notification).  Not for use outside them and the unit tests; everyone else has bypass.h.
 */

#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>

#include <seccomp.h>

#include "bypass.h"
#include "state.h"

#define NN_BYPASS_INODES_MAX 4096 /* host sockets remembered for "open" (nn_bypass_json()) */

struct nn_bypass {
	const struct nn_nest_config *cfg; /* the nest's networks, host loopback */
	char name[NN_NAME_MAX + 1];
	ino_t host_netns; /* inode of the daemon's netns, where the host sockets live */
	uint64_t host_cookie; /* its netns cookie (SO_NETNS_COOKIE, socket(7), Linux 5.14), 0
				 where the kernel has none: how a host socket is told apart */
	ino_t netns; /* inode of the sandbox's netns, whose sockets are bypassed */
	int listener; /* the daemon's copy of the seccomp listener */
	int stopfd; /* eventfd: the thread ends */
	pthread_t thread;
	atomic_uint sockets; /* host sockets put in place so far */
	pthread_mutex_t lock; /* inodes */
	unsigned ninodes;
	ino_t inodes[NN_BYPASS_INODES_MAX]; /* of those sockets, the most recent ones */
	unsigned nports;
	struct nn_portspec ports[NN_BYPASS_PORTS_MAX];
	/* per port, under lock: the inode of the socket last bound to it, 0 for none: the host
	   socket put in place, and the sandbox's own socket bound to its loopback (which the
	   bypass leaves alone: nothing listens on the host then).  nn_bypass_json() tells
	   from /proc/PID/fd whether each is still open. */
	ino_t bound_host[NN_BYPASS_PORTS_MAX];
	ino_t bound_loopback[NN_BYPASS_PORTS_MAX];
};

/* Where an address a sandbox dials leads (nn_bypass_dest()). */
enum nn_bypass_dest {
	NN_BYPASS_KEEP, /* inside the nest (its bridge, the engine, lo): the normal path */
	NN_BYPASS_HOST, /* outside: the same address from the host netns */
	NN_BYPASS_LOOPBACK, /* the engine's gateway with host loopback allowed: the host's lo */
};

/**
 * nn_bypass_dest() - classify the address a sandbox connects or sends to
 * @cfg: the nest's configuration (cidr, gateway, subnet and their IPv6 twins,
 *       allow_host_loopback, ipv6)
 * @sa:  the address (AF_INET or AF_INET6; an IPv4-mapped IPv6 address counts as IPv4)
 * @len: its length in bytes
 * @out: set to the address to use in the host netns: @sa itself, or 127.0.0.1 / ::1 (the
 *       same port; an IPv4-mapped ::ffff:127.0.0.1 for a mapped address) for
 *       NN_BYPASS_LOOPBACK, the rule libslirp applies to its gateway (slirp4netns.1
 *       --disable-host-loopback; libslirp socket.c sotranslate_out)
 *
 * KEEP: another family, a short address, the unspecified, loopback, link-local, multicast or
 * broadcast addresses, the bridge subnet (and subnet6), the engine's network (cidr, cidr6)
 * but for its gateway with host loopback allowed, and every IPv6 address in a nest without
 * IPv6.
 * Return: the class.
 */
enum nn_bypass_dest nn_bypass_dest(const struct nn_nest_config *cfg, const struct sockaddr *sa,
				   socklen_t len, struct sockaddr_storage *out);

/**
 * nn_bypass_notif() - answer one seccomp notification (bypass_notif.c)
 * @bp:   the bypass
 * @req:  the notification (SECCOMP_IOCTL_NOTIF_RECV)
 * @resp: filled: the answer; id set, and either
 *        SECCOMP_USER_NOTIF_FLAG_CONTINUE (the syscall runs unchanged) or a result,
 *        to send with SECCOMP_IOCTL_NOTIF_SEND
 *
 * Never fails: what it cannot bypass continues unchanged.
 */
void nn_bypass_notif(struct nn_bypass *bp, const struct seccomp_notif *req,
		     struct seccomp_notif_resp *resp);

/**
 * nn_bypass_port_addr() - the host address a bypassed published port listens on
 * @p:      the spec
 * @family: AF_INET or AF_INET6, the sandbox socket's
 * @ss:     filled: the spec's host IP (nn_portspec_host_ip(); for AF_INET6 an IPv4 one in
 *          its IPv4-mapped form), or the wildcard address, and its host port
 * @sl:     set to the address's length
 * Return: 0, or -1 when the host IP is not of @family.
 */
int nn_bypass_port_addr(const struct nn_portspec *p, int family, struct sockaddr_storage *ss,
			socklen_t *sl);

/**
 * nn_bypass_bound() - note the socket a bind(2) to published port @port gave
 * @bp:       the bypass
 * @port:     the port, one of @bp->ports
 * @ino:      the socket's inode: the host socket put in place, or the sandbox's own
 * @loopback: true: the sandbox's own socket, bound to its loopback (not bypassed)
 */
void nn_bypass_bound(struct nn_bypass *bp, const struct nn_portspec *port, ino_t ino,
		     bool loopback);

/**
 * nn_bypass_remember() - count a host socket put in place and remember its inode
 * @bp:  the bypass
 * @ino: the socket's inode (fstat(2) of the daemon's copy)
 */
void nn_bypass_remember(struct nn_bypass *bp, ino_t ino);

#endif
