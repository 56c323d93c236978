/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_PORTFWD_TCP_H
#define NN_PORTFWD_TCP_H

/*
 * The TCP event loops of the port driver, shared by its two files:
 *   portfwd_tcp.c       a connection: accept, dial inside the nest, splice(2), close
 *   portfwd_tcp_loop.c  the loop threads: epoll, timers, commands from the API threads
 * Everything here belongs to one loop thread, but struct loop's lock and what it guards.
 */

#include <stdint.h>
#include <sys/queue.h>

#include "portfwd_internal.h"

/* the low bits of epoll_data.u64 say what the rest points to (all 8-byte aligned) */
enum { TAG_WAKE, TAG_LISTEN, TAG_CLIENT, TAG_TARGET, TAG_MASK = 3 };
enum { CLIENT, TARGET }; /* c->fd[], and the direction reading from it */
enum { DIALING, WAITING, OPEN, DEAD }; /* c->state */

struct pipe_buf {
	int r, w;
	struct pipe_buf *next; /* in the pool */
};

/* One direction: bytes read from fd[side], written to fd[!side]. */
struct dir {
	struct pipe_buf *pipe; /* from the pool while @held > 0 */
	size_t held; /* bytes in the pipe */
	bool eof, done; /* EOF read; and passed on with shutdown(SHUT_WR) */
};

struct tcp_conn {
	struct port *port;
	int fd[2]; /* [CLIENT] accepted, host netns; [TARGET] nest netns or -1 */
	uint8_t state, tries; /* tries: dials so far */
	bool queued; /* on loop->ready: a direction used its budget */
	bool timed; /* on loop->timers: WAITING, or OPEN and out of pipes */
	bool on6;  /* the dial goes to the port's target6 (nn_pf_target()) */
	bool v4;   /* target6 refused: the IPv4 target from now on */
	struct dir dir[2]; /* [CLIENT] client->target, [TARGET] target->client */
	int64_t due_ms; /* timed: when to dial or pump again (CLOCK_MONOTONIC) */
	LIST_ENTRY(tcp_conn) all; /* loop->conns, or loop->dead once closed */
	LIST_ENTRY(tcp_conn) timer; /* loop->timers while timed */
	TAILQ_ENTRY(tcp_conn) ready;
};

/* A port as one loop has it. */
struct lport {
	struct port *p;
	bool gone; /* stopped in this batch; freed at its end */
	struct lport *next;
};

struct cmd {
	enum { CMD_ADD, CMD_STOP, CMD_END } op;
	struct port *p;
	int result; /* CMD_ADD: 0 or a negative errno */
	bool done;
	struct cmd *next;
};

struct loop {
	struct nn_pf_tcp *tcp;
	int ep, wake, spare; /* epoll, eventfd for commands, a reserve fd for EMFILE */
	pthread_t thread;
	pthread_mutex_t lock; /* guards cmds, started, done flags */
	pthread_cond_t cond;
	struct cmd *cmds;
	int started; /* 1 running, negative errno when the thread failed */
	/* only the loop thread from here */
	bool ending;
	struct lport *ports;
	struct cmd *finished; /* answered at the end of the batch */
	LIST_HEAD(, tcp_conn) conns, timers, dead;
	TAILQ_HEAD(, tcp_conn) ready;
	struct pipe_buf *pool;
	int pooled;
	int64_t paused_until; /* listeners out of epoll until then, or 0 */
	int64_t busy_ms; /* the last batch with events */
};

struct nn_pf_tcp {
	int nest_netns; /* borrowed from the first port; a dup owned here */
	int backlog;
	pthread_mutex_t log_lock;
	int64_t logged_ms; /* last line about refused connections, or 0 */
	unsigned long refused; /* on every port, since that line (counted in the next one) */
	int n;
	struct loop loop[];
};

/* The calls between the two files; all run on @l's loop thread. */

/* nn_tcp_now_ms() - CLOCK_MONOTONIC in ms */
int64_t nn_tcp_now_ms(void);

/* nn_tcp_watch() - add @fd to @l's epoll set for @events, tagged @tag (TAG_*) with @ptr.
 * Return: 0 or -1 with errno (epoll_ctl(2)). */
int nn_tcp_watch(struct loop *l, int fd, uint32_t events, const void *ptr, int tag);

/* nn_tcp_pool_drain() - close the pipes pooled in @l */
void nn_tcp_pool_drain(struct loop *l);

/* nn_tcp_close() - close @c's sockets (RST to side @rst unless -1), free it after the batch */
void nn_tcp_close(struct loop *l, struct tcp_conn *c, int rst);

/* nn_tcp_pump() - move the bytes of both directions of an open @c (may close it) */
void nn_tcp_pump(struct loop *l, struct tcp_conn *c);

/* nn_tcp_dial() - dial @c's target again (@client NULL: getpeername(2)) */
void nn_tcp_dial(struct loop *l, struct tcp_conn *c, const struct sockaddr_storage *client,
		 socklen_t client_len);

/* nn_tcp_event() - epoll @events on side @side (CLIENT, TARGET) of @c */
void nn_tcp_event(struct loop *l, struct tcp_conn *c, int side, uint32_t events);

/* nn_tcp_accept() - accept the clients waiting on @lp's listener */
void nn_tcp_accept(struct loop *l, struct lport *lp);

/* nn_tcp_listeners() - @op (EPOLL_CTL_ADD, _DEL) every listener of @l not gone */
void nn_tcp_listeners(struct loop *l, int op);

/* nn_tcp_stop_port() - take @p's listener out of @l and close its connections */
void nn_tcp_stop_port(struct loop *l, struct port *p);

#endif
