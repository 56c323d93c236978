/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_PORTFWD_INTERNAL_H
#define NN_PORTFWD_INTERNAL_H

/*
 * The port driver's family (portfwd.h is the contract for everyone else):
 *   portfwd.c      the table of ports: add, remove, list, the host sockets, threads
 *   portfwd_tcp.c  TCP: an acceptor thread per port, two splice(2) threads per connection
 *   portfwd_udp.c  UDP: a relay thread per port, one flow socket in the nest per client
 */

#include <pthread.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "portfwd.h"

struct tcp_conn; /* portfwd_tcp.c */

/* A published port. */
struct port {
	int id;
	struct nn_portspec spec;
	char owner[65];
	int host_fd;     /* listening TCP socket or the published UDP socket, host netns */
	int nest_netns;  /* dup of n->nest_netns, for the threads that dial inside it */
	struct sockaddr_storage target; /* child IP:child port, dialled inside the nest */
	socklen_t target_len;
	struct sockaddr_storage target6; /* spec.child_ip6: dialled for IPv6 clients */
	socklen_t target6_len;           /* 0: none, every client dials target */
	pthread_t thread; /* the acceptor (TCP) or the relay (UDP), joinable */
	pthread_mutex_t lock;
	bool closing;    /* under lock: the port is being removed */
	/* TCP, under lock */
	pthread_cond_t idle; /* signalled when conns becomes empty */
	struct tcp_conn *conns;
	/* UDP */
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

/*
 * nn_pf_connect() - a socket of @type (SOCK_STREAM, or SOCK_DGRAM with flags) in the
 * calling thread's netns, connected to what a client at @client dials: target6 for an IPv6
 * client that is not v4-mapped when @p has one, falling back to target when that refuses
 * (a server listening on IPv4 alone), else target (docs/ports.md#ipv6)
 * Return: the fd (SOCK_CLOEXEC), or the negative errno of socket(2)/connect(2).
 */
int nn_pf_connect(const struct port *p, const struct sockaddr_storage *client, int type);

/*
 * nn_pf_tcp_start() / nn_pf_udp_start() - start the thread of @p, whose host_fd,
 * nest_netns and target are set; the caller holds no lock.
 * Return: 0 or a negative errno with @err filled.
 */
int nn_pf_tcp_start(struct port *p, struct nn_err *err);
int nn_pf_udp_start(struct port *p, struct nn_err *err);

/*
 * nn_pf_tcp_stop() / nn_pf_udp_stop() - stop the thread of a started @p and end its
 * connections or flows; returns when none is left.  host_fd is closed by the caller after.
 */
void nn_pf_tcp_stop(struct port *p);
void nn_pf_udp_stop(struct port *p);

#endif
