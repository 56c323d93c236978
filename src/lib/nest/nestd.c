// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nestd.c - the nest daemon's life: its start (the network from nestd_net.c, NAT, the
 * state files), the services (ports, sandboxes, the API that routes to them), its signals,
 * and the teardown of all of it (see nest.h, nestd_internal.h, docs/design.md#the-nest).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <stdarg.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "api.h"
#include "api_ports.h"
#include "child.h"
#include "engine.h"
#include "mem.h"
#include "nat.h"
#include "nest.h"
#include "nestd_internal.h"
#include "portfwd.h"
#include "report.h"
#include "sandbox.h"
#include "state.h"
#include "sweep.h"
#include "util.h"

#define SWEEP_TIMEOUT_MS 5000

static bool rk_mode(const struct nn_nest *n)
{
	return n->cfg.child != NULL;
}

/* hosts: the host's /etc/hosts + this host's name on 127.0.0.1 and ::1 (RootlessKit). */
static int write_hosts(struct nn_nest *n, struct nn_err *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = nn_child_hosts(rk_mode(n), &buf, &len, err);

	return r < 0 ? r : nn_write_file(n->state_fd, "hosts", 0644, buf, len, err);
}

/*
 * RootlessKit mode: .engine_pid (a dot-name: RootlessKit's listing has no such file), and
 * resolv.conf and hosts where RootlessKit has them: for a child with a netns of its own
 * that does not copy up /etc (bind-mounted over /etc/ by the child), and with
 * --detach-netns (RootlessKit 2 writes them, and mounts nothing).
 */
static int write_rk_state_files(struct nn_nest *n, struct nn_err *err)
{
	const struct nn_child_config *c = n->cfg.child;
	char buf[NN_RESOLV_CONF_MAX];
	int len, r = 0;

	if (n->engine_pid > 0) {
		len = snprintf(buf, sizeof(buf), "%d", (int)n->engine_pid);
		r = nn_write_file(n->state_fd, NN_STATE_RK_ENGINE_PID, 0444, buf, len, err);
	}
	if (r < 0 || n->cfg.net == NN_NET_HOST || (!c->detach_netns && nn_child_copies_etc(c)))
		return r;
	len = nn_child_resolv_conf(&n->cfg, buf);
	r = nn_write_file(n->state_fd, "resolv.conf", 0644, buf, len, err);
	return r < 0 ? r : write_hosts(n, err);
}

static int write_state_files(struct nn_nest *n, struct nn_err *err)
{
	char buf[NN_RESOLV_CONF_MAX];
	int len, r;

	if (rk_mode(n))
		return write_rk_state_files(n, err);

	len = nn_child_resolv_conf(&n->cfg, buf);
	r = nn_write_file(n->state_fd, "resolv.conf", 0644, buf, len, err);
	if (r == 0)
		r = write_hosts(n, err);
	if (r == 0) {
		len = snprintf(buf, sizeof(buf), "%d", (int)n->engine_pid);
		r = nn_write_file(n->state_fd, NN_STATE_ENGINE_PID, 0444, buf, len, err);
	}
	if (r == 0 && n->cfg.rootless) {
		struct stat st;

		if (stat("/proc/self/ns/user", &st) < 0)
			return nn_err(err, errno, "stat /proc/self/ns/user");
		len = snprintf(buf, sizeof(buf), "%llu", (unsigned long long)st.st_ino);
		r = nn_write_file(n->state_fd, NN_STATE_USERNS, 0444, buf, len, err);
	}
	return r;
}

void nn_nestd_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGCHLD);
}

/*
 * The services: the port driver, the sandbox service, then the API server that routes
 * to them (api.h), so nothing is asked of a service before it runs.  The calling thread is
 * in the host netns (the daemon's main thread).  On failure everything started is stopped
 * again and n->svc is NULL.  RootlessKit mode has no sandbox service, and its API starts
 * later, after child_pid (rk_api_start()).
 */
static int services_start(struct nn_nest *n, struct nn_err *err)
{
	static const struct nn_api_route *const routes[] = {
		nn_api_ports_routes, nn_sandbox_routes, NULL,
	};
	int r;

	n->svc = calloc(1, sizeof(*n->svc));
	if (!n->svc)
		return nn_err(err, ENOMEM, "start the nest's services");
	/* splice(2) into a socket the peer closed raises SIGPIPE (it has no MSG_NOSIGNAL) */
	signal(SIGPIPE, SIG_IGN);
	r = nn_ports_init(n, err);
	if (r < 0 || rk_mode(n))
		goto out;
	r = nn_sandboxes_init(n, err);
	if (r < 0)
		goto fail_ports;
	r = nn_api_start(n, routes, err);
	if (r < 0)
		goto fail_sandboxes;
	return 0;
fail_sandboxes:
	nn_sandboxes_stop_all(n);
fail_ports:
	nn_ports_stop(n);
out:
	if (r < 0) {
		free(n->svc);
		n->svc = NULL;
	}
	return r;
}

/* RootlessKit's API: its routes only; api.sock 0755 as RootlessKit's (Go's umask 022) */
static int rk_api_start(struct nn_nest *n, struct nn_err *err)
{
	static const struct nn_api_route *const routes[] = { nn_api_ports_routes, NULL };
	int r = nn_api_start(n, routes, err);

	if (r == 0 && fchmodat(n->state_fd, "api.sock", 0755, 0) < 0)
		r = nn_err(err, errno, "chmod %s/api.sock", n->cfg.state_dir);
	return r;
}

/* the API first (no new request), then every sandbox, then every published port */
static void services_stop(struct nn_nest *n)
{
	if (!n->svc)
		return;
	nn_api_stop(n);
	nn_sandboxes_stop_all(n);
	nn_ports_stop(n);
	free(n->svc);
	n->svc = NULL;
}

/*
 * RootlessKit mode, first of the teardown: every process the command left (and the
 * child, and the engine) goes, by the user namespace they live in (rootless) or, as root,
 * by the child's mount namespace; then the child is reaped.
 */
static void rk_teardown(struct nestd *d)
{
	int st;

	if (d->sweep_fd >= 0)
		nn_sweep(&d->sweep_fd, 1, d->sweep_type, -1, SWEEP_TIMEOUT_MS);
	else if (d->child.pid > 0)
		kill(d->child.pid, SIGKILL);
	/* killed here: the status stays that of what ended the nest (the engine's death) */
	if (d->child.pid > 0)
		waitpid(d->child.pid, &st, 0);
	d->child.pid = 0;
	if (d->child.sock >= 0)
		close(d->child.sock);
	d->child.sock = -1;
	if (d->sweep_fd >= 0)
		close(d->sweep_fd);
	d->sweep_fd = -1;
}

/*
 * Rootless, last of the processes: whatever is still in the nest's user namespace, ours,
 * goes, such as a sandbox's process in a netns of its own (`unshare -n`), which the sweeps
 * by netns do not find; it would keep the nest's user namespace alive.
 */
static void sweep_userns(void)
{
	_cleanup_close_ int fd = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		nn_sweep(&fd, 1, CLONE_NEWUSER, -1, SWEEP_TIMEOUT_MS);
}

static void nestd_teardown(struct nestd *d)
{
	struct nn_nest *n = d->n;

	if (rk_mode(n))
		rk_teardown(d);
	if (d->services)
		services_stop(n);
	d->services = false;
	/* `netnest exec nest` joins the nest's netns with processes netnest does not track:
	 * they go with it, or they would keep it (and its tap0, bridge, tables) alive */
	if (!rk_mode(n) && n->nest_netns >= 0)
		nn_sweep(&n->nest_netns, 1, CLONE_NEWNET, -1, SWEEP_TIMEOUT_MS);
	if (d->engine_report >= 0)
		close(d->engine_report);
	d->engine_report = -1;
	nn_engine_stop(n->engine_pid);
	n->engine_pid = 0;
	if (!rk_mode(n) && n->cfg.rootless)
		sweep_userns();
	/* No nft delete: the table lives in the nest's netns and goes with it once the
	 * placeholder is unmounted and the last fd closed (nf_tables_exit_net()). */
	if (d->tap_fd >= 0)
		close(d->tap_fd);
	d->tap_fd = -1;
	if (d->netns_mounted)
		umount2(d->netns_path, MNT_DETACH);
	d->netns_mounted = false;
	if (n->nest_netns >= 0)
		close(n->nest_netns);
	n->nest_netns = -1;
	if (d->left_stopped) {
		nn_state_clear_stopped(n->state_fd);
	} else {
		nn_state_clear(n->state_fd, false);
		nn_state_remove_dir(n->cfg.state_dir);
	}
	if (n->state_fd >= 0)
		close(n->state_fd);
	if (n->host_netns >= 0)
		close(n->host_netns);
	n->state_fd = n->host_netns = -1;
}

static int write_child_pid(struct nn_nest *n, pid_t pid, struct nn_err *err)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%d", (int)pid);

	return nn_write_file(n->state_fd, NN_STATE_CHILD_PID, 0444, buf, len, err);
}

/*
 * RootlessKit mode, after the network and the port driver: the child, the ports of
 * --publish, child_pid, api.sock (RootlessKit's order: pkg/parent/parent.go), and only
 * then the command, so that it finds both.
 */
static int rk_start(struct nestd *d, struct nn_err *err)
{
	struct nn_nest *n = d->n;
	const struct nn_child_config *c = n->cfg.child;
	char path[64];
	int r, id;

	r = nn_child_start(n, &d->child, err);
	if (r < 0)
		return r;
	if (n->cfg.rootless) {
		d->sweep_fd = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
		d->sweep_type = CLONE_NEWUSER;
	} else {
		snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)d->child.pid);
		d->sweep_fd = open(path, O_RDONLY | O_CLOEXEC);
		d->sweep_type = CLONE_NEWNS;
	}
	if (d->sweep_fd < 0)
		return nn_err(err, errno, "open the namespace of RootlessKit's child");
	for (size_t i = 0; i < c->nports; i++) {
		r = nn_ports_add(n, &c->ports[i], NULL, &id, err);
		if (r < 0)
			return nn_err_wrap(err, "--publish");
	}
	r = write_child_pid(n, d->child.pid, err);
	if (r == 0)
		r = rk_api_start(n, err);
	if (r == 0)
		r = nn_child_go(&d->child, err);
	return r;
}

static int nestd_start(struct nestd *d, struct nn_err *err)
{
	struct nn_nest *n = d->n;
	/* RootlessKit mode: host mounts still propagate in, for --propagation=rslave */
	unsigned long prop = MS_REC | (rk_mode(n) ? MS_SLAVE : MS_PRIVATE);
	int r = 0;

	if (mount(NULL, "/", NULL, prop, NULL) < 0)
		return nn_err(err, errno, "make / %s in the nest's mount namespace",
			      rk_mode(n) ? "a slave" : "private");
	n->state_fd = open(n->cfg.state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (n->state_fd < 0)
		return nn_err(err, errno, "open state dir %s", n->cfg.state_dir);
	n->host_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (n->host_netns < 0)
		return nn_err(err, errno, "open the host netns");
	if (n->cfg.net != NN_NET_HOST)
		r = nn_nestd_make_netns(d, err);
	if (r == 0 && n->cfg.net != NN_NET_HOST)
		r = nn_nestd_make_links(d, err);
	/* The engine, started by nn_nestd_make_links(), sets itself up meanwhile.  With no bridge of
	 * its own (RootlessKit mode) the table still masquerades the child's bridges
	 * (docker0, nerdctl0) out of tap0 (nat.h). */
	if (r == 0 && n->cfg.net == NN_NET_ENGINE)
		r = nn_nat_add(n->nest_netns, &n->cfg, err);
	if (r == 0 && d->engine_report >= 0)
		r = nn_nestd_engine_ready(d, err);
	if (r == 0)
		r = write_state_files(n, err);
	if (r == 0) {
		r = services_start(n, err);
		d->services = r == 0;
	}
	if (r == 0 && rk_mode(n))
		return rk_start(d, err);
	if (r == 0)
		r = write_child_pid(n, getpid(), err);
	return r;
}

/* "child exited: exit status 3", "child exited: signal: killed": RootlessKit's parent's
 * words for its child's end (Go's exec.ExitError) */
static void child_exited(int st, struct nn_err *err)
{
	char how[64];

	nn_child_exit_text(st, how, sizeof(how));
	nn_errx(err, ECHILD, "child exited: %s", how);
}

/* the nest stops itself, for the reason @fmt says (@d->why); the last word says so, with
 * @code, and the exit status is 1 */
static void __attribute__((format(printf, 3, 4)))
stop_itself(struct nestd *d, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->why, sizeof(d->why), fmt, ap);
	va_end(ap);
	nn_errx(&d->last, code, "%s; the nest is stopped", d->why);
	d->status = 1;
}

/*
 * engine_exited() - why the engine (wait status @st) is gone, and that the nest went with
 * it; SIGSYS is the kill of its seccomp filter (docs/design.md#engine-isolation)
 */
static void engine_exited(struct nestd *d, int st)
{
	const struct nn_nest *n = d->n;
	const char *bin = n->cfg.engine == NN_ENGINE_BUILTIN ? "netnest-engine" :
			  n->cfg.engine == NN_ENGINE_PASTA ? "pasta" : "slirp4netns";
	int pid = (int)n->engine_pid;

	if (WIFEXITED(st))
		stop_itself(d, ECHILD, "the network engine %s (pid %d) exited with status %d", bin,
			    pid, WEXITSTATUS(st));
	else if (WTERMSIG(st) == SIGSYS && n->cfg.engine == NN_ENGINE_BUILTIN)
		stop_itself(d, ECHILD,
			    "the network engine %s (pid %d) was killed by signal %d (%s: "
			    "a system call its seccomp filter does not allow)",
			    bin, pid, SIGSYS, strsignal(SIGSYS));
	else
		stop_itself(d, ECHILD,
			    "the network engine %s (pid %d) was killed by signal %d (%s)", bin, pid,
			    WTERMSIG(st), strsignal(WTERMSIG(st)));
}

/*
 * Serve until a stop signal or the engine's death; in RootlessKit mode until the child
 * exits or the process that started the daemon is gone (its death signal is SIGTERM,
 * nest.c), and the other signals are the rootlesskit process's to pass on, not ours.
 */
static void nestd_serve(struct nestd *d)
{
	struct nn_nest *n = d->n;
	sigset_t set;
	_cleanup_close_ int sfd = -1;
	int st, e;

	nn_nestd_signals(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0) {
		e = errno;
		stop_itself(d, e, "the nest daemon cannot read its signals: %s", strerror(e));
		return;
	}
	nn_mem_trim(); /* the start-up's code and heap, which serving does not need (mem.h) */
	for (;;) {
		struct signalfd_siginfo si;
		ssize_t len = read(sfd, &si, sizeof(si));

		if (len != sizeof(si)) {
			if (len < 0 && errno == EINTR)
				continue;
			e = len < 0 ? errno : EIO;
			stop_itself(d, e, "the nest daemon cannot read its signals: %s",
				    strerror(e));
			return;
		}
		if (si.ssi_signo != SIGCHLD) {
			if (!rk_mode(n) || getppid() != n->up_pid)
				return;
			continue;
		}
		if (d->child.pid > 0 && waitpid(d->child.pid, &st, WNOHANG) == d->child.pid) {
			d->status = nn_child_status(st);
			d->child.pid = 0;
			/* a command that failed (the child said so itself), or the child killed:
			 * it blocks every signal it can, so only SIGKILL ends it so */
			if (!nn_report_last(d->child.sock, &d->last) &&
			    (WIFSIGNALED(st) || WEXITSTATUS(st)))
				child_exited(st, &d->last);
			return;
		}
		/* Only the engine is ours to reap; the services wait for their own. */
		if (n->engine_pid > 0 && waitpid(n->engine_pid, &st, WNOHANG) == n->engine_pid) {
			engine_exited(d, st);
			n->engine_pid = 0;
			return;
		}
	}
}

void nn_nest_log(const char *fmt, ...)
{
	char line[512], when[32];
	struct tm tm;
	time_t t = time(NULL);
	va_list ap;
	int len;

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	len = snprintf(line, sizeof(line), "netnest: %s ", when);
	va_start(ap, fmt);
	len += vsnprintf(line + len, sizeof(line) - len - 1, fmt, ap);
	va_end(ap);
	if (len > (int)sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	/* one write(2): lines of several threads never interleave (O_APPEND or a tty) */
	if (write(STDERR_FILENO, line, len) < 0)
		return; /* no log to tell */
}

/*
 * raise_nofile() - the soft RLIMIT_NOFILE up to the hard one, as Go's runtime does for
 * RootlessKit (go/src/syscall/rlimit.go, Go >= 1.19): a published port holds two
 * descriptors per connection (portfwd_tcp.c), and the default soft 1024 is 500 clients.
 */
static void raise_nofile(void)
{
	struct rlimit nofile;

	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
}

/*
 * A detached nest that stops itself has no one to hear why: it goes on its log and, before
 * the teardown (which leaves it, lock and log), in the state file "stopped" (state.h).
 */
static void leave_stopped(struct nestd *d)
{
	struct nn_err err = { 0 };

	nn_nest_log("%s", d->last.msg);
	if (nn_state_stopped_write(d->n->state_fd, d->why, &err) < 0)
		nn_nest_log("%s", err.msg); /* then everything goes, as after a stop signal */
	else
		d->left_stopped = true;
}

int nn_nestd_run(struct nn_nest *n, int report_fd)
{
	struct nestd d = { .n = n, .tap_fd = -1, .engine_report = -1,
			   .child = { .sock = -1 }, .sweep_fd = -1 };
	struct nn_err err = { 0 };
	int r;

	n->state_fd = n->host_netns = n->nest_netns = -1;
	n->engine_pid = 0;
	raise_nofile();
	r = nestd_start(&d, &err);
	if (r < 0) {
		nestd_teardown(&d);
		nn_report_send(report_fd, r, &err);
		close(report_fd);
		return 1;
	}
	nn_report_send(report_fd, 0, NULL);
	if (!rk_mode(n)) {
		/* a foreground `up` waits for the last word; `up -d` is gone */
		if (n->detached) {
			close(report_fd);
			report_fd = -1;
		}
		nn_sandboxes_serving(n); /* the pool's first pair, after `up -d` has its answer */
	}
	nestd_serve(&d);
	if (d.why[0] && n->detached && !rk_mode(n))
		leave_stopped(&d);
	nestd_teardown(&d);
	if (d.last.code && report_fd >= 0)
		nn_report_send(report_fd, -d.last.code, &d.last);
	if (report_fd >= 0)
		close(report_fd);
	return d.status;
}
