/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_PORTFWD_INTERNAL_H
#define NN_PORTFWD_INTERNAL_H

/*
 * The port driver's family (portfwd.h is the contract for everyone else):
 *   portfwd.c      the table of ports: add, remove, list, the host sockets, threads
 *   portfwd_tcp.c, portfwd_tcp_loop.c (portfwd_tcp.h)
 *                  TCP: event loops (one per CPU at most) shared by every TCP port, which
 *                  accept, dial inside the nest and splice(2) every connection
 *   portfwd_udp.c  UDP: a relay thread per port, one flow socket in the nest per client
 *   portfwd_src.c  the socket in the nest, bound to the client's own address when it can
 */

#include <pthread.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "portfwd.h"

struct nn_pf_tcp; /* portfwd_tcp.c: the TCP loops of a driver */

/* A published port. */
struct port {
	int id;
	struct nn_portspec spec;
	char owner[65];
	int host_fd;     /* listening TCP socket or the published UDP socket, host netns */
	int nest_netns;  /* dup of n->nest_netns, for the threads that dial inside it */
	bool keep_source;/* n->cfg.keep_source: dial from the client's address where it can */
	struct sockaddr_storage target; /* child IP:child port, dialled inside the nest */
	socklen_t target_len;
	struct sockaddr_storage target6; /* spec.child_ip6: dialled for IPv6 clients */
	socklen_t target6_len;           /* 0: none, every client dials target */
	/* TCP */
	struct nn_pf_tcp *tcp; /* the loops that serve it */
	/* UDP */
	pthread_t thread; /* the relay, joinable */
	int wake_fd;     /* eventfd: written once to stop the relay */
	struct port *next;
};

/*
 * nn_pf_start_thread() - a thread on a small stack (64 KiB usable plus the static TLS)
 * @t:        set to the thread when not NULL (joinable unless @detached)
 * @fn, @arg: what it runs
 * @detached: a detached thread
 * Return: 0 or the negative errno of pthread_create(3).
 */
int nn_pf_start_thread(pthread_t *t, void *(*fn)(void *), void *arg, bool detached);

/*
 * nn_pf_sockaddr() - @ip (IPv4 or IPv6, canonical) and @port as a socket address
 * Return: its length, or 0 when @ip is not an address.
 */
socklen_t nn_pf_sockaddr(const char *ip, uint16_t port, struct sockaddr_storage *ss);

/**
 * nn_pf_target_socket() - the socket the port driver dials a target of @p with, for a client
 * @p:          the port; its nest_netns is read
 * @type:       socket(2)'s type with its flags: SOCK_STREAM or SOCK_DGRAM, | SOCK_CLOEXEC,
 *              | SOCK_NONBLOCK as the caller wants
 * @target:     the address it will dial (nn_pf_target()), @target_len bytes: its family is
 *              the socket's
 * @client:     the client's address as the host socket saw it (accept4(2), recvmsg(2)),
 *              IPv4 clients of a dual-stack socket as ::ffff:a.b.c.d; NULL for none
 * @client_len: its length in bytes
 * @err:        error object (may be NULL)
 *
 * Made in the calling thread's netns, which must be the nest's.  When the client's
 * address can be kept, the socket is bound to it (its IP and port) with IP_TRANSPARENT /
 * IPV6_TRANSPARENT and the mark of the nest's routing for it (ip(7), socket(7),
 * Documentation/networking/tproxy.rst; the routing is made on the first such client:
 * portfwd_src.c says how, docs/design.md#client-address the numbers), so the server sees
 * the client.  Otherwise (a loopback client, a target that is the nest's own address, a
 * setup that failed: said once by nn_notice()) an unbound socket, and the server sees
 * the nest's address, as RootlessKit's builtin driver falls back.  Not connected: the
 * caller connect(2)s it to @target.
 * Return: the socket (the caller's), or the negative errno of socket(2).
 */
int nn_pf_target_socket(const struct port *p, int type, const struct sockaddr_storage *target,
			socklen_t target_len, const struct sockaddr *client, socklen_t client_len,
			struct nn_err *err);

/*
 * nn_pf_target() - the address a client at @client dials: @p's target6 for an IPv6 client
 * that is not v4-mapped when @p has one (unless @v4, the fallback after it refused), else
 * its target (docs/ports.md#ipv6); *@len its length
 */
const struct sockaddr_storage *nn_pf_target(const struct port *p,
					    const struct sockaddr_storage *client, bool v4,
					    socklen_t *len);

/*
 * nn_pf_connect() - a socket of @type (SOCK_DGRAM with flags: the UDP flows) in the
 * calling thread's netns (the nest's), made by nn_pf_target_socket() for the client at
 * @client (@client_len bytes) and connected to what it dials (nn_pf_target() with @v4,
 * true for the IPv4 target after the IPv6 one refused); *@on6 says whether that is the
 * port's target6
 * Return: the fd (SOCK_CLOEXEC), or the negative errno of socket(2)/connect(2).
 */
int nn_pf_connect(const struct port *p, const struct sockaddr_storage *client,
		  socklen_t client_len, int type, bool v4, bool *on6);

/*
 * nn_pf_tcp_start() - serve TCP port @p (host_fd bound, nest_netns and target set) from
 * the loops *@tcp of its driver, which are started first when *@tcp is NULL (the calling
 * thread is in the host netns: the listen backlog is its net.core.somaxconn).  Calls are
 * serialised by the caller (the driver's lock).
 * Return: 0 or a negative errno with @err filled (setns(2), epoll_ctl(2), listen(2),
 * pthread_create(3), -ENOMEM).
 */
int nn_pf_tcp_start(struct nn_pf_tcp **tcp, struct port *p, struct nn_err *err);

/*
 * nn_pf_udp_start() - start the relay thread of @p, whose host_fd, nest_netns and target
 * are set; the caller holds no lock.
 * Return: 0 or a negative errno with @err filled.
 */
int nn_pf_udp_start(struct port *p, struct nn_err *err);

/*
 * nn_pf_tcp_stop() / nn_pf_udp_stop() - stop accepting on a started @p (or its relay
 * thread) and end its connections or flows; returns when none is left.  host_fd is
 * closed by the caller after.
 */
void nn_pf_tcp_stop(struct port *p);
void nn_pf_udp_stop(struct port *p);

/*
 * nn_pf_tcp_end() - end the loops of a driver whose TCP ports are all stopped, and free
 * them; NULL does nothing.
 */
void nn_pf_tcp_end(struct nn_pf_tcp *tcp);

#endif
