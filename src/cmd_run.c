// SPDX-License-Identifier: GPL-2.0-or-later
/* cmd_run.c - netnest run, ps, stop: sandboxes joined to a nest's bridge */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "lib/nest/bypass.h"
#include "lib/nest/client.h"
#include "lib/core/out.h"
#include "lib/nest/portspec.h"
#include "lib/nest/sandbox.h"
#include "lib/core/state.h"
#include "lib/core/util.h"

/* The nest's state dir and api.sock path. */
static int nest_paths(const char *nest, char dir[PATH_MAX], char sock[PATH_MAX],
		      struct nn_err *err)
{
	int r = nn_state_dir(nest, dir, err);

	if (r < 0)
		return r;
	if (snprintf(sock, PATH_MAX, "%s/api.sock", dir) >= PATH_MAX)
		return nn_err(err, ENAMETOOLONG, "%s/api.sock", dir);
	return 0;
}

/* ---- run ---- */

static int run_usage(FILE *f, int status)
{
	fprintf(f,
		"Usage: netnest run [--nest NAME] [-d] [--name NAME] [--bypass] [-p SPEC]... -- CMD "
		"[ARGS...]\n"
		"\n"
		"Run CMD in a sandbox: a network namespace joined to the nest's bridge (eth0 with\n"
		"a lease from the nest's subnet, default route via the bridge), with copies of\n"
		"the nest's resolv.conf and hosts of its own.  Its processes are those of its\n"
		"netns: when CMD exits the others are killed.  In the foreground run returns\n"
		"once the sandbox is gone (its name, lease and ports free again), with CMD's\n"
		"exit status.\n"
		"\n"
		"  --nest NAME          the nest (default \"default\")\n"
		"  -d, --detach         run in the background and print the sandbox name\n"
		"  --name NAME          sandbox name (default: 12 random hex digits)\n"
		"  -p, --publish SPEC   publish a port: [hostIP:]hostPort:sandboxPort[/tcp|/udp]\n"
		"                       (up to 64 times)\n"
		"  --bypass             sockets to the outside are made in the host netns, so\n"
		"                       their bytes skip the engine (seccomp; docs/bypass.md)\n"
		"  -h, --help           show this help\n");
	return status;
}

struct run_opts {
	const char *nest;
	const char *dir; /* its state dir, as seen before entering the nest */
	const char *sock; /* its api.sock there */
	char name[NN_NAME_MAX + 1];
	bool detach;
	bool bypass;
	json_t *publish;
	char **cmd;
};

static int random_name(char out[NN_NAME_MAX + 1], struct nn_err *err)
{
	unsigned char b[6];

	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		return nn_err(err, errno, "pick a sandbox name");
	snprintf(out, NN_NAME_MAX + 1, "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4],
		 b[5]);
	return 0;
}

/* Parse argv; on a usage error return EXIT_USAGE (message printed), on --help -1. */
static int run_parse(int argc, char **argv, struct run_opts *o)
{
	static const struct option lo[] = { { "nest", required_argument, NULL, 'N' },
					    { "detach", no_argument, NULL, 'd' },
					    { "name", required_argument, NULL, 'n' },
					    { "publish", required_argument, NULL, 'p' },
					    { "bypass", no_argument, NULL, 'B' },
					    { "help", no_argument, NULL, 'h' },
					    { 0 } };
	struct nn_portspec spec;
	struct nn_err err;
	const char *why;
	unsigned count;
	int c;

	/* '+': stop at the first non-option, so CMD's own options stay CMD's */
	while ((c = getopt_long(argc, argv, "+:dp:h", lo, NULL)) != -1) {
		switch (c) {
		case 'N':
			if (nn_nest_arg("run", optarg))
				return EXIT_USAGE;
			o->nest = optarg;
			break;
		case 'd':
			o->detach = true;
			break;
		case 'B':
			o->bypass = true;
			break;
		case 'n':
			if (!nn_sandbox_name_ok(optarg, &why))
				return nn_usage_error("run", "sandbox name '%s' %s", optarg, why);
			snprintf(o->name, sizeof(o->name), "%s", optarg);
			break;
		case 'p':
			if (nn_portspec_parse(optarg, &spec, &count, &err) < 0)
				return nn_usage_error("run", "%s", err.msg);
			for (size_t i = 0; i < json_array_size(o->publish); i++) {
				const char *prev = json_string_value(json_array_get(o->publish, i));
				struct nn_portspec ps;
				unsigned n;
				uint16_t port;

				if (nn_portspec_parse(prev, &ps, &n, NULL) == 0 &&
				    nn_portspec_ranges_conflict(&ps, n, &spec, count, &port))
					return nn_usage_error("run",
							      "-p %s and -p %s both want "
							      "host port %u",
							      prev, optarg, port);
			}
			if (json_array_size(o->publish) == NN_SANDBOX_PUBLISH_MAX)
				return nn_usage_error("run", "too many -p: a sandbox publishes at "
						      "most %d ports", NN_SANDBOX_PUBLISH_MAX);
			json_array_append_new(o->publish, json_string(optarg));
			break;
		case 'h':
			return -1;
		default:
			return nn_opt_error(argv, c);
		}
	}
	if (optind >= argc)
		return nn_usage_error("run", "no command given");
	o->cmd = argv + optind;
	return 0;
}

/* The POST body; @listener: the seccomp listener's fd in @pid for --bypass, else -1. */
static json_t *run_request(const struct run_opts *o, pid_t pid, int listener)
{
	json_t *cmd = json_array(), *req;

	for (char **a = o->cmd; *a; a++)
		json_array_append_new(cmd, json_string(*a));
	req = json_pack("{s:s, s:i, s:O, s:o}", "name", o->name, "pid", (int)pid, "publish",
			o->publish, "command", cmd);
	if (req && listener >= 0 &&
	    json_object_update_new(req, json_pack("{s:b, s:i}", "bypass", 1, "seccomp_fd",
						  listener)) < 0)
		json_decref(steal_pointer(&req));
	return req;
}

static int post_sandbox(const char *sock, const struct run_opts *o, pid_t pid, int listener,
			struct nn_err *err)
{
	_cleanup_json_ json_t *req = run_request(o, pid, listener);
	unsigned status;
	int r;

	if (!req)
		return nn_err(err, ENOMEM, "sandbox %s: request", o->name);
	r = nn_client_request(sock, "POST", NN_SANDBOX_API, req, &status, NULL, err);
	if (nn_client_unserved(r, status))
		return nn_client_not_serving(o->nest, o->dir, err); /* going down, or gone */
	if (r == -ETIMEDOUT)
		nn_client_timed_out(o->nest, o->dir, err);
	return r;
}

/* The conventional shell statuses for a command that cannot be run (POSIX sh, 2.8.2). */
static int exec_status(int e)
{
	return e == ENOENT ? 127 : 126;
}

/* Has the nest stopped serving (going down, or gone)?  Its API goes first and takes
 * api.sock along (nestd.c services_stop). */
static bool api_gone(const struct run_opts *o)
{
	return access(o->sock, F_OK) < 0;
}

/*
 * Did the sandbox die of signal @sig (0: it did not) before its command started, because
 * its nest went down (a `down` ends every process of the nest's user namespace)?  Then that
 * is said, as a request to the nest would say it, instead of dying of the signal in silence.
 */
static bool killed_starting(const struct run_opts *o, int sig, struct nn_err *err)
{
	if (!sig || !api_gone(o))
		return false;
	nn_client_not_serving(o->nest, o->dir, err);
	nn_err_wrap(err, "sandbox %s did not start (killed by signal %d)", o->name, sig);
	return true;
}

/*
 * Enter the nest and the sandbox's namespaces (nn_sandbox_enter()); warn of a host /sys.
 * What fails once the nest's API is gone (a down racing this run removes the pool's
 * socket and the state dir's files) is said as a request to it would say it.
 */
static int enter(const char *dir, pid_t daemon, const struct run_opts *o, struct nn_err *err)
{
	int sysfs_refused, r = nn_sandbox_enter(dir, daemon, &sysfs_refused, err);

	if (r < 0 && api_gone(o))
		return nn_client_not_serving(o->nest, o->dir, err);
	if (r == -ETIMEDOUT) /* the pool did not answer */
		nn_client_timed_out(o->nest, o->dir, err);
	if (r == 0 && sysfs_refused)
		nn_warn("sandbox %s: /sys is the host's, so /sys/class/net lists the host's "
			"devices: the kernel refused a sysfs of the sandbox's netns (%s; "
			"docs/sandboxes.md#sys)",
			o->name, strerror(sysfs_refused));
	return r;
}

/* The child of run -d: enter, say it is ready (the --bypass listener's number, or 0; on
 * failure it says why itself and exits), exec once the daemon has wired it.  Returns only
 * to be _exit()ed with its status. */
static int detached_sandbox(const char *dir, pid_t daemon, const struct run_opts *o, int go,
			    int st, struct nn_err *err)
{
	int null, ready = 0, e;
	char byte;

	if (enter(dir, daemon, o, err) < 0)
		return nn_print_err(err);
	if (o->bypass && (ready = nn_bypass_install(err)) < 0) {
		nn_err_wrap(err, "sandbox %s: --bypass", o->name);
		return nn_print_err(err);
	}
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0) {
		nn_err(err, errno, "sandbox %s: open /dev/null", o->name);
		return nn_print_err(err);
	}
	if (write(st, &ready, sizeof(ready)) != sizeof(ready) || read(go, &byte, 1) != 1)
		return EXIT_FAIL; /* the parent is gone or gave up: it said why */
	setsid();
	dup2(null, 0), dup2(null, 1), dup2(null, 2);
	/* the sandbox starts with 0-2 alone, as a container does; st stays open until the
	 * exec to report its failure */
	close_range(3, ~0u, CLOSE_RANGE_CLOEXEC);
	execvp(o->cmd[0], o->cmd);
	e = errno;
	/* should this fail, the parent sees EOF and reports success; the status remains */
	(void)!write(st, &e, sizeof(e));
	return exec_status(e);
}

/*
 * -d: the sandbox is a child that enters the namespaces itself, so that run stays in the
 * caller's, as in the foreground: the sweep of a sandbox whose command ends at once finds
 * every process of its netns, and run is not one of them.  Once the child is in, run
 * POSTs it and lets it exec.
 */
static int run_detached(const char *dir, pid_t daemon, const char *sock, const struct run_opts *o,
			struct nn_err *err)
{
	int go[2], st[2], e = 0, ready, status;
	char byte = 0;
	pid_t child;
	ssize_t n;

	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(st, O_CLOEXEC) < 0)
		return nn_err(err, errno, "sandbox %s: pipe", o->name);
	fflush(NULL);
	child = fork();
	if (child < 0)
		return nn_err(err, errno, "sandbox %s: fork", o->name);
	if (child == 0) {
		close(go[1]);
		close(st[0]);
		_exit(detached_sandbox(dir, daemon, o, go[0], st[1], err));
	}
	close(go[0]);
	close(st[1]);
	if (read(st[0], &ready, sizeof(ready)) != sizeof(ready)) {
		/* the child said why it could not enter, and exited; or a signal ended it (a
		 * `down` ends every process of the nest's user namespace), which is said here */
		waitpid(child, &status, 0);
		if (WIFSIGNALED(status) && !killed_starting(o, WTERMSIG(status), err))
			nn_errx(err, EINTR, "sandbox %s did not start (killed by signal %d)",
				o->name, WTERMSIG(status));
		if (WIFSIGNALED(status))
			return nn_fail(err);
		return WIFEXITED(status) && WEXITSTATUS(status) ? WEXITSTATUS(status) : EXIT_FAIL;
	}
	if (post_sandbox(sock, o, child, o->bypass ? ready : -1, err) < 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		return nn_fail(err);
	}
	if (write(go[1], &byte, 1) != 1)
		return nn_err(err, errno, "sandbox %s: start", o->name);
	close(go[1]);
	n = read(st[0], &e, sizeof(e)); /* EOF: exec succeeded (the pipe is O_CLOEXEC) */
	if (n == sizeof(e)) {
		/* the status of the foreground's failed exec, 126 or 127 */
		waitpid(child, NULL, 0);
		nn_err(err, e, "sandbox %s: run %s", o->name, o->cmd[0]);
		nn_print_err(err);
		return exec_status(e);
	}
	printf("%s\n", o->name);
	return 0;
}

/*
 * Foreground --bypass: once the filter is on, this process's connect(2) waits for the daemon
 * to serve it, so the POST is made by a child forked before (its own connect not reported);
 * the daemon takes the listener out of this process by its number (pidfd_getfd(2)).
 */
static int run_bypassed(const char *sock, const struct run_opts *o, struct nn_err *err)
{
	int p[2], listener, status;
	pid_t poster;

	if (pipe2(p, O_CLOEXEC) < 0)
		return nn_err(err, errno, "sandbox %s: pipe", o->name);
	poster = fork();
	if (poster < 0)
		return nn_err(err, errno, "sandbox %s: fork", o->name);
	if (poster == 0) {
		close(p[1]);
		if (read(p[0], &listener, sizeof(listener)) != sizeof(listener))
			_exit(EXIT_FAIL);
		if (post_sandbox(sock, o, getppid(), listener, err) < 0)
			_exit(nn_print_err(err));
		_exit(0);
	}
	close(p[0]);
	listener = nn_bypass_install(err);
	if (listener < 0) {
		close(p[1]); /* the poster sees EOF and posts nothing */
		waitpid(poster, NULL, 0);
		return nn_err_wrap(err, "sandbox %s: --bypass", o->name);
	}
	if (write(p[1], &listener, sizeof(listener)) != sizeof(listener))
		return nn_err(err, errno, "sandbox %s: --bypass", o->name);
	close(p[1]);
	if (waitpid(poster, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		exit(EXIT_FAIL); /* the poster said why */
	close(listener); /* the daemon has its own copy */
	return 0;
}

/* ---- the foreground run ---- */

/* The signals a foreground run passes on to its sandbox, and the sandbox (fg_sandbox()). */
static const int fg_forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2 };
static volatile sig_atomic_t fg_child;

/* Those a process sent (si_code <= 0: SI_USER, SI_QUEUE, SI_TKILL, sigaction(2)) go on;
 * those the terminal sent to its foreground process group reached the sandbox too. */
static void fg_forward(int sig, siginfo_t *si, void *uc)
{
	int e = errno;

	(void)uc;
	if (si->si_code <= 0 && fg_child > 0 && si->si_pid != fg_child)
		kill(fg_child, sig);
	errno = e;
}

/* The sandbox, in the child of a foreground run: returns only when it fails, its status.
 * A byte on @started (close-on-exec) tells the parent that the command is next. */
static int fg_sandbox(const char *dir, pid_t daemon, const char *sock, const struct run_opts *o,
		      pid_t parent, int started, struct nn_err *err)
{
	int r;

	if (enter(dir, daemon, o, err) < 0)
		return nn_print_err(err);
	/* a SIGKILLed run takes its sandbox along, as when the run was the sandbox; set after
	 * the setns(2) into the nest's user namespace, which clears it (prctl(2)) */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		return EXIT_FAIL;
	if (o->bypass)
		r = run_bypassed(sock, o, err);
	else
		r = post_sandbox(sock, o, getpid(), -1, err);
	if (r < 0)
		return nn_print_err(err);
	fflush(NULL);
	if (write(started, "x", 1) != 1) {
		nn_err(err, errno, "sandbox %s: tell run it started", o->name);
		return nn_print_err(err);
	}
	close_range(3, ~0u, CLOSE_RANGE_CLOEXEC); /* as run -d: 0-2 alone */
	execvp(o->cmd[0], o->cmd);
	r = errno;
	nn_err(err, r, "sandbox %s: run %s", o->name, o->cmd[0]);
	nn_print_err(err);
	return exec_status(r);
}

/* Ask the daemon to wait until sandbox @o->name of process @pid has released its name,
 * ports and lease; a nest that is gone has released them all. */
static void wait_released(const char *sock, const struct run_opts *o, pid_t pid)
{
	_cleanup_json_ json_t *body = json_pack("{s:i}", "pid", (int)pid);
	char path[sizeof(NN_SANDBOX_API) + NN_NAME_MAX + 8];
	struct nn_err err;
	unsigned status;
	int r;

	snprintf(path, sizeof(path), "%s/%s/wait", NN_SANDBOX_API, o->name);
	r = body ? nn_client_request(sock, "POST", path, body, &status, NULL, &err) : 0;
	if (r == -ETIMEDOUT)
		nn_client_timed_out(o->nest, o->dir, &err);
	if (r < 0 && !nn_client_unserved(r, status))
		nn_print_err(&err);
}

/* run's status for the sandbox's wait status: its exit status, or its signal, raised on
 * this process (with no core dump of its own) so that the caller sees the same death. */
static int exit_like(int status)
{
	struct rlimit none = { 0, 0 };
	sigset_t set;
	int sig;

	if (!WIFSIGNALED(status))
		return WEXITSTATUS(status);
	sig = WTERMSIG(status);
	setrlimit(RLIMIT_CORE, &none);
	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	fflush(NULL);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	return 128 + sig; /* the shells' way to say it, should this process survive it */
}

/*
 * Foreground: the sandbox is a child, so that this process, outside its namespaces,
 * outlives it.  Once the sandbox has exited (seen, not reaped, so its PID is no other
 * process's) the daemon is asked to wait for the release of its name, ports and lease
 * (POST .../<name>/wait, nn_sb_api_wait()), and only then does run return, with the
 * sandbox's status, as `docker run --rm` returns once the container is removed.  Signals
 * sent to run go on to the sandbox (fg_forward()).
 */
static int run_foreground(const char *dir, pid_t daemon, const char *sock, const struct run_opts *o,
			  struct nn_err *err)
{
	struct sigaction sa = { .sa_sigaction = fg_forward, .sa_flags = SA_SIGINFO | SA_RESTART };
	struct sigaction old[ARRAY_SIZE(fg_forwarded)];
	sigset_t fwd, mask;
	pid_t parent = getpid(), child;
	int status = 0, started[2];
	bool killed = false, ran;
	char c;
	siginfo_t si;

	if (pipe2(started, O_CLOEXEC) < 0)
		return nn_err(err, errno, "sandbox %s: pipe", o->name);
	sigemptyset(&sa.sa_mask);
	sigemptyset(&fwd);
	for (size_t i = 0; i < ARRAY_SIZE(fg_forwarded); i++)
		sigaddset(&fwd, fg_forwarded[i]);
	/* blocked until fg_child is set: none is lost, none goes nowhere */
	sigprocmask(SIG_BLOCK, &fwd, &mask);
	for (size_t i = 0; i < ARRAY_SIZE(fg_forwarded); i++)
		sigaction(fg_forwarded[i], &sa, &old[i]);
	fflush(NULL);
	child = fork();
	if (child == 0) {
		for (size_t i = 0; i < ARRAY_SIZE(fg_forwarded); i++)
			sigaction(fg_forwarded[i], &old[i], NULL);
		sigprocmask(SIG_SETMASK, &mask, NULL);
		close(started[0]);
		status = fg_sandbox(dir, daemon, sock, o, parent, started[1], err);
		fflush(NULL);
		_exit(status);
	}
	close(started[1]);
	if (child > 0) {
		fg_child = child;
		sigprocmask(SIG_SETMASK, &mask, NULL);
		while (waitid(P_PID, (id_t)child, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR)
			;
		/* a byte: the command was next (fg_sandbox()); the pipe is close-on-exec */
		ran = read(started[0], &c, 1) == 1;
		killed = !ran && killed_starting(o, si.si_code == CLD_KILLED ||
							   si.si_code == CLD_DUMPED ? si.si_status : 0,
						  err);
		/* one that exited before its command, having said why, was not (or not for
		 * sure: a POST that timed out) a sandbox of the nest, nothing to wait for */
		if (!killed && (ran || si.si_code != CLD_EXITED))
			wait_released(sock, o, child);
		while (waitpid(child, &status, 0) < 0 && errno == EINTR)
			;
	}
	close(started[0]);
	fg_child = 0;
	for (size_t i = 0; i < ARRAY_SIZE(fg_forwarded); i++)
		sigaction(fg_forwarded[i], &old[i], NULL);
	sigprocmask(SIG_SETMASK, &mask, NULL);
	if (child < 0)
		return nn_err(err, errno, "sandbox %s: fork", o->name);
	if (killed)
		return -ESHUTDOWN;
	return exit_like(status);
}

int cmd_run(int argc, char **argv, struct nn_err *err)
{
	_cleanup_json_ json_t *publish = json_array();
	struct run_opts o = { .nest = NN_NEST_DEFAULT, .publish = publish };
	char dir[PATH_MAX], sock[PATH_MAX];
	pid_t daemon;
	int r;

	r = run_parse(argc, argv, &o);
	if (r < 0)
		return run_usage(stdout, 0);
	if (r)
		return r;
	if (!*o.name && random_name(o.name, err) < 0)
		return nn_fail(err);
	if (nest_paths(o.nest, dir, sock, err) < 0)
		return nn_fail(err);
	o.dir = dir;
	o.sock = sock;
	r = nn_state_child_pid(dir, &daemon, err);
	if (r == -ENOENT || r == -ESRCH)
		r = nn_client_not_serving(o.nest, dir, err);
	if (r < 0)
		return nn_fail(err);
	if (!o.detach)
		return run_foreground(dir, daemon, sock, &o, err);
	return run_detached(dir, daemon, sock, &o, err);
}

/* ---- ps ---- */

static int ps_usage(FILE *f, int status)
{
	fprintf(f, "Usage: netnest ps [--nest NAME] [--json]\n\n"
		   "List the sandboxes of a nest: NAME IP IPV6 PORTS PID BYPASS COMMAND.\n\n"
		   "Options:\n"
		   "      --nest NAME  the nest (default \"default\")\n"
		   "      --json       print JSON\n"
		   "  -h, --help       show this help\n");
	return status;
}

/* string_in() - is @s one of the strings of array @a? */
static bool string_in(json_t *a, const char *s)
{
	json_t *v;
	size_t i;

	json_array_foreach(a, i, v)
		if (s && !strcmp(json_string_value(v) ?: "", s))
			return true;
	return false;
}

/*
 * The PORTS column: the port driver's ports (@pub, a record's "publish"), then the
 * bypass's (@byp): those a host socket listens on, then those the sandbox bound on its own
 * loopback, then those nothing listens on yet (docs/bypass.md#published-ports); runs of a
 * range as one.
 */
static void ports_text(json_t *pub, json_t *byp, char *buf, size_t len)
{
	static const char *const notes[] = { NULL, "(loopback)", "(unbound)" };
	json_t *bports = json_object_get(byp, "ports"), *v;
	size_t n = json_array_size(pub) + json_array_size(bports), k[3] = { 0 }, off = 0, i;
	_cleanup_free_ struct nn_portspec *ps = calloc(3 * (n ?: 1), sizeof(*ps));

	*buf = '\0';
	if (!ps)
		return;
	json_array_foreach(pub, i, v)
		if (nn_portspec_from_json(json_object_get(v, "spec"), &ps[k[0]], NULL) == 0)
			k[0]++;
	json_array_foreach(bports, i, v) {
		const char *s = json_string_value(v);
		unsigned c, state = 2;

		if (string_in(json_object_get(byp, "listening"), s))
			state = 0;
		else if (string_in(json_object_get(byp, "loopback"), s))
			state = 1;

		if (nn_portspec_parse(s ?: "", &ps[state * n + k[state]], &c, NULL) == 0)
			k[state]++;
	}
	for (unsigned st = 0; st < 3; st++)
		off = nn_portspec_list_text(ps + st * n, k[st], notes[st], buf, len, off);
}

static void ps_row(struct nn_out *o, json_t *sb)
{
	/* the -p specs the bypass takes; those a host socket listens on; those on loopback */
	static const char *const bypass_lists[] = { "ports", "listening", "loopback" };
	json_t *pub = json_object_get(sb, "publish"), *byp = json_object_get(sb, "bypass"), *p, *a;
	char ports[1024] = "", cmd[1024] = "";
	size_t i;

	nn_out_open_object(o, NULL);
	nn_out_string(o, "name", "%-16s ", json_string_value(json_object_get(sb, "name")));
	nn_out_string(o, "ip", "%-15s ", json_string_value(json_object_get(sb, "ip")));
	nn_out_uint(o, "prefix", NULL, json_integer_value(json_object_get(sb, "prefix")));
	if (json_is_string(json_object_get(sb, "ip6"))) {
		nn_out_string(o, "ip6", "%-20s ", json_string_value(json_object_get(sb, "ip6")));
		nn_out_uint(o, "prefix6", NULL, json_integer_value(json_object_get(sb, "prefix6")));
	} else {
		nn_out_null(o, "ip6", "%-20s ");
		nn_out_null(o, "prefix6", NULL);
	}
	nn_out_open_array(o, "ports");
	json_array_foreach(pub, i, p) {
		json_t *spec = json_object_get(p, "spec");

		nn_out_open_object(o, NULL);
		nn_out_int(o, "id", NULL, json_integer_value(json_object_get(p, "id")));
		nn_out_string(o, "proto", NULL, json_string_value(json_object_get(spec, "proto")));
		nn_out_string(o, "host_ip", NULL,
			      json_string_value(json_object_get(spec, "parentIP")) ?: "");
		nn_out_int(o, "host_port", NULL,
			   json_integer_value(json_object_get(spec, "parentPort")));
		nn_out_int(o, "sandbox_port", NULL,
			   json_integer_value(json_object_get(spec, "childPort")));
		nn_out_close(o);
	}
	nn_out_close(o);
	ports_text(pub, byp, ports, sizeof(ports));
	nn_out_text(o, "%-24s ", *ports ? ports : "-");
	nn_out_int(o, "pid", "%-8lld ", json_integer_value(json_object_get(sb, "pid")));
	if (json_is_object(byp)) {
		nn_out_open_object(o, "bypass");
		nn_out_uint(o, "sockets", NULL,
			    json_integer_value(json_object_get(byp, "sockets")));
		nn_out_uint(o, "open", "bypass:%-3llu ",
			    json_integer_value(json_object_get(byp, "open")));
		for (unsigned k = 0; k < ARRAY_SIZE(bypass_lists); k++) {
			nn_out_open_array(o, bypass_lists[k]);
			json_array_foreach(json_object_get(byp, bypass_lists[k]), i, p)
				nn_out_string(o, NULL, NULL, json_string_value(p));
			nn_out_close(o);
		}
		nn_out_close(o);
	} else {
		nn_out_null(o, "bypass", "%-10s ");
	}
	nn_out_string(o, "veth", NULL, json_string_value(json_object_get(sb, "veth")));
	nn_out_string(o, "mac", NULL, json_string_value(json_object_get(sb, "mac")));
	nn_out_uint(o, "netns", NULL, json_integer_value(json_object_get(sb, "netns")));
	/* text: words a shell reads back, one line; JSON: the words joined, as they are */
	json_array_foreach(json_object_get(sb, "command"), i, a) {
		snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), "%s", i ? " " : "");
		if (nn_out_json(o))
			snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), "%s",
				 json_string_value(a));
		else
			nn_shell_word(cmd, sizeof(cmd), json_string_value(a) ?: "");
	}
	nn_out_string(o, "command", "%s\n", cmd);
	nn_out_close(o);
}

int cmd_ps(int argc, char **argv, struct nn_err *err)
{
	static const struct option lo[] = {
		{ "nest", required_argument, NULL, 'N' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *nest = NN_NEST_DEFAULT;
	_cleanup_json_ json_t *resp = NULL;
	bool json = false;
	struct nn_out *o;
	unsigned status;
	json_t *sb;
	size_t i;
	int c;

	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		if (c == 'N' && nn_nest_arg(argv[0], optarg))
			return EXIT_USAGE;
		if (c == 'N')
			nest = optarg;
		else if (c == 'j')
			json = true;
		else if (c == 'h')
			return ps_usage(stdout, 0);
		else
			return nn_opt_error(argv, c);
	}
	if (optind < argc)
		return nn_usage_error("ps", "unexpected argument '%s'", argv[optind]);
	if (nn_client_nest_request(nest, "GET", NN_SANDBOX_API, NULL, &status, &resp, err) < 0)
		return nn_fail(err);
	o = nn_out_new(stdout, json);
	if (!o)
		return nn_err(err, ENOMEM, "start the sandbox list output");
	nn_out_text(o, "%-16s %-15s %-20s %-24s %-8s %-10s %s\n", "NAME", "IP", "IPV6", "PORTS",
		    "PID", "BYPASS", "COMMAND");
	nn_out_open_array(o, "sandboxes");
	json_array_foreach(json_object_get(resp, "sandboxes"), i, sb)
		ps_row(o, sb);
	nn_out_close(o);
	if (nn_out_finish(o) < 0)
		return nn_err(err, EIO, "write the sandbox list");
	return 0;
}

/* ---- stop ---- */

int cmd_stop(int argc, char **argv, struct nn_err *err)
{
	static const struct option lo[] = {
		{ "nest", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *nest = NN_NEST_DEFAULT, *why;
	char path[PATH_MAX];
	unsigned status;
	int c, ret = 0;

	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		if (c == 'N') {
			if (nn_nest_arg(argv[0], optarg))
				return EXIT_USAGE;
			nest = optarg;
		} else if (c == 'h') {
			printf("Usage: netnest stop [--nest NAME] NAME...\n\n"
			       "Stop sandboxes: SIGTERM to every process of the sandbox's netns,\n"
			       "SIGKILL after 5 s; returns once they, and each one's veth, lease,\n"
			       "ports and record are gone.\n\n"
			       "Options:\n"
			       "      --nest NAME  the nest (default \"default\")\n"
			       "  -h, --help       show this help\n");
			return 0;
		} else {
			return nn_opt_error(argv, c);
		}
	}
	if (optind >= argc)
		return nn_usage_error("stop", "no sandbox name given");
	for (int i = optind; i < argc; i++)
		if (!nn_valid_name(argv[i], NN_NAME_MAX, &why))
			return nn_usage_error("stop", "sandbox name '%s' %s", argv[i], why);
	for (int i = optind; i < argc; i++) {
		snprintf(path, sizeof(path), "%s/%s", NN_SANDBOX_API, argv[i]);
		if (nn_client_nest_request(nest, "DELETE", path, NULL, &status, NULL, err) < 0) {
			if (status == 404) /* the daemon's "no sandbox named X" */
				nn_err_wrap(err, "nest %s", nest);
			ret = nn_print_err(err);
		}
	}
	return ret;
}
