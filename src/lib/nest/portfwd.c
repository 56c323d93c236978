// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * portfwd.c - the port driver (see portfwd.h)
 *
 * Threads: one acceptor per published port, blocked in accept(2) on a listener in the host
 * netns.  Each accepted connection gets a thread that enters the nest netns (setns(2) only
 * for itself; it never returns to the host netns, which a rootless daemon could not do),
 * dials the target there, and then copies sandbox->client while a second thread copies
 * client->sandbox.  Both copy with splice(2) through a pipe, without a copy to user space.
 * Every thread runs on a 64 KiB stack (plus the process's static TLS).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <link.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "portfwd.h"
#include "util.h"

#define THREAD_STACK (64 * 1024) /* usable stack of each thread, bytes */
#define PIPE_SIZE (1024 * 1024) /* F_SETPIPE_SZ; /proc/sys/fs/pipe-max-size is 1 MiB */

struct conn {
	struct port *port;
	int client;      /* accepted socket, host netns */
	int target;      /* socket dialled in the nest netns, or -1 */
	int done;        /* directions finished, under port->lock */
	struct conn *next;
};

struct port {
	int id;
	struct nn_portspec spec;
	char owner[65];
	int listen_fd;
	int nest_netns;  /* dup of n->nest_netns, for the connection threads */
	pthread_t acceptor;
	pthread_mutex_t lock;
	pthread_cond_t idle; /* signalled when conns becomes empty */
	struct conn *conns;
	bool closing;
	struct port *next;
};

struct nn_ports {
	pthread_mutex_t lock;
	struct port *list;
	int next_id;
};

static struct nn_ports *ports_of(struct nn_nest *n)
{
	return n->svc ? n->svc->ports : NULL;
}

int nn_ports_init(struct nn_nest *n, struct nn_err *err)
{
	struct nn_ports *p = calloc(1, sizeof(*p));

	if (!p)
		return nn_err(err, ENOMEM, "start the port driver");
	pthread_mutex_init(&p->lock, NULL);
	p->next_id = 1;
	n->svc->ports = p;
	return 0;
}

static size_t stack_size;

static int add_tls(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_TLS)
			*(size_t *)data += info->dlpi_phdr[i].p_memsz + info->dlpi_phdr[i].p_align;
	return 0;
}

/*
 * init_stack_size() - THREAD_STACK usable bytes on top of the static TLS blocks, which
 * glibc places in each thread's stack (nptl/allocate_stack.c: a stack smaller than guard +
 * static TLS + a minimum is EINVAL), plus 16 KiB for glibc's own TLS surplus.
 */
static void init_stack_size(void)
{
	size_t tls = 0;

	dl_iterate_phdr(add_tls, &tls);
	stack_size = THREAD_STACK + tls + 16 * 1024;
}

/* start_thread() - a detached or joinable thread on a small stack */
static int start_thread(pthread_t *t, void *(*fn)(void *), void *arg, bool detached)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_attr_t a;
	pthread_t tmp;
	int r;

	pthread_once(&once, init_stack_size);
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, stack_size);
	if (detached)
		pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	r = pthread_create(t ? t : &tmp, &a, fn, arg);
	pthread_attr_destroy(&a);
	return -r;
}

/*
 * conn_finish() - one direction of @c is over; the second one closes both sockets and
 * frees @c.  Also called once for a connection that never got its second thread.
 */
static void conn_finish(struct conn *c, int directions)
{
	struct port *p = c->port;
	bool last;

	pthread_mutex_lock(&p->lock);
	c->done += directions;
	last = c->done == 2;
	if (last) {
		for (struct conn **pp = &p->conns; *pp; pp = &(*pp)->next)
			if (*pp == c) {
				*pp = c->next;
				break;
			}
		if (!p->conns)
			pthread_cond_broadcast(&p->idle);
	}
	pthread_mutex_unlock(&p->lock);
	if (!last)
		return;
	close(c->client);
	if (c->target >= 0)
		close(c->target);
	free(c);
}

/*
 * copy() - move bytes from @in to @out with splice(2) through a pipe until EOF, then
 * half-close @out (shutdown(SHUT_WR)), so the peer sees the EOF while the other direction
 * goes on.  On an error both sockets are shut down, which ends the other direction too.
 */
static void copy(int in, int out)
{
	/* cppcheck-suppress unreadVariable ; the -1s are read by _cleanup_close_ */
	_cleanup_close_ int pr = -1, pw = -1;
	int pfd[2];
	bool ok = false;

	if (pipe2(pfd, O_CLOEXEC) == 0) {
		pr = pfd[0];
		pw = pfd[1];
		fcntl(pw, F_SETPIPE_SZ, PIPE_SIZE); /* best effort: a smaller pipe still works */
		for (;;) {
			ssize_t n = splice(in, NULL, pw, NULL, PIPE_SIZE, SPLICE_F_MOVE);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				ok = n == 0;
				break;
			}
			while (n > 0) {
				/* no SPLICE_F_MORE here: it corks the socket (MSG_MORE), slower */
				ssize_t m = splice(pr, NULL, out, NULL, n, SPLICE_F_MOVE);

				if (m < 0 && errno == EINTR)
					continue;
				if (m <= 0)
					goto out;
				n -= m;
			}
		}
	}
out:
	if (ok) {
		shutdown(out, SHUT_WR);
	} else {
		shutdown(in, SHUT_RDWR);
		shutdown(out, SHUT_RDWR);
	}
}

static void *copy_up(void *arg)
{
	struct conn *c = arg;

	pthread_setname_np(pthread_self(), "nn-port-up");
	copy(c->client, c->target);
	conn_finish(c, 1);
	return NULL;
}

/* dial() - in the nest netns (this thread stays there), connect to the port's target */
static int dial(const struct port *p)
{
	const char *ip = *p->spec.child_ip ? p->spec.child_ip : "127.0.0.1";
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd, e;

	if (setns(p->nest_netns, CLONE_NEWNET) < 0)
		return -1;
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(p->spec.child_port);
		len = sizeof(*s4);
	} else if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(p->spec.child_port);
		len = sizeof(*s6);
	} else {
		return -1;
	}
	/* RootlessKit's builtin driver tries 10 times, i x 5 ms apart: a server that is just
	 * starting gets its first client (pkg/port/builtin/parent/tcp/tcp.go) */
	for (int i = 0; i < 10; i++) {
		struct timespec pause = { 0, i * 5 * 1000 * 1000L };

		nanosleep(&pause, NULL);
		fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&ss, len) == 0)
			return fd;
		e = errno;
		close(fd);
		if (e != ECONNREFUSED)
			break;
	}
	return -1;
}

static void *conn_main(void *arg)
{
	struct conn *c = arg;
	int one = 1, fd;

	pthread_setname_np(pthread_self(), "nn-port-down");
	fd = dial(c->port);
	pthread_mutex_lock(&c->port->lock);
	c->target = fd;
	if (fd >= 0 && c->port->closing)
		shutdown(fd, SHUT_RDWR);
	pthread_mutex_unlock(&c->port->lock);
	if (fd < 0) {
		conn_finish(c, 2); /* refused inside the nest: the client sees its socket close */
		return NULL;
	}
	setsockopt(c->target, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (start_thread(NULL, copy_up, c, true) < 0) {
		conn_finish(c, 2);
		return NULL;
	}
	copy(c->target, c->client);
	conn_finish(c, 1);
	return NULL;
}

static void *acceptor_main(void *arg)
{
	struct port *p = arg;
	char name[16];

	snprintf(name, sizeof(name), "nn-port-%u", p->spec.parent_port);
	pthread_setname_np(pthread_self(), name); /* ps -L shows which port a thread serves */
	for (;;) {
		int fd = accept4(p->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		struct conn *c;
		int one = 1;

		if (fd < 0) {
			int e = errno;

			if (e == EINTR || e == ECONNABORTED || e == EMFILE || e == ENFILE ||
			    e == ENOBUFS || e == ENOMEM) {
				struct timespec pause = { 0, 10 * 1000 * 1000 };
				bool closing;

				pthread_mutex_lock(&p->lock);
				closing = p->closing;
				pthread_mutex_unlock(&p->lock);
				if (closing)
					return NULL;
				if (e != EINTR && e != ECONNABORTED)
					nanosleep(&pause, NULL); /* out of fds or memory: no busy loop */
				continue;
			}
			return NULL; /* the listener was shut down: the port is being removed */
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->port = p;
		c->client = fd;
		c->target = -1;
		pthread_mutex_lock(&p->lock);
		c->next = p->conns;
		p->conns = c;
		pthread_mutex_unlock(&p->lock);
		if (start_thread(NULL, conn_main, c, true) < 0)
			conn_finish(c, 2);
	}
}

/* in_host_netns() - make sure the calling thread is in the host netns, for the listener */
static int in_host_netns(struct nn_nest *n, struct nn_err *err)
{
	struct stat host, self;

	if (fstat(n->host_netns, &host) < 0)
		return nn_err(err, errno, "stat the host netns fd");
	if (stat("/proc/thread-self/ns/net", &self) < 0)
		return nn_err(err, errno, "stat /proc/thread-self/ns/net");
	if (host.st_ino == self.st_ino && host.st_dev == self.st_dev)
		return 0;
	if (setns(n->host_netns, CLONE_NEWNET) < 0)
		return nn_err(err, errno, "publish a port from a thread outside the host netns");
	return 0;
}

/* unpriv_port_start() - net.ipv4.ip_unprivileged_port_start of this netns, or -1 */
static long unpriv_port_start(void)
{
	_cleanup_free_ char *s = NULL;

	if (nn_read_file(AT_FDCWD, "/proc/sys/net/ipv4/ip_unprivileged_port_start", &s, NULL,
			 NULL) < 0)
		return -1;
	return strtol(s, NULL, 10);
}

/*
 * listen_on() - a listening TCP socket on the spec's host address and port, in the calling
 * thread's netns.  EACCES is explained with the sysctl (ip(7), "ip_unprivileged_port_start";
 * RootlessKit docs/port.md gives the same hint).
 */
static int listen_on(const struct nn_portspec *s, struct nn_err *err)
{
	const char *ip = *s->parent_ip ? s->parent_ip : "0.0.0.0";
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	_cleanup_close_ int fd = -1;
	socklen_t len;
	int one = 1;

	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(s->parent_port);
		len = sizeof(*s4);
	} else if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(s->parent_port);
		len = sizeof(*s6);
	} else {
		return nn_errx(err, EINVAL, "host address \"%s\" is not an IP address", ip);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return nn_err(err, errno, "create a listener for host port %u", s->parent_port);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		int e = errno;

		if (e == EADDRINUSE)
			return nn_errx(err, EADDRINUSE, "host port %u is already in use",
				       s->parent_port);
		if (e == EACCES)
			return nn_errx(err, EACCES, "cannot expose privileged port %u: it is below "
				       "net.ipv4.ip_unprivileged_port_start (%ld): binding it "
				       "needs privileges; lower the sysctl or use a higher port",
				       s->parent_port, unpriv_port_start());
		if (e == EADDRNOTAVAIL)
			return nn_err(err, e, "listen on host address %s", ip);
		return nn_err(err, e, "bind host %s port %u", ip, s->parent_port);
	}
	if (listen(fd, SOMAXCONN) < 0)
		return nn_err(err, errno, "listen on host port %u", s->parent_port);
	return steal_fd(&fd);
}

/* port_free() - stop @p's acceptor, end its connections, free it (it is off the list) */
static void port_free(struct port *p)
{
	pthread_mutex_lock(&p->lock);
	p->closing = true;
	pthread_mutex_unlock(&p->lock);
	shutdown(p->listen_fd, SHUT_RDWR); /* wakes accept(2) with EINVAL */
	pthread_join(p->acceptor, NULL);
	close(p->listen_fd);
	pthread_mutex_lock(&p->lock);
	while (p->conns) {
		struct timespec t;

		/* Again every 100 ms: a connection may have dialled since the last round. */
		for (struct conn *c = p->conns; c; c = c->next) {
			shutdown(c->client, SHUT_RDWR);
			if (c->target >= 0)
				shutdown(c->target, SHUT_RDWR);
		}
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += 100 * 1000 * 1000;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&p->idle, &p->lock, &t);
	}
	pthread_mutex_unlock(&p->lock);
	close(p->nest_netns);
	pthread_cond_destroy(&p->idle);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

int nn_ports_add(struct nn_nest *n, const struct nn_portspec *spec, const char *owner, int *id,
		 struct nn_err *err)
{
	struct nn_ports *ps = ports_of(n);
	struct port *p;
	int r;

	if (!ps)
		return nn_err(err, ENOTCONN, "publish host port %u: the port driver is not running",
			      spec->parent_port);
	if (strncmp(spec->proto, "tcp", 3))
		return nn_errx(err, EPROTONOSUPPORT, "publish %s port %u: %s publishing is not "
			       "supported yet", spec->proto, spec->parent_port, spec->proto);
	p = calloc(1, sizeof(*p));
	if (!p)
		return nn_err(err, ENOMEM, "publish host port %u", spec->parent_port);
	p->spec = *spec;
	snprintf(p->owner, sizeof(p->owner), "%s", owner ? owner : "");
	p->nest_netns = -1;
	p->listen_fd = -1;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->idle, NULL);

	pthread_mutex_lock(&ps->lock);
	for (struct port *q = ps->list; q; q = q->next) {
		if (nn_portspec_conflicts(&q->spec, spec)) {
			bool v6 = strchr(q->spec.parent_ip, ':') != NULL;

			r = nn_errx(err, EADDRINUSE, "host port %u is already in use: it conflicts "
				    "with published port %d (%s %s%s%s:%u)", spec->parent_port,
				    q->id, q->spec.proto, v6 ? "[" : "",
				    *q->spec.parent_ip ? q->spec.parent_ip : "0.0.0.0",
				    v6 ? "]" : "", q->spec.parent_port);
			goto fail;
		}
	}
	r = in_host_netns(n, err);
	if (r < 0)
		goto fail;
	p->nest_netns = fcntl(n->nest_netns, F_DUPFD_CLOEXEC, 0);
	if (p->nest_netns < 0) {
		r = nn_err(err, errno, "publish host port %u: dup the nest netns fd",
			   spec->parent_port);
		goto fail;
	}
	r = listen_on(spec, err);
	if (r < 0)
		goto fail;
	p->listen_fd = r;
	r = start_thread(&p->acceptor, acceptor_main, p, false);
	if (r < 0) {
		r = nn_err(err, -r, "publish host port %u: start its thread", spec->parent_port);
		goto fail;
	}
	p->id = ps->next_id++;
	p->next = ps->list;
	ps->list = p;
	*id = p->id;
	pthread_mutex_unlock(&ps->lock);
	return 0;
fail:
	pthread_mutex_unlock(&ps->lock);
	if (p->listen_fd >= 0)
		close(p->listen_fd);
	if (p->nest_netns >= 0)
		close(p->nest_netns);
	pthread_cond_destroy(&p->idle);
	pthread_mutex_destroy(&p->lock);
	free(p);
	return r;
}

/* take() - unlink and return the first port for which @match is true, or NULL */
static struct port *take(struct nn_ports *ps, bool (*match)(struct port *, const void *),
			 const void *arg)
{
	struct port *found = NULL;

	pthread_mutex_lock(&ps->lock);
	for (struct port **pp = &ps->list; *pp; pp = &(*pp)->next) {
		if (match(*pp, arg)) {
			found = *pp;
			*pp = found->next;
			break;
		}
	}
	pthread_mutex_unlock(&ps->lock);
	return found;
}

static bool match_id(struct port *p, const void *arg) { return p->id == *(const int *)arg; }
static bool match_owner(struct port *p, const void *arg) { return !strcmp(p->owner, arg); }
static bool match_any(struct port *p, const void *arg) { (void)p; (void)arg; return true; }

int nn_ports_remove(struct nn_nest *n, int id, struct nn_err *err)
{
	struct nn_ports *ps = ports_of(n);
	struct port *p = ps ? take(ps, match_id, &id) : NULL;

	if (!p)
		return nn_errx(err, ENOENT, "unknown id: %d", id); /* RootlessKit's words */
	port_free(p);
	return 0;
}

void nn_ports_remove_owner(struct nn_nest *n, const char *owner)
{
	struct nn_ports *ps = ports_of(n);
	struct port *p;

	if (!ps || !owner || !*owner)
		return;
	while ((p = take(ps, match_owner, owner)))
		port_free(p);
}

void nn_ports_stop(struct nn_nest *n)
{
	struct nn_ports *ps = ports_of(n);
	struct port *p;

	if (!ps)
		return;
	while ((p = take(ps, match_any, NULL)))
		port_free(p);
	pthread_mutex_destroy(&ps->lock);
	free(ps);
	n->svc->ports = NULL;
}

/* cmp_id() - sort the list by id, as RootlessKit's GET /v1/ports */
static int cmp_id(const void *a, const void *b)
{
	const struct port *x = *(struct port *const *)a, *y = *(struct port *const *)b;

	return x->id - y->id;
}

json_t *nn_ports_list(struct nn_nest *n)
{
	struct nn_ports *ps = ports_of(n);
	_cleanup_free_ struct port **v = NULL;
	json_t *arr = json_array();
	size_t cnt = 0, i = 0;

	if (!arr || !ps)
		return arr;
	pthread_mutex_lock(&ps->lock);
	for (struct port *p = ps->list; p; p = p->next)
		cnt++;
	v = calloc(cnt ? cnt : 1, sizeof(*v));
	if (!v) {
		pthread_mutex_unlock(&ps->lock);
		json_decref(arr);
		return NULL;
	}
	for (struct port *p = ps->list; p; p = p->next)
		v[i++] = p;
	qsort(v, cnt, sizeof(*v), cmp_id);
	for (i = 0; i < cnt; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "id", json_integer(v[i]->id));
		json_object_set_new(o, "spec", nn_portspec_to_json(&v[i]->spec));
		if (*v[i]->owner)
			json_object_set_new(o, "sandbox", json_string(v[i]->owner));
		json_array_append_new(arr, o);
	}
	pthread_mutex_unlock(&ps->lock);
	return arr;
}
