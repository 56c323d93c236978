// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nn-loadclient - many TCP connections at once from one process, for the port tests and
 * benchmarks (tests/portload.bats, bench/port_connrate.sh); built for the tests only.
 *
 *   nn-loadclient [-n N] [-H HOLD_MS] [-f FILE] [-s | -i] HOST PORT PATH
 *
 * Opens N connections to HOST:PORT (an IPv4 or IPv6 address, no name) at once, each
 * asking "GET PATH HTTP/1.1".  Default: each reads the reply (status 200, Content-Length
 * bytes, compared with FILE when given); when every connection has its reply or failed it
 * prints "held OK pid PID" and keeps them all open HOLD_MS, then prints
 * "ok N eof N reset N bad N timeout N" and exits 0 when all N are ok.
 *   -s  stall: send the request, never read; print "held N pid PID" once all are sent and
 *       stay until killed
 *   -i  idle: connect only; print "held N pid PID" once all are connected, hold HOLD_MS (0: until
 *       killed), exit 0
 * The soft RLIMIT_NOFILE is raised to the hard one first.  Gives up after 120 s.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEADLINE_MS 120000

enum { CONNECTING, SENT, HEADERS, BODY, DONE, FAILED };
enum { RES_OK, RES_EOF, RES_RESET, RES_BAD, RES_TIMEOUT, RES_N };

struct conn {
	int fd, state, result;
	char head[1024];
	size_t head_len, body_len, got;
};

static const char *expect; /* FILE's bytes, or NULL */
static size_t expect_len;
static char request[512];

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

static void die(const char *what)
{
	fprintf(stderr, "nn-loadclient: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void load_file(const char *path)
{
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0)
		die(path);
	buf = malloc(st.st_size + 1);
	if (!buf)
		die("malloc");
	for (size_t off = 0; off < (size_t)st.st_size;) {
		ssize_t n = read(fd, buf + off, st.st_size - off);

		if (n <= 0)
			die(path);
		off += n;
	}
	close(fd);
	expect = buf;
	expect_len = st.st_size;
}

static void finish(struct conn *c, int result)
{
	c->result = result;
	c->state = result == RES_OK ? DONE : FAILED;
}

/* headers() - @c's status line and Content-Length once the blank line is in; false: bad */
static bool headers(struct conn *c, size_t *body_start)
{
	char *end, *cl;

	c->head[c->head_len] = '\0';
	end = strstr(c->head, "\r\n\r\n");
	if (!end)
		return c->head_len < sizeof(c->head) - 1;
	if (strncmp(c->head, "HTTP/1.", 7) || strncmp(c->head + 8, " 200", 4))
		return false;
	cl = strcasestr(c->head, "\r\nContent-Length:");
	if (!cl || cl > end)
		return false;
	c->body_len = strtoul(cl + 17, NULL, 10);
	*body_start = end + 4 - c->head;
	c->state = BODY;
	return true;
}

/* body() - @n more bytes of the body at @p; compared with FILE */
static void body(struct conn *c, const char *p, size_t n)
{
	if (c->got + n > c->body_len ||
	    (expect && (c->got + n > expect_len || memcmp(expect + c->got, p, n)))) {
		finish(c, RES_BAD);
		return;
	}
	c->got += n;
	if (c->got == c->body_len)
		finish(c, expect && c->got != expect_len ? RES_BAD : RES_OK);
}

static void readable(struct conn *c)
{
	static char buf[65536];

	for (;;) {
		ssize_t n = read(c->fd, buf, sizeof(buf));
		size_t start = 0;

		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			finish(c, errno == ECONNRESET ? RES_RESET : RES_BAD);
			return;
		}
		if (n == 0) {
			finish(c, RES_EOF);
			return;
		}
		if (c->state == SENT || c->state == HEADERS) {
			size_t take = sizeof(c->head) - 1 - c->head_len;

			take = (size_t)n < take ? (size_t)n : take;
			memcpy(c->head + c->head_len, buf, take);
			c->head_len += take;
			c->state = HEADERS;
			if (!headers(c, &start)) {
				finish(c, RES_BAD);
				return;
			}
			if (c->state != BODY)
				continue;
			/* the body's first bytes came in head[] */
			body(c, c->head + start, c->head_len - start);
			start = take;
		}
		if (c->state == BODY && (size_t)n > start)
			body(c, buf + start, n - start);
		if (c->state != BODY)
			return;
	}
}

int main(int argc, char **argv)
{
	int n = 1, hold = 0, opt, ep, pending, counts[RES_N] = { 0 };
	bool stall = false, idle = false;
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct rlimit rl;
	struct epoll_event ev[256];
	struct conn *conns;
	long long deadline;
	socklen_t len;

	while ((opt = getopt(argc, argv, "n:H:f:si")) != -1) {
		if (opt == 'n')
			n = atoi(optarg);
		else if (opt == 'H')
			hold = atoi(optarg);
		else if (opt == 'f')
			load_file(optarg);
		else if (opt == 's')
			stall = true;
		else if (opt == 'i')
			idle = true;
		else
			return 2;
	}
	if (argc - optind != 3 || n < 1) {
		fprintf(stderr, "usage: nn-loadclient [-n N] [-H HOLD_MS] [-f FILE] [-s | -i] "
				"HOST PORT PATH\n");
		return 2;
	}
	if (inet_pton(AF_INET, argv[optind], &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(atoi(argv[optind + 1]));
		len = sizeof(*s4);
	} else if (inet_pton(AF_INET6, argv[optind], &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(atoi(argv[optind + 1]));
		len = sizeof(*s6);
	} else {
		fprintf(stderr, "nn-loadclient: %s is not an IP address\n", argv[optind]);
		return 2;
	}
	snprintf(request, sizeof(request), "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", argv[optind + 2],
		 argv[optind]);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	conns = calloc(n, sizeof(*conns));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!conns || ep < 0)
		die("start");
	for (int i = 0; i < n; i++) {
		struct epoll_event e = { .events = EPOLLIN | EPOLLOUT | EPOLLET,
					 .data.ptr = &conns[i] };
		struct conn *c = &conns[i];

		c->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->fd < 0)
			die("socket");
		if (connect(c->fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS)
			die("connect");
		if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &e) < 0)
			die("epoll_ctl");
	}
	deadline = now_ms() + DEADLINE_MS;
	pending = n;
	while (pending > 0 && now_ms() < deadline) {
		int k = epoll_wait(ep, ev, 256, 1000);

		for (int i = 0; i < k; i++) {
			struct conn *c = ev[i].data.ptr;
			int before = c->state, e = 0;
			socklen_t el = sizeof(e);

			if (c->state == CONNECTING && (ev[i].events & (EPOLLOUT | EPOLLERR))) {
				getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &el);
				if (e) {
					finish(c, e == ECONNRESET ? RES_RESET : RES_BAD);
				} else if (idle) {
					c->state = DONE;
				} else if (write(c->fd, request, strlen(request)) !=
					   (ssize_t)strlen(request)) {
					finish(c, RES_BAD);
				} else {
					c->state = SENT;
					if (stall)
						c->state = DONE;
				}
			}
			if (!stall && !idle &&
			    (c->state == SENT || c->state == HEADERS || c->state == BODY))
				readable(c);
			if (before < DONE && c->state >= DONE)
				pending--;
		}
	}
	for (int i = 0; i < n; i++) {
		if (conns[i].state < DONE)
			conns[i].result = RES_TIMEOUT;
		counts[conns[i].result]++;
	}
	printf("held %d pid %d\n", counts[RES_OK], (int)getpid());
	if (stall || (idle && !hold))
		for (;;)
			pause();
	if (hold) {
		struct timespec t = { hold / 1000, (hold % 1000) * 1000000L };

		nanosleep(&t, NULL);
	}
	printf("ok %d eof %d reset %d bad %d timeout %d\n", counts[RES_OK], counts[RES_EOF],
	       counts[RES_RESET], counts[RES_BAD], counts[RES_TIMEOUT]);
	return counts[RES_OK] == n ? 0 : 1;
}
