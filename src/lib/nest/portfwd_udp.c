// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * portfwd_udp.c - UDP ports of the port driver (see portfwd_internal.h)
 *
 * One relay thread per published UDP port.  It enters the nest netns once (setns(2), for
 * itself), so every socket it makes lives there, while the published socket it was given
 * stays in the host netns.  Per client address (IP and port) a flow: a UDP socket in the
 * nest connect(2)ed to the target, so its replies come from the target only; a datagram
 * from the client goes out of it, and what it receives goes back to that client from the
 * published socket, from the address the client sent to (IP_PKTINFO / IPV6_PKTINFO,
 * ip(7), ipv6(7)).  A flow idle for NN_PORT_UDP_IDLE_S in both directions is closed, as
 * RootlessKit's builtin driver and docker-proxy close theirs (90 s, UDPConnTrackTimeout).
 *
 * The thread sleeps in epoll_wait(2) until a socket is readable, the oldest flow's idle
 * time runs out, or the port is removed (an eventfd): no timer ticks, so no CPU is spent
 * once the traffic stops (the anchor's slirp4netns#227 is a busy loop there).  Datagrams
 * move in batches (recvmmsg(2), then one sendmmsg(2) per run of one flow's datagrams), and
 * a run of datagrams of one size leaves as one UDP_SEGMENT (GSO) send: one trip through
 * the nest's routing, bridge and veth for up to UDP_SLOTS datagrams, which the receiving
 * socket splits back into the same datagrams (docs/facts-netns.md#udp-segmentation).
 */
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <netinet/udp.h>
#include <time.h>
#include <unistd.h>

#include "portfwd_internal.h"
#include "util.h"

#define UDP_BUF 65536      /* one datagram: the largest UDP payload fits */
#define UDP_SLOTS 32       /* datagrams per recvmmsg(2)/sendmmsg(2) */
#define UDP_ROUNDS 4       /* batches per socket per wake-up, so one client cannot starve
			      the others */
#define UDP_BUCKETS 256    /* flow hash buckets */
#define UDP_EVENTS 64
/* SO_RCVBUF of the published socket and the flows, bytes: a burst at 1 Gbit/s outruns the
 * default 208 KiB while the relay is busy; the kernel caps it at net.core.rmem_max */
#define UDP_RCVBUF (4 * 1024 * 1024)
/* payload of one UDP_SEGMENT send: within one IP packet's 64 KiB; UDP_SLOTS is below the
 * kernel's UDP_MAX_SEGMENTS (64) (docs/facts-netns.md#udp-segmentation) */
#define UDP_GSO_BYTES 65000
/* how long an IPv6 flow may still fall back to IPv4: the ICMP error of a datagram sent
 * inside the nest comes back within a round trip over the bridge */
#define UDP_FALLBACK_MS 1000
/* datagrams kept for it: a resolver's A and AAAA queries, and a few retries */
#define UDP_PENDING_MAX 8

struct flow {
	struct sockaddr_storage client; /* the client's address, as the published socket saw it */
	socklen_t client_len;
	union {                 /* where the client sent to: the source of the replies */
		struct in_pktinfo v4;
		struct in6_pktinfo v6;
	} local;
	int local_level;        /* IPPROTO_IP, IPPROTO_IPV6, or 0 when unknown */
	int fd;                 /* connected to the target, nest netns */
	int64_t last_ms;        /* last datagram either way, CLOCK_MONOTONIC */
	/* An IPv6 client's flow to the sandbox's IPv6 address (on6) falls back to its IPv4
	 * one when an ICMP error (ECONNREFUSED) comes before any reply: the server listens
	 * on IPv4 alone.  Until then, for UDP_FALLBACK_MS at most, the first UDP_PENDING_MAX
	 * datagrams sent are kept (pending), to go again to the IPv4 address. */
	bool on6;
	bool settled;           /* answered, fallen back, or past UDP_FALLBACK_MS */
	int64_t born_ms;
	char *pending[UDP_PENDING_MAX];
	size_t pending_len[UDP_PENDING_MAX];
	unsigned npending;
	struct flow *hnext;     /* hash chain */
	struct flow *older, *newer; /* the idle list: oldest first */
};

#define CMSG_BUF (CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo)))
/* a reply's source address and a segment size */
#define GSO_CMSG_BUF (CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(uint16_t)))

/*
 * A batch: UDP_SLOTS datagrams as recvmmsg(2) fills them, and the same datagrams as
 * sendmmsg(2) sends them on.  The buffers are one lazily mapped block (calloc of 2 MiB):
 * a slot's pages become resident only as far as datagrams fill it.
 */
struct batch {
	char (*buf)[UDP_BUF];
	struct mmsghdr in[UDP_SLOTS], out[UDP_SLOTS];
	struct iovec iin[UDP_SLOTS], iout[UDP_SLOTS];
	struct sockaddr_storage name[UDP_SLOTS];
	char cmsg[UDP_SLOTS][CMSG_BUF];
	struct flow *flow[UDP_SLOTS];
	/* out[] again, runs of one size joined: one UDP_SEGMENT message each */
	struct mmsghdr gso[UDP_SLOTS];
	char gso_cmsg[UDP_SLOTS][GSO_CMSG_BUF];
};

struct relay {
	struct port *p;
	int ep;
	struct flow *buckets[UDP_BUCKETS];
	struct flow *oldest, *newest;
	struct flow *dead; /* closed while events may still name them: freed after the batch */
	unsigned nflows;
	/* the largest datagram joined into UDP_SEGMENT sends; lowered when the kernel refuses
	 * a size (a path MTU below it), 0 when it refuses segmentation (no checksum offload) */
	size_t gso_max;
	struct batch b;
	char reply_cmsg[CMSG_BUF]; /* the source of the replies of one flow */
};

static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* addr_key() - the bytes that name a client: its IP and port */
static const void *addr_key(const struct sockaddr_storage *ss, size_t *len)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		*len = sizeof(s6->sin6_addr);
		return &s6->sin6_addr;
	}
	*len = sizeof(((const struct sockaddr_in *)ss)->sin_addr);
	return &((const struct sockaddr_in *)ss)->sin_addr;
}

static uint16_t addr_port(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? ((const struct sockaddr_in6 *)ss)->sin6_port
					 : ((const struct sockaddr_in *)ss)->sin_port;
}

static bool same_client(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	size_t la, lb;
	const void *ka = addr_key(a, &la), *kb = addr_key(b, &lb);

	return a->ss_family == b->ss_family && addr_port(a) == addr_port(b) && la == lb &&
	       !memcmp(ka, kb, la);
}

/* bucket() - FNV-1a over the client's IP and port */
static unsigned bucket(const struct sockaddr_storage *ss)
{
	size_t len;
	const unsigned char *k = addr_key(ss, &len);
	uint16_t port = addr_port(ss);
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ k[i]) * 16777619u;
	h = (h ^ (port & 0xff)) * 16777619u;
	h = (h ^ (port >> 8)) * 16777619u;
	return h % UDP_BUCKETS;
}

static struct flow *find(struct relay *r, const struct sockaddr_storage *client)
{
	for (struct flow *f = r->buckets[bucket(client)]; f; f = f->hnext)
		if (same_client(&f->client, client))
			return f;
	return NULL;
}

static void unlink_idle(struct relay *r, struct flow *f)
{
	if (f->older)
		f->older->newer = f->newer;
	else
		r->oldest = f->newer;
	if (f->newer)
		f->newer->older = f->older;
	else
		r->newest = f->older;
	f->older = f->newer = NULL;
}

/* touch() - @f carried a datagram now: it becomes the newest of the idle list */
static void touch(struct relay *r, struct flow *f, int64_t now)
{
	f->last_ms = now;
	if (r->newest == f)
		return;
	if (f->older || f->newer || r->oldest == f)
		unlink_idle(r, f);
	f->older = r->newest;
	if (r->newest)
		r->newest->newer = f;
	else
		r->oldest = f;
	r->newest = f;
}

/* flow_close() - close @f's socket and put it on the dead list (an event may name it) */
/* drop_pending() - free what @f kept for a fallback */
static void drop_pending(struct flow *f)
{
	while (f->npending)
		free(f->pending[--f->npending]);
}

static void flow_close(struct relay *r, struct flow *f)
{
	for (struct flow **pp = &r->buckets[bucket(&f->client)]; *pp; pp = &(*pp)->hnext)
		if (*pp == f) {
			*pp = f->hnext;
			break;
		}
	unlink_idle(r, f);
	close(f->fd); /* leaves the epoll set with it */
	f->fd = -1;
	drop_pending(f);
	f->hnext = r->dead;
	r->dead = f;
	r->nflows--;
}

static void free_dead(struct relay *r)
{
	while (r->dead) {
		struct flow *f = r->dead;

		r->dead = f->hnext;
		free(f);
	}
}

/* flow_socket() - a UDP socket in the nest (this thread's netns) connected to the target
 * @client dials (nn_pf_connect(), the IPv4 one when @v4), from @client's own address where
 * it can (portfwd_src.c); *@on6 as nn_pf_connect() sets it */
static int flow_socket(const struct port *p, const struct sockaddr_storage *client,
		       socklen_t client_len, bool v4, bool *on6)
{
	int fd = nn_pf_connect(p, client, client_len, SOCK_DGRAM | SOCK_NONBLOCK, v4, on6);

	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &(int){ UDP_RCVBUF }, sizeof(int));
	return fd;
}

/*
 * flow_new() - a flow for @client; when the process is out of fds or the port has
 * NN_PORT_UDP_FLOWS_MAX flows, the oldest flow makes room.  NULL when none can be made.
 */
static struct flow *flow_new(struct relay *r, const struct sockaddr_storage *client,
			     socklen_t len, int64_t now)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct flow *f;
	bool on6;
	int fd;

	if (r->nflows >= NN_PORT_UDP_FLOWS_MAX && r->oldest)
		flow_close(r, r->oldest);
	fd = flow_socket(r->p, client, len, false, &on6);
	if ((fd == -EMFILE || fd == -ENFILE) && r->oldest) {
		flow_close(r, r->oldest);
		fd = flow_socket(r->p, client, len, false, &on6);
	}
	if (fd < 0)
		return NULL;
	f = calloc(1, sizeof(*f));
	ev.data.ptr = f;
	if (!f || epoll_ctl(r->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		free(f);
		close(fd);
		return NULL;
	}
	memcpy(&f->client, client, len);
	f->client_len = len;
	f->fd = fd;
	f->on6 = on6;
	f->settled = !on6 || !r->p->target_len;
	f->born_ms = now;
	f->hnext = r->buckets[bucket(client)];
	r->buckets[bucket(client)] = f;
	r->nflows++;
	touch(r, f, now);
	return f;
}

/* remember_local() - keep the destination of the client's datagram, the replies' source */
static void remember_local(struct flow *f, struct msghdr *m)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			memcpy(&f->local.v6, CMSG_DATA(c), sizeof(f->local.v6));
			/* the interface matters only for a link-local address */
			if (!IN6_IS_ADDR_LINKLOCAL(&f->local.v6.ipi6_addr))
				f->local.v6.ipi6_ifindex = 0;
			f->local_level = IPPROTO_IPV6;
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			memcpy(&f->local.v4, CMSG_DATA(c), sizeof(f->local.v4));
			f->local.v4.ipi_ifindex = 0;
			f->local.v4.ipi_addr.s_addr = 0;
			f->local_level = IPPROTO_IP;
		}
	}
}

/* receive() - up to UDP_SLOTS datagrams from @fd into the batch; with names and control
 * when @from_clients; *@refused set when a flow's earlier datagram drew an ICMP error.
 * Return: how many, 0 when none is waiting. */
static int receive(struct relay *r, int fd, bool from_clients, bool *refused)
{
	struct batch *b = &r->b;
	int n;

	for (int i = 0; i < UDP_SLOTS; i++) {
		b->iin[i] = (struct iovec){ b->buf[i], UDP_BUF };
		b->in[i].msg_hdr = (struct msghdr){ .msg_iov = &b->iin[i], .msg_iovlen = 1 };
		if (from_clients) {
			b->in[i].msg_hdr.msg_name = &b->name[i];
			b->in[i].msg_hdr.msg_namelen = sizeof(b->name[i]);
			b->in[i].msg_hdr.msg_control = b->cmsg[i];
			b->in[i].msg_hdr.msg_controllen = CMSG_BUF;
		}
	}
	for (;;) {
		n = recvmmsg(fd, b->in, UDP_SLOTS, MSG_DONTWAIT, NULL);
		if (n >= 0 || errno != EINTR) {
			/* on a flow, ECONNREFUSED reports an ICMP error of an earlier
			 * datagram (udp(7)): consumed, read on */
			if (n >= 0 || from_clients || errno != ECONNREFUSED)
				break;
			*refused = true;
		}
	}
	return n < 0 ? 0 : n;
}

/*
 * send_each() - send out[@from, @to) on @fd one datagram each; a datagram the kernel
 * refuses (the target's ICMP error, a full buffer) is lost, as UDP may lose it.
 * Return: -EINVAL when the first refusal was EINVAL (a reply source address that is gone),
 * else 0.
 */
static int send_each(struct relay *r, int fd, int from, int to)
{
	while (from < to) {
		int m = sendmmsg(fd, r->b.out + from, to - from, MSG_DONTWAIT);

		if (m < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EINVAL)
				return -EINVAL;
			m = 1; /* skip the one refused */
		}
		from += m;
	}
	return 0;
}

/*
 * join() - out[@from, @to) as UDP_SEGMENT messages in gso[]: each a run of datagrams of
 * one size (the last may be shorter), with out[]'s name and control plus the segment
 * size (docs/facts-netns.md#udp-segmentation).  Return: how many messages.
 */
static int join(struct relay *r, int from, int to)
{
	struct batch *b = &r->b;
	int n = 0;

	for (int i = from; i < to; n++) {
		struct msghdr *o = &b->out[i].msg_hdr, *g = &b->gso[n].msg_hdr;
		size_t size = b->iout[i].iov_len, total = size;
		struct cmsghdr *c;
		int j = i + 1;

		/* an empty datagram is never joined: as a segment it would vanish */
		while (size && size <= r->gso_max && j < to && b->iout[j].iov_len &&
		       b->iout[j].iov_len <= size && total + b->iout[j].iov_len <= UDP_GSO_BYTES) {
			total += b->iout[j].iov_len;
			if (b->iout[j++].iov_len < size)
				break; /* a shorter one ends the run */
		}
		*g = *o;
		g->msg_iov = &b->iout[i];
		g->msg_iovlen = (size_t)(j - i);
		if (j - i > 1) {
			/* out[]'s control (a reply's source), then the segment size */
			if (o->msg_controllen)
				memcpy(b->gso_cmsg[n], o->msg_control, o->msg_controllen);
			g->msg_control = b->gso_cmsg[n];
			g->msg_controllen = o->msg_controllen + CMSG_SPACE(sizeof(uint16_t));
			c = (struct cmsghdr *)(b->gso_cmsg[n] + o->msg_controllen);
			c->cmsg_level = SOL_UDP;
			c->cmsg_type = UDP_SEGMENT;
			c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
			memcpy(CMSG_DATA(c), &(uint16_t){ (uint16_t)size }, sizeof(uint16_t));
		}
		i = j;
	}
	return n;
}

/*
 * send_all() - send out[@from, @to) on @fd, runs of one size as UDP_SEGMENT sends; a run
 * the kernel refuses goes again one datagram each (send_each()), and a size it cannot
 * segment is not joined again.  Return: as send_each().
 */
static int send_all(struct relay *r, int fd, int from, int to)
{
	struct batch *b = &r->b;
	int n, k = 0;

	if (to - from < 2 || !r->gso_max)
		return send_each(r, fd, from, to);
	n = join(r, from, to);
	while (k < n) {
		int m = sendmmsg(fd, b->gso + k, n - k, MSG_DONTWAIT), e = errno;
		const struct msghdr *g = &b->gso[k].msg_hdr;
		int first = (int)(g->msg_iov - b->iout), r2;

		if (m >= 0) {
			k += m;
			continue;
		}
		if (e == EINTR)
			continue;
		if (g->msg_iovlen == 1) {
			if (e == EINVAL)
				return -EINVAL;
			k++; /* lost, as in send_each() */
			continue;
		}
		/* EINVAL, EMSGSIZE: the path's MTU is below this size; EIO, ENOPROTOOPT:
		 * the device cannot segment (docs/facts-netns.md#udp-segmentation) */
		if (e == EINVAL || e == EMSGSIZE)
			r->gso_max = g->msg_iov[0].iov_len - 1;
		else if (e == EIO || e == ENOPROTOOPT || e == EOPNOTSUPP)
			r->gso_max = 0;
		r2 = send_each(r, fd, first, first + (int)g->msg_iovlen);
		if (r2 < 0)
			return r2;
		k++;
	}
	return 0;
}

/* settle() - @f will not fall back to IPv4 any more */
static void settle(struct flow *f)
{
	f->settled = true;
	drop_pending(f);
}

/* keep_pending() - keep a copy of @f's datagram sent (@len bytes at @buf) while it may still
 * fall back to IPv4, UDP_PENDING_MAX at most; none when no memory is left (it is a retry) */
static void keep_pending(struct flow *f, const char *buf, size_t len, int64_t now)
{
	char *copy;

	if (f->settled)
		return;
	if (now - f->born_ms > UDP_FALLBACK_MS) {
		settle(f);
		return;
	}
	if (f->npending == UDP_PENDING_MAX)
		return;
	copy = malloc(len ? len : 1);
	if (!copy)
		return;
	memcpy(copy, buf, len);
	f->pending[f->npending] = copy;
	f->pending_len[f->npending++] = len;
}

/*
 * fall_back() - the IPv6 target refused @f's datagram: a new socket to the IPv4 target in
 * the flow's place, and the last datagram again through it.  The flow stays on IPv6 when
 * no socket can be made (its clients get no answer, as before).
 */
static void fall_back(struct relay *r, struct flow *f)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = f };
	bool on6;
	int fd = flow_socket(r->p, &f->client, f->client_len, true, &on6);

	if (fd < 0)
		return;
	if (epoll_ctl(r->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		close(fd);
		return;
	}
	close(f->fd);
	f->fd = fd;
	f->on6 = on6;
	for (unsigned i = 0; i < f->npending; i++) /* each lost if refused, as UDP may */
		send(fd, f->pending[i], f->pending_len[i], MSG_DONTWAIT);
	settle(f);
}

/* from_clients() - datagrams on the published socket go out of their clients' flows */
static void from_clients(struct relay *r, int64_t now)
{
	struct batch *b = &r->b;

	for (int round = 0; round < UDP_ROUNDS; round++) {
		bool refused = false;
		int n = receive(r, r->p->host_fd, true, &refused), run = 0;

		for (int i = 0; i < n; i++) {
			struct sockaddr_storage *client = &b->name[i];
			struct flow *f = find(r, client);

			if (!f)
				f = flow_new(r, client, b->in[i].msg_hdr.msg_namelen, now);
			b->flow[i] = f;
			if (!f)
				continue; /* no socket for it now: lost, as UDP may */
			remember_local(f, &b->in[i].msg_hdr);
			touch(r, f, now);
			b->iout[i] = (struct iovec){ b->buf[i], b->in[i].msg_len };
			b->out[i].msg_hdr = (struct msghdr){ .msg_iov = &b->iout[i],
							      .msg_iovlen = 1 };
		}
		/* each run of datagrams of one flow in one sendmmsg(2) */
		for (int i = 1; i <= n; i++) {
			if (i < n && b->flow[i] == b->flow[run])
				continue;
			if (b->flow[run]) {
				send_all(r, b->flow[run]->fd, run, i);
				for (int k = run; k < i; k++)
					keep_pending(b->flow[run], b->buf[k], b->iout[k].iov_len,
						     now);
			}
			run = i;
		}
		if (n < UDP_SLOTS)
			return;
	}
}

/* reply_control() - the control message that makes @f's replies leave from the address
 * its client sent to, in r->reply_cmsg; its length, 0 when unknown */
static size_t reply_control(struct relay *r, const struct flow *f)
{
	bool v6 = f->local_level == IPPROTO_IPV6;
	size_t size = v6 ? sizeof(f->local.v6) : sizeof(f->local.v4);
	struct msghdr m = { .msg_control = r->reply_cmsg, .msg_controllen = CMSG_SPACE(size) };
	struct cmsghdr *c;

	if (!f->local_level)
		return 0;
	memset(r->reply_cmsg, 0, sizeof(r->reply_cmsg));
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = f->local_level;
	c->cmsg_type = v6 ? IPV6_PKTINFO : IP_PKTINFO;
	c->cmsg_len = CMSG_LEN(size);
	memcpy(CMSG_DATA(c), &f->local, size);
	return CMSG_SPACE(size);
}

/* from_target() - what the target sends to @f goes back to its client */
static void from_target(struct relay *r, struct flow *f, int64_t now)
{
	struct batch *b = &r->b;

	for (int round = 0; round < UDP_ROUNDS; round++) {
		bool refused = false;
		int n = receive(r, f->fd, false, &refused);
		size_t clen = reply_control(r, f);

		if (!f->settled && (n || now - f->born_ms > UDP_FALLBACK_MS))
			settle(f); /* answered over IPv6, or too late to tell */
		if (refused && !f->settled) {
			fall_back(r, f);
			return;
		}
		if (!n)
			return;
		touch(r, f, now);
		for (int i = 0; i < n; i++) {
			b->iout[i] = (struct iovec){ b->buf[i], b->in[i].msg_len };
			b->out[i].msg_hdr = (struct msghdr){
				.msg_name = &f->client, .msg_namelen = f->client_len,
				.msg_iov = &b->iout[i], .msg_iovlen = 1,
				.msg_control = clen ? r->reply_cmsg : NULL, .msg_controllen = clen,
			};
		}
		if (send_all(r, r->p->host_fd, 0, n) == -EINVAL && clen) {
			/* the address is gone from the host: let routing pick the source */
			f->local_level = 0;
			for (int i = 0; i < n; i++) {
				b->out[i].msg_hdr.msg_control = NULL;
				b->out[i].msg_hdr.msg_controllen = 0;
			}
			send_all(r, r->p->host_fd, 0, n);
		}
		if (n < UDP_SLOTS)
			return;
	}
}

/* expire() - close the flows idle for NN_PORT_UDP_IDLE_S; the ms until the next, or -1 */
static int expire(struct relay *r, int64_t now)
{
	const int64_t idle = (int64_t)NN_PORT_UDP_IDLE_S * 1000;

	while (r->oldest && now - r->oldest->last_ms >= idle)
		flow_close(r, r->oldest);
	if (!r->oldest)
		return -1;
	return (int)(r->oldest->last_ms + idle - now);
}

static void *relay_main(void *arg)
{
	struct relay *r = arg;
	struct port *p = r->p;
	struct epoll_event evs[UDP_EVENTS];
	char name[16];
	int timeout = -1;

	snprintf(name, sizeof(name), "nn-udp-%u", p->spec.parent_port);
	pthread_setname_np(pthread_self(), name);
	if (setns(p->nest_netns, CLONE_NEWNET) < 0)
		goto out; /* cannot happen for the daemon, which owns the nest's netns */
	for (;;) {
		int n = epoll_wait(r->ep, evs, UDP_EVENTS, timeout);
		int64_t now = now_ms();

		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == &p->wake_fd)
				goto out;
			if (evs[i].data.ptr == r)
				from_clients(r, now);
			else if (((struct flow *)evs[i].data.ptr)->fd >= 0)
				from_target(r, evs[i].data.ptr, now);
		}
		timeout = expire(r, now);
		free_dead(r);
	}
out:
	while (r->oldest)
		flow_close(r, r->oldest);
	free_dead(r);
	close(r->ep);
	free(r->b.buf);
	free(r);
	return NULL;
}

int nn_pf_udp_start(struct port *p, struct nn_err *err)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct relay *r = calloc(1, sizeof(*r));
	int e;

	if (!r)
		return nn_err(err, ENOMEM, "publish host port %u/udp", p->spec.parent_port);
	r->p = p;
	r->gso_max = UDP_GSO_BYTES / 2;
	r->b.buf = calloc(UDP_SLOTS, UDP_BUF);
	if (!r->b.buf) {
		free(r);
		return nn_err(err, ENOMEM, "publish host port %u/udp", p->spec.parent_port);
	}
	setsockopt(p->host_fd, SOL_SOCKET, SO_RCVBUF, &(int){ UDP_RCVBUF }, sizeof(int));
	r->ep = epoll_create1(EPOLL_CLOEXEC);
	p->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->ep < 0 || p->wake_fd < 0)
		goto fail;
	ev.data.ptr = r;
	if (epoll_ctl(r->ep, EPOLL_CTL_ADD, p->host_fd, &ev) < 0)
		goto fail;
	ev.data.ptr = &p->wake_fd;
	if (epoll_ctl(r->ep, EPOLL_CTL_ADD, p->wake_fd, &ev) < 0)
		goto fail;
	e = -nn_pf_start_thread(&p->thread, relay_main, r, false);
	if (e) {
		errno = e;
		goto fail;
	}
	return 0;
fail:
	e = errno;
	if (r->ep >= 0)
		close(r->ep);
	if (p->wake_fd >= 0)
		close(p->wake_fd);
	p->wake_fd = -1;
	free(r->b.buf);
	free(r);
	return nn_err(err, e, "publish host port %u/udp: start its relay", p->spec.parent_port);
}

void nn_pf_udp_stop(struct port *p)
{
	uint64_t one = 1;
	/* an eventfd far below its maximum always takes the write */
	ssize_t w = write(p->wake_fd, &one, sizeof(one));

	(void)w;
	pthread_join(p->thread, NULL);
	close(p->wake_fd);
	p->wake_fd = -1;
}
