// SPDX-License-Identifier: GPL-2.0-or-later
/* extengine.c - slirp4netns or pasta as the nest's engine (see extengine.h) */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine.h"
#include "extengine.h"
#include "util.h"

extern char **environ;

/* fds in the engine: the ready pipe and the nest's netns */
#define EXT_READY_FD 3
#define EXT_NETNS_FD 4
#define EXT_READY_MS 10000
#define HELP_MAX 16384
#define ARGV_MAX 40

static const char *const engine_names[] = {
	[NN_ENGINE_BUILTIN] = "builtin",
	[NN_ENGINE_SLIRP4NETNS] = "slirp4netns",
	[NN_ENGINE_PASTA] = "pasta",
};

/* The flags netnest passes, as --help lists them (slirp4netns.1, pasta --help). */
static const char *const slirp4netns_flags[] = {
	"--ready-fd", "--netns-type", "--mtu", "--cidr", "--disable-host-loopback",
	"--enable-ipv6", "--enable-seccomp", NULL,
};
static const char *const pasta_flags[] = {
	"--foreground", "--quiet", "--config-net", "--ns-ifname", "--mtu", "--address",
	"--netmask", "--gateway", "--dns-forward", "--no-map-gw", "--ipv4-only", "--tcp-ports",
	"--udp-ports", "--tcp-ns", "--udp-ns", "--pid", "--netns", "--no-netns-quit", NULL,
};

int nn_engine_parse(const char *name, enum nn_engine *out, struct nn_err *err)
{
	for (size_t i = 0; i < sizeof(engine_names) / sizeof(engine_names[0]); i++) {
		if (!strcmp(name, engine_names[i])) {
			*out = (enum nn_engine)i;
			return 0;
		}
	}
	return nn_errx(err, EINVAL, "--net %s: unknown engine (builtin, slirp4netns or pasta)",
		       name);
}

const char *nn_engine_name(enum nn_engine e)
{
	return engine_names[e];
}

/* The first executable NAME in $PATH, into @out. */
static int find_in_path(const char *name, char *out, size_t size, struct nn_err *err)
{
	const char *path = getenv("PATH");

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path; *p;) {
		size_t len = strcspn(p, ":");

		if (len > 0 && (size_t)snprintf(out, size, "%.*s/%s", (int)len, p, name) < size &&
		    access(out, X_OK) == 0)
			return 0;
		p += len;
		if (*p == ':')
			p++;
	}
	out[0] = '\0';
	return nn_errx(err, ENOENT, "--net %s: %s not found in $PATH (Debian package %s)", name,
		       name, strcmp(name, "pasta") ? name : "passt");
}

/* `BIN --help`, stdout and stderr, into @buf (cut at @size - 1). */
static int read_help(const char *bin, char *buf, size_t size, struct nn_err *err)
{
	char *argv[] = { (char *)bin, "--help", NULL };
	posix_spawn_file_actions_t fa;
	_cleanup_close_ int rd = -1;
	size_t len = 0;
	ssize_t n;
	int p[2], r;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return nn_err(err, errno, "pipe for %s --help", bin);
	rd = p[0];
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	r = posix_spawn(&pid, bin, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (r)
		return nn_err(err, r, "run %s --help", bin);
	while (len < size - 1 && ((n = read(rd, buf + len, size - 1 - len)) > 0 ||
				  (n < 0 && errno == EINTR)))
		len += n > 0 ? (size_t)n : 0;
	buf[len] = '\0';
	close(steal_fd(&rd)); /* a --help longer than the buffer gets EPIPE, not a hang */
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return 0;
}

/* an IPv4 default route in the caller's netns: /proc/net/route, proc(5) */
static bool has_default_route(void)
{
	FILE *f = fopen("/proc/net/route", "re");
	char line[256], ifname[32];
	unsigned dst, mask;
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%31s %x %*x %*x %*d %*d %*d %x", ifname, &dst, &mask) == 3)
			found = dst == 0 && mask == 0;
	}
	fclose(f);
	return found;
}

int nn_extengine_check(struct nn_nest_config *cfg, struct nn_err *err)
{
	const char *name = nn_engine_name(cfg->engine);
	const char *const *flags = cfg->engine == NN_ENGINE_PASTA ? pasta_flags : slirp4netns_flags;
	_cleanup_free_ char *help = NULL;
	int r;

	cfg->engine_bin[0] = '\0';
	if (cfg->net != NN_NET_ENGINE || cfg->engine == NN_ENGINE_BUILTIN)
		return 0;
	r = find_in_path(name, cfg->engine_bin, sizeof(cfg->engine_bin), err);
	if (r < 0)
		return r;
	help = malloc(HELP_MAX);
	if (!help)
		return nn_err(err, ENOMEM, "--net %s", name);
	r = read_help(cfg->engine_bin, help, HELP_MAX, err);
	if (r < 0)
		return r;
	for (; *flags; flags++) {
		if (!strstr(help, *flags))
			return nn_errx(err, ENOTSUP, "--net %s: %s is too old: its --help has no %s",
				       name, cfg->engine_bin, *flags);
	}
	if (cfg->engine == NN_ENGINE_PASTA && !has_default_route())
		return nn_errx(err, ENETUNREACH, "--net pasta: the host has no IPv4 default "
			       "route, and pasta needs one to start");
	return 0;
}

/* One argv under construction; strings are copied into @buf. */
struct args {
	char *v[ARGV_MAX + 1];
	size_t n, used;
	char buf[1024];
};

static void arg(struct args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void arg(struct args *a, const char *fmt, ...)
{
	va_list ap;
	int len;

	if (a->n >= ARGV_MAX || a->used >= sizeof(a->buf))
		return;
	va_start(ap, fmt);
	len = vsnprintf(a->buf + a->used, sizeof(a->buf) - a->used, fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(a->buf) - a->used)
		return;
	a->v[a->n++] = a->buf + a->used;
	a->used += (size_t)len + 1;
}

/*
 * slirp4netns as RootlessKit runs it with a detached netns (slirp4netns.go): on the tap
 * the daemon made, which the daemon configures (no --configure), ready on fd 3.
 */
static void slirp4netns_args(const struct nn_nest_config *c, struct args *a)
{
	char net[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &c->cidr.addr, net, sizeof(net));
	arg(a, "--mtu=%u", c->mtu);
	arg(a, "--ready-fd=%d", EXT_READY_FD);
	arg(a, "--cidr=%s/%u", net, c->cidr.prefix);
	if (!c->allow_host_loopback)
		arg(a, "--disable-host-loopback");
	if (c->ipv6)
		arg(a, "--enable-ipv6");
	arg(a, "--enable-seccomp");
	arg(a, "--netns-type=path");
	arg(a, "/proc/self/fd/%d", EXT_NETNS_FD);
	arg(a, "%s", c->tap);
}

/*
 * pasta as RootlessKit runs it (pasta.go), in the foreground so its PID is ours to watch,
 * with its PID file (written once it is set up: passt.c) on the ready pipe.
 */
static void pasta_args(const struct nn_nest_config *c, struct args *a)
{
	char ip[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN], dns[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &c->tap_ip, ip, sizeof(ip));
	inet_ntop(AF_INET, &c->gateway, gw, sizeof(gw));
	inet_ntop(AF_INET, &c->dns, dns, sizeof(dns));
	arg(a, "--foreground");
	arg(a, "--quiet");
	arg(a, "--ns-ifname=%s", c->tap);
	arg(a, "--mtu=%u", c->mtu);
	arg(a, "--config-net");
	arg(a, "--address=%s", ip);
	arg(a, "--netmask=%u", c->cidr.prefix);
	arg(a, "--gateway=%s", gw);
	arg(a, "--dns-forward=%s", dns);
	if (!c->allow_host_loopback)
		arg(a, "--no-map-gw");
	arg(a, "--ipv4-only");
	arg(a, "--tcp-ports=none");
	arg(a, "--udp-ports=none");
	arg(a, "--tcp-ns=none");
	arg(a, "--udp-ns=none");
	arg(a, "--pid=/proc/self/fd/%d", EXT_READY_FD);
	arg(a, "--no-netns-quit");
	arg(a, "--netns=/proc/self/fd/%d", EXT_NETNS_FD);
}

static __attribute__((noreturn)) void ext_child(const struct nn_nest_config *cfg, int wr,
						int netns_fd, pid_t parent)
{
	struct args a = { .n = 0 };
	/* above 4 first, so that dup2() cannot clobber one with the other */
	int w = fcntl(wr, F_DUPFD, 16), ns = fcntl(netns_fd, F_DUPFD, 16);

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent || w < 0 || ns < 0 || dup2(w, EXT_READY_FD) < 0 ||
	    dup2(ns, EXT_NETNS_FD) < 0)
		_exit(127);
	close_range(EXT_NETNS_FD + 1, ~0u, 0);
	arg(&a, "%s", nn_engine_name(cfg->engine));
	if (cfg->engine == NN_ENGINE_PASTA)
		pasta_args(cfg, &a);
	else
		slirp4netns_args(cfg, &a);
	execv(cfg->engine_bin, a.v);
	_exit(127);
}

int nn_extengine_spawn(const struct nn_nest_config *cfg, int netns_fd, pid_t *pid,
		       int *ready_fd, struct nn_err *err)
{
	_cleanup_close_ int rd = -1, wr = -1;
	int p[2];
	pid_t parent = getpid(), child;

	if (pipe2(p, O_CLOEXEC) < 0)
		return nn_err(err, errno, "--net %s: pipe", nn_engine_name(cfg->engine));
	rd = p[0];
	wr = p[1];
	child = fork();
	if (child < 0)
		return nn_err(err, errno, "--net %s: fork", nn_engine_name(cfg->engine));
	if (child == 0)
		ext_child(cfg, wr, netns_fd, parent);
	*pid = child;
	*ready_fd = steal_fd(&rd);
	return 0;
}

int nn_extengine_ready(const struct nn_nest_config *cfg, pid_t pid, int ready_fd,
		       struct nn_err *err)
{
	const char *name = nn_engine_name(cfg->engine);
	struct pollfd pfd = { .fd = ready_fd, .events = POLLIN };
	char buf[32];
	ssize_t n = -1;
	int r, st;

	do
		r = poll(&pfd, 1, EXT_READY_MS);
	while (r < 0 && errno == EINTR);
	if (r > 0)
		n = read(ready_fd, buf, sizeof(buf));
	close(ready_fd);
	if (n > 0)
		return 0;
	if (r == 0) {
		nn_engine_stop(pid);
		return nn_errx(err, ETIMEDOUT, "--net %s: %s not ready after %d s", name,
			       cfg->engine_bin, EXT_READY_MS / 1000);
	}
	/* EOF: it exited (or closed the pipe) before it was ready */
	kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st))
		return nn_errx(err, ECHILD, "--net %s: %s exited with status %d before it was "
			       "ready (its message, if any, is on the nest's log)", name,
			       cfg->engine_bin, WEXITSTATUS(st));
	return nn_errx(err, ECHILD, "--net %s: %s died before it was ready", name,
		       cfg->engine_bin);
}
