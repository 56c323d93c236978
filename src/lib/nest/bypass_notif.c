// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bypass_notif.c - one seccomp notification of a bypassed sandbox (bypass_internal.h)
 *
 * Sources: seccomp_unotify(2) (the notification, SECCOMP_IOCTL_NOTIF_ID_VALID, ADDFD,
 * SECCOMP_USER_NOTIF_FLAG_CONTINUE), kernel Documentation/userspace-api/seccomp_filter.rst,
 * pidfd_getfd(2), process_vm_readv(2), proc(5) (/proc/PID/fdinfo "flags"), socket(7) and
 * ip(7)/ipv6(7)/tcp(7) for the options copied, and net/ipv4/af_inet.c
 * __inet_stream_connect() for what a connect(2) on a socket already connecting does.
 * bypass4netns (rootless-containers/bypass4netns, pkg/bypass4netns) does the same job with
 * setsockopt and fcntl reported as well; here the options are read off the socket instead.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/seccomp.h>
#include <linux/sockios.h>

#include "bypass_internal.h"
#include "pidfd.h"
#include "util.h"

#define SEND_MAX 65536 /* the largest datagram sent for the sandbox (UDP: 65507) */
#define IOV_MAX_READ 64

/* @len bytes at @addr in process @pid (process_vm_readv(2)); 0 or -1 */
static int mem_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };

	return process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)len ? 0 : -1;
}

/* The thread group of thread @tid (proc(5) "Tgid:"), @tid itself when unknown. */
static pid_t tgid_of(pid_t tid)
{
	char path[64], line[128];
	_cleanup_fclose_ FILE *f = NULL;
	int tgid = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	return tgid > 0 ? tgid : tid;
}

/* A copy of fd @fd of thread @tid (pidfd_getfd(2)), -1 when it cannot be had. */
static int target_fd(pid_t tid, uint64_t fd)
{
	_cleanup_close_ int pidfd = -1;

	if (fd > INT32_MAX)
		return -1;
	pidfd = nn_pidfd_open(tid);
	if (pidfd < 0 && errno == EINVAL) /* not a thread-group leader (before PIDFD_THREAD) */
		pidfd = nn_pidfd_open(tgid_of(tid));
	if (pidfd < 0)
		return -1;
	return nn_pidfd_getfd(pidfd, (int)fd);
}

struct sock_info {
	int domain, type, protocol;
	bool host; /* it lives in the host netns already: one the bypass made */
	bool cloexec; /* the sandbox's descriptor has FD_CLOEXEC */
	int flags; /* its file status flags (O_NONBLOCK) */
};

static int opt_int(int fd, int level, int name)
{
	int v = -1;
	socklen_t l = sizeof(v);

	return getsockopt(fd, level, name, &v, &l) < 0 ? -1 : v;
}

/* Is FD_CLOEXEC set on fd @fd of @tid?  /proc/PID/fdinfo/FD "flags:" shows O_CLOEXEC. */
static bool fd_cloexec(pid_t tid, uint64_t fd)
{
	char path[64], line[128];
	_cleanup_fclose_ FILE *f = NULL;
	unsigned flags = 0;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%llu", tid, (unsigned long long)fd);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "flags: %o", &flags) == 1)
			break;
	return flags & O_CLOEXEC;
}

/* TCP or UDP over IPv4 or IPv6, and where it lives (SIOCGSKNS, socket(7)): the sandbox's netns
 * or the host's; -1: none of these. */
static int sock_info(struct nn_bypass *bp, int fd, pid_t tid, uint64_t tfd, struct sock_info *si)
{
	uint64_t cookie = 0;
	socklen_t clen = sizeof(cookie);
	struct stat st;

	si->domain = opt_int(fd, SOL_SOCKET, SO_DOMAIN);
	si->type = opt_int(fd, SOL_SOCKET, SO_TYPE);
	si->protocol = opt_int(fd, SOL_SOCKET, SO_PROTOCOL);
	if (si->domain != AF_INET && si->domain != AF_INET6)
		return -1;
	if (!(si->type == SOCK_STREAM && si->protocol == IPPROTO_TCP) &&
	    !(si->type == SOCK_DGRAM && si->protocol == IPPROTO_UDP))
		return -1;
	/*
	 * SIOCGSKNS needs CAP_NET_ADMIN over the socket's netns, which a rootless daemon has
	 * over the sandbox's and not over the host's: a host socket is known by its netns
	 * cookie, or, on a kernel without SO_NETNS_COOKIE, by that refusal.
	 */
	si->host = bp->host_cookie &&
		   getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &clen) == 0 &&
		   cookie == bp->host_cookie;
	if (!si->host) {
		_cleanup_close_ int ns = ioctl(fd, SIOCGSKNS);

		if (ns < 0 && errno == EPERM && !bp->host_cookie)
			si->host = true;
		else if (ns < 0 || fstat(ns, &st) < 0)
			return -1;
		else if (st.st_ino == bp->host_netns)
			si->host = true;
		else if (st.st_ino != bp->netns)
			return -1; /* a netns made inside the sandbox: its own network */
	}
	si->flags = fcntl(fd, F_GETFL);
	si->cloexec = fd_cloexec(tid, tfd);
	return si->flags < 0 ? -1 : 0;
}

/*
 * The options that change how a socket talks, copied when they differ from a new socket's
 * (socket(7), ip(7), ipv6(7), tcp(7)).  SO_SNDBUF/SO_RCVBUF read back doubled, and setting
 * them turns autotuning off, hence "differ" and the halving.
 */
static const struct {
	int level, name;
	bool halve;
} copied[] = {
	{ SOL_SOCKET, SO_REUSEADDR, false },
	{ SOL_SOCKET, SO_REUSEPORT, false },
	{ SOL_SOCKET, SO_KEEPALIVE, false },
	{ SOL_SOCKET, SO_BROADCAST, false },
	{ SOL_SOCKET, SO_LINGER, false },
	{ SOL_SOCKET, SO_RCVTIMEO_NEW, false },
	{ SOL_SOCKET, SO_SNDTIMEO_NEW, false },
	{ SOL_SOCKET, SO_PRIORITY, false },
	{ SOL_SOCKET, SO_SNDBUF, true },
	{ SOL_SOCKET, SO_RCVBUF, true },
	{ SOL_SOCKET, SO_OOBINLINE, false },
	{ SOL_SOCKET, SO_RCVLOWAT, false },
	{ IPPROTO_TCP, TCP_NODELAY, false },
	{ IPPROTO_TCP, TCP_KEEPIDLE, false },
	{ IPPROTO_TCP, TCP_KEEPINTVL, false },
	{ IPPROTO_TCP, TCP_KEEPCNT, false },
	{ IPPROTO_TCP, TCP_USER_TIMEOUT, false },
	{ IPPROTO_TCP, TCP_CORK, false },
	{ IPPROTO_IP, IP_TOS, false },
	{ IPPROTO_IP, IP_TTL, false },
	{ IPPROTO_IPV6, IPV6_V6ONLY, false },
	{ IPPROTO_IPV6, IPV6_TCLASS, false },
	{ IPPROTO_IPV6, IPV6_UNICAST_HOPS, false },
};

static void copy_options(int from, int to, const struct sock_info *si)
{
	for (size_t i = 0; i < ARRAY_SIZE(copied); i++) {
		unsigned char a[32], b[32];
		socklen_t la = sizeof(a), lb = sizeof(b);

		if ((copied[i].level == IPPROTO_TCP && si->protocol != IPPROTO_TCP) ||
		    (copied[i].level == IPPROTO_IPV6 && si->domain != AF_INET6))
			continue;
		if (getsockopt(from, copied[i].level, copied[i].name, a, &la) < 0 ||
		    getsockopt(to, copied[i].level, copied[i].name, b, &lb) < 0 || la != lb ||
		    !memcmp(a, b, la))
			continue;
		if (copied[i].halve && la == sizeof(int)) {
			int v;

			memcpy(&v, a, sizeof(v));
			v /= 2;
			memcpy(a, &v, sizeof(v));
		}
		setsockopt(to, copied[i].level, copied[i].name, a, la);
	}
}

/*
 * A socket in the host netns (the daemon's own) like @from: family, type, protocol, the
 * options above, non-blocking for now; bound to the same port when @from was bound to one
 * (to the wildcard address: the sandbox's own addresses do not exist here).
 * Return: the fd, or -1 with errno.
 */
static int host_socket(int from, const struct sock_info *si)
{
	struct sockaddr_storage ss;
	socklen_t l = sizeof(ss);
	int fd = socket(si->domain, si->type | SOCK_NONBLOCK | SOCK_CLOEXEC, si->protocol);

	if (fd < 0)
		return -1;
	copy_options(from, fd, si);
	if (getsockname(from, (struct sockaddr *)&ss, &l) == 0) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		uint16_t port = ss.ss_family == AF_INET6 ? in6->sin6_port : in->sin_port;

		if (port) {
			if (ss.ss_family == AF_INET6)
				in6->sin6_addr = in6addr_any;
			else
				in->sin_addr.s_addr = htonl(INADDR_ANY);
			if (bind(fd, (struct sockaddr *)&ss, l) < 0) {
				int e = errno;

				close(fd);
				errno = e;
				return -1;
			}
		}
	}
	return fd;
}

/*
 * Put @fd in place of the sandbox's descriptor @tfd (SECCOMP_IOCTL_NOTIF_ADDFD with
 * SECCOMP_ADDFD_FLAG_SETFD: the old file is closed as by dup2(2)), first checking the
 * notification is still pending (SECCOMP_IOCTL_NOTIF_ID_VALID): the process may have died
 * and its PID been reused.  Return: 0 or -1.
 */
static int install(struct nn_bypass *bp, const struct seccomp_notif *req, int fd, uint64_t tfd,
		   const struct sock_info *si)
{
	struct seccomp_notif_addfd add = {
		.id = req->id,
		.flags = SECCOMP_ADDFD_FLAG_SETFD,
		.srcfd = (uint32_t)fd,
		.newfd = (uint32_t)tfd,
		.newfd_flags = si->cloexec ? O_CLOEXEC : 0,
	};
	struct stat st;

	if (ioctl(bp->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0)
		return -1;
	if (ioctl(bp->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add) < 0)
		return -1;
	if (fstat(fd, &st) == 0)
		nn_bypass_remember(bp, st.st_ino);
	return 0;
}

static void reply(struct seccomp_notif_resp *resp, int64_t val, int error)
{
	resp->flags = 0;
	resp->val = val;
	resp->error = error ? -error : 0;
}

/* A sockaddr argument: @len bytes (at most sizeof(*ss)) at @addr; 0, or -1 for none */
static int read_addr(pid_t pid, uint64_t addr, uint64_t len, struct sockaddr_storage *ss,
		     socklen_t *sl)
{
	if (!addr || len < sizeof(sa_family_t) || len > sizeof(*ss))
		return -1;
	*sl = (socklen_t)len;
	return mem_read(pid, addr, ss, len);
}

/*
 * connect(fd, addr, len).  The daemon connects the host socket itself, to its own copy of
 * the address (so the sandbox cannot change it after the check: the TOCTOU bypass4netns's
 * README warns of), non-blocking, then puts it in place.  A non-blocking caller gets that
 * answer (EINPROGRESS, SO_ERROR later as usual).  A blocking TCP caller gets its connect(2)
 * continued: on a socket already connecting the kernel ignores the address and waits for the
 * handshake, returning 0 or its error (__inet_stream_connect(): SS_CONNECTING).
 */
static bool on_connect(struct nn_bypass *bp, const struct seccomp_notif *req,
		       struct seccomp_notif_resp *resp)
{
	struct sockaddr_storage ss, to;
	_cleanup_close_ int tfd = -1, fd = -1;
	struct sock_info si;
	enum nn_bypass_dest d;
	socklen_t sl;
	int e = 0;

	if (read_addr(req->pid, req->data.args[1], req->data.args[2], &ss, &sl) < 0)
		return false;
	tfd = target_fd(req->pid, req->data.args[0]);
	if (tfd < 0 || sock_info(bp, tfd, req->pid, req->data.args[0], &si) < 0)
		return false;
	d = nn_bypass_dest(bp->cfg, (struct sockaddr *)&ss, sl, &to);
	if (si.host && ss.ss_family == AF_UNSPEC) {
		/* a UDP socket's disconnect (connect(2)): nothing to translate */
		e = connect(tfd, (struct sockaddr *)&ss, sl) < 0 ? errno : 0;
		reply(resp, e ? -1 : 0, e);
		return false;
	}
	if (si.host) {
		/* one of ours (a UDP socket connected again): the host side, or nothing */
		if (d == NN_BYPASS_KEEP) {
			reply(resp, -1, ENETUNREACH);
			return false;
		}
		e = connect(tfd, (struct sockaddr *)&to, sl) < 0 ? errno : 0;
		reply(resp, e ? -1 : 0, e);
		return false;
	}
	if (d == NN_BYPASS_KEEP || opt_int(tfd, SOL_SOCKET, SO_ACCEPTCONN) == 1)
		return false;
	if (si.type == SOCK_STREAM && getpeername(tfd, (struct sockaddr *)&ss, &sl) == 0)
		return false; /* connected already: EISCONN from the kernel */
	fd = host_socket(tfd, &si);
	if (fd < 0)
		return false;
	if (connect(fd, (struct sockaddr *)&to, sl) < 0)
		e = errno;
	if (!(si.flags & O_NONBLOCK))
		fcntl(fd, F_SETFL, si.flags);
	if (install(bp, req, fd, req->data.args[0], &si) < 0)
		return false;
	if (e == EINPROGRESS && !(si.flags & O_NONBLOCK) && si.type == SOCK_STREAM)
		return true; /* continue: the kernel waits for the handshake */
	reply(resp, e ? -1 : 0, e);
	return false;
}

/* The sandbox's payload of sendto(2) (@buf, @len) or sendmsg(2) (@msg's iovecs); -1: none */
static ssize_t read_payload(pid_t pid, const struct iovec *iov, size_t n, char *out)
{
	size_t total = 0;

	for (size_t i = 0; i < n; i++) {
		if (iov[i].iov_len > SEND_MAX - total) {
			errno = EMSGSIZE;
			return -1;
		}
		if (iov[i].iov_len &&
		    mem_read(pid, (uintptr_t)iov[i].iov_base, out + total, iov[i].iov_len) < 0) {
			errno = EFAULT;
			return -1;
		}
		total += iov[i].iov_len;
	}
	return (ssize_t)total;
}

/*
 * sendto(2) or sendmsg(2) with an address, on a UDP socket going outside.  The socket is
 * swapped for a host one (once: later sends find it in the host netns) and the daemon sends
 * the datagram itself, to its own copy of the address, with the sandbox's payload and
 * control messages; the answer is its byte count.  Once swapped, a socket reaches only the
 * outside: a send into the nest gets ENETUNREACH (docs/bypass.md#udp).
 */
static void on_send(struct nn_bypass *bp, const struct seccomp_notif *req,
		    struct seccomp_notif_resp *resp, bool is_msg)
{
	struct sockaddr_storage ss, to;
	_cleanup_close_ int tfd = -1, fd = -1;
	_cleanup_free_ char *buf = NULL, *ctl = NULL;
	struct iovec iov[IOV_MAX_READ], one = { 0 };
	struct msghdr m = { 0 };
	struct sock_info si;
	enum nn_bypass_dest d;
	socklen_t sl;
	ssize_t len;
	int flags;

	if (is_msg) {
		if (mem_read(req->pid, req->data.args[1], &m, sizeof(m)) < 0)
			return;
		if (read_addr(req->pid, (uintptr_t)m.msg_name, m.msg_namelen, &ss, &sl) < 0)
			return;
		flags = (int)req->data.args[2];
	} else {
		if (read_addr(req->pid, req->data.args[4], req->data.args[5], &ss, &sl) < 0)
			return;
		one.iov_base = (void *)(uintptr_t)req->data.args[1];
		one.iov_len = req->data.args[2];
		flags = (int)req->data.args[3];
	}
	tfd = target_fd(req->pid, req->data.args[0]);
	if (tfd < 0 || sock_info(bp, tfd, req->pid, req->data.args[0], &si) < 0 ||
	    si.type != SOCK_DGRAM)
		return;
	d = nn_bypass_dest(bp->cfg, (struct sockaddr *)&ss, sl, &to);
	if (d == NN_BYPASS_KEEP) {
		if (si.host)
			reply(resp, -1, ENETUNREACH);
		return;
	}
	if (is_msg && (m.msg_iovlen > IOV_MAX_READ || m.msg_controllen > 4096)) {
		if (si.host)
			reply(resp, -1, EMSGSIZE);
		return;
	}
	if (is_msg && m.msg_iovlen &&
	    mem_read(req->pid, (uintptr_t)m.msg_iov, iov, m.msg_iovlen * sizeof(*iov)) < 0)
		return;
	buf = malloc(SEND_MAX);
	ctl = m.msg_controllen ? malloc(m.msg_controllen) : NULL;
	if (!buf || (m.msg_controllen && (!ctl || mem_read(req->pid, (uintptr_t)m.msg_control, ctl,
							   m.msg_controllen) < 0)))
		return;
	len = is_msg ? read_payload(req->pid, iov, m.msg_iovlen, buf) :
		       read_payload(req->pid, &one, 1, buf);
	if (len < 0) {
		reply(resp, -1, errno);
		return;
	}
	if (!si.host) {
		fd = host_socket(tfd, &si);
		if (fd < 0)
			return;
		if (!(si.flags & O_NONBLOCK))
			fcntl(fd, F_SETFL, si.flags);
		if (install(bp, req, fd, req->data.args[0], &si) < 0)
			return;
	}
	struct iovec data = { buf, (size_t)len };
	struct msghdr out = { .msg_name = &to,
			      .msg_namelen = sl,
			      .msg_iov = &data,
			      .msg_iovlen = 1,
			      .msg_control = ctl,
			      .msg_controllen = m.msg_controllen };
	/* never blocks the thread: a full send buffer is EAGAIN, as for a non-blocking caller */
	len = sendmsg(fd >= 0 ? fd : tfd, &out, flags | MSG_DONTWAIT | MSG_NOSIGNAL);
	reply(resp, len < 0 ? -1 : len, len < 0 ? errno : 0);
}

/*
 * The published port a bind(2) to @ss asks for: its port, at any address; @loopback is set
 * for a loopback address, which the bypass leaves to the sandbox.  A dual-stack IPv6 socket
 * (@v6only false) bound to :: also takes an IPv4-only spec, as servers such as iperf3 bind
 * [::] for every client.
 */
static const struct nn_portspec *bound_port(struct nn_bypass *bp, const struct sockaddr_storage *ss,
					    int family, bool v6only, bool *loopback)
{
	const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
	unsigned want = family == AF_INET ? NN_PORT_V4 : NN_PORT_V6;
	uint16_t port;

	if (ss->ss_family != family)
		return NULL;
	*loopback = family == AF_INET ? (ntohl(in->sin_addr.s_addr) >> 24) == 127 :
					IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
	if (family == AF_INET6 && !v6only && IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr))
		want |= NN_PORT_V4;
	port = ntohs(family == AF_INET ? in->sin_port : in6->sin6_port);
	for (unsigned i = 0; i < bp->nports; i++)
		if (bp->ports[i].child_port == port && (nn_portspec_families(&bp->ports[i]) & want))
			return &bp->ports[i];
	return NULL;
}

/*
 * bind(fd, addr, len) of a TCP socket to a port published with -p: the host socket is
 * bound to the host side of the spec instead and put in place, so listen(2) and accept(2)
 * happen in the host netns (docs/bypass.md#published-ports).  A failed bind is answered
 * with its error and changes nothing.  A bind to loopback continues in the sandbox, and is
 * noted, so the record can say that nothing listens on the host.
 */
static void on_bind(struct nn_bypass *bp, const struct seccomp_notif *req,
		    struct seccomp_notif_resp *resp)
{
	struct sockaddr_storage ss, host;
	_cleanup_close_ int tfd = -1, fd = -1;
	const struct nn_portspec *p;
	struct sock_info si;
	socklen_t sl, hl;
	struct stat st;
	bool loopback;

	if (!bp->nports || read_addr(req->pid, req->data.args[1], req->data.args[2], &ss, &sl) < 0)
		return;
	tfd = target_fd(req->pid, req->data.args[0]);
	if (tfd < 0 || sock_info(bp, tfd, req->pid, req->data.args[0], &si) < 0 || si.host ||
	    si.type != SOCK_STREAM)
		return;
	p = bound_port(bp, &ss, si.domain,
		       si.domain == AF_INET6 && opt_int(tfd, IPPROTO_IPV6, IPV6_V6ONLY) == 1,
		       &loopback);
	if (p && loopback && fstat(tfd, &st) == 0)
		nn_bypass_bound(bp, p, st.st_ino, true);
	if (!p || loopback || nn_bypass_port_addr(p, si.domain, &host, &hl) < 0)
		return;
	fd = socket(si.domain, si.type | SOCK_CLOEXEC, si.protocol);
	if (fd < 0)
		return;
	copy_options(tfd, fd, &si);
	if (bind(fd, (struct sockaddr *)&host, hl) < 0) {
		reply(resp, -1, errno);
		return;
	}
	fcntl(fd, F_SETFL, si.flags);
	if (install(bp, req, fd, req->data.args[0], &si) == 0) {
		if (fstat(fd, &st) == 0)
			nn_bypass_bound(bp, p, st.st_ino, false);
		reply(resp, 0, 0);
	}
}

/* Does the send of @req name a destination?  sendto(2)'s dest_addr, sendmsg(2)'s msg_name
 * (an unreadable msghdr counts as one) */
static bool send_names_address(const struct seccomp_notif *req)
{
	struct msghdr m;

	if (req->data.nr == SCMP_SYS(sendto))
		return req->data.args[4] != 0;
	if (req->data.nr != SCMP_SYS(sendmsg))
		return true;
	return mem_read(req->pid, req->data.args[1], &m, sizeof(m)) < 0 || m.msg_name;
}

/*
 * A call left to continue on a host socket must not carry an address of the sandbox's: the
 * kernel would use it in the host netns (10.0.2.2 towards the real network, 127.0.0.1
 * where host loopback is closed).  A send without one goes to the peer the daemon
 * connected, and a connected TCP socket ignores one (tcp(7)): those continue.  The rest
 * fails with EPERM.
 */
static void never_continue_host(struct nn_bypass *bp, const struct seccomp_notif *req,
				struct seccomp_notif_resp *resp)
{
	_cleanup_close_ int tfd = target_fd(req->pid, req->data.args[0]);
	struct sockaddr_storage peer;
	socklen_t pl = sizeof(peer);
	struct sock_info si;
	bool is_send = req->data.nr == SCMP_SYS(sendto) || req->data.nr == SCMP_SYS(sendmsg);

	if (tfd < 0 || sock_info(bp, tfd, req->pid, req->data.args[0], &si) < 0 || !si.host)
		return;
	if (is_send &&
	    (!send_names_address(req) ||
	     (si.type == SOCK_STREAM && getpeername(tfd, (struct sockaddr *)&peer, &pl) == 0)))
		return;
	reply(resp, -1, EPERM);
}

void nn_bypass_notif(struct nn_bypass *bp, const struct seccomp_notif *req,
		     struct seccomp_notif_resp *resp)
{
	bool on_purpose = false;

	memset(resp, 0, sizeof(*resp));
	resp->id = req->id;
	resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	if (req->data.nr == SCMP_SYS(connect))
		on_purpose = on_connect(bp, req, resp);
	else if (req->data.nr == SCMP_SYS(sendto))
		on_send(bp, req, resp, false);
	else if (req->data.nr == SCMP_SYS(sendmsg))
		on_send(bp, req, resp, true);
	else if (req->data.nr == SCMP_SYS(bind))
		on_bind(bp, req, resp);
	if ((resp->flags & SECCOMP_USER_NOTIF_FLAG_CONTINUE) && !on_purpose)
		never_continue_host(bp, req, resp);
}
