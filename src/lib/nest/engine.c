// SPDX-License-Identifier: GPL-2.0-or-later
/* engine.c - libslirp on the tap fd, in a sandboxed child process (see engine.h) */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>

#include <libslirp.h>

#include "dl.h"
#include "engine.h"
#include "engine_tap.h"
#include "isolate.h"
#include "mem.h"
#include "report.h"
#include "util.h"

/* fds in the engine after its start: everything else is closed. */
#define ENGINE_TAP_FD 3
#define ENGINE_REPORT_FD 4

/*
 * Biggest read: a virtio_net_hdr, then a frame of MTU 65521 (libslirp's limit) or a TSO
 * segment of up to 64 KiB (the kernel's GSO_LEGACY_MAX_SIZE), and the Ethernet header.
 */
#define FRAME_MAX (65536 + 128)
/* libslirp's MTU when tap0 has offloads: the largest it takes (libslirp.h). */
#define NN_ENGINE_MRU 65520
/*
 * Its MRU then, when tap0's MTU is larger: an MSS of 31960, two segments in a 64 KiB window
 * (measured at MTU 65520: 2.0-2.2 Gbps with if_mru 65520, 3.9-4.6 with 1500, 16000 or
 * 32000; docs/benchmarks.md#engines).
 */
#define NN_ENGINE_MSS_MTU 32000
/* Frames read from the tap per poll round before libslirp's sockets get their turn. */
#define TAP_BURST 64
/* How long the engine gets to exit on SIGTERM before SIGKILL. */
#define ENGINE_STOP_MS 2000

struct engine_timer {
	SlirpTimerId id;
	void *cb_opaque;
	int64_t expire_ms; /* -1: not armed */
	struct engine_timer *next;
};

struct engine {
	Slirp *slirp;
	int tap;
	size_t hdrlen; /* bytes of virtio_net_hdr before each frame on the tap, or 0 */
	struct pollfd *pfd; /* [0] is the tap; the rest libslirp's sockets */
	size_t npfd, cap;
	struct engine_timer *timers;
};

static uint8_t frame[FRAME_MAX];

/* libslirp, loaded in the engine process only (dl.h): the same order as slirp_names. */
static struct {
	__typeof__(slirp_new) *new_;
	__typeof__(slirp_input) *input;
	__typeof__(slirp_pollfds_fill) *pollfds_fill;
	__typeof__(slirp_pollfds_poll) *pollfds_poll;
	__typeof__(slirp_handle_timer) *handle_timer;
} sl;
static const char *const slirp_names[] = {
	"slirp_new", "slirp_input", "slirp_pollfds_fill", "slirp_pollfds_poll",
	"slirp_handle_timer",
};
_Static_assert(sizeof(sl) == sizeof(slirp_names), "one pointer per libslirp symbol");

static int64_t clock_ns(void *opaque)
{
	struct timespec ts;

	(void)opaque;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static ssize_t send_packet(const void *buf, size_t len, void *opaque)
{
	static const struct virtio_net_hdr none; /* complete frame: no GSO, checksums done */
	struct engine *e = opaque;
	struct iovec iov[2] = {
		{ .iov_base = (void *)&none, .iov_len = e->hdrlen },
		{ .iov_base = (void *)buf, .iov_len = len },
	};
	ssize_t n = e->hdrlen ? writev(e->tap, iov, 2) : write(e->tap, buf, len);

	if (n > 0 && e->hdrlen)
		n -= (ssize_t)e->hdrlen;

	/* A full tap queue drops the frame; TCP retransmits (libslirp.h send_packet). */
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return (ssize_t)len;
	return n;
}

static void guest_error(const char *msg, void *opaque)
{
	(void)msg;
	(void)opaque;
}

static void *timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
	struct engine *e = opaque;
	struct engine_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->id = id;
	t->cb_opaque = cb_opaque;
	t->expire_ms = -1;
	t->next = e->timers;
	e->timers = t;
	return t;
}

static void timer_free(void *timer, void *opaque)
{
	struct engine *e = opaque;

	for (struct engine_timer **p = &e->timers; *p; p = &(*p)->next)
		if (*p == timer) {
			*p = (*p)->next;
			free(timer);
			return;
		}
}

static void timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
	(void)opaque;
	((struct engine_timer *)timer)->expire_ms = expire_ms;
}

static void poll_fd_noop(int fd, void *opaque)
{
	(void)fd;
	(void)opaque;
}

static void notify_noop(void *opaque)
{
	(void)opaque;
}

static int add_poll(int fd, int events, void *opaque)
{
	struct engine *e = opaque;
	short ev = 0;

	if (e->npfd == e->cap) {
		size_t cap = e->cap * 2;
		struct pollfd *p = realloc(e->pfd, cap * sizeof(*p));

		if (!p)
			return -1; /* libslirp then skips this socket for one round */
		e->pfd = p;
		e->cap = cap;
	}
	if (events & SLIRP_POLL_IN)
		ev |= POLLIN;
	if (events & SLIRP_POLL_OUT)
		ev |= POLLOUT;
	if (events & SLIRP_POLL_PRI)
		ev |= POLLPRI;
	e->pfd[e->npfd] = (struct pollfd){ .fd = fd, .events = ev };
	return (int)e->npfd++;
}

static int get_revents(int idx, void *opaque)
{
	struct engine *e = opaque;
	short rev;
	int r = 0;

	if (idx < 1 || (size_t)idx >= e->npfd)
		return 0;
	rev = e->pfd[idx].revents;
	if (rev & POLLIN)
		r |= SLIRP_POLL_IN;
	if (rev & POLLOUT)
		r |= SLIRP_POLL_OUT;
	if (rev & POLLPRI)
		r |= SLIRP_POLL_PRI;
	if (rev & POLLERR)
		r |= SLIRP_POLL_ERR;
	if (rev & POLLHUP)
		r |= SLIRP_POLL_HUP;
	return r;
}

static const SlirpCb callbacks = {
	.send_packet = send_packet,
	.guest_error = guest_error,
	.clock_get_ns = clock_ns,
	.timer_free = timer_free,
	.timer_mod = timer_mod,
	.register_poll_fd = poll_fd_noop,
	.unregister_poll_fd = poll_fd_noop,
	.notify = notify_noop,
	.timer_new_opaque = timer_new_opaque,
};

static int engine_slirp_new(struct engine *e, const struct nn_nest_config *cfg,
			    struct nn_err *err)
{
	SlirpConfig sc = { .version = 4 };
	uint32_t mask = cfg->cidr.prefix ? htonl(~0u << (32 - cfg->cidr.prefix)) : 0;
	int r;

	sc.restricted = 0;
	sc.in_enabled = true;
	sc.vnetwork = nn_cidr_network(&cfg->cidr);
	sc.vnetmask.s_addr = mask;
	sc.vhost = cfg->gateway;
	sc.vnameserver = cfg->dns;
	if (nn_cidr_host(&cfg->cidr, 15, &sc.vdhcp_start) < 0)
		return nn_err(err, ERANGE, "engine: DHCP start (network + 15) outside --cidr");
	/* IPv6 as slirp4netns --enable-ipv6 sets it up (docs/facts-slirp.md#ipv6) */
	sc.in6_enabled = cfg->ipv6;
	sc.vprefix_addr6 = nn_cidr6_network(&cfg->cidr6);
	sc.vprefix_len = (uint8_t)cfg->cidr6.prefix;
	sc.vhost6 = cfg->gateway6;
	sc.vnameserver6 = cfg->dns6;
	/*
	 * With offloads a TCP segment from the tap may be 64 KiB whatever tap0's MTU, and
	 * libslirp drops an IPv6 packet longer than if_mtu (ip6_input.c, with ICMPv6 "too
	 * big"); IPv4's ip_input.c checks neither.  So if_mtu is the largest size.  The MSS
	 * libslirp offers is min(if_mtu, if_mru) - 40 (tcp_mss() in tcp_input.c; the peer's
	 * own offer wins when smaller): if_mru is tap0's MTU, at most NN_ENGINE_MSS_MTU, so
	 * that with libslirp's window of at most 64 KiB (no window scaling, tcp.h) two
	 * segments can be in flight and the sender works while the engine does.  Its IPv4
	 * datagrams over tap0's MTU (UDP, ICMP from the host) the nest's kernel fragments on
	 * the way to the bridge.
	 */
	sc.if_mtu = e->hdrlen ? NN_ENGINE_MRU : cfg->mtu;
	sc.if_mru = e->hdrlen && cfg->mtu > NN_ENGINE_MSS_MTU ? NN_ENGINE_MSS_MTU : cfg->mtu;
	sc.enable_emu = false;
	sc.disable_host_loopback = !cfg->allow_host_loopback;
	r = nn_dl_load("libslirp.so.0", slirp_names, (void **)&sl, ARRAY_SIZE(slirp_names), NULL,
		       err);
	if (r < 0)
		return nn_err_wrap(err, "engine");
	e->slirp = sl.new_(&sc, &callbacks, e);
	if (!e->slirp)
		return nn_err(err, EINVAL, "engine: libslirp refused the config (mtu %u)", cfg->mtu);
	return 0;
}

static void run_timers(struct engine *e, int64_t now_ms)
{
	for (struct engine_timer *t = e->timers; t; t = t->next)
		if (t->expire_ms >= 0 && t->expire_ms <= now_ms) {
			t->expire_ms = -1;
			sl.handle_timer(e->slirp, t->id, t->cb_opaque);
		}
}

static uint32_t timers_timeout(const struct engine *e, uint32_t timeout, int64_t now_ms)
{
	for (const struct engine_timer *t = e->timers; t; t = t->next)
		if (t->expire_ms >= 0) {
			int64_t left = t->expire_ms - now_ms;

			if (left < 0)
				left = 0;
			if (left < timeout)
				timeout = (uint32_t)left;
		}
	return timeout;
}

/* Read up to TAP_BURST frames into libslirp. Return: 0, or -1 when the tap is gone. */
static int tap_drain(struct engine *e)
{
	for (int i = 0; i < TAP_BURST; i++) {
		ssize_t n = read(e->tap, frame, sizeof(frame));

		if (n > (ssize_t)e->hdrlen) {
			uint8_t *f = frame + e->hdrlen;
			size_t len = (size_t)n - e->hdrlen;
			struct virtio_net_hdr h;

			if (e->hdrlen) {
				memcpy(&h, frame, sizeof(h));
				if (nn_tap_csum_finish(f, len, &h) < 0)
					continue; /* a header that does not fit its frame */
			}
			sl.input(e->slirp, f, (int)len);
			continue;
		}
		if (n > 0)
			continue; /* shorter than its header */
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		return -1;
	}
	return 0;
}

static __attribute__((noreturn)) void engine_loop(struct engine *e)
{
	for (;;) {
		uint32_t timeout = 1000;
		int n;

		e->npfd = 1;
		e->pfd[0] = (struct pollfd){ .fd = e->tap, .events = POLLIN };
		sl.pollfds_fill(e->slirp, &timeout, add_poll, e);
		timeout = timers_timeout(e, timeout, clock_ns(NULL) / 1000000);
		n = poll(e->pfd, e->npfd, (int)timeout);
		if (n < 0 && errno != EINTR)
			_exit(1);
		if (n > 0 && (e->pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL)))
			_exit(0); /* tap0 went away with the nest's netns */
		if (n > 0 && (e->pfd[0].revents & POLLIN) && tap_drain(e) < 0)
			_exit(0);
		sl.pollfds_poll(e->slirp, n < 0, get_revents, e);
		run_timers(e, clock_ns(NULL) / 1000000);
	}
}

/* The child: fds 3 (tap) and 4 (report) only, libslirp, isolation, then the loop. */
static __attribute__((noreturn)) void engine_child(const struct nn_nest_config *cfg,
						   pid_t parent)
{
	struct engine e = { .tap = ENGINE_TAP_FD, .cap = 16 };
	struct nn_err err = { 0 };
	sigset_t none;
	int r;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGTERM, SIG_DFL);
	/* Ctrl-C reaches the whole foreground group: the daemon stops the engine in order. */
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(1);
	prctl(PR_SET_NAME, "netnest-engine");
	e.pfd = malloc(e.cap * sizeof(*e.pfd));
	if (!e.pfd)
		r = nn_err(&err, ENOMEM, "engine: poll set");
	else
		r = nn_tap_offload(e.tap, &e.hdrlen, &err);
	if (r == 0)
		r = engine_slirp_new(&e, cfg, &err);
	/* Last, with libslirp loaded and made: from here on it sees nothing (isolate.h). */
	if (r == 0)
		r = nn_isolate_engine(&err);
	if (nn_report_send(ENGINE_REPORT_FD, r, &err) < 0 || r < 0)
		_exit(1);
	close(ENGINE_REPORT_FD);
	nn_mem_trim(); /* the set-up's code, which the loop does not run (mem.h) */
	engine_loop(&e);
}

int nn_engine_spawn(const struct nn_nest_config *cfg, int tap_fd, pid_t *pid, int *report_fd,
		    struct nn_err *err)
{
	_cleanup_close_ int rd = -1, wr = -1;
	int p[2], flags;
	pid_t parent = getpid(), child;

	if (pipe2(p, O_CLOEXEC) < 0)
		return nn_err(err, errno, "engine: pipe");
	rd = p[0];
	wr = p[1];
	child = fork();
	if (child < 0)
		return nn_err(err, errno, "engine: fork");
	if (child == 0) {
		/* Move the two fds above 4 first, so dup2() cannot clobber one with the other. */
		int t = fcntl(tap_fd, F_DUPFD, 16), w = fcntl(wr, F_DUPFD, 16);

		if (t < 0 || w < 0 || dup2(t, ENGINE_TAP_FD) < 0 || dup2(w, ENGINE_REPORT_FD) < 0)
			_exit(1);
		close_range(ENGINE_REPORT_FD + 1, ~0u, 0);
		flags = fcntl(ENGINE_TAP_FD, F_GETFL);
		fcntl(ENGINE_TAP_FD, F_SETFL, flags | O_NONBLOCK);
		engine_child(cfg, parent);
	}
	*pid = child;
	*report_fd = steal_fd(&rd);
	return 0;
}

int nn_engine_ready(pid_t pid, int report_fd, struct nn_err *err)
{
	int r = nn_report_recv(report_fd, "network engine", err);

	close(report_fd);
	if (r < 0)
		nn_engine_stop(pid);
	return r;
}

void nn_engine_stop(pid_t pid)
{
	_cleanup_close_ int pidfd = -1;
	struct pollfd pfd;

	if (pid <= 0)
		return;
	/* A pidfd wakes us the moment the engine exits (pidfd_open(2)): no polling sleeps. */
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	kill(pid, SIGTERM);
	pfd = (struct pollfd){ .fd = pidfd, .events = POLLIN };
	if (pidfd >= 0 && poll(&pfd, 1, ENGINE_STOP_MS) == 0)
		kill(pid, SIGKILL);
	else if (pidfd < 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}
