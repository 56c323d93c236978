/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_CLIENT_H
#define NN_CLIENT_H

/* A client of the control API (api.h): one HTTP/1.1 request over the nest's api.sock. */

#include <stdbool.h>

#include <jansson.h>

#include "err.h"

/**
 * nn_client_request() - send one request to a nest's API and parse the JSON reply
 * @sock:   path of api.sock ($STATE/api.sock)
 * @method: "GET", "POST", "DELETE"
 * @path:   request path, "/v1/ports"
 * @body:   request JSON (borrowed), or NULL for none
 * @status: the HTTP status of the reply
 * @resp:   the reply JSON (new reference, caller decrefs), NULL for an empty body;
 *          may be NULL if the caller does not want it: the body of a 2xx reply is then
 *          not parsed (`run`'s POST, whose record nobody reads)
 * @err:    error object
 *
 * Sends "@method @path HTTP/1.1" with "Host: localhost" (ignored by the server, as
 * RootlessKit's) and "Connection: close", and reads the reply until all of its
 * Content-Length has come, or, without one, until the server closes (RFC 9112 sections 6.3
 * and 9.6).  connect(2), send(2) and each recv(2) wait at most 30 s (longer than the
 * daemon's longest answer, a DELETE's stop of a sandbox), so that a stopped daemon does
 * not hang the caller.  A reply with status
 * >= 400 is an error: its {"message": ...} becomes @err's message, and *@status is still
 * set.
 * Return: 0 for a 2xx reply; -ECONNREFUSED, or stat(2)'s errno (-ENOENT) for a missing
 * @sock, when no server listens on @sock (the message names @sock); -ECONNRESET when the
 * server closed the connection without a byte of reply; -ETIMEDOUT when it did not
 * answer within 30 s (or its backlog stayed full); another errno of
 * connect(2), send(2) or recv(2); -ENAMETOOLONG when @sock does not fit sun_path;
 * -ENOMEM; -EFBIG for a reply over 16 MiB; -EIO for a reply that is not HTTP/1.x
 * (nn_client_parse_reply()) or not JSON; for a >= 400 reply: -ENOENT (404), -EINVAL (other
 * 4xx), -EIO (5xx).
 */
int nn_client_request(const char *sock, const char *method, const char *path, json_t *body,
		      unsigned *status, json_t **resp, struct nn_err *err);

/**
 * nn_client_parse_reply() - the status and body of one whole HTTP/1.x reply
 * @buf:    the bytes the server sent before it closed the connection (need not be
 *          NUL-terminated; borrowed)
 * @len:    their number
 * @status: the status code, 100-599
 * @body:   set to where the body starts inside @buf
 * @blen:   its length: Content-Length when given, else up to the end of @buf; 0 for a
 *          1xx, 204 or 304 (RFC 9112 section 6.3)
 * @framed: set to true when the reply's own length says it is whole (a Content-Length all
 *          of which is in @buf, or a 204 or 304), so that the rest need not be waited
 *          for; false when only the server's close ends it
 *
 * Reads the status line (RFC 9112 section 4) and the header lines up to the empty line
 * (section 2.1); of the headers only Content-Length matters.
 * Return: 0; -EINVAL for a status line that is not "HTTP/1.x NNN", headers with no empty
 * line after them or holding a NUL, a Content-Length that is not a number, says two
 * lengths, or is longer than the body that came, and any Transfer-Encoding (netnest's
 * server always sends a length, so a chunked reply is not one of its).
 */
int nn_client_parse_reply(const char *buf, size_t len, unsigned *status, const char **body,
			  size_t *blen, bool *framed);

/**
 * nn_client_nest_request() - nn_client_request() to the API of nest @nest
 * @nest:   nest name (NULL: "default"); its state dir comes from nn_state_dir()
 * @method: as nn_client_request()
 * @path:   as nn_client_request()
 * @body:   as nn_client_request()
 * @status: as nn_client_request()
 * @resp:   as nn_client_request()
 * @err:    error object
 *
 * When nothing serves the nest's api.sock (nn_client_unserved()) the error is
 * nn_client_not_serving()'s; a daemon that did not answer (-ETIMEDOUT) is named
 * (nn_client_timed_out()).
 * Return: 0, the errors of nn_state_dir(), -ENAMETOOLONG for a state dir too long for
 * api.sock's path, or the errors of nn_client_request() and nn_client_not_serving().
 */
int nn_client_nest_request(const char *nest, const char *method, const char *path,
			   json_t *body, unsigned *status, json_t **resp, struct nn_err *err);

/**
 * nn_client_unserved() - did nothing serve the request that returned @r with @status?
 * @r:      what nn_client_request() returned
 * @status: the status it set (0: no reply)
 *
 * Return: true for no reply and no api.sock (-ENOENT), no server on it (-ECONNREFUSED)
 * or a server that closed the connection without answering (-ECONNRESET, or -EPIPE when
 * it closed before the request was sent: its API stops first when the nest goes down,
 * nestd.c services_stop).
 */
bool nn_client_unserved(int r, unsigned status);

/**
 * nn_client_not_serving() - the error for a nest whose api.sock nothing serves
 * @nest: nest name, for the message
 * @dir:  its state dir (nn_state_dir(), taken before entering the nest's user namespace,
 *        where the caller is root and nn_state_dir() would name root's)
 * @err:  error object
 *
 * Called after a request found no server on the nest's api.sock (nn_client_unserved()),
 * or when the nest has no live daemon (nn_state_child_pid()).  A daemon that is still
 * alive (its child_pid names a live process) is going down: `netnest down` or a signal
 * stopped its API first.  A detached nest whose daemon stopped itself (its engine died)
 * left why in the state file "stopped" (state.h nn_state_stopped_read()).
 * Return: -ESHUTDOWN, "nest <nest> is going down (daemon pid <pid> is stopping): it takes
 * no new requests"; else -ENOENT, "no nest named <nest> is running: it stopped at <when>:
 * <why> (log: <dir>/log)" after such a stop, or "no nest named <nest> is running (state
 * dir <dir>)".
 */
int nn_client_not_serving(const char *nest, const char *dir, struct nn_err *err);

/**
 * nn_client_timed_out() - name the nest's daemon in a request's -ETIMEDOUT error
 * @nest: nest name, for the message
 * @dir:  its state dir, as for nn_client_not_serving()
 * @err:  the error nn_client_request() left ("... no reply within 30 s")
 *
 * Prefixes "nest <nest>: its daemon (pid <pid>) did not answer: is it stopped (SIGSTOP)
 * or stuck?" (without the pid when child_pid cannot be read).
 */
void nn_client_timed_out(const char *nest, const char *dir, struct nn_err *err);

#endif
