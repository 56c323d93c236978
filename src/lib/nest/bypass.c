// SPDX-License-Identifier: GPL-2.0-or-later
/* bypass.c - the socket bypass: the filter, the serving thread, the record (bypass.h) */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bypass_internal.h"
#include "pidfd.h"
#include "portfwd.h"
#include "util.h"

int nn_bypass_install(struct nn_err *err)
{
	const struct scmp_arg_cmp has_addr = {
		.arg = 4, .op = SCMP_CMP_NE, .datum_a = 0, .datum_b = 0
	};
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int r, fd;

	if (!ctx)
		return nn_err(err, ENOMEM, "bypass: seccomp_init");
	/* the sandbox's own sockets of a foreign ABI take the normal path */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ALLOW);
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(connect), 0);
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(bind), 0);
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(sendmsg), 0);
	if (r == 0) /* sendto(fd, buf, len, flags, addr, addrlen): only with an address */
		r = seccomp_rule_add_array(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(sendto), 1, &has_addr);
	if (r < 0) {
		seccomp_release(ctx);
		return nn_err(err, -r, "bypass: build the seccomp filter (libseccomp %s)",
			      r == -EOPNOTSUPP ? "lacks user notification: 2.5 or later needed" :
						 "refused a rule");
	}
	r = seccomp_load(ctx);
	if (r < 0) {
		seccomp_release(ctx);
		if (r == -EINVAL || r == -EOPNOTSUPP || r == -ENOSYS)
			return nn_err(err, -r,
				      "bypass: the kernel refused a seccomp filter with "
				      "a user-notification listener (kernel 5.9 or later needed)");
		return nn_err(err, -r, "bypass: load the seccomp filter");
	}
	fd = seccomp_notify_fd(ctx);
	seccomp_release(ctx); /* the loaded filter and its listener stay */
	if (fd < 0)
		return nn_err(err, -fd, "bypass: the seccomp listener");
	return fd;
}

static bool v4_keep(const struct nn_nest_config *cfg, struct in_addr a, bool *loopback)
{
	uint32_t h = ntohl(a.s_addr);

	*loopback = false;
	if (h == 0 || (h >> 24) == 127 || (h >> 16) == 0xa9fe /* 169.254/16 */ ||
	    (h >> 28) == 0xe /* 224/4 */ || h == 0xffffffff)
		return true;
	if (nn_cidr_contains(&cfg->subnet, a))
		return true;
	if (nn_cidr_contains(&cfg->cidr, a)) {
		*loopback = a.s_addr == cfg->gateway.s_addr && cfg->allow_host_loopback;
		return !*loopback;
	}
	return false;
}

static bool v6_keep(const struct nn_nest_config *cfg, const struct in6_addr *a, bool *loopback)
{
	*loopback = false;
	if (!cfg->ipv6 || IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_LOOPBACK(a) ||
	    IN6_IS_ADDR_LINKLOCAL(a) || IN6_IS_ADDR_MULTICAST(a))
		return true;
	if (nn_cidr6_contains(&cfg->subnet6, a))
		return true;
	if (nn_cidr6_contains(&cfg->cidr6, a)) {
		*loopback = IN6_ARE_ADDR_EQUAL(a, &cfg->gateway6) && cfg->allow_host_loopback;
		return !*loopback;
	}
	return false;
}

enum nn_bypass_dest nn_bypass_dest(const struct nn_nest_config *cfg, const struct sockaddr *sa,
				   socklen_t len, struct sockaddr_storage *out)
{
	bool keep, lo;

	if (len < sizeof(sa_family_t) || len > sizeof(*out))
		return NN_BYPASS_KEEP;
	memset(out, 0, sizeof(*out));
	memcpy(out, sa, len);
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in *in = (struct sockaddr_in *)out;

		keep = v4_keep(cfg, in->sin_addr, &lo);
		if (lo)
			in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;

		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			struct in_addr a;

			memcpy(&a, &in6->sin6_addr.s6_addr[12], sizeof(a));
			keep = v4_keep(cfg, a, &lo);
			if (lo) {
				a.s_addr = htonl(INADDR_LOOPBACK);
				memcpy(&in6->sin6_addr.s6_addr[12], &a, sizeof(a));
			}
		} else {
			keep = v6_keep(cfg, &in6->sin6_addr, &lo);
			if (lo)
				in6->sin6_addr = in6addr_loopback;
		}
	} else {
		return NN_BYPASS_KEEP;
	}
	if (keep)
		return NN_BYPASS_KEEP;
	return lo ? NN_BYPASS_LOOPBACK : NN_BYPASS_HOST;
}

bool nn_bypass_takes(const struct nn_portspec *spec)
{
	return !nn_portspec_is_udp(spec);
}

void nn_bypass_remember(struct nn_bypass *bp, ino_t ino)
{
	atomic_fetch_add(&bp->sockets, 1);
	pthread_mutex_lock(&bp->lock);
	if (bp->ninodes == NN_BYPASS_INODES_MAX) { /* the oldest half goes */
		memmove(bp->inodes, bp->inodes + NN_BYPASS_INODES_MAX / 2,
			sizeof(bp->inodes[0]) * (NN_BYPASS_INODES_MAX / 2));
		bp->ninodes = NN_BYPASS_INODES_MAX / 2;
	}
	bp->inodes[bp->ninodes++] = ino;
	pthread_mutex_unlock(&bp->lock);
}

void nn_bypass_bound(struct nn_bypass *bp, const struct nn_portspec *port, ino_t ino, bool loopback)
{
	size_t i = (size_t)(port - bp->ports);

	pthread_mutex_lock(&bp->lock);
	(loopback ? bp->bound_loopback : bp->bound_host)[i] = ino;
	pthread_mutex_unlock(&bp->lock);
}

/*
 * The thread: one notification at a time (seccomp_unotify(2): SECCOMP_IOCTL_NOTIF_RECV into
 * a zeroed struct, then SECCOMP_IOCTL_NOTIF_SEND).  The ioctls are made directly: in the
 * daemon, which never loads a filter itself, libseccomp 2.5.4's seccomp_notify_receive(3)
 * failed on every call while the listener stayed readable (seen in tests/bypass.bats), and
 * a failure other than ENOENT now ends the thread rather than spinning.  POLLHUP on the
 * listener: every process under the filter has exited (kernel/seccomp.c
 * seccomp_notify_poll, 5.8).
 */
static void *serve(void *arg)
{
	struct nn_bypass *bp = arg;

	for (;;) {
		struct pollfd p[2] = { { .fd = bp->listener, .events = POLLIN },
				       { .fd = bp->stopfd, .events = POLLIN } };
		struct seccomp_notif req;
		struct seccomp_notif_resp resp;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents || (p[0].revents & (POLLHUP | POLLERR | POLLNVAL)))
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		memset(&req, 0, sizeof(req));
		if (ioctl(bp->listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
			if (errno == ENOENT || errno == EINTR)
				continue; /* the caller was interrupted meanwhile */
			break;
		}
		nn_bypass_notif(bp, &req, &resp);
		/* ENOENT: the caller went meanwhile */
		ioctl(bp->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
	return NULL;
}

static int is_listener(int fd)
{
	char path[64], link[64];
	ssize_t k;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	k = readlink(path, link, sizeof(link) - 1);
	if (k < 0)
		return false;
	link[k] = '\0';
	return !strcmp(link, "anon_inode:seccomp notify");
}

int nn_bypass_port_addr(const struct nn_portspec *p, int family, struct sockaddr_storage *ss,
			socklen_t *sl)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	const char *ip = nn_portspec_host_ip(p);

	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		in->sin_family = AF_INET;
		in->sin_port = htons(p->parent_port);
		*sl = sizeof(*in);
		return *ip && inet_pton(AF_INET, ip, &in->sin_addr) != 1 ? -1 : 0;
	}
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(p->parent_port);
	*sl = sizeof(*in6);
	if (!*ip || inet_pton(AF_INET6, ip, &in6->sin6_addr) == 1)
		return 0;
	/* an IPv4 host address for a dual-stack socket: its IPv4-mapped form */
	in6->sin6_addr.s6_addr[10] = in6->sin6_addr.s6_addr[11] = 0xff;
	return inet_pton(AF_INET, ip, &in6->sin6_addr.s6_addr[12]) == 1 ? 0 : -1;
}

/* Can the host side of @p be bound now?  Tried and let go (bind(2)). */
static int port_free(const char *name, const struct nn_portspec *p, struct nn_err *err)
{
	int family = nn_portspec_families(p) & NN_PORT_V4 ? AF_INET : AF_INET6;
	_cleanup_close_ int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_storage ss;
	socklen_t sl;
	int one = 1;

	if (fd < 0 || nn_bypass_port_addr(p, family, &ss, &sl) < 0)
		return nn_err(err, fd < 0 ? errno : EINVAL, "sandbox %s: bypass: port %u", name,
			      p->parent_port);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		if (errno == EACCES) {
			nn_ports_privileged(p->parent_port, err);
			return nn_err_wrap(err, "sandbox %s: bypass", name);
		}
		return nn_err(err, errno, "sandbox %s: bypass: host port %s%s%u", name,
			      p->parent_ip, *p->parent_ip ? ":" : "", p->parent_port);
	}
	return 0;
}

/*
 * The ports of @publish the bypass takes (each port of a range on its own), parsed into
 * @bp->ports and checked free.
 */
static int take_ports(struct nn_bypass *bp, json_t *publish, struct nn_err *err)
{
	json_t *v;
	size_t i;

	json_array_foreach(publish, i, v) {
		const char *s = json_string_value(v);
		struct nn_portspec first;
		unsigned count;

		if (nn_portspec_parse(s, &first, &count, err) < 0)
			return nn_err_wrap(err, "sandbox %s", bp->name);
		for (unsigned k = 0; k < count; k++) {
			struct nn_portspec p = nn_portspec_nth(&first, k);

			if (!nn_bypass_takes(&p))
				continue;
			if (bp->nports == NN_BYPASS_PORTS_MAX)
				return nn_errx(err, EINVAL,
					       "sandbox %s: bypass: more than %d ports", bp->name,
					       NN_BYPASS_PORTS_MAX);
			if (port_free(bp->name, &p, err) < 0)
				return -err->code;
			bp->ports[bp->nports++] = p;
		}
	}
	return 0;
}

int nn_bypass_parse(json_t *body, bool *bypass, int *seccomp_fd, struct nn_err *err)
{
	json_t *b = json_object_get(body, "bypass"), *fd = json_object_get(body, "seccomp_fd");

	*bypass = false;
	*seccomp_fd = -1;
	if (!b)
		return 0;
	if (!json_is_boolean(b))
		return nn_errx(err, EINVAL, "\"bypass\" must be true or false");
	*bypass = json_is_true(b);
	if (!*bypass)
		return 0;
	if (!json_is_integer(fd) || json_integer_value(fd) < 0 ||
	    json_integer_value(fd) > INT32_MAX)
		return nn_errx(err, EINVAL,
			       "\"bypass\" needs \"seccomp_fd\": the fd of the "
			       "process's seccomp listener (netnest run --bypass installs one)");
	*seccomp_fd = (int)json_integer_value(fd);
	return 0;
}

static void bypass_free(struct nn_bypass *bp)
{
	if (bp->listener >= 0)
		close(bp->listener);
	if (bp->stopfd >= 0)
		close(bp->stopfd);
	pthread_mutex_destroy(&bp->lock);
	free(bp);
}

/*
 * The netns cookie of the calling thread's netns (the daemon's threads live in the host
 * netns, where the bypass makes its sockets), read from a socket made for it; 0: none.
 */
static uint64_t own_netns_cookie(void)
{
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);

	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) < 0)
		return 0;
	return cookie;
}

int nn_bypass_start(struct nn_nest *n, const char *name, int pidfd, ino_t netns, int listener,
		    json_t *publish, struct nn_bypass **out, struct nn_err *err)
{
	struct nn_bypass *bp;
	struct stat st;
	int r;

	bp = calloc(1, sizeof(*bp));
	if (!bp)
		return nn_err(err, ENOMEM, "sandbox %s: bypass", name);
	pthread_mutex_init(&bp->lock, NULL);
	bp->cfg = &n->cfg;
	snprintf(bp->name, sizeof(bp->name), "%s", name);
	bp->stopfd = bp->listener = -1;
	if (fstat(n->host_netns, &st) < 0) {
		r = nn_err(err, errno, "sandbox %s: bypass: stat the host netns", name);
		goto fail;
	}
	bp->host_netns = st.st_ino;
	bp->host_cookie = own_netns_cookie();
	bp->netns = netns;
	if ((r = take_ports(bp, publish, err)) < 0)
		goto fail;
	bp->listener = nn_pidfd_getfd(pidfd, listener);
	if (bp->listener < 0) {
		r = errno == EBADF ? nn_errx(err, EBADF,
					     "sandbox %s: bypass: the process has "
					     "no fd %d",
					     name, listener) :
				     nn_err(err, errno,
					    "sandbox %s: bypass: take its seccomp "
					    "listener (pidfd_getfd)",
					    name);
		goto fail;
	}
	if (!is_listener(bp->listener)) {
		r = nn_errx(err, EBADF,
			    "sandbox %s: bypass: fd %d of the process is not a "
			    "seccomp listener",
			    name, listener);
		goto fail;
	}
	bp->stopfd = eventfd(0, EFD_CLOEXEC);
	if (bp->stopfd < 0) {
		r = nn_err(err, errno, "sandbox %s: bypass: eventfd", name);
		goto fail;
	}
	r = pthread_create(&bp->thread, NULL, serve, bp);
	if (r) {
		r = nn_err(err, r, "sandbox %s: bypass: start its thread", name);
		goto fail;
	}
	*out = bp;
	return 0;
fail:
	bypass_free(bp);
	return r;
}

void nn_bypass_stop(struct nn_bypass *bp)
{
	uint64_t one = 1;

	if (!bp)
		return;
	if (write(bp->stopfd, &one, sizeof(one)) == sizeof(one))
		pthread_join(bp->thread, NULL);
	bypass_free(bp);
}

static bool remembered(struct nn_bypass *bp, ino_t ino)
{
	for (unsigned i = 0; i < bp->ninodes; i++)
		if (bp->inodes[i] == ino)
			return true;
	return false;
}

/* note_open() - socket @ino is open in the sandbox: count it, and mark the ports it holds */
static void note_open(struct nn_bypass *bp, ino_t ino, unsigned *open, bool *host, bool *lo)
{
	if (remembered(bp, ino))
		(*open)++;
	for (unsigned i = 0; i < bp->nports; i++) {
		host[i] |= bp->bound_host[i] == ino;
		lo[i] |= bp->bound_loopback[i] == ino;
	}
}

/*
 * The host sockets still open in @pid's netns: every process of it, every fd (proc(5));
 * @host[i] and @lo[i] set where port i's socket is one of them (nn_bypass_bound()).
 */
static unsigned scan_open(struct nn_bypass *bp, pid_t pid, bool *host, bool *lo)
{
	_cleanup_closedir_ DIR *proc = opendir("/proc");
	struct stat self, other;
	char path[300], link[64];
	struct dirent *d, *f;
	unsigned open = 0;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	if (!proc || stat(path, &self) < 0)
		return 0;
	pthread_mutex_lock(&bp->lock);
	while ((d = readdir(proc))) {
		_cleanup_closedir_ DIR *fds = NULL;

		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/net", d->d_name);
		if (stat(path, &other) < 0 || other.st_ino != self.st_ino ||
		    other.st_dev != self.st_dev)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", d->d_name);
		fds = opendir(path);
		while (fds && (f = readdir(fds))) {
			unsigned long long ino;
			ssize_t k;

			snprintf(path, sizeof(path), "/proc/%s/fd/%s", d->d_name, f->d_name);
			k = readlink(path, link, sizeof(link) - 1);
			if (k < 0)
				continue;
			link[k] = '\0';
			if (sscanf(link, "socket:[%llu]", &ino) == 1 && ino)
				note_open(bp, (ino_t)ino, &open, host, lo);
		}
	}
	pthread_mutex_unlock(&bp->lock);
	return open;
}

/* port_string() - @p as the record shows it: "8080:80/tcp", "127.0.0.1:8080:80/tcp" */
static json_t *port_string(const struct nn_portspec *p)
{
	bool v6 = strchr(p->parent_ip, ':') != NULL;
	char s[160];

	snprintf(s, sizeof(s), "%s%s%s%s%u:%u/%s", v6 ? "[" : "", p->parent_ip, v6 ? "]" : "",
		 *p->parent_ip ? ":" : "", p->parent_port, p->child_port, p->proto);
	return json_string(s);
}

json_t *nn_bypass_json(struct nn_bypass *bp, pid_t pid)
{
	bool host[NN_BYPASS_PORTS_MAX] = { 0 }, lo[NN_BYPASS_PORTS_MAX] = { 0 };
	json_t *ports, *listening, *loopback;
	unsigned open;

	if (!bp)
		return json_null();
	open = scan_open(bp, pid, host, lo);
	ports = json_array();
	listening = json_array();
	loopback = json_array();
	for (unsigned i = 0; ports && listening && loopback && i < bp->nports; i++) {
		json_array_append_new(ports, port_string(&bp->ports[i]));
		if (host[i])
			json_array_append_new(listening, port_string(&bp->ports[i]));
		else if (lo[i])
			json_array_append_new(loopback, port_string(&bp->ports[i]));
	}
	return json_pack("{s:I, s:I, s:o*, s:o*, s:o*}", "sockets",
			 (json_int_t)atomic_load(&bp->sockets), "open", (json_int_t)open, "ports",
			 ports, "listening", listening, "loopback", loopback);
}
