/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_API_H
#define NN_API_H

/*
 * The control API: HTTP/1.1 + JSON on $STATE/api.sock (mode 0600), served by libmicrohttpd
 * (one thread per connection, so a slow handler does not stall the others).
 * RootlessKit-compatible GET /v1/info, GET/POST /v1/ports, DELETE /v1/ports/{id}
 * (reference/rootlesskit.md section 4); netnest's own endpoints under /netnest/v1/, added
 * by other parts of the daemon through nn_api_route_add().  Also the owner of the nest's
 * services (sandboxes and ports).
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

struct nn_ports;     /* portfwd.c */
struct nn_api;       /* api.c: the HTTP server and its route table */
struct nn_sandboxes; /* sandbox.c, free for its own state */

/* The nest's services, n->svc; allocated by nn_services_start(). */
struct nn_services {
	struct nn_api *api;
	struct nn_ports *ports;
	struct nn_sandboxes *sandboxes;
};

/**
 * nn_api_route_add() - add a route to the nest's API
 * @n:      the nest (nn_services_start() is running: call this from nn_sandboxes_init())
 * @method: "GET", "POST", "DELETE", ... (static string)
 * @prefix: path prefix (static string); it matches the path itself and any path below it,
 *          "/netnest/v1/sandboxes" matches "/netnest/v1/sandboxes" and ".../web"
 * @fn:     the handler
 * @err:    error object
 *
 * Routes are tried in the order added, the built-in /v1/ routes first.  Must be called
 * before the server starts serving (that is, from nn_sandboxes_init()).
 * Return: 0, -ENOSPC when NN_API_ROUTES_MAX routes exist, -ENOTCONN when the API is not
 * set up (nn_services_start() has not made it).
 */
int nn_api_route_add(struct nn_nest *n, const char *method, const char *prefix,
		     nn_api_handler fn, struct nn_err *err);

/**
 * nn_services_start() - start the nest's services: ports, sandboxes, then the API server
 * @n:   the live nest (its netns fds and state_fd are set); the calling thread must be in
 *       the host netns (the daemon's main thread)
 * @err: error object
 *
 * Sets n->svc, calls nn_sandboxes_init() (sandbox.h), then creates $STATE/api.sock (0600)
 * and serves it.  Ignores SIGPIPE in the whole process (the port driver's splice(2) into a
 * closed socket would raise it; splice has no MSG_NOSIGNAL).  Called by the daemon after the network is up and before child_pid is
 * written.  On failure everything started is stopped again and n->svc is NULL.
 * Return: 0 or negative errno (socket creation, MHD start, or the sandbox init error).
 */
int nn_services_start(struct nn_nest *n, struct nn_err *err);

/**
 * nn_services_stop() - stop the API server, every sandbox (nn_sandboxes_stop_all()), close
 * every published port, and remove api.sock.  Idempotent; never fails.
 * @n: the nest
 */
void nn_services_stop(struct nn_nest *n);

#endif
