/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_API_H
#define NN_API_H

/*
 * The control API: HTTP/1.1 + JSON on $STATE/api.sock (mode 0600), served by libmicrohttpd
 * (one thread per connection, so a slow handler does not stall the others).  The server
 * and its route table; the routes come from the services that own them as tables of
 * struct nn_api_route: RootlessKit-compatible GET /v1/info here, GET/POST /v1/ports and
 * DELETE /v1/ports/{id} in api_ports.c (reference/rootlesskit.md section 4), netnest's own
 * /netnest/v1/sandboxes in sandbox.c.  The daemon (nestd.c) hands them to nn_api_start().
 */

#include <jansson.h>

#include "err.h"
#include "nest.h"

#define NN_API_VERSION "1.1.1"     /* RootlessKit pkg/api/api.go Version */
#define NN_API_BODY_MAX (64 * 1024) /* largest request body accepted, bytes (413 above) */
#define NN_API_ROUTES_MAX 16

/*
 * A route handler: @path is the whole request path ("/netnest/v1/sandboxes/web"); @body is
 * the parsed request JSON (NULL when there is none; borrowed).  Set *@resp (a new reference,
 * owned by the server afterwards; NULL for an empty body) and *@status (200 if left as is).
 * On failure return a negative errno with @err filled: the server answers
 * {"message": err->msg} with 404 for -ENOENT, 400 for -EINVAL/-EEXIST/-EADDRINUSE/-EACCES/
 * -EPROTONOSUPPORT/-E2BIG, and 500 otherwise.
 * Handlers run in the server's connection threads (several at once) in the host netns;
 * a handler that setns()es must do it in a thread of its own.
 */
typedef int (*nn_api_handler)(struct nn_nest *n, const char *path, json_t *body,
			      json_t **resp, unsigned *status, struct nn_err *err);

/* A route: the first whose method matches and whose prefix is the path or a parent of it. */
struct nn_api_route {
	const char *method;   /* "GET", "POST", "DELETE", ...; NULL ends a table */
	const char *prefix;   /* "/netnest/v1/sandboxes" matches itself and ".../web" */
	nn_api_handler fn;
};

/**
 * nn_api_start() - serve the nest's API on $STATE/api.sock
 * @n:      the live nest (n->svc allocated, state_fd set); sets n->svc->api
 * @tables: NULL-terminated list of route tables, each ended by an entry whose method is
 *          NULL; tried in that order after the built-in GET /v1/info
 * @err:    error object
 *
 * Creates $STATE/api.sock (bound, chmod 0600, then listening), loads libmicrohttpd
 * (dl.h) and serves the socket.  On failure nothing is left: no socket file, no server.
 * Return: 0, -ENOSPC when the tables hold more than NN_API_ROUTES_MAX routes in all,
 * -ENAMETOOLONG when the socket path does not fit sun_path, -ENOMEM, the negative errno
 * of socket(2)/bind(2)/listen(2), the errors of nn_dl_load(), -EIO when MHD does not start.
 */
int nn_api_start(struct nn_nest *n, const struct nn_api_route *const *tables,
		 struct nn_err *err);

/**
 * nn_api_stop() - stop serving (waits for the connection threads) and remove api.sock
 * @n: the nest; n->svc->api is freed and set to NULL.  Idempotent; never fails.
 */
void nn_api_stop(struct nn_nest *n);

#endif
