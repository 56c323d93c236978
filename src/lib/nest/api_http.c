// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * api_http.c - the control API's HTTP/1.1 server on $STATE/api.sock (see api.h)
 *
 * libevent's evhttp reads the requests and writes the replies on one loop thread, serving
 * the unix socket made here (evhttp_accept_socket_with_handle(), event2/http.h).  evhttp
 * calls its handlers on that thread, and a handler may take seconds (a DELETE of a sandbox
 * waits up to 5 s for it to exit), so the loop only copies each request into a job and
 * hands it to a pool of worker threads that grows while every worker is busy (a worker
 * idle for API_IDLE_S leaves, so an idle daemon has none); a worker answers it with
 * nn_api_dispatch() and queues the answer back, and an eventfd wakes the loop, which
 * sends it.  No request waits behind another, and libevent itself is only ever
 * called from the loop thread, so it needs no locking of its own (evthread_use_pthreads()).
 *
 * libevent links only libc (Debian 12's libevent-2.1-7); it is loaded with dlopen when the
 * daemon starts serving (dl.h), so that the client commands do not load it.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api.h"
#include "dl.h"
#include "mem.h"
#include "util.h"

#define API_SOCK "api.sock"
#define API_THREAD_STACK (256 * 1024)
/*
 * Bodies up to this are read and then answered by nn_api_dispatch() (413 with a message
 * over NN_API_BODY_MAX); evhttp refuses larger ones itself, with its own 413.
 */
#define API_READ_MAX (1024 * 1024)
#define API_TIMEOUT_S 60 /* an idle or stalled connection is closed after this */
#define API_IDLE_S 1     /* a worker idle this long leaves; the last one trims (mem.h) */

/* libevent, loaded when the daemon starts serving (dl.h) */
static struct {
	struct event_base *(*base_new)(void);
	int (*base_dispatch)(struct event_base *b);
	int (*base_loopbreak)(struct event_base *b);
	void (*base_free)(struct event_base *b);
	struct event *(*event_new)(struct event_base *b, evutil_socket_t fd, short what,
				   event_callback_fn cb, void *arg);
	int (*event_add)(struct event *ev, const struct timeval *tv);
	void (*event_free)(struct event *ev);
	struct evhttp *(*http_new)(struct event_base *b);
	void (*http_free)(struct evhttp *h);
	struct evhttp_bound_socket *(*accept_socket)(struct evhttp *h, evutil_socket_t fd);
	void (*set_gencb)(struct evhttp *h, void (*cb)(struct evhttp_request *, void *),
			  void *arg);
	void (*set_timeout)(struct evhttp *h, int secs);
	void (*set_max_body_size)(struct evhttp *h, ev_ssize_t max);
	void (*set_allowed_methods)(struct evhttp *h, ev_uint16_t methods);
	void (*set_default_content_type)(struct evhttp *h, const char *type);
	enum evhttp_cmd_type (*req_command)(const struct evhttp_request *r);
	const struct evhttp_uri *(*req_uri)(const struct evhttp_request *r);
	const char *(*uri_path)(const struct evhttp_uri *u);
	char *(*uridecode)(const char *uri, int decode_plus, size_t *size_out);
	struct evbuffer *(*req_input)(struct evhttp_request *r);
	struct evkeyvalq *(*req_output_headers)(struct evhttp_request *r);
	int (*add_header)(struct evkeyvalq *h, const char *key, const char *value);
	void (*send_reply)(struct evhttp_request *r, int code, const char *reason,
			   struct evbuffer *body);
	struct evbuffer *(*buffer_new)(void);
	void (*buffer_free)(struct evbuffer *b);
	size_t (*buffer_length)(const struct evbuffer *b);
	int (*buffer_remove)(struct evbuffer *b, void *out, size_t len);
	int (*buffer_add)(struct evbuffer *b, const void *data, size_t len);
} ev;

static const char *const ev_names[] = {
	"event_base_new", "event_base_dispatch", "event_base_loopbreak", "event_base_free",
	"event_new", "event_add", "event_free",
	"evhttp_new", "evhttp_free", "evhttp_accept_socket_with_handle", "evhttp_set_gencb",
	"evhttp_set_timeout", "evhttp_set_max_body_size", "evhttp_set_allowed_methods",
	"evhttp_set_default_content_type",
	"evhttp_request_get_command", "evhttp_request_get_evhttp_uri", "evhttp_uri_get_path",
	"evhttp_uridecode", "evhttp_request_get_input_buffer",
	"evhttp_request_get_output_headers", "evhttp_add_header", "evhttp_send_reply",
	"evbuffer_new", "evbuffer_free", "evbuffer_get_length", "evbuffer_remove", "evbuffer_add",
};
_Static_assert(sizeof(ev) == sizeof(ev_names) / sizeof(ev_names[0]) * sizeof(void *),
	       "one name for each of libevent's functions");

/* One request, from the loop to a worker and back. */
struct job {
	struct job *next;
	struct evhttp_request *req; /* evhttp's until the reply; only the loop touches it */
	const char *method;         /* static */
	char *path;                 /* the decoded path, without the query */
	char *body;
	size_t len;                 /* of @body, bytes */
	struct nn_api_answer ans;   /* filled by the worker */
};

struct nn_api {
	struct nn_nest *n;
	struct nn_api_router router;
	struct event_base *base;
	struct evhttp *http;
	struct event *wake;     /* @efd readable: answers are waiting in @done, or @quit */
	int efd;                /* eventfd(2) */
	pthread_t loop;
	bool looping;
	pthread_mutex_t lock;   /* guards everything below */
	pthread_cond_t work;    /* signalled when @todo gets a job, or on @quit */
	struct job *todo, **todo_tail; /* requests waiting for a worker, oldest first */
	size_t ntodo;
	struct job *done;       /* answers waiting for the loop */
	pthread_cond_t gone;    /* signalled when a worker leaves */
	struct worker *zombies; /* workers that left, to be joined */
	size_t nworkers, nidle;
	bool quit;
};

/* A worker thread; it puts itself on @zombies when it leaves, and whoever comes next joins it. */
struct worker {
	pthread_t thread;
	struct worker *next;
	struct nn_api *a;
};

/* method_name() - the name of an evhttp method (event2/http.h enum evhttp_cmd_type) */
static const char *method_name(enum evhttp_cmd_type c)
{
	static const char *const names[] = {
		"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE", "CONNECT", "PATCH",
	};

	for (unsigned i = 0; i < ARRAY_SIZE(names); i++)
		if ((unsigned)c == 1u << i)
			return names[i];
	return "UNKNOWN";
}

static void job_free(struct job *j)
{
	json_decref(j->ans.body);
	free(j->path);
	free(j->body);
	free(j);
}

/* join_zombies() - join the workers that left, with @a->lock held (they are all but gone) */
static void join_zombies(struct nn_api *a)
{
	while (a->zombies) {
		struct worker *w = a->zombies;

		a->zombies = w->next;
		pthread_join(w->thread, NULL);
		free(w);
	}
}

/*
 * a worker: answers jobs until @quit, or until it has waited API_IDLE_S for one; the last
 * worker to leave gives back what the requests mapped (a `run` maps about 1 MB of libc and
 * netnest again, mem.h), so an idle daemon has no worker and is as small as when it started
 */
static void *worker(void *arg)
{
	struct worker *self = arg;
	struct nn_api *a = self->a;
	uint64_t one = 1;
	bool last;

	pthread_setname_np(pthread_self(), "netnest-api"); /* its comm, for ps and the tests */
	pthread_mutex_lock(&a->lock);
	for (;;) {
		struct timespec until;
		struct job *j;
		int r = 0;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += API_IDLE_S;
		while (!a->todo && !a->quit && r != ETIMEDOUT) {
			a->nidle++;
			r = pthread_cond_timedwait(&a->work, &a->lock, &until);
			a->nidle--;
		}
		if (a->quit || !a->todo)
			break;
		j = a->todo;
		a->todo = j->next;
		if (!a->todo)
			a->todo_tail = &a->todo;
		a->ntodo--;
		pthread_mutex_unlock(&a->lock);

		nn_api_dispatch(&a->router, a->n, j->method, j->path, j->body, j->len, &j->ans);

		pthread_mutex_lock(&a->lock);
		j->next = a->done;
		a->done = j;
		if (write(a->efd, &one, sizeof(one)) < 0) {
			/* an eventfd write fails only at its 2^64-1 ceiling: the loop is awake */
		}
	}
	last = a->nworkers == 1 && !a->quit;
	pthread_mutex_unlock(&a->lock);
	if (last)
		nn_mem_trim();
	pthread_mutex_lock(&a->lock);
	a->nworkers--;
	self->next = a->zombies;
	a->zombies = self;
	pthread_cond_broadcast(&a->gone);
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

/* spawn_worker() - one more worker, with @a->lock held; false when none could be made */
static bool spawn_worker(struct nn_api *a)
{
	struct worker *w = calloc(1, sizeof(*w));
	pthread_attr_t attr;
	int r;

	join_zombies(a);
	if (!w)
		return false;
	w->a = a;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, API_THREAD_STACK);
	r = pthread_create(&w->thread, &attr, worker, w);
	pthread_attr_destroy(&attr);
	if (r) {
		free(w);
		return false;
	}
	a->nworkers++;
	return true;
}

/* send_answer() - send @j's answer (loop thread); @j is freed */
static void send_answer(struct job *j)
{

	struct evbuffer *b = ev.buffer_new();
	char *s = j->ans.body ? json_dumps(j->ans.body, JSON_COMPACT) : NULL;
	struct evkeyvalq *h = ev.req_output_headers(j->req);
	unsigned status = j->ans.status;

	if ((j->ans.body && !s) || !b || (s && ev.buffer_add(b, s, strlen(s)) < 0)) {
		status = 500; /* out of memory: an empty 500 rather than half a body */
		if (b)
			ev.buffer_free(b);
		b = NULL;
	} else if (s) {
		ev.add_header(h, "Content-Type", "application/json");
	}
	if (j->ans.allow[0])
		ev.add_header(h, "Allow", j->ans.allow);
	/* with a NULL reason evhttp sends the standard phrase of @status */
	ev.send_reply(j->req, (int)status, NULL, b);
	if (b)
		ev.buffer_free(b);
	free(s);
	job_free(j);
}

/* the loop's wake-up: send every answer the workers queued, or stop the loop on @quit */
static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct nn_api *a = arg;
	struct job *done, *rev = NULL;
	uint64_t v;
	bool quit;

	(void)what;
	if (read(fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: another wake-up read it first */
	}
	pthread_mutex_lock(&a->lock);
	done = a->done;
	a->done = NULL;
	quit = a->quit;
	pthread_mutex_unlock(&a->lock);
	while (done) { /* oldest first */
		struct job *next = done->next;

		done->next = rev;
		rev = done;
		done = next;
	}
	while (rev) {
		struct job *next = rev->next;

		send_answer(rev);
		rev = next;
	}
	if (quit)
		ev.base_loopbreak(a->base);
}

/* refuse() - answer @req at once (loop thread) with @status and an empty body */
static void refuse(struct evhttp_request *req, int status)
{
	ev.send_reply(req, status, NULL, NULL);
}

/* evhttp's request callback (loop thread): the request becomes a job for a worker */
static void on_request(struct evhttp_request *req, void *arg)
{
	struct nn_api *a = arg;
	const struct evhttp_uri *uri = ev.req_uri(req);
	const char *path = uri ? ev.uri_path(uri) : NULL;
	struct evbuffer *in = ev.req_input(req);
	struct job *j = calloc(1, sizeof(*j));

	if (!j)
		return refuse(req, 500);
	j->req = req;
	j->method = method_name(ev.req_command(req));
	j->path = ev.uridecode(path ? path : "", 0, NULL);
	j->len = ev.buffer_length(in);
	if (j->len && j->len <= NN_API_BODY_MAX) {
		j->body = malloc(j->len);
		if (j->body)
			ev.buffer_remove(in, j->body, j->len);
	} else if (j->len) {
		j->len = NN_API_BODY_MAX + 1; /* not read: over the limit is enough for the 413 */
	}
	if (!j->path || (j->len && j->len <= NN_API_BODY_MAX && !j->body)) {
		job_free(j);
		return refuse(req, 500);
	}
	pthread_mutex_lock(&a->lock);
	*a->todo_tail = j;
	a->todo_tail = &j->next;
	a->ntodo++;
	if (a->nidle < a->ntodo && !spawn_worker(a) && !a->nworkers) {
		/* no thread at all to answer it */
		a->todo = NULL;
		a->todo_tail = &a->todo;
		a->ntodo = 0;
		pthread_mutex_unlock(&a->lock);
		job_free(j);
		return refuse(req, 500);
	}
	pthread_cond_signal(&a->work);
	pthread_mutex_unlock(&a->lock);
}

static void *loop(void *arg)
{
	struct nn_api *a = arg;

	ev.base_dispatch(a->base);
	return NULL;
}

/*
 * listen_unix() - a listening unix socket at $STATE/api.sock, mode 0600: bound, chmod()ed,
 * and only then listening, so nobody connects before the mode is set (unix(7)).  It is
 * non-blocking, as evhttp's listener wants it (event2/listener.h evconnlistener_new()).
 */
static int listen_unix(struct nn_nest *n, struct nn_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;

	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", n->cfg.state_dir, API_SOCK) >=
	    (int)sizeof(sa.sun_path))
		return nn_err(err, ENAMETOOLONG, "create %s/%s", n->cfg.state_dir, API_SOCK);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
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

/* free_server() - everything of @a but the socket file; the loop and workers are ended */
static void free_server(struct nn_api *a)
{
	if (a->http)
		ev.http_free(a->http); /* closes the listening socket and every connection */
	if (a->wake)
		ev.event_free(a->wake);
	if (a->base)
		ev.base_free(a->base);
	if (a->efd >= 0)
		close(a->efd);
	while (a->todo) {
		struct job *j = a->todo;

		a->todo = j->next;
		job_free(j);
	}
	while (a->done) {
		struct job *j = a->done;

		a->done = j->next;
		job_free(j);
	}
	pthread_cond_destroy(&a->gone);
	pthread_cond_destroy(&a->work);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

void nn_api_stop(struct nn_nest *n)
{
	struct nn_api *a = n->svc ? n->svc->api : NULL;
	uint64_t one = 1;

	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	a->quit = true;
	pthread_cond_broadcast(&a->work);
	pthread_mutex_unlock(&a->lock);
	if (a->looping) {
		if (write(a->efd, &one, sizeof(one)) < 0) {
			/* only at the eventfd's ceiling, when the loop is awake anyway */
		}
		pthread_join(a->loop, NULL);
	}
	pthread_mutex_lock(&a->lock);
	while (a->nworkers)
		pthread_cond_wait(&a->gone, &a->lock);
	join_zombies(a);
	pthread_mutex_unlock(&a->lock);
	free_server(a);
	unlinkat(n->state_fd, API_SOCK, 0);
	n->svc->api = NULL;
}

/* the evhttp methods: all it knows, so that nn_api_dispatch() answers 404 or 405 itself */
#define API_METHODS                                                                      \
	(EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |            \
	 EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT | \
	 EVHTTP_REQ_PATCH)

/* api_serve() - the loop, evhttp on @fd (taken) and its thread */
static int api_serve(struct nn_api *a, int fd, struct nn_err *err)
{
	const char *sock = API_SOCK;
	pthread_attr_t attr;
	int r;

	a->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (a->efd < 0) {
		close(fd);
		return nn_err(err, errno, "serve %s: eventfd", sock);
	}
	a->base = ev.base_new();
	a->http = a->base ? ev.http_new(a->base) : NULL;
	if (!a->http || !ev.accept_socket(a->http, fd)) {
		close(fd);
		return nn_err(err, ENOMEM, "serve %s: start libevent's HTTP server", sock);
	}
	a->wake = ev.event_new(a->base, a->efd, EV_READ | EV_PERSIST, on_wake, a);
	if (!a->wake || ev.event_add(a->wake, NULL) < 0)
		return nn_err(err, ENOMEM, "serve %s: start libevent's HTTP server", sock);
	ev.set_gencb(a->http, on_request, a);
	ev.set_timeout(a->http, API_TIMEOUT_S);
	ev.set_max_body_size(a->http, API_READ_MAX);
	ev.set_allowed_methods(a->http, API_METHODS);
	ev.set_default_content_type(a->http, NULL); /* no Content-Type on an empty body */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, API_THREAD_STACK);
	r = pthread_create(&a->loop, &attr, loop, a);
	pthread_attr_destroy(&attr);
	if (r)
		return nn_err(err, r, "serve %s: start its thread", sock);
	a->looping = true;
	return 0;
}

int nn_api_start(struct nn_nest *n, const struct nn_api_route *const *tables,
		 struct nn_err *err)
{
	struct nn_api *a = calloc(1, sizeof(*a));
	int fd, r;

	if (!a)
		return nn_err(err, ENOMEM, "start the API of nest %s", n->cfg.name);
	a->n = n;
	a->efd = -1;
	a->todo_tail = &a->todo;
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->work, NULL);
	pthread_cond_init(&a->gone, NULL);
	r = nn_api_router_init(&a->router, tables, err);
	if (r < 0)
		goto fail;
	if (!ev.base_new) {
		r = nn_dl_load("libevent-2.1.so.7", ev_names, (void **)&ev, ARRAY_SIZE(ev_names),
			       NULL, err);
		if (r < 0) {
			nn_err_wrap(err, "serve %s/%s", n->cfg.state_dir, API_SOCK);
			goto fail;
		}
	}
	fd = listen_unix(n, err);
	if (fd < 0) {
		r = fd;
		goto fail;
	}
	r = api_serve(a, fd, err);
	if (r < 0) {
		unlinkat(n->state_fd, API_SOCK, 0);
		goto fail;
	}
	n->svc->api = a;
	return 0;
fail:
	free_server(a);
	return r;
}
