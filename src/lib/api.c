// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * api.c - the control API server on $STATE/api.sock, and the nest's services (see api.h)
 *
 * libmicrohttpd serves a unix socket made here and handed over with MHD_OPTION_LISTEN_SOCKET
 * (libmicrohttpd manual, "Daemon options"), one thread per connection.  Requests are routed
 * by (method, path prefix); the bodies are JSON (jansson).  The /v1/ shapes are RootlessKit's
 * (pkg/api/openapi.yaml, apiVersion 1.1.1; reference/rootlesskit.md section 4).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <microhttpd.h>

#include "api.h"
#include "dl.h"
#include "portfwd.h"
#include "sandbox.h"
#include "state.h"
#include "util.h"

/*
 * libmicrohttpd, loaded by the daemon when it starts serving (dl.h): linked at exec it made
 * every netnest command load it and GnuTLS.
 */
static struct {
	struct MHD_Daemon *(*start_daemon)(unsigned flags, uint16_t port, MHD_AcceptPolicyCallback apc,
					   void *apc_cls, MHD_AccessHandlerCallback dh,
					   void *dh_cls, ...);
	void (*stop_daemon)(struct MHD_Daemon *d);
	struct MHD_Response *(*create_response_from_buffer)(size_t size, void *buffer,
							     enum MHD_ResponseMemoryMode mode);
	enum MHD_Result (*add_response_header)(struct MHD_Response *r, const char *header,
					       const char *content);
	enum MHD_Result (*queue_response)(struct MHD_Connection *c, unsigned int status,
					  struct MHD_Response *r);
	void (*destroy_response)(struct MHD_Response *r);
} mhd;

static const char *const mhd_names[] = {
	"MHD_start_daemon", "MHD_stop_daemon", "MHD_create_response_from_buffer",
	"MHD_add_response_header", "MHD_queue_response", "MHD_destroy_response",
};

#define API_SOCK "api.sock"
#define API_THREAD_STACK (256 * 1024)

struct route {
	const char *method;
	const char *prefix;
	nn_api_handler fn;
};

struct nn_api {
	struct MHD_Daemon *mhd;
	struct nn_nest *n;
	struct route routes[NN_API_ROUTES_MAX];
	size_t nroutes;
};

/* One request being read: the body, up to NN_API_BODY_MAX bytes. */
struct req {
	char *body;
	size_t len;
	bool too_big;
};

/* --- RootlessKit's /v1/ handlers --- */

static int api_info(struct nn_nest *n, const char *path, json_t *body, json_t **resp,
		    unsigned *status, struct nn_err *err)
{
	char dns[INET_ADDRSTRLEN], child[INET_ADDRSTRLEN];

	(void)path;
	(void)body;
	(void)status;
	inet_ntop(AF_INET, &n->cfg.dns, dns, sizeof(dns));
	inet_ntop(AF_INET, &n->cfg.tap_ip, child, sizeof(child));
	*resp = json_pack("{s:s, s:s, s:s, s:i, s:{s:s, s:[s], s:s}, s:{s:s, s:[s], s:b}}",
			  "apiVersion", NN_API_VERSION,
			  "version", NETNEST_VERSION,
			  "stateDir", n->cfg.state_dir,
			  "childPID", (int)getpid(),
			  "networkDriver", "driver", "netnest-slirp", "dns", dns, "childIP", child,
			  "portDriver", "driver", "builtin", "protos", "tcp",
			  "disallowLoopbackChildIP", 0);
	return *resp ? 0 : nn_err(err, ENOMEM, "GET /v1/info");
}

static int api_ports_list(struct nn_nest *n, const char *path, json_t *body, json_t **resp,
			  unsigned *status, struct nn_err *err)
{
	(void)body;
	(void)status;
	if (strcmp(path, "/v1/ports"))
		return nn_err(err, ENOENT, "GET %s", path);
	*resp = nn_ports_list(n);
	return *resp ? 0 : nn_err(err, ENOMEM, "GET /v1/ports");
}

static int api_ports_add(struct nn_nest *n, const char *path, json_t *body, json_t **resp,
			 unsigned *status, struct nn_err *err)
{
	struct nn_portspec spec;
	const char *owner, *why;
	int id, r;

	if (strcmp(path, "/v1/ports"))
		return nn_err(err, ENOENT, "POST %s", path);
	r = nn_portspec_from_json(body, &spec, err);
	if (r < 0)
		return r;
	/* netnest's extension: "sandbox" names the owner; the port goes when it goes */
	owner = json_string_value(json_object_get(body, "sandbox"));
	if (owner && !nn_valid_name(owner, NN_NAME_MAX, &why))
		return nn_errx(err, EINVAL, "sandbox name \"%s\" %s", owner, why);
	/* a sandbox's port is added under the sandbox lock, so it cannot outlive it */
	r = owner ? nn_sandbox_publish(n, owner, &spec, &id, err)
		  : nn_ports_add(n, &spec, NULL, &id, err);
	if (r < 0)
		return r;
	*resp = json_pack("{s:i, s:o}", "id", id, "spec", nn_portspec_to_json(&spec));
	if (*resp && owner)
		json_object_set_new(*resp, "sandbox", json_string(owner));
	*status = 201; /* RootlessKit pkg/api/router: http.StatusCreated */
	return 0;
}

static int api_ports_remove(struct nn_nest *n, const char *path, json_t *body, json_t **resp,
			    unsigned *status, struct nn_err *err)
{
	const char *s = path + strlen("/v1/ports");
	unsigned long id;

	(void)body;
	(void)resp;
	(void)status;
	if (*s != '/' || nn_parse_uint(s + 1, 1, INT32_MAX, &id) < 0)
		return nn_errx(err, EINVAL, "bad port id \"%s\"", *s ? s + 1 : "");
	return nn_sandbox_unpublish(n, (int)id, err);
}

/* RootlessKit's routes; nn_api_route_add() appends the rest (sandbox.c adds /netnest/v1/). */
static const struct route builtin_routes[] = {
	{ "GET",    "/v1/info",  api_info },
	{ "GET",    "/v1/ports", api_ports_list },
	{ "POST",   "/v1/ports", api_ports_add },
	{ "DELETE", "/v1/ports", api_ports_remove },
};

int nn_api_route_add(struct nn_nest *n, const char *method, const char *prefix,
		     nn_api_handler fn, struct nn_err *err)
{
	struct nn_api *a = n->svc ? n->svc->api : NULL;

	if (!a)
		return nn_err(err, ENOTCONN, "add API route %s %s: the API is not set up", method,
			      prefix);
	if (a->nroutes == ARRAY_SIZE(a->routes))
		return nn_err(err, ENOSPC, "add API route %s %s: the table is full (%d routes)",
			      method, prefix, NN_API_ROUTES_MAX);
	a->routes[a->nroutes++] = (struct route){ method, prefix, fn };
	return 0;
}

/* find_route() - the first route for @method whose prefix is @path or a parent of it */
static const struct route *find_route(const struct nn_api *a, const char *method,
				      const char *path)
{
	for (size_t i = 0; i < a->nroutes; i++) {
		const struct route *r = &a->routes[i];
		size_t l = strlen(r->prefix);

		if (!strcmp(r->method, method) && !strncmp(path, r->prefix, l) &&
		    (path[l] == '\0' || path[l] == '/'))
			return r;
	}
	return NULL;
}

/* status_of() - the HTTP status for a handler's negative errno (api.h) */
static unsigned status_of(int r)
{
	switch (-r) {
	case ENOENT:
		return MHD_HTTP_NOT_FOUND;
	case EINVAL: case EEXIST: case EADDRINUSE: case EACCES: case EPROTONOSUPPORT: case E2BIG:
		return MHD_HTTP_BAD_REQUEST;
	default:
		return MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
}

/* reply() - send @j (stolen; NULL for an empty body) with @status */
static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	struct MHD_Response *r;
	enum MHD_Result ret;

	json_decref(j);
	if (j && !s)
		return MHD_NO;
	r = mhd.create_response_from_buffer(s ? strlen(s) : 0, s ? s : (char *)"",
					    s ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!r) {
		free(s);
		return MHD_NO;
	}
	if (s)
		mhd.add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	ret = mhd.queue_response(conn, status, r);
	mhd.destroy_response(r);
	return ret;
}

static enum MHD_Result reply_error(struct MHD_Connection *conn, unsigned status, const char *msg)
{
	return reply(conn, status, json_pack("{s:s}", "message", msg));
}

/* dispatch() - route a whole request and answer it */
static enum MHD_Result dispatch(struct nn_api *a, struct MHD_Connection *conn, const char *method,
				const char *path, struct req *q)
{
	const struct route *rt;
	struct nn_err err = { 0 };
	json_t *body = NULL, *resp = NULL;
	unsigned status = MHD_HTTP_OK;
	int r;

	if (q->too_big) {
		snprintf(err.msg, sizeof(err.msg), "request body is larger than %d bytes",
			 NN_API_BODY_MAX);
		return reply_error(conn, MHD_HTTP_CONTENT_TOO_LARGE, err.msg);
	}
	rt = find_route(a, method, path);
	if (!rt) {
		snprintf(err.msg, sizeof(err.msg), "no route for %s %s", method, path);
		return reply_error(conn, MHD_HTTP_NOT_FOUND, err.msg);
	}
	if (q->len) {
		json_error_t je;

		body = json_loadb(q->body, q->len, 0, &je);
		if (!body) {
			snprintf(err.msg, sizeof(err.msg), "bad JSON in the request body: %s "
				 "(line %d, column %d)", je.text, je.line, je.column);
			return reply_error(conn, MHD_HTTP_BAD_REQUEST, err.msg);
		}
	}
	r = rt->fn(a->n, path, body, &resp, &status, &err);
	json_decref(body);
	if (r < 0) {
		json_decref(resp);
		return reply_error(conn, status_of(r), err.msg);
	}
	return reply(conn, status, resp);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload, size_t *upload_size, void **con_cls)
{
	struct req *q = *con_cls;

	(void)version;
	if (!q) {
		q = calloc(1, sizeof(*q));
		if (!q)
			return MHD_NO;
		*con_cls = q;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!q->too_big && q->len + *upload_size <= NN_API_BODY_MAX) {
			char *nb = realloc(q->body, q->len + *upload_size);

			if (!nb)
				return MHD_NO;
			memcpy(nb + q->len, upload, *upload_size);
			q->body = nb;
			q->len += *upload_size;
		} else {
			q->too_big = true;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	return dispatch(cls, conn, method, url, q);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode why)
{
	struct req *q = *con_cls;

	(void)cls;
	(void)conn;
	(void)why;
	if (q) {
		free(q->body);
		free(q);
		*con_cls = NULL;
	}
}

/*
 * listen_unix() - a listening unix socket at $STATE/api.sock, mode 0600: bound, chmod()ed,
 * and only then listening, so nobody connects before the mode is set (unix(7)).
 */
static int listen_unix(struct nn_nest *n, struct nn_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;

	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", n->cfg.state_dir, API_SOCK) >=
	    (int)sizeof(sa.sun_path))
		return nn_err(err, ENAMETOOLONG, "create %s/%s", n->cfg.state_dir, API_SOCK);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return nn_err(err, errno, "create %s", sa.sun_path);
	unlink(sa.sun_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return nn_err(err, errno, "bind %s", sa.sun_path);
	if (chmod(sa.sun_path, 0600) < 0 || listen(fd, 64) < 0) {
		int e = errno;

		unlink(sa.sun_path);
		return nn_err(err, e, "listen on %s", sa.sun_path);
	}
	return steal_fd(&fd);
}

/* api_stop() - stop serving and remove api.sock; MHD closes the listening socket */
static void api_stop(struct nn_nest *n)
{
	struct nn_api *a = n->svc->api;

	if (!a)
		return;
	if (a->mhd)
		mhd.stop_daemon(a->mhd);
	unlinkat(n->state_fd, API_SOCK, 0);
	free(a);
	n->svc->api = NULL;
}

static int api_start(struct nn_nest *n, struct nn_err *err)
{
	struct nn_api *a = n->svc->api;
	int fd = listen_unix(n, err);

	if (fd < 0)
		return fd;
	if (!mhd.start_daemon && nn_dl_load("libmicrohttpd.so.12", mhd_names, (void **)&mhd,
					    ARRAY_SIZE(mhd_names), NULL, err) < 0) {
		close(fd);
		unlinkat(n->state_fd, API_SOCK, 0);
		return nn_err_wrap(err, "serve %s/%s", n->cfg.state_dir, API_SOCK);
	}
	a->mhd = mhd.start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
				  MHD_USE_POLL, 0, NULL, NULL, on_request, a,
				  MHD_OPTION_LISTEN_SOCKET, fd,
				  MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
				  MHD_OPTION_THREAD_STACK_SIZE, (size_t)API_THREAD_STACK,
				  MHD_OPTION_CONNECTION_TIMEOUT, 60u,
				  MHD_OPTION_END);
	if (!a->mhd) {
		close(fd);
		unlinkat(n->state_fd, API_SOCK, 0);
		return nn_err(err, EIO, "serve %s/%s: MHD_start_daemon failed", n->cfg.state_dir,
			      API_SOCK);
	}
	return 0;
}

int nn_services_start(struct nn_nest *n, struct nn_err *err)
{
	struct nn_api *a;
	int r;

	n->svc = calloc(1, sizeof(*n->svc));
	a = calloc(1, sizeof(*a));
	if (!n->svc || !a) {
		free(a);
		free(n->svc);
		n->svc = NULL;
		return nn_err(err, ENOMEM, "start the nest's services");
	}
	/* splice(2) into a socket the peer closed raises SIGPIPE (it has no MSG_NOSIGNAL) */
	signal(SIGPIPE, SIG_IGN);
	a->n = n;
	memcpy(a->routes, builtin_routes, sizeof(builtin_routes));
	a->nroutes = ARRAY_SIZE(builtin_routes);
	n->svc->api = a;
	r = nn_ports_init(n, err);
	if (r < 0)
		goto fail;
	r = nn_sandboxes_init(n, err);
	if (r < 0)
		goto fail_ports;
	r = api_start(n, err);
	if (r < 0)
		goto fail_sandboxes;
	return 0;
fail_sandboxes:
	nn_sandboxes_stop_all(n);
fail_ports:
	nn_ports_stop(n);
fail:
	api_stop(n);
	free(n->svc);
	n->svc = NULL;
	return r;
}

void nn_services_stop(struct nn_nest *n)
{
	if (!n->svc)
		return;
	api_stop(n);
	nn_sandboxes_stop_all(n);
	nn_ports_stop(n);
	free(n->svc);
	n->svc = NULL;
}
