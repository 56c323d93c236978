// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * api.c - the control API server on $STATE/api.sock and its route table (see api.h)
 *
 * libmicrohttpd serves a unix socket made here and handed over with MHD_OPTION_LISTEN_SOCKET
 * (libmicrohttpd manual, "Daemon options"), one thread per connection.  Requests are routed
 * by (method, path prefix); the bodies are JSON (jansson).  The /v1/ shapes are RootlessKit's
 * (pkg/api/openapi.yaml, apiVersion 1.1.1; docs/facts-rootlesskit.md#api).
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
#include "out.h"
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

struct nn_api {
	struct MHD_Daemon *mhd;
	struct nn_nest *n;
	struct nn_api_router router;
};

/* One request being read: the body, up to NN_API_BODY_MAX bytes. */
struct req {
	char *body;
	size_t len;
	bool too_big;
};

/*
 * RootlessKit's GET /v1/info: the nest as its API server sees it, in RootlessKit's field
 * order (pkg/api/api.go Info; issue7-spec section 7).  childPID is RootlessKit's child
 * when the nest has one (the rootlesskit verb), else the daemon.  networkDriver is left
 * out when there is no engine (RootlessKit --net=host/none), portDriver when there is no
 * port driver (--port-driver=none), as Go's omitempty leaves out a nil pointer.  The
 * driver names are the ones clients know: "slirp4netns" (moby's `docker version` and
 * rootlessctl print it), "builtin" with all six protos, since rootlesskit-docker-proxy
 * silently skips a port whose proto is not listed.
 */
static int api_info(struct nn_nest *n, const char *path, json_t *body, json_t **resp,
		    unsigned *status, struct nn_err *err)
{
	char dns[INET_ADDRSTRLEN], child[INET_ADDRSTRLEN];
	json_t *o;
	int bad = 0;

	(void)path;
	(void)body;
	(void)status;
	inet_ntop(AF_INET, &n->cfg.dns, dns, sizeof(dns));
	inet_ntop(AF_INET, &n->cfg.tap_ip, child, sizeof(child));
	o = json_pack("{s:s, s:s, s:s, s:i}", "apiVersion", NN_API_VERSION,
		      "version", NETNEST_VERSION, "stateDir", n->cfg.state_dir,
		      "childPID", (int)(n->child_pid ? n->child_pid : getpid()));
	if (o && n->engine_pid)
		bad |= json_object_set_new(o, "networkDriver",
					   json_pack("{s:s, s:[s], s:s}", "driver",
						     n->cfg.engine == NN_ENGINE_PASTA ? "pasta" :
						     "slirp4netns",
						     "dns", dns, "childIP", child));
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

/* the server's own route, before every table given to nn_api_start() */
static const struct nn_api_route info_route = { "GET", "/v1/info", api_info };

/* prefix_of() - is @prefix the path @path or a parent of it? */
static bool prefix_of(const char *prefix, const char *path)
{
	size_t l = strlen(prefix);

	return !strncmp(path, prefix, l) && (path[l] == '\0' || path[l] == '/');
}

/* find_route() - the first route for @method whose prefix is @path or a parent of it */
static const struct nn_api_route *find_route(const struct nn_api_router *rt, const char *method,
					     const char *path)
{
	for (size_t i = 0; i < rt->nroutes; i++) {
		const struct nn_api_route *r = &rt->routes[i];

		if (!strcmp(r->method, method) && prefix_of(r->prefix, path))
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

		if (!prefix_of(r->prefix, path))
			continue;
		for (size_t j = 0; j < i && !dup; j++)
			dup = prefix_of(rt->routes[j].prefix, path) &&
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
		return MHD_HTTP_NOT_FOUND;
	case EINVAL: case EEXIST: case EADDRINUSE: case EACCES: case EPROTONOSUPPORT: case E2BIG:
		return MHD_HTTP_BAD_REQUEST;
	default:
		return MHD_HTTP_INTERNAL_SERVER_ERROR;
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
	a->status = MHD_HTTP_OK;
	if (len > NN_API_BODY_MAX) {
		snprintf(err.msg, sizeof(err.msg), "request body is larger than %d bytes",
			 NN_API_BODY_MAX);
		error_answer(a, MHD_HTTP_CONTENT_TOO_LARGE, err.msg);
		return;
	}
	r = find_route(rt, method, path);
	if (!r) {
		allowed(rt, path, a->allow, sizeof(a->allow));
		if (!a->allow[0]) {
			snprintf(err.msg, sizeof(err.msg), "no route for %s %s", method, path);
			error_answer(a, MHD_HTTP_NOT_FOUND, err.msg);
			return;
		}
		snprintf(err.msg, sizeof(err.msg), "method %s is not allowed on %s (allowed: %s)",
			 method, path, a->allow);
		error_answer(a, MHD_HTTP_METHOD_NOT_ALLOWED, err.msg);
		return;
	}
	if (len) {
		json_error_t je;

		req = json_loadb(body, len, 0, &je);
		if (!req) {
			snprintf(err.msg, sizeof(err.msg), "bad JSON in the request body: %s "
				 "(line %d, column %d)", je.text, je.line, je.column);
			error_answer(a, MHD_HTTP_BAD_REQUEST, err.msg);
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

/* reply() - send @a: its status, its body (taken; none when NULL), its Allow header */
static enum MHD_Result reply(struct MHD_Connection *conn, struct nn_api_answer *a)
{
	char *s = a->body ? json_dumps(a->body, JSON_COMPACT) : NULL;
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (a->body && !s) {
		json_decref(a->body);
		return MHD_NO;
	}
	json_decref(a->body);
	r = mhd.create_response_from_buffer(s ? strlen(s) : 0, s ? s : (char *)"",
					    s ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!r) {
		free(s);
		return MHD_NO;
	}
	if (s)
		mhd.add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	if (a->allow[0])
		mhd.add_response_header(r, MHD_HTTP_HEADER_ALLOW, a->allow);
	ret = mhd.queue_response(conn, a->status, r);
	mhd.destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload, size_t *upload_size, void **con_cls)
{
	struct nn_api *a = cls;
	struct req *q = *con_cls;
	struct nn_api_answer ans;

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
	/* what was dropped is not read: a length over the limit is enough for the 413 */
	nn_api_dispatch(&a->router, a->n, method, url, q->body,
			q->too_big ? NN_API_BODY_MAX + 1 : q->len, &ans);
	return reply(conn, &ans);
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

/* MHD closes the listening socket */
void nn_api_stop(struct nn_nest *n)
{
	struct nn_api *a = n->svc ? n->svc->api : NULL;

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

int nn_api_router_init(struct nn_api_router *rt, const struct nn_api_route *const *tables,
		       struct nn_err *err)
{
	rt->nroutes = 0;
	rt->routes[rt->nroutes++] = info_route;
	for (size_t t = 0; tables && tables[t]; t++) {
		for (const struct nn_api_route *r = tables[t]; r->method; r++) {
			if (rt->nroutes == ARRAY_SIZE(rt->routes))
				return nn_err(err, ENOSPC, "add API route %s %s: the table is full "
					      "(%d routes)", r->method, r->prefix,
					      NN_API_ROUTES_MAX);
			rt->routes[rt->nroutes++] = *r;
		}
	}
	return 0;
}

int nn_api_start(struct nn_nest *n, const struct nn_api_route *const *tables,
		 struct nn_err *err)
{
	struct nn_api *a = calloc(1, sizeof(*a));
	int r;

	if (!a)
		return nn_err(err, ENOMEM, "start the API of nest %s", n->cfg.name);
	a->n = n;
	r = nn_api_router_init(&a->router, tables, err);
	if (r < 0) {
		free(a);
		return r;
	}
	n->svc->api = a;
	r = api_start(n, err);
	if (r < 0) {
		n->svc->api = NULL;
		free(a);
	}
	return r;
}
