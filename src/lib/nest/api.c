// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * api.c - the control API's route table and its answers (see api.h)
 *
 * Requests are routed by (method, path) as gorilla/mux routes RootlessKit's (api.h enum
 * nn_api_match); the bodies are JSON (jansson).  The /v1/
 * shapes are RootlessKit's (pkg/api/openapi.yaml, apiVersion 1.1.1;
 * docs/facts-rootlesskit.md#api).  The HTTP server on the socket is api_http.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "out.h"
#include "util.h"

/*
 * RootlessKit's GET /v1/info: the nest as its API server sees it, in RootlessKit's field
 * order (pkg/api/api.go Info; issue7-spec section 7).  childPID is RootlessKit's child
 * when the nest has one (the rootlesskit verb), else the daemon.  networkDriver is left
 * out when there is no engine (RootlessKit --net=host/none); its dns lists fd00::3 after
 * 10.0.2.3 when the engine speaks IPv6, as resolv.conf does (nn_child_resolv_conf();
 * RootlessKit's slirp4netns driver with --ipv6).  portDriver is left out when there is no
 * port driver (--port-driver=none), as Go's omitempty leaves out a nil pointer.  The
 * driver names are the ones clients know: "slirp4netns" (moby's `docker version` and
 * rootlessctl print it), "builtin" with all six protos, since rootlesskit-docker-proxy
 * silently skips a port whose proto is not listed.
 */
static int api_info(struct nn_nest *n, const char *path, json_t *body, json_t **resp,
		    unsigned *status, struct nn_err *err)
{
	char dns[INET_ADDRSTRLEN], dns6[INET6_ADDRSTRLEN], child[INET_ADDRSTRLEN];
	json_t *o;
	int bad = 0;

	(void)path;
	(void)body;
	(void)status;
	inet_ntop(AF_INET, &n->cfg.dns, dns, sizeof(dns));
	inet_ntop(AF_INET6, &n->cfg.dns6, dns6, sizeof(dns6));
	inet_ntop(AF_INET, &n->cfg.tap_ip, child, sizeof(child));
	o = json_pack("{s:s, s:s, s:s, s:i}", "apiVersion", NN_API_VERSION,
		      "version", NETNEST_VERSION, "stateDir", n->cfg.state_dir,
		      "childPID", (int)(n->child_pid ? n->child_pid : getpid()));
	if (o && n->engine_pid)
		bad |= json_object_set_new(
			o, "networkDriver",
			json_pack("{s:s, s:[s,s*], s:s}", "driver",
				  n->cfg.engine == NN_ENGINE_PASTA ? "pasta" : "slirp4netns", "dns",
				  dns, n->cfg.ipv6 ? dns6 : NULL, "childIP", child));
	if (o && n->cfg.port_driver)
		bad |= json_object_set_new(o, "portDriver",
					   json_pack("{s:s, s:[s,s,s,s,s,s], s:b}",
						     "driver", "builtin", "protos", "tcp", "tcp4",
						     "tcp6", "udp", "udp4", "udp6",
						     "disallowLoopbackChildIP", 0));
	if (!o || bad) {
		json_decref(o);
		return nn_err(err, ENOMEM, "GET /v1/info");
	}
	*resp = o;
	return 0;
}

/* the server's own route, before every table given to nn_api_start() (RootlessKit's GetInfo
 * reads no body) */
static const struct nn_api_route info_route = { "GET", "/v1/info", api_info, NN_API_EXACT,
						NN_API_NO_BODY };

/* takes() - does route @r take the request path @path (enum nn_api_match)? */
static bool takes(const struct nn_api_route *r, const char *path)
{
	size_t l = strlen(r->path);

	if (strncmp(path, r->path, l))
		return false;
	switch (r->match) {
	case NN_API_EXACT:
		return path[l] == '\0';
	case NN_API_ID:
		return path[l] == '/' && path[l + 1] && !strchr(path + l + 1, '/');
	case NN_API_TREE:
	default:
		return path[l] == '\0' || path[l] == '/';
	}
}

/* find_route() - the first route for @method that takes @path */
static const struct nn_api_route *find_route(const struct nn_api_router *rt, const char *method,
					     const char *path)
{
	for (size_t i = 0; i < rt->nroutes; i++) {
		const struct nn_api_route *r = &rt->routes[i];

		if (!strcmp(r->method, method) && takes(r, path))
			return r;
	}
	return NULL;
}

/* allowed() - the methods of the routes that take @path, "GET, POST", into @buf */
static void allowed(const struct nn_api_router *rt, const char *path, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < rt->nroutes; i++) {
		const struct nn_api_route *r = &rt->routes[i];
		bool dup = false;

		if (!takes(r, path))
			continue;
		for (size_t j = 0; j < i && !dup; j++)
			dup = takes(&rt->routes[j], path) &&
			      !strcmp(rt->routes[j].method, r->method);
		if (!dup && used < size)
			used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
						 r->method);
	}
}

/* status_of() - the HTTP status for a handler's negative errno (api.h) */
static unsigned status_of(int r)
{
	switch (-r) {
	case ENOENT:
		return 404;
	case EINVAL: case EEXIST: case EADDRINUSE: case EACCES: case EPROTONOSUPPORT: case E2BIG:
		return 400;
	default:
		return 500;
	}
}

/*
 * error_answer() - @a becomes @status with {"message": @msg} (an empty body on ENOMEM);
 * @msg may quote a path or a name that is not UTF-8 (nn_json_text())
 */
static void error_answer(struct nn_api_answer *a, unsigned status, const char *msg)
{
	a->status = status;
	a->body = json_pack("{s:o}", "message", nn_json_text(msg));
}

void nn_api_dispatch(const struct nn_api_router *rt, struct nn_nest *n, const char *method,
		     const char *path, const char *body, size_t len, struct nn_api_answer *a)
{
	const struct nn_api_route *r;
	struct nn_err err = { 0 };
	json_t *req = NULL;
	int ret;

	memset(a, 0, sizeof(*a));
	a->status = 200;
	if (len > NN_API_BODY_MAX) {
		snprintf(err.msg, sizeof(err.msg), "request body is larger than %d bytes",
			 NN_API_BODY_MAX);
		error_answer(a, 413, err.msg);
		return;
	}
	r = find_route(rt, method, path);
	if (!r) {
		allowed(rt, path, a->allow, sizeof(a->allow));
		if (!a->allow[0]) {
			snprintf(err.msg, sizeof(err.msg), "no route for %s %s", method, path);
			error_answer(a, 404, err.msg);
			return;
		}
		snprintf(err.msg, sizeof(err.msg), "method %s is not allowed on %s (allowed: %s)",
			 method, path, a->allow);
		error_answer(a, 405, err.msg);
		return;
	}
	if (len && r->body != NN_API_NO_BODY) {
		size_t flags = r->body == NN_API_JSON_FIRST ? JSON_DISABLE_EOF_CHECK : 0;
		json_error_t je;

		req = json_loadb(body, len, flags, &je);
		if (!req) {
			snprintf(err.msg, sizeof(err.msg), "bad JSON in the request body: %s "
				 "(line %d, column %d)", je.text, je.line, je.column);
			error_answer(a, 400, err.msg);
			return;
		}
	}
	ret = r->fn(n, path, req, &a->body, &a->status, &err);
	json_decref(req);
	if (ret < 0) {
		json_decref(a->body);
		error_answer(a, status_of(ret), err.msg);
	}
}

int nn_api_router_init(struct nn_api_router *rt, const struct nn_api_route *const *tables,
		       struct nn_err *err)
{
	rt->nroutes = 0;
	rt->routes[rt->nroutes++] = info_route;
	for (size_t t = 0; tables && tables[t]; t++) {
		for (const struct nn_api_route *r = tables[t]; r->method; r++) {
			if (rt->nroutes == ARRAY_SIZE(rt->routes))
				return nn_err(err, ENOSPC, "add API route %s %s: the table is full "
					      "(%d routes)", r->method, r->path,
					      NN_API_ROUTES_MAX);
			rt->routes[rt->nroutes++] = *r;
		}
	}
	return 0;
}
