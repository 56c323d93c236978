// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * portfwd.c - the port driver (see portfwd.h): the table of published ports and their
 * host sockets; the data paths are portfwd_tcp.c and portfwd_udp.c (portfwd_internal.h).
 * Every thread of the driver runs on a 64 KiB stack (plus the process's static TLS).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <link.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "portfwd_internal.h"
#include "util.h"

#define THREAD_STACK (64 * 1024) /* usable stack of each thread, bytes */

struct nn_ports {
	pthread_mutex_t lock;
	struct port *list;
	int next_id;
	struct nn_pf_tcp *tcp; /* the TCP loops, from the first TCP port on */
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

int nn_pf_start_thread(pthread_t *t, void *(*fn)(void *), void *arg, bool detached)
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

int nn_ports_privileged(unsigned port, struct nn_err *err)
{
	return nn_errx(err, EACCES,
		       "cannot expose privileged port %u: it is below "
		       "net.ipv4.ip_unprivileged_port_start (%ld): binding it needs privileges; "
		       "lower the sysctl or use a higher port",
		       port, unpriv_port_start());
}

/* port_name() - "host port P" for TCP (the words the tests and docs know), "P/udp" else */
static const char *port_name(const struct nn_portspec *s, char buf[32])
{
	snprintf(buf, 32, "host port %u%s", s->parent_port, nn_portspec_is_udp(s) ? "/udp" : "");
	return buf;
}

/* addr_text() - "127.0.0.1:P", "[::1]:P" of address @ip and port @port, for messages */
static const char *addr_text(const char *ip, unsigned port, char buf[80])
{
	bool v6 = strchr(ip, ':') != NULL;

	snprintf(buf, 80, "%s%s%s:%u", v6 ? "[" : "", ip, v6 ? "]" : "", port);
	return buf;
}

/* host_text() - "127.0.0.1:P", "[::1]:P", "[::]:P": the host address of @s as listed */
static const char *host_text(const struct nn_portspec *s, char buf[80])
{
	const char *ip = s->parent_ip;

	if (!*ip)
		ip = nn_portspec_families(s) == NN_PORT_V6 ? "::" : "0.0.0.0";
	return addr_text(ip, s->parent_port, buf);
}

/*
 * host_socket() - the socket of @s in the host netns (the calling thread's), bound: for
 * plain tcp/udp on a wildcard one dual-stack [::] socket (IPV6_V6ONLY=0; 0.0.0.0 when the
 * host has no IPv6), for an IPv6 address or tcp6/udp6 an IPV6_V6ONLY=1 one, so that
 * tcp4 0.0.0.0:P and tcp6 :::P coexist (ipv6(7); Go's net.Listen does the same for
 * RootlessKit).  The UDP socket also asks for the destination address of each datagram
 * (IP_PKTINFO, IPV6_RECVPKTINFO), which its replies then come from.  EACCES is explained
 * with the sysctl (ip(7), "ip_unprivileged_port_start"; RootlessKit docs/port.md gives the
 * same hint).
 */
static int host_socket(const struct nn_portspec *s, struct nn_err *err)
{
	bool udp = nn_portspec_is_udp(s), dual;
	unsigned fam = nn_portspec_families(s);
	const char *ip = nn_portspec_host_ip(s);
	struct sockaddr_storage ss;
	_cleanup_close_ int fd = -1;
	char name[32], text[80];
	socklen_t len;
	int one = 1, zero = 0;

	dual = fam == (NN_PORT_V4 | NN_PORT_V6);
	if (dual || !*ip)
		ip = fam & NN_PORT_V6 ? "::" : "0.0.0.0";
	len = nn_pf_sockaddr(ip, s->parent_port, &ss);
	if (!len)
		return nn_errx(err, EINVAL, "host address \"%s\" is not an IP address", ip);
	fd = socket(ss.ss_family, (udp ? SOCK_DGRAM | SOCK_NONBLOCK : SOCK_STREAM) |
		    SOCK_CLOEXEC, 0);
	if (fd < 0 && dual && errno == EAFNOSUPPORT) {
		ip = "0.0.0.0";
		len = nn_pf_sockaddr(ip, s->parent_port, &ss);
		fd = socket(AF_INET, (udp ? SOCK_DGRAM | SOCK_NONBLOCK : SOCK_STREAM) |
			    SOCK_CLOEXEC, 0);
	}
	if (fd < 0)
		return nn_err(err, errno, "create a socket for %s", port_name(s, name));
	if (ss.ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, dual ? &zero : &one, sizeof(one)) < 0)
		return nn_err(err, errno, "set IPV6_V6ONLY on %s", port_name(s, name));
	/* SO_REUSEADDR on UDP would let a second socket bind the same port: TCP only */
	if (!udp)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	else if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	else
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		int e = errno;

		if (e == EADDRINUSE) /* the address bound, as RootlessKit's "listen tcp ADDR:P" */
			return nn_errx(err, EADDRINUSE, "%s is already in use: bind %s: another "
				       "socket is bound to it", port_name(s, name),
				       addr_text(ip, s->parent_port, text));
		if (e == EACCES)
			return nn_ports_privileged(s->parent_port, err);
		if (e == EADDRNOTAVAIL)
			return nn_err(err, e, "listen on host address %s", ip);
		return nn_err(err, e, "bind host %s port %u", ip, s->parent_port);
	}
	return steal_fd(&fd);
}

socklen_t nn_pf_sockaddr(const char *ip, uint16_t port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		return sizeof(*s4);
	}
	if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		return sizeof(*s6);
	}
	return 0;
}

const struct sockaddr_storage *nn_pf_target(const struct port *p,
					    const struct sockaddr_storage *client, bool v4,
					    socklen_t *len)
{
	const struct sockaddr_in6 *c6 = (const struct sockaddr_in6 *)client;

	if (!v4 && p->target6_len && client && client->ss_family == AF_INET6 &&
	    !IN6_IS_ADDR_V4MAPPED(&c6->sin6_addr)) {
		*len = p->target6_len;
		return &p->target6;
	}
	*len = p->target_len;
	return &p->target;
}

int nn_pf_connect(const struct port *p, const struct sockaddr_storage *client,
		  socklen_t client_len, int type, bool v4, bool *on6)
{
	socklen_t len;
	const struct sockaddr_storage *t = nn_pf_target(p, client, v4, &len);
	int fd = nn_pf_target_socket(p, type | SOCK_CLOEXEC, t, len,
				     (const struct sockaddr *)client, client_len, NULL);
	int e;

	*on6 = t == &p->target6;
	if (fd < 0 || connect(fd, (const struct sockaddr *)t, len) == 0)
		return fd;
	e = errno;
	close(fd);
	return -e;
}

/* port_free() - stop @p's thread, end its connections or flows, free it (off the list) */
static void port_free(struct port *p)
{
	if (nn_portspec_is_udp(&p->spec))
		nn_pf_udp_stop(p);
	else
		nn_pf_tcp_stop(p);
	close(p->host_fd);
	close(p->nest_netns);
	free(p);
}

/* conflict() - the oldest published port @spec would share a host socket with, or NULL */
static struct port *conflict(struct nn_ports *ps, const struct nn_portspec *spec)
{
	struct port *found = NULL;

	for (struct port *q = ps->list; q; q = q->next)
		if (nn_portspec_conflicts(&q->spec, spec) && (!found || q->id < found->id))
			found = q;
	return found;
}

int nn_ports_add(struct nn_nest *n, const struct nn_portspec *spec, const char *owner, int *id,
		 struct nn_err *err)
{
	struct nn_ports *ps = ports_of(n);
	char name[32], host[80];
	struct port *p, *q;
	int r;

	if (!ps)
		return nn_err(err, ENOTCONN, "publish host port %u: the port driver is not running",
			      spec->parent_port);
	if (!n->cfg.port_driver)
		return nn_errx(err, EPROTONOSUPPORT, "no PortDriver is available");
	p = calloc(1, sizeof(*p));
	if (!p)
		return nn_err(err, ENOMEM, "publish host port %u", spec->parent_port);
	p->spec = *spec;
	snprintf(p->owner, sizeof(p->owner), "%s", owner ? owner : "");
	p->nest_netns = -1;
	p->host_fd = -1;
	p->wake_fd = -1;
	p->target_len = nn_pf_sockaddr(nn_portspec_child_ip(spec), spec->child_port, &p->target);
	if (!p->target_len) {
		r = nn_errx(err, EINVAL, "child address \"%s\" is not an IP address",
			    nn_portspec_child_ip(spec));
		goto fail_unlocked;
	}
	if (*spec->child_ip6) {
		p->target6_len = nn_pf_sockaddr(spec->child_ip6, spec->child_port, &p->target6);
		if (p->target6.ss_family != AF_INET6) {
			r = nn_errx(err, EINVAL, "child address \"%s\" is not an IPv6 address",
				    spec->child_ip6);
			goto fail_unlocked;
		}
	}

	pthread_mutex_lock(&ps->lock);
	q = conflict(ps, spec);
	if (q) {
		r = nn_errx(err, EADDRINUSE, "%s is already in use: it conflicts with published "
			    "port %d (%s %s)", port_name(spec, name), q->id, q->spec.proto,
			    host_text(&q->spec, host));
		goto fail;
	}
	r = in_host_netns(n, err);
	if (r < 0)
		goto fail;
	p->keep_source = n->cfg.keep_source;
	p->nest_netns = fcntl(n->nest_netns, F_DUPFD_CLOEXEC, 0);
	if (p->nest_netns < 0) {
		r = nn_err(err, errno, "publish %s: dup the nest netns fd", port_name(spec, name));
		goto fail;
	}
	r = host_socket(spec, err);
	if (r < 0)
		goto fail;
	p->host_fd = r;
	r = nn_portspec_is_udp(spec) ? nn_pf_udp_start(p, err) : nn_pf_tcp_start(&ps->tcp, p, err);
	if (r < 0)
		goto fail;
	p->id = ps->next_id++;
	p->next = ps->list;
	ps->list = p;
	*id = p->id;
	pthread_mutex_unlock(&ps->lock);
	return 0;
fail:
	pthread_mutex_unlock(&ps->lock);
fail_unlocked:
	if (p->host_fd >= 0)
		close(p->host_fd);
	if (p->nest_netns >= 0)
		close(p->nest_netns);
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
	nn_pf_tcp_end(ps->tcp);
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
		if (*v[i]->spec.child_ip6)
			json_object_set_new(o, "child_ip6", json_string(v[i]->spec.child_ip6));
		json_array_append_new(arr, o);
	}
	pthread_mutex_unlock(&ps->lock);
	return arr;
}
