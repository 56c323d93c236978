/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_FDPASS_H
#define NN_FDPASS_H

/*
 * File descriptors over a unix socket: one message of data bytes with the fds as one
 * SCM_RIGHTS control message (unix(7), cmsg(3)).  The one place that builds and reads
 * such a message; and the one connect(2) of netnest's clients to a daemon's socket.
 */

#include <stddef.h>
#include <sys/types.h>

#define NN_FDS_MAX 4 /* fds in one message */

/**
 * nn_fds_send() - send @len bytes of @data with @nfds descriptors
 * @sock: a connected unix socket
 * @data: the bytes (at least one: a stream socket carries no message without)
 * @len:  their count, at least 1
 * @fds:  the descriptors to pass (still the caller's: the receiver gets duplicates)
 * @nfds: how many, 0 to NN_FDS_MAX (0: no control message)
 *
 * One sendmsg(2), MSG_NOSIGNAL (a peer that is gone is -EPIPE, not SIGPIPE).
 * Return: the bytes sent, or -EINVAL (@nfds too large), or the negative errno of sendmsg(2).
 */
ssize_t nn_fds_send(int sock, const void *data, size_t len, const int *fds, size_t nfds);

/**
 * nn_fds_recv() - receive up to @len bytes into @data and the descriptors that came with them
 * @sock: a connected unix socket
 * @data: buffer for the bytes
 * @len:  its size
 * @fds:  filled with the descriptors received, close-on-exec, owned by the caller
 * @max:  room in @fds, at most NN_FDS_MAX
 * @nfds: set to how many were received
 *
 * One recvmsg(2) with MSG_CMSG_CLOEXEC.  Descriptors beyond @max, or that came cut short
 * (MSG_CTRUNC), are closed and the message is -EMSGSIZE; so is a control message that is
 * not SCM_RIGHTS.
 * Return: the bytes received (0: the peer closed), or -EMSGSIZE, or the negative errno of
 * recvmsg(2).
 */
ssize_t nn_fds_recv(int sock, void *data, size_t len, int *fds, size_t max, size_t *nfds);

/**
 * nn_unix_connect() - a SOCK_STREAM unix socket connected to @path, with timeouts
 * @path: the socket's path
 * @secs: how long connect(2), and later each send(2) and recv(2) on the socket, may block
 *        (socket(7) SO_SNDTIMEO, SO_RCVTIMEO; connect(2) waits for room in a full backlog
 *        as long as SO_SNDTIMEO says: net/unix/af_unix.c unix_stream_connect), so that a
 *        stopped server does not hang its client
 *
 * A send(2) or recv(2) that times out fails with EAGAIN.
 * Return: the fd (O_CLOEXEC, the caller's), or the negative errno: -ENAMETOOLONG when
 * @path does not fit sun_path, -ETIMEDOUT when the backlog stayed full, or that of
 * socket(2), setsockopt(2) or connect(2) (-ENOENT, -ECONNREFUSED: nobody listens).
 */
int nn_unix_connect(const char *path, int secs);

#endif
