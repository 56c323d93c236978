/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_API_H
#define NN_API_H

/*
 * The control API: HTTP/1.1 + JSON on $STATE/api.sock (mode 0600), served by libmicrohttpd
 * in its own thread.  RootlessKit-compatible GET /v1/info, GET/POST /v1/ports,
 * DELETE /v1/ports/{id} (reference/rootlesskit.md section 4); netnest's own endpoints
 * under /netnest/v1/.  Also the owner of the nest's services (sandboxes and ports).
 */

#include <jansson.h>

#include "err.h"
#include "nest.h"

/**
 * nn_services_start() - start the nest's services: API server, sandbox watcher, ports
 * @n:   the live nest (its netns fds are set)
 * @err: error object
 *
 * Creates $STATE/api.sock (0600) and the ipam and sandboxes dirs.  Called by the daemon
 * after the network is up and before child_pid is written.
 * Return: 0 or negative errno.
 */
int nn_services_start(struct nn_nest *n, struct nn_err *err);

/**
 * nn_services_stop() - stop every sandbox (SIGTERM, then SIGKILL after 2 s), close every
 * published port, remove leases, sandbox records and api.sock.  Idempotent; never fails.
 */
void nn_services_stop(struct nn_nest *n);

/*
 * A route handler: @body is the parsed request JSON (NULL when none); set *@resp (owned
 * by the caller afterwards; NULL for an empty body) and *@status.  On failure return a
 * negative errno with @err filled: the server answers {"message": err->msg} with 400
 * for -EINVAL/-EEXIST/-EADDRINUSE/-EACCES/-ENOENT (404) and 500 otherwise.
 */
typedef int (*nn_api_handler)(struct nn_nest *n, const char *path, json_t *body,
			      json_t **resp, unsigned *status, struct nn_err *err);

#endif
