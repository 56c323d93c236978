/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_API_H
#define NN_API_H

/*
 * The control API: HTTP/1.1 + JSON on $STATE/api.sock (mode 0600), served by libevent's
 * evhttp on one loop thread, each request answered on a worker thread of a pool that grows
 * while all are busy, so a slow handler does not stall the others (api_http.c).  The server
 * and its route table; the routes come from the services that own them as tables of
 * struct nn_api_route: RootlessKit-compatible GET /v1/info here, GET/POST /v1/ports and
 * DELETE /v1/ports/{id} in api_ports.c (docs/facts-rootlesskit.md#api), netnest's own
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
 * Handlers run in the server's worker threads (several at once) in the host netns;
 * a handler that setns()es must do it in a thread of its own.
 */
typedef int (*nn_api_handler)(struct nn_nest *n, const char *path, json_t *body,
			      json_t **resp, unsigned *status, struct nn_err *err);

/* Which request paths a route takes (struct nn_api_route.match). */
enum nn_api_match {
	NN_API_TREE,  /* its path and every path under it: /netnest/v1/sandboxes, .../web */
	NN_API_EXACT, /* its path alone, as gorilla/mux's Path("/v1/ports") (no trailing '/') */
	NN_API_ID,    /* its path then one non-empty segment, "/v1/ports/3", as mux's
			 Path("/v1/ports/{id}") ({id} is [^/]+) */
};

/* How a route reads the request body (struct nn_api_route.body). */
enum nn_api_body {
	NN_API_JSON,       /* one JSON object or array and nothing after it but blanks */
	NN_API_JSON_FIRST, /* the first JSON object or array, whatever follows it ignored, as
			      Go's json.Decoder.Decode reads RootlessKit's POST bodies */
	NN_API_NO_BODY,    /* not read (a RootlessKit handler that never reads r.Body) */
};

/*
 * A route: the first whose method matches and whose @path takes the request path.
 * RootlessKit's routes are pkg/api/router/router.go AddRoutes (gorilla/mux).
 */
struct nn_api_route {
	const char *method;     /* "GET", "POST", "DELETE", ...; NULL ends a table */
	const char *path;       /* "/v1/ports", "/netnest/v1/sandboxes" */
	nn_api_handler fn;
	enum nn_api_match match;
	enum nn_api_body body;
};

/* The routes one server answers, in order: the built-in GET /v1/info, then the tables given. */
struct nn_api_router {
	struct nn_api_route routes[NN_API_ROUTES_MAX];
	size_t nroutes;
};

/* The answer to one request (nn_api_dispatch()). */
struct nn_api_answer {
	unsigned status; /* HTTP status */
	json_t *body;    /* the reply, owned by the caller; NULL for an empty body */
	char allow[64];  /* with 405: the methods the path takes, "GET, POST" (Allow header) */
};

/**
 * nn_api_router_init() - the built-in GET /v1/info, then every route of @tables
 * @rt:     filled
 * @tables: NULL-terminated list of route tables, each ended by an entry whose method is
 *          NULL (may be NULL: GET /v1/info only)
 * @err:    error object
 * Return: 0, or -ENOSPC when the tables hold more than NN_API_ROUTES_MAX routes in all.
 */
int nn_api_router_init(struct nn_api_router *rt, const struct nn_api_route *const *tables,
		       struct nn_err *err);

/**
 * nn_api_dispatch() - answer one whole request: route it, parse its body, call its handler
 * @rt:     the routes (nn_api_router_init())
 * @n:      the nest handed to the handler (a nest with n->svc's services all NULL will do:
 *          its handlers answer that the service is not running)
 * @method: the request method, "GET", "POST", ...
 * @path:   the request path, "/v1/ports/3"
 * @body:   the request body, @len bytes, need not be NUL-terminated; not read when @len
 *          is 0 or over NN_API_BODY_MAX (then it may be NULL)
 * @len:    its length in bytes; the server passes NN_API_BODY_MAX + 1 for a body it cut
 * @a:      filled: status, body (the caller owns it), Allow for a 405
 *
 * The socket server's request callback and the tests call this; it needs no socket and
 * no libevent.  Answers, each error with the body {"message": "..."}:
 *   413 "request body is larger than 65536 bytes" when @len > NN_API_BODY_MAX;
 *   404 "no route for METHOD PATH" when no route takes @path (gorilla/mux answers 404
 *       there too, with its text/plain "404 page not found");
 *   405 "method M is not allowed on PATH (allowed: GET, POST)" when routes take @path
 *       with other methods (RFC 9110 section 15.5.6; @a->allow lists the methods of the
 *       routes that take @path, in table order; mux's 405 has no Allow header);
 *   400 "bad JSON in the request body: ..." when @len > 0, the route reads its body and
 *       it is not JSON (enum nn_api_body);
 *   else the handler's answer, or its error as its status (nn_api_handler above).
 * An error body that cannot be made for want of memory is left empty (@a->body NULL).
 */
void nn_api_dispatch(const struct nn_api_router *rt, struct nn_nest *n, const char *method,
		     const char *path, const char *body, size_t len, struct nn_api_answer *a);

/**
 * nn_api_start() - serve the nest's API on $STATE/api.sock
 * @n:      the live nest (n->svc allocated, state_fd set); sets n->svc->api
 * @tables: NULL-terminated list of route tables, each ended by an entry whose method is
 *          NULL; tried in that order after the built-in GET /v1/info
 * @err:    error object
 *
 * Loads libevent (dl.h), creates $STATE/api.sock (bound, chmod 0600, then listening) and
 * serves it on a thread of its own (event2/http.h evhttp_accept_socket_with_handle()).  On failure nothing is left: no socket file, no server.
 * Return: 0, -ENOSPC when the tables hold more than NN_API_ROUTES_MAX routes in all,
 * -ENAMETOOLONG when the socket path does not fit sun_path, -ENOMEM, the negative errno
 * of socket(2)/bind(2)/listen(2), the errors of nn_dl_load(), of eventfd(2) and pthread_create(3), -ENOMEM when
 * libevent's server does not start.
 */
int nn_api_start(struct nn_nest *n, const struct nn_api_route *const *tables,
		 struct nn_err *err);

/**
 * nn_api_stop() - stop serving (waits for the requests being answered) and remove api.sock
 * @n: the nest; n->svc->api is freed and set to NULL.  Idempotent; never fails.
 */
void nn_api_stop(struct nn_nest *n);

#endif
